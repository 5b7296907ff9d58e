// Every built-in probe against a real server on loopback: what a healthy
// server gives, and what each kind of bad configuration looks like — the
// HAProxy check code and the sentence a user reads in the event log.

#include "ScriptServer.h"
#include "TestBackend.h"

#include "engine/health/ProbeFactory.h"
#include "engine/health/Probe.h"

#include <QProcess>
#include <QSslCertificate>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QtEndian>
#include <QtTest>

#include <memory>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Loadstar::Test;
using Loadstar::Health::CheckCode;
using Loadstar::Health::CheckResult;
using Loadstar::Health::Probe;
using Loadstar::Health::ProbeTarget;
using Loadstar::Health::checkCodeName;
using Loadstar::Health::createProbe;

namespace {

const QString Tls = QStringLiteral(TEST_DATA_DIR "/tls/");

ProbeTarget targetOn(const QString &type, quint16 port, int timeout = 3000)
{
    ProbeTarget target;
    target.name = QStringLiteral("web-01");
    target.address = QStringLiteral("127.0.0.1");
    target.port = port;
    target.check.type = type;
    target.check.timeout = timeout;
    return target;
}

// One check, start to verdict.
CheckResult check(const ProbeTarget &target)
{
    std::unique_ptr<Probe> probe(createProbe(target.check.type, nullptr));
    QSignalSpy finished(probe.get(), &Probe::finished);
    probe->start(target);
    if (!finished.wait(target.check.timeout + 10000)) {
        CheckResult none;
        none.reason = QStringLiteral("the probe never finished");
        return none;
    }
    return finished.takeFirst().at(0).value<CheckResult>();
}

// "L7STS: HTTP status 503 (expected 200–399)", so a failure shows both.
QString verdict(const CheckResult &result)
{
    return checkCodeName(result.code) + QStringLiteral(": ") + result.reason;
}

// A MariaDB 10.11 initial handshake packet, as sent on the wire.
QByteArray mysqlGreeting(const QByteArray &version)
{
    QByteArray payload;
    payload += char(10);
    payload += version + '\0';
    payload += QByteArray("\x2a\x00\x00\x00", 4);         // connection id
    payload += QByteArray("abcdefgh\0", 9);               // auth data part 1 + filler
    payload += QByteArray("\xfe\xf7\x2d\x02\x00\xff\x81", 7); // capabilities, charset, status, capabilities
    payload += char(21);                                  // auth data length
    payload += QByteArray(6, '\0');
    payload += QByteArray("\x1d\x00\x00\x00", 4);         // MariaDB capabilities
    payload += QByteArray("ijklmnopqrst\0", 13);          // auth data part 2
    payload += QByteArray("mysql_native_password\0", 22);
    QByteArray packet(4, '\0');
    packet[0] = char(payload.size() & 0xff);
    packet[1] = char((payload.size() >> 8) & 0xff);
    packet[2] = char((payload.size() >> 16) & 0xff);
    return packet + payload;
}

QByteArray mysqlError(int code, const QByteArray &message)
{
    QByteArray payload;
    payload += char(0xff);
    payload += char(code & 0xff);
    payload += char(code >> 8);
    payload += message;
    QByteArray packet(4, '\0');
    packet[0] = char(payload.size());
    return packet + payload;
}

// A PostgreSQL backend message: type, big-endian length, body.
QByteArray pgMessage(char type, const QByteArray &body)
{
    QByteArray length(4, '\0');
    qToBigEndian(quint32(body.size() + 4), length.data());
    return type + length + body;
}

// One field of an ErrorResponse: its type and a NUL-terminated value.
QByteArray pgField(char type, const QByteArray &value)
{
    return type + value + '\0';
}

QByteArray pgInt(quint32 value)
{
    QByteArray bytes(4, '\0');
    qToBigEndian(value, bytes.data());
    return bytes;
}

// The StartupMessage is complete once its announced length has arrived.
bool isCompleteStartup(const QByteArray &received)
{
    return received.size() >= 4 && quint32(received.size()) >= qFromBigEndian<quint32>(received.constData());
}

// A listening socket on 127.0.0.1 whose accept queue is full: the kernel
// drops new SYNs, so a connection attempt neither succeeds nor fails.
class FullBacklog
{
public:
    FullBacklog()
        : m_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0))
    {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr *>(&address), size) != 0
            || ::listen(m_fd, 0) != 0 || ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&address), &size) != 0)
            return;
        m_port = ntohs(address.sin_port);
        // Backlog 0 still queues one connection; fill it, plus one for kernels
        // that count differently.
        for (int i = 0; i < 2; ++i) {
            auto filler = std::make_unique<QTcpSocket>();
            filler->connectToHost(QHostAddress::LocalHost, m_port);
            filler->waitForConnected(1000);
            m_fillers.push_back(std::move(filler));
        }
    }
    ~FullBacklog()
    {
        m_fillers.clear();
        if (m_fd >= 0)
            ::close(m_fd);
    }
    quint16 port() const { return m_port; }

