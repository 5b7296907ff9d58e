#include "TestClient.h"

#include <QNetworkProxy>
#include <QTest>

#include <sys/socket.h>

namespace Loadstar::Test {

QByteArray HttpResponse::header(const QByteArray &name) const
{
    for (const auto &[field, value] : headers) {
        if (field.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

TestClient::TestClient(QObject *parent)
    : QObject(parent)
{
    // Loopback only: no system proxy look-up (libproxy's thread).
    m_socket.setProxy(QNetworkProxy::NoProxy);
    connect(&m_socket, &QTcpSocket::readyRead, this, &TestClient::take);
    connect(&m_socket, &QTcpSocket::disconnected, this, [this] {
        take();
        m_closed = true;
    });
    connect(&m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        take();
        if (error == QAbstractSocket::RemoteHostClosedError || error == QAbstractSocket::NetworkError
            || error == QAbstractSocket::ConnectionRefusedError)
            m_closed = true;
    });
}

bool TestClient::connectTo(quint16 port, const QHostAddress &from, int timeoutMs)
{
    if (!from.isNull() && !m_socket.bind(from, 0))
        return false;
    m_socket.connectToHost(QHostAddress::LocalHost, port);
    return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState || m_closed; },
                           timeoutMs)
           && m_socket.state() == QAbstractSocket::ConnectedState;
}

void TestClient::take()
{
    if (!m_socket.isOpen())
        return;
    const QByteArray bytes = m_socket.readAll();
    m_received += bytes.size();
    m_in += bytes;
}

void TestClient::send(const QByteArray &bytes)
{
    m_sent += bytes.size();
    m_socket.write(bytes);
    m_socket.flush();
}

HttpResponse TestClient::readResponse(int timeoutMs, bool headRequest)
{
    HttpResponse response;
    qsizetype size = -1;
    (void)QTest::qWaitFor(
        [&] {
            response = {};
            size = parse(response, headRequest);
            return size >= 0 || m_closed;
        },
        timeoutMs);
    if (size < 0) {
        response = {};
        size = parse(response, headRequest);
    }
    if (size >= 0)
        m_in.remove(0, size);
    return response;
}

HttpResponse TestClient::request(const QByteArray &raw, int timeoutMs)
{
    send(raw);
    return readResponse(timeoutMs, raw.startsWith("HEAD "));
}

HttpResponse TestClient::get(const QByteArray &path, int timeoutMs)
{
    return request("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n", timeoutMs);
}

bool TestClient::waitForClosed(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_closed; }, timeoutMs);
}

void TestClient::close()
{
    m_socket.disconnectFromHost();
}

void TestClient::reset()
{
    const linger option{1, 0};
    ::setsockopt(int(m_socket.socketDescriptor()), SOL_SOCKET, SO_LINGER, &option, sizeof option);
    m_socket.abort();
    m_closed = true;
}

void TestClient::shutdownSend()
{
    m_socket.flush();
    ::shutdown(int(m_socket.socketDescriptor()), SHUT_WR);
}

qsizetype TestClient::parse(HttpResponse &response, bool headRequest) const
{
    const qsizetype headEnd = m_in.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return -1;
    const QList<QByteArray> lines = m_in.left(headEnd).split('\n');
    const QByteArray statusLine = lines.first().trimmed();
    if (!statusLine.startsWith("HTTP/1.") || statusLine.size() < 12)
        return -1;
    response.status = statusLine.mid(9, 3).toInt();
    response.reason = statusLine.mid(13);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            response.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    const qsizetype bodyStart = headEnd + 4;
    if (headRequest || response.status == 204 || response.status == 304 || response.status < 200) {
        response.complete = true;
        return bodyStart;
    }
    if (response.header("Transfer-Encoding").compare("chunked", Qt::CaseInsensitive) == 0) {
        qsizetype at = bodyStart;
        while (true) {
            const qsizetype lineEnd = m_in.indexOf("\r\n", at);
            if (lineEnd < 0)
                return -1;
            bool ok = false;
            const qsizetype size = m_in.mid(at, lineEnd - at).split(';').first().trimmed().toLongLong(&ok, 16);
            if (!ok)
                return -1;
            at = lineEnd + 2;
            if (size == 0) {
                const qsizetype end = m_in.indexOf("\r\n\r\n", at - 2);
                if (end < 0)
                    return -1;
                response.complete = true;
                return end + 4;
            }
            response.body += m_in.mid(at, size);
            if (m_in.size() < at + size + 2)
                return -1;
            at += size + 2;
        }
    }
    const QByteArray length = response.header("Content-Length");
    if (length.isNull()) {
        // Delimited by the close of the connection.
        response.body = m_in.mid(bodyStart);
        if (!m_closed)
            return -1;
        response.complete = true;
        return m_in.size();
    }
    const qsizetype size = length.toLongLong();
    response.body = m_in.mid(bodyStart, size);
    if (m_in.size() < bodyStart + size)
        return -1;
    response.complete = true;
    return bodyStart + size;
}

HttpResponse fetch(quint16 port, const QByteArray &raw, int timeoutMs, const QHostAddress &from)
{
    TestClient client;
    if (!client.connectTo(port, from, timeoutMs))
        return {};
    return client.request(raw, timeoutMs);
}

HttpResponse fetchGet(quint16 port, const QByteArray &path, const QHostAddress &from)
{
    return fetch(port, "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n", 5000, from);
}

} // namespace Loadstar::Test
