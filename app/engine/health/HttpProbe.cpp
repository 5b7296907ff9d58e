#include "HttpProbe.h"

#include <QHostAddress>

namespace Loadstar::Health {

namespace {

constexpr qsizetype MaxAnswer = 1024 * 1024;
constexpr qsizetype MaxStatusLine = 8192;

} // namespace

HttpProbe::HttpProbe(Scheme scheme, QObject *parent)
    : ConnectionProbe(parent)
    , m_scheme(scheme)
{
}

ConnectionProbe::Transport HttpProbe::transport() const
{
    return m_scheme == Scheme::Https ? Transport::Tls : Transport::Plain;
}

QByteArray HttpProbe::request() const
{
    const Engine::CheckConfig &check = target().check;
    QString host = check.httpHost;
    if (host.isEmpty()) {
        const QHostAddress address(target().address);
        host = address.protocol() == QAbstractSocket::IPv6Protocol
            ? QStringLiteral("[%1]").arg(target().address)
            : target().address;
        const quint16 defaultPort = m_scheme == Scheme::Https ? 443 : 80;
        if (target().port != defaultPort)
            host += QStringLiteral(":%1").arg(target().port);
    }
    const QString path = check.httpPath.isEmpty() ? QStringLiteral("/") : check.httpPath;
    const QString method = check.httpMethod.isEmpty() ? QStringLiteral("GET") : check.httpMethod;
    return QStringLiteral("%1 %2 HTTP/1.0\r\nHost: %3\r\nConnection: close\r\nUser-Agent: Loadstar health check\r\n\r\n")
        .arg(method, path, host)
        .toLatin1();
}

void HttpProbe::onReady()
{
    m_headEnd = -1;
    m_contentLength = -1;
    if (m_scheme == Scheme::Https && !acceptCertificate())
        return;
    send(request());
}

void HttpProbe::onData()
{
    const QByteArray &answer = buffer();
    if (!answer.startsWith(QByteArray("HTTP/").left(answer.size()))) {
        finish(CheckCode::L7RSP, QStringLiteral("The answer is not HTTP: “%1”").arg(sampleOf(answer)));
        return;
    }
    if (result().httpStatus == 0) {
        const qsizetype lineEnd = answer.indexOf('\n');
        if (lineEnd < 0) {
            if (answer.size() > MaxStatusLine)
                finish(CheckCode::L7RSP, QStringLiteral("The HTTP status line is too long"));
            return;
        }
        // "HTTP/1.1 503 Service Unavailable"
        const QList<QByteArray> parts = answer.left(lineEnd).trimmed().split(' ');
        bool ok = false;
        const int status = parts.size() >= 2 && parts.at(1).size() == 3 ? parts.at(1).toInt(&ok) : 0;
        if (!ok || status < 100) {
            finish(CheckCode::L7RSP, QStringLiteral("Invalid HTTP status line: “%1”").arg(sampleOf(answer.left(lineEnd))));
            return;
        }
        result().httpStatus = status;
        const Engine::CheckConfig &check = target().check;
        if (status < check.expectLow || status > check.expectHigh) {
            finish(CheckCode::L7STS, QStringLiteral("HTTP status %1 (expected %2–%3)")
                                         .arg(status).arg(check.expectLow).arg(check.expectHigh));
            return;
        }
        if (check.expectBody.isEmpty()) {
            finish(CheckCode::L7OK, QStringLiteral("HTTP status %1").arg(status));
            return;
        }
    }
    if (m_headEnd < 0) {
        const qsizetype end = answer.indexOf("\r\n\r\n");
        if (end < 0) {
            if (answer.size() > MaxAnswer)
                finish(CheckCode::L7RSP, QStringLiteral("The HTTP head is larger than 1 MiB"));
            return;
        }
        m_headEnd = int(end + 4);
        for (const QByteArray &line : answer.left(end).split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare("content-length", Qt::CaseInsensitive) == 0)
                m_contentLength = line.mid(colon + 1).trimmed().toLongLong();
        }
    }
    const qsizetype bodySize = answer.size() - m_headEnd;
    judgeBody((m_contentLength >= 0 && bodySize >= m_contentLength) || bodySize > MaxAnswer);
}

void HttpProbe::judgeBody(bool complete)
{
    const QString &expected = target().check.expectBody;
    const QByteArray body = buffer().mid(m_headEnd);
    if (body.contains(expected.toUtf8())) {
        finish(CheckCode::L7OK, QStringLiteral("HTTP status %1, the body contains “%2”")
                                    .arg(result().httpStatus).arg(expected));
    } else if (complete) {
        finish(CheckCode::L7RSP, QStringLiteral("HTTP status %1, but the body does not contain “%2”")
                                     .arg(result().httpStatus).arg(expected));
    }
}

void HttpProbe::onClosed()
{
    if (m_headEnd >= 0) {
        judgeBody(true);
        return;
    }
    if (result().httpStatus != 0) {
        finish(CheckCode::L7RSP, QStringLiteral("The server closed the connection in the middle of the HTTP head"));
        return;
    }
    ConnectionProbe::onClosed();
}

} // namespace Loadstar::Health
