// The database side of the drawing as files for real machines: what each
// file says for the reference design and the engines' replication options,
// stable bytes, notes and one-sentence failures, and every MariaDB option
// file read by mariadbd and every PostgreSQL setting by postgres as written.
// (tst_database_replication builds real replicas from the files.)

#include "DatabaseExportFixtures.h"
#include "RealDatabases.h"
#include "TestTopologies.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace Loadstar;
using namespace Loadstar::Haproxy;

namespace {

// The table of `mariadbd --help --verbose`: "server-id  5".
QHash<QString, QString> mariadbVariables(const QString &help)
{
    QHash<QString, QString> variables;
    static const QRegularExpression row(QStringLiteral("^([a-z0-9-]+)\\s+(\\S.*)$"));
    const qsizetype table = help.indexOf(QLatin1String("\n-------"));
    for (const QString &line : help.mid(table + 1).split(QLatin1Char('\n'))) {
        const QRegularExpressionMatch match = row.match(line);
        if (match.hasMatch())
            variables.insert(match.captured(1), match.captured(2).trimmed());
    }
    return variables;
}

} // namespace

class DatabaseExportTest : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    Test::ServerTemplates m_templates;

    ConfigExport exported(const Topology &topology)
    {
        return Test::exportDatabases(topology, m_dir->filePath(QStringLiteral("export")));
    }

    QString written(const Topology &topology)
    {
        const QString folder = m_dir->filePath(QStringLiteral("export"));
        const QString error = Test::writeFilledIn(topology, folder);
        if (!error.isEmpty())
            qWarning("%s", qPrintable(error));
        return folder;
    }

