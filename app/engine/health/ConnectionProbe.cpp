#include "ConnectionProbe.h"

#include <QDateTime>
#include <QSslCertificate>
#include <QSslSocket>
#include <QStringList>
#include <QTcpSocket>

#include <sys/socket.h>

#include <utility>

namespace Loadstar::Health {

namespace {

// RFC 6761: names under .invalid never resolve, and resolvers should say so
// at once rather than ask a DNS server.
bool isReservedInvalidName(const QString &host)
{
    return host.compare(QLatin1String("invalid"), Qt::CaseInsensitive) == 0
        || host.endsWith(QLatin1String(".invalid"), Qt::CaseInsensitive);
}

QString days(qint64 count)
{
    return count == 1 ? QStringLiteral("1 day") : QStringLiteral("%1 days").arg(count);
}

bool isUntrusted(QSslError::SslError error)
{
    switch (error) {
    case QSslError::SelfSignedCertificate:
    case QSslError::SelfSignedCertificateInChain:
    case QSslError::UnableToGetLocalIssuerCertificate:
    case QSslError::UnableToGetIssuerCertificate:
    case QSslError::UnableToVerifyFirstCertificate:
    case QSslError::CertificateUntrusted:
        return true;
    default:
        return false;
    }
}

} // namespace

QString sampleOf(const QByteArray &bytes)
{
    QString sample;
    for (const char c : bytes.left(40))
        sample += (c >= 0x20 && c < 0x7f) ? QChar::fromLatin1(c) : QChar(u'·');
    return sample;
}

ConnectionProbe::ConnectionProbe(QObject *parent)
    : Probe(parent)
    , m_timer(this)
{
    m_timer.setSingleShot(true);
    // A coarse timer may fire up to 5 % early: a check must get all its time.
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &ConnectionProbe::onTimeout);
}

ConnectionProbe::~ConnectionProbe()
{
    dropSocket();
}

void ConnectionProbe::start(const ProbeTarget &target)
{
    cancel();
    m_target = target;
    m_result = CheckResult{};
    m_buffer.clear();
    m_sslErrors.clear();
    m_phase = Phase::Connecting;
    m_clock.start();
    m_timer.start(std::max(1, target.check.timeout));

    if (isReservedInvalidName(target.address)) {
        finishSoon(CheckCode::L4CON,
                   QStringLiteral("host name “%1” could not be resolved").arg(target.address));
        return;
    }

    if (transport() == Transport::Tls) {
        auto *socket = new QSslSocket(this);
        // Collect what is wrong with the certificate, but finish the handshake:
        // acceptCertificate() judges it.
        socket->setPeerVerifyMode(QSslSocket::VerifyPeer);
        connect(socket, &QSslSocket::sslErrors, this, [this, socket](const QList<QSslError> &errors) {
            m_sslErrors += errors;
            socket->ignoreSslErrors();
        });
        connect(socket, &QSslSocket::encrypted, this, &ConnectionProbe::onEncrypted);
        m_socket = socket;
    } else if (m_spare) {
        m_socket = std::exchange(m_spare, nullptr);
    } else {
        m_socket = new QTcpSocket(this);
    }
    connect(m_socket, &QAbstractSocket::connected, this, &ConnectionProbe::onConnected, Qt::UniqueConnection);
    connect(m_socket, &QAbstractSocket::readyRead, this, &ConnectionProbe::onReadyRead, Qt::UniqueConnection);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, &ConnectionProbe::onSocketError, Qt::UniqueConnection);

    if (transport() == Transport::Tls) {
        const QString peerName = target.check.httpHost.isEmpty() ? target.address : target.check.httpHost;
        static_cast<QSslSocket *>(m_socket)->connectToHostEncrypted(target.address, target.port, peerName);
    } else {
        m_socket->connectToHost(target.address, target.port);
    }
}

void ConnectionProbe::cancel()
{
    ++m_generation;
    m_timer.stop();
    m_phase = Phase::Idle;
    dropSocket();
}

void ConnectionProbe::onClosed()
{
    if (m_buffer.isEmpty())
        finish(CheckCode::L7RSP, QStringLiteral("The server closed the connection without answering"));
    else
        finish(CheckCode::L7RSP,
               QStringLiteral("The server closed the connection before a complete answer: “%1”")
                   .arg(sampleOf(m_buffer)));
}

