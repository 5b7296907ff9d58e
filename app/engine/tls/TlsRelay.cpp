#include "TlsRelay.h"

#include <QHostAddress>
#include <QHostInfo>
#include <QPointer>
#include <QRegularExpression>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpServer>
#include <QTimer>

#include <array>
#include <map>
#include <memory>

namespace Loadstar::Engine {

namespace detail {

namespace {

constexpr qsizetype MaxRedirectHead = 8192;

QString endpointText(const QString &address, quint16 port)
{
    return address.contains(QLatin1Char(':')) ? QStringLiteral("[%1]:%2").arg(address).arg(port)
                                              : QStringLiteral("%1:%2").arg(address).arg(port);
}

// Bytes a socket still has to send, the encrypted ones of a TLS socket
// included: what the other side's reads are held back by.
qint64 pendingWrite(const QTcpSocket *socket)
{
    const auto *tls = qobject_cast<const QSslSocket *>(socket);
    return socket->bytesToWrite() + (tls ? tls->encryptedBytesToWrite() : 0);
}

// The same configuration for every TLS socket of the relay: no peer
// verification (HAProxy's check-ssl default, and the demo's certificates
// are self-signed).
QSslConfiguration tlsConfiguration(const TlsIdentity *identity)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    if (identity) {
        configuration.setLocalCertificateChain(identity->chain);
        configuration.setPrivateKey(identity->key);
    }
    return configuration;
}

// Where a redirected request goes: https://HOST[:PORT]/path, HOST from the
// request's Host field (without its port), else `fallbackHost`.
QByteArray redirectLocation(const QByteArray &head, const QString &fallbackHost, quint16 httpsPort)
{
    static const QRegularExpression hostPattern(QStringLiteral("^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$"));
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    QByteArray path = requestLine.value(1);
    // An absolute form ("http://host/x") keeps its path.
    if (path.startsWith("http://") || path.startsWith("https://")) {
        const qsizetype slash = path.indexOf('/', path.indexOf("//") + 2);
        path = slash < 0 ? QByteArray("/") : path.mid(slash);
    }
    if (!path.startsWith('/'))
        path = "/";
    QString host;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().compare("host", Qt::CaseInsensitive) == 0) {
            const QRegularExpressionMatch match = hostPattern.match(QString::fromLatin1(line.mid(colon + 1).trimmed()));
            if (match.hasMatch())
                host = match.captured(1);
            break;
        }
    }
    if (host.isEmpty())
        host = fallbackHost.contains(QLatin1Char(':')) ? QStringLiteral("[%1]").arg(fallbackHost) : fallbackHost;
    QByteArray location = "https://" + host.toLatin1();
    if (httpsPort != 443)
        location += ':' + QByteArray::number(httpsPort);
    return location + path;
}

} // namespace

// A route as it stands, shared by its listener and the connections it
// accepted (which may outlive it), with its counters.
struct RouteState
{
    TlsRoute route;
    TlsRouteStats stats;
    const TlsRelay::Gate *gate = nullptr; // the worker's
};

// One accepted connection of a Terminate or Originate route and the
// connection it opened to the target, piped both ways with bounded
// buffers. It deletes itself once both sides are closed.
class Tunnel final : public QObject
{
public:
    Tunnel(std::shared_ptr<RouteState> state, QObject *parent)
        : QObject(parent)
        , m_state(std::move(state))
        , m_route(m_state->route)
    {
        ++m_state->stats.accepted;
        ++m_state->stats.open;
        m_timer.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this, [this] { fail(); });
    }
    ~Tunnel() override { --m_state->stats.open; }

    const RouteState *state() const { return m_state.get(); }
    // Both sides go at once (a reset where a side was still open).
    void finish()
    {
        if (m_done)
            return;
        m_done = true;
        m_timer.stop();
        for (QTcpSocket *socket : {m_client, m_target}) {
            if (socket) {
                socket->disconnect(this);
                socket->abort();
            }
        }
        deleteLater();
    }

    void start(qintptr descriptor)
    {
        const bool terminate = m_route.kind == TlsRoute::Kind::Terminate;
        m_client = terminate ? new QSslSocket(this) : new QTcpSocket(this);
        m_client->setReadBufferSize(TlsRelay::BufferBytes);
        if (!m_client->setSocketDescriptor(descriptor)) {
            finish();
            return;
        }
        if (terminate && !admitted()) {
            ++m_state->stats.refused;
            finish();
            return;
        }
        m_timer.start(m_route.timeoutMs);
        if (terminate) {
            auto *tls = static_cast<QSslSocket *>(m_client);
            tls->setSslConfiguration(tlsConfiguration(&m_route.identity));
            connect(tls, &QSslSocket::encrypted, this, &Tunnel::connectTarget);
            connect(tls, &QAbstractSocket::errorOccurred, this, &Tunnel::beforePiping);
            tls->startServerEncryption();
        } else {
            connect(m_client, &QAbstractSocket::errorOccurred, this, &Tunnel::beforePiping);
            connectTarget();
        }
    }