private:
    int m_fd;
    quint16 m_port = 0;
    std::vector<std::unique_ptr<QTcpSocket>> m_fillers;
};

// A real redis-server on a free loopback port, for as long as this lives.
class RedisServer
{
public:
    explicit RedisServer(const QStringList &extra = {})
    {
        const QString binary = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
        if (binary.isEmpty())
            return;
        {
            QTcpServer probe;
            probe.listen(QHostAddress::LocalHost, 0);
            m_port = probe.serverPort();
        }
        m_process.setProgram(binary);
        m_process.setArguments(QStringList{QStringLiteral("--port"), QString::number(m_port),
                                           QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                                           QStringLiteral("--save"), QString(),
                                           QStringLiteral("--appendonly"), QStringLiteral("no"),
                                           QStringLiteral("--dir"), QDir::tempPath()}
                               + extra);
        m_process.start();
    }
    ~RedisServer()
    {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    bool hasBinary() const { return m_port != 0; }
    quint16 port() const { return m_port; }
    bool isAccepting()
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        return socket.waitForConnected(200);
    }

private:
    QProcess m_process;
    quint16 m_port = 0;
};

} // namespace

class TestProbes : public QObject
{
    Q_OBJECT

private slots:
    // tcp
    void tcpConnects();
    void tcpRefused();
    void tcpUnresolvableName();
    void tcpTimeout();
    // http
    void httpStatusInRange();
    void httpSendsTheConfiguredRequest();
    void httpStatusOutOfRange_data();
    void httpStatusOutOfRange();
    void httpExpectBody();
    void httpGarbage();
    void httpClosedWithoutAnswer();
    void httpNoAnswer();
    void httpRefused();
    // https and tls
    void httpsValidCertificate();
    void httpsExpiredCertificate();
    void tlsValidCertificate();
    void tlsExpiredCertificate();
    void tlsCertificateExpiringTooSoon();
    void tlsToPlainPort();
    void tlsToSilentPort();
    // databases
    void mysqlGreeting();
    void mysqlHostBlocked();
    void mysqlToHttpServer();
    void mysqlToSilentServer();
    void pgsqlAuthenticationRequest();
    void pgsqlError();
    void pgsqlToHttpServer();
    void redisPong();
    void redisNoAuth();
    void redisToHttpServer();
    // any probe
    void unknownType();
    void probeIsReusedForTheNextCheck();
    void cancelledCheckNeverFinishes();
};

void TestProbes::tcpConnects()
{
    ScriptServer server;
    QVERIFY(server.start());
    const CheckResult result = check(targetOn(QStringLiteral("tcp"), server.serverPort()));
    QCOMPARE(verdict(result), QStringLiteral("L4OK: Connection established"));
    QVERIFY(result.passed());
    QTRY_COMPARE(server.connections(), 1);
}

void TestProbes::tcpRefused()
{
    RefusingPort port;
    const CheckResult result = check(targetOn(QStringLiteral("tcp"), port.port()));
    QCOMPARE(verdict(result), QStringLiteral("L4CON: Connection refused"));
    QVERIFY(!result.passed());
}

