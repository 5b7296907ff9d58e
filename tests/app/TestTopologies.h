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

// A drawing using every feature an HAProxy, keepalived or nginx export can
// say: TLS with a redirect, a firewall with deny and a rate limit, a pair
// sharing a virtual address and a backend, every balance algorithm, every
// check kind and server option, database clusters behind load balancers
// and one without (which the export gives write/read listeners), and lines
// kept from an imported configuration.
inline Topology everyFeature()
{
    Topology t;
    auto add = [&](NodeKind kind, const QString &name, const QVariantMap &properties) {
        Node node = Node::make(kind, name, QPointF(t.nodes().size() * 40, 0));
        for (auto it = properties.cbegin(); it != properties.cend(); ++it) {
            const QString error = node.setProperty(it.key(), it.value());
            Q_ASSERT_X(error.isEmpty(), qPrintable(it.key()), qPrintable(error));
        }
        return t.addNode(node);
    };
    const NodeId client = add(NodeKind::Client, QStringLiteral("client"), {});
    const NodeId firewall = add(NodeKind::Firewall, QStringLiteral("edge"),
                                {{"allow", "10.0.0.0/8, 127.0.0.0/8, ::1/128"}, {"deny", "10.66.0.0/16"},
                                 {"rate_limit", 50}});
    const QVariantMap wwwSettings{{"address", "127.0.0.2"}, {"port", 8443}, {"virtual_address", "127.0.0.10"},
                                  {"tls", true}, {"http_redirect_port", 8000}, {"allbackups", true},
                                  {"maxconn", 2000}, {"retries", 2}, {"redispatch", true},
                                  {"timeout_connect", 1500}, {"timeout_client", 30000},
                                  {"timeout_server", 45000}, {"timeout_queue", 2500},
                                  {"timeout_http_request", 5000}, {"timeout_http_keep_alive", 2000},
                                  {"backend_name", "web"}, {"haproxy_bind", "alpn h2,http/1.1"},
                                  {"haproxy_global", "tune.ssl.default-dh-param 2048\nssl-server-verify none"},
                                  {"haproxy_defaults", "option dontlognull"},
                                  {"haproxy_frontend", "http-request set-header X-Forwarded-Proto https\n"
                                                       "use_backend api if { path_beg /api }"},
                                  {"haproxy_backend", "cookie SERVERID insert indirect nocache"},
                                  {"haproxy_sections", "backend api\n    mode http\n    timeout connect 5s\n"
                                                       "    timeout server 30s\n    server api-01 127.0.0.1:9100 check"}};
    QVariantMap wwwB = wwwSettings;
    wwwB.insert(QStringLiteral("address"), QStringLiteral("127.0.0.3"));
    wwwB.insert(QStringLiteral("http_redirect_port"), 0);
    const NodeId wwwA = add(NodeKind::LoadBalancer, QStringLiteral("www-a"), wwwSettings);
    const NodeId wwwBId = add(NodeKind::LoadBalancer, QStringLiteral("www-b"), wwwB);
    const NodeId web1 = add(NodeKind::WebServer, QStringLiteral("web-01"),
                            {{"port", 8081}, {"weight", 3}, {"maxconn", 100}, {"inter", 500}, {"fastinter", 250},
                             {"downinter", 1000}, {"rise", 3}, {"fall", 2}, {"observe", "layer7"},
                             {"error_limit", 5}, {"on_error", "sudden-death"}, {"check_path", "/health"},
                             {"check_status", "200-204"}, {"check_method", "HEAD"},
                             {"check_host", "www.example.org"}, {"check_body", "all good"},
                             {"check_timeout", 1500}, {"haproxy_server", "cookie w1"}});
    const NodeId web2 = add(NodeKind::WebServer, QStringLiteral("web-02"),
                            {{"port", 8082}, {"backup", true}, {"check_path", "/health"},
                             {"check_status", "200-204"}, {"check_method", "HEAD"},
                             {"check_host", "www.example.org"}, {"check_body", "all good"},
                             {"haproxy_server", "cookie w2"}});
    const NodeId web3 = add(NodeKind::WebServer, QStringLiteral("web-03"),
                            {{"port", 8083}, {"weight", 0}, {"check", "none"}});

    // Application tier: an internal load balancer in front of app servers.
    const NodeId appLb = add(NodeKind::LoadBalancer, QStringLiteral("app-lb"),
                             {{"port", 9000}, {"balance", "leastconn"}});
    const NodeId app1 = add(NodeKind::AppServer, QStringLiteral("app-01"),
                            {{"port", 9001}, {"check", "https"}, {"check_path", "/ready"}});
    const NodeId app2 = add(NodeKind::AppServer, QStringLiteral("app-02"),
                            {{"port", 9002}, {"check", "https"}, {"check_path", "/ready"}, {"weight", 2}});
    const NodeId staticLb = add(NodeKind::LoadBalancer, QStringLiteral("static-lb"),
                                {{"port", 9010}, {"balance", "static-rr"}, {"mode", "tcp"}});
    const NodeId static1 = add(NodeKind::AppServer, QStringLiteral("static-01"),
                                 {{"port", 9011}, {"check", "tls"}, {"check_host", "static.internal"}});
    const NodeId static2 = add(NodeKind::AppServer, QStringLiteral("static-02"), {{"port", 9012}, {"check", "http"}});

    // Databases behind load balancers: MariaDB writes, PostgreSQL reads, Redis.
    const NodeId mysqlLb = add(NodeKind::LoadBalancer, QStringLiteral("mysql-write"),
                               {{"port", 13306}, {"mode", "tcp"}, {"db_route", "primary"}, {"balance", "first"}});
    const NodeId mysql1 = add(NodeKind::Database, QStringLiteral("mysql-01"),
                              {{"port", 3306}, {"check", "mysql"}, {"db_user", "haproxy"}});
    const NodeId mysql2 = add(NodeKind::Database, QStringLiteral("mysql-02"),
                              {{"port", 3307}, {"check", "mysql"}, {"db_user", "haproxy"}, {"role", "replica"},
                               {"standby", true}});
    const NodeId pgLb = add(NodeKind::LoadBalancer, QStringLiteral("pg-read"),
                            {{"port", 15432}, {"mode", "tcp"}, {"db_route", "replicas"}, {"balance", "source"}});
    const NodeId pg1 = add(NodeKind::Database, QStringLiteral("pg-01"),
                           {{"port", 5432}, {"engine", "postgresql"}, {"check", "pgsql"}, {"db_user", "monitor"}});
    const NodeId pg2 = add(NodeKind::Database, QStringLiteral("pg-02"),
                           {{"address", "::1"}, {"port", 5433}, {"engine", "postgresql"}, {"check", "pgsql"},
                            {"role", "replica"}, {"db_user", "monitor"}});
    const NodeId redisLb = add(NodeKind::LoadBalancer, QStringLiteral("cache"),
                               {{"port", 16379}, {"mode", "tcp"}, {"balance", "random"}});
    const NodeId redis1 = add(NodeKind::Database, QStringLiteral("redis-01"),
                              {{"port", 6379}, {"engine", "redis"}, {"check", "redis"}});
    // A cluster the app servers reach directly: the export adds its listeners.
    const NodeId orders1 = add(NodeKind::Database, QStringLiteral("orders-primary"), {{"port", 3316}, {"check", "mysql"}});
    const NodeId orders2 = add(NodeKind::Database, QStringLiteral("orders-replica"),
                               {{"port", 3317}, {"check", "mysql"}, {"role", "replica"}});

    t.connect(client, firewall);
    t.connect(firewall, wwwA);
    t.connect(firewall, wwwBId);
    for (NodeId lb : {wwwA, wwwBId}) {
        t.connect(lb, web1);
        t.connect(lb, web2);
        t.connect(lb, web3);
    }
    for (NodeId web : {web1, web2, web3}) {
        t.connect(web, appLb);
        t.connect(web, staticLb);
    }
    t.connect(appLb, app1);
    t.connect(appLb, app2);
    t.connect(staticLb, static1);
    t.connect(staticLb, static2);
    for (NodeId app : {app1, app2}) {
        t.connect(app, mysqlLb);
        t.connect(app, pgLb);
        t.connect(app, redisLb);
        t.connect(app, orders1);
        t.connect(app, orders2);
    }
    t.connect(mysqlLb, mysql1);
    t.connect(mysqlLb, mysql2);
    t.connect(mysql1, mysql2);
    t.connect(pgLb, pg1);
    t.connect(pgLb, pg2);
    t.connect(pg1, pg2);
    t.connect(redisLb, redis1);
    t.connect(orders1, orders2);
    return t;
}

} // namespace Loadstar::Test