private:
    // The gate's verdict on the client's real source (the firewall in front
    // of a load balancer), before a byte is read.
    bool admitted() const
    {
        const TlsRelay::Gate *gate = m_state->gate;
        return !gate || !*gate || (*gate)(m_route.name, m_client->peerAddress());
    }

    // The client is there (and for Terminate, its handshake is done): the
    // other side opens — encrypted for Originate.
    void connectTarget()
    {
        if (m_route.kind == TlsRoute::Kind::Terminate) {
            m_target = new QTcpSocket(this);
            m_target->setReadBufferSize(TlsRelay::BufferBytes);
            connect(m_target, &QAbstractSocket::connected, this, &Tunnel::startPiping);
            connect(m_target, &QAbstractSocket::errorOccurred, this, &Tunnel::beforePiping);
            m_target->connectToHost(m_route.targetAddress, m_route.targetPort);
            return;
        }
        auto *tls = new QSslSocket(this);
        m_target = tls;
        tls->setReadBufferSize(TlsRelay::BufferBytes);
        tls->setSslConfiguration(tlsConfiguration(nullptr));
        connect(tls, &QSslSocket::encrypted, this, &Tunnel::startPiping);
        connect(tls, &QAbstractSocket::errorOccurred, this, &Tunnel::beforePiping);
        tls->connectToHostEncrypted(m_route.targetAddress, m_route.targetPort,
                                    m_route.peerName.isEmpty() ? m_route.targetAddress : m_route.peerName);
    }

    // Something failed while the tunnel was being set up: the client's TLS
    // handshake, or the connection to the target.
    void beforePiping()
    {
        if (!m_piping)
            fail();
    }

    void fail()
    {
        if (m_done)
            return;
        const bool clientSide = m_route.kind == TlsRoute::Kind::Terminate && !m_target;
        if (clientSide)
            ++m_state->stats.handshakeFailures;
        else
            ++m_state->stats.upstreamFailures;
        finish();
    }

    void startPiping()
    {
        m_timer.stop();
        m_piping = true;
        for (QTcpSocket *socket : {m_client, m_target}) {
            disconnect(socket, &QAbstractSocket::errorOccurred, this, nullptr);
            connect(socket, &QIODevice::readyRead, this, &Tunnel::pump);
            connect(socket, &QIODevice::bytesWritten, this, &Tunnel::pump);
            connect(socket, &QAbstractSocket::disconnected, this, &Tunnel::pump);
            connect(socket, &QAbstractSocket::errorOccurred, this, &Tunnel::onError);
            if (auto *tls = qobject_cast<QSslSocket *>(socket))
                connect(tls, &QSslSocket::encryptedBytesWritten, this, &Tunnel::pump);
        }
        pump();
    }

    void onError(QAbstractSocket::SocketError error)
    {
        // A close arrives as disconnected() too; anything else (a reset) is
        // passed on as a reset.
        if (error == QAbstractSocket::RemoteHostClosedError)
            pump();
        else
            finish();
    }

    // Moves what one side has read to the other, as long as the other has
    // less than a buffer to send; the rest waits in the reader's bounded
    // buffer, and the kernel's, until bytesWritten calls again.
    static void move(QTcpSocket *from, QTcpSocket *to)
    {
        thread_local std::array<char, 16384> chunk;
        while (from->bytesAvailable() > 0 && to->state() == QAbstractSocket::ConnectedState) {
            const qint64 room = TlsRelay::BufferBytes - pendingWrite(to);
            if (room <= 0)
                return;
            const qint64 got = from->read(chunk.data(), qMin<qint64>(room, qint64(chunk.size())));
            if (got <= 0)
                return;
            to->write(chunk.data(), got);
        }
    }

    void pump()
    {
        if (m_done || !m_piping)
            return;
        move(m_client, m_target);
        move(m_target, m_client);
        // A side that closed and whose bytes all went on closes the other,
        // after the other has sent what it holds.
        for (auto [closed, other] : {std::pair{m_client, m_target}, std::pair{m_target, m_client}}) {
            if (closed->state() == QAbstractSocket::UnconnectedState && closed->bytesAvailable() == 0
                && other->state() == QAbstractSocket::ConnectedState) {
                other->disconnectFromHost();
            }
        }
        if (m_client->state() == QAbstractSocket::UnconnectedState
            && m_target->state() == QAbstractSocket::UnconnectedState) {
            finish();
        }
    }

    std::shared_ptr<RouteState> m_state;
    const TlsRoute m_route; // as it was when the connection came
    QTcpSocket *m_client = nullptr;
    QTcpSocket *m_target = nullptr;
    QTimer m_timer; // the handshake and the connection to the target
    bool m_piping = false;
    bool m_done = false;
};