void TestProbes::tcpUnresolvableName()
{
    ProbeTarget target = targetOn(QStringLiteral("tcp"), 80);
    target.address = QStringLiteral("no-such-host.invalid");
    QCOMPARE(verdict(check(target)),
             QStringLiteral("L4CON: host name “no-such-host.invalid” could not be resolved"));
}

void TestProbes::tcpTimeout()
{
    FullBacklog backlog;
    QVERIFY(backlog.port() != 0);
    const CheckResult result = check(targetOn(QStringLiteral("tcp"), backlog.port(), 500));
    QCOMPARE(verdict(result), QStringLiteral("L4TOUT: Connection not established within 500 ms"));
    QVERIFY2(result.durationMs >= 500, qPrintable(QString::number(result.durationMs)));
}

void TestProbes::httpStatusInRange()
{
    ScriptServer server;
    server.setReply([](const QByteArray &in) { return in.contains("\r\n\r\n") ? httpAnswer(200, "ok") : QByteArray(); });
    QVERIFY(server.start());
    const CheckResult result = check(targetOn(QStringLiteral("http"), server.serverPort()));
    QCOMPARE(verdict(result), QStringLiteral("L7OK: HTTP status 200"));
    QCOMPARE(result.httpStatus, 200);
}

void TestProbes::httpSendsTheConfiguredRequest()
{
    ScriptServer server;
    server.setReply([](const QByteArray &in) { return in.contains("\r\n\r\n") ? httpAnswer(204) : QByteArray(); });
    QVERIFY(server.start());
    ProbeTarget target = targetOn(QStringLiteral("http"), server.serverPort());
    target.check.httpMethod = QStringLiteral("HEAD");
    target.check.httpPath = QStringLiteral("/health?full=1");
    target.check.httpHost = QStringLiteral("shop.example");
    QCOMPARE(verdict(check(target)), QStringLiteral("L7OK: HTTP status 204"));

    const QList<QByteArray> lines = server.received().split('\n');
    QCOMPARE(lines.value(0), QByteArray("HEAD /health?full=1 HTTP/1.0\r"));
    QVERIFY2(lines.contains("Host: shop.example\r"), server.received().constData());
    QVERIFY2(lines.contains("Connection: close\r"), server.received().constData());

    // Without a configured Host, the address and port the check goes to.
    target.check.httpHost.clear();
    check(target);
    QVERIFY2(server.received().contains("\r\nHost: 127.0.0.1:" + QByteArray::number(server.serverPort()) + "\r\n"),
             server.received().constData());
}

void TestProbes::httpStatusOutOfRange_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("low");
    QTest::addColumn<int>("high");
    QTest::addColumn<QString>("expected");
    QTest::newRow("503") << 503 << 200 << 399 << "L7STS: HTTP status 503 (expected 200–399)";
    QTest::newRow("404") << 404 << 200 << 399 << "L7STS: HTTP status 404 (expected 200–399)";
    QTest::newRow("redirect when only 200 will do") << 301 << 200 << 200 << "L7STS: HTTP status 301 (expected 200–200)";
    QTest::newRow("a 503 that is expected") << 503 << 500 << 599 << "L7OK: HTTP status 503";
}

void TestProbes::httpStatusOutOfRange()
{
    QFETCH(int, status);
    QFETCH(int, low);
    QFETCH(int, high);
    QFETCH(QString, expected);
    ScriptServer server;
    server.setReply([status](const QByteArray &in) { return in.contains("\r\n\r\n") ? httpAnswer(status, "x") : QByteArray(); });
    QVERIFY(server.start());
    ProbeTarget target = targetOn(QStringLiteral("http"), server.serverPort());
    target.check.expectLow = low;
    target.check.expectHigh = high;
    const CheckResult result = check(target);
    QCOMPARE(verdict(result), expected);
    QCOMPARE(result.httpStatus, status);
}

