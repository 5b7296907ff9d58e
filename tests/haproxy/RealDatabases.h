#pragma once

// Real MariaDB and PostgreSQL servers for the database export's tests: each
// runs from exported files in a folder of the test's own, on the ports the
// drawing gives it, for as long as its object lives (stopped, or killed,
// when it goes out of scope: a failing test leaves nothing running).
// PostgreSQL refuses to run as root, so under root its programs run as the
// "postgres" system user, as tests/db/cluster.sh does.

#include "../engine/FreePorts.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <vector>

namespace Loadstar::Test {

constexpr int kCommandTimeoutMs = 60000; // any one program we run, at most

inline QString mariadbProgram(const char *name)
{
    return QStandardPaths::findExecutable(
        QString::fromLatin1(name), {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")});
}

inline QString postgresBin()
{
    const QString bin
        = qEnvironmentVariable("LOADSTAR_PG_BIN", QStringLiteral("/usr/lib/postgresql/15/bin"));
    return QFile::exists(bin + QStringLiteral("/postgres")) ? bin : QString();
}

// Who runs PostgreSQL's programs: "postgres" under root, else whoever we are.
struct PostgresUser
{
    uid_t uid = ::getuid();
    gid_t gid = ::getgid();
    bool switches = false;

    static PostgresUser get()
    {
        PostgresUser user;
        if (::getuid() != 0)
            return user;
        if (const passwd *entry = ::getpwnam("postgres")) {
            user.uid = entry->pw_uid;
            user.gid = entry->pw_gid;
            user.switches = true;
        }
        return user;
    }
    void own(const QString &path) const
    {
        if (switches && ::chown(QFile::encodeName(path).constData(), uid, gid) != 0)
            qWarning("can't give %s to postgres", qPrintable(path));
    }
    void apply(QProcess &process) const
    {
        if (!switches)
            return;
        const uid_t u = uid;
        const gid_t g = gid;
        process.setChildProcessModifier([u, g] {
            if (::setgroups(0, nullptr) != 0 || ::setgid(g) != 0 || ::setuid(u) != 0)
                ::_exit(126);
        });
    }
};

// Why PostgreSQL can't run here; empty when it can.
inline const char *postgresMissing()
{
    if (postgresBin().isEmpty())
        return "PostgreSQL 15 is not installed (packaging/install-deps installs postgresql)";
    if (::getuid() == 0 && !PostgresUser::get().switches)
        return "PostgreSQL refuses to run as root, and there is no postgres user to run it as";
    return "";
}

struct CommandResult
{
    int exitCode = -1;
    QString output; // stdout and stderr together
    bool ok() const { return exitCode == 0; }
};

// Runs a program to its end, bounded; `input` goes to its standard input.
inline CommandResult runCommand(const QString &program, const QStringList &arguments,
                                const QByteArray &input = {}, const PostgresUser *as = nullptr,
                                const QProcessEnvironment &environment = {})
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    if (as)
        as->apply(process);
    if (!environment.isEmpty())
        process.setProcessEnvironment(environment);
    process.start(program, arguments);
    if (!process.waitForStarted(kCommandTimeoutMs))
        return {-1, QStringLiteral("%1 did not start: %2").arg(program, process.errorString())};
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(kCommandTimeoutMs)) {
        process.kill();
        process.waitForFinished();
        return {
            -1,
            QStringLiteral("%1 did not finish in %2 s").arg(program).arg(kCommandTimeoutMs / 1000)};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromLocal8Bit(process.readAll())};
}

// A server in the foreground for as long as this lives.
class ServerProcess
{
public:
    ServerProcess() = default;
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;
    ~ServerProcess() { stop(); }

    // `stopSignal`: what asks the server to shut down (PostgreSQL's fast
    // shutdown is SIGINT; SIGTERM waits for its sessions to end).
    bool start(const QString &program, const QStringList &arguments,
               const PostgresUser *as = nullptr, int stopSignal = SIGTERM,
               const QProcessEnvironment &environment = {})
    {
        m_stopSignal = stopSignal;
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        if (!environment.isEmpty())
            m_process.setProcessEnvironment(environment);
        if (as)
            as->apply(m_process);
        m_process.start(program, arguments);
        return m_process.waitForStarted(kCommandTimeoutMs);
    }
    bool isRunning() const { return m_process.state() == QProcess::Running; }
    QString output() { return m_log += QString::fromLocal8Bit(m_process.readAll()); }
    // The stop signal, then SIGKILL when shutting down takes too long.
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        ::kill(pid_t(m_process.processId()), m_stopSignal);
        if (!m_process.waitForFinished(20000)) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }

private:
    QProcess m_process;
    QString m_log;
    int m_stopSignal = SIGTERM;
};

