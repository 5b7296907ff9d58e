// HAProxy's health counter: what the stats page says after each check or
// on-error action, when the server goes UP⇄DOWN, and when it is checked next.

#include "engine/health/HealthState.h"

#include <QtTest>

using Loadstar::Health::HealthState;
using Loadstar::Health::OnError;
using Loadstar::Health::onErrorFromName;

namespace {

// Runs steps ("ok", "ko" or an on-error action name) and writes the status
// after each, with a "*" when that step moved the server UP⇄DOWN.
QString run(HealthState &state, const QString &steps)
{
    QStringList seen;
    for (const QString &step : steps.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        bool flipped = false;
        if (step == QLatin1String("ok"))
            flipped = state.record(true);
        else if (step == QLatin1String("ko"))
            flipped = state.record(false);
        else
            flipped = state.applyOnError(onErrorFromName(step));
        seen << state.statusText() + (flipped ? QStringLiteral("*") : QString());
    }
    return seen.join(QLatin1String(", "));
}

} // namespace

class TestHealthState : public QObject
{
    Q_OBJECT

private slots:
    void sequences_data();
    void sequences();
    void startsUpWithFullHealthByDefault();
    void startsDownWhenAsked();
    void nextInterval_data();
    void nextInterval();
    void onErrorBringsTheNextCheckForwardOnce();
    void zeroIntervalsMeanInter();
    void onErrorNames_data();
    void onErrorNames();
    void statusCarriesTheCounter();
};

void TestHealthState::sequences_data()
{
    QTest::addColumn<int>("rise");
    QTest::addColumn<int>("fall");
    QTest::addColumn<bool>("startUp");
    QTest::addColumn<QString>("steps");
    QTest::addColumn<QString>("expected");

    QTest::newRow("goes down after exactly fall failures")
        << 2 << 3 << true << "ko ko ko" << "UP 2/3, UP 1/3, DOWN*";
    QTest::newRow("comes back after exactly rise successes")
        << 2 << 3 << false << "ok ok" << "DOWN 1/2, UP*";
    QTest::newRow("a success while going down restores full health")
        << 2 << 3 << true << "ko ko ok ko ko ko" << "UP 2/3, UP 1/3, UP, UP 2/3, UP 1/3, DOWN*";
    QTest::newRow("a failure while going up starts over")
        << 3 << 2 << false << "ok ok ko ok ok ok" << "DOWN 1/3, DOWN 2/3, DOWN, DOWN 1/3, DOWN 2/3, UP*";
    QTest::newRow("successes at full health change nothing")
        << 2 << 3 << true << "ok ok" << "UP, UP";
    QTest::newRow("failures at health 0 change nothing")
        << 2 << 3 << false << "ko ko ok" << "DOWN, DOWN, DOWN 1/2";
    QTest::newRow("down then up then down")
        << 2 << 2 << true << "ko ko ok ok ko ko" << "UP 1/2, DOWN*, DOWN 1/2, UP*, UP 1/2, DOWN*";
    QTest::newRow("rise 1 fall 1 flips on every different result")
        << 1 << 1 << true << "ko ko ok ok ko" << "DOWN*, DOWN, UP*, UP, DOWN*";
    QTest::newRow("rise 1 comes back on the first success")
        << 1 << 3 << true << "ko ko ko ok" << "UP 2/3, UP 1/3, DOWN*, UP*";
    QTest::newRow("large fall counts down one by one")
        << 2 << 5 << true << "ko ko ko ko ko" << "UP 4/5, UP 3/5, UP 2/5, UP 1/5, DOWN*";

    QTest::newRow("fastinter changes no counter")
        << 2 << 3 << true << "fastinter fastinter" << "UP, UP";
    QTest::newRow("fail-check counts as one failed check")
        << 2 << 3 << true << "fail-check fail-check fail-check" << "UP 2/3, UP 1/3, DOWN*";
    QTest::newRow("fail-check and checks add up")
        << 2 << 3 << true << "ko fail-check ko" << "UP 2/3, UP 1/3, DOWN*";
    QTest::newRow("sudden-death leaves one failed check to death")
        << 2 << 5 << true << "sudden-death ko" << "UP 1/5, DOWN*";
    QTest::newRow("sudden-death when already at the last step is fatal")
        << 2 << 3 << true << "ko ko sudden-death" << "UP 2/3, UP 1/3, DOWN*";
    QTest::newRow("a success after sudden-death restores full health")
        << 2 << 4 << true << "sudden-death ok" << "UP 1/4, UP";
    QTest::newRow("mark-down is DOWN at once")
        << 2 << 3 << true << "mark-down" << "DOWN*";
    QTest::newRow("mark-down with a large fall is DOWN at once")
        << 3 << 10 << true << "mark-down ok" << "DOWN*, DOWN 1/3";
    QTest::newRow("mark-down while going up starts over without a flip")
        << 3 << 2 << false << "ok ok mark-down" << "DOWN 1/3, DOWN 2/3, DOWN";
    QTest::newRow("mark-down of a DOWN server is no flip")
        << 2 << 3 << false << "mark-down" << "DOWN";
    QTest::newRow("fail-check of a DOWN server is no flip")
        << 2 << 3 << false << "fail-check ok" << "DOWN, DOWN 1/2";
    QTest::newRow("rise after mark-down takes rise checks")
        << 2 << 3 << true << "mark-down ok ok" << "DOWN*, DOWN 1/2, UP*";
}

