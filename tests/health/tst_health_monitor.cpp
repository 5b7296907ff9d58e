// The health monitor on its own thread, against real servers on loopback: a
// server that stops listening goes UP 2/3, UP 1/3, DOWN and comes back after
// rise checks; the engine moves traffic to the backup; errors observed on
// live traffic act at once; a new configuration keeps what it did not change.

#include "EngineTestSupport.h"
#include "ScriptServer.h"
#include "TestBackend.h"
#include "TestClient.h"

#include "engine/Engine.h"
#include "engine/health/HealthMonitor.h"

#include <QRegularExpression>
#include <QtTest>

#include <thread>

using namespace Loadstar::Test;
using Loadstar::Health::CheckCode;
using Loadstar::Health::CheckResult;
using Loadstar::Health::HealthEvent;
using Loadstar::Health::HealthMonitor;
using Loadstar::Health::HealthStatus;
using Loadstar::Health::MonitoredServer;
using Loadstar::Health::ServerHealth;

namespace {

const QString Lb = QStringLiteral("lb-01");

MonitoredServer monitored(const QString &name, quint16 port, const QString &type = QStringLiteral("tcp"),
                          bool backup = false, const QString &frontend = Lb)
{
    MonitoredServer server;
    server.frontend = frontend;
    server.backup = backup;
    server.target.name = name;
    server.target.address = QStringLiteral("127.0.0.1");
    server.target.port = port;
    server.target.check.type = type;
    server.target.check.inter = 100;
    server.target.check.fastinter = 100;
    server.target.check.downinter = 100;
    server.target.check.rise = 2;
    server.target.check.fall = 3;
    server.target.check.timeout = 1000;
    return server;
}

// Receives the monitor's signals in the test's thread (queued, as any
// listener gets them) and keeps them in order.
class Recorder : public QObject
{
public:
    explicit Recorder(HealthMonitor &monitor)
    {
        connect(&monitor, &HealthMonitor::checked, this,
                [this](const QString &, const QString &server, const CheckResult &result, const HealthStatus &status) {
                    checks.append({server, result, status});
                });
        connect(&monitor, &HealthMonitor::transition, this, [this](const HealthEvent &event) { events << event; });
    }

    struct Check
    {
        QString server;
        CheckResult result;
        HealthStatus status;
    };

    // The statuses `server` went through from its first check with this
    // outcome on, e.g. "UP 2/3, UP 1/3, DOWN".
    QString statusesFrom(const QString &server, bool passed, int count) const
    {
        QStringList statuses;
        bool started = false;
        for (const Check &check : checks) {
            if (check.server != server)
                continue;
            started = started || check.result.passed() == passed;
            if (started && statuses.size() < count)
                statuses << check.status.text;
        }
        return statuses.join(QLatin1String(", "));
    }
    int checksOf(const QString &server) const
    {
        return int(std::count_if(checks.begin(), checks.end(), [&](const Check &c) { return c.server == server; }));
    }
    int eventsOf(const QString &server, bool up) const
    {
        return int(std::count_if(events.begin(), events.end(),
                                 [&](const HealthEvent &e) { return e.server == server && e.up == up; }));
    }
    HealthEvent lastEventOf(const QString &server) const
    {
        for (qsizetype i = events.size() - 1; i >= 0; --i)
            if (events.at(i).server == server)
                return events.at(i);
        return {};
    }

    QList<Check> checks;
    QList<HealthEvent> events;
};

ServerHealth healthOf(const HealthMonitor &monitor, const QString &server)
{
    const auto snapshot = monitor.snapshot();
    for (const ServerHealth &health : snapshot)
        if (health.server == server)
            return health;
    return {};
}

} // namespace

