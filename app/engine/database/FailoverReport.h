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

// How many promotions, from index `from` on, can be told at `now`: each
// waits for the outage it ended (so its sentence has the writes refused and
// lost), or `waitSeconds` after it when no write came; the later ones wait
// for it, so they are told in order.
qsizetype readyPromotions(const QList<DatabasePromotion> &promotions, const QList<WriteOutage> &outages,
                          qsizetype from, const QDateTime &now, int waitSeconds = 10);

} // namespace Loadstar::Engine
