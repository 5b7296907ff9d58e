#pragma once

#include "LiveSample.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace Loadstar::Ui {

// The database tier's rows in the Events panel, found from one sample to the
// next: a demo database that can't run (the sentence says why), one that
// stopped by itself, a fault set or taken off, replication broken or
// running again, and each promotion with what it cost — "db-primary DOWN →
// db-replica promoted after 1.8 s · writes refused for 2.1 s · 3
// acknowledged writes lost (async replication)" — reported once, when the
// write outage it ended is known or OutageWaitSeconds after it without one.
// One per run; plain logic on whichever thread samples.
class DatabaseEvents
{
public:
    static constexpr int OutageWaitSeconds = 10;

    struct Event
    {
        QDateTime time; // UTC
        QString node;
        QString from; // the Change column, "REPLICA → PRIMARY"; `from` may be empty ("killed")
        QString to;
        QString message;
        bool fine = true;      // the node is better off (green) or worse (red)
        bool failover = false; // a promotion: the row the eye must not miss
    };

    QList<Event> sampled(const RunSample &sample);
    // A new run starts from nothing.
    void clear();

private:
    void faultChanges(const Engine::DatabaseServerStatus &before,
                      const Engine::DatabaseServerStatus &now, const QDateTime &time,
                      QList<Event> &events) const;
    void promotions(const RunSample &sample, QList<Event> &events);

    QList<Engine::DatabaseServerStatus> m_before;
    qsizetype m_promotionsReported = 0;
};

} // namespace Loadstar::Ui
