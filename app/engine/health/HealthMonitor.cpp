#include "HealthMonitor.h"

#include "CheckScheduler.h"

namespace Loadstar::Health {

QString checkCodeDescription(CheckCode code)
{
    switch (code) {
    case CheckCode::Unknown: return QStringLiteral("Unknown");
    case CheckCode::SockErr: return QStringLiteral("Socket error");
    case CheckCode::L4OK: return QStringLiteral("Layer4 check passed");
    case CheckCode::L4TOUT: return QStringLiteral("Layer4 timeout");
    case CheckCode::L4CON: return QStringLiteral("Layer4 connection problem");
    case CheckCode::L6OK: return QStringLiteral("Layer6 check passed");
    case CheckCode::L6TOUT: return QStringLiteral("Layer6 timeout");
    case CheckCode::L6RSP: return QStringLiteral("Layer6 invalid response");
    case CheckCode::L7OK: return QStringLiteral("Layer7 check passed");
    case CheckCode::L7TOUT: return QStringLiteral("Layer7 timeout");
    case CheckCode::L7RSP: return QStringLiteral("Layer7 invalid response");
    case CheckCode::L7STS: return QStringLiteral("Layer7 wrong status");
    }
    return QStringLiteral("Unknown");
}

HealthMonitor::HealthMonitor(QObject *parent)
    : QObject(parent)
    , m_scheduler(new CheckScheduler(this))
{
    qRegisterMetaType<CheckResult>();
    qRegisterMetaType<HealthStatus>();
    qRegisterMetaType<HealthEvent>();
    qRegisterMetaType<ServerHealth>();
    m_thread.setObjectName(QStringLiteral("health monitor"));
    m_scheduler->moveToThread(&m_thread);
}

HealthMonitor::~HealthMonitor()
{
    stop();
    // The thread has finished: nothing else touches the scheduler now.
    delete m_scheduler;
}

void HealthMonitor::onScheduler(std::function<void()> work)
{
    QMutexLocker lock(&m_control);
    if (m_thread.isRunning())
        QMetaObject::invokeMethod(m_scheduler, std::move(work), Qt::QueuedConnection);
    else
        work();
}

void HealthMonitor::setServers(const QList<MonitoredServer> &servers)
{
    onScheduler([scheduler = m_scheduler, servers] { scheduler->setServers(servers); });
}

void HealthMonitor::setEngine(Engine::Engine *engine)
{
    m_engine.store(engine);
}

void HealthMonitor::setProbeFactory(ProbeFactory factory)
{
    onScheduler([scheduler = m_scheduler, factory = std::move(factory)] { scheduler->setProbeFactory(factory); });
}

void HealthMonitor::start()
{
    QMutexLocker lock(&m_control);
    if (m_thread.isRunning())
        return;
    m_thread.start();
    QMetaObject::invokeMethod(m_scheduler, [scheduler = m_scheduler] { scheduler->resume(); }, Qt::QueuedConnection);
}

void HealthMonitor::stop()
{
    QMutexLocker lock(&m_control);
    if (!m_thread.isRunning())
        return;
    QMetaObject::invokeMethod(m_scheduler, [scheduler = m_scheduler] { scheduler->halt(); },
                              Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

bool HealthMonitor::isRunning() const
{
    QMutexLocker lock(&m_control);
    return m_thread.isRunning();
}

void HealthMonitor::observedErrors(const QString &frontend, const QString &server, const QString &reason)
{
    onScheduler([scheduler = m_scheduler, frontend, server, reason] {
        scheduler->observedErrors(frontend, server, reason);
    });
}

QList<ServerHealth> HealthMonitor::snapshot() const
{
    QMutexLocker lock(&m_snapshotMutex);
    return m_snapshot;
}

} // namespace Loadstar::Health
