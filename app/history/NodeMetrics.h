#pragma once

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

namespace Loadstar {

// One node's figures at one moment, as the run samples them and the
// metrics history keeps them. -1 means unknown (a figure the node's kind
// does not have, or one not measured yet).
struct NodeMetrics
{
    QDateTime time; // UTC
    QString node;   // the node's name on the canvas
    double requestsPerSecond = -1;
    int sessions = -1;
    double p50Ms = -1, p95Ms = -1, p99Ms = -1;
    double rate2xx = -1, rate4xx = -1, rate5xx = -1; // responses per second
    int checkDurationMs = -1;
    bool up = true;
    // A demo database: the statements it served, the reads and writes the
    // demo backends sent it, its client connections, and for a replica its
    // lag and the reads that missed a write the same client had made.
    double queriesPerSecond = -1;
    double readsPerSecond = -1, writesPerSecond = -1;
    int connections = -1;
    double lagSeconds = -1;
    double staleReadsPerSecond = -1;

    bool operator==(const NodeMetrics &) const = default;
};

} // namespace Loadstar

Q_DECLARE_METATYPE(Loadstar::NodeMetrics)
