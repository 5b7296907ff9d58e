#include "DemoDatabase.h"

#include <QDateTime>

#include <chrono>
#include <csignal>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace Loadstar::Engine::detail {

namespace {

// While a server starts, how often to try whether it answers.
const int StartingPollMs = 10;

using State = DatabaseServerStatus::State;

DatabaseServerStatus initialStatus(const DatabaseConfig &config, const QString &address,
                                   quint16 port)
{
    DatabaseServerStatus status;
    status.name = config.name;
    status.engine = config.engine;
    status.address = address;
    status.port = port;
    return status;
}

} // namespace

DemoDatabase::DemoDatabase(const DatabaseConfig &config, const QString &message)
{
    m_plan.config = config;
    m_status = initialStatus(config, config.address, config.port);
    m_status.state = State::Failed;
    m_status.message = message;
}

DemoDatabase::DemoDatabase(std::shared_ptr<const DatabaseEngine> engine, const ServerPlan &plan,
                           int statusIntervalMs, std::function<void()> changed)
    : m_engine(std::move(engine))
    , m_intervalMs(statusIntervalMs)
    , m_changed(std::move(changed))
    , m_plan(plan)
{
    m_status = initialStatus(plan.config, plan.address, plan.port);
    m_wakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    m_watcher = std::thread([this] { watch(); });
}

DemoDatabase::~DemoDatabase()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        m_exitExpected = true;
    }
    wake();
    if (m_watcher.joinable())
        m_watcher.join();
    if (m_wakeFd >= 0)
        ::close(m_wakeFd);
}

QString DemoDatabase::name() const
{
    std::lock_guard lock(m_mutex);
    return m_plan.config.name;
}

ServerPlan DemoDatabase::plan() const
{
    std::lock_guard lock(m_mutex);
    return m_plan;
}

void DemoDatabase::setPlan(const ServerPlan &plan)
{
    std::lock_guard lock(m_mutex);
    m_plan = plan;
}

DatabaseServerStatus DemoDatabase::status(std::optional<ServerReading> *reading) const
{
    std::lock_guard lock(m_mutex);
    DatabaseServerStatus status = m_status;
    if (m_reading && m_reading->replica && !status.replicating && status.replicationError.isEmpty())
        status.replicationError = m_replicationNote;
    if (reading)
        *reading = m_reading;
    return status;
}

void DemoDatabase::fail(const QString &message)
{
    {
        std::lock_guard lock(m_mutex);
        m_status.state = State::Failed;
        m_status.message = message;
        m_status.pid = 0;
    }
    m_stateChanged.notify_all();
}

DatabaseFault DemoDatabase::fault() const
{
    std::lock_guard lock(m_mutex);
    return m_status.fault;
}

void DemoDatabase::setFault(const DatabaseFault &fault)
{
    std::lock_guard lock(m_mutex);
    m_status.fault = fault;
}

void DemoDatabase::wake()
{
    if (m_wakeFd >= 0) {
        const quint64 one = 1;
        [[maybe_unused]] const ssize_t written = ::write(m_wakeFd, &one, sizeof one);
    }
}

bool DemoDatabase::launch(QString *error)
{
    if (!m_engine)
        return false;
    const ServerPlan current = plan();
    auto process = std::make_shared<ServerProcess>();
    QString failure;
    if (!process->start(m_engine->launch(current), &failure)) {
        {
            std::lock_guard lock(m_mutex);
            m_status.state = State::Stopped;
            m_status.message
                = QStringLiteral("%1 could not start: %2").arg(current.config.name, failure);
        }
        m_stateChanged.notify_all();
        if (error)
            *error = failure;
        return false;
    }
    {
        std::lock_guard lock(m_mutex);
        m_process = process;
        m_exitExpected = false;
        m_status.state = State::Starting;
        m_status.pid = process->pid();
        m_status.message.clear();
        m_status.replicating = false;
        m_status.lagSeconds = -1;
        m_status.connections = -1;
        m_reading.reset();
        ++m_generation;
    }
    wake();
    return true;
}

bool DemoDatabase::waitUntilRunning(int timeoutMs) const
{
    std::unique_lock lock(m_mutex);
    m_stateChanged.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                            [this] { return m_status.state != State::Starting; });
    return m_status.state == State::Running;
}

bool DemoDatabase::isRunning() const
{
    std::lock_guard lock(m_mutex);
    return m_status.state == State::Running;
}

bool DemoDatabase::isHung() const
{
    std::shared_ptr<ServerProcess> process;
    {
        std::lock_guard lock(m_mutex);
        process = m_process;
    }
    return process && process->isStopped();
}

void DemoDatabase::kill()
{
    std::shared_ptr<ServerProcess> process;
    {
        std::lock_guard lock(m_mutex);
        m_exitExpected = true;
        process = m_process;
    }
    if (!process)
        return;
    process->terminate(SIGKILL, 0);
    exited(process);
}

bool DemoDatabase::setHung(bool hung)
{
    std::shared_ptr<ServerProcess> process;
    {
        std::lock_guard lock(m_mutex);
        process = m_process;
    }
    if (!process || !process->signal(hung ? SIGSTOP : SIGCONT))
        return false;
    // Signals arrive a moment later: return once it is so.
    for (int waited = 0; process->isStopped() != hung && waited < 1000 && process->isRunning();
         ++waited)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return process->isStopped() == hung;
}