void TestProbes::httpExpectBody()
{
    ScriptServer server;
    server.setReply([](const QByteArray &in) {
        return in.contains("\r\n\r\n") ? httpAnswer(200, "{\"status\": \"degraded\"}") : QByteArray();
    });
    QVERIFY(server.start());
    ProbeTarget target = targetOn(QStringLiteral("http"), server.serverPort());
    target.check.expectBody = QStringLiteral("degraded");
    QCOMPARE(verdict(check(target)), QStringLiteral("L7OK: HTTP status 200, the body contains “degraded”"));
    target.check.expectBody = QStringLiteral("\"status\": \"ok\"");
    QCOMPARE(verdict(check(target)),
             QStringLiteral("L7RSP: HTTP status 200, but the body does not contain “\"status\": \"ok\"”"));
}

void TestProbes::httpGarbage()
{
    ScriptServer server;
    server.setReply([](const QByteArray &in) { return in.contains("\r\n\r\n") ? QByteArray("\x16\x03\x01garbage\r\n\r\n") : QByteArray(); });
    QVERIFY(server.start());
    QCOMPARE(verdict(check(targetOn(QStringLiteral("http"), server.serverPort()))),
             QStringLiteral("L7RSP: The answer is not HTTP: “··\u00b7garbage····”"));
}

void TestProbes::httpClosedWithoutAnswer()
{
    ScriptServer server;
    server.setReply([](const QByteArray &in) { return in.contains("\r\n\r\n") ? QByteArray("HTTP/1.1 20") : QByteArray(); });
    QVERIFY(server.start());
    QCOMPARE(verdict(check(targetOn(QStringLiteral("http"), server.serverPort()))),
             QStringLiteral("L7RSP: The server closed the connection before a complete answer: “HTTP/1.1 20”"));
}

void TestProbes::httpNoAnswer()
{
    ScriptServer server; // reads the request and never answers
    QVERIFY(server.start());
    const CheckResult result = check(targetOn(QStringLiteral("http"), server.serverPort(), 400));
    QCOMPARE(verdict(result), QStringLiteral("L7TOUT: No complete answer within 400 ms"));
    QVERIFY(server.received().startsWith("GET / HTTP/1.0\r\n"));
}

void TestProbes::httpRefused()
{
    RefusingPort port;
    QCOMPARE(verdict(check(targetOn(QStringLiteral("http"), port.port()))), QStringLiteral("L4CON: Connection refused"));
}

void TestProbes::httpsValidCertificate()
{
    ScriptServer server;
    server.setTls(Tls + QStringLiteral("valid.crt"), Tls + QStringLiteral("valid.key"));
    server.setReply([](const QByteArray &in) { return in.contains("\r\n\r\n") ? httpAnswer(200, "secure") : QByteArray(); });
    QVERIFY(server.start());
    ProbeTarget target = targetOn(QStringLiteral("https"), server.serverPort());
    target.check.expectBody = QStringLiteral("secure");
    const CheckResult result = check(target);
    QCOMPARE(verdict(result), QStringLiteral("L7OK: HTTP status 200, the body contains “secure”"));
    QVERIFY(result.details.value(QStringLiteral("cert_days_left")).toInt() > 300);
}

void TestProbes::httpsExpiredCertificate()
{
    ScriptServer server;
    server.setTls(Tls + QStringLiteral("expired.crt"), Tls + QStringLiteral("expired.key"));
    server.setReply([](const QByteArray &in) { return in.contains("\r\n\r\n") ? httpAnswer(200) : QByteArray(); });
    QVERIFY(server.start());
    const CheckResult result = check(targetOn(QStringLiteral("https"), server.serverPort()));
    QCOMPARE(checkCodeName(result.code), QStringLiteral("L6RSP"));
    QVERIFY2(result.reason.startsWith(QLatin1String("certificate expired ")), qPrintable(result.reason));
    QCOMPARE(result.httpStatus, 0); // no request went out over it
}

