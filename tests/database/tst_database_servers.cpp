// The demo databases as a user meets them after pressing Run: real MariaDB
// and PostgreSQL servers on loopback that replicate for real, fail on
// demand and never outlive Loadstar (failover: tst_database_failover).

#include "DatabaseTestSupport.h"

#include "engine/database/MariaDbServer.h"
#include "engine/database/PostgresServer.h"

#include <QProcess>
#include <QScopeGuard>
#include <QtTest>

#include <mutex>

#include <csignal>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace Loadstar::Test;
using Loadstar::Engine::ClusterRouting;
using Loadstar::Engine::DatabaseFault;
using State = DatabaseServerStatus::State;

class DatabaseServersTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void mariadbPrimaryAndReplicaReplicate();
    void postgresPrimaryAndStandbyReplicate();
    void killAndRevive_data() { engineRows(); }
    void killAndRevive();
    void hangAndResume();
    void replicationStopAndDelay_data() { engineRows(); }
    void replicationStopAndDelay();
    void healthRoutesAroundDown();
    void stopLeavesNothingAndNextStartIsClean();
    void killedLoadstarLeavesNoServer();
    void missingMariadbdIsNamedAndOthersRun();
    void portInUseIsSaid();
    void nonLoopbackAddressIsRefused();
    void notDemoDatabasesAreListed();
    void applyRestartsOnlyWhatChanged();
    void aServerThatExitsSaysWhy();
    void leftoversOfDeadRunsAreRemoved();

private:
    void primaryAndReplicaReplicate(const QString &engine);
};

void DatabaseServersTest::primaryAndReplicaReplicate(const QString &engine)
{
    const QList<quint16> ports = freePorts(2);
    DatabaseServers servers(testOptions());
    QVERIFY(startReplicating(servers, pair(engine, ports)));

    const auto primary = statusOf(servers, Primary);
    QCOMPARE(primary->role, QStringLiteral("primary"));
    QVERIFY(!primary->readOnly);
    QVERIFY(primary->pid > 0);
    const auto replica = statusOf(servers, Replica);
    QCOMPARE(replica->role, QStringLiteral("replica"));
    QVERIFY(replica->readOnly);
    QCOMPARE(replica->source, Primary);

    // The routing: writes to the primary, reads to the replica, as the app.
    const QList<ClusterRouting> routing = servers.routing();
    QCOMPARE(routing.size(), 1);
    QCOMPARE(routing.first().cluster, Primary);
    QVERIFY(routing.first().primary);
    QCOMPARE(routing.first().primary->port, ports[0]);
    QCOMPARE(routing.first().primary->user, QStringLiteral("loadstar_app"));
    QCOMPARE(routing.first().replicas.size(), 1);
    QCOMPARE(routing.first().replicas.first().port, ports[1]);

    AppConnection writer(*routing.first().primary);
    QCOMPARE(writer.insert(1), QString());
    AppConnection reader(routing.first().replicas.first());
    QTRY_VERIFY_WITH_TIMEOUT(reader.has(1).value_or(false), 10000);
    // The application's connections and statements show in the status.
    QTRY_VERIFY(statusOf(servers, Primary)->connections >= 1);
    QTRY_VERIFY(statusOf(servers, Primary)->queries >= 1);
    QTRY_VERIFY(statusOf(servers, Replica)->queries >= 1);
}

void DatabaseServersTest::mariadbPrimaryAndReplicaReplicate()
{
    primaryAndReplicaReplicate(QStringLiteral("mariadb"));
}

void DatabaseServersTest::postgresPrimaryAndStandbyReplicate()
{
    primaryAndReplicaReplicate(QStringLiteral("postgresql"));
}

