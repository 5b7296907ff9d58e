#pragma once

#include "LiveState.h"

#include <QString>
#include <QStringList>

namespace Loadstar::Ui {

// What a demo database's card says while running, in words worked out from
// its live state (plain data, any thread): NodeItem lays them out.

// "12 q/s": what it serves, on its address's row (short, so the address
// stays whole); empty when unknown.
QString databaseFiguresText(const DatabaseLiveState &database);
// "3 conn": its client connections, on the live row; empty when unknown.
QString connectionsText(const DatabaseLiveState &database);

// How a replica keeps up, in place of its check: "lag 0.4 s · 2 stale",
// "replication stopped"; empty for a primary or a fenced one.
QString replicationText(const NodeLiveState &state);

// Its role, load and replication in sentences, a line each, for the tooltip.
QStringList databaseToolTipLines(const NodeLiveState &state);

} // namespace Loadstar::Ui