void DemoDatabase::beginStop()
{
    std::shared_ptr<ServerProcess> process;
    {
        std::lock_guard lock(m_mutex);
        m_exitExpected = true;
        process = m_process;
    }
    if (process && m_engine) {
        process->signal(m_engine->stopSignal());
        process->signal(SIGCONT); // a hung server must run to act on it
    }
}

void DemoDatabase::finishStop(int graceMs)
{
    std::shared_ptr<ServerProcess> process;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        process = m_process;
    }
    wake();
    if (m_watcher.joinable())
        m_watcher.join();
    if (process) {
        if (!process->waitForExit(graceMs))
            process->terminate(SIGKILL, 0);
        exited(process);
    }
}

std::unique_ptr<AdminSession> DemoDatabase::admin(int timeoutMs, QString *error) const
{
    if (!m_engine)
        return nullptr;
    return m_engine->connect(plan(), timeoutMs, error);
}

void DemoDatabase::noteReadOnly(bool readOnly)
{
    std::lock_guard lock(m_mutex);
    if (!m_reading)
        m_reading = ServerReading{};
    m_reading->readOnly = readOnly;
    m_reading->replica = readOnly && m_reading->replica;
    m_status.readOnly = readOnly;
    if (!readOnly) {
        m_status.replicating = false;
        m_status.lagSeconds = -1;
        m_status.replicationError.clear();
    }
    ++m_generation;
}

void DemoDatabase::setReplicationNote(const QString &note)
{
    std::lock_guard lock(m_mutex);
    m_replicationNote = note;
}

QString DemoDatabase::exitMessage(const QString &logError, const QString &how) const
{
    const QString &name = m_plan.config.name;
    if (logError.contains(QLatin1String("Address already in use"))) {
        return QStringLiteral("%1 can't listen on %2:%3: the port is in use by another program; "
                              "stop it or give %1 another port.")
            .arg(name, m_plan.address)
            .arg(m_plan.port);
    }
    if (!logError.isEmpty())
        return QStringLiteral("%1 exited: %2")
            .arg(name,
                 logError.endsWith(QLatin1Char('.')) ? logError : logError + QLatin1Char('.'));
    return QStringLiteral("%1 %2: see %3.").arg(name, how, m_plan.logFile);
}

void DemoDatabase::exited(const std::shared_ptr<ServerProcess> &process)
{
    {
        std::lock_guard lock(m_mutex);
        if (process != m_process)
            return;
        m_process.reset();
        m_status.state = State::Stopped;
        m_status.pid = 0;
        m_status.replicating = false;
        m_status.lagSeconds = -1;
        m_status.connections = -1;
        if (!m_exitExpected)
            m_status.message
                = exitMessage(m_engine->lastError(m_plan.logFile), process->exitDescription());
        ++m_generation;
    }
    m_stateChanged.notify_all();
    if (m_changed)
        m_changed();
}

void DemoDatabase::watch()
{
    std::unique_ptr<AdminSession> session;
    std::shared_ptr<ServerProcess> watched;
    for (;;) {
        std::shared_ptr<ServerProcess> process;
        bool starting;
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping)
                return;
            process = m_process;
            starting = m_status.state == State::Starting;
        }
        if (process != watched) {
            session.reset();
            watched = process;
        }
        pollfd events[2] = {{m_wakeFd, POLLIN, 0}, {process ? process->exitFd() : -1, POLLIN, 0}};
        ::poll(events, 2, process && starting ? StartingPollMs : m_intervalMs);
        if (events[0].revents & POLLIN) {
            quint64 count;
            [[maybe_unused]] const ssize_t drained = ::read(m_wakeFd, &count, sizeof count);
        }
        quint64 generation;
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping)
                return;
            if (process != m_process)
                continue;
            generation = m_generation;
        }
        if (!process)
            continue;
        if (!process->isRunning()) {
            session.reset();
            exited(process);
            continue;
        }
        if (process->isStopped()) { // hung on purpose: nothing would answer
            session.reset();
            continue;
        }
        QString error;
        if (!session)
            session = m_engine->connect(plan(), AdminTimeoutMs, &error);
        ServerReading reading;
        if (!session || !session->read(&reading, &error)) {
            session.reset();
            continue;
        }
        {
            std::lock_guard lock(m_mutex);
            if (process != m_process || generation != m_generation)
                continue; // a promotion or a restart happened meanwhile: read again
            m_reading = reading;
            m_status.state = State::Running;
            m_status.readOnly = reading.readOnly;
            m_status.replicating = reading.replicating;
            m_status.replicationError = reading.replicationError;
            m_status.lagSeconds = reading.replica ? reading.lagSeconds : -1;
            m_status.connections = reading.connections;
            m_status.queries = reading.queries;
            m_status.sampledAt = QDateTime::currentDateTimeUtc();
        }
        m_stateChanged.notify_all();
        if (m_changed)
            m_changed();
    }
}

} // namespace Loadstar::Engine::detail