void TestProbes::tlsValidCertificate()
{
    ScriptServer server;
    server.setTls(Tls + QStringLiteral("valid.crt"), Tls + QStringLiteral("valid.key"));
    QVERIFY(server.start());
    const auto certificate = QSslCertificate::fromPath(Tls + QStringLiteral("valid.crt")).value(0);
    const qint64 daysLeft = QDateTime::currentDateTimeUtc().secsTo(certificate.expiryDate()) / 86400;

    const CheckResult result = check(targetOn(QStringLiteral("tls"), server.serverPort()));
    QCOMPARE(verdict(result),
             QStringLiteral("L6OK: TLS handshake done, certificate expires in %1 days, not signed by a trusted CA")
                 .arg(daysLeft));
    QCOMPARE(result.details.value(QStringLiteral("cert_days_left")).toLongLong(), daysLeft);
    QCOMPARE(result.details.value(QStringLiteral("cert_subject")).toString(), QStringLiteral("localhost"));
    QCOMPARE(result.details.value(QStringLiteral("cert_host_match")).toBool(), true);
    QCOMPARE(result.details.value(QStringLiteral("cert_trusted")).toBool(), false);

    // The certificate names localhost and 127.0.0.1, not this host name.
    ProbeTarget other = targetOn(QStringLiteral("tls"), server.serverPort());
    other.check.httpHost = QStringLiteral("shop.example");
    const CheckResult mismatch = check(other);
    QCOMPARE(checkCodeName(mismatch.code), QStringLiteral("L6OK"));
    QVERIFY2(mismatch.reason.endsWith(QLatin1String(", issued for another host name")), qPrintable(mismatch.reason));
    QCOMPARE(mismatch.details.value(QStringLiteral("cert_host_match")).toBool(), false);
}

void TestProbes::tlsExpiredCertificate()
{
    ScriptServer server;
    server.setTls(Tls + QStringLiteral("expired.crt"), Tls + QStringLiteral("expired.key"));
    QVERIFY(server.start());
    const auto certificate = QSslCertificate::fromPath(Tls + QStringLiteral("expired.crt")).value(0);
    const qint64 daysAgo = certificate.expiryDate().secsTo(QDateTime::currentDateTimeUtc()) / 86400;

    const CheckResult result = check(targetOn(QStringLiteral("tls"), server.serverPort()));
    QCOMPARE(verdict(result), QStringLiteral("L6RSP: certificate expired %1 days ago").arg(daysAgo));
    QVERIFY(result.details.value(QStringLiteral("cert_days_left")).toLongLong() < 0);
}

void TestProbes::tlsCertificateExpiringTooSoon()
{
    ScriptServer server;
    server.setTls(Tls + QStringLiteral("valid.crt"), Tls + QStringLiteral("valid.key"));
    QVERIFY(server.start());
    ProbeTarget target = targetOn(QStringLiteral("tls"), server.serverPort());
    const qint64 daysLeft = check(target).details.value(QStringLiteral("cert_days_left")).toLongLong();
    QVERIFY(daysLeft > 0);

    target.check.certMinDays = int(daysLeft);
    QCOMPARE(checkCodeName(check(target).code), QStringLiteral("L6OK"));
    target.check.certMinDays = int(daysLeft + 1);
    QCOMPARE(verdict(check(target)), QStringLiteral("L6RSP: certificate expires in %1 days (at least %2 days wanted)")
                                         .arg(daysLeft).arg(daysLeft + 1));
}

void TestProbes::tlsToPlainPort()
{
    // A plain HTTP server answers the ClientHello with a 400.
    ScriptServer server;
    server.setReply([](const QByteArray &) { return httpAnswer(400, "Bad Request"); });
    QVERIFY(server.start());
    const CheckResult result = check(targetOn(QStringLiteral("tls"), server.serverPort()));
    QCOMPARE(checkCodeName(result.code), QStringLiteral("L6RSP"));
    QVERIFY2(result.reason.startsWith(QLatin1String("TLS handshake failed: the server does not speak TLS")),
             qPrintable(result.reason));
}

void TestProbes::tlsToSilentPort()
{
    ScriptServer server;
    QVERIFY(server.start());
    QCOMPARE(verdict(check(targetOn(QStringLiteral("tls"), server.serverPort(), 400))),
             QStringLiteral("L6TOUT: TLS handshake not done within 400 ms"));
}

