#include "ClusterScript.h"

#include "engine/Engine.h"
#include "engine/health/ProbePlugins.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

using namespace Loadstar::Engine;
using namespace Loadstar::Health;
using Loadstar::Test::freePorts;
using Loadstar::Test::runClusterScript;

// The database role probes as a user meets them: plugins loaded from the
// build tree, checking a real MariaDB primary/replica and a real PostgreSQL
// primary/standby (tests/db/cluster.sh), and a write listener that follows
// the primary when it dies.
class DbProbesTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void pluginsAreFoundInTheBuildTree();
    void pluginPathComesFromTheEnvironment();
    void missingPluginIsNamedClearly();

    void mariadbReportsPrimaryAndReplica();
    void mariadbRequirePrimary();
    void mariadbRequireReplica();
    void mariadbWrongPasswordIsAccessDenied();
    void mariadbRefusedPortIsL4CON();
    void mariadbSilentServerTimesOut();
    void notADatabaseIsL7RSP();
    void mariadbLagAboveLimitFails();

    void pgsqlReportsPrimaryAndStandby();
    void pgsqlRequireRole();
    void pgsqlWrongPasswordFails();
    void pgsqlRefusedPortIsL4CON();

    void writeListenerFollowsThePrimary();
    void pgsqlWriteListenerFollowsThePrimary();

private:
    // A tcp load balancer "db-write" with the database route "primary" in
    // front of db-01 (primary) and db-02 (replica) as a user draws it, checked
    // with `check`; started on a free port.
    struct WriteListener;
    std::unique_ptr<WriteListener> startWriteListener(const char *check, const char *engineName, quint16 primaryPort,
                                                      quint16 replicaPort, const QString &credentials);
    // Sets each server's health from its role probe, as the health monitor
    // does (with rise and fall) in the application.
    void probeAndApply(WriteListener &listener);
    // Whether the PostgreSQL server reached through `port` is in recovery
    // (a replica); nullopt when it cannot be reached.
    std::optional<bool> inRecoveryThrough(quint16 port);
    CheckResult check(const QString &type, const QString &name, quint16 port, CheckConfig config);
    CheckResult mariadb(const QString &name, quint16 port, const QString &requireRole = {});
    CheckResult pgsql(const QString &name, quint16 port, const QString &requireRole = {});
    bool runCluster(const QStringList &arguments, QString *output);
    int serverIdThrough(quint16 port);

    QTemporaryDir m_dir;
    std::unique_ptr<ProbePlugins> m_plugins;
    bool m_clusterStarted = false;
    quint16 m_mariadbPrimary = 0;
    quint16 m_mariadbReplica = 0;
    quint16 m_pgPrimary = 0;
    quint16 m_pgReplica = 0;
};

namespace {

QString readPassword(const QString &optionFile)
{
    QFile file(optionFile);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (line.startsWith("password="))
            return QString::fromUtf8(line.mid(9));
    }
    return {};
}

} // namespace

bool DbProbesTest::runCluster(const QStringList &arguments, QString *output)
{
    return runClusterScript({m_mariadbPrimary, m_mariadbReplica, m_pgPrimary, m_pgReplica}, arguments, output);
}

void DbProbesTest::initTestCase()
{
    qRegisterMetaType<CheckResult>();
    m_plugins = std::make_unique<ProbePlugins>(QStringList{PLUGIN_BUILD_DIR});

    if (QStandardPaths::findExecutable("mariadbd", {"/usr/sbin", "/usr/bin"}).isEmpty()
        || !QFile::exists("/usr/lib/postgresql/15/bin/initdb")) {
        QSKIP("mariadbd or PostgreSQL 15's initdb is missing: run packaging/install-deps "
              "(mariadb-server, postgresql) to test the database probes");
    }
    QVERIFY(m_dir.isValid());
    const QList<quint16> ports = freePorts(4);
    QCOMPARE(ports.size(), 4);
    m_mariadbPrimary = ports[0];
    m_mariadbReplica = ports[1];
    m_pgPrimary = ports[2];
    m_pgReplica = ports[3];
    QString output;
    m_clusterStarted = true; // a half-started cluster is stopped too
    QVERIFY2(runCluster({"start", m_dir.path()}, &output), qPrintable(output));
}

