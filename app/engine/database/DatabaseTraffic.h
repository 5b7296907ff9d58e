#pragma once

#include <QDateTime>
#include <QString>

namespace Loadstar::Engine {

// The queries one demo backend sent to one database server, as its
// counters stand: what the link between their cards shows.
struct DatabaseTrafficStats
{
    QString backend;  // the web or app server
    QString database; // the database node
    quint64 reads = 0;  // SELECTs answered
    quint64 writes = 0; // INSERTs acknowledged (committed)
    quint64 failed = 0; // queries that failed or timed out (each made its request answer 503)
    // Reads on a replica that did not yet show a write the same client had
    // already been told was stored (read-your-writes broken by lag).
    quint64 staleReads = 0;
    int connections = 0; // open now, from this backend to that server
};

// A stretch of time when a cluster refused writes (its primary was down,
// hung, fenced or being replaced), and what it cost: reported once the first
// write after it is acknowledged and the writes acknowledged before it have
// been looked for on the primary that took over.
struct WriteOutage
{
    QString cluster;
    QString primaryBefore; // the last database that acknowledged a write before it
    QString primaryAfter;  // the first one that acknowledged a write after it
    QDateTime refusedSince; // UTC: the first write refused
    QDateTime resumedAt;    // UTC: the first write acknowledged again
    quint64 refusedWrites = 0; // write requests answered 503 meanwhile
    // Writes acknowledged to clients (before the outage) that the primary
    // after it does not have: lost for good. -1: could not be looked for.
    qint64 acknowledgedLost = -1;
};

} // namespace Loadstar::Engine
