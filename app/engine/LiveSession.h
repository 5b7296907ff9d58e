#pragma once

#include "engine/Engine.h"
#include "engine/database/DatabaseServers.h"
#include "engine/demo/DemoBackends.h"
#include "engine/external/ExternalHaproxies.h"
#include "engine/health/HealthMonitor.h"
#include "engine/monitor/AlertMonitor.h"
#include "engine/tls/TlsOffload.h"
#include "engine/traffic/TrafficGenerator.h"
#include "engine/vrrp/VirtualAddresses.h"

#include <QSet>
#include <QString>
#include <QStringList>

namespace Loadstar {

// A document (or `loadstar proxy`'s command line) running for real: the
// embedded demo backends, the proxy engine in front of the servers, the
// health monitor probing every server and driving the engine — a DOWN
// server leaves rotation, traffic the engine sees failing reaches the
// monitor (observe/on-error) —, the client nodes' traffic and the monitor
// nodes' alerts. The GUI's Run and `loadstar run` both use it,
// so they behave the same. Each part runs on threads of its own.
class LiveSession
{
public:
    explicit LiveSession(int engineThreads = 1);
    ~LiveSession(); // stops
    LiveSession(const LiveSession &) = delete;
    LiveSession &operator=(const LiveSession &) = delete;

    // Starts the demo databases (and waits for them), then the demo
    // backends, the engine and the virtual addresses, then the checks, then
    // the clients' traffic, so the first requests find everything listening.
    // A demo database that can't run does not stop the rest: its status
    // says why.
    // When a part can't start, nothing runs and *error says why in one
    // sentence.
    bool start(const Engine::EngineConfig &config, QString *error = nullptr);
    // A changed configuration, while running: every part keeps what did not
    // change (connections, faults, health states).
    bool apply(const Engine::EngineConfig &config, QString *error = nullptr);
    // Stops the traffic first, so no request meets a half-stopped engine.
    void stop();
    bool isRunning() const { return m_running; }

    // What-if, for real: the named nodes fail as boxes do, or come back. A
    // load balancer's listener closes with every connection it holds (and
    // reopens on the same address and port); an embedded demo backend is
    // killed (and revived) as its card's Kill does. The health checks and
    // the traffic then see what they see. A failed node stays failed across
    // apply(). Returns a sentence for each node that could not be failed
    // ("db-01 is not run by Loadstar: only the prediction shows it
    // failed.") or brought back (its port taken meanwhile); empty when all
    // of them were.
    QStringList setFailed(const QStringList &nodes, bool failed);
    QSet<QString> failedNodes() const { return m_failed; }

    Engine::Engine &engine() { return m_engine; }
    Engine::DemoBackends &demoBackends() { return m_demo; }
    // The demo databases: real MariaDB and PostgreSQL servers, their
    // replication, faults and promotions.
    Engine::DatabaseServers &databaseServers() { return m_databases; }
    Health::HealthMonitor &monitor() { return m_monitor; }
    Engine::TrafficGenerator &traffic() { return m_traffic; }
    // The monitor nodes: their alerts and their cards' lines.
    Monitor::AlertMonitor &alerts() { return m_alerts; }
    // Load balancers sharing a virtual address: who holds it.
    Engine::VirtualAddresses &virtualAddresses() { return m_virtualAddresses; }
    Engine::TlsOffload &tls() { return m_tls; }
    // The load balancers marked external: real HAProxy instances watched
    // through their statistics.
    External::ExternalHaproxies &externalHaproxies() { return m_external; }

    // The port a load balancer listens on, its TLS listener's for one with
    // TLS (useful when configured as 0); 0 when there is no such frontend.
    quint16 listenPort(const QString &frontend) const;
    // What the run says besides its listeners, such as "lb: TLS with a
    // self-signed certificate made for this run".
    QStringList notices() const { return m_tls.notices(); }

    // What the health monitor watches for a configuration: each server of
    // each frontend, each server no frontend links to, and what the monitor
    // nodes probe themselves (a node drawn without a check, a load
    // balancer's listener), each once.
    static QList<Health::MonitoredServer> monitoredServers(const Engine::EngineConfig &config);

    // The stats listener's /fault page, for headless runs:
    //   GET  /fault                                     every demo backend's fault
    //   POST /fault?server=NAME&state=kill|revive|hang|resume
    //   POST /fault?server=NAME&latency=MS&errors=PERCENT
    Engine::Engine::ControlReply faultPage(const QString &method, const QUrlQuery &query);
    static QString describeFault(const Engine::DemoFault &fault);

private:
    // The clients as the generator runs them: a frontend configured on port
    // 0 is reached on the port the engine picked.
    QList<Engine::ClientConfig> trafficClients(const Engine::EngineConfig &config) const;
    // The same for the monitor nodes' probes of load balancers.
    QList<Health::MonitoredServer> healthTargets(const Engine::EngineConfig &config) const;

    // Fails or restores one node; a sentence when it can't.
    QString setNodeFailed(const QString &node, bool failed);

    Engine::Engine m_engine;
    Engine::DatabaseServers m_databases;
    Engine::DemoBackends m_demo;
    Health::HealthMonitor m_monitor;
    Monitor::AlertMonitor m_alerts{m_monitor};
    Engine::VirtualAddresses m_virtualAddresses;
    Engine::TrafficGenerator m_traffic;
    Engine::TlsOffload m_tls;
    External::ExternalHaproxies m_external;
    bool m_running = false;
    Engine::EngineConfig m_config; // what runs
    QSet<QString> m_failed;        // nodes failed on purpose (what-if)
};

} // namespace Loadstar
