// The timeline's "web-01 DOWN (L4CON) → traffic on web-02 after 0.40 s":
// how long traffic took to move, from the engine's own response times, for
// a failover, a failback, traffic already shared, and nobody answering.

#include "engine/FailoverTimeline.h"

#include <QtTest>

using namespace Loadstar;

namespace {

constexpr qint64 T0 = 1'800'000'000'000; // a moment in 2027, in UTC ms

QDateTime at(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

Engine::StatsRow row(const char *server, qint64 lastResponse = 0, qint64 servingSince = 0)
{
    Engine::StatsRow r;
    r.pxname = "lb";
    r.svname = server;
    r.type = Engine::StatsRow::Type::Server;
    r.lastResponseMs = lastResponse;
    r.servingSinceMs = servingSince;
    return r;
}

Engine::StatsSnapshot snapshot(std::initializer_list<Engine::StatsRow> servers, quint64 requests = 0)
{
    Engine::StatsSnapshot s;
    Engine::StatsRow front;
    front.pxname = "lb";
    front.svname = "FRONTEND";
    front.type = Engine::StatsRow::Type::Frontend;
    front.reqTot = requests;
    s.rows.push_back(front);
    for (const Engine::StatsRow &server : servers)
        s.rows.push_back(server);
    return s;
}

Health::HealthEvent transitionOf(const char *server, bool up, qint64 ms, Health::CheckCode code = Health::CheckCode::L4CON)
{
    Health::HealthEvent e;
    e.timestamp = at(ms);
    e.frontend = QStringLiteral("lb");
    e.server = QString::fromLatin1(server);
    e.up = up;
    e.status = up ? QStringLiteral("UP") : QStringLiteral("DOWN");
    e.cause.code = code;
    return e;
}

} // namespace

class FailoverTimelineTest : public QObject
{
    Q_OBJECT

private slots:
    void aFailoverIsTimedFromTheLastResponseToTheBackupsFirst()
    {
        FailoverTimeline timeline;
        // web-01 answered last at T0; its DOWN came 2 s later; the backup
        // web-02 had been idle and answered first at T0 + 400 ms.
        timeline.transition(transitionOf("web-01", false, T0 + 2000));
        // Before the backup answered: nothing to say yet.
        QVERIFY(timeline.sampled(snapshot({row("web-01", T0, T0 - 60000), row("web-02")}), at(T0 + 2100)).isEmpty());

        const QList<TrafficMove> moves
            = timeline.sampled(snapshot({row("web-01", T0, T0 - 60000), row("web-02", T0 + 2300, T0 + 400)}),
                               at(T0 + 2500));
        QCOMPARE(moves.size(), 1);
        const TrafficMove &move = moves.first();
        QCOMPARE(move.frontend, QStringLiteral("lb"));
        QCOMPARE(move.server, QStringLiteral("web-01"));
        QCOMPARE(move.to, QStringList{QStringLiteral("web-02")});
        QCOMPARE(move.seconds, 0.4);
        QCOMPARE(move.time, at(T0 + 400));
        QCOMPARE(move.message, QStringLiteral("web-01 DOWN (L4CON) → traffic on web-02 after 0.40 s"));
        // Said once.
        QVERIFY(timeline.sampled(snapshot({row("web-01", T0), row("web-02", T0 + 2600, T0 + 400)}), at(T0 + 2700))
                    .isEmpty());
    }

    void trafficAlreadySharedMovesAtOnce()
    {
        FailoverTimeline timeline;
        timeline.transition(transitionOf("web-01", false, T0 + 1000, Health::CheckCode::L7STS));
        const QList<TrafficMove> moves = timeline.sampled(
            snapshot({row("web-01", T0, T0 - 9000), row("web-02", T0 + 900, T0 - 9000), row("web-03", T0 + 950, T0 - 8000)}),
            at(T0 + 1100));
        QCOMPARE(moves.size(), 1);
        QCOMPARE(moves.first().to, (QStringList{QStringLiteral("web-02"), QStringLiteral("web-03")}));
        QCOMPARE(moves.first().seconds, 0.0);
        QCOMPARE(moves.first().message, QStringLiteral("web-01 DOWN (L7STS) → traffic on web-02, web-03 after 0.00 s"));
    }

