#include "LiveSession.h"

#include "engine/FaultState.h"
#include "engine/database/DatabaseControlPages.h"
#include "engine/health/ProbeFactory.h"

#include <utility>
#include <QSet>

namespace Loadstar {

LiveSession::LiveSession(int engineThreads)
    : m_engine(engineThreads)
{
    m_monitor.setEngine(&m_engine);
    m_engine.setObservationHandler([this](const QString &frontend, const QString &server, const QString &reason) {
        m_monitor.observedErrors(frontend, server, reason);
    });
    m_engine.addControlPage(QStringLiteral("/fault"), [this](const QString &method, const QUrlQuery &query) {
        return faultPage(method, query);
    });
    m_engine.addControlPage(QStringLiteral("/promote"), [this](const QString &method, const QUrlQuery &query) {
        return Engine::promotePage(m_databases, method, query);
    });
    // The database tier: the servers decide where queries go, the demo
    // backends send them there; what the checks and the queries see of a
    // database reaches the servers (failover) and the monitor (observe).
    m_databases.setRoutingHandler([this](const QList<Engine::ClusterRouting> &routing) {
        m_demo.setDatabaseRouting(routing);
    });
    QObject::connect(&m_monitor, &Health::HealthMonitor::transition, [this](const Health::HealthEvent &event) {
        m_databases.setHealth(event.server, event.up);
    });
    m_demo.setDatabaseObservationHandler([this](const QString &database, const QString &reason) {
        m_monitor.observedErrors(QString(), database, reason);
    });
}

QString LiveSession::describeFault(const Engine::DemoFault &fault)
{
    const QString text = Engine::describeFault(fault, QStringLiteral(", "));
    return text.isEmpty() ? QStringLiteral("healthy") : text;
}

Engine::Engine::ControlReply LiveSession::faultPage(const QString &method, const QUrlQuery &query)
{
    if (method == QLatin1String("GET")) {
        QStringList lines;
        for (const Engine::DemoBackendStats &backend : m_demo.stats()) {
            lines << QStringLiteral("%1 on %2:%3: %4").arg(backend.name, backend.address).arg(backend.port)
                         .arg(describeFault(backend.fault));
        }
        lines << Engine::databaseFaultLines(m_databases);
        return {200, lines.isEmpty() ? QStringLiteral("No demo backend runs.") : lines.join(QLatin1Char('\n'))};
    }
    if (method != QLatin1String("POST"))
        return {405, QStringLiteral("Use POST to change a fault, GET to see them.")};
    const QString server = query.queryItemValue(QStringLiteral("server"), QUrl::FullyDecoded);
    if (server.isEmpty())
        return {400, QStringLiteral("Say which demo backend: /fault?server=NAME&state=kill|revive|hang|resume, &latency=MS or &errors=PERCENT.")};
    if (Engine::isDemoDatabase(m_databases, server))
        return Engine::databaseFaultPage(m_databases, server, query);
    if (!m_demo.names().contains(server))
        return {404, QStringLiteral("There is no demo backend named %1.").arg(server)};
    Engine::DemoFault fault = m_demo.fault(server);
    const QString state = query.queryItemValue(QStringLiteral("state"));
    if (!state.isEmpty() && !Engine::applyProcessState(fault, state))
        return {400, QStringLiteral("state is kill, revive, hang or resume, not “%1”.").arg(state)};
    const auto number = [&](const char *key, int max, int &target) {
        const QString text = query.queryItemValue(QLatin1String(key));
        if (text.isEmpty())
            return true;
        bool ok = false;
        const int value = text.toInt(&ok);
        if (!ok || value < 0 || value > max)
            return false;
        target = value;
        return true;
    };
    if (!number("latency", 600000, fault.latencyMs))
        return {400, QStringLiteral("latency takes milliseconds from 0 to 600000.")};
    if (!number("errors", 100, fault.errorPercent))
        return {400, QStringLiteral("errors takes a percentage from 0 to 100.")};
    QString error;
    if (!m_demo.setFault(server, fault, &error))
        return {409, error};
    return {200, QStringLiteral("%1 is now %2.").arg(server, describeFault(fault))};
}

LiveSession::~LiveSession()
{
    stop();
    m_engine.setObservationHandler({});
    m_demo.setDatabaseObservationHandler({});
    m_databases.setRoutingHandler({});
}

QList<Health::MonitoredServer> LiveSession::monitoredServers(const Engine::EngineConfig &config)
{
    QList<Health::MonitoredServer> servers;
    const auto add = [&](const QString &frontend, const Engine::ServerConfig &server) {
        Health::MonitoredServer monitored;
        monitored.frontend = frontend;
        monitored.target = {server.name, server.address, server.port, server.check};
        monitored.backup = server.backup;
        servers.append(monitored);
    };
    for (const Engine::FrontendConfig &frontend : config.frontends) {
        for (const Engine::ServerConfig &server : frontend.servers)
            add(frontend.name, server);
    }
    QSet<QString> probed;
    for (const Engine::MonitorConfig &monitor : config.monitors) {
        for (const Engine::ServerConfig &probe : monitor.probes)
            probed.insert(probe.name);
    }
    for (const Engine::ServerConfig &server : config.watched) {
        if (!probed.contains(server.name))
            add(QString(), server);
    }
    for (const Engine::MonitorConfig &monitor : config.monitors) {
        for (const Engine::ServerConfig &probe : monitor.probes) {
            if (probed.remove(probe.name))
                add(QString(), probe);
        }
    }
    return servers;
}

QList<Health::MonitoredServer> LiveSession::healthTargets(const Engine::EngineConfig &config) const
{
    QList<Health::MonitoredServer> servers = monitoredServers(config);
    for (Health::MonitoredServer &server : servers) {
        if (server.frontend.isEmpty() && server.target.port == 0)
            server.target.port = m_engine.listenPort(server.target.name);
    }
    return servers;
}

bool LiveSession::start(const Engine::EngineConfig &config, QString *error)
{
    stop();
    // Certificates are read first: a file that can't be used starts nothing.
    if (!m_tls.prepare(config, error))
        return false;
    m_databases.start(config.databases);
    if (!m_demo.start(config, error)) {
        m_databases.stop();
        return false;
    }
    m_demo.setDatabaseRouting(m_databases.routing());
    if (!m_engine.start(Engine::TlsOffload::engineSide(config), error)) {
        m_demo.stop();
        m_databases.stop();
        return false;
    }
    if (!m_tls.apply(config, m_engine, error)) {
        m_tls.stop();
        m_engine.stop();
        m_demo.stop();
        m_databases.stop();
        return false;
    }
    if (!m_virtualAddresses.start(config.virtualAddresses, error)) {
        m_tls.stop();
        m_engine.stop();
        m_demo.stop();
        m_databases.stop();
        return false;
    }
    m_external.apply(config.externals);
    m_monitor.setServers(healthTargets(config));
    // Alerts listen before the first check can change anything.
    m_alerts.setMonitors(config.monitors);
    m_alerts.start();
    m_monitor.start();
    if (!m_traffic.start(trafficClients(config), error)) {
        m_monitor.stop();
        m_alerts.stop();
        m_external.stop();
        m_virtualAddresses.stop();
        m_tls.stop();
        m_engine.stop();
        m_demo.stop();
        m_databases.stop();
        return false;
    }
    m_running = true;
    m_config = config;
    m_failed.clear();
    return true;
}

quint16 LiveSession::listenPort(const QString &frontend) const
{
    const quint16 tls = m_tls.listenPort(frontend);
    return tls != 0 ? tls : m_engine.listenPort(frontend);
}

QList<Engine::ClientConfig> LiveSession::trafficClients(const Engine::EngineConfig &config) const
{
    QList<Engine::ClientConfig> clients = config.clients;
    for (Engine::ClientConfig &client : clients) {
        if (client.port == 0)
            client.port = listenPort(client.frontend);
    }
    return m_tls.throughRelays(clients);
}

bool LiveSession::apply(const Engine::EngineConfig &config, QString *error)
{
    if (!m_running)
        return start(config, error);
    if (!m_tls.prepare(config, error))
        return false;
    m_databases.apply(config.databases);
    if (!m_demo.apply(config, error))
        return false;
    m_demo.setDatabaseRouting(m_databases.routing());
    m_tls.release(config);
    if (!m_engine.apply(Engine::TlsOffload::engineSide(config), error) || !m_tls.apply(config, m_engine, error)
        || !m_virtualAddresses.apply(config.virtualAddresses, error)) {
        return false;
    }
    m_external.apply(config.externals);
    m_monitor.setServers(healthTargets(config));
    m_alerts.setMonitors(config.monitors);
    m_config = config;
    // What failed on purpose stays failed: a listener or backend the new
    // configuration opened again is closed again; what left the drawing is
    // forgotten.
    const QSet<QString> failed = std::exchange(m_failed, {});
    for (const QString &node : failed)
        setNodeFailed(node, true);
    return m_traffic.apply(trafficClients(config), error);
}

QStringList LiveSession::setFailed(const QStringList &nodes, bool failed)
{
    QStringList notDone;
    for (const QString &node : nodes) {
        const QString reason = setNodeFailed(node, failed);
        if (!reason.isEmpty())
            notDone.append(reason);
    }
    return notDone;
}

QString LiveSession::setNodeFailed(const QString &node, bool failed)
{
    if (!m_running)
        return QStringLiteral("%1 can't fail for real: the document is not running.").arg(node);
    const auto remember = [&] {
        if (failed)
            m_failed.insert(node);
        else
            m_failed.remove(node);
        return QString();
    };
    // A node Loadstar does not run never failed for real: nothing to restore.
    const auto onlyPredicted = [failed](const QString &reason) { return failed ? reason : QString(); };
    QString error;
    for (const Engine::FrontendConfig &frontend : std::as_const(m_config.frontends)) {
        if (frontend.name == node) {
            return m_engine.setFrontendListening(node, !failed, &error) && m_tls.setListening(node, !failed, &error)
                       ? remember()
                       : error;
        }
        if (frontend.firewall.name == node) {
            return onlyPredicted(QStringLiteral("%1 is enforced inside %2's listener, not a box Loadstar runs: only the prediction shows it failed.")
                                     .arg(node, frontend.name));
        }
    }
    for (const Engine::ExternalHaproxyConfig &external : std::as_const(m_config.externals)) {
        if (external.name == node)
            return onlyPredicted(QStringLiteral("%1 is a real HAProxy Loadstar only watches: only the prediction shows it failed.").arg(node));
    }
    if (m_demo.names().contains(node))
        return m_demo.setKilled(node, failed, &error) ? remember() : error;
    for (const Engine::DatabaseServerStatus &database : m_databases.status()) {
        if (database.name != node || database.state == Engine::DatabaseServerStatus::State::Failed)
            continue;
        Engine::DatabaseFault fault = m_databases.fault(node);
        fault.killed = failed;
        error = m_databases.setFault(node, fault);
        return error.isEmpty() ? remember() : error;
    }
    for (const Health::MonitoredServer &server : monitoredServers(m_config)) {
        if (server.target.name == node)
            return onlyPredicted(QStringLiteral("%1 is not run by Loadstar: only the prediction shows it failed.").arg(node));
    }
    for (const Engine::ClientConfig &client : std::as_const(m_config.clients)) {
        if (client.name == node)
            return onlyPredicted(QStringLiteral("%1 is a client, not a box Loadstar runs: only the prediction shows it failed.").arg(node));
    }
    return onlyPredicted(QStringLiteral("%1 is not part of what runs: only the prediction shows it failed.").arg(node));
}

void LiveSession::stop()
{
    if (!m_running)
        return;
    m_traffic.stop();
    m_monitor.stop();
    m_alerts.stop();
    m_external.stop();
    m_virtualAddresses.stop();
    m_tls.stop();
    m_engine.stop();
    m_demo.stop();
    m_databases.stop();
    m_running = false;
    m_failed.clear();
}

} // namespace Loadstar
