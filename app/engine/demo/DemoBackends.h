#pragma once

#include "DemoFault.h"

#include "engine/EngineConfig.h"
#include "engine/database/DatabaseRouting.h"
#include "engine/database/DatabaseTraffic.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace Loadstar::Engine {

namespace detail {
class DemoBackendsCore;
}

// One demo backend as its counters stand.
struct DemoBackendStats
{
    QString name;
    QString address;
    quint16 port = 0; // the port it listens on (or listened on, while killed)
    DemoFault fault;
    quint64 answered = 0; // responses sent, injected errors included
    quint64 errors = 0;   // injected 500s
    int connections = 0;  // open now
};

// The demo backends of a running document: every web or app server whose
// `embedded` property is set becomes a real HTTP server on its loopback
// address and port, answering each request with its own name, so Run works
// on a machine with nothing else installed. Faults make them fail on demand
// (DemoFault), to watch the load balancer route around them.
//
// They all run on one worker thread of their own. Every method is
// thread-safe; the ones that change something return once it is in effect
// (after kill, the port refuses connections).
class DemoBackends
{
public:
    DemoBackends();
    ~DemoBackends(); // stops
    DemoBackends(const DemoBackends &) = delete;
    DemoBackends &operator=(const DemoBackends &) = delete;

    // Starts a backend for every embedded server of the configuration (its
    // frontends' servers and the watched ones; a name seen twice runs once).
    // When one can't listen, nothing runs and *error says why in one
    // sentence. Port 0 picks a free port: see port().
    bool start(const EngineConfig &config, QString *error = nullptr);
    // Starts the backends that are new or whose address or port changed and
    // stops the ones that went away; the others keep running, with their
    // connections, faults and counters. Like start() when not running.
    bool apply(const EngineConfig &config, QString *error = nullptr);
    // Closes every listener and connection.
    void stop();
    bool isRunning() const;

    // In configuration order.
    QStringList names() const;
    // The port a backend listens on, 0 when there is no such backend.
    quint16 port(const QString &name) const;

    // False, with a sentence in *error, for an unknown backend, or when a
    // revived backend can't listen again (it then stays killed).
    bool setFault(const QString &name, const DemoFault &fault, QString *error = nullptr);
    DemoFault fault(const QString &name) const; // the default for an unknown backend
    // One part of the fault, the rest kept.
    bool setKilled(const QString &name, bool killed, QString *error = nullptr);
    bool setHung(const QString &name, bool hung, QString *error = nullptr);
    bool setLatency(const QString &name, int milliseconds, QString *error = nullptr);
    bool setErrorPercent(const QString &name, int percent, QString *error = nullptr);

    QList<DemoBackendStats> stats() const;

    // The data tier. A demo backend linked to a database whose cluster is
    // routed here runs real SQL for each request: POST, PUT, PATCH and
    // DELETE write a row to the cluster's primary, other methods read the
    // latest row from a replica (round robin) or the primary. A query that
    // fails makes the request answer 503 with a sentence. Backends linked to
    // no routed cluster answer as before, without SQL.
    void setDatabaseRouting(const QList<ClusterRouting> &routing);
    // Per backend and database, in configuration order (each linked backend
    // with every database of its clusters); after stop(), the figures the
    // run ended with.
    QList<DatabaseTrafficStats> databaseStats() const;
    // Every stretch of refused writes of this run that has ended, oldest
    // first, once the acknowledged writes it lost have been looked for.
    QList<WriteOutage> writeOutages() const;
    // Passive observation of the databases (HAProxy's observe layer4): called
    // on the worker thread when queries to a database have failed its
    // check's error_limit times in a row, with what went wrong.
    void setDatabaseObservationHandler(std::function<void(const QString &database, const QString &reason)> handler);

    // The servers of a configuration that run as demo backends.
    static QList<ServerConfig> embeddedServers(const EngineConfig &config);

private:
    std::unique_ptr<detail::DemoBackendsCore> m_core;
};

} // namespace Loadstar::Engine