    void aReturnIsTimedFromTheUpTransition()
    {
        FailoverTimeline timeline;
        timeline.transition(transitionOf("web-01", true, T0));
        QVERIFY(timeline.sampled(snapshot({row("web-01", T0 - 30000, T0 - 40000), row("web-02", T0 + 100, T0 - 20000)}),
                                 at(T0 + 200))
                    .isEmpty());
        const QList<TrafficMove> moves = timeline.sampled(
            snapshot({row("web-01", T0 + 1400, T0 + 1300), row("web-02", T0 + 1300, T0 - 20000)}), at(T0 + 1500));
        QCOMPARE(moves.size(), 1);
        QVERIFY(moves.first().up);
        QCOMPARE(moves.first().seconds, 1.3);
        QCOMPARE(moves.first().message, QStringLiteral("web-01 UP → traffic on web-01 after 1.3 s"));
    }

    void aServerTakenOutByLiveTrafficSaysSo()
    {
        FailoverTimeline timeline;
        Health::HealthEvent down = transitionOf("web-01", false, T0, Health::CheckCode::Unknown);
        down.cause.details.insert(QStringLiteral("observed"), true);
        timeline.transition(down);
        const QList<TrafficMove> moves
            = timeline.sampled(snapshot({row("web-01", T0 - 2300, T0 - 9000), row("web-02", T0 + 10, T0)}), at(T0 + 100));
        QCOMPARE(moves.size(), 1);
        QCOMPARE(moves.first().message, QStringLiteral("web-01 DOWN (errors in live traffic) → traffic on web-02 after 2.3 s"));
    }

    void nobodyAnsweringIsSaidOnceRequestsKeepFailing()
    {
        FailoverTimeline timeline;
        timeline.transition(transitionOf("web-01", false, T0));
        QVERIFY(timeline.sampled(snapshot({row("web-01", T0 - 500)}, 100), at(T0 + 100)).isEmpty());
        QVERIFY(timeline.sampled(snapshot({row("web-01", T0 - 500)}, 400), at(T0 + 29000)).isEmpty());
        const QList<TrafficMove> moves
            = timeline.sampled(snapshot({row("web-01", T0 - 500)}, 700), at(T0 + FailoverTimeline::PatienceMs));
        QCOMPARE(moves.size(), 1);
        QVERIFY(moves.first().to.isEmpty());
        QCOMPARE(moves.first().seconds, -1.0);
        QCOMPARE(moves.first().message, QStringLiteral("web-01 DOWN (L4CON) → no other server of lb answered in 30 s"));
    }

    void withoutTrafficThereIsNothingToSay()
    {
        FailoverTimeline timeline;
        // A server that never answered anything goes DOWN: no move.
        timeline.transition(transitionOf("web-01", false, T0));
        QVERIFY(timeline.sampled(snapshot({row("web-01"), row("web-02")}), at(T0 + 100)).isEmpty());
        // A backup that comes UP while it is not needed: given up silently.
        timeline.transition(transitionOf("web-02", true, T0));
        const Engine::StatsSnapshot idle = snapshot({row("web-01", T0 + 5000, T0 - 100000), row("web-02")}, 50);
        QVERIFY(timeline.sampled(idle, at(T0 + 1000)).isEmpty());
        QVERIFY(timeline.sampled(idle, at(T0 + FailoverTimeline::PatienceMs)).isEmpty());
        // Nothing is left waiting.
        QVERIFY(timeline.sampled(snapshot({row("web-01", T0 + 40000, T0 - 100000), row("web-02", T0 + 40000, T0 + 39000)}),
                                 at(T0 + 40000))
                    .isEmpty());
    }

    void aTransitionOfAServerNoLongerDrawnIsDropped()
    {
        FailoverTimeline timeline;
        timeline.transition(transitionOf("web-09", false, T0));
        QVERIFY(timeline.sampled(snapshot({row("web-01", T0 + 100, T0)}), at(T0 + 200)).isEmpty());
        QVERIFY(timeline.sampled(snapshot({row("web-01", T0 + 100, T0), row("web-09", T0 - 100, T0 - 900)}),
                                 at(T0 + 300))
                    .isEmpty());
    }
};

QTEST_GUILESS_MAIN(FailoverTimelineTest)
#include "tst_failover_timeline.moc"
