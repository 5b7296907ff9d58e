#include "AlertMonitor.h"

#include "AlertPolicy.h"
#include "engine/EngineConfig.h"
#include "engine/health/HealthMonitor.h"

#include <QCoreApplication>
#include <QHash>
#include <QSet>
#include <QTimer>

#include <memory>

namespace Loadstar::Monitor {

// The monitors' state, on the alert thread.
class AlertWorker : public QObject
{
public:
    explicit AlertWorker(AlertMonitor &owner)
        : m_owner(owner)
        , m_deadline(this) // a child, so it moves to the alert thread with the worker
    {
        m_deadline.setSingleShot(true);
        connect(&m_deadline, &QTimer::timeout, this, &AlertWorker::flush);
    }

    void setMonitors(const QList<Engine::MonitorConfig> &monitors)
    {
        std::vector<std::unique_ptr<Watch>> watches;
        for (const Engine::MonitorConfig &config : monitors) {
            std::unique_ptr<Watch> watch = takeWatch(config.name);
            if (!watch)
                watch = std::make_unique<Watch>();
            if (watch->sender && watch->sender->url() != QUrl(config.webhook))
                delete std::exchange(watch->sender, nullptr);
            watch->config = config;
            watch->policy.setSettings({config.name, config.watched, config.dependsOn, config.groupWait,
                                       config.certWarnDays, config.notify});
            watches.push_back(std::move(watch));
        }
        for (const std::unique_ptr<Watch> &gone : m_watches)
            delete gone->sender;
        m_watches = std::move(watches);
        publish();
    }

    void setDocumentName(const QString &name) { m_document = name; }

    void setRetry(const WebhookRetry &retry)
    {
        m_retry = retry;
        for (const std::unique_ptr<Watch> &watch : m_watches) {
            if (watch->sender)
                watch->sender->setRetry(retry);
        }
    }

    // A server went UP or DOWN behind one load balancer (or on its own):
    // its node changes when the first view of it goes DOWN or the last
    // comes back UP.
    void transition(const Health::HealthEvent &event)
    {
        QSet<QString> &downIn = m_downIn[event.server];
        const bool wasDown = !downIn.isEmpty();
        if (event.up)
            downIn.remove(event.frontend);
        else
            downIn.insert(event.frontend);
        if (wasDown == !downIn.isEmpty())
            return;
        const QString reason = QStringLiteral("%1: %2").arg(Health::checkCodeName(event.cause.code), event.cause.reason);
        for (const std::unique_ptr<Watch> &watch : m_watches)
            watch->policy.healthChanged(event.server, event.up, event.timestamp, reason, event.message);
        flush();
    }

    void checked(const QString &server, const Health::CheckResult &result)
    {
        const QVariant days = result.details.value(QStringLiteral("cert_days_left"));
        if (!days.isValid())
            return;
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (const std::unique_ptr<Watch> &watch : m_watches)
            watch->policy.certificateChecked(server, days.toLongLong(), now);
        flush();
    }

    // Forgets everything: the next run starts afresh.
    void halt()
    {
        m_deadline.stop();
        for (const std::unique_ptr<Watch> &watch : m_watches)
            delete watch->sender;
        m_watches.clear();
        m_downIn.clear();
        // The health monitor stopped first: what it said before is of the
        // run that ends, not of the next one.
        QCoreApplication::removePostedEvents(this);
        publish();
    }

private:
    struct Watch
    {
        Engine::MonitorConfig config;
        AlertPolicy policy;
        WebhookSender *sender = nullptr; // made on the alert thread when the first alert goes out
    };

    std::unique_ptr<Watch> takeWatch(const QString &name)
    {
        for (auto it = m_watches.begin(); it != m_watches.end(); ++it) {
            if ((*it)->config.name == name) {
                std::unique_ptr<Watch> watch = std::move(*it);
                m_watches.erase(it);
                return watch;
            }
        }
        return nullptr;
    }

    WebhookSender *senderOf(Watch &watch)
    {
        if (!watch.sender && !watch.config.webhook.isEmpty()) {
            watch.sender = new WebhookSender(QUrl(watch.config.webhook), this);
            watch.sender->setRetry(m_retry);
            const QString monitor = watch.config.name;
            connect(watch.sender, &WebhookSender::failed, this, [this, monitor](const QString &, const QString &message) {
                emit m_owner.noted({QDateTime::currentDateTimeUtc(), monitor, QString(), message, true});
            });
        }
        return watch.sender;
    }