void TestHealthState::sequences()
{
    QFETCH(int, rise);
    QFETCH(int, fall);
    QFETCH(bool, startUp);
    QFETCH(QString, steps);
    QFETCH(QString, expected);

    HealthState state(rise, fall, startUp ? HealthState::Initial::Up : HealthState::Initial::Down);
    QCOMPARE(run(state, steps), expected);
}

void TestHealthState::startsUpWithFullHealthByDefault()
{
    HealthState state(2, 3);
    QVERIFY(state.isUp());
    QCOMPARE(state.health(), 4);
    QCOMPARE(state.statusText(), QStringLiteral("UP"));
    QVERIFY(!state.isTransitioning());
}

void TestHealthState::startsDownWhenAsked()
{
    HealthState state(2, 3, HealthState::Initial::Down);
    QVERIFY(!state.isUp());
    QCOMPARE(state.health(), 0);
    QCOMPARE(state.statusText(), QStringLiteral("DOWN"));
}

void TestHealthState::nextInterval_data()
{
    QTest::addColumn<bool>("startUp");
    QTest::addColumn<QString>("steps");
    QTest::addColumn<int>("interval");

    // inter 1000, fastinter 200, downinter 5000
    QTest::newRow("fully UP: inter") << true << "" << 1000;
    QTest::newRow("going down: fastinter") << true << "ko" << 200;
    QTest::newRow("last step before DOWN: fastinter") << true << "ko ko" << 200;
    QTest::newRow("fully DOWN: downinter") << true << "ko ko ko" << 5000;
    QTest::newRow("going up: fastinter") << false << "ok" << 200;
    QTest::newRow("back UP: inter") << false << "ok ok" << 1000;
    QTest::newRow("started DOWN: downinter") << false << "" << 5000;
}

void TestHealthState::nextInterval()
{
    QFETCH(bool, startUp);
    QFETCH(QString, steps);
    QFETCH(int, interval);

    HealthState state(2, 3, startUp ? HealthState::Initial::Up : HealthState::Initial::Down);
    run(state, steps);
    QCOMPARE(state.nextInterval(1000, 200, 5000), interval);
}

void TestHealthState::onErrorBringsTheNextCheckForwardOnce()
{
    HealthState state(2, 3);
    QVERIFY(!state.applyOnError(OnError::FastInter));
    QCOMPARE(state.statusText(), QStringLiteral("UP"));
    QCOMPARE(state.nextInterval(1000, 200, 5000), 200);
    // The hastened check passes: back to the normal pace.
    state.record(true);
    QCOMPARE(state.nextInterval(1000, 200, 5000), 1000);

    // A DOWN server keeps downinter: it is already as down as it gets.
    HealthState down(2, 3, HealthState::Initial::Down);
    down.applyOnError(OnError::FastInter);
    QCOMPARE(down.nextInterval(1000, 200, 5000), 5000);
}

void TestHealthState::zeroIntervalsMeanInter()
{
    HealthState state(2, 3);
    state.record(false);
    QCOMPARE(state.nextInterval(1000, 0, 0), 1000);
    state.record(false);
    state.record(false);
    QCOMPARE(state.statusText(), QStringLiteral("DOWN"));
    QCOMPARE(state.nextInterval(1000, 0, 0), 1000);
}

void TestHealthState::onErrorNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<OnError>("action");
    QTest::newRow("fastinter") << "fastinter" << OnError::FastInter;
    QTest::newRow("fail-check") << "fail-check" << OnError::FailCheck;
    QTest::newRow("sudden-death") << "sudden-death" << OnError::SuddenDeath;
    QTest::newRow("mark-down") << "mark-down" << OnError::MarkDown;
    QTest::newRow("unknown: HAProxy's default") << "explode" << OnError::FastInter;
}

void TestHealthState::onErrorNames()
{
    QFETCH(QString, name);
    QFETCH(OnError, action);
    QCOMPARE(onErrorFromName(name), action);
}

void TestHealthState::statusCarriesTheCounter()
{
    HealthState state(3, 2);
    state.record(false);
    const auto status = state.status();
    QVERIFY(status.up);
    QCOMPARE(status.health, 3);
    QCOMPARE(status.rise, 3);
    QCOMPARE(status.fall, 2);
    QCOMPARE(status.text, QStringLiteral("UP 1/2"));
}

QTEST_APPLESS_MAIN(TestHealthState)
#include "tst_health_state.moc"
