#pragma once

#include "DatabaseServerStatus.h"
#include "DatabaseTraffic.h"

#include <QList>
#include <QString>

namespace Loadstar::Engine {

// The write outage a promotion ended: same cluster, first acknowledged by
// the promoted database, at or after the promotion. Null: none (yet).
const WriteOutage *outageEndedBy(const DatabasePromotion &promotion, const QList<WriteOutage> &outages);

// What a database failover cost, in one line for the Events panel and
// `loadstar run`: "db-primary DOWN → db-replica promoted after 1.8 s ·
// writes refused for 2.1 s · 3 acknowledged writes lost (async
// replication)". Without an outage: "… · no write refused".
QString failoverSentence(const DatabasePromotion &promotion, const WriteOutage *outage);

} // namespace Loadstar::Engine