class TestHealthMonitor : public QObject
{
    Q_OBJECT

private slots:
    void goesDownAfterFallFailedChecksAndRisesAgain();
    void transitionMessageCountsTheServersLeft();
    void engineSendsTrafficToTheBackupWhileTheActiveServerIsDown();
    void observedErrorsWithMarkDownGoDownAtOnce();
    void observedErrorsWithFailCheckCountAsOneFailedCheck();
    void setServersKeepsTheStateOfUnchangedServers();
    void serversWithoutCheckAreListedButNeverProbed();
    void missingProbeTypeIsReportedAsUnknown();
    void stopEndsTheChecks();
};

void TestHealthMonitor::goesDownAfterFallFailedChecksAndRisesAgain()
{
    ScriptServer server;
    QVERIFY(server.start());
    const quint16 port = server.serverPort();
    HealthMonitor monitor;
    Recorder recorder(monitor);
    monitor.setServers({monitored(QStringLiteral("web-01"), port)});
    monitor.start();
    QTRY_VERIFY_WITH_TIMEOUT(recorder.checksOf(QStringLiteral("web-01")) >= 1, 10000);
    QCOMPARE(healthOf(monitor, QStringLiteral("web-01")).status, QStringLiteral("UP"));

    server.close();
    QTRY_COMPARE_WITH_TIMEOUT(recorder.eventsOf(QStringLiteral("web-01"), false), 1, 10000);
    QCOMPARE(recorder.statusesFrom(QStringLiteral("web-01"), false, 3), QStringLiteral("UP 2/3, UP 1/3, DOWN"));
    QCOMPARE(healthOf(monitor, QStringLiteral("web-01")).status, QStringLiteral("DOWN"));
    QCOMPARE(healthOf(monitor, QStringLiteral("web-01")).lastCheck.code, CheckCode::L4CON);

    QVERIFY(server.listen(QHostAddress::LocalHost, port));
    QTRY_COMPARE_WITH_TIMEOUT(recorder.eventsOf(QStringLiteral("web-01"), true), 1, 10000);
    QCOMPARE(recorder.statusesFrom(QStringLiteral("web-01"), true, 1), QStringLiteral("UP")); // before the outage
    // After the outage: the first passed check after the DOWN, then UP.
    QStringList after;
    bool down = false;
    for (const auto &check : std::as_const(recorder.checks)) {
        down = down || check.status.text == QLatin1String("DOWN");
        if (down && check.result.passed())
            after << check.status.text;
    }
    QCOMPARE(after.mid(0, 2).join(QLatin1String(", ")), QStringLiteral("DOWN 1/2, UP"));
    QVERIFY(healthOf(monitor, QStringLiteral("web-01")).up);
}

void TestHealthMonitor::transitionMessageCountsTheServersLeft()
{
    ScriptServer active;
    ScriptServer backup;
    QVERIFY(active.start());
    QVERIFY(backup.start());
    HealthMonitor monitor;
    Recorder recorder(monitor);
    monitor.setServers({monitored(QStringLiteral("web-01"), active.serverPort()),
                        monitored(QStringLiteral("web-02"), backup.serverPort(), QStringLiteral("tcp"), true)});
    monitor.start();
    QTRY_VERIFY_WITH_TIMEOUT(recorder.checksOf(QStringLiteral("web-01")) >= 1, 10000);
    const quint16 activePort = active.serverPort();
    active.close();
    QTRY_COMPARE_WITH_TIMEOUT(recorder.events.size(), 1, 10000);

    const HealthEvent event = recorder.events.first();
    QCOMPARE(event.frontend, Lb);
    QCOMPARE(event.server, QStringLiteral("web-01"));
    QVERIFY(!event.up);
    QCOMPARE(event.status, QStringLiteral("DOWN"));
    QCOMPARE(event.cause.code, CheckCode::L4CON);
    QCOMPARE(event.message, QStringLiteral("Server lb-01/web-01 is DOWN, reason: Layer4 connection problem, info: "
                                           "\"Connection refused\", check duration: %1ms. 0 active and 1 backup "
                                           "servers left. Running on backup.")
                                .arg(event.cause.durationMs));
    QCOMPARE(event.timestamp.timeSpec(), Qt::UTC);
    QVERIFY(qAbs(event.timestamp.msecsTo(QDateTime::currentDateTimeUtc())) < 60000);
    QCOMPARE(healthOf(monitor, QStringLiteral("web-01")).lastChange, event.timestamp);

    QVERIFY(active.listen(QHostAddress::LocalHost, activePort));
    QTRY_COMPARE_WITH_TIMEOUT(recorder.events.size(), 2, 10000);
    QCOMPARE(recorder.events.at(1).message,
             QStringLiteral("Server lb-01/web-01 is UP, reason: Layer4 check passed, info: \"Connection established\", "
                            "check duration: %1ms. 1 active and 1 backup servers online.")
                 .arg(recorder.events.at(1).cause.durationMs));
}

