#include "ExternalServers.h"

#include "model/AutoLayout.h"

#include <QSet>

namespace Loadstar::External {

namespace {

// HAProxy's check_status word as the health monitor's code: the same words
// (checkCodeName), L7OKC (a passing check told to keep the server as it is)
// passing too; INI, UNK and the agent's words are no verdict.
Health::CheckCode checkCodeOf(const QString &word)
{
    if (word == QLatin1String("L7OKC"))
        return Health::CheckCode::L7OK;
    for (int code = int(Health::CheckCode::SockErr); code <= int(Health::CheckCode::L7STS); ++code) {
        if (Health::checkCodeName(Health::CheckCode(code)) == word)
            return Health::CheckCode(code);
    }
    return Health::CheckCode::Unknown;
}

} // namespace

bool isUp(const QString &status)
{
    return status.startsWith(QLatin1String("UP")) || status == QLatin1String("DRAIN")
           || status.startsWith(QLatin1String("NOLB")) || status == QLatin1String("no check");
}

namespace {

Health::ServerHealth unknownHealth(const QString &loadBalancer, const QString &server, const QString &why)
{
    Health::ServerHealth health;
    health.frontend = loadBalancer;
    health.server = server;
    health.status = QStringLiteral("unknown");
    health.up = true; // not known to be down: nothing to fail over from
    health.checked = false;
    health.lastCheck.reason = why;
    return health;
}

Health::ServerHealth healthOf(const ExternalSnapshot &snapshot, const QString &node, const HaproxyServer &server)
{
    Health::ServerHealth health;
    health.frontend = snapshot.loadBalancer;
    health.server = node;
    health.status = cardStatusOf(QString::fromStdString(server.row.status));
    health.up = isUp(health.status);
    health.checked = !server.checkStatus.isEmpty();
    if (health.checked && server.rise > 0 && server.health >= 0) {
        health.health = server.health;
        health.rise = server.rise;
        health.fall = server.fall;
    }
    Health::CheckResult &check = health.lastCheck;
    check.code = checkCodeOf(server.checkStatus);
    check.durationMs = std::max(0, server.checkDurationMs);
    check.httpStatus = server.checkCode;
    if (!check.passed() && check.code != Health::CheckCode::Unknown) {
        check.reason = !server.checkInfo.isEmpty() ? server.checkInfo
                       : server.checkCode > 0      ? QStringLiteral("HTTP status %1").arg(server.checkCode)
                                                   : server.checkDesc;
    }
    // A change HAProxy made while we watch shows as the embedded engine's do.
    if (server.lastChangeSeconds >= 0 && snapshot.time.isValid())
        health.lastChange = snapshot.time.addSecs(-server.lastChangeSeconds);
    health.changed = snapshot.changed.contains(server.backend() + QLatin1Char('/') + server.name());
    return health;
}

} // namespace

QString cardStatusOf(const QString &haproxyStatus)
{
    return haproxyStatus.startsWith(QLatin1String("MAINT")) ? QStringLiteral("MAINT") : haproxyStatus;
}

QString serverNodeName(const HaproxyStats &stats, const QString &backend, const QString &server)
{
    int backendsWithIt = 0;
    for (const HaproxyBackend &candidate : stats.backends) {
        for (const HaproxyServer &line : candidate.servers) {
            if (line.name() == server) {
                ++backendsWithIt;
                break;
            }
        }
    }
    return backendsWithIt > 1 ? QStringLiteral("%1-%2").arg(backend, server) : server;
}

QHash<QString, HaproxyServerRef> matchedServers(const HaproxyStats &stats, const QStringList &drawn)
{
    QHash<QString, HaproxyServerRef> matched;
    for (const HaproxyBackend &backend : stats.backends) {
        for (const HaproxyServer &server : backend.servers) {
            const QString node = serverNodeName(stats, backend.name, server.name());
            if (drawn.contains(node))
                matched.insert(node, {backend.name, server.name()});
        }
    }
    return matched;
}

ExternalView externalViewOf(const ExternalSnapshot &snapshot, const QStringList &drawnServers)
{
    ExternalView view;
    if (!snapshot.connected) {
        const QString why = snapshot.read ? QStringLiteral("unknown: %1").arg(snapshot.lostText())
                                          : QStringLiteral("waiting for %1's stats").arg(snapshot.loadBalancer);
        for (const QString &node : drawnServers)
            view.health.append(unknownHealth(snapshot.loadBalancer, node, why));
        return view;
    }

    Engine::StatsRow frontend;
    frontend.pxname = snapshot.loadBalancer.toStdString();
    frontend.svname = "FRONTEND";
    frontend.type = Engine::StatsRow::Type::Frontend;
    frontend.status = "OPEN";
    // What the load balancer carries: the traffic its backends take (the
    // stats page's own frontend would count the reads themselves).
    for (const HaproxyBackend &backend : snapshot.stats.backends) {
        frontend.rate += backend.row.rate;
        frontend.scur += backend.row.scur;
        frontend.stot += backend.row.stot;
        for (int i = 0; i < 6; ++i)
            frontend.hrsp[i] += backend.row.hrsp[i];
    }
    view.rows.push_back(frontend);

    const QHash<QString, HaproxyServerRef> matched = matchedServers(snapshot.stats, drawnServers);
    for (const QString &node : drawnServers) {
        const auto ref = matched.constFind(node);
        if (ref == matched.cend()) {
            view.health.append(unknownHealth(snapshot.loadBalancer, node,
                                             QStringLiteral("not in %1's stats").arg(snapshot.loadBalancer)));
            continue;
        }
        const HaproxyServer &server = *snapshot.stats.server(ref->backend, ref->server);
        view.health.append(healthOf(snapshot, node, server));
        Engine::StatsRow row = server.row;
        row.pxname = frontend.pxname;
        row.svname = node.toStdString();
        row.status = cardStatusOf(QString::fromStdString(row.status)).toStdString();
        view.rows.push_back(row);
    }
    return view;
}

QString ExternalImport::summary(const QString &loadBalancer) const
{
    const QString backendsText = backends == 1 ? QStringLiteral("1 backend") : QStringLiteral("%1 backends").arg(backends);
    const QString serversText = servers == 1 ? QStringLiteral("1 server") : QStringLiteral("%1 servers").arg(servers);
    return QStringLiteral("Imported %1, %2 from %3").arg(backendsText, serversText, loadBalancer);
}

ExternalImport externalImportOf(const HaproxyStats &stats, const Topology &topology, NodeId loadBalancer)
{
    ExternalImport import;
    const Node *lb = topology.node(loadBalancer);
    if (!lb)
        return import;
    QSet<NodeId> linked;
    for (const Link &link : topology.linksFrom(lb->id))
        linked.insert(link.to);

    // New nodes go in a row below the load balancer, each on a free spot;
    // they are added to a copy as they are placed so none lands on another.
    Topology planned = topology;
    LinkId nextLink = topology.nextLinkId();
    const int newServers = stats.serverCount();
    // As Arrange in Tiers spaces cards, a tier below, centred under the load
    // balancer.
    constexpr qreal Spacing = kTierColumnSpacing;
    QPointF spot = lb->position + QPointF(-Spacing / 2 * (newServers - 1), kTierRowSpacing + 30);
    for (const HaproxyBackend &backend : stats.backends) {
        bool backendUsed = false;
        for (const HaproxyServer &server : backend.servers) {
            const QString name = serverNodeName(stats, backend.name, server.name());
            const Node *existing = planned.nodeByName(name);
            if (existing && linked.contains(existing->id))
                continue;
            NodeId target = existing ? existing->id : 0;
            if (!existing) {
                const NodeKind kind = backend.mode == QLatin1String("http") ? NodeKind::WebServer : NodeKind::AppServer;
                Node node = planned.makeNewNode(kind, {});
                node.name = name;
                // A real server someone else runs: no demo backend here.
                node.setProperty(QStringLiteral("embedded"), false);
                const int colon = int(server.address.lastIndexOf(QLatin1Char(':')));
                if (colon > 0) {
                    QString host = server.address.left(colon);
                    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
                        host = host.mid(1, host.size() - 2);
                    node.setProperty(QStringLiteral("address"), host);
                    node.setProperty(QStringLiteral("port"), server.address.mid(colon + 1).toInt());
                }
                node.setProperty(QStringLiteral("backup"), server.row.bck > 0);
                node.setProperty(QStringLiteral("weight"), int(server.row.weight));
                node.position = planned.freeSpot(spot, QPointF(Spacing, 0), Spacing);
                spot = node.position + QPointF(Spacing, 0);
                target = planned.addNode(node);
                import.nodes.append(node);
            }
            import.links.append({nextLink++, LinkKind::Http, lb->id, target});
            linked.insert(target);
            ++import.servers;
            backendUsed = true;
        }
        import.backends += backendUsed ? 1 : 0;
    }
    return import;
}

} // namespace Loadstar::External
