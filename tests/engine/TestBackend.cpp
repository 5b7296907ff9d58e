#include "TestBackend.h"

#include <QNetworkProxy>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Loadstar::Test {

namespace {

// Decodes a chunked body at the start of `data`: the payload, and how many
// bytes of `data` the body took; -1 while incomplete.
qsizetype decodeChunked(const QByteArray &data, qsizetype from, QByteArray &payload)
{
    qsizetype at = from;
    while (true) {
        const qsizetype lineEnd = data.indexOf("\r\n", at);
        if (lineEnd < 0)
            return -1;
        bool ok = false;
        const qsizetype size = data.mid(at, lineEnd - at).split(';').first().trimmed().toLongLong(&ok, 16);
        if (!ok)
            return -1;
        at = lineEnd + 2;
        if (size == 0) {
            // Trailers, up to an empty line.
            while (true) {
                const qsizetype end = data.indexOf("\r\n", at);
                if (end < 0)
                    return -1;
                const bool empty = end == at;
                at = end + 2;
                if (empty)
                    return at - from;
            }
        }
        if (data.size() < at + size + 2)
            return -1;
        payload += data.mid(at, size);
        at += size + 2;
    }
}

} // namespace

QByteArray ReceivedRequest::header(const QByteArray &name) const
{
    for (const auto &[field, value] : headers) {
        if (field.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

int ReceivedRequest::headerCount(const QByteArray &name) const
{
    int count = 0;
    for (const auto &field : headers) {
        if (field.first.compare(name, Qt::CaseInsensitive) == 0)
            ++count;
    }
    return count;
}

TestBackend::TestBackend(const QString &name, QObject *parent)
    : QObject(parent)
    , m_name(name)
    , m_server(new QTcpServer(this))
{
    m_server->setProxy(QNetworkProxy::NoProxy);
    connect(m_server, &QTcpServer::newConnection, this, &TestBackend::onNewConnection);
}

TestBackend::~TestBackend()
{
    stop();
}

bool TestBackend::listen(quint16 port)
{
    return m_server->listen(QHostAddress::LocalHost, port);
}

quint16 TestBackend::port() const
{
    return m_server->serverPort();
}

void TestBackend::setMode(Mode mode, int delayMs)
{
    m_mode = mode;
    m_delay = delayMs;
}

void TestBackend::release()
{
    const auto held = std::exchange(m_held, {});
    for (const Held &request : held) {
        if (m_connections.contains(request.socket))
            answer(request.socket, request.target, request.keepAlive);
    }
}

void TestBackend::resetHeld()
{
    const auto held = std::exchange(m_held, {});
    for (const Held &request : held) {
        if (m_connections.contains(request.socket))
            reset(request.socket);
    }
}

void TestBackend::stop()
{
    m_server->close();
    m_held.clear();
    const auto sockets = m_connections.keys();
    m_connections.clear();
    m_inProgress = 0;
    for (QTcpSocket *socket : sockets) {
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
}

void TestBackend::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        m_connections.insert(socket, Connection{++m_accepted, {}, false});
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            forget(socket);
            socket->deleteLater();
        });
    }
}

void TestBackend::onReadyRead(QTcpSocket *socket)
{
    const auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    it->in += socket->readAll();
    process(socket);
}

// Takes whole requests off the connection's input, one at a time: the next
// is looked at once the previous one is answered.
void TestBackend::process(QTcpSocket *socket)
{
    const auto it = m_connections.find(socket);
    if (it == m_connections.end() || it->busy)
        return;
    QByteArray &in = it->in;
    const qsizetype headEnd = in.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return;
    ReceivedRequest request;
    request.connection = it->id;
    const QList<QByteArray> lines = in.left(headEnd).split('\n');
    const QList<QByteArray> first = lines.first().trimmed().split(' ');
    if (first.size() == 3) {
        request.method = first[0];
        request.target = first[1];
        request.version = first[2];
    }
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            request.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    qsizetype consumed = headEnd + 4;
    if (request.header("Transfer-Encoding").compare("chunked", Qt::CaseInsensitive) == 0) {
        const qsizetype size = decodeChunked(in, consumed, request.body);
        if (size < 0)
            return;
        consumed += size;
    } else {
        const qsizetype length = request.header("Content-Length").toLongLong();
        if (in.size() < consumed + length)
            return;
        request.body = in.mid(consumed, length);
        consumed += length;
    }
    in.remove(0, consumed);
    const QByteArray connection = request.header("Connection").toLower();
    const bool keepAlive = request.version == "HTTP/1.1" ? !connection.contains("close")
                                                         : connection.contains("keep-alive");
    m_requests.append(request);
    it->busy = true;
    m_maxInProgress = std::max(m_maxInProgress, ++m_inProgress);
    handle(socket, request, keepAlive);
}