private slots:
    void init()
    {
        m_dir = Test::testFolder();
        QVERIFY(m_dir->isValid());
    }

    void referenceDesignGivesEachServerItsFiles()
    {
        const ConfigExport result = exported(referenceDocument());
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QCOMPARE(Test::namesOf(result),
                 (QStringList{"db-primary.cnf", "db-primary.sql", "db-replica.cnf",
                              "db-replica.sql", "README-databases.md"}));
        QCOMPARE(Test::settingsOf(result, QStringLiteral("db-primary.cnf")),
                 QStringLiteral("[mariadbd]\n"
                                "server_id = 5\n"
                                "bind_address = 127.0.0.11\n"
                                "port = 3306\n"
                                "log_bin = db-primary-bin\n"
                                "log_slave_updates = ON\n"
                                "binlog_format = ROW\n"
                                "gtid_strict_mode = ON\n"
                                "sync_binlog = 1\n"
                                "relay_log = db-primary-relay-bin"));
        QCOMPARE(Test::settingsOf(result, QStringLiteral("db-replica.cnf")),
                 QStringLiteral("[mariadbd]\n"
                                "server_id = 6\n"
                                "bind_address = 127.0.0.12\n"
                                "port = 3307\n"
                                "log_bin = db-replica-bin\n"
                                "log_slave_updates = ON\n"
                                "binlog_format = ROW\n"
                                "gtid_strict_mode = ON\n"
                                "sync_binlog = 1\n"
                                "relay_log = db-replica-relay-bin\n"
                                "read_only = ON"));
        QCOMPARE(Test::settingsOf(result, QStringLiteral("db-primary.sql")),
                 QStringLiteral("CREATE USER 'loadstar_repl'@'127.0.0.1' IDENTIFIED BY "
                                "'CHANGE-ME-replication-password';\n"
                                "GRANT REPLICATION SLAVE ON *.* TO 'loadstar_repl'@'127.0.0.1';"));
        QCOMPARE(Test::settingsOf(result, QStringLiteral("db-replica.sql")),
                 QStringLiteral("CHANGE MASTER TO\n"
                                "    MASTER_HOST = '127.0.0.11',\n"
                                "    MASTER_PORT = 3306,\n"
                                "    MASTER_USER = 'loadstar_repl',\n"
                                "    MASTER_PASSWORD = 'CHANGE-ME-replication-password',\n"
                                "    MASTER_USE_GTID = slave_pos;\n"
                                "START SLAVE;"));
        // The placeholder is said where it is, and the files that will hold
        // the password are the owner's only.
        const QString sql
            = QString::fromUtf8(Test::fileNamed(result, QStringLiteral("db-primary.sql"))->text);
        QVERIFY2(sql.contains(QLatin1String(
                     "-- !! CHANGE-ME-replication-password is a placeholder: put a password of "
                     "your own in its place,\n-- !! the same here and in db-replica.sql.\n")),
                 qPrintable(sql));
        QVERIFY(Test::fileNamed(result, QStringLiteral("db-primary.sql"))->secret);
        QVERIFY(Test::fileNamed(result, QStringLiteral("db-replica.sql"))->secret);
        QVERIFY(!Test::fileNamed(result, QStringLiteral("db-primary.cnf"))->secret);
        const QString readme = QString::fromUtf8(
            Test::fileNamed(result, QStringLiteral("README-databases.md"))->text);
        QVERIFY2(readme.contains(
                     QLatin1String("## db-primary: MariaDB, asynchronous replication\n\n"
                                   "1. **db-primary** (127.0.0.11:3306): install db-primary.cnf and "
                                   "restart MariaDB, then run "
                                   "db-primary.sql as root.\n"
                                   "2. **db-replica** (127.0.0.12:3307): install db-replica.cnf and "
                                   "restart MariaDB, then run "
                                   "db-replica.sql as root: it replicates from db-primary.\n")),
                 qPrintable(readme));
        QCOMPARE(
            result.warnings,
            (QStringList{
                QStringLiteral(
                    "Only databases are written: client, lb, web-01 and web-02 are not databases "
                    "(load balancers export as HAProxy, keepalived or nginx)"),
                QStringLiteral(
                    "The replication password is a placeholder, CHANGE-ME-replication-password: "
                    "put a password of your own in its place in db-primary.sql and "
                    "db-replica.sql before using them")}));
        QCOMPARE(result.summary, QStringLiteral("2 servers in 1 cluster, 5 files"));
    }

    void semiSyncAndChainsAreWritten()
    {
        const ConfigExport mariadb = exported(Test::cluster(
            QStringLiteral("mariadb"), {3306, 3307, 3308}, QStringLiteral("semi-sync")));
        QVERIFY(Test::settingsOf(mariadb, QStringLiteral("db-primary.cnf"))
                    .endsWith(QLatin1String("rpl_semi_sync_master_enabled = ON\n"
                                            "rpl_semi_sync_master_wait_point = AFTER_SYNC\n"
                                            "rpl_semi_sync_master_timeout = 10000")));
        QVERIFY(Test::settingsOf(mariadb, QStringLiteral("db-replica.cnf"))
                    .endsWith(QLatin1String("read_only = ON\nrpl_semi_sync_slave_enabled = ON")));
        // db-replica-2 follows db-replica, so its SQL points there, and its
        // source does not wait for it.
        QVERIFY(Test::settingsOf(mariadb, QStringLiteral("db-replica-2.cnf"))
                    .endsWith(QLatin1String("read_only = ON")));
        QVERIFY(Test::settingsOf(mariadb, QStringLiteral("db-replica-2.sql"))
                    .contains(QLatin1String("    MASTER_PORT = 3307,\n")));
        QVERIFY(mariadb.warnings.contains(QStringLiteral(
            "db-replica-2 replicates from db-replica, itself a replica: semi-sync "
            "covers db-primary's own replicas, so db-replica-2 follows asynchronously")));
        // Every replica's address may log in, once, and semi-sync does not
        // wait while no replica is there yet.
        QCOMPARE(Test::settingsOf(mariadb, QStringLiteral("db-primary.sql")),
                 QStringLiteral("SET GLOBAL rpl_semi_sync_master_enabled = OFF;\n"
                                "CREATE USER 'loadstar_repl'@'127.0.0.1' IDENTIFIED BY "
                                "'CHANGE-ME-replication-password';\n"
                                "GRANT REPLICATION SLAVE ON *.* TO 'loadstar_repl'@'127.0.0.1';\n"
                                "SET GLOBAL rpl_semi_sync_master_enabled = ON;"));

        const ConfigExport postgres = exported(Test::cluster(
            QStringLiteral("postgresql"), {5432, 5433, 5434}, QStringLiteral("semi-sync")));
        QCOMPARE(Test::namesOf(postgres),
                 (QStringList{"db-primary.conf", "db-primary.pg_hba.conf", "db-primary.sql",
                              "db-replica.conf", "db-replica.pg_hba.conf", "db-replica.sh",
                              "db-replica-2.conf", "db-replica-2.sh", "README-databases.md"}));
        QCOMPARE(Test::settingsOf(postgres, QStringLiteral("db-primary.conf")),
                 QStringLiteral("listen_addresses = '127.0.0.11'\n"
                                "port = 5432\n"
                                "wal_level = replica\n"
                                "max_wal_senders = 10\n"
                                "wal_keep_size = 1GB\n"
                                "hot_standby = on\n"
                                "synchronous_standby_names = 'ANY 1 (\"db-replica\")'\n"
                                "synchronous_commit = on"));
        QVERIFY(Test::settingsOf(postgres, QStringLiteral("db-replica-2.conf"))
                    .endsWith(QLatin1String(
                        "primary_conninfo = 'host=127.0.0.12 port=5433 user=loadstar_repl "
                        "password=CHANGE-ME-replication-password application_name=db-replica-2'")));
        QCOMPARE(
            Test::settingsOf(postgres, QStringLiteral("db-replica.pg_hba.conf")),
            QStringLiteral("host    replication  loadstar_repl  127.0.0.1/32     scram-sha-256"));
        QCOMPARE(Test::settingsOf(postgres, QStringLiteral("db-primary.sql")),
                 QStringLiteral("SET synchronous_commit = local;\n"
                                "CREATE ROLE loadstar_repl WITH REPLICATION LOGIN PASSWORD "
                                "'CHANGE-ME-replication-password';"));
        const ExportedFile *script = Test::fileNamed(postgres, QStringLiteral("db-replica-2.sh"));
        QVERIFY(script && script->executable && script->secret);
        QVERIFY(Test::settingsOf(postgres, QStringLiteral("db-replica-2.sh"))
                    .endsWith(QLatin1String(
                        "pg_basebackup --host=127.0.0.12 --port=5433 --username=loadstar_repl \\\n"
                        "    --pgdata=\"$PGDATA\" --wal-method=stream --checkpoint=fast\n"
                        "touch \"$PGDATA/standby.signal\"")));
    }

    void theSameDrawingGivesTheSameBytes()
    {
        const ConfigExport first = exported(referenceDocument());
        QCOMPARE(exported(referenceDocument()).files, first.files);
        // Moving cards, or drawing another cluster, changes nothing written
        // for this one: server ids are the nodes' own.
        Topology changed = referenceDocument();
        changed.node(changed.nodeByName(QStringLiteral("db-replica"))->id)->position = {900, 900};
        Node other = Node::make(NodeKind::Database, QStringLiteral("db-other"));
        other.setProperty(QStringLiteral("port"), 3310);
        changed.addNode(other);
        const ConfigExport after = exported(changed);
        for (const QString &name :
             {QStringLiteral("db-primary.cnf"), QStringLiteral("db-primary.sql"),
              QStringLiteral("db-replica.cnf"), QStringLiteral("db-replica.sql")}) {
            QVERIFY(Test::fileNamed(after, name));
            QCOMPARE(Test::fileNamed(after, name)->text, Test::fileNamed(first, name)->text);
        }
        QVERIFY(Test::settingsOf(after, QStringLiteral("db-other.cnf"))
                    .contains(QLatin1String("server_id = 7\n")));
    }

    void notesSayWhatTheFilesCannot()
    {
        Topology topology = Test::cluster(QStringLiteral("mariadb"), {3306, 3307});
        Test::set(topology, QStringLiteral("db-primary"), QStringLiteral("address"),
                  QStringLiteral("0.0.0.0"));
        Test::set(topology, QStringLiteral("db-primary"), QStringLiteral("auto_failover"), true);
        Node cache = Node::make(NodeKind::Database, QStringLiteral("cache"));
        cache.setProperty(QStringLiteral("engine"), QStringLiteral("redis"));
        cache.setProperty(QStringLiteral("port"), 6379);
        topology.addNode(cache);
        Node lone = Node::make(NodeKind::Database, QStringLiteral("db-lone"));
        lone.setProperty(QStringLiteral("role"), QStringLiteral("replica"));
        lone.setProperty(QStringLiteral("port"), 3320);
        topology.addNode(lone);
        const ConfigExport result = exported(topology);
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        const QString notes = result.warnings.join(QLatin1Char('\n'));
        QVERIFY2(result.warnings.contains(
                     QStringLiteral("cache is Redis, which this export does not write: nothing is "
                                    "written for it")),
                 qPrintable(notes));
        QVERIFY(result.warnings.contains(
            QStringLiteral("db-primary listens on every address (0.0.0.0): put the address "
                           "db-replica reaches it on as MASTER_HOST in db-replica.sql")));
        QVERIFY(result.warnings.contains(
            QStringLiteral("db-primary's automatic failover is Run's own: on real machines a "
                           "failover tool does it (MaxScale, orchestrator or MHA)")));
        QVERIFY(result.warnings.contains(
            QStringLiteral("db-lone is a replica, but no replication link reaches it: "
                           "db-lone.cnf says read_only and no replication SQL is written; "
                           "draw the link from its source")));
        QVERIFY(!Test::namesOf(result).contains(QStringLiteral("cache.cnf")));
        QVERIFY(!Test::namesOf(result).contains(QStringLiteral("db-lone.sql")));
        QVERIFY(Test::settingsOf(result, QStringLiteral("db-lone.cnf"))
                    .endsWith(QLatin1String("read_only = ON")));
    }

    void nothingToWriteIsOneSentence()
    {
        Topology broken = referenceDocument();
        Test::set(broken, QStringLiteral("db-replica"), QStringLiteral("address"), QStringLiteral("127.0.0.11"));
        Test::set(broken, QStringLiteral("db-replica"), QStringLiteral("port"), 3306);
        const ConfigExport invalid = exported(broken);
        QVERIFY2(
            invalid.error.startsWith(QLatin1String("The drawing can't be exported as it is: ")),
            qPrintable(invalid.error));
        QVERIFY(invalid.files.isEmpty());
        QString error;
        const QString folder = m_dir->filePath(QStringLiteral("export"));
        QVERIFY(!writeConfiguration(invalid, folder, &error));
        QCOMPARE(error, invalid.error);
        QVERIFY(!QFileInfo::exists(folder));

        Topology webOnly = referenceDocument();
        for (const QString &name : {QStringLiteral("db-primary"), QStringLiteral("db-replica")})
            webOnly.removeNode(webOnly.nodeByName(name)->id);
        QCOMPARE(exported(webOnly).error,
                 QStringLiteral("The drawing has no database, so there is nothing to export as "
                                "MariaDB or PostgreSQL: draw a database first"));
        Topology redisOnly = webOnly;
        Node cache = Node::make(NodeKind::Database, QStringLiteral("cache"));
        cache.setProperty(QStringLiteral("engine"), QStringLiteral("redis"));
        redisOnly.addNode(cache);
        QCOMPARE(exported(redisOnly).error,
                 QStringLiteral("The drawing's only databases are Redis (cache), which this "
                                "export does not write: it writes MariaDB and PostgreSQL servers"));
    }

    void aFolderThatCannotBeMadeIsOneSentence()
    {
        const QString file = m_dir->filePath(QStringLiteral("a-file"));
        QFile plain(file);
        QVERIFY(plain.open(QIODevice::WriteOnly));
        plain.close();
        QString error;
        QVERIFY(!writeConfiguration(exported(referenceDocument()), file, &error));
        QCOMPARE(error,
                 QStringLiteral("“%1” is a file, not a folder: choose a folder for the files")
                     .arg(file));
        QVERIFY(!writeConfiguration(exported(referenceDocument()),
                                    file + QStringLiteral("/databases"), &error));
        QCOMPARE(error,
                 QStringLiteral("Can't make the folder “%1/databases”: Not a directory").arg(file));

        // A folder that is not there yet is made.
        const QString folder = m_dir->filePath(QStringLiteral("new/databases"));
        QStringList written;
        QVERIFY2(writeConfiguration(exported(referenceDocument()), folder, &error, &written),
                 qPrintable(error));
        QCOMPARE(written.size(), 5);
        QCOMPARE(QFile::permissions(folder + QStringLiteral("/db-replica.sql"))
                     & (QFile::ReadOther | QFile::ReadGroup),
                 QFile::Permissions());
    }

    void mariadbdReadsEveryOptionFileAsWritten_data()
    {
        QTest::addColumn<Topology>("topology");
        QTest::newRow("semi-sync chain") << Test::cluster(
            QStringLiteral("mariadb"), {3306, 3307, 3308}, QStringLiteral("semi-sync"));
        for (const DocumentTemplate &documentTemplate : documentTemplates())
            QTest::newRow(qPrintable(documentTemplate.id)) << documentTemplate.topology;
        QTest::newRow("every feature") << Test::everyFeature();
    }

    void mariadbdReadsEveryOptionFileAsWritten()
    {
        QFETCH(Topology, topology);
        const QString mariadbd = Test::mariadbProgram("mariadbd");
        if (mariadbd.isEmpty())
            QSKIP("mariadbd is not installed (packaging/install-deps installs mariadb-server)");
        const QString folder = written(topology);
        const QStringList files = QDir(folder).entryList({QStringLiteral("*.cnf")});
        QVERIFY(!files.isEmpty());
        for (const QString &name : files) {
            const QString path = QDir(folder).filePath(name);
            // --defaults-file must come first; it reads this file only.
            const Test::CommandResult help = Test::runCommand(
                mariadbd, {QStringLiteral("--defaults-file=") + path, QStringLiteral("--help"),
                           QStringLiteral("--verbose")});
            QVERIFY2(help.ok() && !help.output.contains(QLatin1String("unknown variable")),
                     qPrintable(name + help.output.left(2000)));
            const QHash<QString, QString> variables = mariadbVariables(help.output);
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            for (const auto &[key, value] : Test::assignmentsOf(file.readAll())) {
                QString expected = value;
                if (value == QLatin1String("ON") || value == QLatin1String("OFF"))
                    expected = value == QLatin1String("ON") ? QStringLiteral("TRUE")
                                                            : QStringLiteral("FALSE");
                QCOMPARE(variables.value(QString(key).replace(QLatin1Char('_'), QLatin1Char('-'))),
                         expected);
            }
        }
    }

    void postgresRunsWithEverySettingAsWritten()
    {
        if (*Test::postgresMissing())
            QSKIP(Test::postgresMissing());
        QString why;
        const QString postgresTemplate = m_templates.postgres(&why);
        QVERIFY2(!postgresTemplate.isEmpty(), qPrintable(why));
        const QString folder = written(Test::cluster(
            QStringLiteral("postgresql"), {5432, 5433, 5434}, QStringLiteral("semi-sync")));
        const QStringList files = QDir(folder).entryList({QStringLiteral("*.conf")});
        QCOMPARE(files.size(), 5); // three servers' settings, two servers' pg_hba lines
        const Test::PostgresUser user = Test::PostgresUser::get();
        for (const QString &name : files) {
            if (name.endsWith(QLatin1String(".pg_hba.conf")))
                continue;
            Test::PostgresServer server(m_dir->path(), name.section(QLatin1Char('.'), 0, 0), 0,
                                        user);
            QVERIFY(Test::runCommand(QStringLiteral("cp"), {QStringLiteral("-a"), postgresTemplate,
                                                            server.dataDirectory()})
                        .ok());
            QVERIFY(server.configure(QDir(folder).filePath(name), {}));
            QFile file(QDir(folder).filePath(name));
            QVERIFY(file.open(QIODevice::ReadOnly));
            for (const auto &[key, value] : Test::assignmentsOf(file.readAll())) {
                // postgres -C says sizes in the setting's unit (MB) and
                // strings unquoted.
                QString expected = value;
                if (expected.startsWith(QLatin1Char('\'')))
                    expected = expected.mid(1, expected.size() - 2)
                                   .replace(QStringLiteral("''"), QStringLiteral("'"));
                else if (expected.endsWith(QLatin1String("GB")))
                    expected = QString::number(expected.chopped(2).toInt() * 1024);
                QCOMPARE(server.setting(key), expected);
            }
        }
    }
};

QTEST_GUILESS_MAIN(DatabaseExportTest)
#include "tst_database_export.moc"