void TestProbes::mysqlGreeting()
{
    ScriptServer server;
    server.setGreeting(::mysqlGreeting("10.11.6-MariaDB-0+deb12u1"));
    QVERIFY(server.start());
    const CheckResult result = check(targetOn(QStringLiteral("mysql"), server.serverPort()));
    QCOMPARE(verdict(result), QStringLiteral("L7OK: MySQL server 10.11.6-MariaDB-0+deb12u1"));
    QCOMPARE(result.details.value(QStringLiteral("server_version")).toString(), QStringLiteral("10.11.6-MariaDB-0+deb12u1"));
}

void TestProbes::mysqlHostBlocked()
{
    ScriptServer server;
    server.setGreeting(mysqlError(1129, "Host '127.0.0.1' is blocked because of many connection errors; "
                                        "unblock with 'mariadb-admin flush-hosts'"));
    QVERIFY(server.start());
    QCOMPARE(verdict(check(targetOn(QStringLiteral("mysql"), server.serverPort()))),
             QStringLiteral("L7STS: MySQL error 1129: Host '127.0.0.1' is blocked because of many connection errors; "
                            "unblock with 'mariadb-admin flush-hosts'"));
}

void TestProbes::mysqlToHttpServer()
{
    // An HTTP server times out the silent client with a 408, as Apache does.
    ScriptServer server;
    server.setGreeting(httpAnswer(408, "Request Timeout"), 100);
    QVERIFY(server.start());
    QCOMPARE(verdict(check(targetOn(QStringLiteral("mysql"), server.serverPort()))),
             QStringLiteral("L7RSP: Not a MySQL greeting: “HTTP/1.1 408 Whatever··Content-Type: tex”"));
}

void TestProbes::mysqlToSilentServer()
{
    ScriptServer server;
    QVERIFY(server.start());
    QCOMPARE(verdict(check(targetOn(QStringLiteral("mysql"), server.serverPort(), 400))),
             QStringLiteral("L7TOUT: No complete answer within 400 ms"));
}

void TestProbes::pgsqlAuthenticationRequest()
{
    ScriptServer server;
    server.setReply([](const QByteArray &in) {
        // AuthenticationMD5Password with its salt
        return isCompleteStartup(in) ? pgMessage('R', pgInt(5) + "salt") : QByteArray();
    });
    QVERIFY(server.start());
    const CheckResult result = check(targetOn(QStringLiteral("pgsql"), server.serverPort()));
    QCOMPARE(verdict(result), QStringLiteral("L7OK: PostgreSQL server asks for md5 authentication"));
    QCOMPARE(result.details.value(QStringLiteral("auth")).toString(), QStringLiteral("md5"));

    // What the server got: a StartupMessage for protocol 3.0 and user loadstar.
    const QByteArray startup = server.received();
    QCOMPARE(qFromBigEndian<quint32>(startup.constData()), quint32(startup.size()));
    QCOMPARE(qFromBigEndian<quint32>(startup.constData() + 4), quint32(196608));
    QVERIFY(startup.contains(QByteArray("user\0loadstar\0", 14)));
    QVERIFY(startup.endsWith(QByteArray("\0\0", 2)));
}

void TestProbes::pgsqlError()
{
    ScriptServer server;
    server.setReply([](const QByteArray &in) {
        return isCompleteStartup(in)
            ? pgMessage('E', pgField('S', "FATAL") + pgField('V', "FATAL") + pgField('C', "28000")
                                 + pgField('M', "no pg_hba.conf entry for host \"127.0.0.1\", user \"loadstar\", "
                                                "database \"loadstar\", no encryption")
                                 + '\0')
            : QByteArray();
    });
    QVERIFY(server.start());
    const CheckResult result = check(targetOn(QStringLiteral("pgsql"), server.serverPort()));
    QCOMPARE(verdict(result), QStringLiteral("L7OK: PostgreSQL server answered: FATAL: no pg_hba.conf entry for host "
                                             "\"127.0.0.1\", user \"loadstar\", database \"loadstar\", no encryption"));
    QCOMPARE(result.details.value(QStringLiteral("sqlstate")).toString(), QStringLiteral("28000"));
}

