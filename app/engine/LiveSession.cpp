#include "LiveSession.h"

#include "engine/health/ProbeFactory.h"

namespace Loadstar {

LiveSession::LiveSession(int engineThreads)
    : m_engine(engineThreads)
{
    m_monitor.setEngine(&m_engine);
    m_engine.setObservationHandler([this](const QString &frontend, const QString &server, const QString &reason) {
        m_monitor.observedErrors(frontend, server, reason);
    });
}

LiveSession::~LiveSession()
{
    stop();
    m_engine.setObservationHandler({});
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
    for (const Engine::ServerConfig &server : config.watched)
        add(QString(), server);
    return servers;
}

bool LiveSession::start(const Engine::EngineConfig &config, QString *error)
{
    stop();
    if (!m_demo.start(config, error))
        return false;
    if (!m_engine.start(config, error)) {
        m_demo.stop();
        return false;
    }
    m_monitor.setServers(monitoredServers(config));
    m_monitor.start();
    m_running = true;
    return true;
}

bool LiveSession::apply(const Engine::EngineConfig &config, QString *error)
{
    if (!m_running)
        return start(config, error);
    if (!m_demo.apply(config, error) || !m_engine.apply(config, error))
        return false;
    m_monitor.setServers(monitoredServers(config));
    return true;
}

void LiveSession::stop()
{
    if (!m_running)
        return;
    m_monitor.stop();
    m_engine.stop();
    m_demo.stop();
    m_running = false;
}

} // namespace Loadstar
