#pragma once

#include "engine/Stats.h"
#include "engine/health/HealthMonitor.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

namespace Loadstar {

// Where a load balancer's traffic went after one of its servers went DOWN
// or came back UP, and how long that took: "web-01 DOWN (L4CON) → traffic
// on web-02 after 0.4 s".
struct TrafficMove
{
    QDateTime time;      // UTC: when the new server answered first
    QString frontend;    // the load balancer
    QString server;      // the server that went DOWN or came UP
    bool up = false;     // a return (failback) rather than a failure
    QStringList to;      // the servers now answering; empty: none did
    double seconds = -1; // how long traffic took to move; -1 when it did not
    QString message;     // the sentence for the timeline
};

// Follows the transitions of a run and the engine's statistics after each
// to tell how long traffic took to move. The times are the engine's own
// (when a server last answered, and when it started answering after a
// pause), so they are as precise as the data path, however seldom the
// statistics are sampled. A failover is timed from the failed server's last
// response to the first response of another; a return from the UP
// transition to the server's first response. Plain logic, no threads.
class FailoverTimeline
{
public:
    // How long to wait for traffic to move before saying it did not.
    static constexpr qint64 PatienceMs = 30000;

    // A transition of a server behind a load balancer (others are ignored).
    void transition(const Health::HealthEvent &event);
    // The engine's statistics at `now` (UTC): the moves they settle.
    QList<TrafficMove> sampled(const Engine::StatsSnapshot &stats, const QDateTime &now);
    void clear() { m_pending.clear(); }

private:
    struct Pending
    {
        Health::HealthEvent event;
        qint64 eventMs = 0;
        qint64 requestsAtEvent = -1; // the frontend's requests at the first sample after it
    };
    QList<Pending> m_pending;
};

} // namespace Loadstar
