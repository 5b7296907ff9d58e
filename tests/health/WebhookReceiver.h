#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QTcpServer>
#include <QUrl>

class QTcpSocket;

namespace Loadstar::Test {

// A webhook's receiving end on 127.0.0.1: reads each HTTP/1.1 request up to
// its Content-Length, keeps it, and answers with the next status it was
// told to (200 once the list is used up), closing the connection. It lives
// in the test's thread and works while the test waits with QTRY_*.
class WebhookReceiver : public QTcpServer
{
    Q_OBJECT
public:
    struct Request
    {
        QByteArray method;
        QByteArray path;
        QHash<QByteArray, QByteArray> headers; // names in lower case
        QByteArray body;
        QJsonObject json; // the body, when it is a JSON object
    };

    explicit WebhookReceiver(QObject *parent = nullptr);
    ~WebhookReceiver() override;

    bool start(); // listens on a free port of 127.0.0.1
    QUrl url() const; // http://127.0.0.1:PORT/hook

    // The answers to the next requests, in order: {500, 500} fails two.
    void setStatuses(QList<int> statuses) { m_statuses = std::move(statuses); }

    const QList<Request> &requests() const { return m_requests; }
    int count() const { return int(m_requests.size()); }
    // The JSON field `key` of every request, in order.
    QStringList field(const QString &key) const;

signals:
    void received();

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void onData(QTcpSocket *socket);

    QList<int> m_statuses;
    QList<Request> m_requests;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

} // namespace Loadstar::Test