void DatabaseServersTest::killAndRevive()
{
    QFETCH(QString, engine);
    const QList<quint16> ports = freePorts(2);
    DatabaseServers servers(testOptions());
    QVERIFY(startReplicating(servers, pair(engine, ports)));
    const auto primary = endpointOf(servers, Primary);
    const auto replica = endpointOf(servers, Replica);
    QVERIFY(primary && replica);

    DatabaseFault killed;
    killed.killed = true;
    QCOMPARE(servers.setFault(Replica, killed), QString());
    QCOMPARE(stateOf(servers, Replica), State::Stopped);
    QCOMPARE(statusOf(servers, Replica)->pid, 0);
    QVERIFY(statusOf(servers, Replica)->fault.killed);
    QVERIFY(statusOf(servers, Replica)->message.isEmpty());
    QVERIFY(refused(ports[1]));
    // Reads fall back to the primary; writes go on.
    QTRY_VERIFY(!servers.routing().isEmpty() && servers.routing().first().replicas.isEmpty());
    QCOMPARE(primaryOf(servers, Primary), Primary);
    AppConnection writer(*primary);
    QCOMPARE(writer.insert(10), QString());

    // Revived from the same data directory, it catches up.
    QCOMPARE(servers.setFault(Replica, DatabaseFault{}), QString());
    QCOMPARE(stateOf(servers, Replica), State::Running);
    QVERIFY(!statusOf(servers, Replica)->fault.killed);
    QTRY_VERIFY_WITH_TIMEOUT(replicating(servers, Replica), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(hasRow(*replica, 10), 10000);

    // The primary killed and revived is the primary again.
    QCOMPARE(servers.setFault(Primary, killed), QString());
    QVERIFY(refused(ports[0]));
    // Writes are refused; reads go on, on the replica.
    QTRY_COMPARE(primaryOf(servers, Primary), QString());
    QTRY_COMPARE(servers.routing().first().replicas.size(), 1);
    QVERIFY(hasRow(*replica, 10));
    QCOMPARE(servers.setFault(Primary, DatabaseFault{}), QString());
    QTRY_COMPARE(primaryOf(servers, Primary), Primary);
    AppConnection again(*primary);
    QCOMPARE(again.insert(11), QString());
    QTRY_VERIFY_WITH_TIMEOUT(hasRow(*replica, 11), 10000);
}

void DatabaseServersTest::hangAndResume()
{
    const QList<quint16> ports = freePorts(2);
    DatabaseServers servers(testOptions());
    QVERIFY(startReplicating(servers, pair(QStringLiteral("mariadb"), ports)));

    DatabaseFault hung;
    hung.hung = true;
    QCOMPARE(servers.setFault(Replica, hung), QString());
    QVERIFY(statusOf(servers, Replica)->fault.hung);
    QCOMPARE(servers.fault(Replica), hung);
    const qint64 pid = statusOf(servers, Replica)->pid;
    const char state = Loadstar::Engine::detail::ServerProcess::stateOf(pid);
    QVERIFY2(state == 'T' || state == 't', "the hung server is not stopped");

    // The hung server delays nobody else's status.
    const QDateTime before = statusOf(servers, Primary)->sampledAt;
    QTRY_VERIFY(statusOf(servers, Primary)->sampledAt > before);
    const QDateTime hungSince = statusOf(servers, Replica)->sampledAt;

    QCOMPARE(servers.setFault(Replica, DatabaseFault{}), QString());
    QTRY_VERIFY(statusOf(servers, Replica)->sampledAt > hungSince);
    QVERIFY(replicating(servers, Replica));
    QCOMPARE(statusOf(servers, Replica)->pid, pid);
}

void DatabaseServersTest::replicationStopAndDelay()
{
    QFETCH(QString, engine);
    const QList<quint16> ports = freePorts(2);
    DatabaseServers servers(testOptions());
    QVERIFY(startReplicating(servers, pair(engine, ports)));
    const auto primary = endpointOf(servers, Primary);
    const auto replica = endpointOf(servers, Replica);
    AppConnection writer(*primary);
    QCOMPARE(writer.insert(20), QString());
    QTRY_VERIFY_WITH_TIMEOUT(hasRow(*replica, 20), 10000);

    DatabaseFault stopped;
    stopped.replicationStopped = true;
    QCOMPARE(servers.setFault(Replica, stopped), QString());
    QTRY_VERIFY(!statusOf(servers, Replica)->replicating);
    QVERIFY(statusOf(servers, Replica)->replicationError.isEmpty());
    // A replica that does not replicate takes no reads.
    QTRY_VERIFY(servers.routing().first().replicas.isEmpty());
    QCOMPARE(
        servers.setFault(Primary, stopped),
        QStringLiteral("db-primary is not a replica: it has no replication to stop or delay."));

    QCOMPARE(servers.setFault(Replica, DatabaseFault{}), QString());
    QTRY_VERIFY(replicating(servers, Replica));

    // Delayed: a write shows as lag, then arrives.
    DatabaseFault delayed;
    delayed.replicationDelaySeconds = 2;
    QCOMPARE(servers.setFault(Replica, delayed), QString());
    QCOMPARE(writer.insert(21), QString());
    QTRY_VERIFY_WITH_TIMEOUT(statusOf(servers, Replica)->lagSeconds >= 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(hasRow(*replica, 21), 10000);
    QCOMPARE(servers.setFault(Replica, DatabaseFault{}), QString());
    QCOMPARE(writer.insert(22), QString());
    QTRY_VERIFY_WITH_TIMEOUT(hasRow(*replica, 22), 10000);
    QTRY_COMPARE(statusOf(servers, Replica)->lagSeconds, 0.0);
}

void DatabaseServersTest::healthRoutesAroundDown()
{
    const QList<quint16> ports = freePorts(2);
    DatabaseServers servers(testOptions());
    // What the handler heard, on the servers' thread.
    std::mutex mutex;
    QList<ClusterRouting> heard;
    servers.setRoutingHandler([&](const QList<ClusterRouting> &routing) {
        std::lock_guard lock(mutex);
        heard = routing;
    });
    const auto lastHeard = [&] {
        std::lock_guard lock(mutex);
        return heard.isEmpty() ? ClusterRouting{} : heard.first();
    };
    QVERIFY(startReplicating(servers, pair(QStringLiteral("mariadb"), ports)));
    QTRY_VERIFY(lastHeard().primary);

    // DOWN by the health checks: no writes (no auto_failover), reads go on.
    servers.setHealth(Primary, false);
    QCOMPARE(primaryOf(servers, Primary), QString());
    QCOMPARE(servers.routing().first().replicas.size(), 1);
    QVERIFY(servers.routing().first().unavailable.isEmpty());
    QTRY_VERIFY(!lastHeard().primary);
    QVERIFY(servers.promotions().isEmpty());
    servers.setHealth(Replica, false);
    QCOMPARE(servers.routing().first().unavailable, QStringLiteral("db-primary is DOWN"));
    servers.setHealth(Primary, true);
    servers.setHealth(Replica, true);
    QCOMPARE(primaryOf(servers, Primary), Primary);
    QTRY_VERIFY(lastHeard().primary && lastHeard().replicas.size() == 1);
}

void DatabaseServersTest::stopLeavesNothingAndNextStartIsClean()
{
    const QList<quint16> ports = freePorts(4);
    QList<DatabaseConfig> databases = pair(QStringLiteral("mariadb"), ports);
    databases << pair(QStringLiteral("postgresql"), ports.mid(2));
    databases[2].name = QStringLiteral("pg-primary");
    databases[3].name = QStringLiteral("pg-replica");
    databases[3].source = QStringLiteral("pg-primary");
    DatabaseServers servers(testOptions());
    QVERIFY(startReplicating(servers, databases));
    AppConnection writer(*endpointOf(servers, Primary));
    QCOMPARE(writer.insert(70), QString());
    QList<qint64> pids;
    for (const DatabaseServerStatus &status : servers.status())
        pids << status.pid;
    QCOMPARE(pids.size(), 4);

    servers.stop();
    QVERIFY(!servers.isRunning());
    QVERIFY(servers.status().isEmpty());
    QVERIFY(servers.routing().isEmpty());
    for (const qint64 pid : std::as_const(pids))
        QVERIFY2(processGone(pid), qPrintable(QStringLiteral("pid %1 survived stop()").arg(pid)));
    for (const quint16 port : ports)
        QVERIFY2(refused(port), qPrintable(QStringLiteral("port %1 still listens").arg(port)));

    // A second start is a fresh copy: nothing of the first run.
    QVERIFY(startReplicating(servers, databases));
    AppConnection again(*endpointOf(servers, Primary));
    QCOMPARE(again.has(70), std::optional<bool>(false));
}

void DatabaseServersTest::killedLoadstarLeavesNoServer()
{
    const QList<quint16> ports = freePorts(2);
    QProcess child;
    child.start(QStringLiteral(DATABASE_CHILD),
                {templateCache(), QString::number(ports[0]), QString::number(ports[1])});
    QVERIFY(child.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(child.canReadLine(), 60000);
    const QStringList ready = QString::fromUtf8(child.readLine()).trimmed().split(QLatin1Char(' '));
    QCOMPARE(ready.size(), 3);
    QCOMPARE(ready.first(), QStringLiteral("ready"));
    const qint64 primary = ready.at(1).toLongLong();
    const qint64 replica = ready.at(2).toLongLong();
    QVERIFY(primary > 0 && replica > 0);
    QVERIFY(!processGone(primary) && !processGone(replica));

    ::kill(static_cast<pid_t>(child.processId()), SIGKILL);
    QVERIFY(child.waitForFinished());
    QTRY_VERIFY(processGone(primary));
    QTRY_VERIFY(processGone(replica));
    QTRY_VERIFY(refused(ports[0]) && refused(ports[1]));
}

void DatabaseServersTest::missingMariadbdIsNamedAndOthersRun()
{
    qputenv("LOADSTAR_MARIADBD", "/nonexistent");
    const auto restore = qScopeGuard([] { qunsetenv("LOADSTAR_MARIADBD"); });
    QVERIFY(DatabaseServers::missingProgram(QStringLiteral("mariadb"))
                .contains(QLatin1String("mariadb-server")));
    QCOMPARE(DatabaseServers::missingProgram(QStringLiteral("postgresql")), QString());
    const QList<quint16> ports = freePorts(2);
    DatabaseServers servers(testOptions());
    servers.start({database(QStringLiteral("db-maria"), ports[0]),
                   database(QStringLiteral("db-pg"), ports[1], QStringLiteral("postgresql"))});
    const auto maria = statusOf(servers, QStringLiteral("db-maria"));
    QCOMPARE(maria->state, State::Failed);
    QVERIFY2(maria->message.contains(QLatin1String("install the mariadb-server package")),
             qPrintable(maria->message));
    QCOMPARE(stateOf(servers, QStringLiteral("db-pg")), State::Running);
    QVERIFY(servers.routing().first().unavailable.contains(QLatin1String("mariadb-server")));
    QVERIFY(servers.routing().last().primary);
}

void DatabaseServersTest::portInUseIsSaid()
{
    QTcpServer occupant;
    QVERIFY(occupant.listen(QHostAddress::LocalHost, 0));
    const quint16 free = freePorts(1).first();
    DatabaseServers servers(testOptions());
    servers.start({database(QStringLiteral("db-a"), occupant.serverPort()),
                   database(QStringLiteral("db-b"), free)});
    const auto taken = statusOf(servers, QStringLiteral("db-a"));
    QCOMPARE(taken->state, State::Failed);
    QCOMPARE(
        taken->message,
        QStringLiteral("db-a can't listen on 127.0.0.1:%1: the port is in use by another program; "
                       "stop it or give db-a another port.")
            .arg(occupant.serverPort()));
    QCOMPARE(stateOf(servers, QStringLiteral("db-b")), State::Running);
}

void DatabaseServersTest::nonLoopbackAddressIsRefused()
{
    DatabaseConfig remote = database(QStringLiteral("db-remote"), 3306);
    remote.address = QStringLiteral("192.0.2.10");
    DatabaseServers servers(testOptions());
    servers.start({remote});
    const auto status = statusOf(servers, QStringLiteral("db-remote"));
    QCOMPARE(status->state, State::Failed);
    QCOMPARE(status->message,
             QStringLiteral("Demo databases listen on loopback only: give db-remote the address "
                            "127.0.0.1 (it has 192.0.2.10)."));
    QCOMPARE(status->pid, 0);
}

void DatabaseServersTest::notDemoDatabasesAreListed()
{
    DatabaseConfig probed = database(QStringLiteral("db-external"), 3306);
    probed.embedded = false;
    DatabaseServers servers(testOptions());
    servers.start({probed});
    const auto status = statusOf(servers, QStringLiteral("db-external"));
    QCOMPARE(status->state, State::Failed);
    QVERIFY(status->message.isEmpty());
    QCOMPARE(servers.routing().size(), 1);
    QVERIFY(!servers.routing().first().primary);
    QCOMPARE(servers.routing().first().unavailable,
             QStringLiteral("db-external is not a demo database Loadstar runs"));
}

void DatabaseServersTest::applyRestartsOnlyWhatChanged()
{
    const QList<quint16> ports = freePorts(3);
    QList<DatabaseConfig> databases = pair(QStringLiteral("mariadb"), ports);
    DatabaseServers servers(testOptions());
    QVERIFY(startReplicating(servers, databases));
    const qint64 primaryPid = statusOf(servers, Primary)->pid;
    const qint64 replicaPid = statusOf(servers, Replica)->pid;

    databases[1].maxLagMs = 500; // nothing a server needs to restart for
    servers.apply(databases);
    QCOMPARE(statusOf(servers, Primary)->pid, primaryPid);
    QCOMPARE(statusOf(servers, Replica)->pid, replicaPid);

    databases[1].port = ports[2];
    servers.apply(databases);
    QCOMPARE(statusOf(servers, Primary)->pid, primaryPid);
    QVERIFY(statusOf(servers, Replica)->pid != replicaPid);
    QCOMPARE(statusOf(servers, Replica)->port, ports[2]);
    QVERIFY2(replicating(servers, Replica), qPrintable(describe(servers)));
    QVERIFY(refused(ports[1]));
    AppConnection writer(*endpointOf(servers, Primary));
    QCOMPARE(writer.insert(80), QString());
    QTRY_VERIFY_WITH_TIMEOUT(hasRow(*endpointOf(servers, Replica), 80), 10000);
}

// The sentence on a card whose server exited by itself comes from the
// server's own log: the cause, not the "Aborting" that follows it.
void DatabaseServersTest::aServerThatExitsSaysWhy()
{
    QTemporaryDir folder;
    const auto log = [&](const QString &name, const QByteArray &lines) {
        QFile file(folder.filePath(name));
        if (!file.open(QIODevice::WriteOnly) || file.write(lines) != lines.size())
            qFatal("can't write %s", qPrintable(file.fileName()));
        return file.fileName();
    };
    const QString mariadb
        = log(QStringLiteral("error.log"),
              "2026-12-07 19:33:26 0 [Note] Starting MariaDB 10.11.19-MariaDB as process 1\n"
              "2026-12-07 19:33:26 0 [ERROR] Old error of an earlier start\n"
              "2026-12-07 19:34:00 0 [Note] Starting MariaDB 10.11.19-MariaDB as process 2\n"
              "2026-12-07 19:34:00 0 [ERROR] Can't start server: Bind on TCP/IP port. "
              "Got error: 98: Address already in use\n"
              "2026-12-07 19:34:00 0 [ERROR] Aborting\n");
    QCOMPARE(Loadstar::Engine::detail::MariaDbServer({}).lastError(mariadb),
             QStringLiteral(
                 "Can't start server: Bind on TCP/IP port. Got error: 98: Address already in use"));
    const QString postgres = log(
        QStringLiteral("server.log"),
        "2026-12-07 19:33:36.441 UTC [7] LOG:  starting PostgreSQL 15.18 (Debian 15.18-0+deb12u1)\n"
        "2026-12-07 19:33:36.442 UTC [7] LOG:  could not bind IPv4 address \"127.0.0.1\": Address "
        "already in use\n"
        "2026-12-07 19:33:36.442 UTC [7] FATAL:  could not create any TCP/IP sockets\n");
    QCOMPARE(Loadstar::Engine::detail::PostgresServer({}).lastError(postgres),
             QStringLiteral("could not bind IPv4 address \"127.0.0.1\": Address already in use"));
    const QString fatal = log(
        QStringLiteral("fatal.log"),
        "2026-12-07 19:33:36.441 UTC [7] LOG:  starting PostgreSQL 15.18\n"
        "2026-12-07 19:33:36.441 UTC [7] FATAL:  data directory \"/x\" has invalid permissions\n");
    QCOMPARE(Loadstar::Engine::detail::PostgresServer({}).lastError(fatal),
             QStringLiteral("data directory \"/x\" has invalid permissions"));
}

// A run killed with Loadstar leaves its folder; the next run removes it,
// and leaves alone the folder of a run that is still alive (its lock held).
void DatabaseServersTest::leftoversOfDeadRunsAreRemoved()
{
    QTemporaryDir runtime;
    const auto makeRun = [&](const QString &name) {
        QDir(runtime.path()).mkpath(name + QStringLiteral("/db-primary/data"));
        QFile lock(runtime.filePath(name + QStringLiteral("/.lock")));
        return lock.open(QIODevice::WriteOnly);
    };
    QVERIFY(makeRun(QStringLiteral("run-4000001-1")));
    QVERIFY(makeRun(QStringLiteral("run-4000002-1")));
    const int held = ::open(
        QFile::encodeName(runtime.filePath(QStringLiteral("run-4000002-1/.lock"))).constData(),
        O_RDWR | O_CLOEXEC);
    QVERIFY(held >= 0 && ::flock(held, LOCK_EX | LOCK_NB) == 0);
    const auto release = qScopeGuard([held] { ::close(held); });

    DatabaseServers::Options options = testOptions();
    options.runtimeDirectory = runtime.path();
    DatabaseServers servers(options);
    DatabaseConfig probed = database(QStringLiteral("db-external"), 3306);
    probed.embedded = false;
    servers.start({probed});
    QVERIFY(!QFileInfo::exists(runtime.filePath(QStringLiteral("run-4000001-1"))));
    QVERIFY(QFileInfo::exists(runtime.filePath(QStringLiteral("run-4000002-1/db-primary/data"))));
    QCOMPARE(QDir(runtime.path()).entryList({QStringLiteral("run-*")}, QDir::Dirs).size(),
             2); // ours and the live one
    servers.stop();
    QCOMPARE(QDir(runtime.path()).entryList({QStringLiteral("run-*")}, QDir::Dirs),
             QStringList{QStringLiteral("run-4000002-1")});
}

QTEST_GUILESS_MAIN(DatabaseServersTest)
#include "tst_database_servers.moc"
