#pragma once

#include <QByteArray>
#include <QObject>
#include <QQueue>
#include <QTimer>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;

namespace Loadstar::Monitor {

// How hard a webhook is tried: attempts in all, the pause before the
// second (doubling for each one after), and the time one attempt may take.
struct WebhookRetry
{
    int attempts = 3;
    int firstDelayMs = 1000; // 1 s, 2 s, 4 s…
    int timeoutMs = 10000;
};

// Sends alerts to one webhook: an HTTP POST with a JSON body each, one at
// a time and in order, so a receiver never sees an UP before its DOWN.
// Connection errors, timeouts and 5xx answers are tried again after a
// growing pause, with the same Idempotency-Key; a 4xx answer is final (the
// receiver refuses it, trying again changes nothing). At most
// MaximumQueued alerts wait; past that the oldest is dropped and said so.
//
// Lives on the thread that uses it (never the GUI's): its network access
// and timers run there.
class WebhookSender : public QObject
{
    Q_OBJECT
public:
    static constexpr int MaximumQueued = 100;

    explicit WebhookSender(const QUrl &url, QObject *parent = nullptr);
    ~WebhookSender() override;

    QUrl url() const { return m_url; }
    void setRetry(const WebhookRetry &retry) { m_retry = retry; }

    // Queues one alert; `id` is its Idempotency-Key, `what` names it in
    // messages ("web-01 DOWN").
    void send(const QByteArray &json, const QString &id, const QString &what);

signals:
    void delivered(const QString &id, int attempts);
    // One sentence: "webhook http://…: delivery failed after 3 attempts:
    // Connection refused (alert: web-01 DOWN)".
    void failed(const QString &id, const QString &message);

private:
    struct Pending
    {
        QByteArray json;
        QString id;
        QString what;
        int attempts = 0;
    };

    void startNext();
    void attempt();
    void finished(QNetworkReply *reply);
    void giveUp(const QString &why);

    QUrl m_url;
    WebhookRetry m_retry;
    QNetworkAccessManager *m_network = nullptr; // made on first use, on this object's thread
    QQueue<Pending> m_queue;
    bool m_busy = false; // the head of the queue is being sent or waits for its retry
    QNetworkReply *m_reply = nullptr;
    QTimer m_retryTimer;
};

} // namespace Loadstar::Monitor