void TestHealthMonitor::engineSendsTrafficToTheBackupWhileTheActiveServerIsDown()
{
    TestBackend primary(QStringLiteral("web-01"));
    TestBackend replica(QStringLiteral("web-02"));
    QVERIFY(primary.listen());
    QVERIFY(replica.listen());
    const quint16 primaryPort = primary.port();

    Loadstar::Engine::Engine engine;
    QString error;
    QVERIFY2(engine.start(configOf(webFrontend({serverOf(primary), serverOf(replica, 1, true)})), &error),
             qPrintable(error));
    const quint16 port = engine.listenPort(QStringLiteral("web"));
    QCOMPARE(fetchGet(port).server(), QStringLiteral("web-01"));

    HealthMonitor monitor;
    Recorder recorder(monitor);
    monitor.setEngine(&engine);
    monitor.setServers({monitored(QStringLiteral("web-01"), primary.port(), QStringLiteral("http"), false, QStringLiteral("web")),
                        monitored(QStringLiteral("web-02"), replica.port(), QStringLiteral("http"), true, QStringLiteral("web"))});
    monitor.start();

    primary.stop();
    QTRY_COMPARE_WITH_TIMEOUT(recorder.eventsOf(QStringLiteral("web-01"), false), 1, 10000);
    QCOMPARE(QString::fromStdString(serverRow(engine, QStringLiteral("web-01")).status), QStringLiteral("DOWN"));
    QCOMPARE(fetchGet(port).server(), QStringLiteral("web-02"));
    QCOMPARE(fetchGet(port).server(), QStringLiteral("web-02"));

    QVERIFY(primary.listen(primaryPort));
    QTRY_COMPARE_WITH_TIMEOUT(recorder.eventsOf(QStringLiteral("web-01"), true), 1, 10000);
    QCOMPARE(fetchGet(port).server(), QStringLiteral("web-01"));
    monitor.stop();
    engine.stop();
}