void ConnectionProbe::finish(CheckCode code, const QString &reason)
{
    if (m_phase == Phase::Idle)
        return;
    m_phase = Phase::Idle;
    ++m_generation;
    m_timer.stop();
    dropSocket();
    m_result.code = code;
    m_result.reason = reason;
    m_result.durationMs = int(m_clock.elapsed());
    emit finished(m_result);
}

// A verdict known before any I/O still arrives after start() returns, as
// every other verdict does.
void ConnectionProbe::finishSoon(CheckCode code, const QString &reason)
{
    const quint64 generation = m_generation;
    QMetaObject::invokeMethod(this, [this, generation, code, reason] {
        if (generation == m_generation)
            finish(code, reason);
    }, Qt::QueuedConnection);
}

void ConnectionProbe::send(const QByteArray &bytes)
{
    if (m_socket)
        m_socket->write(bytes);
}

void ConnectionProbe::onConnected()
{
    if (!m_socket)
        return;
    if (transport() == Transport::Tls) {
        m_phase = Phase::Handshaking;
        return;
    }
    m_phase = Phase::Talking;
    onReady();
}

void ConnectionProbe::onEncrypted()
{
    m_phase = Phase::Talking;
    onReady();
}

void ConnectionProbe::onReadyRead()
{
    if (m_phase != Phase::Talking || !m_socket)
        return;
    m_buffer += m_socket->readAll();
    onData();
}

void ConnectionProbe::onSocketError(QAbstractSocket::SocketError error)
{
    if (!m_socket)
        return;
    const QString what = m_socket->errorString();
    switch (m_phase) {
    case Phase::Idle:
        return;
    case Phase::Connecting:
        switch (error) {
        case QAbstractSocket::ConnectionRefusedError:
            finish(CheckCode::L4CON, QStringLiteral("Connection refused"));
            return;
        case QAbstractSocket::HostNotFoundError:
            finish(CheckCode::L4CON,
                   QStringLiteral("host name “%1” could not be resolved").arg(m_target.address));
            return;
        case QAbstractSocket::SocketTimeoutError:
            finish(CheckCode::L4TOUT, what);
            return;
        case QAbstractSocket::SocketResourceError:
        case QAbstractSocket::SocketAccessError:
        case QAbstractSocket::UnsupportedSocketOperationError:
        case QAbstractSocket::AddressInUseError:
        case QAbstractSocket::SocketAddressNotAvailableError:
            finish(CheckCode::SockErr, what);
            return;
        default:
            finish(CheckCode::L4CON, what);
            return;
        }
    case Phase::Handshaking:
        if (error == QAbstractSocket::RemoteHostClosedError) {
            finish(CheckCode::L6RSP, QStringLiteral("TLS handshake failed: the server closed the connection (not TLS?)"));
        } else if (what.contains(QLatin1String("wrong version number"))
                   || what.contains(QLatin1String("packet length too long"))
                   || what.contains(QLatin1String("record layer failure"))) {
            finish(CheckCode::L6RSP, QStringLiteral("TLS handshake failed: the server does not speak TLS (%1)").arg(what));
        } else {
            finish(CheckCode::L6RSP, QStringLiteral("TLS handshake failed: %1").arg(what));
        }
        return;
    case Phase::Talking:
        if (error == QAbstractSocket::RemoteHostClosedError) {
            m_buffer += m_socket->readAll();
            onData();
            if (!isFinished())
                onClosed();
            return;
        }
        finish(CheckCode::L7RSP, QStringLiteral("Connection error before a complete answer: %1").arg(what));
        return;
    }
}

void ConnectionProbe::onTimeout()
{
    const int timeout = m_target.check.timeout;
    switch (m_phase) {
    case Phase::Idle:
        return;
    case Phase::Connecting:
        finish(CheckCode::L4TOUT, QStringLiteral("Connection not established within %1 ms").arg(timeout));
        return;
    case Phase::Handshaking:
        finish(CheckCode::L6TOUT, QStringLiteral("TLS handshake not done within %1 ms").arg(timeout));
        return;
    case Phase::Talking:
        finish(CheckCode::L7TOUT, QStringLiteral("No complete answer within %1 ms").arg(timeout));
        return;
    }
}

