#include "EngineConfig.h"

#include "model/PropertySchema.h"
#include "analysis/DesignAnalysis.h"

#include <QSet>

#include <algorithm>
#include <optional>

namespace Loadstar::Engine {

namespace {

CheckConfig checkOf(const Node &server)
{
    CheckConfig check;
    check.type = server.stringProperty(QStringLiteral("check"));
    check.inter = server.intProperty(QStringLiteral("inter"));
    check.fastinter = server.intProperty(QStringLiteral("fastinter"));
    check.downinter = server.intProperty(QStringLiteral("downinter"));
    check.rise = server.intProperty(QStringLiteral("rise"));
    check.fall = server.intProperty(QStringLiteral("fall"));
    check.timeout = server.intProperty(QStringLiteral("check_timeout"));
    check.observe = server.stringProperty(QStringLiteral("observe"));
    check.errorLimit = server.intProperty(QStringLiteral("error_limit"));
    check.onError = server.stringProperty(QStringLiteral("on_error"));
    if (check.type == QLatin1String("http") || check.type == QLatin1String("https")) {
        check.httpPath = server.stringProperty(QStringLiteral("check_path"));
        const QStringList range = server.stringProperty(QStringLiteral("check_status")).split(QLatin1Char('-'));
        check.expectLow = range.first().toInt();
        check.expectHigh = range.last().toInt();
        check.httpMethod = server.stringProperty(QStringLiteral("check_method"));
        check.expectBody = server.stringProperty(QStringLiteral("check_body"));
    }
    if (check.type == QLatin1String("http") || check.type == QLatin1String("https")
        || check.type == QLatin1String("tls")) {
        check.httpHost = server.stringProperty(QStringLiteral("check_host"));
    }
    if (check.type == QLatin1String("https") || check.type == QLatin1String("tls"))
        check.certMinDays = server.intProperty(QStringLiteral("cert_min_days"));
    if (server.kind == NodeKind::Database) {
        check.dbUser = server.stringProperty(QStringLiteral("db_user"));
        check.credentialsFile = server.stringProperty(QStringLiteral("credentials_file"));
        check.database = server.stringProperty(QStringLiteral("database"));
        check.maxLagMs = server.intProperty(QStringLiteral("max_lag"));
    }
    return check;
}

ServerConfig serverOf(const Node &server)
{
    ServerConfig config;
    config.name = server.name;
    config.address = server.stringProperty(QStringLiteral("address"));
    config.port = quint16(server.intProperty(QStringLiteral("port")));
    config.weight = server.intProperty(QStringLiteral("weight"));
    config.backup = server.boolProperty(QStringLiteral("backup"));
    config.maxconn = server.intProperty(QStringLiteral("maxconn"));
    config.embedded = server.kind != NodeKind::Database && server.boolProperty(QStringLiteral("embedded"));
    config.check = checkOf(server);
    return config;
}

// What a web or app server links to: the databases its demo backend queries.
QStringList databasesOf(const Topology &topology, const Node &server)
{
    QStringList databases;
    if (server.kind != NodeKind::WebServer && server.kind != NodeKind::AppServer)
        return databases;
    for (const Link &link : topology.linksFrom(server.id)) {
        const Node *database = topology.node(link.to);
        if (database && database->kind == NodeKind::Database && !databases.contains(database->name))
            databases.append(database->name);
    }
    return databases;
}

ServerConfig serverOf(const Topology &topology, const Node &server)
{
    ServerConfig config = serverOf(server);
    config.databases = databasesOf(topology, server);
    return config;
}

DatabaseConfig databaseOf(const Topology &topology, const Node &database)
{
    DatabaseConfig config;
    config.name = database.name;
    config.engine = database.stringProperty(QStringLiteral("engine"));
    config.address = database.stringProperty(QStringLiteral("address"));
    config.port = quint16(database.intProperty(QStringLiteral("port")));
    config.role = database.stringProperty(QStringLiteral("role"));
    for (const Link &link : topology.linksTo(database.id)) {
        const Node *source = topology.node(link.from);
        if (link.kind == LinkKind::Replication && source && source->kind == NodeKind::Database)
            config.source = source->name;
    }
    config.embedded = database.boolProperty(QStringLiteral("embedded"));
    config.standby = database.boolProperty(QStringLiteral("standby"));
    config.replication = database.stringProperty(QStringLiteral("replication"));
    config.autoFailover = database.boolProperty(QStringLiteral("auto_failover"));
    config.maxLagMs = database.intProperty(QStringLiteral("max_lag"));
    config.check = checkOf(database);
    return config;
}

// A database route sets who is a backup from the databases' roles, as
// people set up HAProxy in front of a MariaDB or PostgreSQL cluster: writes
// go to the primary and fall back to a replica; reads are balanced over the
// replicas that keep up, and fall back to the primary.
void routeDatabase(const QString &route, const Node &database, ServerConfig &config)
{
    const bool replica = database.stringProperty(QStringLiteral("role")) == QLatin1String("replica");
    if (route == QLatin1String("primary")) {
        config.backup = replica;
    } else if (route == QLatin1String("replicas")) {
        config.backup = !replica;
        if (replica)
            config.check.requireRole = QStringLiteral("replica");
    }
}

TlsConfig tlsOf(const Node &lb)
{
    TlsConfig tls;
    tls.enabled = lb.boolProperty(QStringLiteral("tls"));
    if (!tls.enabled)
        return tls;
    tls.certificateFile = lb.stringProperty(QStringLiteral("tls_certificate"));
    tls.keyFile = lb.stringProperty(QStringLiteral("tls_key"));
    tls.redirectPort = quint16(lb.intProperty(QStringLiteral("http_redirect_port")));
    return tls;
}

// The firewall in front of a load balancer, if one is drawn (the validator
// lets only one guard a load balancer).
FirewallConfig firewallOf(const Topology &topology, const Node &lb)
{
    FirewallConfig firewall;
    for (const Link &link : topology.linksTo(lb.id)) {
        const Node *node = topology.node(link.from);
        if (!node || node->kind != NodeKind::Firewall)
            continue;
        firewall.name = node->name;
        firewall.allow = PropertySchema::networksOf(node->stringProperty(QStringLiteral("allow")));
        firewall.deny = PropertySchema::networksOf(node->stringProperty(QStringLiteral("deny")));
        firewall.rateLimit = node->intProperty(QStringLiteral("rate_limit"));
    }
    return firewall;
}

FrontendConfig frontendOf(const Topology &topology, const Node &lb)
{
    FrontendConfig frontend;
    frontend.name = lb.name;
    frontend.bindAddress = lb.stringProperty(QStringLiteral("address"));
    frontend.port = quint16(lb.intProperty(QStringLiteral("port")));
    frontend.mode = lb.stringProperty(QStringLiteral("mode")) == QLatin1String("tcp")
                        ? FrontendConfig::Mode::Tcp
                        : FrontendConfig::Mode::Http;
    frontend.balance = lb.stringProperty(QStringLiteral("balance"));
    frontend.allbackups = lb.boolProperty(QStringLiteral("allbackups"));
    frontend.maxconn = lb.intProperty(QStringLiteral("maxconn"));
    frontend.retries = lb.intProperty(QStringLiteral("retries"));
    frontend.redispatch = lb.boolProperty(QStringLiteral("redispatch"));
    frontend.timeoutConnect = lb.intProperty(QStringLiteral("timeout_connect"));
    frontend.timeoutClient = lb.intProperty(QStringLiteral("timeout_client"));
    frontend.timeoutServer = lb.intProperty(QStringLiteral("timeout_server"));
    frontend.timeoutQueue = lb.intProperty(QStringLiteral("timeout_queue"));
    frontend.timeoutHttpRequest = lb.intProperty(QStringLiteral("timeout_http_request"));
    frontend.timeoutHttpKeepAlive = lb.intProperty(QStringLiteral("timeout_http_keep_alive"));
    frontend.tls = tlsOf(lb);
    for (const Link &link : topology.linksFrom(lb.id)) {
        const Node *server = topology.node(link.to);
        if (!server || !isServerKind(server->kind))
            continue;
        ServerConfig config = serverOf(topology, *server);
        if (server->kind == NodeKind::Database)
            routeDatabase(lb.stringProperty(QStringLiteral("db_route")), *server, config);
        frontend.servers.append(config);
    }
    frontend.firewall = firewallOf(topology, lb);
    return frontend;
}

ExternalHaproxyConfig externalOf(const Topology &topology, const Node &lb)
{
    ExternalHaproxyConfig external;
    external.name = lb.name;
    external.statsUrl = lb.stringProperty(QStringLiteral("stats_url"));
    external.statsSocket = lb.stringProperty(QStringLiteral("stats_socket")).trimmed();
    external.refreshMs = lb.intProperty(QStringLiteral("stats_refresh"));
    for (const Link &link : topology.linksFrom(lb.id)) {
        const Node *server = topology.node(link.to);
        if (server && isServerKind(server->kind))
            external.servers.append(server->name);
    }
    return external;
}

// A frontend bound to every address is reached on loopback, of the same
// family.
QString reachableAddress(const QString &bindAddress)
{
    if (bindAddress == QLatin1String("0.0.0.0"))
        return QStringLiteral("127.0.0.1");
    if (bindAddress == QLatin1String("::"))
        return QStringLiteral("::1");
    return bindAddress;
}

// The load balancers a client's requests reach: linked straight, or through
// firewalls (which are rules on the load balancer's listener, not a hop).
QList<const Node *> loadBalancersReachedBy(const Topology &topology, const Node &client)
{
    QList<const Node *> reached;
    QList<NodeId> queue{client.id};
    QSet<NodeId> seen{client.id};
    for (int head = 0; head < queue.size(); ++head) {
        for (const Link &link : topology.linksFrom(queue.at(head))) {
            const Node *next = topology.node(link.to);
            if (!next || seen.contains(next->id))
                continue;
            seen.insert(next->id);
            if (next->kind == NodeKind::LoadBalancer)
                reached.append(next);
            else if (next->kind == NodeKind::Firewall)
                queue.append(next->id);
        }
    }
    return reached;
}

// Load balancers sharing a virtual address, in the drawing's order.
QList<VirtualAddressConfig> virtualAddressesOf(const Topology &topology)
{
    QList<VirtualAddressConfig> addresses;
    for (const Node &lb : topology.nodes()) {
        const QString shared = lb.kind == NodeKind::LoadBalancer && !lb.boolProperty(QStringLiteral("external"))
                                   ? lb.stringProperty(QStringLiteral("virtual_address"))
                                   : QString();
        if (shared.isEmpty())
            continue;
        auto group = std::find_if(addresses.begin(), addresses.end(),
                                  [&](const VirtualAddressConfig &address) { return address.address == shared; });
        const quint16 port = quint16(lb.intProperty(QStringLiteral("port")));
        if (group == addresses.end())
            group = addresses.insert(addresses.end(), VirtualAddressConfig{shared, port, {}});
        group->members.append({lb.name, reachableAddress(lb.stringProperty(QStringLiteral("address"))), port});
    }
    return addresses;
}

ClientConfig clientOf(const Node &client, const Node &lb, const QList<VirtualAddressConfig> &addresses)
{
    ClientConfig config;
    config.name = client.name;
    config.frontend = lb.name;
    config.address = reachableAddress(lb.stringProperty(QStringLiteral("address")));
    config.port = quint16(lb.intProperty(QStringLiteral("port")));
    for (const VirtualAddressConfig &shared : addresses) {
        if (shared.address == lb.stringProperty(QStringLiteral("virtual_address"))) {
            config.frontend = shared.members.first().frontend;
            config.address = shared.address;
            config.port = shared.port;
        }
    }
    config.rate = client.intProperty(QStringLiteral("rate"));
    config.concurrency = client.intProperty(QStringLiteral("concurrency"));
    config.tls = lb.boolProperty(QStringLiteral("tls"));
    config.writeRatio = client.intProperty(QStringLiteral("write_ratio"));
    config.paths = PathMix::parse(client.stringProperty(QStringLiteral("path_mix"))).shares;
    if (config.paths.isEmpty())
        config.paths.append({client.stringProperty(QStringLiteral("path")), 1});
    return config;
}

// What a monitor probes itself for a node it watches (see MonitorConfig).
std::optional<ServerConfig> monitorProbeOf(const Node &node, int inter)
{
    ServerConfig probe;
    if (node.kind == NodeKind::LoadBalancer) {
        probe.name = node.name;
        probe.address = reachableAddress(node.stringProperty(QStringLiteral("address")));
        probe.port = quint16(node.intProperty(QStringLiteral("port")));
        probe.check.type = node.boolProperty(QStringLiteral("tls")) ? QStringLiteral("tls") : QStringLiteral("tcp");
        probe.check.timeout = std::min(inter, probe.check.timeout);
    } else if (isServerKind(node.kind) && node.stringProperty(QStringLiteral("check")) == QLatin1String("none")) {
        probe = serverOf(node);
        probe.check.type = QStringLiteral("tcp");
    } else {
        return std::nullopt;
    }
    probe.check.inter = probe.check.fastinter = probe.check.downinter = inter;
    probe.check.observe = QStringLiteral("none");
    return probe;
}

MonitorConfig monitorOf(const Topology &topology, const Node &monitor)
{
    MonitorConfig config;
    config.name = monitor.name;
    config.inter = monitor.intProperty(QStringLiteral("inter"));
    config.webhook = monitor.stringProperty(QStringLiteral("webhook"));
    config.notify = monitor.boolProperty(QStringLiteral("notify"));
    config.certWarnDays = monitor.intProperty(QStringLiteral("cert_warn_days"));
    config.groupWait = monitor.intProperty(QStringLiteral("group_wait"));
    QList<NodeId> watchedIds;
    for (const Link &link : topology.linksFrom(monitor.id)) {
        const Node *node = topology.node(link.to);
        if (!node || (!isServerKind(node->kind) && node->kind != NodeKind::LoadBalancer)
            || config.watched.contains(node->name)) {
            continue;
        }
        config.watched.append(node->name);
        watchedIds.append(node->id);
        if (const std::optional<ServerConfig> probe = monitorProbeOf(*node, config.inter))
            config.probes.append(*probe);
    }
    // A watched node's failure explains the failures of the watched nodes
    // it cuts off from the clients.
    for (NodeId cause : std::as_const(watchedIds)) {
        const QSet<NodeId> cutOff = whatIf(topology, {cause}).unreachable;
        for (NodeId dependent : std::as_const(watchedIds)) {
            if (cutOff.contains(dependent))
                config.dependsOn[topology.node(dependent)->name].append(topology.node(cause)->name);
        }
    }
    return config;
}

} // namespace

CompileResult compile(const Topology &topology)
{
    CompileResult result;
    result.problems = validate(topology);
    if (!result.problems.isEmpty())
        return result;
    QSet<QString> balanced;
    for (const Node &node : topology.nodes()) {
        if (node.kind != NodeKind::LoadBalancer)
            continue;
        // A real HAProxy elsewhere is watched, and so are its servers,
        // through its statistics: Loadstar runs and probes none of them.
        if (node.boolProperty(QStringLiteral("external"))) {
            result.config.externals.append(externalOf(topology, node));
            for (const QString &server : std::as_const(result.config.externals.constLast().servers))
                balanced.insert(server);
            continue;
        }
        result.config.frontends.append(frontendOf(topology, node));
        for (const ServerConfig &server : result.config.frontends.constLast().servers)
            balanced.insert(server.name);
    }
    for (const Node &node : topology.nodes()) {
        if (isServerKind(node.kind) && !balanced.contains(node.name))
            result.config.watched.append(serverOf(topology, node));
        if (node.kind == NodeKind::Database)
            result.config.databases.append(databaseOf(topology, node));
    }
    result.config.virtualAddresses = virtualAddressesOf(topology);
    for (const Node &node : topology.nodes()) {
        if (node.kind != NodeKind::Client)
            continue;
        for (const Node *lb : loadBalancersReachedBy(topology, node)) {
            const ClientConfig client = clientOf(node, *lb, result.config.virtualAddresses);
            const bool same = std::any_of(result.config.clients.begin(), result.config.clients.end(),
                                          [&](const ClientConfig &other) {
                                              return other.name == client.name && other.address == client.address
                                                     && other.port == client.port;
                                          });
            if (!same)
                result.config.clients.append(client);
        }
    }
    for (const Node &node : topology.nodes()) {
        if (node.kind == NodeKind::Monitor)
            result.config.monitors.append(monitorOf(topology, node));
    }
    return result;
}

QString clusterOf(const QList<DatabaseConfig> &databases, const QString &database)
{
    QString current = database;
    QSet<QString> seen{current};
    for (;;) {
        const auto it = std::find_if(databases.begin(), databases.end(),
                                     [&](const DatabaseConfig &config) { return config.name == current; });
        if (it == databases.end() || it->source.isEmpty() || seen.contains(it->source))
            return current;
        current = it->source;
        seen.insert(current);
    }
}

} // namespace Loadstar::Engine