void DbProbesTest::cleanupTestCase()
{
    if (!m_clusterStarted)
        return;
    QString output;
    QVERIFY2(runCluster({"stop", m_dir.path()}, &output), qPrintable(output));
    QVERIFY2(runCluster({"status", m_dir.path()}, &output), qPrintable(output));
    QVERIFY2(!output.contains("running"), qPrintable(output));
}

CheckResult DbProbesTest::check(const QString &type, const QString &name, quint16 port, CheckConfig config)
{
    std::unique_ptr<Probe> probe(m_plugins->create(type, nullptr));
    if (!probe) {
        CheckResult missing;
        missing.reason = m_plugins->missingMessage(type);
        return missing;
    }
    QSignalSpy finished(probe.get(), &Probe::finished);
    config.type = type;
    probe->start({name, "127.0.0.1", port, config});
    if (!finished.wait(config.timeout + 10000) || finished.size() != 1) {
        CheckResult none;
        none.reason = QStringLiteral("the probe reported %1 results").arg(finished.size());
        return none;
    }
    return finished.first().first().value<CheckResult>();
}

CheckResult DbProbesTest::mariadb(const QString &name, quint16 port, const QString &requireRole)
{
    CheckConfig config;
    config.credentialsFile = m_dir.filePath("loadstar.cnf");
    config.requireRole = requireRole;
    config.timeout = 5000;
    return check("mysql-role", name, port, config);
}

CheckResult DbProbesTest::pgsql(const QString &name, quint16 port, const QString &requireRole)
{
    CheckConfig config;
    config.dbUser = "loadstar";
    config.credentialsFile = m_dir.filePath("pgpass");
    config.requireRole = requireRole;
    config.timeout = 5000;
    return check("pgsql-role", name, port, config);
}

void DbProbesTest::pluginsAreFoundInTheBuildTree()
{
    QCOMPARE(m_plugins->errors(), QStringList());
    QCOMPARE(m_plugins->checkTypes(), QStringList({"mysql-role", "pgsql-role"}));
    std::unique_ptr<Probe> probe(m_plugins->create("mysql-role", nullptr));
    QVERIFY(probe);
    QVERIFY(!m_plugins->create("http", nullptr));
}

void DbProbesTest::pluginPathComesFromTheEnvironment()
{
    qputenv("LOADSTAR_PLUGIN_PATH", "/nonexistent/loadstar:" PLUGIN_BUILD_DIR);
    const QStringList path = ProbePlugins::defaultSearchPath();
    qunsetenv("LOADSTAR_PLUGIN_PATH");
    QCOMPARE(path.mid(0, 2), QStringList({"/nonexistent/loadstar", PLUGIN_BUILD_DIR}));
    // After them, the build tree and the install tree next to the executable.
    QCOMPARE(path.size(), 4);
    QVERIFY2(path[2].endsWith("/plugins/loadstar"), qPrintable(path[2]));
    QVERIFY2(path[3].endsWith("/loadstar/plugins"), qPrintable(path[3]));
    const ProbePlugins plugins(path);
    QCOMPARE(plugins.checkTypes(), QStringList({"mysql-role", "pgsql-role"}));
}

void DbProbesTest::missingPluginIsNamedClearly()
{
    const ProbePlugins none({"/nonexistent/a", "/nonexistent/b"});
    QVERIFY(!none.create("mysql-role", nullptr));
    QCOMPARE(none.missingMessage("mysql-role"),
             "The MariaDB role probe (plugin “loadstar_mariadb”) is not installed; looked in /nonexistent/a, /nonexistent/b");
    QCOMPARE(none.missingMessage("pgsql-role"),
             "The PostgreSQL role probe (plugin “loadstar_postgresql”) is not installed; looked in /nonexistent/a, /nonexistent/b");
    QCOMPARE(none.missingMessage("redis-role"),
             "No probe plugin serves the check type “redis-role”; looked in /nonexistent/a, /nonexistent/b");
}

