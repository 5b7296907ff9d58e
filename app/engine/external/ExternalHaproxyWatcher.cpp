#include "ExternalHaproxyWatcher.h"

#include "ExternalServers.h"
#include "RuntimeApiClient.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <algorithm>

namespace Loadstar::External {

namespace {

// Where a card says the statistics come from: the URL's host and port, or
// the socket.
QString sourceOf(const Engine::ExternalHaproxyConfig &config)
{
    if (config.statsUrl.isEmpty())
        return config.statsSocket;
    const QUrl url(config.statsUrl);
    const int port = url.port(url.scheme() == QLatin1String("https") ? 443 : 80);
    return QStringLiteral("%1:%2").arg(url.host()).arg(port);
}

QString replyErrorText(QNetworkReply *reply, int timeoutMs)
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status >= 400) {
        const QString phrase = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        return phrase.isEmpty() ? QStringLiteral("HTTP %1").arg(status)
                                : QStringLiteral("HTTP %1 %2").arg(status).arg(phrase);
    }
    switch (reply->error()) {
    case QNetworkReply::ConnectionRefusedError:
        return QStringLiteral("Connection refused");
    case QNetworkReply::HostNotFoundError:
        return QStringLiteral("Host not found");
    case QNetworkReply::RemoteHostClosedError:
        return QStringLiteral("Closed by HAProxy");
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError:
        return QStringLiteral("No answer within %1 ms").arg(timeoutMs);
    default:
        return reply->errorString();
    }
}

} // namespace

QString ExternalSnapshot::lostText() const
{
    return QStringLiteral("stats lost: %1").arg(lostReason);
}

// Lives on the watcher's thread: the timer, the network access manager and
// the read under way.
class ExternalHaproxyWatcher::Poller : public QObject
{
public:
    Poller(ExternalHaproxyWatcher *watcher, Engine::ExternalHaproxyConfig config)
        : m_watcher(watcher)
        , m_config(std::move(config))
        , m_timeoutMs(readTimeoutMs(m_config.refreshMs))
    {
        m_snapshot.loadBalancer = m_config.name;
        m_snapshot.source = sourceOf(m_config);
        m_snapshot.runtimeApi = !m_config.statsSocket.isEmpty();
        m_snapshot.watchingSince = QDateTime::currentDateTimeUtc();
    }

    void begin()
    {
        m_network = new QNetworkAccessManager(this);
        m_timer = new QTimer(this);
        m_timer->setInterval(std::max(100, m_config.refreshMs));
        connect(m_timer, &QTimer::timeout, this, &Poller::poll);
        m_timer->start();
        poll();
    }

private:
    void poll()
    {
        if (m_reply)
            return; // the last read is still under way
        if (!m_config.statsUrl.isEmpty()) {
            QNetworkRequest request{QUrl(m_config.statsUrl)};
            request.setTransferTimeout(m_timeoutMs);
            request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
            m_reply = m_network->get(request);
            connect(m_reply, &QNetworkReply::finished, this, [this, reply = m_reply] {
                reply->deleteLater();
                m_reply = nullptr;
                if (reply->error() != QNetworkReply::NoError)
                    lost(replyErrorText(reply, m_timeoutMs));
                else
                    parse(reply->readAll());
            });
            return;
        }
        // The watcher's own thread: blocking here, bounded, keeps no one waiting.
        QString error;
        const std::optional<QByteArray> csv = RuntimeApiClient(m_config.statsSocket, m_timeoutMs).showStat(&error);
        if (csv)
            parse(*csv);
        else
            lost(error);
    }

    void parse(const QByteArray &text)
    {
        QString error;
        std::optional<HaproxyStats> stats = parseHaproxyStats(text, &error);
        if (!stats) {
            lost(error);
            return;
        }
        const QDateTime now = QDateTime::currentDateTimeUtc();
        if (m_snapshot.connected) {
            carryOver(*stats, m_snapshot.stats, double(m_snapshot.time.msecsTo(now)) / 1000.0);
            noteChanges(*stats, m_snapshot.stats);
        }
        m_snapshot.read = true;
        m_snapshot.connected = true;
        m_snapshot.lostReason.clear();
        m_snapshot.stats = std::move(*stats);
        m_snapshot.time = now;
        m_watcher->publish(m_snapshot);
    }

    // Servers that crossed between UP and DOWN since the last read.
    void noteChanges(const HaproxyStats &now, const HaproxyStats &before)
    {
        for (const HaproxyBackend &backend : now.backends) {
            for (const HaproxyServer &server : backend.servers) {
                const HaproxyServer *then = before.server(backend.name, server.name());
                if (then && isUp(QString::fromStdString(then->row.status)) != isUp(QString::fromStdString(server.row.status)))
                    m_snapshot.changed.insert(backend.name + QLatin1Char('/') + server.name());
            }
        }
    }

    void lost(const QString &reason)
    {
        m_snapshot.read = true;
        m_snapshot.connected = false;
        m_snapshot.lostReason = reason;
        m_snapshot.stats = {};
        m_snapshot.time = QDateTime::currentDateTimeUtc();
        m_watcher->publish(m_snapshot);
    }

    ExternalHaproxyWatcher *m_watcher;
    const Engine::ExternalHaproxyConfig m_config;
    const int m_timeoutMs;
    QNetworkAccessManager *m_network = nullptr;
    QTimer *m_timer = nullptr;
    QPointer<QNetworkReply> m_reply;
    ExternalSnapshot m_snapshot;
};

ExternalHaproxyWatcher::ExternalHaproxyWatcher(Engine::ExternalHaproxyConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    m_thread.setObjectName(QStringLiteral("HAProxy %1").arg(m_config.name));
    m_latest.loadBalancer = m_config.name;
    m_latest.source = sourceOf(m_config);
    m_latest.runtimeApi = !m_config.statsSocket.isEmpty();
}

ExternalHaproxyWatcher::~ExternalHaproxyWatcher()
{
    stop();
}

int ExternalHaproxyWatcher::readTimeoutMs(int refreshMs)
{
    return std::clamp(refreshMs, 1000, 5000);
}

void ExternalHaproxyWatcher::start()
{
    if (m_thread.isRunning())
        return;
    auto *poller = new Poller(this, m_config);
    poller->moveToThread(&m_thread);
    connect(&m_thread, &QThread::started, poller, &Poller::begin);
    connect(&m_thread, &QThread::finished, poller, &QObject::deleteLater);
    m_thread.start();
}

void ExternalHaproxyWatcher::stop()
{
    m_thread.quit();
    m_thread.wait();
}

ExternalSnapshot ExternalHaproxyWatcher::latest() const
{
    QMutexLocker lock(&m_mutex);
    return m_latest;
}

void ExternalHaproxyWatcher::publish(const ExternalSnapshot &snapshot)
{
    {
        QMutexLocker lock(&m_mutex);
        m_latest = snapshot;
    }
    emit snapshotTaken(snapshot);
}

} // namespace Loadstar::External
