#include "Kinds.h"

namespace Loadstar {

namespace {

struct NodeKindInfo
{
    NodeKind kind;
    const char *id;
    const char *name;
};

constexpr NodeKindInfo kNodeKinds[] = {
    {NodeKind::Client, "client", "client"},
    {NodeKind::LoadBalancer, "load-balancer", "load balancer"},
    {NodeKind::WebServer, "web-server", "web server"},
    {NodeKind::AppServer, "app-server", "app server"},
    {NodeKind::Database, "database", "database"},
    {NodeKind::Firewall, "firewall", "firewall"},
    {NodeKind::Monitor, "monitor", "monitor"},
};

struct LinkKindInfo
{
    LinkKind kind;
    const char *id;
    const char *name;
};

constexpr LinkKindInfo kLinkKinds[] = {
    {LinkKind::Http, "http", "HTTP traffic"},
    {LinkKind::Tcp, "tcp", "TCP traffic"},
    {LinkKind::Replication, "replication", "replication"},
};

} // namespace

QList<NodeKind> allNodeKinds()
{
    QList<NodeKind> kinds;
    for (const auto &info : kNodeKinds)
        kinds.append(info.kind);
    return kinds;
}

QList<LinkKind> allLinkKinds()
{
    QList<LinkKind> kinds;
    for (const auto &info : kLinkKinds)
        kinds.append(info.kind);
    return kinds;
}

QString nodeKindId(NodeKind kind)
{
    for (const auto &info : kNodeKinds) {
        if (info.kind == kind)
            return QString::fromLatin1(info.id);
    }
    Q_UNREACHABLE();
    return {};
}

QString nodeKindName(NodeKind kind)
{
    for (const auto &info : kNodeKinds) {
        if (info.kind == kind)
            return QString::fromLatin1(info.name);
    }
    Q_UNREACHABLE();
    return {};
}

std::optional<NodeKind> nodeKindFromId(const QString &id)
{
    for (const auto &info : kNodeKinds) {
        if (id == QLatin1String(info.id))
            return info.kind;
    }
    return std::nullopt;
}

QString linkKindId(LinkKind kind)
{
    for (const auto &info : kLinkKinds) {
        if (info.kind == kind)
            return QString::fromLatin1(info.id);
    }
    Q_UNREACHABLE();
    return {};
}

QString linkKindName(LinkKind kind)
{
    for (const auto &info : kLinkKinds) {
        if (info.kind == kind)
            return QString::fromLatin1(info.name);
    }
    Q_UNREACHABLE();
    return {};
}

std::optional<LinkKind> linkKindFromId(const QString &id)
{
    for (const auto &info : kLinkKinds) {
        if (id == QLatin1String(info.id))
            return info.kind;
    }
    return std::nullopt;
}

bool isServerKind(NodeKind kind)
{
    return kind == NodeKind::WebServer || kind == NodeKind::AppServer || kind == NodeKind::Database;
}

LinkRule linkKindFor(NodeKind from, NodeKind to)
{
    auto refuse = [](const char *reason) { return LinkRule{std::nullopt, QString::fromUtf8(reason)}; };

    if (from == to && from != NodeKind::Database && from != NodeKind::WebServer
        && from != NodeKind::AppServer) {
        return refuse("two nodes of the same kind do not send traffic to each other");
    }
    if (to == NodeKind::Client)
        return refuse("a client only sends traffic; it does not receive it");
    if (to == NodeKind::Monitor)
        return refuse("draw monitoring from the monitor to the node it watches");

    switch (from) {
    case NodeKind::Client:
    case NodeKind::Firewall:
        switch (to) {
        case NodeKind::LoadBalancer:
        case NodeKind::WebServer:
        case NodeKind::AppServer:
            return {LinkKind::Http, {}};
        case NodeKind::Firewall:
            if (from == NodeKind::Client)
                return {LinkKind::Http, {}};
            break;
        case NodeKind::Database:
            return refuse("clients reach a database through a web or app server");
        default:
            break;
        }
        break;
    case NodeKind::LoadBalancer:
        switch (to) {
        case NodeKind::WebServer:
        case NodeKind::AppServer:
            return {LinkKind::Http, {}};
        case NodeKind::Database:
            return {LinkKind::Tcp, {}};
        case NodeKind::Firewall:
            return refuse("put the firewall in front of the load balancer, not behind it");
        default:
            break;
        }
        break;
    case NodeKind::WebServer:
    case NodeKind::AppServer:
        switch (to) {
        case NodeKind::AppServer:
        case NodeKind::LoadBalancer:
            return {LinkKind::Http, {}};
        case NodeKind::Database:
            return {LinkKind::Tcp, {}};
        case NodeKind::WebServer:
            return refuse("a web server sends traffic to app servers or databases, not to another web server");
        case NodeKind::Firewall:
            return refuse("a server does not send traffic to a firewall");
        default:
            break;
        }
        break;
    case NodeKind::Database:
        if (to == NodeKind::Database)
            return {LinkKind::Replication, {}};
        return refuse("a database only replicates to another database");
    case NodeKind::Monitor:
        if (to == NodeKind::Client)
            break;
        return {LinkKind::Tcp, {}};
    }
    return refuse("these two kinds of node do not exchange traffic");
}

} // namespace Loadstar