void DbProbesTest::mariadbReportsPrimaryAndReplica()
{
    const CheckResult primary = mariadb("db-01", m_mariadbPrimary);
    QCOMPARE(checkCodeName(primary.code), "L7OK");
    QCOMPARE(primary.reason, "primary (read_only=OFF)");
    QCOMPARE(primary.details.value("role").toString(), "primary");
    QCOMPARE(primary.details.value("read_only").toBool(), false);
    QCOMPARE(primary.details.value("server_id").toInt(), 1);
    QVERIFY2(primary.details.value("server_version").toString().contains("MariaDB"),
             qPrintable(primary.details.value("server_version").toString()));
    QVERIFY(primary.durationMs >= 0 && primary.durationMs < 5000);

    const CheckResult replica = mariadb("db-02", m_mariadbReplica);
    QCOMPARE(checkCodeName(replica.code), "L7OK");
    QCOMPARE(replica.reason, "replica, lag 0 s");
    QCOMPARE(replica.details.value("role").toString(), "replica");
    QCOMPARE(replica.details.value("read_only").toBool(), true);
    QCOMPARE(replica.details.value("server_id").toInt(), 2);
    QCOMPARE(replica.details.value("replica_io_running").toString(), "Yes");
    QCOMPARE(replica.details.value("replica_sql_running").toString(), "Yes");
    QCOMPARE(replica.details.value("seconds_behind").toInt(), 0);
}

void DbProbesTest::mariadbRequirePrimary()
{
    QCOMPARE(checkCodeName(mariadb("db-01", m_mariadbPrimary, "primary").code), "L7OK");
    const CheckResult replica = mariadb("db-02", m_mariadbReplica, "primary");
    QCOMPARE(checkCodeName(replica.code), "L7STS");
    QCOMPARE(replica.reason, "db-02 is a replica (read_only=ON)");
}

void DbProbesTest::mariadbRequireReplica()
{
    QCOMPARE(checkCodeName(mariadb("db-02", m_mariadbReplica, "replica").code), "L7OK");
    const CheckResult primary = mariadb("db-01", m_mariadbPrimary, "replica");
    QCOMPARE(checkCodeName(primary.code), "L7STS");
    QCOMPARE(primary.reason, "db-01 is the primary");
}

void DbProbesTest::mariadbWrongPasswordIsAccessDenied()
{
    const QString wrong = m_dir.filePath("wrong.cnf");
    QFile file(wrong);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("[client]\nuser=loadstar\npassword=not-the-password\n");
    file.close();
    CheckConfig config;
    config.credentialsFile = wrong;
    const CheckResult result = check("mysql-role", "db-01", m_mariadbPrimary, config);
    QCOMPARE(checkCodeName(result.code), "L7STS");
    QVERIFY2(result.reason.startsWith("Access denied for user 'loadstar'@"), qPrintable(result.reason));

    config.credentialsFile = m_dir.filePath("no-such.cnf");
    const CheckResult noFile = check("mysql-role", "db-01", m_mariadbPrimary, config);
    QCOMPARE(checkCodeName(noFile.code), "UNK");
    QVERIFY2(noFile.reason.startsWith("cannot read the credentials file " + m_dir.filePath("no-such.cnf")),
             qPrintable(noFile.reason));
}

void DbProbesTest::mariadbRefusedPortIsL4CON()
{
    const quint16 closed = freePorts(1).value(0);
    QVERIFY(closed != 0);
    const CheckResult result = mariadb("db-03", closed);
    QCOMPARE(checkCodeName(result.code), "L4CON");
    QCOMPARE(result.reason, "Connection refused");
}

void DbProbesTest::mariadbSilentServerTimesOut()
{
    // A server that accepts connections and never says a word: the probe
    // gives its verdict at its own timeout, not the driver's.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost));
    CheckConfig config;
    config.credentialsFile = m_dir.filePath("loadstar.cnf");
    config.timeout = 300;
    const CheckResult result = check("mysql-role", "db-04", silent.serverPort(), config);
    QCOMPARE(checkCodeName(result.code), "L4TOUT");
    QCOMPARE(result.reason, "no connection to db-04 within 300 ms");
    QVERIFY2(result.durationMs >= 300 && result.durationMs < 5000, qPrintable(QString::number(result.durationMs)));
}