void ConnectionProbe::dropSocket()
{
    if (!m_socket)
        return;
    QTcpSocket *socket = m_socket;
    m_socket = nullptr;
    // A polite close (FIN) when connected, unless the check ends with a
    // reset.
    const bool polite = socket->state() == QAbstractSocket::ConnectedState && !resetsConnection();
    if (polite) {
        socket->disconnect(this);
        socket->disconnectFromHost();
    } else {
        if (socket->state() == QAbstractSocket::ConnectedState) {
            const linger reset{1, 0}; // close() sends RST
            ::setsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        }
        socket->abort();
    }
    // A plain socket closed at once serves the next check (a socket object
    // per check costs more than the check at 1,000 checks a second); its
    // signals stay connected and find no m_socket meanwhile. Others are
    // deleted once back in the event loop, since this may run inside one of
    // the socket's own signals.
    if (!polite && !qobject_cast<QSslSocket *>(socket) && !m_spare) {
        m_spare = socket;
        return;
    }
    socket->disconnect(this);
    socket->deleteLater();
}

bool ConnectionProbe::acceptCertificate()
{
    auto *socket = qobject_cast<QSslSocket *>(m_socket);
    const QSslCertificate certificate = socket ? socket->peerCertificate() : QSslCertificate();
    if (certificate.isNull()) {
        finish(CheckCode::L6RSP, QStringLiteral("The server sent no certificate"));
        return false;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const qint64 secondsLeft = now.secsTo(certificate.expiryDate());
    // Whole days, rounded down, also for the past: expired 1 hour ago is -1.
    const qint64 daysLeft = secondsLeft >= 0 ? secondsLeft / 86400 : -((-secondsLeft + 86399) / 86400);

    bool untrusted = false;
    bool otherHost = false;
    QStringList errors;
    for (const QSslError &error : std::as_const(m_sslErrors)) {
        untrusted = untrusted || isUntrusted(error.error());
        otherHost = otherHost || error.error() == QSslError::HostNameMismatch;
        errors << error.errorString();
    }
    QVariantMap &details = m_result.details;
    details.insert(QStringLiteral("cert_days_left"), daysLeft);
    details.insert(QStringLiteral("cert_expires"), certificate.expiryDate().toString(Qt::ISODate));
    details.insert(QStringLiteral("cert_subject"), certificate.subjectInfo(QSslCertificate::CommonName).join(QLatin1String(", ")));
    details.insert(QStringLiteral("cert_trusted"), !untrusted);
    details.insert(QStringLiteral("cert_host_match"), !otherHost);
    if (!errors.isEmpty())
        details.insert(QStringLiteral("tls_errors"), errors);

    if (secondsLeft < 0) {
        const qint64 ago = -secondsLeft / 86400;
        finish(CheckCode::L6RSP, ago == 0 ? QStringLiteral("certificate expired less than a day ago")
                                          : QStringLiteral("certificate expired %1 ago").arg(days(ago)));
        return false;
    }
    if (now < certificate.effectiveDate()) {
        finish(CheckCode::L6RSP, QStringLiteral("certificate not valid before %1")
                                     .arg(certificate.effectiveDate().toString(Qt::ISODate)));
        return false;
    }
    const int minDays = m_target.check.certMinDays;
    if (minDays > 0 && daysLeft < minDays) {
        finish(CheckCode::L6RSP, QStringLiteral("certificate expires in %1 (at least %2 wanted)")
                                     .arg(days(daysLeft), days(minDays)));
        return false;
    }
    return true;
}

QString ConnectionProbe::certificateSummary() const
{
    QString summary = QStringLiteral("certificate expires in %1")
                          .arg(days(m_result.details.value(QStringLiteral("cert_days_left")).toLongLong()));
    if (!m_result.details.value(QStringLiteral("cert_trusted")).toBool())
        summary += QStringLiteral(", not signed by a trusted CA");
    if (!m_result.details.value(QStringLiteral("cert_host_match")).toBool())
        summary += QStringLiteral(", issued for another host name");
    return summary;
}

} // namespace Loadstar::Health