// A database server process and its SQL client.
class SqlServer
{
public:
    virtual ~SqlServer() = default;
    // Runs SQL as the administrator; one value per line of the result.
    virtual CommandResult sql(const QByteArray &statements) = 0;
    QString value(const QByteArray &query)
    {
        const CommandResult result = sql(query);
        return result.ok() ? result.output.trimmed() : QString();
    }
    bool answers() { return m_server.isRunning() && sql("SELECT 1").ok(); }
    QString log() { return m_server.output(); }

protected:
    ServerProcess m_server;
};

// MariaDB's programs with a temporary folder of their own: two servers
// bootstrapping at once in the same one (other tests, other engineers) can
// trip over each other's temporary tables.
inline QProcessEnvironment mariadbEnvironment(const QString &temporaryFolder)
{
    QDir().mkpath(temporaryFolder);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("TMPDIR"), temporaryFolder);
    return environment;
}

// One MariaDB server of the export, on its own data directory (copied from
// a template made by mariadb-install-db) and socket in `dir`.
class MariadbServer final : public SqlServer
{
public:
    MariadbServer(const QString &dir, const QString &name)
        : m_data(QDir(dir).filePath(name))
        , m_socket(QDir(dir).filePath(name + QStringLiteral(".sock")))
        , m_pid(QDir(dir).filePath(name + QStringLiteral(".pid")))
        , m_temporary(QDir(dir).filePath(name + QStringLiteral(".tmp")))
    {
    }
    // The option file as exported; only the paths are the test's own.
    bool start(const QString &templateData, const QString &optionFile)
    {
        if (!runCommand(QStringLiteral("cp"), {QStringLiteral("-a"), templateData, m_data}).ok())
            return false;
        QStringList arguments{
            QStringLiteral("--defaults-file=") + optionFile, QStringLiteral("--datadir=") + m_data,
            QStringLiteral("--socket=") + m_socket, QStringLiteral("--pid-file=") + m_pid};
        if (::getuid() == 0)
            arguments << QStringLiteral("--user=root");
        return m_server.start(mariadbProgram("mariadbd"), arguments, nullptr, SIGTERM,
                              mariadbEnvironment(m_temporary));
    }
    // As root, over the socket.
    CommandResult sql(const QByteArray &statements) override
    {
        return runCommand(mariadbProgram("mariadb"),
                          {QStringLiteral("--no-defaults"), QStringLiteral("--user=root"),
                           QStringLiteral("--socket=") + m_socket, QStringLiteral("--batch"),
                           QStringLiteral("--skip-column-names")},
                          statements);
    }

private:
    QString m_data;
    QString m_socket;
    QString m_pid;
    QString m_temporary;
};

