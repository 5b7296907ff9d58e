#pragma once

#include <QString>
#include <QStringList>

#include <mutex>
#include <optional>

#include <sys/types.h>

namespace Loadstar::Engine::detail {

// Who a child runs as. PostgreSQL refuses to run as root, so under root its
// programs run as the postgres system user.
struct RunAs
{
    uid_t uid = 0;
    gid_t gid = 0;
};

// The system user `name`, when it exists.
std::optional<RunAs> systemUser(const char *name);

struct LaunchSpec
{
    QString program; // an absolute path
    QStringList arguments;
    QString logFile; // stdout and stderr, appended
    std::optional<RunAs> runAs;
};

// One child process Loadstar started: a demo database server, or a program
// that builds a template. It never outlives Loadstar: it is forked with
// only async-signal-safe calls in the child, into a process group of its
// own, with a parent-death signal (SIGKILL). That signal fires when the
// *thread* that forked dies, so start() must be called on a thread that
// lives as long as the child: the servers' thread (or a thread that waits
// for its child before it ends). Its exit shows on a pidfd and is reaped
// with waitpid on its own pid only, so Qt's QProcess never sees it.
//
// Thread-safe. Signals go to the whole group (a PostgreSQL server is a
// family of processes), and only while the child is not reaped yet, so a
// pid the system gave to someone else is never signalled.
class ServerProcess
{
public:
    ServerProcess() = default;
    ~ServerProcess(); // a child still running is killed and reaped
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;

    // False, with one sentence in *error, when the program can't be run.
    bool start(const LaunchSpec &spec, QString *error);

    qint64 pid() const; // 0 before start and once reaped
    // Readable once the child has exited; -1 before start.
    int exitFd() const;
    // Reaps the child when it has exited; true while it runs.
    bool isRunning();
    // Stopped by SIGSTOP (state T): it can't answer.
    bool isStopped() const;
    bool signal(int signal);
    // Waits up to timeoutMs for the child to exit; true once reaped.
    bool waitForExit(int timeoutMs);
    // `signal`, then SIGKILL when it has not exited after graceMs; returns
    // once reaped. A stopped child gets SIGCONT so it can act on `signal`.
    void terminate(int signal, int graceMs);
    // "exited with code 1", "killed by signal 9"; empty while running.
    QString exitDescription() const;
    bool exitedWithZero() const;

    // A process's state letter as /proc tells it ('R', 'S', 'T' stopped,
    // 'Z' zombie…); 0 when there is no such process.
    static char stateOf(qint64 pid);

    // Runs a helper program to its end (killed after timeoutMs): "" when it
    // exited with code 0, else one sentence pointing at its log.
    static QString runToEnd(const LaunchSpec &spec, int timeoutMs);

private:
    bool reapLocked(int options);

    mutable std::mutex m_mutex;
    pid_t m_pid = 0;
    int m_pidfd = -1;
    bool m_reaped = false;
    int m_waitStatus = 0;
};

} // namespace Loadstar::Engine::detail
