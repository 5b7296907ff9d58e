#include "RuntimeApiClient.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QLocalSocket>
#include <QTcpSocket>
#include <QUrl>

#include <functional>

namespace Loadstar::External {

namespace {

// "host:port" or "[v6]:port"; anything else is a Unix socket path.
bool tcpAddressOf(const QString &socket, QString *host, quint16 *port)
{
    if (socket.startsWith(QLatin1Char('/')) || socket.startsWith(QLatin1String("unix@")))
        return false;
    const QUrl url(QStringLiteral("tcp://") + socket);
    if (!url.isValid() || url.host().isEmpty() || url.port() <= 0)
        return false;
    *host = url.host();
    *port = quint16(url.port());
    return true;
}

QString localErrorText(QLocalSocket::LocalSocketError error)
{
    switch (error) {
    case QLocalSocket::ConnectionRefusedError:
        return QStringLiteral("Connection refused");
    case QLocalSocket::ServerNotFoundError:
        return QStringLiteral("No such socket");
    case QLocalSocket::SocketAccessError:
        return QStringLiteral("Permission denied");
    case QLocalSocket::SocketTimeoutError:
        return QStringLiteral("Timed out");
    case QLocalSocket::PeerClosedError:
        return QStringLiteral("Closed by HAProxy");
    default:
        return QStringLiteral("Socket error");
    }
}

QString tcpErrorText(QAbstractSocket::SocketError error, const QString &fallback)
{
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        return QStringLiteral("Connection refused");
    case QAbstractSocket::HostNotFoundError:
        return QStringLiteral("Host not found");
    case QAbstractSocket::SocketTimeoutError:
        return QStringLiteral("Timed out");
    case QAbstractSocket::RemoteHostClosedError:
        return QStringLiteral("Closed by HAProxy");
    default:
        return fallback;
    }
}

// Connects, writes, reads to the end: the same steps over a Unix or a TCP
// socket, each bounded by what is left of the timeout.
template<typename Socket>
std::optional<QByteArray> exchange(Socket &socket, const QByteArray &command, int timeoutMs, QString *why,
                                   const std::function<QString()> &errorText)
{
    QElapsedTimer clock;
    clock.start();
    const auto left = [&] { return std::max(1, int(timeoutMs - clock.elapsed())); };
    if (!socket.waitForConnected(left())) {
        *why = errorText();
        return std::nullopt;
    }
    socket.write(command);
    socket.flush();
    if (socket.bytesToWrite() > 0 && !socket.waitForBytesWritten(left())) {
        *why = errorText();
        return std::nullopt;
    }
    // HAProxy closes the connection after its answer.
    QByteArray answer;
    for (;;) {
        answer += socket.readAll();
        if (socket.state() != Socket::ConnectedState)
            return answer;
        if (clock.elapsed() >= timeoutMs || !socket.waitForReadyRead(left())) {
            answer += socket.readAll();
            if (socket.state() != Socket::ConnectedState)
                return answer;
            *why = QStringLiteral("No answer within %1 ms").arg(timeoutMs);
            return std::nullopt;
        }
    }
}

} // namespace

RuntimeApiClient::RuntimeApiClient(QString socket, int timeoutMs)
    : m_socket(socket.trimmed())
    , m_timeoutMs(timeoutMs)
{
}

std::optional<QByteArray> RuntimeApiClient::send(const QString &command, QString *error) const
{
    const QByteArray line = command.toUtf8() + '\n';
    QString why;
    std::optional<QByteArray> answer;
    QString host;
    quint16 port = 0;
    if (tcpAddressOf(m_socket, &host, &port)) {
        QTcpSocket socket;
        socket.connectToHost(host, port);
        answer = exchange(socket, line, m_timeoutMs, &why,
                          [&socket] { return tcpErrorText(socket.error(), socket.errorString()); });
    } else {
        QLocalSocket socket;
        socket.connectToServer(m_socket);
        answer = exchange(socket, line, m_timeoutMs, &why, [&socket] { return localErrorText(socket.error()); });
    }
    if (!answer && error)
        *error = QStringLiteral("%1 (HAProxy's stats socket %2)").arg(why, m_socket);
    return answer;
}

std::optional<QByteArray> RuntimeApiClient::showStat(QString *error) const
{
    return send(QStringLiteral("show stat"), error);
}

QString RuntimeApiClient::stateWord(State state)
{
    switch (state) {
    case State::Ready:
        return QStringLiteral("ready");
    case State::Drain:
        return QStringLiteral("drain");
    case State::Maint:
        return QStringLiteral("maint");
    }
    return {};
}

bool RuntimeApiClient::act(const QString &command, QString *error) const
{
    QString why;
    const std::optional<QByteArray> answer = send(command, &why);
    if (!answer) {
        if (error)
            *error = QStringLiteral("“%1” did not reach HAProxy: %2.").arg(command, why);
        return false;
    }
    const QString said = QString::fromUtf8(*answer).trimmed();
    if (said.isEmpty())
        return true;
    if (error) {
        // "No such server.", "Permission denied": HAProxy's own sentence.
        QString reason = said.section(QLatin1Char('\n'), 0, 0).trimmed();
        if (reason.endsWith(QLatin1Char('.')))
            reason.chop(1);
        *error = QStringLiteral("HAProxy refused “%1”: %2.").arg(command, reason);
    }
    return false;
}

bool RuntimeApiClient::setServerState(const QString &backend, const QString &server, State state,
                                      QString *error) const
{
    return act(QStringLiteral("set server %1/%2 state %3").arg(backend, server, stateWord(state)), error);
}

bool RuntimeApiClient::setServerWeight(const QString &backend, const QString &server, int weight,
                                       QString *error) const
{
    return act(QStringLiteral("set server %1/%2 weight %3").arg(backend, server).arg(weight), error);
}

bool RuntimeApiClient::disableServer(const QString &backend, const QString &server, QString *error) const
{
    return act(QStringLiteral("disable server %1/%2").arg(backend, server), error);
}

bool RuntimeApiClient::enableServer(const QString &backend, const QString &server, QString *error) const
{
    return act(QStringLiteral("enable server %1/%2").arg(backend, server), error);
}

} // namespace Loadstar::External
