// The demo backends' data tier against real databases: a MariaDB primary
// and replica (GTID replication) and a PostgreSQL primary and streaming
// replica, started on free loopback ports by tests/db/cluster.sh with the
// demo schema and its application user. Real HTTP requests to real demo
// backends; the routing is given as the database servers would give it.
// Faults are real too: replication stopped, a server stopped with SIGSTOP
// or killed with SIGKILL, a replica promoted by making it writable.

#include "ClusterScript.h"
#include "TestClient.h"

#include "engine/EngineConfig.h"
#include "engine/database/DemoSchema.h"
#include "engine/demo/DemoBackends.h"
#include "engine/traffic/TrafficGenerator.h"

#include <QRegularExpression>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <mutex>

using namespace Loadstar::Engine;
using namespace Loadstar::Test;

namespace {

QByteArray request(const QByteArray &method, const QByteArray &client)
{
    QByteArray raw = method + " /visit HTTP/1.1\r\nHost: test\r\n";
    if (!client.isEmpty())
        raw += "X-Loadstar-Client: " + client + "\r\n";
    if (method == "POST")
        raw += "Content-Length: 9\r\n\r\nvisited=1";
    else
        raw += "\r\n";
    return raw;
}

// The visit id of a body line, 0 when the line names none.
quint64 visitIn(const QByteArray &body, const char *how)
{
    const QRegularExpression pattern(QStringLiteral("visit (\\d+) %1").arg(QLatin1String(how)));
    const QRegularExpressionMatch match = pattern.match(QString::fromUtf8(body));
    return match.hasMatch() ? match.captured(1).toULongLong() : 0;
}

DatabaseTrafficStats statsOf(const DemoBackends &demo, const QString &backend,
                             const QString &database)
{
    for (const DatabaseTrafficStats &row : demo.databaseStats()) {
        if (row.backend == backend && row.database == database)
            return row;
    }
    return {};
}

// Observations as the handler saw them, on the demo backends' thread.
struct Observations
{
    std::mutex mutex;
    QStringList seen; // "database: reason"

    int count()
    {
        std::lock_guard lock(mutex);
        return int(seen.size());
    }
};

} // namespace

class DataTierTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void aWriteIsReadBackThroughTheReplica_data();
    void aWriteIsReadBackThroughTheReplica();
    void aBackendLinkedToTwoClustersAnswersForBoth();
    void aReplicaBehindTheClientsOwnWriteIsAStaleRead_data();
    void aReplicaBehindTheClientsOwnWriteIsAStaleRead();
    void withoutAPrimaryWritesAreRefusedAndReadsServed();
    void aClientsWriteShareReachesThePrimary();
    void aHungServerFailsWithinTheDeadlineWhileOthersAreServed();
    void anOutageReportsTheAcknowledgedWritesTheNewPrimaryLacks();
    void aKilledServerIsObservedOnceAtItsErrorLimit();

private:
    bool runCluster(const QStringList &arguments, QString *output = nullptr);
    bool sql(const QString &instance, const QString &statement, const QString &database = {},
             QString *output = nullptr);
    // Whether the demo schema and its user have reached the instance.
    bool hasDemoSchema(const QString &instance);
    qint64 pidOf(const QString &instance);

    // The four databases: the MariaDB cluster "db-primary" (db-replica
    // follows it), the PostgreSQL cluster "pg-primary" (pg-replica).
    QList<DatabaseConfig> databases() const;
    DatabaseEndpoint endpoint(const QString &name) const;
    // Where the cluster's queries go while everything is fine.
    ClusterRouting routing(const QString &cluster) const;
    // Demo backends named after `links`' keys, each linked to its databases.
    EngineConfig config(const QList<std::pair<QString, QStringList>> &links) const;
    bool start(DemoBackends &demo, const EngineConfig &config,
               const QList<ClusterRouting> &routing);

    QTemporaryDir m_dir;
    bool m_clusterStarted = false;
    QString m_password;                 // loadstar_app's
    QHash<QString, quint16> m_ports;    // by database node
    QHash<QString, QString> m_instance; // cluster.sh's instance, by database node
    int m_deadlineMs = 2000;            // the MariaDB databases' check timeout
    int m_errorLimit = 10;              // the MariaDB databases' check error_limit
};

