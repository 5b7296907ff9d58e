#include "SqlRoleProbe.h"

#include <QMetaObject>
#include <QMutex>

#include <thread>

namespace Loadstar::Health {

// What the probe and its worker thread share. The worker outlives the probe
// when a database hangs past the timeout: it then finds `probe` null and
// drops its answer.
struct SqlRoleProbe::Shared
{
    QMutex mutex;
    SqlRoleProbe *probe = nullptr;
    bool workerBusy = false;
};

namespace {

std::atomic<quint64> connectionSerial = 0;

} // namespace

QString formatDuration(qint64 ms)
{
    return ms % 1000 == 0 ? QStringLiteral("%1 s").arg(ms / 1000) : QStringLiteral("%1 ms").arg(ms);
}

SqlRoleProbe::SqlRoleProbe(Check check, QObject *parent)
    : Probe(parent)
    , m_check(std::move(check))
    , m_shared(std::make_shared<Shared>())
{
    m_shared->probe = this;
    m_timer.setSingleShot(true);
    // A coarse timer may fire 5 % early; a check's limit is exact.
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &SqlRoleProbe::timeOut);
}

SqlRoleProbe::~SqlRoleProbe()
{
    // Posted answers die with this object; later ones find no probe.
    QMutexLocker lock(&m_shared->mutex);
    m_shared->probe = nullptr;
}

void SqlRoleProbe::start(const ProbeTarget &target)
{
    cancel();
    m_target = target;
    m_running = true;
    const quint64 generation = ++m_generation;
    m_clock.start();
    m_timer.start(std::max(1, target.check.timeout));
    m_progress = std::make_shared<SqlCheckProgress>();

    QMutexLocker lock(&m_shared->mutex);
    // The previous check's driver call has not returned (the database hangs):
    // starting another thread would pile threads up on it, so this check
    // simply runs into its timeout too.
    if (m_shared->workerBusy)
        return;
    m_shared->workerBusy = true;
    const QString connection = QStringLiteral("loadstar-probe-%1").arg(++connectionSerial);
    std::thread([shared = m_shared, progress = m_progress, check = m_check, target, connection, generation] {
        CheckResult result = check(target, connection, *progress);
        QMutexLocker workerLock(&shared->mutex);
        shared->workerBusy = false;
        if (SqlRoleProbe *probe = shared->probe) {
            QMetaObject::invokeMethod(
                probe, [probe, generation, result] { probe->deliver(generation, result); },
                Qt::QueuedConnection);
        }
    }).detach();
}

void SqlRoleProbe::cancel()
{
    m_running = false;
    ++m_generation;
    m_timer.stop();
}

void SqlRoleProbe::deliver(quint64 generation, CheckResult result)
{
    if (!m_running || generation != m_generation)
        return;
    m_running = false;
    m_timer.stop();
    result.durationMs = int(m_clock.elapsed());
    emit finished(result);
}

void SqlRoleProbe::timeOut()
{
    if (!m_running)
        return;
    m_running = false;
    ++m_generation;
    CheckResult result;
    const QString limit = formatDuration(m_target.check.timeout);
    if (m_progress && m_progress->connected) {
        result.code = CheckCode::L7TOUT;
        result.reason = QStringLiteral("%1 did not answer within %2").arg(m_target.name, limit);
    } else {
        result.code = CheckCode::L4TOUT;
        result.reason = QStringLiteral("no connection to %1 within %2").arg(m_target.name, limit);
    }
    result.durationMs = int(m_clock.elapsed());
    emit finished(result);
}

} // namespace Loadstar::Health