// One PostgreSQL server of the export: the exported settings included from a
// postgresql.conf of the test's, which only adds its socket folder and
// pg_hba.conf (local connections trusted, then the exported lines).
class PostgresServer final : public SqlServer
{
public:
    PostgresServer(const QString &dir, const QString &name, quint16 port, const PostgresUser &user)
        : m_dir(QDir(dir).filePath(name))
        , m_port(port)
        , m_user(user)
    {
        QDir().mkpath(m_dir);
        m_user.own(m_dir);
        QFile::setPermissions(m_dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }
    QString dataDirectory() const { return m_dir + QStringLiteral("/data"); }
    CommandResult initdb()
    {
        return runCommand(postgresBin() + QStringLiteral("/initdb"),
                          {QStringLiteral("-D"), dataDirectory(), QStringLiteral("-U"),
                           QStringLiteral("postgres"), QStringLiteral("--no-sync"),
                           QStringLiteral("--auth-local=trust"),
                           QStringLiteral("--auth-host=scram-sha-256")},
                          {}, &m_user);
    }
    bool configure(const QString &settingsFile, const QString &hbaFile)
    {
        QByteArray hba = "local all all trust\n";
        if (!hbaFile.isEmpty()) {
            QFile exported(hbaFile);
            if (!exported.open(QIODevice::ReadOnly))
                return false;
            hba += exported.readAll();
        }
        const QString conf
            = QStringLiteral(
                  "include '%1'\nunix_socket_directories = '%2'\nhba_file = '%3'\nfsync = off\n")
                  .arg(settingsFile, m_dir, hbaPath());
        return writeOwned(hbaPath(), hba) && writeOwned(confPath(), conf.toUtf8());
    }
    bool start()
    {
        return m_server.start(postgresBin() + QStringLiteral("/postgres"),
                              {QStringLiteral("-D"), dataDirectory(), QStringLiteral("-c"),
                               QStringLiteral("config_file=") + confPath()},
                              &m_user, SIGINT);
    }
    // `postgres -C NAME` on these settings: what the server would run with.
    QString setting(const QString &name)
    {
        const CommandResult result
            = runCommand(postgresBin() + QStringLiteral("/postgres"),
                         {QStringLiteral("-D"), dataDirectory(), QStringLiteral("-c"),
                          QStringLiteral("config_file=") + confPath(), QStringLiteral("-C"), name},
                         {}, &m_user);
        return result.ok() ? result.output.trimmed()
                           : QStringLiteral("(error: %1)").arg(result.output.trimmed());
    }
    CommandResult sql(const QByteArray &statements)
    {
        return runCommand(
            postgresBin() + QStringLiteral("/psql"),
            {QStringLiteral("-X"), QStringLiteral("-q"), QStringLiteral("-At"),
             QStringLiteral("-v"), QStringLiteral("ON_ERROR_STOP=1"), QStringLiteral("-h"), m_dir,
             QStringLiteral("-p"), QString::number(m_port), QStringLiteral("-U"),
             QStringLiteral("postgres"), QStringLiteral("-d"), QStringLiteral("postgres")},
            statements);
    }

private:
    QString confPath() const { return m_dir + QStringLiteral("/postgresql.conf"); }
    QString hbaPath() const { return m_dir + QStringLiteral("/pg_hba.conf"); }
    bool writeOwned(const QString &path, const QByteArray &text)
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
            return false;
        file.close();
        m_user.own(path);
        return true;
    }

    QString m_dir;
    quint16 m_port;
    PostgresUser m_user;
};

// A MariaDB system database and a PostgreSQL data directory, each made once
// (mariadb-install-db, initdb) when first asked for and copied for every
// server a test starts.
class ServerTemplates
{
public:
    ServerTemplates()
    {
        // The postgres user reaches its data directory through ours.
        QFile::setPermissions(m_dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner
                                                | QFile::ExeGroup | QFile::ExeOther);
    }
    // The template's path; empty, with what went wrong in *error, when it
    // can't be made.
    QString mariadb(QString *error)
    {
        if (!m_mariadb.isEmpty())
            return m_mariadb;
        const QString data = m_dir.filePath(QStringLiteral("mariadb"));
        QStringList arguments{QStringLiteral("--no-defaults"), QStringLiteral("--datadir=") + data,
                              QStringLiteral("--auth-root-authentication-method=normal"),
                              QStringLiteral("--skip-test-db"),
                              QStringLiteral("--skip-name-resolve")};
        if (::getuid() == 0)
            arguments << QStringLiteral("--user=root");
        const CommandResult install
            = runCommand(mariadbProgram("mariadb-install-db"), arguments, {}, nullptr,
                         mariadbEnvironment(m_dir.filePath(QStringLiteral("mariadb.tmp"))));
        if (!install.ok()) {
            *error = QStringLiteral("mariadb-install-db failed: %1").arg(install.output);
            return {};
        }
        return m_mariadb = data;
    }
    QString postgres(QString *error)
    {
        if (!m_postgres.isEmpty())
            return m_postgres;
        PostgresServer server(m_dir.path(), QStringLiteral("postgres"), 0, PostgresUser::get());
        const CommandResult initdb = server.initdb();
        if (!initdb.ok()) {
            *error = QStringLiteral("initdb failed: %1").arg(initdb.output);
            return {};
        }
        return m_postgres = server.dataDirectory();
    }

private:
    QTemporaryDir m_dir;
    QString m_mariadb;
    QString m_postgres;
};

// A fresh folder for each test function, the postgres user allowed through.
inline std::unique_ptr<QTemporaryDir> testFolder()
{
    auto dir = std::make_unique<QTemporaryDir>();
    QFile::setPermissions(dir->path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner
                                           | QFile::ExeGroup | QFile::ExeOther);
    return dir;
}

} // namespace Loadstar::Test
