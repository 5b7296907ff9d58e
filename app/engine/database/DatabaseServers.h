#pragma once

#include "DatabaseRouting.h"
#include "DatabaseServerStatus.h"

#include "engine/EngineConfig.h"

#include <QList>
#include <QString>

#include <functional>
#include <memory>

namespace Loadstar::Engine {

namespace detail {
class DatabaseServersCore;
}

// The demo databases of a running document: every database whose
// `embedded` property is set and whose engine is MariaDB or PostgreSQL
// becomes a real server process (Debian's mariadbd, PostgreSQL 15's
// postgres) on its address and port, with a private data directory copied
// from a template made once per machine. Replicas replicate from the
// database their replication link comes from, for real: GTID replication
// for MariaDB, streaming replication for PostgreSQL; semi-sync when the
// primary says so.
//
// It also keeps each cluster's real state — who is primary now, who is
// fenced — and decides where queries go (ClusterRouting) from the real
// roles, the health checks (setHealth) and the lag. Promotion, by the user
// or automatic, stops replication on the replica, makes it writable,
// repoints the other replicas and fences the old primary.
//
// The processes die with Loadstar, even when it is killed with SIGKILL
// (a parent-death signal). Everything runs on a thread of its own; every
// method is thread-safe, and the ones that change something return once it
// is in effect.
class DatabaseServers
{
public:
    struct Options
    {
        // Where templates are kept between runs; empty: the application's
        // cache folder (QStandardPaths::CacheLocation)/databases.
        QString cacheDirectory;
        // Where each run's data directories live, removed at stop; empty: a
        // folder of this user's under the system's temporary folder.
        QString runtimeDirectory;
        // The server programs; empty: found as Debian installs them. The
        // environment variables LOADSTAR_MARIADBD and LOADSTAR_PG_BINDIR
        // override the search.
        QString mariadbd;
        QString postgresBinDirectory;
        // How long start() waits for every server to accept connections.
        int startTimeoutMs = 30000;
        // Between two readings of each server's role, lag and load.
        int statusIntervalMs = 500;
    };

    DatabaseServers();
    explicit DatabaseServers(Options options);
    ~DatabaseServers(); // stops
    DatabaseServers(const DatabaseServers &) = delete;
    DatabaseServers &operator=(const DatabaseServers &) = delete;

    // Starts a server for each demo database (in parallel), then sets up
    // replication as drawn, and returns once each accepts connections and
    // replicates, or has failed (its status says why, in one sentence: a
    // missing program names the package to install). A database that can't
    // run never stops the others. Databases that are not demo databases are
    // listed with state Failed and an empty message, and routed to nobody.
    void start(const QList<DatabaseConfig> &databases);
    // The databases that changed (address, port, engine, role, source,
    // replication) restart from a fresh copy; the others keep running.
    void apply(const QList<DatabaseConfig> &databases);
    // Ends every process it started (SIGTERM, then SIGKILL after a moment),
    // frees every port and removes the run's data directories.
    void stop();
    bool isRunning() const;

    // In the drawing's order.
    QList<DatabaseServerStatus> status() const;

    // Faults, as runtime actions (not edits). Each returns an empty string
    // once done, or one sentence saying why it could not be done.
    QString setFault(const QString &database, const DatabaseFault &fault);
    DatabaseFault fault(const QString &database) const;

    // Promotes a replica to primary of its cluster: stops its replication
    // once it has applied what it received, makes it writable, repoints the
    // cluster's other replicas to it and fences the old primary (read_only
    // when it answers, killed when not; revived read-only).
    QString promote(const QString &replica);

    // The health checks' verdict on a database (HealthMonitor transitions).
    // A primary with auto_failover that goes DOWN gets its most advanced
    // running replica promoted; routing follows UP and DOWN at once.
    void setHealth(const QString &database, bool up);

    // Where queries go; called on the servers' thread whenever it changes.
    void setRoutingHandler(std::function<void(const QList<ClusterRouting> &)> handler);
    QList<ClusterRouting> routing() const;

    // Every promotion of this run, oldest first.
    QList<DatabasePromotion> promotions() const;

    // The programs this machine would run, and the sentence for a missing
    // one ("" when present), for the card of a database before Run.
    static QString missingProgram(const QString &engine);
    static QString missingProgram(const QString &engine, const Options &options);

private:
    std::unique_ptr<detail::DatabaseServersCore> m_core;
};

} // namespace Loadstar::Engine