void DbProbesTest::notADatabaseIsL7RSP()
{
    // A web server where a database should be: it answers, in HTTP.
    QTcpServer web;
    QVERIFY(web.listen(QHostAddress::LocalHost));
    connect(&web, &QTcpServer::newConnection, &web, [&web] {
        while (QTcpSocket *socket = web.nextPendingConnection()) {
            socket->write("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
            socket->disconnectFromHost();
        }
    });
    const CheckResult mysql = mariadb("db-05", web.serverPort());
    QCOMPARE(checkCodeName(mysql.code), "L7RSP");
    QVERIFY2(mysql.reason.startsWith("not a MariaDB/MySQL server: "), qPrintable(mysql.reason));
    const CheckResult postgres = pgsql("pg-05", web.serverPort());
    QCOMPARE(checkCodeName(postgres.code), "L7RSP");
    QVERIFY2(postgres.reason.startsWith("not a PostgreSQL server: "), qPrintable(postgres.reason));
}

void DbProbesTest::mariadbLagAboveLimitFails()
{
    // A replica whose SQL thread is stopped is not a replica to read from.
    QProcess sql;
    sql.start("mariadb", {"--no-defaults", "--user=root", "--socket=" + m_dir.filePath("mariadb-replica.sock"),
                          "-e", "STOP SLAVE SQL_THREAD"});
    QVERIFY(sql.waitForFinished(30000) && sql.exitCode() == 0);
    const CheckResult stopped = mariadb("db-02", m_mariadbReplica, "replica");
    sql.start("mariadb", {"--no-defaults", "--user=root", "--socket=" + m_dir.filePath("mariadb-replica.sock"),
                          "-e", "START SLAVE SQL_THREAD"});
    QVERIFY(sql.waitForFinished(30000) && sql.exitCode() == 0);
    QCOMPARE(checkCodeName(stopped.code), "L7STS");
    QCOMPARE(stopped.reason, "replication stopped: Slave_SQL_Running=No");
    QTRY_COMPARE_WITH_TIMEOUT(checkCodeName(mariadb("db-02", m_mariadbReplica, "replica").code), "L7OK", 20000);
}

void DbProbesTest::pgsqlReportsPrimaryAndStandby()
{
    const CheckResult primary = pgsql("pg-01", m_pgPrimary);
    QCOMPARE(checkCodeName(primary.code), "L7OK");
    QCOMPARE(primary.reason, "primary (not in recovery)");
    QCOMPARE(primary.details.value("role").toString(), "primary");
    QCOMPARE(primary.details.value("in_recovery").toBool(), false);
    QCOMPARE(primary.details.value("lag_ms").toLongLong(), 0);
    QVERIFY2(primary.details.value("server_version").toString().startsWith("15"),
             qPrintable(primary.details.value("server_version").toString()));

    const CheckResult standby = pgsql("pg-02", m_pgReplica);
    QCOMPARE(checkCodeName(standby.code), "L7OK");
    QCOMPARE(standby.details.value("role").toString(), "replica");
    QCOMPARE(standby.details.value("in_recovery").toBool(), true);
    QCOMPARE(standby.details.value("wal_receiver").toString(), "streaming");
}

void DbProbesTest::pgsqlRequireRole()
{
    QCOMPARE(checkCodeName(pgsql("pg-01", m_pgPrimary, "primary").code), "L7OK");
    QCOMPARE(checkCodeName(pgsql("pg-02", m_pgReplica, "replica").code), "L7OK");
    const CheckResult standby = pgsql("pg-02", m_pgReplica, "primary");
    QCOMPARE(checkCodeName(standby.code), "L7STS");
    QCOMPARE(standby.reason, "pg-02 is a replica (in recovery)");
    const CheckResult primary = pgsql("pg-01", m_pgPrimary, "replica");
    QCOMPARE(checkCodeName(primary.code), "L7STS");
    QCOMPARE(primary.reason, "pg-01 is the primary");
}

void DbProbesTest::pgsqlWrongPasswordFails()
{
    const QString wrong = m_dir.filePath("wrong-pgpass");
    QFile file(wrong);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("127.0.0.1:*:*:loadstar:not-the-password\n");
    file.close();
    // libpq ignores a passfile others can read.
    QVERIFY(file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    CheckConfig config;
    config.dbUser = "loadstar";
    config.credentialsFile = wrong;
    const CheckResult result = check("pgsql-role", "pg-01", m_pgPrimary, config);
    QCOMPARE(checkCodeName(result.code), "L7STS");
    QCOMPARE(result.reason, "password authentication failed for user \"loadstar\"");
}

void DbProbesTest::pgsqlRefusedPortIsL4CON()
{
    const quint16 closed = freePorts(1).value(0);
    QVERIFY(closed != 0);
    const CheckResult result = pgsql("pg-03", closed);
    QCOMPARE(checkCodeName(result.code), "L4CON");
    QCOMPARE(result.reason, "Connection refused");
}

int DbProbesTest::serverIdThrough(quint16 port)
{
    int id = 0;
    const QString name = QStringLiteral("through-listener-%1").arg(port);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase("QMYSQL", name);
        db.setHostName("127.0.0.1");
        db.setPort(port);
        db.setUserName("loadstar");
        db.setPassword(readPassword(m_dir.filePath("loadstar.cnf")));
        db.setConnectOptions("MYSQL_OPT_CONNECT_TIMEOUT=5;MYSQL_OPT_READ_TIMEOUT=5");
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec("SELECT @@server_id") && query.next())
                id = query.value(0).toInt();
        } else {
            qWarning() << "through the listener:" << db.lastError().text();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return id;
}

struct DbProbesTest::WriteListener
{
    FrontendConfig frontend;
    Engine engine;
    quint16 port = 0;
};

std::unique_ptr<DbProbesTest::WriteListener> DbProbesTest::startWriteListener(const char *check, const char *engineName,
                                                                             quint16 primaryPort, quint16 replicaPort,
                                                                             const QString &credentials)
{
    Loadstar::Topology t;
    auto database = [&](const char *name, quint16 port, const char *role) {
        Loadstar::Node node = Loadstar::Node::make(Loadstar::NodeKind::Database, name);
        node.setProperty("engine", engineName);
        node.setProperty("port", port);
        node.setProperty("role", role);
        node.setProperty("check", check);
        node.setProperty("db_user", "loadstar");
        node.setProperty("credentials_file", credentials);
        return t.addNode(node);
    };
    const Loadstar::NodeId primary = database("db-01", primaryPort, "primary");
    const Loadstar::NodeId replica = database("db-02", replicaPort, "replica");
    Loadstar::Node lb = Loadstar::Node::make(Loadstar::NodeKind::LoadBalancer, "db-write");
    lb.setProperty("mode", "tcp");
    lb.setProperty("db_route", "primary");
    const Loadstar::NodeId write = t.addNode(lb);
    t.connect(write, primary);
    t.connect(write, replica);
    t.connect(primary, replica);
    CompileResult compiled = compile(t);
    if (!compiled.problems.isEmpty())
        qFatal("the write listener does not compile: %s", qPrintable(compiled.problems.first().message));
    compiled.config.frontends.first().port = 0; // any free port
    auto listener = std::make_unique<WriteListener>();
    listener->frontend = compiled.config.frontends.first();
    QString error;
    if (!listener->engine.start(compiled.config, &error))
        qFatal("the write listener does not start: %s", qPrintable(error));
    listener->port = listener->engine.listenPort("db-write");
    return listener;
}

void DbProbesTest::probeAndApply(WriteListener &listener)
{
    for (const ServerConfig &server : std::as_const(listener.frontend.servers)) {
        const CheckResult result = check(server.check.type, server.name, server.port, server.check);
        QVERIFY(listener.engine.setServerHealth("db-write", server.name, result.passed()));
    }
}

std::optional<bool> DbProbesTest::inRecoveryThrough(quint16 port)
{
    std::optional<bool> inRecovery;
    const QString name = QStringLiteral("pg-through-listener-%1").arg(port);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase("QPSQL", name);
        db.setHostName("127.0.0.1");
        db.setPort(port);
        db.setDatabaseName("postgres");
        db.setUserName("loadstar");
        db.setConnectOptions(QStringLiteral("connect_timeout=5;passfile=%1").arg(m_dir.filePath("pgpass")));
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec("SELECT pg_is_in_recovery()") && query.next())
                inRecovery = query.value(0).toBool();
        } else {
            qWarning() << "through the listener:" << db.lastError().text();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return inRecovery;
}

