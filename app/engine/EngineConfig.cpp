#include "EngineConfig.h"

#include "model/PropertySchema.h"

#include <QSet>

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
        ServerConfig config = serverOf(*server);
        if (server->kind == NodeKind::Database)
            routeDatabase(lb.stringProperty(QStringLiteral("db_route")), *server, config);
        frontend.servers.append(config);
    }
    frontend.firewall = firewallOf(topology, lb);
    return frontend;
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

ClientConfig clientOf(const Node &client, const Node &lb)
{
    ClientConfig config;
    config.name = client.name;
    config.frontend = lb.name;
    config.address = reachableAddress(lb.stringProperty(QStringLiteral("address")));
    config.port = quint16(lb.intProperty(QStringLiteral("port")));
    config.rate = client.intProperty(QStringLiteral("rate"));
    config.concurrency = client.intProperty(QStringLiteral("concurrency"));
    config.tls = lb.boolProperty(QStringLiteral("tls"));
    config.paths = PathMix::parse(client.stringProperty(QStringLiteral("path_mix"))).shares;
    if (config.paths.isEmpty())
        config.paths.append({client.stringProperty(QStringLiteral("path")), 1});
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
        result.config.frontends.append(frontendOf(topology, node));
        for (const ServerConfig &server : result.config.frontends.constLast().servers)
            balanced.insert(server.name);
    }
    for (const Node &node : topology.nodes()) {
        if (isServerKind(node.kind) && !balanced.contains(node.name))
            result.config.watched.append(serverOf(node));
    }
    for (const Node &node : topology.nodes()) {
        if (node.kind != NodeKind::Client)
            continue;
        // Straight to a load balancer, or through a firewall in front of it.
        QList<const Node *> reached;
        for (const Link &link : topology.linksFrom(node.id)) {
            const Node *next = topology.node(link.to);
            if (next && next->kind == NodeKind::LoadBalancer && !reached.contains(next))
                reached.append(next);
            if (!next || next->kind != NodeKind::Firewall)
                continue;
            for (const Link &guarded : topology.linksFrom(next->id)) {
                const Node *lb = topology.node(guarded.to);
                if (lb && lb->kind == NodeKind::LoadBalancer && !reached.contains(lb))
                    reached.append(lb);
            }
        }
        for (const Node *lb : reached)
            result.config.clients.append(clientOf(node, *lb));
    }
    return result;
}

} // namespace Loadstar::Engine
