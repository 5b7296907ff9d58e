#pragma once

#include "engine/database/DatabaseServerStatus.h"
#include "engine/demo/DemoFault.h"

#include <QDateTime>
#include <QHash>
#include <QString>

namespace Loadstar::Ui {

// The faults injected into one embedded demo backend, asked for from its
// card's context menu: the engine's own DemoFault. A request carries the
// whole set, so asking for one fault keeps the others (a "Kill" keeps the
// latency added before).
using DemoFaultRequest = Engine::DemoFault;

// The faults as a card shows them: "killed", "hung · +200 ms · 25 % errors";
// empty when there are none.
QString describeFaults(const DemoFaultRequest &faults);

// A rate as cards and links write it: tenths only under ten ("0.5", "12"),
// where they matter (a trickle of probes, not a flood).
QString perSecondText(double perSecond);
// A replica's lag: "lag 1.2 s" under ten seconds, "lag 42 s" above.
QString lagText(double ms);

// The queries one web or app server sends one database, per second.
struct QueryRates
{
    double reads = 0;
    double writes = 0;
    double failed = 0;

    bool operator==(const QueryRates &) const = default;
};

// Where a replica's replication stands, as its link shows it.
enum class ReplicationState {
    None,    // not a replica (a primary, a fenced old primary), or not known yet
    Running, // both threads run / the WAL receiver streams
    Stopped, // stopped on purpose (STOP SLAVE), or not running without an error
    Broken,  // stopped by an error (Last_IO_Error, Last_SQL_Error)
};

// What a demo database's card shows besides its health: its real role, which
// follows promotions, its load, and for a replica how it keeps up. Plain
// data, from the database servers' status and the demo backends' query
// counters; the default is "not a demo database".
struct DatabaseLiveState
{
    bool demo = false; // a demo database Loadstar runs: faults and promotion can be asked of it
    QString role;      // the real role: "primary", "replica" or "fenced"; empty: not known yet
    double queriesPerSecond = -1; // statements the server served; -1: unknown
    int connections = -1;         // -1: unknown
    quint64 staleReads = 0;       // reads that missed the same client's acknowledged write
    ReplicationState replication = ReplicationState::None;
    QString source;           // a replica: the server it replicates from now
    QString replicationError; // why replication is broken
    Engine::DatabaseFault fault;
    // When it was promoted to primary this run (UTC); null: it was not.
    QDateTime promotedAt;
    // The queries each web or app server sends it (by the server's name).
    QHash<QString, QueryRates> queriesFrom;

    bool fenced() const { return role == QLatin1String("fenced"); }
    bool operator==(const DatabaseLiveState &) const = default;
};

// What a card shows while the document runs: plain data, filled from the
// engine's snapshots by whoever runs it. The default value is "not running"
// and leaves the card exactly as the editor draws it.
struct NodeLiveState
{
    bool running = false;
    // HAProxy's words: "UP", "UP 2/3" (going down), "DOWN", "DOWN 1/2"
    // (going up), "no check", "MAINT".
    QString status;
    bool up = true;
    QString checkCode;        // L4OK, L4CON, L7STS…
    QString reason;           // "Connection refused"
    int checkDurationMs = -1; // -1: unknown
    QString fault;            // describeFaults() of the injected faults
    double requestsPerSecond = -1; // -1: unknown
    int sessions = -1;             // -1: unknown
    // Shown instead of the status, e.g. a missing probe plugin.
    QString message;
    // Shown instead of req/s and sessions: a firewall's figures, "40 conn/s
    // · refused 12 · rate-limited 3".
    QString figures;
    // An embedded demo backend: faults can be injected into it.
    bool embedded = false;
    // A server behind a load balancer: its administrative state and weight
    // can be set while running (HAProxy's "set server").
    bool balanced = false;
    QString admin;   // "" (ready), "DRAIN" or "MAINT"
    int weight = -1; // -1: unknown
    // Why its administrative state and weight can't be set from here (a
    // server of an external HAProxy without a stats socket); empty: they can.
    QString adminUnavailable;
    // HAProxy's health counter behind "UP 2/3" / "DOWN 1/2": UP iff
    // healthCount >= rise. -1: not checked, no counter to show.
    int healthCount = -1;
    int rise = 0;
    int fall = 0;
    // When the state last went UP⇄DOWN (UTC); null when it has not changed
    // since the run started.
    QDateTime changedAt;
    // A replica database: how far behind its primary it is, as its probe
    // reports it. -1: unknown, or not a replica.
    double replicationLagMs = -1;
    // A demo database: its role, load and replication (see DatabaseLiveState).
    DatabaseLiveState database;

    bool operator==(const NodeLiveState &) const = default;
};

// Progress of HAProxy's health counter as the status text counts it:
// "UP 2/3" is 2 of 3 (failed checks left before DOWN), "DOWN 1/2" is 1 of 2
// (passed checks toward UP); a steady UP is full, a steady DOWN empty.
struct RiseFallProgress
{
    int filled = 0;
    int total = 0; // 0: nothing to show

    bool operator==(const RiseFallProgress &) const = default;
};
RiseFallProgress riseFallProgressOf(const NodeLiveState &state);

// How a state reads at a glance, as HAProxy's stats page colours it: green
// UP, yellow UP going down, orange DOWN going up, red DOWN, grey otherwise
// (no check, MAINT, a message instead of a status, not running).
enum class HealthTone { Neutral, Up, GoingDown, GoingUp, Down };
HealthTone healthToneOf(const NodeLiveState &state);

// What a link shows while the document runs, derived by the scene from the
// live states of the nodes it joins. The default value is "not running" and
// leaves the link as the editor draws it.
struct LinkLiveState
{
    bool running = false;
    double requestsPerSecond = 0; // traffic along the link, from → to
    bool passable = true;         // false: nothing can get through (target DOWN or MAINT…)
    double lagMs = -1;            // replication: the replica's lag; -1: unknown
    // Replication: whether the replica replicates, and from whom when that is
    // not this link's source any more (repointed after a promotion).
    ReplicationState replication = ReplicationState::None;
    QString replicatesFrom;
    bool replicationEnded = false; // the replica was promoted: nothing flows here any more
    // Queries from a web or app server to a database: requestsPerSecond is
    // their sum.
    double readsPerSecond = 0;
    double writesPerSecond = 0;
    // The health of the target, for the colour of the traffic.
    HealthTone tone = HealthTone::Neutral;

    bool flowing() const { return running && passable && requestsPerSecond > 0; }
    bool operator==(const LinkLiveState &) const = default;
};

} // namespace Loadstar::Ui
