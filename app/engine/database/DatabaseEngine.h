#pragma once

#include "ServerProcess.h"

#include "engine/EngineConfig.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace Loadstar::Engine::detail {

// The random passwords of a template's accounts (DemoSchema), kept beside
// the template in a file only this user can read.
struct TemplateSecrets
{
    QString applicationPassword; // loadstar_app
    QString replicationPassword; // loadstar_repl
};

// Where a replica reads its replication stream from.
struct ReplicationSource
{
    QString name; // the source database
    QString address;
    quint16 port = 0;
};

// Everything one server of a run is started with.
struct ServerPlan
{
    DatabaseConfig config;
    QString address; // where it listens: a loopback address, "localhost" made 127.0.0.1
    quint16 port = 0;
    int serverId = 1;                        // MariaDB server_id: distinct in a run
    QString directory;                       // its folder in the run: sockets, logs, data/
    QString dataDirectory;                   // directory/data, a copy of the template
    QString logFile;                         // the server's own log (error log, stderr)
    bool readOnly = false;                   // a replica, or a fenced old primary
    std::optional<ReplicationSource> source; // a replica: where it replicates from
    bool semiSync = false;                   // its cluster commits semi-sync
    QStringList syncStandbys; // a PostgreSQL primary: the replicas that may acknowledge
    TemplateSecrets secrets;
};

// What one reading of a server's state says (SHOW SLAVE STATUS,
// pg_stat_wal_receiver and the server's counters).
struct ServerReading
{
    bool readOnly = false;
    bool replica = false; // has a replication source configured / is in recovery
    QString sourceAddress;
    quint16 sourcePort = 0;
    bool replicating = false;
    QString replicationError;
    double lagSeconds = -1;
    int connections = -1;
    quint64 queries = 0;
};

// An administrator's connection to one running server, over its Unix
// socket (root for MariaDB, postgres for PostgreSQL). Every call is
// bounded by a short timeout; the ones that change something return "" or
// one sentence. Used on one thread at a time.
class AdminSession
{
public:
    virtual ~AdminSession() = default;

    virtual bool read(ServerReading *reading, QString *error) = 0;
    // Replicate from `source` (MariaDB: CHANGE MASTER TO … MASTER_USE_GTID
    // = slave_pos + START SLAVE; PostgreSQL: primary_conninfo + reload).
    virtual QString replicateFrom(const ServerPlan &plan, const ReplicationSource &source) = 0;
    virtual QString setReplicationStopped(bool stopped) = 0;
    virtual QString setReplicationDelay(int seconds) = 0;
    // How far the replication stream it received goes (GTID sequence
    // numbers, WAL LSN): compared between replicas of one cluster.
    virtual std::optional<quint64> receivedPosition() = 0;
    // Makes an old primary read-only for good (MariaDB: read_only=ON) and
    // says in *position what it had written (gtid_binlog_pos). PostgreSQL
    // can't (a primary turns into a standby only by restarting): a sentence.
    virtual QString fence(QString *position) = 0;
    // Makes a replica the primary: applies what it received (up to
    // `catchUpTo` when the old primary said), stops replicating, takes
    // writes; semi-sync with `standbys` when the cluster says so.
    virtual QString promote(const ServerPlan &plan, const QString &catchUpTo) = 0;
};

// What differs between MariaDB and PostgreSQL: programs, template data
// directory, command line, how to talk to it. Stateless; any thread.
class DatabaseEngine
{
public:
    virtual ~DatabaseEngine() = default;

    virtual QString engine() const = 0; // "mariadb", "postgresql"
    // "" when this machine can run it, else one sentence naming the package.
    virtual QString missingProgram() const = 0;
    // Names a template: the server's program and version and the schema.
    virtual QString templateKey() const = 0;
    // Who its processes run as (postgres under root).
    virtual std::optional<RunAs> runAs() const = 0;

    // Makes a template data directory in `directory`/data holding the demo
    // schema and accounts; `directory` is traversable by runAs(). Runs its
    // helpers as children of the calling thread and waits for them.
    virtual QString buildTemplate(const QString &directory,
                                  const TemplateSecrets &secrets) const = 0;
    // Writes what the server reads at start into its data directory.
    virtual QString prepare(const ServerPlan &plan) const = 0;
    virtual LaunchSpec launch(const ServerPlan &plan) const = 0;
    // The signal that shuts it down at once, cleanly.
    virtual int stopSignal() const = 0;
    virtual std::unique_ptr<AdminSession> connect(const ServerPlan &plan, int timeoutMs,
                                                  QString *error) const = 0;
    // Once its processes are gone for good (at stop): what the system keeps
    // of a server that was killed.
    virtual void removeLeftovers(const ServerPlan &plan) const = 0;
    // The last error the server wrote in its log, for "db-x exited: …".
    virtual QString lastError(const QString &logFile) const = 0;
};

} // namespace Loadstar::Engine::detail