// One plain HTTP connection of a Redirect route: each request head gets
// its 301, then the connection closes.
class RedirectExchange final : public QObject
{
public:
    RedirectExchange(std::shared_ptr<RouteState> state, QObject *parent)
        : QObject(parent)
        , m_state(std::move(state))
    {
        ++m_state->stats.accepted;
        ++m_state->stats.open;
        m_timer.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this, &RedirectExchange::finish);
    }
    ~RedirectExchange() override { --m_state->stats.open; }

    const RouteState *state() const { return m_state.get(); }

    void start(qintptr descriptor)
    {
        m_socket = new QTcpSocket(this);
        m_socket->setReadBufferSize(MaxRedirectHead);
        if (!m_socket->setSocketDescriptor(descriptor)) {
            finish();
            return;
        }
        connect(m_socket, &QIODevice::readyRead, this, &RedirectExchange::onData);
        connect(m_socket, &QAbstractSocket::disconnected, this, &RedirectExchange::finish);
        m_timer.start(m_state->route.timeoutMs);
    }

    void finish()
    {
        if (m_done)
            return;
        m_done = true;
        if (m_socket) {
            m_socket->disconnect(this);
            m_socket->abort();
        }
        deleteLater();
    }

private:
    void onData()
    {
        m_head += m_socket->read(MaxRedirectHead + 1 - m_head.size());
        const bool complete = m_head.contains("\r\n\r\n") || m_head.contains("\n\n");
        if (!complete && m_head.size() <= MaxRedirectHead)
            return;
        disconnect(m_socket, &QIODevice::readyRead, this, nullptr);
        m_timer.stop();
        if (complete) {
            const TlsRoute &route = m_state->route;
            ++m_state->stats.redirects;
            m_socket->write("HTTP/1.1 301 Moved Permanently\r\nLocation: "
                            + redirectLocation(m_head, route.targetAddress, route.targetPort)
                            + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        } else {
            m_socket->write("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
        m_socket->disconnectFromHost();
    }

    std::shared_ptr<RouteState> m_state;
    QTcpSocket *m_socket = nullptr;
    QTimer m_timer;
    QByteArray m_head;
    bool m_done = false;
};

// A route's listening socket: each connection it accepts becomes a Tunnel
// or a RedirectExchange, parented to the worker so it outlives the listener.
class RouteListener final : public QTcpServer
{
public:
    RouteListener(std::shared_ptr<RouteState> state, QObject *connections)
        : m_state(std::move(state))
        , m_connections(connections)
    {}

    const std::shared_ptr<RouteState> &state() const { return m_state; }
    // The port it listens on, or listened on while closed.
    quint16 port()
    {
        if (isListening())
            m_port = serverPort();
        return m_port;
    }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        if (m_state->route.kind == TlsRoute::Kind::Redirect)
            (new RedirectExchange(m_state, m_connections))->start(descriptor);
        else
            (new Tunnel(m_state, m_connections))->start(descriptor);
    }

private:
    std::shared_ptr<RouteState> m_state;
    QObject *m_connections;
    quint16 m_port = 0;
};

// The relay's routes, on the relay's thread.
class TlsRelayWorker final : public QObject
{
public:
    bool apply(const QList<TlsRoute> &routes, QString *error)
    {
        std::map<QString, std::unique_ptr<RouteListener>> kept;
        QList<TlsRoute> fresh;
        for (const TlsRoute &route : routes) {
            const auto it = m_listeners.find(route.name);
            if (it != m_listeners.end() && sameListener(it->second->state()->route, route)) {
                it->second->state()->route = route;
                kept.insert(std::move(*it));
                m_listeners.erase(it);
            } else {
                fresh.append(route);
            }
        }
        m_listeners = std::move(kept); // the others close here
        std::map<QString, std::unique_ptr<RouteListener>> opened;
        for (const TlsRoute &route : fresh) {
            auto state = std::make_shared<RouteState>();
            state->route = route;
            state->stats.name = route.name;
            state->gate = &m_gate;
            auto listener = std::make_unique<RouteListener>(state, this);
            if (!listen(*listener, route, error))
                return false; // `opened` closes again
            opened.emplace(route.name, std::move(listener));
        }
        m_listeners.merge(opened);
        return true;
    }

    void setGate(TlsRelay::Gate gate) { m_gate = std::move(gate); }

    bool setListening(const QString &route, bool listening, QString *error)
    {
        const auto it = m_listeners.find(route);
        if (it == m_listeners.end()) {
            if (error)
                *error = QStringLiteral("There is no TLS listener named “%1” running.").arg(route);
            return false;
        }
        RouteListener &listener = *it->second;
        if (listener.isListening() == listening)
            return true;
        if (listening) {
            TlsRoute where = listener.state()->route;
            where.listenPort = listener.port(); // the port it had, for one configured as 0
            return listen(listener, where, error);
        }
        listener.close();
        for (QObject *child : children()) {
            if (auto *tunnel = dynamic_cast<Tunnel *>(child); tunnel && tunnel->state() == listener.state().get())
                tunnel->finish();
            else if (auto *exchange = dynamic_cast<RedirectExchange *>(child);
                     exchange && exchange->state() == listener.state().get())
                exchange->finish();
        }
        return true;
    }

    void closeAll()
    {
        m_listeners.clear();
        // Every tunnel and exchange is a child; they go with their sockets.
        qDeleteAll(children());
    }

    quint16 port(const QString &route) const
    {
        const auto it = m_listeners.find(route);
        return it == m_listeners.end() ? 0 : it->second->port();
    }

    QList<TlsRouteStats> stats() const
    {
        QList<TlsRouteStats> list;
        for (const auto &[name, listener] : m_listeners)
            list.append(listener->state()->stats);
        return list;
    }

private:
    static bool sameListener(const TlsRoute &a, const TlsRoute &b)
    {
        return a.kind == b.kind && a.listenAddress == b.listenAddress && a.listenPort == b.listenPort;
    }

    static bool listen(RouteListener &listener, const TlsRoute &route, QString *error)
    {
        const auto fail = [&](const QString &why) {
            if (error) {
                *error = QStringLiteral("Cannot listen on %1 for %2: %3.")
                             .arg(endpointText(route.listenAddress, route.listenPort), route.name, why);
            }
            return false;
        };
        QHostAddress address(route.listenAddress);
        if (address.isNull()) {
            // A name, looked up once on this thread (never the GUI's).
            const QList<QHostAddress> found = QHostInfo::fromName(route.listenAddress).addresses();
            if (found.isEmpty()) {
                if (error)
                    *error = QStringLiteral("Cannot find the address “%1” of %2.").arg(route.listenAddress, route.name);
                return false;
            }
            address = found.first();
        }
        if (listener.listen(address, route.listenPort)) {
            listener.port();
            return true;
        }
        switch (listener.serverError()) {
        case QAbstractSocket::AddressInUseError:
            return fail(QStringLiteral("the port is already in use"));
        case QAbstractSocket::SocketAddressNotAvailableError:
            return fail(QStringLiteral("%1 is not an address of this machine").arg(route.listenAddress));
        case QAbstractSocket::SocketAccessError:
            return fail(QStringLiteral("ports below 1024 need administrator rights"));
        default:
            return fail(listener.errorString());
        }
    }

    std::map<QString, std::unique_ptr<RouteListener>> m_listeners;
    TlsRelay::Gate m_gate;
};

} // namespace detail

