#include "ServerProcess.h"

#include <QByteArray>
#include <QFile>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace Loadstar::Engine::detail {

namespace {

int openPidfd(pid_t pid)
{
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

void closeRange(int first, unsigned last)
{
    if (first < 0 || static_cast<unsigned>(first) > last)
        return;
    if (::syscall(SYS_close_range, first, last, 0) == 0 || errno != ENOSYS)
        return;
    for (unsigned fd = static_cast<unsigned>(first); fd <= last && fd < 65536; ++fd)
        ::close(static_cast<int>(fd));
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void becomeChild(pid_t parent, const std::optional<RunAs> &runAs, int logFd,
                              int nullFd, int errorPipe, const char *program, char *const *argv)
{
    const auto fail = [errorPipe](int code) {
        const int error = errno;
        [[maybe_unused]] const ssize_t written = ::write(errorPipe, &error, sizeof error);
        ::_exit(code);
    };
    ::setpgid(0, 0);
    // A credential change clears the parent-death signal: change first.
    if (runAs
        && (::setgroups(0, nullptr) != 0 || ::setgid(runAs->gid) != 0 || ::setuid(runAs->uid) != 0))
        fail(126);
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        fail(126);
    if (::getppid() != parent) // Loadstar died before the signal was armed
        ::_exit(126);
    if (::dup2(nullFd, STDIN_FILENO) < 0 || ::dup2(logFd, STDOUT_FILENO) < 0
        || ::dup2(logFd, STDERR_FILENO) < 0)
        fail(126);
    // Nothing of Loadstar's (listening sockets, lock files) stays open in
    // a server; the error pipe closes itself at exec.
    closeRange(STDERR_FILENO + 1, errorPipe - 1);
    closeRange(errorPipe + 1, ~0U);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int signal = 1; signal < NSIG; ++signal) {
        if (signal != SIGKILL && signal != SIGSTOP)
            ::signal(signal, SIG_DFL);
    }
    ::execve(program, argv, environ);
    fail(127);
    ::_exit(127);
}

} // namespace

std::optional<RunAs> systemUser(const char *name)
{
    passwd entry{};
    passwd *found = nullptr;
    std::vector<char> buffer(16384);
    if (::getpwnam_r(name, &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
        return std::nullopt;
    return RunAs{found->pw_uid, found->pw_gid};
}

ServerProcess::~ServerProcess()
{
    std::lock_guard lock(m_mutex);
    if (m_pid > 0 && !m_reaped) {
        ::kill(-m_pid, SIGKILL);
        ::kill(m_pid, SIGKILL);
        reapLocked(0);
    }
    if (m_pidfd >= 0)
        ::close(m_pidfd);
}

bool ServerProcess::start(const LaunchSpec &spec, QString *error)
{
    const auto failed = [&](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    std::lock_guard lock(m_mutex);
    if (m_pid > 0)
        return failed(QStringLiteral("%1 was started already.").arg(spec.program));

    // Everything the child needs is made before fork.
    const QByteArray program = QFile::encodeName(spec.program);
    std::vector<QByteArray> arguments{program};
    for (const QString &argument : spec.arguments)
        arguments.push_back(argument.toLocal8Bit());
    std::vector<char *> argv;
    for (QByteArray &argument : arguments)
        argv.push_back(argument.data());
    argv.push_back(nullptr);

    const int logFd = ::open(QFile::encodeName(spec.logFile).constData(),
                             O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (logFd < 0)
        return failed(QStringLiteral("Can't write %1: %2.")
                          .arg(spec.logFile, QString::fromLocal8Bit(std::strerror(errno))));
    if (spec.runAs) [[maybe_unused]]
        const int owned = ::fchown(logFd, spec.runAs->uid, spec.runAs->gid);
    const int nullFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int errorPipe[2];
    if (nullFd < 0 || ::pipe2(errorPipe, O_CLOEXEC) != 0) {
        ::close(logFd);
        if (nullFd >= 0)
            ::close(nullFd);
        return failed(QStringLiteral("Can't start %1: out of file descriptors.").arg(spec.program));
    }

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0)
        becomeChild(parent, spec.runAs, logFd, nullFd, errorPipe[1], program.constData(),
                    argv.data());
    ::close(errorPipe[1]);
    ::close(logFd);
    ::close(nullFd);
    if (pid < 0) {
        ::close(errorPipe[0]);
        return failed(QStringLiteral("Can't start %1: %2.")
                          .arg(spec.program, QString::fromLocal8Bit(std::strerror(errno))));
    }
    ::setpgid(pid, pid); // also here, so the group exists before anyone signals it
    m_pid = pid;
    m_pidfd = openPidfd(pid);

    // The pipe closes at exec; an errno arrives when exec (or a step before
    // it) failed.
    int childErrno = 0;
    ssize_t got;
    do {
        got = ::read(errorPipe[0], &childErrno, sizeof childErrno);
    } while (got < 0 && errno == EINTR);
    ::close(errorPipe[0]);
    if (got == sizeof childErrno) {
        reapLocked(0);
        return failed(QStringLiteral("Can't run %1: %2.")
                          .arg(spec.program, QString::fromLocal8Bit(std::strerror(childErrno))));
    }
    return true;
}

qint64 ServerProcess::pid() const
{
    std::lock_guard lock(m_mutex);
    return m_reaped ? 0 : m_pid;
}

int ServerProcess::exitFd() const
{
    std::lock_guard lock(m_mutex);
    return m_pidfd;
}

bool ServerProcess::reapLocked(int options)
{
    if (m_pid <= 0 || m_reaped)
        return m_reaped;
    int status = 0;
    pid_t done;
    do {
        done = ::waitpid(m_pid, &status, options);
    } while (done < 0 && errno == EINTR);
    if (done == m_pid || (done < 0 && errno == ECHILD)) {
        m_reaped = true;
        m_waitStatus = done == m_pid ? status : 0;
    }
    return m_reaped;
}

bool ServerProcess::isRunning()
{
    std::lock_guard lock(m_mutex);
    return m_pid > 0 && !reapLocked(WNOHANG);
}

char ServerProcess::stateOf(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (pid <= 0 || !stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray line = stat.readLine();
    // "pid (comm) S ...": the state follows the last ')'.
    const qsizetype end = line.lastIndexOf(')');
    return end >= 0 && end + 2 < line.size() ? line.at(end + 2) : 0;
}

bool ServerProcess::isStopped() const
{
    const char state = stateOf(pid());
    return state == 'T' || state == 't';
}

bool ServerProcess::signal(int signal)
{
    std::lock_guard lock(m_mutex);
    if (m_pid <= 0 || m_reaped)
        return false;
    // The group first (a server's own processes), then the leader in case
    // it left the group.
    const bool group = ::kill(-m_pid, signal) == 0;
    return ::kill(m_pid, signal) == 0 || group;
}

bool ServerProcess::waitForExit(int timeoutMs)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        int fd;
        {
            std::lock_guard lock(m_mutex);
            if (m_pid <= 0 || reapLocked(WNOHANG))
                return true;
            fd = m_pidfd;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0)
            return false;
        if (fd >= 0) {
            pollfd exited{fd, POLLIN, 0};
            ::poll(&exited, 1, static_cast<int>(std::min<qint64>(left, 100)));
        } else {
            ::usleep(10000);
        }
    }
}

void ServerProcess::terminate(int signal, int graceMs)
{
    if (!isRunning())
        return;
    this->signal(signal);
    if (isStopped())
        this->signal(SIGCONT);
    if (!waitForExit(graceMs)) {
        this->signal(SIGKILL);
        waitForExit(10000);
    }
}

QString ServerProcess::exitDescription() const
{
    std::lock_guard lock(m_mutex);
    if (!m_reaped)
        return {};
    if (WIFSIGNALED(m_waitStatus))
        return QStringLiteral("killed by signal %1").arg(WTERMSIG(m_waitStatus));
    return QStringLiteral("exited with code %1").arg(WEXITSTATUS(m_waitStatus));
}

bool ServerProcess::exitedWithZero() const
{
    std::lock_guard lock(m_mutex);
    return m_reaped && WIFEXITED(m_waitStatus) && WEXITSTATUS(m_waitStatus) == 0;
}

QString ServerProcess::runToEnd(const LaunchSpec &spec, int timeoutMs)
{
    ServerProcess process;
    QString error;
    if (!process.start(spec, &error))
        return error;
    if (!process.waitForExit(timeoutMs)) {
        process.terminate(SIGKILL, 0);
        return QStringLiteral("%1 did not finish in %2 s: see %3.")
            .arg(spec.program)
            .arg(timeoutMs / 1000)
            .arg(spec.logFile);
    }
    if (process.exitedWithZero())
        return {};
    return QStringLiteral("%1 %2: see %3.")
        .arg(spec.program, process.exitDescription(), spec.logFile);
}

} // namespace Loadstar::Engine::detail
