#include "Kinds.h"

namespace Loadstar {

namespace {

struct NodeKindInfo
{
    NodeKind kind;
    const char *id;
    const char *name;
    const char *nameBase;
};

constexpr NodeKindInfo kNodeKinds[] = {
    {NodeKind::Client, "client", "client", "client"},
    {NodeKind::LoadBalancer, "load-balancer", "load balancer", "lb"},
    {NodeKind::WebServer, "web-server", "web server", "web"},
    {NodeKind::AppServer, "app-server", "app server", "app"},
    {NodeKind::Database, "database", "database", "db"},
    {NodeKind::Firewall, "firewall", "firewall", "fw"},
    {NodeKind::Monitor, "monitor", "monitor", "monitor"},
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

// One lookup for both tables: by kind, or by id.
template<typename Info, size_t N, typename Kind>
const Info &infoOf(const Info (&table)[N], Kind kind)
{
    for (const Info &info : table) {
        if (info.kind == kind)
            return info;
    }
    Q_UNREACHABLE();
    return table[0];
}

template<typename Info, size_t N>
auto kindFromId(const Info (&table)[N], const QString &id) -> std::optional<decltype(table[0].kind)>
{
    for (const Info &info : table) {
        if (id == QLatin1String(info.id))
            return info.kind;
    }
    return std::nullopt;
}

template<typename Info, size_t N>
auto allKinds(const Info (&table)[N])
{
    QList<decltype(table[0].kind)> kinds;
    for (const Info &info : table)
        kinds.append(info.kind);
    return kinds;
}

} // namespace

QList<NodeKind> allNodeKinds()
{
    return allKinds(kNodeKinds);
}

QList<LinkKind> allLinkKinds()
{
    return allKinds(kLinkKinds);
}

QString nodeKindId(NodeKind kind)
{
    return QString::fromLatin1(infoOf(kNodeKinds, kind).id);
}

QString nodeKindName(NodeKind kind)
{
    return QString::fromLatin1(infoOf(kNodeKinds, kind).name);
}

QString nodeNameBase(NodeKind kind)
{
    return QString::fromLatin1(infoOf(kNodeKinds, kind).nameBase);
}

std::optional<NodeKind> nodeKindFromId(const QString &id)
{
    return kindFromId(kNodeKinds, id);
}

QString linkKindId(LinkKind kind)
{
    return QString::fromLatin1(infoOf(kLinkKinds, kind).id);
}

QString linkKindName(LinkKind kind)
{
    return QString::fromLatin1(infoOf(kLinkKinds, kind).name);
}

std::optional<LinkKind> linkKindFromId(const QString &id)
{
    return kindFromId(kLinkKinds, id);
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