TlsRelay::TlsRelay()
    : m_worker(new detail::TlsRelayWorker)
{
    m_thread.setObjectName(QStringLiteral("tls relay"));
    m_worker->moveToThread(&m_thread);
}

TlsRelay::~TlsRelay()
{
    stop();
    delete m_worker; // the thread has finished: nothing else touches it
}

template<typename Work>
auto TlsRelay::onWorker(Work work) const
{
    using Result = decltype(work());
    if (!m_thread.isRunning())
        return work();
    Result result{};
    QMetaObject::invokeMethod(m_worker, [&] { result = work(); }, Qt::BlockingQueuedConnection);
    return result;
}

bool TlsRelay::apply(const QList<TlsRoute> &routes, QString *error)
{
    if (!m_thread.isRunning()) {
        if (routes.isEmpty())
            return true;
        m_thread.start();
    }
    QString message;
    const bool ok = onWorker([&] { return m_worker->apply(routes, &message); });
    if (!ok && error)
        *error = message;
    return ok;
}

void TlsRelay::setGate(Gate gate)
{
    onWorker([&] {
        m_worker->setGate(std::move(gate));
        return true;
    });
}

bool TlsRelay::setListening(const QString &route, bool listening, QString *error)
{
    QString message;
    const bool ok = onWorker([&] { return m_worker->setListening(route, listening, &message); });
    if (!ok && error)
        *error = message;
    return ok;
}

void TlsRelay::stop()
{
    if (!m_thread.isRunning())
        return;
    QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->closeAll(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

bool TlsRelay::isRunning() const
{
    return m_thread.isRunning();
}

quint16 TlsRelay::listenPort(const QString &route) const
{
    return onWorker([&] { return m_worker->port(route); });
}

QList<TlsRouteStats> TlsRelay::stats() const
{
    return onWorker([&] { return m_worker->stats(); });
}

} // namespace Loadstar::Engine