void DbProbesTest::writeListenerFollowsThePrimary()
{
    const std::unique_ptr<WriteListener> listener =
        startWriteListener("mysql-role", "mariadb", m_mariadbPrimary, m_mariadbReplica, m_dir.filePath("loadstar.cnf"));
    QCOMPARE(listener->frontend.servers.size(), 2);
    QVERIFY(!listener->frontend.servers[0].backup);
    QVERIFY(listener->frontend.servers[1].backup);

    probeAndApply(*listener);
    QCOMPARE(serverIdThrough(listener->port), 1);

    QString output;
    QVERIFY2(runCluster({"stop", m_dir.path(), "mariadb-primary"}, &output), qPrintable(output));
    const CheckResult deadPrimary = mariadb("db-01", m_mariadbPrimary);
    QCOMPARE(checkCodeName(deadPrimary.code), "L4CON");
    QCOMPARE(deadPrimary.reason, "Connection refused");
    // The replica is alive, but its IO thread keeps trying to reach the primary.
    QTRY_COMPARE_WITH_TIMEOUT(mariadb("db-02", m_mariadbReplica).details.value("replica_io_running").toString(),
                              "Connecting", 20000);
    const CheckResult orphan = mariadb("db-02", m_mariadbReplica);
    QCOMPARE(checkCodeName(orphan.code), "L7OK");
    QCOMPARE(orphan.reason, "replica, replication stopped: Slave_IO_Running=Connecting");
    QVERIFY(!orphan.details.contains("seconds_behind"));
    const CheckResult asReplica = mariadb("db-02", m_mariadbReplica, "replica");
    QCOMPARE(checkCodeName(asReplica.code), "L7STS");
    QCOMPARE(asReplica.reason, "replication stopped: Slave_IO_Running=Connecting");

    probeAndApply(*listener);
    QCOMPARE(serverIdThrough(listener->port), 2);
}

