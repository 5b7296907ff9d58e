#include "WebhookReceiver.h"

#include <QJsonDocument>
#include <QTcpSocket>

namespace Loadstar::Test {

WebhookReceiver::WebhookReceiver(QObject *parent)
    : QTcpServer(parent)
{
}

WebhookReceiver::~WebhookReceiver()
{
    for (auto it = m_buffers.cbegin(); it != m_buffers.cend(); ++it)
        it.key()->abort();
}

bool WebhookReceiver::start()
{
    return listen(QHostAddress::LocalHost, 0);
}

QUrl WebhookReceiver::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1/hook").arg(serverPort()));
}

QStringList WebhookReceiver::field(const QString &key) const
{
    QStringList values;
    for (const Request &request : m_requests)
        values.append(request.json.value(key).toString());
    return values;
}

void WebhookReceiver::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    m_buffers.insert(socket, {});
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onData(socket); });
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
        m_buffers.remove(socket);
        socket->deleteLater();
    });
}

void WebhookReceiver::onData(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return;
    Request request;
    const QList<QByteArray> lines = buffer.left(headEnd).split('\n');
    const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
    request.method = requestLine.value(0);
    request.path = requestLine.value(1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines.at(i).indexOf(':');
        if (colon > 0)
            request.headers.insert(lines.at(i).left(colon).trimmed().toLower(), lines.at(i).mid(colon + 1).trimmed());
    }
    const qsizetype length = request.headers.value("content-length").toLongLong();
    if (buffer.size() < headEnd + 4 + length)
        return;
    request.body = buffer.mid(headEnd + 4, length);
    request.json = QJsonDocument::fromJson(request.body).object();
    buffer.clear();
    m_requests.append(request);

    const int status = m_statuses.isEmpty() ? 200 : m_statuses.takeFirst();
    const QByteArray reason = status == 200 ? "OK" : status == 404 ? "Not Found" : status == 500 ? "Internal Server Error" : "Status";
    socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
                  + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    socket->disconnectFromHost();
    emit received();
}

} // namespace Loadstar::Test