    // Sends what the policies have due and waits for the next deadline.
    void flush()
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        std::optional<QDateTime> next;
        for (const std::unique_ptr<Watch> &watch : m_watches) {
            const AlertPolicy::Output out = watch->policy.take(now);
            for (const MonitorNote &note : out.notes)
                emit m_owner.noted(note);
            for (const Alert &alert : out.alerts) {
                emit m_owner.alerted(alert);
                if (WebhookSender *sender = senderOf(*watch))
                    sender->send(alert.toJson(m_document), alert.id, QStringLiteral("%1 %2").arg(alert.node, alert.state()));
            }
            const std::optional<QDateTime> deadline = watch->policy.nextDeadline();
            if (deadline && (!next || *deadline < *next))
                next = deadline;
        }
        if (next)
            m_deadline.start(int(std::clamp<qint64>(now.msecsTo(*next), 0, 24 * 3600 * 1000)));
        else
            m_deadline.stop();
        publish();
    }

    void publish()
    {
        QList<MonitorStatus> statuses;
        for (const std::unique_ptr<Watch> &watch : m_watches) {
            statuses.append({watch->config.name, int(watch->config.watched.size()), watch->policy.firing(),
                             watch->policy.last()});
        }
        QMutexLocker lock(&m_owner.m_statusMutex);
        m_owner.m_statuses = statuses;
    }

    AlertMonitor &m_owner;
    std::vector<std::unique_ptr<Watch>> m_watches;
    QHash<QString, QSet<QString>> m_downIn; // server → the frontends ("" for none) it is DOWN behind
    QString m_document;
    WebhookRetry m_retry;
    QTimer m_deadline;
};

AlertMonitor::AlertMonitor(Health::HealthMonitor &health, QObject *parent)
    : QObject(parent)
    , m_worker(new AlertWorker(*this))
{
    qRegisterMetaType<Alert>();
    qRegisterMetaType<MonitorNote>();
    m_thread.setObjectName(QStringLiteral("alerts"));
    m_worker->moveToThread(&m_thread);
    // Queued to the worker's thread: the health monitor never waits for it.
    connect(&health, &Health::HealthMonitor::transition, m_worker,
            [worker = m_worker](const Health::HealthEvent &event) { worker->transition(event); });
    connect(&health, &Health::HealthMonitor::checked, m_worker,
            [worker = m_worker](const QString &, const QString &server, const Health::CheckResult &result,
                                const Health::HealthStatus &) { worker->checked(server, result); });
}

AlertMonitor::~AlertMonitor()
{
    stop();
    delete m_worker;
}

void AlertMonitor::onWorker(std::function<void()> work)
{
    QMutexLocker lock(&m_control);
    if (m_thread.isRunning())
        QMetaObject::invokeMethod(m_worker, std::move(work), Qt::QueuedConnection);
    else
        work();
}

void AlertMonitor::setMonitors(const QList<Engine::MonitorConfig> &monitors)
{
    onWorker([worker = m_worker, monitors] { worker->setMonitors(monitors); });
}

void AlertMonitor::setDocumentName(const QString &name)
{
    onWorker([worker = m_worker, name] { worker->setDocumentName(name); });
}

void AlertMonitor::setWebhookRetry(const WebhookRetry &retry)
{
    onWorker([worker = m_worker, retry] { worker->setRetry(retry); });
}

void AlertMonitor::start()
{
    QMutexLocker lock(&m_control);
    if (!m_thread.isRunning())
        m_thread.start();
}

void AlertMonitor::stop()
{
    QMutexLocker lock(&m_control);
    if (!m_thread.isRunning())
        return;
    QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->halt(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

bool AlertMonitor::isRunning() const
{
    QMutexLocker lock(&m_control);
    return m_thread.isRunning();
}

QList<MonitorStatus> AlertMonitor::statuses() const
{
    QMutexLocker lock(&m_statusMutex);
    return m_statuses;
}

} // namespace Loadstar::Monitor
