#pragma once

#include "model/Topology.h"

namespace Loadstar::Test {

// Every node kind and every link kind, with properties away from their
// defaults, so a round trip that dropped or mangled any of them shows.
inline Topology everyKind()
{
    Topology t;
    auto add = [&](NodeKind kind, const char *name, QPointF pos) {
        return t.addNode(Node::make(kind, QString::fromLatin1(name), pos));
    };
    const NodeId client = add(NodeKind::Client, "client", {0, 0});
    const NodeId firewall = add(NodeKind::Firewall, "fw", {0, 80.5});
    const NodeId lb = add(NodeKind::LoadBalancer, "lb", {0, 160});
    const NodeId web = add(NodeKind::WebServer, "web-01", {-200.25, 320});
    const NodeId backup = add(NodeKind::WebServer, "web-02", {200, 320});
    const NodeId app = add(NodeKind::AppServer, "app-01", {0, 480});
    const NodeId primary = add(NodeKind::Database, "db-primary", {-200, 640});
    const NodeId replica = add(NodeKind::Database, "db-replica", {200, 640});
    const NodeId monitor = add(NodeKind::Monitor, "monitor", {400, 160});

    auto set = [&](NodeId id, const char *key, const QVariant &value) {
        const QString error = t.node(id)->setProperty(QString::fromLatin1(key), value);
        Q_ASSERT_X(error.isEmpty(), key, qPrintable(error));
    };
    set(client, "rate", 250);
    set(client, "path", QStringLiteral("/api/items?page=2"));
    set(firewall, "allow", QStringLiteral("10.0.0.0/8, 192.168.0.0/16"));
    set(firewall, "deny", QStringLiteral("10.66.0.0/16"));
    set(firewall, "rate_limit", 100);
    set(lb, "balance", QStringLiteral("leastconn"));
    set(lb, "port", 9443);
    set(lb, "redispatch", true);
    set(lb, "timeout_connect", 1500);
    set(web, "weight", 3);
    set(web, "check_path", QStringLiteral("/health"));
    set(web, "check_status", QStringLiteral("200-204"));
    set(web, "inter", 500);
    set(web, "fall", 2);
    set(backup, "backup", true);
    set(backup, "port", 8082);
    set(backup, "embedded", false);
    set(app, "address", QStringLiteral("app.internal"));
    set(app, "check", QStringLiteral("tcp"));
    set(primary, "engine", QStringLiteral("postgresql"));
    set(primary, "check", QStringLiteral("pgsql"));
    set(primary, "port", 5432);
    set(replica, "engine", QStringLiteral("postgresql"));
    set(replica, "role", QStringLiteral("replica"));
    set(replica, "address", QStringLiteral("::1"));
    set(replica, "port", 5433);
    set(monitor, "inter", 10000);
    set(monitor, "webhook", QStringLiteral("https://hooks.example.com/loadstar"));
    set(monitor, "cert_warn_days", 30);
    set(monitor, "notify", false);

    t.connect(client, firewall);
    t.connect(firewall, lb);
    t.connect(lb, web);
    t.connect(lb, backup);
    t.connect(web, app);
    t.connect(backup, app);
    t.connect(app, primary);
    t.connect(app, replica);
    t.connect(primary, replica);
    t.connect(monitor, lb);
    return t;
}

// A large valid drawing: `groups` load balancers, each with `perGroup` web
// servers on their own ports.
inline Topology generated(int groups, int perGroup)
{
    Topology t;
    int port = 20000;
    for (int g = 0; g < groups; ++g) {
        Node lbNode = Node::make(NodeKind::LoadBalancer, QStringLiteral("lb-%1").arg(g), QPointF(g * 400, 0));
        lbNode.setProperty(QStringLiteral("port"), port++);
        const NodeId lb = t.addNode(lbNode);
        for (int s = 0; s < perGroup; ++s) {
            Node server = Node::make(NodeKind::WebServer, QStringLiteral("web-%1-%2").arg(g).arg(s),
                                     QPointF(g * 400 + s * 10, 200));
            server.setProperty(QStringLiteral("port"), port++);
            t.connect(lb, t.addNode(server));
        }
    }
    return t;
}

} // namespace Loadstar::Test