bool DataTierTest::runCluster(const QStringList &arguments, QString *output)
{
    QString text;
    const ClusterPorts ports{m_ports["db-primary"], m_ports["db-replica"], m_ports["pg-primary"],
                             m_ports["pg-replica"]};
    const bool ok = runClusterScript(ports, arguments, &text);
    // A caller taking the output reads what went wrong itself.
    if (!ok && !output)
        qWarning("cluster.sh %s: %s", qPrintable(arguments.join(' ')), qPrintable(text));
    if (output)
        *output = text;
    return ok;
}

bool DataTierTest::sql(const QString &instance, const QString &statement, const QString &database,
                       QString *output)
{
    QStringList arguments{"sql", m_dir.path(), instance, statement};
    if (!database.isEmpty())
        arguments.append(database);
    return runCluster(arguments, output);
}

bool DataTierTest::hasDemoSchema(const QString &instance)
{
    // The grant came last: once it is there, so is everything before it.
    QString granted;
    if (instance.startsWith("pg")) {
        return sql(instance, "SELECT has_table_privilege('loadstar_app', 'visits', 'INSERT')",
                   DemoSchema::databaseName(), &granted)
               && granted.trimmed() == "t";
    }
    return sql(instance, "SELECT count(*) FROM mysql.tables_priv WHERE User = 'loadstar_app'", {},
               &granted)
           && granted.trimmed() == "1";
}

qint64 DataTierTest::pidOf(const QString &instance)
{
    QString output;
    if (!runCluster({"pid", m_dir.path(), instance}, &output))
        return 0;
    return output.trimmed().toLongLong();
}

