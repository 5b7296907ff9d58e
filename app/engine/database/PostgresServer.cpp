#include "PostgresServer.h"

#include "DatabaseTemplates.h"
#include "DemoSchema.h"
#include "PostgresAdmin.h"
#include "PostgresClient.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QThread>

#include <csignal>

#include <sys/shm.h>
#include <unistd.h>

namespace Loadstar::Engine::detail {

namespace {

// What a demo's server needs: small, and nothing written for a crash of
// the machine (the run's data is thrown away at stop).
const char *const ServerSettings[] = {
    "fsync=off",
    "full_page_writes=off",
    "shared_buffers=16MB",
    "jit=off",
    "lc_messages=C",
    "unix_socket_permissions=0700",
    "wal_keep_size=64MB",               // a replica killed for a while can catch up
    "wal_retrieve_retry_interval=50ms", // a standby retries its source 20 times a second
    "wal_receiver_status_interval=1s",
};

QString findBinDirectory()
{
    if (QFileInfo(QStringLiteral("/usr/lib/postgresql/15/bin/postgres")).isExecutable())
        return QStringLiteral("/usr/lib/postgresql/15/bin");
    QDir versions(QStringLiteral("/usr/lib/postgresql"));
    QStringList found = versions.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(found.begin(), found.end(),
              [](const QString &a, const QString &b) { return a.toInt() > b.toInt(); });
    for (const QString &version : std::as_const(found)) {
        const QString bin = versions.absoluteFilePath(version + QStringLiteral("/bin"));
        if (QFileInfo(bin + QStringLiteral("/postgres")).isExecutable())
            return bin;
    }
    return {};
}

// The admin's database: not the demo's, so its statistics count the
// applications' transactions only.
const QString AdminDatabase = QStringLiteral("template1");

QString conninfoValue(const QString &value)
{
    QString escaped = value;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('\''), QLatin1String("\\'"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}

// A string in a configuration file (postgresql.auto.conf): quotes doubled,
// backslashes escaped, as ALTER SYSTEM writes them.
QString settingValue(const QString &value)
{
    QString escaped = value;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('\''), QLatin1String("''"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}

} // namespace

PostgresServer::PostgresServer(const QString &binDirectory)
{
    m_override = binDirectory.isEmpty() ? qEnvironmentVariable("LOADSTAR_PG_BINDIR") : binDirectory;
    m_binDirectory = m_override.isEmpty() ? findBinDirectory() : m_override;
}

QString PostgresServer::program(const QString &name) const
{
    return m_binDirectory + QLatin1Char('/') + name;
}

QString PostgresServer::missingProgram() const
{
    const bool installed = !m_binDirectory.isEmpty()
                           && QFileInfo(program(QStringLiteral("postgres"))).isExecutable()
                           && QFileInfo(program(QStringLiteral("initdb"))).isExecutable();
    if (!installed && !m_override.isEmpty()) {
        return QStringLiteral(
                   "PostgreSQL is not installed in %1: install the postgresql package, or point "
                   "LOADSTAR_PG_BINDIR at its bin folder.")
            .arg(m_override);
    }
    if (!installed)
        return QStringLiteral(
            "PostgreSQL's postgres is not installed here: install the postgresql package.");
    if (::geteuid() == 0 && !runAs())
        return QStringLiteral("PostgreSQL refuses to run as root and there is no postgres user: "
                              "install the postgresql package.");
    return {};
}

QString PostgresServer::templateKey() const
{
    QStringList settings;
    for (const char *setting : ServerSettings)
        settings << QString::fromLatin1(setting);
    return DatabaseTemplates::key(engine(), program(QStringLiteral("postgres")), settings);
}

std::optional<RunAs> PostgresServer::runAs() const
{
    if (::geteuid() != 0)
        return std::nullopt;
    return systemUser("postgres");
}

QString PostgresServer::buildTemplate(const QString &directory,
                                      const TemplateSecrets &secrets) const
{
    const std::optional<RunAs> owner = runAs();
    const QString data = directory + QStringLiteral("/data");
    const QString sockets = directory + QStringLiteral("/sockets");
    QString error;
    if (!DatabaseTemplates::makeDirectory(data, 0700, owner, &error)
        || !DatabaseTemplates::makeDirectory(sockets, 0700, owner, &error))
        return error;
    LaunchSpec initdb{
        program(QStringLiteral("initdb")), {}, directory + QStringLiteral("/initdb.log"), owner};
    initdb.arguments = QStringList{
        QStringLiteral("--pgdata=") + data,   QStringLiteral("--username=postgres"),
        QStringLiteral("--encoding=UTF8"),    QStringLiteral("--locale=C"),
        QStringLiteral("--no-sync"),          QStringLiteral("--no-instructions"),
        QStringLiteral("--auth-local=trust"), QStringLiteral("--auth-host=scram-sha-256"),
        QStringLiteral("--wal-segsize=1")};
    if (const QString failed = ServerProcess::runToEnd(initdb, 120000); !failed.isEmpty())
        return failed;

    // The schema and accounts, made by a server that listens on its socket only.
    const quint16 port = 5432; // names the socket file only
    LaunchSpec bootstrap{program(QStringLiteral("postgres")),
                         {},
                         directory + QStringLiteral("/bootstrap.log"),
                         owner};
    bootstrap.arguments
        = QStringList{QStringLiteral("-D"), data,
                      QStringLiteral("-c"), QStringLiteral("listen_addresses="),
                      QStringLiteral("-c"), QStringLiteral("unix_socket_directories=") + sockets,
                      QStringLiteral("-c"), QStringLiteral("port=%1").arg(port)};
    for (const char *setting : ServerSettings)
        bootstrap.arguments << QStringLiteral("-c") << QString::fromLatin1(setting);
    ServerProcess server;
    if (!server.start(bootstrap, &error))
        return error;
    const auto connected = [&](PostgresClient &connection, const QString &database) {
        for (int attempt = 0; !connection.open(sockets, port, QStringLiteral("postgres"), {},
                                               database, 1000, &error);
             ++attempt) {
            if (!server.isRunning() || attempt > 3000)
                return false;
            QThread::msleep(10);
        }
        return true;
    };
    const auto failed = [&](const QString &what) {
        server.terminate(SIGKILL, 0);
        return QStringLiteral("The template PostgreSQL server %1: %2")
            .arg(what, error.isEmpty() ? lastError(bootstrap.logFile) : error);
    };
    PostgresClient admin;
    if (!connected(admin, QStringLiteral("postgres")))
        return failed(QStringLiteral("did not start"));
    const QStringList accounts{
        QStringLiteral("CREATE DATABASE %1").arg(DemoSchema::databaseName()),
        QStringLiteral("CREATE ROLE %1 LOGIN PASSWORD %2")
            .arg(DemoSchema::applicationUser(),
                 PostgresClient::quoted(secrets.applicationPassword)),
        QStringLiteral("CREATE ROLE %1 LOGIN REPLICATION PASSWORD %2")
            .arg(DemoSchema::replicationUser(),
                 PostgresClient::quoted(secrets.replicationPassword)),
    };
    for (const QString &statement : accounts) {
        if (!admin.exec(statement, &error, 30000))
            return failed(QStringLiteral("refused “%1”").arg(statement));
    }
    admin.close();
    PostgresClient demo;
    if (!connected(demo, DemoSchema::databaseName()))
        return failed(QStringLiteral("refused a connection"));
    const QStringList schema{
        DemoSchema::createStatements(engine()),
        QStringLiteral("GRANT SELECT, INSERT ON visits TO %1").arg(DemoSchema::applicationUser()),
    };
    for (const QString &statement : schema) {
        if (!demo.exec(statement, &error, 30000))
            return failed(QStringLiteral("refused “%1”").arg(statement));
    }
    demo.close();
    // Only what a demo needs: every database is some 300 files to copy per
    // server and run. template1 stays (CREATE DATABASE, the admin's database).
    PostgresClient template1;
    if (!connected(template1, AdminDatabase))
        return failed(QStringLiteral("refused a connection"));
    const QStringList pruning{
        QStringLiteral("UPDATE pg_database SET datistemplate = false WHERE datname = 'template0'"),
        QStringLiteral("DROP DATABASE template0"),
        QStringLiteral("DROP DATABASE postgres"),
    };
    for (const QString &statement : pruning) {
        if (!template1.exec(statement, &error, 30000))
            return failed(QStringLiteral("refused “%1”").arg(statement));
    }
    template1.close();
    server.terminate(SIGINT, 60000); // a fast shutdown ends with a checkpoint: a clean copy
    if (!server.exitedWithZero())
        return QStringLiteral("The template PostgreSQL server did not shut down cleanly: see %1.")
            .arg(bootstrap.logFile);
    return {};
}

QString PostgresServer::conninfo(const ServerPlan &plan, const ReplicationSource &source)
{
    return QStringLiteral("host=%1 port=%2 user=%3 password=%4 application_name=%5")
        .arg(conninfoValue(source.address))
        .arg(source.port)
        .arg(DemoSchema::replicationUser(), conninfoValue(plan.secrets.replicationPassword),
             conninfoValue(plan.config.name));
}

QString PostgresServer::syncStandbyNames(const QStringList &standbys)
{
    if (standbys.isEmpty())
        return {};
    QStringList names;
    for (const QString &standby : standbys)
        names << PostgresClient::quotedIdentifier(standby);
    return QStringLiteral("ANY 1 (%1)").arg(names.join(QStringLiteral(", ")));
}

QString PostgresServer::prepare(const ServerPlan &plan) const
{
    const std::optional<RunAs> owner = runAs();
    QString settings
        = QStringLiteral("# Written by Loadstar for this run; ALTER SYSTEM changes it.\n");
    if (plan.source)
        settings += QStringLiteral("primary_conninfo = %1\n")
                        .arg(settingValue(conninfo(plan, *plan.source)));
    if (plan.semiSync && !plan.readOnly && !plan.syncStandbys.isEmpty())
        settings += QStringLiteral("synchronous_standby_names = %1\n")
                        .arg(settingValue(syncStandbyNames(plan.syncStandbys)));
    const QString autoConf = plan.dataDirectory + QStringLiteral("/postgresql.auto.conf");
    QFile file(autoConf);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(settings.toUtf8()) < 0)
        return QStringLiteral("Can't write %1: %2.").arg(autoConf, file.errorString());
    file.close();
    DatabaseTemplates::own(autoConf, owner);

    // A replica, or a fenced old primary: a standby (read-only) from its start.
    const QString signal = plan.dataDirectory + QStringLiteral("/standby.signal");
    if (plan.readOnly) {
        QFile standby(signal);
        if (!standby.open(QIODevice::WriteOnly))
            return QStringLiteral("Can't write %1: %2.").arg(signal, standby.errorString());
        standby.close();
        DatabaseTemplates::own(signal, owner);
    } else {
        QFile::remove(signal);
    }
    // A killed server's postmaster.pid stays: PostgreSQL reads the old
    // shared memory key from it and removes that segment at its next start.
    return {};
}

LaunchSpec PostgresServer::launch(const ServerPlan &plan) const
{
    LaunchSpec spec{program(QStringLiteral("postgres")), {}, plan.logFile, runAs()};
    spec.arguments = QStringList{
        QStringLiteral("-D"), plan.dataDirectory,
        QStringLiteral("-c"), QStringLiteral("listen_addresses=") + plan.address,
        QStringLiteral("-c"), QStringLiteral("port=%1").arg(plan.port),
        QStringLiteral("-c"), QStringLiteral("unix_socket_directories=") + plan.directory,
        QStringLiteral("-c"), QStringLiteral("cluster_name=") + plan.config.name};
    for (const char *setting : ServerSettings)
        spec.arguments << QStringLiteral("-c") << QString::fromLatin1(setting);
    return spec;
}

int PostgresServer::stopSignal() const
{
    return SIGINT; // fast shutdown; SIGTERM (smart) would wait for every client to leave
}

std::unique_ptr<AdminSession> PostgresServer::connect(const ServerPlan &plan, int timeoutMs,
                                                      QString *error) const
{
    auto connection = std::make_unique<PostgresClient>();
    if (!connection->open(plan.directory, plan.port, QStringLiteral("postgres"), {}, AdminDatabase,
                          timeoutMs, error))
        return nullptr;
    return std::make_unique<PostgresAdmin>(std::move(connection));
}

void PostgresServer::removeLeftovers(const ServerPlan &plan) const
{
    // postmaster.pid's 7th line: "<key> <id>" of the segment.
    QFile lock(plan.dataDirectory + QStringLiteral("/postmaster.pid"));
    if (!lock.open(QIODevice::ReadOnly))
        return;
    const QList<QByteArray> lines = lock.readAll().split('\n');
    const QList<QByteArray> segment
        = lines.size() > 6 ? lines.at(6).simplified().split(' ') : QList<QByteArray>();
    bool keyRead = false;
    bool idRead = false;
    const key_t key = segment.size() == 2 ? static_cast<key_t>(segment.at(0).toLong(&keyRead)) : 0;
    const int id = segment.size() == 2 ? segment.at(1).toInt(&idRead) : 0;
    if (!keyRead || !idRead)
        return;
    // Its last processes may take a moment to let go of it.
    for (int attempt = 0; attempt < 50; ++attempt) {
        shmid_ds segmentState{};
        if (::shmctl(id, IPC_STAT, &segmentState) != 0 || segmentState.shm_perm.__key != key)
            return; // gone, or someone else's now
        if (segmentState.shm_nattch == 0) {
            ::shmctl(id, IPC_RMID, nullptr);
            return;
        }
        QThread::msleep(2);
    }
}

QString PostgresServer::lastError(const QString &logFile) const
{
    QFile log(logFile);
    if (!log.open(QIODevice::ReadOnly))
        return {};
    // Of the last start: the port taken, else the first FATAL or PANIC.
    QString bind;
    QString fatal;
    while (!log.atEnd()) {
        const QString line = QString::fromUtf8(log.readLine()).trimmed();
        if (line.contains(QLatin1String("starting PostgreSQL"))) {
            bind.clear();
            fatal.clear();
        }
        if (bind.isEmpty() && line.contains(QLatin1String("Address already in use")))
            bind = line.section(QStringLiteral("LOG:  "), 1);
        for (const QLatin1String level : {QLatin1String("FATAL:  "), QLatin1String("PANIC:  ")}) {
            if (fatal.isEmpty() && line.contains(level))
                fatal = line.section(level, 1);
        }
    }
    return bind.isEmpty() ? fatal : bind;
}

} // namespace Loadstar::Engine::detail
