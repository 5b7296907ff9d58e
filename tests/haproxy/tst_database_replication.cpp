// Real replicas built from the database export, as its README says to:
// the option files, settings, pg_hba lines, SQL and scripts as exported
// (only data, socket and temporary paths are the test's own, and the
// placeholder password is filled in). A MariaDB primary with a replica and a
// replica of the replica (GTID), a semi-sync MariaDB pair whose primary
// counts its replica's acknowledgements, and a synchronous PostgreSQL
// standby made by the exported script. Every server stops when its test
// ends, failed or not.

#include "DatabaseExportFixtures.h"
#include "RealDatabases.h"

#include <QtTest>

#include <memory>

using namespace Loadstar;

namespace {

constexpr int kReplicationTimeoutMs = 30000;

QByteArray fileIn(const QString &folder, const QString &name)
{
    QFile file(QDir(folder).filePath(name));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray("-- missing");
}

} // namespace

class DatabaseReplicationTest : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    Test::ServerTemplates m_templates;

    // Exports `topology` filled in, into the folder "export".
    QString written(const Topology &topology)
    {
        const QString folder = m_dir->filePath(QStringLiteral("export"));
        const QString error = Test::writeFilledIn(topology, folder);
        return error.isEmpty() ? folder : QString();
    }

private slots:
    void init()
    {
        m_dir = Test::testFolder();
        QVERIFY(m_dir->isValid());
    }

    // The files as exported, run in order, build a primary, its replica and
    // a replica of that replica: a row written on the primary reaches both.
    void mariadbReplicasAreBuiltFromTheExportedFiles()
    {
        if (Test::mariadbProgram("mariadbd").isEmpty()
            || Test::mariadbProgram("mariadb-install-db").isEmpty())
            QSKIP("mariadbd is not installed (packaging/install-deps installs mariadb-server)");
        QString why;
        const QString mariadbTemplate = m_templates.mariadb(&why);
        QVERIFY2(!mariadbTemplate.isEmpty(), qPrintable(why));
        const QList<quint16> ports = Test::freePorts(3);
        QCOMPARE(ports.size(), 3);
        const Topology topology = Test::cluster(QStringLiteral("mariadb"), ports);
        const QString folder = written(topology);
        QVERIFY(!folder.isEmpty());
        Test::MariadbServer primary(m_dir->path(), QStringLiteral("primary"));
        Test::MariadbServer replica(m_dir->path(), QStringLiteral("replica"));
        Test::MariadbServer chained(m_dir->path(), QStringLiteral("replica-2"));
        QVERIFY(primary.start(mariadbTemplate,
                              QDir(folder).filePath(QStringLiteral("db-primary.cnf"))));
        QVERIFY(replica.start(mariadbTemplate,
                              QDir(folder).filePath(QStringLiteral("db-replica.cnf"))));
        QVERIFY(chained.start(mariadbTemplate,
                              QDir(folder).filePath(QStringLiteral("db-replica-2.cnf"))));
        QTRY_VERIFY2_WITH_TIMEOUT(primary.answers(), qPrintable(primary.log()),
                                  kReplicationTimeoutMs);
        QTRY_VERIFY2_WITH_TIMEOUT(replica.answers(), qPrintable(replica.log()),
                                  kReplicationTimeoutMs);
        QTRY_VERIFY2_WITH_TIMEOUT(chained.answers(), qPrintable(chained.log()),
                                  kReplicationTimeoutMs);
        // Each server as its file says: its own id, its port, replicas read-only.
        QCOMPARE(primary.value("SELECT CONCAT(@@server_id, ' ', @@port, ' ', @@read_only, ' ', "
                               "@@gtid_strict_mode)"),
                 QStringLiteral("%1 %2 OFF ON")
                     .arg(topology.nodeByName(QStringLiteral("db-primary"))->id)
                     .arg(ports.at(0)));
        QCOMPARE(replica.value("SELECT CONCAT(@@server_id, ' ', @@read_only)"),
                 QStringLiteral("%1 ON").arg(topology.nodeByName(QStringLiteral("db-replica"))->id));
        QCOMPARE(chained.value("SELECT CONCAT(@@server_id, ' ', @@port, ' ', @@read_only)"),
                 QStringLiteral("%1 %2 ON")
                     .arg(topology.nodeByName(QStringLiteral("db-replica-2"))->id)
                     .arg(ports.at(2)));

        Test::CommandResult run = primary.sql(fileIn(folder, QStringLiteral("db-primary.sql")));
        QVERIFY2(run.ok(), qPrintable(run.output));
        run = replica.sql(fileIn(folder, QStringLiteral("db-replica.sql")));
        QVERIFY2(run.ok(), qPrintable(run.output));
        // db-replica-2 logs in to db-replica with the account db-replica
        // replicated from db-primary, as the README's order has it.
        QTRY_COMPARE_WITH_TIMEOUT(
            replica.value("SELECT COUNT(*) FROM mysql.user WHERE user = 'loadstar_repl'"),
            QStringLiteral("1"), kReplicationTimeoutMs);
        run = chained.sql(fileIn(folder, QStringLiteral("db-replica-2.sql")));
        QVERIFY2(run.ok(), qPrintable(run.output));

        run = primary.sql("CREATE DATABASE export_test;"
                          "CREATE TABLE export_test.rows (id INT PRIMARY KEY, note VARCHAR(64));"
                          "INSERT INTO export_test.rows VALUES (1, 'written on db-primary');");
        QVERIFY2(run.ok(), qPrintable(run.output));
        QTRY_COMPARE_WITH_TIMEOUT(replica.value("SELECT note FROM export_test.rows WHERE id = 1"),
                                  QStringLiteral("written on db-primary"), kReplicationTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(chained.value("SELECT note FROM export_test.rows WHERE id = 1"),
                                  QStringLiteral("written on db-primary"), kReplicationTimeoutMs);
    }

    // With semi-sync, the primary's commit waits for the replica built from
    // the exported files, and says so.
    void mariadbSemiSyncPrimaryWaitsForItsReplica()
    {
        if (Test::mariadbProgram("mariadbd").isEmpty()
            || Test::mariadbProgram("mariadb-install-db").isEmpty())
            QSKIP("mariadbd is not installed (packaging/install-deps installs mariadb-server)");
        QString why;
        const QString mariadbTemplate = m_templates.mariadb(&why);
        QVERIFY2(!mariadbTemplate.isEmpty(), qPrintable(why));
        const QList<quint16> ports = Test::freePorts(2);
        QCOMPARE(ports.size(), 2);
        const QString folder
            = written(Test::cluster(QStringLiteral("mariadb"), ports, QStringLiteral("semi-sync")));
        QVERIFY(!folder.isEmpty());
        Test::MariadbServer primary(m_dir->path(), QStringLiteral("primary"));
        Test::MariadbServer replica(m_dir->path(), QStringLiteral("replica"));
        QVERIFY(primary.start(mariadbTemplate,
                              QDir(folder).filePath(QStringLiteral("db-primary.cnf"))));
        QVERIFY(replica.start(mariadbTemplate,
                              QDir(folder).filePath(QStringLiteral("db-replica.cnf"))));
        QTRY_VERIFY2_WITH_TIMEOUT(primary.answers(), qPrintable(primary.log()),
                                  kReplicationTimeoutMs);
        QTRY_VERIFY2_WITH_TIMEOUT(replica.answers(), qPrintable(replica.log()),
                                  kReplicationTimeoutMs);
        Test::CommandResult run = primary.sql(fileIn(folder, QStringLiteral("db-primary.sql")));
        QVERIFY2(run.ok(), qPrintable(run.output));
        run = replica.sql(fileIn(folder, QStringLiteral("db-replica.sql")));
        QVERIFY2(run.ok(), qPrintable(run.output));

        QTRY_COMPARE_WITH_TIMEOUT(
            primary.value("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'"),
            QStringLiteral("Rpl_semi_sync_master_clients\t1"), kReplicationTimeoutMs);
        QCOMPARE(primary.value("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'"),
                 QStringLiteral("Rpl_semi_sync_master_status\tON"));
        run = primary.sql("CREATE DATABASE export_test;"
                          "CREATE TABLE export_test.rows (id INT PRIMARY KEY, note VARCHAR(64));"
                          "INSERT INTO export_test.rows VALUES (1, 'acknowledged by db-replica');");
        QVERIFY2(run.ok(), qPrintable(run.output));
        // Acknowledged by the replica, not timed out into async.
        QCOMPARE(primary.value("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_no_tx'"),
                 QStringLiteral("Rpl_semi_sync_master_no_tx\t0"));
        QVERIFY(primary.value("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_yes_tx'")
                    .section(QLatin1Char('\t'), 1)
                    .toInt()
                >= 3);
        QTRY_COMPARE_WITH_TIMEOUT(replica.value("SELECT note FROM export_test.rows WHERE id = 1"),
                                  QStringLiteral("acknowledged by db-replica"),
                                  kReplicationTimeoutMs);
    }

    // A PostgreSQL primary on the exported settings, pg_hba lines and SQL,
    // and a standby made by the exported script: synchronous, and a row
    // written on the primary is read on the standby.
    void postgresqlStandbyIsBuiltFromTheExportedFiles()
    {
        if (*Test::postgresMissing())
            QSKIP(Test::postgresMissing());
        QString why;
        const QString postgresTemplate = m_templates.postgres(&why);
        QVERIFY2(!postgresTemplate.isEmpty(), qPrintable(why));
        const QList<quint16> ports = Test::freePorts(2);
        QCOMPARE(ports.size(), 2);
        const QString folder = written(
            Test::cluster(QStringLiteral("postgresql"), ports, QStringLiteral("semi-sync")));
        QVERIFY(!folder.isEmpty());
        const QDir files(folder);
        const Test::PostgresUser user = Test::PostgresUser::get();
        Test::PostgresServer primary(m_dir->path(), QStringLiteral("primary"), ports.at(0), user);
        Test::PostgresServer standby(m_dir->path(), QStringLiteral("standby"), ports.at(1), user);
        QVERIFY(Test::runCommand(QStringLiteral("cp"),
                                 {QStringLiteral("-a"), postgresTemplate, primary.dataDirectory()})
                    .ok());
        QVERIFY(primary.configure(files.filePath(QStringLiteral("db-primary.conf")),
                                  files.filePath(QStringLiteral("db-primary.pg_hba.conf"))));
        QVERIFY(primary.start());
        QTRY_VERIFY2_WITH_TIMEOUT(primary.answers(), qPrintable(primary.log()),
                                  kReplicationTimeoutMs);
        QFile sql(files.filePath(QStringLiteral("db-primary.sql")));
        QVERIFY(sql.open(QIODevice::ReadOnly));
        Test::CommandResult run = primary.sql(sql.readAll());
        QVERIFY2(run.ok(), qPrintable(run.output));

        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("PGDATA"), standby.dataDirectory());
        environment.insert(QStringLiteral("PATH"),
                           Test::postgresBin() + QStringLiteral(":/usr/bin:/bin"));
        environment.insert(QStringLiteral("HOME"), m_dir->path());
        run = Test::runCommand(QStringLiteral("/bin/sh"),
                               {files.filePath(QStringLiteral("db-replica.sh"))}, {}, &user,
                               environment);
        QVERIFY2(run.ok(), qPrintable(run.output));
        QVERIFY(QFile::exists(standby.dataDirectory() + QStringLiteral("/standby.signal")));
        QVERIFY(standby.configure(files.filePath(QStringLiteral("db-replica.conf")), {}));
        QVERIFY(standby.start());
        QTRY_VERIFY2_WITH_TIMEOUT(standby.answers(), qPrintable(standby.log()),
                                  kReplicationTimeoutMs);
        QCOMPARE(standby.value("SELECT pg_is_in_recovery()"), QStringLiteral("t"));
        QTRY_COMPARE_WITH_TIMEOUT(
            primary.value("SELECT application_name || ' ' || sync_state FROM pg_stat_replication"),
            QStringLiteral("db-replica quorum"), kReplicationTimeoutMs);
        run = primary.sql("CREATE TABLE export_test (id int PRIMARY KEY, note text);"
                          "INSERT INTO export_test VALUES (1, 'written on db-primary');");
        QVERIFY2(run.ok(), qPrintable(run.output));
        QTRY_COMPARE_WITH_TIMEOUT(standby.value("SELECT note FROM export_test WHERE id = 1"),
                                  QStringLiteral("written on db-primary"), kReplicationTimeoutMs);
    }
};

QTEST_GUILESS_MAIN(DatabaseReplicationTest)
#include "tst_database_replication.moc"
