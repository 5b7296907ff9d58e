#pragma once

#include <QDateTime>
#include <QString>

namespace Loadstar::Engine {

// The faults a demo database is told to show, from its card's menu: the
// process killed (SIGKILL) or hung (SIGSTOP), replication stopped, or
// replication delayed on purpose. The default is a healthy server.
struct DatabaseFault
{
    bool killed = false;
    bool hung = false;
    bool replicationStopped = false; // a replica: STOP SLAVE / pg_wal_replay_pause()
    int replicationDelaySeconds = 0; // a replica: MASTER_DELAY / recovery_min_apply_delay

    bool any() const { return killed || hung || replicationStopped || replicationDelaySeconds > 0; }
    bool operator==(const DatabaseFault &) const = default;
};

// One demo database server as Loadstar last saw it: its process, its real
// role (which follows promotions, unlike the drawing's), replication and
// load. Plain data, read on any thread.
struct DatabaseServerStatus
{
    enum class State {
        Starting, // its process is starting, or replication is being set up
        Running,  // accepting connections
        Stopped,  // killed, or exited (see message)
        Failed,   // can't run at all: message says why and what to do
    };

    QString name;
    QString engine; // "mariadb" or "postgresql"
    QString address;
    quint16 port = 0;
    State state = State::Starting;
    // One sentence when it can't run or has stopped by itself: "mariadbd is
    // not installed: install the mariadb-server package", "db-primary
    // exited: Can't start server: Bind on TCP/IP port: Address already in
    // use". Empty while fine.
    QString message;
    qint64 pid = 0; // 0: no process
    DatabaseFault fault;

    // The real role now: "primary" (takes writes), "replica", or "fenced"
    // (an old primary that may never take writes again: read_only, or
    // killed and revived read-only). Empty: not known yet.
    QString role;
    bool readOnly = false;
    QString source;          // a replica: the server it replicates from now
    bool replicating = false; // both replication threads run / the WAL receiver streams
    QString replicationError; // Last_IO_Error or Last_SQL_Error, the WAL receiver's state
    double lagSeconds = -1;   // Seconds_Behind_Master, replay lag; -1: unknown or not a replica
    int connections = -1;     // client connections now (Threads_connected, pg_stat_activity); -1: unknown
    quint64 queries = 0;      // statements served since it started (Questions, xact_commit), for rates
    QDateTime sampledAt;      // UTC, when the figures above were read
};

// A replica promoted to primary, by the user or by automatic failover.
struct DatabasePromotion
{
    QString cluster;
    QString oldPrimary;
    QString newPrimary;
    bool automatic = false;
    QDateTime downAt;     // UTC: when the old primary was reported DOWN (automatic failover); null: manual
    QDateTime promotedAt; // UTC: when the new primary took writes
    QString replication;  // "async" or "semi-sync": what the cluster promised
    QString fencing;      // how the old primary was fenced: "read_only", "killed"
};

} // namespace Loadstar::Engine
