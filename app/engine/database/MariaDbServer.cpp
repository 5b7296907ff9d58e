#include "MariaDbServer.h"

#include "DatabaseTemplates.h"
#include "DemoSchema.h"
#include "MariaDbAdmin.h"
#include "MariaDbClient.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QThread>

#include <csignal>

#include <unistd.h>

namespace Loadstar::Engine::detail {

namespace {

// A demo needs little memory and keeps nothing across a crash of the
// machine: small redo log and buffer pool, lazy flushing, no doublewrite.
const char *const RedoLogSize = "--innodb-log-file-size=8M";
const char *const StorageOptions[] = {
    "--skip-name-resolve",
    "--performance-schema=OFF",
    "--innodb-buffer-pool-size=16M",
    RedoLogSize,
    "--innodb-flush-log-at-trx-commit=2",
    "--innodb-doublewrite=OFF",
    "--innodb-temp-data-file-path=ibtmp1:1M:autoextend",
    "--innodb-buffer-pool-load-at-startup=OFF",
    "--innodb-buffer-pool-dump-at-shutdown=OFF",
    "--aria-pagecache-buffer-size=1M",
    "--key-buffer-size=1M",
    "--sync-binlog=0",
};

// How long a semi-sync primary waits for a replica's acknowledgement before
// it commits alone (and says so: Rpl_semi_sync_master_status OFF). One
// second: on loopback a replica that is up acknowledges in well under a
// millisecond, so only a replica that is gone makes a write wait, and then
// for less than the health checks' interval, so a lost replica costs the
// writers one slow write instead of a DOWN primary.
const char *const SemiSyncTimeoutMs = "1000";

QString findMariadbd()
{
    const QString inPath = QStandardPaths::findExecutable(QStringLiteral("mariadbd"));
    if (!inPath.isEmpty())
        return inPath;
    return QStandardPaths::findExecutable(
        QStringLiteral("mariadbd"),
        {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/local/sbin")});
}

bool isRoot()
{
    return ::geteuid() == 0;
}

} // namespace

MariaDbServer::MariaDbServer(const QString &mariadbd)
{
    m_override = mariadbd.isEmpty() ? qEnvironmentVariable("LOADSTAR_MARIADBD") : mariadbd;
    m_mariadbd = m_override.isEmpty() ? findMariadbd() : m_override;
}

QString MariaDbServer::missingProgram() const
{
    const QFileInfo program(m_mariadbd);
    if (!m_mariadbd.isEmpty() && program.isFile() && program.isExecutable())
        return {};
    if (!m_override.isEmpty()) {
        return QStringLiteral("mariadbd is not installed here (%1 is not a program): install the "
                              "mariadb-server "
                              "package, or point LOADSTAR_MARIADBD at mariadbd.")
            .arg(m_override);
    }
    return QStringLiteral("mariadbd is not installed here: install the mariadb-server package.");
}

QString MariaDbServer::templateKey() const
{
    QStringList options;
    for (const char *option : StorageOptions)
        options << QString::fromLatin1(option);
    return DatabaseTemplates::key(engine(), m_mariadbd, options);
}

QString MariaDbServer::socketPath(const QString &directory)
{
    return directory + QStringLiteral("/mysqld.sock");
}

QString MariaDbServer::installDb() const
{
    // Beside mariadbd's installation (…/sbin/mariadbd → …/bin), else PATH.
    const QString beside = QFileInfo(m_mariadbd)
                               .absoluteDir()
                               .absoluteFilePath(QStringLiteral("../bin/mariadb-install-db"));
    if (QFileInfo(beside).isExecutable())
        return QFileInfo(beside).canonicalFilePath();
    return QStandardPaths::findExecutable(QStringLiteral("mariadb-install-db"));
}

QStringList MariaDbServer::commonOptions(const QString &dataDirectory) const
{
    QStringList options{QStringLiteral("--no-defaults")};
    if (isRoot())
        options << QStringLiteral("--user=root");
    options << QStringLiteral("--datadir=") + dataDirectory;
    for (const char *option : StorageOptions)
        options << QString::fromLatin1(option);
    return options;
}

QString MariaDbServer::buildTemplate(const QString &directory, const TemplateSecrets &secrets) const
{
    const QString script = installDb();
    if (script.isEmpty())
        return QStringLiteral(
            "mariadb-install-db is not installed here: install the mariadb-server package.");
    const QString data = directory + QStringLiteral("/data");
    LaunchSpec install{script, {}, directory + QStringLiteral("/install.log"), std::nullopt};
    install.arguments
        = QStringList{QStringLiteral("--no-defaults"), QStringLiteral("--datadir=") + data,
                      QStringLiteral("--auth-root-authentication-method=normal"),
                      QStringLiteral("--skip-test-db"), QStringLiteral("--skip-name-resolve")};
    const QString prefix
        = QFileInfo(m_mariadbd).absoluteDir().absoluteFilePath(QStringLiteral(".."));
    if (QFileInfo(prefix + QStringLiteral("/bin/mariadb-install-db")).isExecutable())
        install.arguments << QStringLiteral("--basedir=") + QDir::cleanPath(prefix);
    if (isRoot())
        install.arguments << QStringLiteral("--user=root");
    install.arguments << QString::fromLatin1(RedoLogSize); // the size the runs use
    if (const QString failed = ServerProcess::runToEnd(install, 120000); !failed.isEmpty())
        return failed;

    // The schema and accounts, made by a server that listens on its socket only.
    const QString socket = socketPath(directory);
    LaunchSpec bootstrap{m_mariadbd, commonOptions(data),
                         directory + QStringLiteral("/bootstrap.log"), std::nullopt};
    bootstrap.arguments << QStringLiteral("--skip-networking") << QStringLiteral("--skip-log-bin")
                        << QStringLiteral("--socket=") + socket
                        << QStringLiteral("--pid-file=") + directory
                               + QStringLiteral("/bootstrap.pid")
                        << QStringLiteral("--log-error=") + bootstrap.logFile;
    ServerProcess server;
    QString error;
    if (!server.start(bootstrap, &error))
        return error;
    MariaDbClient root;
    const MariaDbClient::Target admin{socket, {}, 0, QStringLiteral("root"), {}, {}};
    for (int attempt = 0; !root.open(admin, 1000, &error); ++attempt) {
        if (!server.isRunning() || attempt > 3000) {
            server.terminate(SIGKILL, 0);
            return QStringLiteral("The template MariaDB server did not start: %1")
                .arg(lastError(bootstrap.logFile));
        }
        QThread::msleep(10);
    }
    const QString app = DemoSchema::applicationUser();
    const QString repl = DemoSchema::replicationUser();
    QStringList statements{
        QStringLiteral("CREATE DATABASE %1").arg(DemoSchema::databaseName()),
        QStringLiteral("USE %1").arg(DemoSchema::databaseName()),
        DemoSchema::createStatements(engine()),
    };
    for (const QString &host : {QStringLiteral("127.%"), QStringLiteral("::1")}) {
        const QString quotedHost = MariaDbClient::quoted(host);
        statements
            << QStringLiteral("CREATE USER '%1'@%2 IDENTIFIED BY %3")
                   .arg(app, quotedHost, MariaDbClient::quoted(secrets.applicationPassword))
            << QStringLiteral("GRANT SELECT, INSERT ON %1.visits TO '%2'@%3")
                   .arg(DemoSchema::databaseName(), app, quotedHost)
            << QStringLiteral("CREATE USER '%1'@%2 IDENTIFIED BY %3")
                   .arg(repl, quotedHost, MariaDbClient::quoted(secrets.replicationPassword))
            << QStringLiteral("GRANT REPLICATION SLAVE ON *.* TO '%1'@%2").arg(repl, quotedHost);
    }
    for (const QString &statement : std::as_const(statements)) {
        if (!root.exec(statement, &error, 10000)) {
            server.terminate(SIGKILL, 0);
            return QStringLiteral("The template MariaDB server refused “%1”: %2")
                .arg(statement, error);
        }
    }
    // Root only over the socket: no account TCP could reach without a password.
    const auto others = root.query(
        QStringLiteral("SELECT User, Host FROM mysql.user WHERE (User = 'root' OR User = '') "
                       "AND Host <> 'localhost'"),
        &error);
    for (const MariaDbClient::Row &account : others.value_or(MariaDbClient::Rows{})) {
        root.exec(QStringLiteral("DROP USER %1@%2")
                      .arg(MariaDbClient::quoted(account.value(QStringLiteral("User"))),
                           MariaDbClient::quoted(account.value(QStringLiteral("Host")))),
                  &error);
    }
    root.close();
    server.terminate(SIGTERM, 60000);
    if (!server.exitedWithZero())
        return QStringLiteral("The template MariaDB server did not shut down cleanly: see %1.")
            .arg(bootstrap.logFile);
    return {};
}

QString MariaDbServer::prepare(const ServerPlan &) const
{
    return {}; // everything is on the command line
}

LaunchSpec MariaDbServer::launch(const ServerPlan &plan) const
{
    LaunchSpec spec{m_mariadbd, commonOptions(plan.dataDirectory), plan.logFile, std::nullopt};
    spec.arguments << QStringLiteral("--socket=") + socketPath(plan.directory)
                   << QStringLiteral("--pid-file=") + plan.directory + QStringLiteral("/mysqld.pid")
                   << QStringLiteral("--log-error=") + plan.logFile
                   << QStringLiteral("--bind-address=") + plan.address
                   << QStringLiteral("--port=%1").arg(plan.port)
                   << QStringLiteral("--server-id=%1").arg(plan.serverId)
                   << QStringLiteral("--log-bin=mariadb-bin")
                   << QStringLiteral("--log-slave-updates") << QStringLiteral("--binlog-format=ROW")
                   << QStringLiteral("--relay-log=relay-bin")
                   << QStringLiteral("--read-only=%1")
                          .arg(plan.readOnly ? QStringLiteral("ON") : QStringLiteral("OFF"));
    if (plan.semiSync) {
        spec.arguments << QStringLiteral("--rpl-semi-sync-master-wait-point=AFTER_SYNC")
                       << QStringLiteral("--rpl-semi-sync-master-timeout=")
                              + QString::fromLatin1(SemiSyncTimeoutMs)
                       << QStringLiteral("--rpl-semi-sync-slave-enabled=ON")
                       << QStringLiteral("--rpl-semi-sync-master-enabled=%1")
                              .arg(plan.readOnly ? QStringLiteral("OFF") : QStringLiteral("ON"));
    }
    return spec;
}

int MariaDbServer::stopSignal() const
{
    return SIGTERM;
}

std::unique_ptr<AdminSession> MariaDbServer::connect(const ServerPlan &plan, int timeoutMs,
                                                     QString *error) const
{
    auto connection = std::make_unique<MariaDbClient>();
    const MariaDbClient::Target root{socketPath(plan.directory), {}, 0,
                                         QStringLiteral("root"),     {}, {}};
    if (!connection->open(root, timeoutMs, error))
        return nullptr;
    return std::make_unique<MariaDbAdmin>(std::move(connection));
}

QString MariaDbServer::lastError(const QString &logFile) const
{
    QFile log(logFile);
    if (!log.open(QIODevice::ReadOnly))
        return {};
    // The first error of the last start: the cause, before "Aborting".
    QString first;
    while (!log.atEnd()) {
        const QString line = QString::fromUtf8(log.readLine()).trimmed();
        if (line.contains(QLatin1String("Starting MariaDB")))
            first.clear();
        const qsizetype at = line.indexOf(QLatin1String("[ERROR] "));
        if (at >= 0 && first.isEmpty())
            first = line.mid(at + 8);
    }
    return first;
}

} // namespace Loadstar::Engine::detail
