#pragma once

#include "LiveSample.h"

#include <QHash>
#include <QString>

namespace Loadstar::Ui {

// The database tier's part of a sample, on the cards and in the charts: the
// real role, load and replication of each demo database, and the reads and
// writes each web or app server sends it. Used by liveStatesOf() and
// metricsOf(); rates come from the counters' growth since `previous` (null:
// unknown).
void addDatabaseStates(QHash<QString, NodeLiveState> &states, const RunSample &sample,
                       const RunSample *previous);
void addDatabaseMetrics(QHash<QString, NodeMetrics> &metrics, const RunSample &sample,
                        const RunSample *previous);

} // namespace Loadstar::Ui