void DataTierTest::initTestCase()
{
    if (QStandardPaths::findExecutable("mariadbd", {"/usr/sbin", "/usr/bin"}).isEmpty()
        || !QFile::exists("/usr/lib/postgresql/15/bin/initdb")) {
        QSKIP("mariadbd or PostgreSQL 15's initdb is missing: run packaging/install-deps "
              "(mariadb-server, postgresql) to test the data tier");
    }
    QVERIFY(m_dir.isValid());
    const QList<quint16> ports = freePorts(4);
    QCOMPARE(ports.size(), 4);
    const QStringList nodes{"db-primary", "db-replica", "pg-primary", "pg-replica"};
    const QStringList instances{"mariadb-primary", "mariadb-replica", "pg-primary", "pg-replica"};
    for (int i = 0; i < 4; ++i) {
        m_ports.insert(nodes[i], ports[i]);
        m_instance.insert(nodes[i], instances[i]);
    }
    m_clusterStarted = true; // a half-started cluster is stopped too
    QVERIFY(runCluster({"start", m_dir.path()}));

    // The demo schema and its application user, as a demo database's
    // template holds them; replication takes them to the replicas.
    m_password = QString::fromLatin1(QUuid::createUuid().toRfc4122().toHex());
    const QString app = DemoSchema::applicationUser();
    const QString demo = DemoSchema::databaseName();
    QVERIFY(sql("mariadb-primary", QStringLiteral("CREATE DATABASE %1").arg(demo)));
    QVERIFY(sql("mariadb-primary", DemoSchema::createStatements("mariadb"), demo));
    QVERIFY(sql("mariadb-primary",
                QStringLiteral("CREATE USER '%1'@'127.0.0.1' IDENTIFIED BY '%2'; "
                               "GRANT SELECT, INSERT ON %3.visits TO '%1'@'127.0.0.1'")
                    .arg(app, m_password, demo)));
    QVERIFY(sql("pg-primary", QStringLiteral("CREATE DATABASE %1").arg(demo)));
    QVERIFY(sql("pg-primary",
                QStringLiteral("CREATE ROLE %1 LOGIN PASSWORD '%2'").arg(app, m_password)));
    QVERIFY(sql("pg-primary", DemoSchema::createStatements("postgresql"), demo));
    QVERIFY(
        sql("pg-primary", QStringLiteral("GRANT SELECT, INSERT ON visits TO %1").arg(app), demo));
    QTRY_VERIFY_WITH_TIMEOUT(hasDemoSchema("mariadb-replica"), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(hasDemoSchema("pg-replica"), 30000);
}

void DataTierTest::cleanupTestCase()
{
    if (!m_clusterStarted)
        return;
    QString output;
    QVERIFY(runCluster({"stop", m_dir.path()}));
    QVERIFY(runCluster({"status", m_dir.path()}, &output));
    QVERIFY2(!output.contains("running"), qPrintable(output));
}

QList<DatabaseConfig> DataTierTest::databases() const
{
    QList<DatabaseConfig> list;
    for (const QString &name :
         QStringList{"db-primary", "db-replica", "pg-primary", "pg-replica"}) {
        DatabaseConfig database;
        database.name = name;
        database.engine = name.startsWith("pg") ? "postgresql" : "mariadb";
        database.address = "127.0.0.1";
        database.port = m_ports.value(name);
        database.embedded = true;
        if (name.endsWith("replica")) {
            database.role = "replica";
            database.source = name.startsWith("pg") ? "pg-primary" : "db-primary";
        }
        database.check.type = name.startsWith("pg") ? "pgsql" : "mysql";
        if (!name.startsWith("pg")) {
            database.check.timeout = m_deadlineMs;
            database.check.errorLimit = m_errorLimit;
            database.check.onError = "mark-down";
        }
        list.append(database);
    }
    return list;
}

DatabaseEndpoint DataTierTest::endpoint(const QString &name) const
{
    DatabaseEndpoint endpoint;
    endpoint.name = name;
    endpoint.engine = name.startsWith("pg") ? "postgresql" : "mariadb";
    endpoint.address = "127.0.0.1";
    endpoint.port = m_ports.value(name);
    endpoint.user = DemoSchema::applicationUser();
    endpoint.password = m_password;
    endpoint.database = DemoSchema::databaseName();
    return endpoint;
}

ClusterRouting DataTierTest::routing(const QString &cluster) const
{
    const QString replica = cluster == "pg-primary" ? "pg-replica" : "db-replica";
    ClusterRouting routing;
    routing.cluster = cluster;
    routing.primary = endpoint(cluster);
    routing.replicas = {endpoint(replica)};
    routing.members = {cluster, replica};
    return routing;
}

EngineConfig DataTierTest::config(const QList<std::pair<QString, QStringList>> &links) const
{
    EngineConfig config;
    for (const auto &[name, linked] : links) {
        ServerConfig server;
        server.name = name;
        server.address = "127.0.0.1";
        server.embedded = true;
        server.databases = linked;
        config.watched.append(server);
    }
    config.databases = databases();
    return config;
}

bool DataTierTest::start(DemoBackends &demo, const EngineConfig &config,
                         const QList<ClusterRouting> &routing)
{
    QString error;
    if (!demo.start(config, &error)) {
        qWarning("The demo backends did not start: %s", qPrintable(error));
        return false;
    }
    demo.setDatabaseRouting(routing);
    return true;
}

void DataTierTest::aWriteIsReadBackThroughTheReplica_data()
{
    QTest::addColumn<QString>("primary");
    QTest::addColumn<QString>("replica");
    QTest::newRow("MariaDB, GTID replication") << "db-primary"
                                               << "db-replica";
    QTest::newRow("PostgreSQL, streaming replication") << "pg-primary"
                                                       << "pg-replica";
}

void DataTierTest::aWriteIsReadBackThroughTheReplica()
{
    QFETCH(QString, primary);
    QFETCH(QString, replica);
    DemoBackends demo;
    QVERIFY(start(demo, config({{"web-01", {primary}}}), {routing(primary)}));
    const quint16 port = demo.port("web-01");

    const HttpResponse written = fetch(port, request("POST", "alice"));
    QCOMPARE(written.status, 200);
    QCOMPARE(written.header("X-Database"), primary.toUtf8());
    const quint64 id = visitIn(written.body, "written to");
    QVERIFY2(id > 0, written.body.constData());
    QCOMPARE(written.body,
             QStringLiteral("web-01: visit %1 written to %2\n").arg(id).arg(primary).toUtf8());

    // Once replicated, alice reads her visit (or a later one) on the replica.
    HttpResponse read;
    QTRY_VERIFY_WITH_TIMEOUT(
        (read = fetch(port, request("GET", "alice")), visitIn(read.body, "read from") >= id),
        15000);
    QCOMPARE(read.status, 200);
    QCOMPARE(read.header("X-Database"), replica.toUtf8());
    QVERIFY2(read.body.endsWith(QStringLiteral("read from %1\n").arg(replica).toUtf8()),
             read.body.constData());

    QCOMPARE(statsOf(demo, "web-01", primary).writes, quint64(1));
    QCOMPARE(statsOf(demo, "web-01", primary).failed, quint64(0));
    QVERIFY(statsOf(demo, "web-01", replica).reads >= 1);
    QCOMPARE(statsOf(demo, "web-01", primary).connections, 1);
    QCOMPARE(statsOf(demo, "web-01", replica).connections, 1);
    QCOMPARE(demo.stats().value(0).answered, quint64(statsOf(demo, "web-01", replica).reads + 1));
}

void DataTierTest::aBackendLinkedToTwoClustersAnswersForBoth()
{
    DemoBackends demo;
    QVERIFY(start(demo, config({{"app-01", {"db-primary", "pg-primary"}}, {"web-01", {}}}),
                  {routing("db-primary"), routing("pg-primary")}));

    const HttpResponse written = fetch(demo.port("app-01"), request("POST", "bob"));
    QCOMPARE(written.status, 200);
    QCOMPARE(written.header("X-Database"), QByteArray("db-primary, pg-primary"));
    const QList<QByteArray> lines = written.body.trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    QVERIFY2(lines[0].endsWith("written to db-primary")
                 && lines[1].endsWith("written to pg-primary"),
             written.body.constData());
    QCOMPARE(statsOf(demo, "app-01", "db-primary").writes, quint64(1));
    QCOMPARE(statsOf(demo, "app-01", "pg-primary").writes, quint64(1));

    // A backend linked to no database answers as before, without SQL.
    const HttpResponse plain = fetch(demo.port("web-01"), request("GET", "bob"));
    QCOMPARE(plain.status, 200);
    QCOMPARE(plain.body, QByteArray("web-01\n"));
    QVERIFY(plain.header("X-Database").isEmpty());
    // Rows per linked backend and every database of its clusters, in the drawing's order.
    QStringList rows;
    for (const DatabaseTrafficStats &row : demo.databaseStats())
        rows.append(row.backend + " → " + row.database);
    QCOMPARE(rows, QStringList({"app-01 → db-primary", "app-01 → db-replica", "app-01 → pg-primary",
                                "app-01 → pg-replica"}));
}

void DataTierTest::aReplicaBehindTheClientsOwnWriteIsAStaleRead_data()
{
    QTest::addColumn<QString>("primary");
    QTest::addColumn<QString>("replica");
    QTest::addColumn<QString>("stop");
    QTest::addColumn<QString>("restart");
    QTest::newRow("MariaDB, replication stopped") << "db-primary"
                                                  << "db-replica"
                                                  << "STOP SLAVE"
                                                  << "START SLAVE";
    QTest::newRow("PostgreSQL, replay paused") << "pg-primary"
                                               << "pg-replica"
                                               << "SELECT pg_wal_replay_pause()"
                                               << "SELECT pg_wal_replay_resume()";
}

void DataTierTest::aReplicaBehindTheClientsOwnWriteIsAStaleRead()
{
    QFETCH(QString, primary);
    QFETCH(QString, replica);
    QFETCH(QString, stop);
    QFETCH(QString, restart);
    DemoBackends demo;
    QVERIFY(start(demo, config({{"web-01", {primary}}}), {routing(primary)}));
    const quint16 port = demo.port("web-01");

    QVERIFY(sql(m_instance[replica], stop));
    auto restarted = qScopeGuard([&] { sql(m_instance[replica], restart); });
    const HttpResponse written = fetch(port, request("POST", "carol"));
    QCOMPARE(written.status, 200);
    const quint64 id = visitIn(written.body, "written to");
    QVERIFY(id > 0);

    const HttpResponse stale = fetch(port, request("GET", "carol"));
    QCOMPARE(stale.status, 200);
    QVERIFY2(stale.body.endsWith(
                 QStringLiteral(" (stale: your visit %1 is not there yet)\n").arg(id).toUtf8()),
             stale.body.constData());
    QCOMPARE(statsOf(demo, "web-01", replica).staleReads, quint64(1));

    // Another client never wrote: the same old row is not stale to it.
    const HttpResponse other = fetch(port, request("GET", "dave"));
    QCOMPARE(other.status, 200);
    QVERIFY2(!other.body.contains("stale"), other.body.constData());
    QCOMPARE(statsOf(demo, "web-01", replica).staleReads, quint64(1));

    restarted.dismiss();
    QVERIFY(sql(m_instance[replica], restart));
    HttpResponse caughtUp;
    QTRY_VERIFY_WITH_TIMEOUT((caughtUp = fetch(port, request("GET", "carol")),
                              visitIn(caughtUp.body, "read from") >= id),
                             15000);
    QVERIFY2(!caughtUp.body.contains("stale"), caughtUp.body.constData());
}

void DataTierTest::withoutAPrimaryWritesAreRefusedAndReadsServed()
{
    DemoBackends demo;
    QVERIFY(start(demo, config({{"web-01", {"db-primary"}}}), {routing("db-primary")}));
    const quint16 port = demo.port("web-01");
    QCOMPARE(fetch(port, request("POST", "erin")).status, 200);
    QCOMPARE(statsOf(demo, "web-01", "db-primary").connections, 1);

    ClusterRouting down = routing("db-primary");
    down.primary.reset();
    demo.setDatabaseRouting({down});
    const HttpResponse refused = fetch(port, request("POST", "erin"));
    QCOMPARE(refused.status, 503);
    QCOMPARE(
        refused.body,
        QByteArray("web-01: writes are refused: db-primary is DOWN and no replica was promoted\n"));
    const HttpResponse read = fetch(port, request("GET", "erin"));
    QCOMPARE(read.status, 200);
    QCOMPARE(read.header("X-Database"), QByteArray("db-replica"));
    // The pool to the server no longer routed closes.
    QTRY_COMPARE(statsOf(demo, "web-01", "db-primary").connections, 0);
    QCOMPARE(statsOf(demo, "web-01", "db-replica").connections, 1);

    ClusterRouting starting = routing("db-primary");
    starting.unavailable = "db-primary is starting";
    demo.setDatabaseRouting({starting});
    const HttpResponse unavailable = fetch(port, request("GET", "erin"));
    QCOMPARE(unavailable.status, 503);
    QCOMPARE(unavailable.body, QByteArray("web-01: db-primary is starting\n"));
}

void DataTierTest::aClientsWriteShareReachesThePrimary()
{
    DemoBackends demo;
    QVERIFY(start(demo, config({{"web-01", {"db-primary"}}}), {routing("db-primary")}));
    ClientConfig client;
    client.name = "browser";
    client.frontend = "web-01";
    client.address = "127.0.0.1";
    client.port = demo.port("web-01");
    client.rate = 400;
    client.concurrency = 8; // more than a pool's connections: queries queue
    client.paths = {{"/", 1}};
    client.writeRatio = 25;
    TrafficGenerator traffic;
    QString error;
    QVERIFY2(traffic.start({client}, &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(traffic.stats().value(0).responses[1] >= 200, 20000);
    traffic.stop();

    const TrafficClientStats sent = traffic.stats().value(0);
    QCOMPARE(sent.responses[4], quint64(0));
    QCOMPARE(sent.failed(), quint64(0));
    // Every request written reaches the databases, those in flight at the stop too.
    const auto total = [&] {
        return statsOf(demo, "web-01", "db-primary").writes
               + statsOf(demo, "web-01", "db-replica").reads;
    };
    QTRY_VERIFY(total() >= sent.sent);
    // The requests the backend served are the first `total` the client made:
    // one in four of them a write, to the primary.
    QCOMPARE(statsOf(demo, "web-01", "db-primary").writes, total() / 4);
    QCOMPARE(statsOf(demo, "web-01", "db-primary").reads, quint64(0));
    QCOMPARE(statsOf(demo, "web-01", "db-replica").writes, quint64(0));
    QCOMPARE(statsOf(demo, "web-01", "db-primary").failed
                 + statsOf(demo, "web-01", "db-replica").failed,
             quint64(0));
    QVERIFY(statsOf(demo, "web-01", "db-replica").connections <= 4);
}

void DataTierTest::aHungServerFailsWithinTheDeadlineWhileOthersAreServed()
{
    m_deadlineMs = 3000;
    auto restoreDeadline = qScopeGuard([this] { m_deadlineMs = 2000; });
    DemoBackends demo;
    QVERIFY(start(demo, config({{"web-01", {"db-primary"}}, {"web-02", {"pg-primary"}}}),
                  {routing("db-primary"), routing("pg-primary")}));
    QCOMPARE(fetch(demo.port("web-01"), request("GET", "frank")).status, 200);

    const qint64 pid = pidOf("mariadb-replica");
    QVERIFY(pid > 0);
    QCOMPARE(::kill(pid_t(pid), SIGSTOP), 0);
    auto resumed = qScopeGuard([pid] { ::kill(pid_t(pid), SIGCONT); });

    TestClient waiting;
    QVERIFY(waiting.connectTo(demo.port("web-01")));
    waiting.send(request("GET", "frank"));
    // The worker thread is not stuck with the hung server: it serves
    // web-02 while web-01's read waits for its deadline.
    const HttpResponse other = fetch(demo.port("web-02"), request("GET", "grace"));
    QCOMPARE(other.status, 200);
    QCOMPARE(other.header("X-Database"), QByteArray("pg-replica"));
    QVERIFY(!waiting.hasHead());

    const HttpResponse failed = waiting.readResponse(20000);
    QCOMPARE(failed.status, 503);
    QCOMPARE(failed.body, QByteArray("web-01: db-replica did not answer within 3 s\n"));
    QCOMPARE(statsOf(demo, "web-01", "db-replica").failed, quint64(1));
    // The connection to the hung server was dropped, not kept waiting.
    QCOMPARE(statsOf(demo, "web-01", "db-replica").connections, 0);

    resumed.dismiss();
    QCOMPARE(::kill(pid_t(pid), SIGCONT), 0);
    QCOMPARE(fetch(demo.port("web-01"), request("GET", "frank")).status, 200);
}

void DataTierTest::anOutageReportsTheAcknowledgedWritesTheNewPrimaryLacks()
{
    DemoBackends demo;
    QVERIFY(start(demo, config({{"web-01", {"db-primary"}}}), {routing("db-primary")}));
    const quint16 port = demo.port("web-01");
    quint64 last = 0;
    for (int i = 0; i < 2; ++i) {
        const HttpResponse written = fetch(port, request("POST", "heidi"));
        QCOMPARE(written.status, 200);
        last = visitIn(written.body, "written to");
    }
    HttpResponse read;
    QTRY_VERIFY_WITH_TIMEOUT(
        (read = fetch(port, request("GET", "heidi")), visitIn(read.body, "read from") >= last),
        15000);

    // Three writes the primary acknowledges and the replica never gets.
    QVERIFY(sql("mariadb-replica", "STOP SLAVE"));
    for (int i = 0; i < 3; ++i)
        QCOMPARE(fetch(port, request("POST", "heidi")).status, 200);

    // The primary goes; writes are refused until the replica is promoted.
    ClusterRouting down = routing("db-primary");
    down.primary.reset();
    demo.setDatabaseRouting({down});
    QCOMPARE(fetch(port, request("POST", "heidi")).status, 503);
    QCOMPARE(fetch(port, request("POST", "ivan")).status, 503);
    QVERIFY(demo.writeOutages().isEmpty());

    QVERIFY(sql("mariadb-replica", "SET GLOBAL read_only = OFF"));
    ClusterRouting promoted = routing("db-primary");
    promoted.primary = endpoint("db-replica");
    promoted.replicas.clear();
    demo.setDatabaseRouting({promoted});
    const HttpResponse resumed = fetch(port, request("POST", "heidi"));
    QCOMPARE(resumed.status, 200);
    QVERIFY2(resumed.body.endsWith("written to db-replica\n"), resumed.body.constData());

    QTRY_COMPARE(demo.writeOutages().size(), 1);
    const WriteOutage outage = demo.writeOutages().constFirst();
    QCOMPARE(outage.cluster, QStringLiteral("db-primary"));
    QCOMPARE(outage.primaryBefore, QStringLiteral("db-primary"));
    QCOMPARE(outage.primaryAfter, QStringLiteral("db-replica"));
    QCOMPARE(outage.refusedWrites, quint64(2));
    QCOMPARE(outage.acknowledgedLost, qint64(3));
    QVERIFY(outage.refusedSince.isValid() && outage.refusedSince <= outage.resumedAt);
    // The figures outlive the run.
    demo.stop();
    QCOMPARE(demo.writeOutages().size(), 1);
    QCOMPARE(statsOf(demo, "web-01", "db-replica").writes, quint64(1));
}

void DataTierTest::aKilledServerIsObservedOnceAtItsErrorLimit()
{
    m_errorLimit = 3;
    auto restoreLimit = qScopeGuard([this] { m_errorLimit = 10; });
    DemoBackends demo;
    Observations observations;
    demo.setDatabaseObservationHandler(
        [&observations](const QString &database, const QString &reason) {
            std::lock_guard lock(observations.mutex);
            observations.seen.append(database + ": " + reason);
        });
    // A live server refusing the statement is no layer 4 error.
    QVERIFY(sql("mariadb-replica", "SET GLOBAL read_only = ON"));
    ClusterRouting readOnly = routing("db-primary");
    readOnly.primary = endpoint("db-replica");
    QVERIFY(start(demo, config({{"web-01", {"db-primary"}}}), {readOnly}));
    const quint16 port = demo.port("web-01");
    for (int i = 0; i < 4; ++i) {
        const HttpResponse refused = fetch(port, request("POST", "judy"));
        QCOMPARE(refused.status, 503);
        QVERIFY2(refused.body.startsWith("web-01: db-replica refused the write: ")
                     && refused.body.contains("read-only"),
                 refused.body.constData());
    }
    // Nor is a login the server refuses.
    ClusterRouting wrongPassword = routing("db-primary");
    wrongPassword.primary->password = "not-the-password";
    demo.setDatabaseRouting({wrongPassword});
    for (int i = 0; i < 4; ++i) {
        const HttpResponse refused = fetch(port, request("POST", "judy"));
        QCOMPARE(refused.status, 503);
        QVERIFY2(refused.body.startsWith(
                     "web-01: db-primary refused the write: Access denied for user 'loadstar_app'"),
                 refused.body.constData());
    }
    QCOMPARE(observations.count(), 0);

    demo.setDatabaseRouting({routing("db-primary")});
    QCOMPARE(fetch(port, request("POST", "judy")).status, 200);
    const qint64 pid = pidOf("mariadb-primary");
    QVERIFY(pid > 0);
    QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
    for (int i = 0; i < 5; ++i) {
        const HttpResponse failed = fetch(port, request("POST", "judy"));
        QCOMPARE(failed.status, 503);
        QVERIFY2(failed.body.startsWith("web-01: db-primary refused the write: "),
                 failed.body.constData());
        QTRY_COMPARE(observations.count(), i + 1 >= 3 ? 1 : 0);
    }
    std::lock_guard lock(observations.mutex);
    QVERIFY2(observations.seen.constFirst().startsWith(
                 "db-primary: 3 consecutive errors in live traffic (last: "),
             qPrintable(observations.seen.constFirst()));
    QCOMPARE(statsOf(demo, "web-01", "db-primary").failed, quint64(4 + 5));
}

QTEST_MAIN(DataTierTest)
#include "tst_data_tier.moc"
