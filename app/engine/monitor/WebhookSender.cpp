#include "WebhookSender.h"

#include <QCoreApplication>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace Loadstar::Monitor {

WebhookSender::WebhookSender(const QUrl &url, QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_retryTimer(this)
{
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &WebhookSender::attempt);
}

WebhookSender::~WebhookSender()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
}

void WebhookSender::send(const QByteArray &json, const QString &id, const QString &what)
{
    if (m_queue.size() >= MaximumQueued) {
        // The head may be in flight: drop the oldest of those still waiting.
        const qsizetype oldest = m_busy ? 1 : 0;
        const Pending dropped = m_queue.takeAt(oldest);
        emit failed(dropped.id, QStringLiteral("webhook %1: dropped, %2 alerts were already waiting (alert: %3)")
                                    .arg(m_url.toDisplayString()).arg(MaximumQueued).arg(dropped.what));
    }
    m_queue.enqueue({json, id, what, 0});
    startNext();
}

void WebhookSender::startNext()
{
    if (m_busy || m_queue.isEmpty())
        return;
    m_busy = true;
    attempt();
}

void WebhookSender::attempt()
{
    if (!m_network)
        m_network = new QNetworkAccessManager(this);
    Pending &head = m_queue.head();
    ++head.attempts;
    QNetworkRequest request(m_url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setHeader(QNetworkRequest::UserAgentHeader,
                      QStringLiteral("Loadstar/%1").arg(QCoreApplication::applicationVersion()));
    request.setRawHeader(QByteArrayLiteral("Idempotency-Key"), head.id.toUtf8());
    request.setTransferTimeout(m_retry.timeoutMs);
    m_reply = m_network->post(request, head.json);
    connect(m_reply, &QNetworkReply::finished, this, [this, reply = m_reply] { finished(reply); });
}

void WebhookSender::finished(QNetworkReply *reply)
{
    reply->deleteLater();
    m_reply = nullptr;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString statusText = QStringLiteral("HTTP %1 %2").arg(status).arg(
        reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString());
    Pending &head = m_queue.head();
    if (status >= 200 && status < 300) {
        const Pending done = m_queue.dequeue();
        m_busy = false;
        emit delivered(done.id, done.attempts);
        startNext();
        return;
    }
    if (status >= 400 && status < 500) {
        giveUp(QStringLiteral("refused with %1; check its URL").arg(statusText.trimmed()));
        return;
    }
    // A 5xx, a 3xx the network layer did not follow, or no answer at all.
    const QString why = status > 0 ? statusText.trimmed()
                        : reply->error() == QNetworkReply::OperationCanceledError
                                || reply->error() == QNetworkReply::TimeoutError
                            ? QStringLiteral("no answer within %1 ms").arg(m_retry.timeoutMs)
                            : reply->errorString();
    if (head.attempts >= m_retry.attempts) {
        giveUp(QStringLiteral("delivery failed after %1: %2")
                   .arg(head.attempts == 1 ? QStringLiteral("1 attempt") : QStringLiteral("%1 attempts").arg(head.attempts),
                        why));
        return;
    }
    m_retryTimer.start(m_retry.firstDelayMs << std::min(head.attempts - 1, 16));
}

void WebhookSender::giveUp(const QString &why)
{
    const Pending head = m_queue.dequeue();
    m_busy = false;
    emit failed(head.id, QStringLiteral("webhook %1: %2 (alert: %3)").arg(m_url.toDisplayString(), why, head.what));
    startNext();
}

} // namespace Loadstar::Monitor