void TestProbes::pgsqlToHttpServer()
{
    ScriptServer server;
    server.setReply([](const QByteArray &) { return httpAnswer(400, "Bad Request"); });
    QVERIFY(server.start());
    QCOMPARE(verdict(check(targetOn(QStringLiteral("pgsql"), server.serverPort()))),
             QStringLiteral("L7RSP: Not a PostgreSQL answer: “HTTP/1.1 400 Whatever··Content-Type: tex”"));
}

void TestProbes::redisPong()
{
    RedisServer redis;
    if (!redis.hasBinary())
        QSKIP("redis-server is not installed (packaging/install-deps installs it)");
    QTRY_VERIFY_WITH_TIMEOUT(redis.isAccepting(), 10000);
    QCOMPARE(verdict(check(targetOn(QStringLiteral("redis"), redis.port()))), QStringLiteral("L7OK: Redis answered PONG"));
}

void TestProbes::redisNoAuth()
{
    RedisServer redis({QStringLiteral("--requirepass"), QStringLiteral("s3cret")});
    if (!redis.hasBinary())
        QSKIP("redis-server is not installed (packaging/install-deps installs it)");
    QTRY_VERIFY_WITH_TIMEOUT(redis.isAccepting(), 10000);
    const CheckResult result = check(targetOn(QStringLiteral("redis"), redis.port()));
    QCOMPARE(checkCodeName(result.code), QStringLiteral("L7STS"));
    QVERIFY2(result.reason.startsWith(QLatin1String("Redis error: NOAUTH")), qPrintable(result.reason));
}

void TestProbes::redisToHttpServer()
{
    ScriptServer server;
    server.setReply([](const QByteArray &) { return httpAnswer(400, "Bad Request"); });
    QVERIFY(server.start());
    QCOMPARE(verdict(check(targetOn(QStringLiteral("redis"), server.serverPort()))),
             QStringLiteral("L7RSP: Not a Redis answer to PING: “HTTP/1.1 400 Whatever··Content-Type: tex”"));
}

void TestProbes::unknownType()
{
    // No plugin is installed next to this test: the node says which plugin
    // is missing and where it was looked for, and the check is no verdict.
    CheckResult result = check(targetOn(QStringLiteral("mysql-role"), 3306));
    QVERIFY2(verdict(result).startsWith(
                 QStringLiteral("UNK: The MariaDB role probe (plugin “loadstar_mariadb”) is not installed; looked in ")),
             qPrintable(verdict(result)));
    QVERIFY(!result.passed());
    result = check(targetOn(QStringLiteral("smtp"), 25));
    QVERIFY2(verdict(result).startsWith(QStringLiteral("UNK: No probe plugin serves the check type “smtp”; looked in ")),
             qPrintable(verdict(result)));
}

void TestProbes::probeIsReusedForTheNextCheck()
{
    auto server = std::make_unique<ScriptServer>();
    QVERIFY(server->start());
    const ProbeTarget target = targetOn(QStringLiteral("tcp"), server->serverPort());
    std::unique_ptr<Probe> probe(createProbe(QStringLiteral("tcp"), nullptr));
    QSignalSpy finished(probe.get(), &Probe::finished);

    probe->start(target);
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.takeFirst().at(0).value<CheckResult>().code, CheckCode::L4OK);

    server.reset(); // the server stops listening
    probe->start(target);
    QVERIFY(finished.wait(10000));
    QCOMPARE(verdict(finished.takeFirst().at(0).value<CheckResult>()), QStringLiteral("L4CON: Connection refused"));
}

void TestProbes::cancelledCheckNeverFinishes()
{
    ScriptServer server;
    QVERIFY(server.start());
    std::unique_ptr<Probe> probe(createProbe(QStringLiteral("http"), nullptr));
    QSignalSpy finished(probe.get(), &Probe::finished);
    probe->start(targetOn(QStringLiteral("http"), server.serverPort(), 200));
    probe->cancel();
    // Well past the check's own timeout: a cancelled check stays silent.
    QVERIFY(!finished.wait(1000));
}

QTEST_GUILESS_MAIN(TestProbes)
#include "tst_probes.moc"
