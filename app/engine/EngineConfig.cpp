#include "EngineConfig.h"

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
    if (check.type == QLatin1String("http")) {
        check.httpPath = server.stringProperty(QStringLiteral("check_path"));
        const QStringList range = server.stringProperty(QStringLiteral("check_status")).split(QLatin1Char('-'));
        check.expectLow = range.first().toInt();
        check.expectHigh = range.last().toInt();
    }
    return check;
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
    for (const Link &link : topology.linksFrom(lb.id)) {
        const Node *server = topology.node(link.to);
        if (!server || !isServerKind(server->kind))
            continue;
        frontend.servers.append({server->name, server->stringProperty(QStringLiteral("address")),
                                 quint16(server->intProperty(QStringLiteral("port"))),
                                 server->intProperty(QStringLiteral("weight")),
                                 server->boolProperty(QStringLiteral("backup")),
                                 server->intProperty(QStringLiteral("maxconn")), checkOf(*server)});
    }
    return frontend;
}

} // namespace

CompileResult compile(const Topology &topology)
{
    CompileResult result;
    result.problems = validate(topology);
    if (!result.problems.isEmpty())
        return result;
    for (const Node &node : topology.nodes()) {
        if (node.kind == NodeKind::LoadBalancer)
            result.config.frontends.append(frontendOf(topology, node));
    }
    return result;
}

} // namespace Loadstar::Engine
