#pragma once

#include "EngineConfig.h"
#include "Observation.h"
#include "ServerPool.h"
#include "Stats.h"

#include <QHostAddress>
#include <QString>
#include <QUrlQuery>

#include <functional>

#include <memory>

namespace Loadstar::Engine {

class EngineCore;

// The embedded proxy: every frontend of an EngineConfig listening and
// balancing real traffic, on worker threads of its own (standalone Asio, one
// io_context per thread). Every method is thread-safe and returns quickly;
// none waits for network I/O except start() and apply(), which resolve host
// names that are not literal addresses.
class Engine
{
public:
    // `threads` workers share every listener; the kernel hands each new
    // connection to one of them.
    explicit Engine(int threads = 1);
    ~Engine(); // stops
    Engine(const Engine &) = delete;
    Engine &operator=(const Engine &) = delete;

    // Binds every frontend and starts serving. When a listener can't bind
    // (port in use, address not on this machine…) nothing runs and *error
    // says which, in one sentence.
    bool start(const EngineConfig &config, QString *error = nullptr);

    // Applies a new configuration while running. Frontends keep their
    // listener when their address and port are unchanged; requests in flight
    // finish on the server they were sent to; counters and runtime state
    // (drain, maint, weight) carry over for servers of the same name.
    bool apply(const EngineConfig &config, QString *error = nullptr);

    // Closes the listeners and every connection, and joins the workers.
    void stop();
    bool isRunning() const;

    // The port a frontend listens on (useful when configured as 0), 0 when
    // there is no such frontend.
    quint16 listenPort(const QString &frontend) const;

    // Closes a frontend's listener and every connection it accepted, as
    // when the load balancer's box fails (what-if), or opens it again on the
    // same address and port. The frontend keeps its configuration, servers
    // and counters meanwhile; its stats status is STOP while closed, and a
    // new configuration leaves it closed. False with a sentence in *error
    // for an unknown frontend, or when its port can't be bound again.
    bool setFrontendListening(const QString &frontend, bool listening, QString *error = nullptr);

    // A connection from `source` that a frontend's TLS relay accepted
    // (TlsOffload): the firewall in front judges it by its real source, as
    // the frontend's own listener judges a plain one. True lets it in; a
    // refused one is counted in the frontend's conn_tot and dcon (an
    // admitted one is counted when it reaches the listener). Call it from
    // one thread only: the relay's.
    bool admitRelayed(const QString &frontend, const QHostAddress &source);

    // Runtime control, as HAProxy's "set server BACKEND/SERVER state|weight".
    // False with a sentence in *error for an unknown frontend or server.
    bool setServerState(const QString &frontend, const QString &server, AdminState state,
                        QString *error = nullptr);
    bool setServerWeight(const QString &frontend, const QString &server, int weight,
                         QString *error = nullptr);
    // The health verdict, set by health probes (all servers start UP).
    bool setServerHealth(const QString &frontend, const QString &server, bool up,
                         QString *error = nullptr);

    // Passive observation: `handler` hears of every server that reaches its
    // error-limit in live traffic (a checked server with observe layer4 or
    // layer7). With on-error mark-down the engine has already taken the
    // server out of rotation when the handler runs; checks bring it back.
    void setObservationHandler(ObservationHandler handler);

    StatsSnapshot stats() const;

    // An HTTP listener for stats and runtime control (loopback by default):
    //   GET  /stats;csv            HAProxy's CSV
    //   GET  /metrics              Prometheus text
    //   POST /set?backend=LB&server=NAME&state=ready|drain|maint
    //   POST /set?backend=LB&server=NAME&weight=N
    // Port 0 picks a free port; statsPort() tells which.
    bool startStats(const QString &address, quint16 port, QString *error = nullptr);
    // One more page on the stats listener, for controls that live outside
    // the engine (the demo backends' faults): `handler` gets the method and
    // the query and returns the status and a plain-text answer. It runs on
    // an engine thread.
    struct ControlReply
    {
        int status = 200;
        QString text;
    };
    using ControlHandler = std::function<ControlReply(const QString &method, const QUrlQuery &query)>;
    void addControlPage(const QString &path, ControlHandler handler);
    quint16 statsPort() const;

private:
    std::unique_ptr<EngineCore> m_core;
};

} // namespace Loadstar::Engine
