#include "FailoverTimeline.h"

#include <QCoreApplication>

#include <QTimeZone>

#include <algorithm>
#include <limits>

namespace Loadstar {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Loadstar::FailoverTimeline", text);
}

QString secondsText(double seconds)
{
    return QString::number(seconds, 'f', seconds < 1 ? 2 : 1);
}

// "web-01 DOWN (L4CON)": the transition as the timeline names it.
QString transitionText(const Health::HealthEvent &event)
{
    QString text = QStringLiteral("%1 %2").arg(event.server, event.up ? QStringLiteral("UP") : QStringLiteral("DOWN"));
    if (event.up)
        return text;
    if (event.cause.code != Health::CheckCode::Unknown)
        text += QStringLiteral(" (%1)").arg(Health::checkCodeName(event.cause.code));
    else if (event.cause.details.value(QStringLiteral("observed")).toBool())
        text += tr(" (errors in live traffic)"); // HAProxy's "Health analyze"
    return text;
    return text;
}

QDateTime utc(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

} // namespace

void FailoverTimeline::transition(const Health::HealthEvent &event)
{
    if (event.frontend.isEmpty())
        return;
    m_pending.append({event, event.timestamp.toMSecsSinceEpoch()});
}

QList<TrafficMove> FailoverTimeline::sampled(const Engine::StatsSnapshot &stats, const QDateTime &now)
{
    QList<TrafficMove> moves;
    const qint64 nowMs = now.toMSecsSinceEpoch();
    for (auto it = m_pending.begin(); it != m_pending.end();) {
        const Health::HealthEvent &event = it->event;
        const std::string frontend = event.frontend.toStdString();
        const Engine::StatsRow *server = stats.find(frontend, event.server.toStdString());
        const Engine::StatsRow *front = stats.find(frontend, "FRONTEND");
        if (!server || !front) { // the drawing changed meanwhile
            it = m_pending.erase(it);
            continue;
        }
        if (it->requestsAtEvent < 0)
            it->requestsAtEvent = qint64(front->reqTot);

        TrafficMove move;
        move.frontend = event.frontend;
        move.server = event.server;
        move.up = event.up;
        bool settled = false;
        if (!event.up) {
            // Failover: from the failed server's last response to the first
            // response of any other after it.
            const qint64 last = server->lastResponseMs;
            if (last == 0) { // it never carried traffic: nothing moved
                it = m_pending.erase(it);
                continue;
            }
            qint64 first = std::numeric_limits<qint64>::max();
            for (const Engine::StatsRow &row : stats.rows) {
                if (row.type != Engine::StatsRow::Type::Server || row.pxname != frontend || &row == server
                    || row.lastResponseMs <= last)
                    continue;
                move.to.append(QString::fromStdString(row.svname));
                // Serving since before the failure: it answered at once.
                first = std::min(first, std::max<qint64>(row.servingSinceMs, last));
            }
            if (!move.to.isEmpty()) {
                move.to.sort();
                move.time = utc(first);
                move.seconds = double(first - last) / 1000.0;
                move.message = tr("%1 → traffic on %2 after %3 s")
                                   .arg(transitionText(event), move.to.join(QStringLiteral(", ")),
                                        secondsText(move.seconds));
                settled = true;
            }
        } else if (server->lastResponseMs > it->eventMs) {
            // Return: from the UP transition to the server's first response.
            const qint64 first = std::max<qint64>(server->servingSinceMs, it->eventMs);
            move.to = {event.server};
            move.time = utc(first);
            move.seconds = double(first - it->eventMs) / 1000.0;
            move.message = tr("%1 → traffic on %2 after %3 s")
                               .arg(transitionText(event), event.server, secondsText(move.seconds));
            settled = true;
        }
        if (!settled && nowMs - it->eventMs >= PatienceMs) {
            // Requests kept coming and nobody answered them: worth saying.
            // Without requests (or a server UP that is not needed, such as
            // a backup) there is nothing to tell.
            if (!event.up && qint64(front->reqTot) > it->requestsAtEvent) {
                move.time = now;
                move.message = tr("%1 → no other server of %2 answered in %3 s")
                                   .arg(transitionText(event), event.frontend)
                                   .arg(PatienceMs / 1000);
                moves.append(move);
            }
            it = m_pending.erase(it);
            continue;
        }
        if (settled) {
            moves.append(move);
            it = m_pending.erase(it);
        } else {
            ++it;
        }
    }
    return moves;
}

} // namespace Loadstar
