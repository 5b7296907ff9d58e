#include "FailoverReport.h"

namespace Loadstar::Engine {

namespace {

QString seconds(qint64 ms)
{
    return QStringLiteral("%1 s").arg(QString::number(double(std::max<qint64>(ms, 0)) / 1000.0, 'f', 1));
}

} // namespace

const WriteOutage *outageEndedBy(const DatabasePromotion &promotion, const QList<WriteOutage> &outages)
{
    for (const WriteOutage &outage : outages) {
        // A write acknowledged by the new primary a little before the
        // promotion was noted can't be: clocks are read on two threads.
        if (outage.cluster == promotion.cluster && outage.primaryAfter == promotion.newPrimary
            && outage.resumedAt.msecsTo(promotion.promotedAt) <= 50) {
            return &outage;
        }
    }
    return nullptr;
}

QString failoverSentence(const DatabasePromotion &promotion, const WriteOutage *outage)
{
    QStringList parts;
    if (promotion.automatic && promotion.downAt.isValid()) {
        parts << QStringLiteral("%1 DOWN → %2 promoted after %3")
                     .arg(promotion.oldPrimary, promotion.newPrimary,
                          seconds(promotion.downAt.msecsTo(promotion.promotedAt)));
    } else {
        parts << QStringLiteral("%1 promoted to primary by hand, %2 fenced").arg(promotion.newPrimary, promotion.oldPrimary);
    }
    if (!outage) {
        parts << QStringLiteral("no write refused");
    } else {
        parts << QStringLiteral("writes refused for %1").arg(seconds(outage->refusedSince.msecsTo(outage->resumedAt)));
        const QString mode = promotion.replication == QLatin1String("semi-sync") ? QStringLiteral("semi-sync replication")
                                                                                 : QStringLiteral("async replication");
        if (outage->acknowledgedLost < 0) {
            parts << QStringLiteral("acknowledged writes lost: unknown (%1)").arg(mode);
        } else {
            parts << QStringLiteral("%1 acknowledged %2 lost (%3)")
                         .arg(outage->acknowledgedLost)
                         .arg(outage->acknowledgedLost == 1 ? QStringLiteral("write") : QStringLiteral("writes"), mode);
        }
    }
    return parts.join(QStringLiteral(" · "));
}

qsizetype readyPromotions(const QList<DatabasePromotion> &promotions, const QList<WriteOutage> &outages,
                          qsizetype from, const QDateTime &now, int waitSeconds)
{
    qsizetype ready = 0;
    for (qsizetype i = std::max<qsizetype>(from, 0); i < promotions.size(); ++i) {
        const DatabasePromotion &promotion = promotions.at(i);
        if (!outageEndedBy(promotion, outages) && promotion.promotedAt.secsTo(now) < waitSeconds)
            break;
        ++ready;
    }
    return ready;
}

} // namespace Loadstar::Engine