void TestHealthMonitor::observedErrorsWithMarkDownGoDownAtOnce()
{
    ScriptServer server;
    QVERIFY(server.start());
    Loadstar::Engine::Engine engine;
    QVERIFY(engine.start(configOf(webFrontend({serverOn(QStringLiteral("web-01"), server.serverPort())}))));

    MonitoredServer web = monitored(QStringLiteral("web-01"), server.serverPort(), QStringLiteral("tcp"), false,
                                    QStringLiteral("web"));
    web.target.check.inter = 60000; // no check of its own comes between
    web.target.check.onError = QStringLiteral("mark-down");
    web.target.check.downinter = 60000;
    HealthMonitor monitor;
    Recorder recorder(monitor);
    monitor.setEngine(&engine);
    monitor.setServers({web});
    monitor.start();
    QTRY_COMPARE_WITH_TIMEOUT(recorder.checksOf(QStringLiteral("web-01")), 1, 10000);

    // From an engine worker thread, as the proxy will call it.
    const QString reason = QStringLiteral("Detected 10 consecutive errors, last one was: L4 unsuccessful connection");
    std::thread worker([&monitor, reason] { monitor.observedErrors(QStringLiteral("web"), QStringLiteral("web-01"), reason); });
    worker.join();

    QTRY_COMPARE_WITH_TIMEOUT(recorder.events.size(), 1, 10000);
    const HealthEvent event = recorder.events.first();
    QVERIFY(!event.up);
    QCOMPARE(event.message, QStringLiteral("Server web/web-01 is DOWN, reason: Health analyze, info: \"%1\". "
                                           "0 active and 0 backup servers left.").arg(reason));
    QCOMPARE(healthOf(monitor, QStringLiteral("web-01")).status, QStringLiteral("DOWN"));
    QCOMPARE(QString::fromStdString(serverRow(engine, QStringLiteral("web-01")).status), QStringLiteral("DOWN"));
    // Only one check ran: the DOWN came from the observed errors alone.
    QCOMPARE(recorder.checksOf(QStringLiteral("web-01")), 2);
    QVERIFY(recorder.checks.last().result.details.value(QStringLiteral("observed")).toBool());
    monitor.stop();
    engine.stop();
}

void TestHealthMonitor::observedErrorsWithFailCheckCountAsOneFailedCheck()
{
    ScriptServer server;
    QVERIFY(server.start());
    MonitoredServer web = monitored(QStringLiteral("web-01"), server.serverPort());
    web.target.check.inter = 60000;
    web.target.check.fastinter = 60000;
    web.target.check.onError = QStringLiteral("fail-check");
    HealthMonitor monitor;
    Recorder recorder(monitor);
    monitor.setServers({web});
    monitor.start();
    QTRY_COMPARE_WITH_TIMEOUT(recorder.checksOf(QStringLiteral("web-01")), 1, 10000);

    monitor.observedErrors(Lb, QStringLiteral("web-01"), QStringLiteral("Detected 10 consecutive errors"));
    QTRY_COMPARE_WITH_TIMEOUT(healthOf(monitor, QStringLiteral("web-01")).status, QStringLiteral("UP 2/3"), 10000);
    monitor.observedErrors(Lb, QStringLiteral("web-01"), QStringLiteral("Detected 10 consecutive errors"));
    QTRY_COMPARE_WITH_TIMEOUT(healthOf(monitor, QStringLiteral("web-01")).status, QStringLiteral("UP 1/3"), 10000);
    QVERIFY(recorder.events.isEmpty());
}

void TestHealthMonitor::setServersKeepsTheStateOfUnchangedServers()
{
    RefusingPort dead;
    ScriptServer alive;
    QVERIFY(alive.start());
    const MonitoredServer a = monitored(QStringLiteral("app-01"), dead.port());
    const MonitoredServer b = monitored(QStringLiteral("app-02"), alive.serverPort());
    HealthMonitor monitor;
    Recorder recorder(monitor);
    monitor.setServers({a, b});
    monitor.start();
    QTRY_COMPARE_WITH_TIMEOUT(healthOf(monitor, QStringLiteral("app-01")).status, QStringLiteral("DOWN"), 10000);
    const QDateTime wentDown = healthOf(monitor, QStringLiteral("app-01")).lastChange;

    // Same servers plus a new one: app-01 stays DOWN, no new transition.
    const MonitoredServer c = monitored(QStringLiteral("app-03"), alive.serverPort(), QStringLiteral("none"));
    monitor.setServers({a, b, c});
    QTRY_COMPARE_WITH_TIMEOUT(monitor.snapshot().size(), 3, 10000);
    QCOMPARE(healthOf(monitor, QStringLiteral("app-01")).status, QStringLiteral("DOWN"));
    QCOMPARE(healthOf(monitor, QStringLiteral("app-01")).lastChange, wentDown);
    QCOMPARE(recorder.eventsOf(QStringLiteral("app-01"), true), 0);

    // A changed check keeps the server's verdict until the new check gives
    // one (the engine still has it DOWN): moved to a live port, app-01 is
    // DOWN, then rises with its new check's passes.
    MonitoredServer changed = a;
    changed.target.port = alive.serverPort();
    monitor.setServers({changed, b, c});
    QCOMPARE(healthOf(monitor, QStringLiteral("app-01")).up, false);
    QTRY_COMPARE_WITH_TIMEOUT(recorder.eventsOf(QStringLiteral("app-01"), true), 1, 10000);
    QCOMPARE(healthOf(monitor, QStringLiteral("app-01")).status, QStringLiteral("UP"));

    // A server left out is gone from the snapshot.
    monitor.setServers({b});
    QTRY_COMPARE_WITH_TIMEOUT(monitor.snapshot().size(), 1, 10000);
    QCOMPARE(monitor.snapshot().first().server, QStringLiteral("app-02"));
}

