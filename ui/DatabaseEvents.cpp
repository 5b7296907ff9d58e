#include "DatabaseEvents.h"

#include "engine/database/FailoverReport.h"

#include <QCoreApplication>

#include <algorithm>

namespace Loadstar::Ui {

namespace {

using Engine::DatabaseServerStatus;
using State = DatabaseServerStatus::State;

QString tr(const char *text)
{
    return QCoreApplication::translate("Loadstar::Ui::DatabaseEvents", text);
}

const DatabaseServerStatus *named(const QList<DatabaseServerStatus> &databases, const QString &name)
{
    const auto found
        = std::find_if(databases.cbegin(), databases.cend(),
                       [&](const DatabaseServerStatus &status) { return status.name == name; });
    return found == databases.cend() ? nullptr : &*found;
}

// Broken: stopped by an error rather than on purpose.
bool replicationBroken(const DatabaseServerStatus &status)
{
    return status.state == State::Running && !status.replicating && !status.fault.replicationStopped
           && !status.replicationError.isEmpty();
}

} // namespace

QList<DatabaseEvents::Event> DatabaseEvents::sampled(const RunSample &sample)
{
    QList<Event> events;
    for (const DatabaseServerStatus &now : sample.databases) {
        const DatabaseServerStatus *before = named(m_before, now.name);
        if (now.state == State::Failed && !now.message.isEmpty()
            && (!before || before->state != State::Failed)) {
            events.append(
                {sample.time, now.name, QString(), tr("can't run"), now.message, false, false});
            continue;
        }
        if (!before)
            continue;
        if (now.state == State::Stopped && before->state == State::Running && !now.fault.killed) {
            events.append(
                {sample.time, now.name, QStringLiteral("running"), tr("stopped"),
                 now.message.isEmpty() ? tr("%1 stopped by itself").arg(now.name) : now.message,
                 false, false});
        }
        faultChanges(*before, now, sample.time, events);
        if (replicationBroken(now) && !replicationBroken(*before)) {
            events.append({sample.time, now.name, QString(), tr("replication broken"),
                           tr("%1: replication from %2 broken: %3")
                               .arg(now.name, now.source, now.replicationError),
                           false, false});
        } else if (replicationBroken(*before) && now.replicating) {
            events.append({sample.time, now.name, tr("replication broken"), tr("replicating"),
                           tr("%1 replicates from %2 again").arg(now.name, now.source), true,
                           false});
        }
    }
    promotions(sample, events);
    m_before = sample.databases;
    return events;
}

void DatabaseEvents::faultChanges(const DatabaseServerStatus &before,
                                  const DatabaseServerStatus &now, const QDateTime &time,
                                  QList<Event> &events) const
{
    const Engine::DatabaseFault &was = before.fault;
    const Engine::DatabaseFault &is = now.fault;
    const auto add = [&](const QString &to, const QString &message, bool fine) {
        events.append({time, now.name, QString(), to, message, fine, false});
    };
    if (is.killed != was.killed) {
        add(is.killed ? tr("killed") : tr("revived"),
            is.killed ? tr("%1 killed (SIGKILL of its server process)").arg(now.name)
                      : tr("%1 revived").arg(now.name),
            !is.killed);
    }
    if (is.hung != was.hung) {
        add(is.hung ? tr("hung") : tr("resumed"),
            is.hung ? tr("%1 hung (SIGSTOP): it accepts nothing and answers nothing").arg(now.name)
                    : tr("%1 resumed (SIGCONT)").arg(now.name),
            !is.hung);
    }
    if (is.replicationStopped != was.replicationStopped) {
        add(is.replicationStopped ? tr("replication stopped") : tr("replicating"),
            is.replicationStopped
                ? tr("%1: replication stopped on purpose; its lag grows").arg(now.name)
                : tr("%1: replication started again").arg(now.name),
            !is.replicationStopped);
    }
    if (is.replicationDelaySeconds != was.replicationDelaySeconds) {
        const bool delayed = is.replicationDelaySeconds > 0;
        add(delayed ? tr("delay %1 s").arg(is.replicationDelaySeconds) : tr("no delay"),
            delayed ? tr("%1 applies its primary's changes %2 s late, on purpose")
                          .arg(now.name)
                          .arg(is.replicationDelaySeconds)
                    : tr("%1 applies its primary's changes without delay again").arg(now.name),
            !delayed);
    }
}

void DatabaseEvents::promotions(const RunSample &sample, QList<Event> &events)
{
    m_promotionsReported = std::min(m_promotionsReported, sample.promotions.size());
    const qsizetype ready = Engine::readyPromotions(sample.promotions, sample.writeOutages, m_promotionsReported,
                                                    sample.time, OutageWaitSeconds);
    for (qsizetype i = m_promotionsReported; i < m_promotionsReported + ready; ++i) {
        const Engine::DatabasePromotion &promotion = sample.promotions.at(i);
        const Engine::WriteOutage *outage = Engine::outageEndedBy(promotion, sample.writeOutages);
        events.append({promotion.promotedAt, promotion.newPrimary, tr("REPLICA"), tr("PRIMARY"),
                       Engine::failoverSentence(promotion, outage), true, true});
    }
    m_promotionsReported += ready;
}

void DatabaseEvents::clear()
{
    m_before.clear();
    m_promotionsReported = 0;
}

} // namespace Loadstar::Ui