void DbProbesTest::pgsqlWriteListenerFollowsThePrimary()
{
    const std::unique_ptr<WriteListener> listener =
        startWriteListener("pgsql-role", "postgresql", m_pgPrimary, m_pgReplica, m_dir.filePath("pgpass"));
    QVERIFY(listener->frontend.servers[1].backup);
    probeAndApply(*listener);
    QCOMPARE(inRecoveryThrough(listener->port), std::optional<bool>(false)); // the primary

    QString output;
    QVERIFY2(runCluster({"stop", m_dir.path(), "pg-primary"}, &output), qPrintable(output));
    const CheckResult deadPrimary = pgsql("db-01", m_pgPrimary);
    QCOMPARE(checkCodeName(deadPrimary.code), "L4CON");
    QVERIFY2(deadPrimary.reason.contains("Connection refused"), qPrintable(deadPrimary.reason));
    // The standby stays in recovery (nothing promotes it) and says its WAL
    // receiver lost the primary.
    QTRY_VERIFY_WITH_TIMEOUT(pgsql("db-02", m_pgReplica).reason.startsWith("replica, replication stopped: WAL receiver"),
                             20000);
    QCOMPARE(checkCodeName(pgsql("db-02", m_pgReplica).code), "L7OK");
    QCOMPARE(checkCodeName(pgsql("db-02", m_pgReplica, "replica").code), "L7STS");

    // New connections to the write listener reach the standby, the backup.
    probeAndApply(*listener);
    QCOMPARE(inRecoveryThrough(listener->port), std::optional<bool>(true));
}

QTEST_GUILESS_MAIN(DbProbesTest)
#include "tst_db_probes.moc"