void TestHealthMonitor::serversWithoutCheckAreListedButNeverProbed()
{
    ScriptServer unchecked;
    ScriptServer checked;
    QVERIFY(unchecked.start());
    QVERIFY(checked.start());
    HealthMonitor monitor;
    Recorder recorder(monitor);
    monitor.setServers({monitored(QStringLiteral("db-01"), unchecked.serverPort(), QStringLiteral("none"), false, QString()),
                        monitored(QStringLiteral("db-02"), checked.serverPort(), QStringLiteral("tcp"), false, QString())});
    monitor.start();
    QTRY_VERIFY_WITH_TIMEOUT(checked.connections() >= 5, 10000);
    QCOMPARE(unchecked.connections(), 0);
    const ServerHealth db1 = healthOf(monitor, QStringLiteral("db-01"));
    QCOMPARE(db1.status, QStringLiteral("no check"));
    QVERIFY(db1.up);
    QVERIFY(!db1.checked);
    QCOMPARE(recorder.checksOf(QStringLiteral("db-01")), 0);
}

void TestHealthMonitor::missingProbeTypeIsReportedAsUnknown()
{
    HealthMonitor monitor;
    Recorder recorder(monitor);
    monitor.setServers({monitored(QStringLiteral("db-01"), 5432, QStringLiteral("pgsql-role"), false, QString())});
    monitor.start();
    // More checks than fall: a probe that cannot run is no verdict, so the
    // server keeps its state and shows why instead of failing.
    QTRY_VERIFY_WITH_TIMEOUT(recorder.checksOf(QStringLiteral("db-01")) >= 4, 10000);
    QCOMPARE(recorder.events.size(), 0);
    const ServerHealth health = healthOf(monitor, QStringLiteral("db-01"));
    QCOMPARE(health.status, QStringLiteral("UP"));
    QCOMPARE(health.lastCheck.code, CheckCode::Unknown);
    QVERIFY2(health.lastCheck.reason.startsWith(
                 QStringLiteral("The PostgreSQL role probe (plugin “loadstar_postgresql”) is not installed; looked in ")),
             qPrintable(health.lastCheck.reason));
}

void TestHealthMonitor::stopEndsTheChecks()
{
    ScriptServer server;
    QVERIFY(server.start());
    HealthMonitor monitor;
    monitor.setServers({monitored(QStringLiteral("web-01"), server.serverPort())});
    monitor.start();
    QVERIFY(monitor.isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(server.connections() >= 2, 10000);
    monitor.stop();
    QVERIFY(!monitor.isRunning());
    const int connections = server.connections();
    QSignalSpy accepted(&server, &ScriptServer::accepted);
    // Ten intervals go by without a check.
    QVERIFY(!accepted.wait(1000));
    QCOMPARE(server.connections(), connections);

    monitor.start();
    QTRY_VERIFY_WITH_TIMEOUT(server.connections() > connections, 10000);
}

QTEST_GUILESS_MAIN(TestHealthMonitor)
#include "tst_health_monitor.moc"