void TestBackend::handle(QTcpSocket *socket, const ReceivedRequest &request, bool keepAlive)
{
    switch (m_mode) {
    case Mode::Answer:
    case Mode::UntilClose:
    case Mode::Chunked:
    case Mode::HugeHead:
        answer(socket, request.target, keepAlive);
        return;
    case Mode::Delay:
        QTimer::singleShot(m_delay, this,
                           [this, socket = QPointer<QTcpSocket>(socket), target = request.target, keepAlive] {
                               if (socket && m_connections.contains(socket))
                                   answer(socket, target, keepAlive);
                           });
        return;
    case Mode::Hold:
        m_held.append({socket, request.target, keepAlive});
        return;
    case Mode::Close:
        socket->disconnectFromHost();
        return;
    case Mode::Reset:
        reset(socket);
        return;
    case Mode::Garbage:
        socket->write("THIS IS NOT HTTP\r\n\r\n");
        socket->flush();
        return;
    case Mode::PartialHold: {
        const QByteArray head = "HTTP/1.1 200 OK\r\nX-Server: " + m_name.toLatin1()
                                + "\r\nContent-Length: 100000\r\n\r\n";
        socket->write(head + QByteArray(1000, 'p'));
        socket->flush();
        m_held.append({socket, request.target, keepAlive});
        return;
    }
    }
}

void TestBackend::answer(QTcpSocket *socket, const QByteArray &target, bool keepAlive)
{
    const QByteArray body = m_body.isNull() ? m_name.toLatin1() : m_body;
    const QByteArray fields = "X-Server: " + m_name.toLatin1() + "\r\nX-Target: " + target + "\r\n";
    QByteArray out;
    if (m_mode == Mode::UntilClose) {
        out = "HTTP/1.0 200 OK\r\n" + fields + "\r\n" + body;
        keepAlive = false;
    } else if (m_mode == Mode::Chunked) {
        out = "HTTP/1.1 200 OK\r\n" + fields + "Transfer-Encoding: chunked\r\n\r\n";
        for (qsizetype at = 0; at < body.size(); at += 7) {
            const QByteArray chunk = body.mid(at, 7);
            out += QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
        }
        out += "0\r\n\r\n";
    } else {
        out = "HTTP/1.1 200 OK\r\n" + fields + "Content-Type: text/plain\r\n";
        if (m_mode == Mode::HugeHead)
            out += "X-Huge: " + QByteArray(20000, 'h') + "\r\n";
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        if (!keepAlive)
            out += "Connection: close\r\n";
        out += "\r\n" + body;
    }
    socket->write(out);
    if (!keepAlive) {
        socket->disconnectFromHost(); // after what is written has gone out
        return;
    }
    const auto it = m_connections.find(socket);
    if (it != m_connections.end()) {
        it->busy = false;
        --m_inProgress;
        if (!it->in.isEmpty())
            process(socket);
    }
}

// An RST instead of a FIN: SO_LINGER with a zero timeout, then close.
void TestBackend::reset(QTcpSocket *socket)
{
    socket->flush();
    const linger option{1, 0};
    ::setsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &option, sizeof option);
    forget(socket);
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
}

// A connection is gone: it works on nothing any more.
void TestBackend::forget(QTcpSocket *socket)
{
    const auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    if (it->busy)
        --m_inProgress;
    m_connections.erase(it);
    m_held.removeIf([socket](const Held &request) { return request.socket == socket; });
}

RefusingPort::RefusingPort()
    : m_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0))
{
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr *>(&address), size) != 0
        || ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&address), &size) != 0)
        return;
    m_port = ntohs(address.sin_port);
}

RefusingPort::~RefusingPort()
{
    release();
}

void RefusingPort::release()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

} // namespace Loadstar::Test
