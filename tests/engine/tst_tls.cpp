// TLS on a load balancer, for real: certificates made with OpenSSL and
// served through Qt Network's OpenSSL backend, HTTPS from real clients
// (Qt's and curl) through the engine to demo backends, plain HTTP refused or
// redirected, the clients' traffic and an https check through the TLS
// listener — all on loopback.

#include "FreePorts.h"
#include "TestBackend.h"
#include "TestClient.h"

#include "engine/EngineConfig.h"
#include "engine/LiveSession.h"
#include "engine/health/HttpProbe.h"
#include "engine/tls/TlsIdentity.h"
#include "model/Topology.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>

#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Engine;

namespace {

void set(Topology &t, NodeId id, const char *key, const QVariant &value)
{
    const QString error = t.node(id)->setProperty(QString::fromLatin1(key), value);
    if (!error.isEmpty())
        qFatal("%s: %s", key, qPrintable(error));
}

// lb (TLS) → web-01 and web-02, embedded demo backends answering with
// their names; a client sending `rate` requests/s when not 0.
Topology tlsDesign(quint16 lbPort, quint16 web01Port, quint16 web02Port, int rate = 0)
{
    Topology t;
    const NodeId lb = t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb"), {0, 0}));
    set(t, lb, "port", lbPort);
    set(t, lb, "tls", true);
    for (const auto &[name, port] : {std::pair{"web-01", web01Port}, std::pair{"web-02", web02Port}}) {
        const NodeId web = t.addNode(Node::make(NodeKind::WebServer, QString::fromLatin1(name), {0, 160}));
        set(t, web, "port", port);
        set(t, web, "embedded", true);
        set(t, web, "check", QStringLiteral("tcp"));
        t.connect(lb, web);
    }
    if (rate > 0) {
        const NodeId client = t.addNode(Node::make(NodeKind::Client, QStringLiteral("client"), {0, -160}));
        set(t, client, "rate", rate);
        set(t, client, "concurrency", 2);
        t.connect(client, lb);
    }
    return t;
}

EngineConfig compiled(const Topology &topology)
{
    CompileResult result = compile(topology);
    if (!result.problems.isEmpty())
        qFatal("%s", qPrintable(result.problems.first().message));
    return result.config;
}

std::optional<TlsRouteStats> routeStats(LiveSession &session, const QString &route)
{
    for (const TlsRouteStats &stats : session.tls().stats()) {
        if (stats.name == route)
            return stats;
    }
    return std::nullopt;
}

StatsRow frontendRow(LiveSession &session)
{
    const StatsSnapshot snapshot = session.engine().stats();
    const StatsRow *row = snapshot.find("lb", "FRONTEND");
    return row ? *row : StatsRow{};
}

bool refused(quint16 port)
{
    QTcpSocket socket;
    QSignalSpy errors(&socket, &QTcpSocket::errorOccurred);
    socket.connectToHost(QHostAddress::LocalHost, port);
    return errors.wait(2000) && socket.error() == QAbstractSocket::ConnectionRefusedError;
}

} // namespace

class TlsTest : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        const QList<quint16> ports = Test::freePorts(4);
        m_lbPort = ports[0];
        m_web01Port = ports[1];
        m_web02Port = ports[2];
        m_redirectPort = ports[3];
        QVERIFY(m_dir.isValid());
    }

    // Certificates -------------------------------------------------------

    void selfSignedCertificateNamesTheLoadBalancer()
    {
        QString error;
        const auto pem = makeSelfSignedCertificate(QStringLiteral("lb-a"),
                                                   {QStringLiteral("127.0.0.2"), QStringLiteral("localhost")}, 365, &error);
        QVERIFY2(pem, qPrintable(error));
        const QList<QSslCertificate> certificates = QSslCertificate::fromData(pem->certificate, QSsl::Pem);
        QCOMPARE(certificates.size(), 1);
        const QSslCertificate &certificate = certificates.first();
        QCOMPARE(certificate.subjectInfo(QSslCertificate::CommonName), QStringList{QStringLiteral("lb-a")});
        QVERIFY(certificate.isSelfSigned());
        QCOMPARE(certificate.version(), QByteArray("3"));
        const auto names = certificate.subjectAlternativeNames();
        QCOMPARE(names.values(QSsl::IpAddressEntry), QStringList{QStringLiteral("127.0.0.2")});
        QCOMPARE(names.values(QSsl::DnsEntry), QStringList{QStringLiteral("localhost")});
        const qint64 daysLeft = QDateTime::currentDateTimeUtc().daysTo(certificate.expiryDate());
        QVERIFY2(daysLeft >= 364 && daysLeft <= 365, qPrintable(QString::number(daysLeft)));
        QCOMPARE(certificate.publicKey().algorithm(), QSsl::Ec);

        // Written to files, it loads back as the identity a listener serves;
        // the key is for its owner's eyes only.
        const QString crt = m_dir.filePath(QStringLiteral("lb-a.crt"));
        const QString key = m_dir.filePath(QStringLiteral("lb-a.key"));
        QVERIFY2(writePemPair(*pem, crt, key, &error), qPrintable(error));
        const QFileDevice::Permissions keyPermissions = QFile::permissions(key);
        QVERIFY(keyPermissions.testFlags(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        QCOMPARE(keyPermissions & 0x0077, QFileDevice::Permissions()); // nothing for group and others
        const auto identity = loadTlsIdentity(QStringLiteral("lb-a"), crt, key, &error);
        QVERIFY2(identity, qPrintable(error));
        QCOMPARE(identity->certificate(), certificate);
        QVERIFY(!identity->key.isNull());
        QCOMPARE(identity->key.algorithm(), QSsl::Ec);

        // HAProxy's crt may hold the certificate and its key in one file.
        const QString both = m_dir.filePath(QStringLiteral("both.pem"));
        QVERIFY(writeFile(both, pem->certificate + pem->key));
        QVERIFY2(loadTlsIdentity(QStringLiteral("lb-a"), both, QString(), &error), qPrintable(error));
    }

    void unusableFilesSayWhy_data()
    {
        QTest::addColumn<QString>("certificate");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("expected"); // %1: the folder
        QTest::newRow("missing certificate")
            << "missing.crt" << "good.key"
            << "lb: can't read the TLS certificate %1/missing.crt: No such file or directory";
        QTest::newRow("missing key") << "good.crt" << "missing.key"
                                     << "lb: can't read the TLS key %1/missing.key: No such file or directory";
        QTest::newRow("garbage certificate")
            << "garbage.crt" << "good.key"
            << "lb: the TLS certificate %1/garbage.crt is not a PEM certificate: choose a file that starts with “-----BEGIN CERTIFICATE-----”";
        QTest::newRow("certificate as key")
            << "good.crt" << "good.crt"
            << "lb: the TLS key %1/good.crt is not a PEM private key: choose the key made with the certificate";
        QTest::newRow("no key anywhere")
            << "good.crt" << ""
            << "lb: the TLS certificate %1/good.crt holds no private key: choose the key file as “Private key”";
        QTest::newRow("another certificate's key")
            << "good.crt" << "other.key"
            << "lb: the TLS key %1/other.key does not belong to the certificate %1/good.crt: choose the key the certificate was made for";
        QTest::newRow("folder") << "." << "good.key" << "lb: can't read the TLS certificate %1/.: it is a folder, not a file";
    }

    void unusableFilesSayWhy()
    {
        QFETCH(QString, certificate);
        QFETCH(QString, key);
        QFETCH(QString, expected);
        writeCertificate(QStringLiteral("good"));
        writeCertificate(QStringLiteral("other"));
        QVERIFY(writeFile(m_dir.filePath(QStringLiteral("garbage.crt")), "this is not a certificate\n"));
        const QString dir = m_dir.path();
        const auto path = [&](const QString &name) { return name.isEmpty() ? name : dir + QLatin1Char('/') + name; };

        QString error;
        QVERIFY(!loadTlsIdentity(QStringLiteral("lb"), path(certificate), path(key), &error));
        QCOMPARE(error, expected.arg(dir));

        // Run says the same, and nothing runs: no demo backend, no listener.
        Topology design = tlsDesign(m_lbPort, m_web01Port, m_web02Port);
        const NodeId lb = design.nodeByName(QStringLiteral("lb"))->id;
        set(design, lb, "tls_certificate", path(certificate));
        set(design, lb, "tls_key", path(key));
        LiveSession session;
        error.clear();
        QVERIFY(!session.start(compiled(design), &error));
        QCOMPARE(error, expected.arg(dir));
        QVERIFY(!session.isRunning());
        QVERIFY(refused(m_lbPort));
        QVERIFY(refused(m_web01Port));
    }

    // HTTPS through the load balancer ------------------------------------

    void httpsReachesTheServersThroughTheLoadBalancer()
    {
        const auto [crt, key] = writeCertificate(QStringLiteral("lb"));
        Topology design = tlsDesign(m_lbPort, m_web01Port, m_web02Port);
        const NodeId lb = design.nodeByName(QStringLiteral("lb"))->id;
        set(design, lb, "tls_certificate", crt);
        set(design, lb, "tls_key", key);
        LiveSession session;
        QString error;
        QVERIFY2(session.start(compiled(design), &error), qPrintable(error));
        QCOMPARE(session.listenPort(QStringLiteral("lb")), m_lbPort);
        QVERIFY(session.notices().isEmpty()); // the certificate is the user's

        // Qt's HTTPS client, round robin over both servers, and the
        // certificate it was shown is the one chosen in the properties.
        QSet<QByteArray> servedBy;
        for (int i = 0; i < 2; ++i) {
            QSslCertificate shown;
            servedBy.insert(httpsGet(m_lbPort, &shown));
            QCOMPARE(shown.subjectInfo(QSslCertificate::CommonName), QStringList{QStringLiteral("lb")});
        }
        QCOMPARE(servedBy, (QSet<QByteArray>{"web-01", "web-02"}));
        QTRY_COMPARE(frontendRow(session).reqTot, uint64_t(2));
        const auto stats = routeStats(session, QStringLiteral("lb"));
        QVERIFY(stats);
        QVERIFY(stats->accepted >= 1);
        QCOMPARE(stats->handshakeFailures, quint64(0));
    }

    // A response many buffers long crosses the TLS listener whole, and so
    // does the request body the server receives.
    void largeBodiesCrossWhole()
    {
        Test::TestBackend backend(QStringLiteral("big"));
        QVERIFY(backend.listen());
        QByteArray body(1024 * 1024, '\0');
        for (qsizetype i = 0; i < body.size(); ++i)
            body[i] = char('a' + i % 26);
        backend.setBody(body);
        Topology t;
        const NodeId lb = t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb"), {0, 0}));
        set(t, lb, "port", m_lbPort);
        set(t, lb, "tls", true);
        const NodeId web = t.addNode(Node::make(NodeKind::WebServer, QStringLiteral("big"), {0, 160}));
        set(t, web, "port", backend.port());
        set(t, web, "embedded", false);
        set(t, web, "check", QStringLiteral("none"));
        t.connect(lb, web);
        LiveSession session;
        QString error;
        QVERIFY2(session.start(compiled(t), &error), qPrintable(error));

        const QByteArray upload = body.left(300 * 1024);
        QNetworkRequest request(QUrl(QStringLiteral("https://127.0.0.1:%1/upload").arg(m_lbPort)));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/octet-stream"));
        std::unique_ptr<QNetworkReply> reply(m_network.post(request, upload));
        reply->ignoreSslErrors();
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        QVERIFY(finished.wait(15000));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QVERIFY(reply->readAll() == body);
        QCOMPARE(backend.requestCount(), 1);
        QVERIFY(backend.requests().first().body == upload);
    }

    void curlSpeaksHttpsAndPlainHttpIsRefused()
    {
        const QString curl = QStandardPaths::findExecutable(QStringLiteral("curl"));
        if (curl.isEmpty())
            QSKIP("curl is not installed");
        LiveSession session;
        QString error;
        QVERIFY2(session.start(compiled(tlsDesign(m_lbPort, m_web01Port, m_web02Port)), &error), qPrintable(error));

        const auto [code, output] = run(curl, {QStringLiteral("-sSk"), QStringLiteral("-D-"),
                                               QStringLiteral("https://127.0.0.1:%1/").arg(m_lbPort)});
        QCOMPARE(code, 0);
        QVERIFY2(output.startsWith("HTTP/1.1 200"), output.constData());
        QVERIFY2(output.endsWith("web-01\n") || output.endsWith("web-02\n"), output.constData());

        // Plain HTTP on the TLS port: no HTTP answer at all (curl: "Empty
        // reply from server" or a reset), as HAProxy's ssl bind does.
        const auto [plainCode, plainOutput] = run(curl, {QStringLiteral("-sS"), QStringLiteral("-D-"),
                                                         QStringLiteral("http://127.0.0.1:%1/").arg(m_lbPort)});
        QVERIFY(plainCode != 0);
        QVERIFY2(!plainOutput.contains("HTTP/"), plainOutput.constData());
    }

    void plainHttpOnTheTlsPortGetsNoHttpAnswer()
    {
        LiveSession session;
        QString error;
        QVERIFY2(session.start(compiled(tlsDesign(m_lbPort, m_web01Port, m_web02Port)), &error), qPrintable(error));
        Test::TestClient client;
        QVERIFY(client.connectTo(m_lbPort));
        client.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QVERIFY(client.waitForClosed(5000));
        QVERIFY2(!client.received().contains("HTTP/"), client.received().constData());
        QTRY_COMPARE(routeStats(session, QStringLiteral("lb"))->handshakeFailures, quint64(1));
        // Nothing of it reached the engine.
        QCOMPARE(frontendRow(session).stot, uint64_t(0));
    }

    void redirectListenerSendsHttpToHttps()
    {
        Topology design = tlsDesign(m_lbPort, m_web01Port, m_web02Port);
        set(design, design.nodeByName(QStringLiteral("lb"))->id, "http_redirect_port", m_redirectPort);
        LiveSession session;
        QString error;
        QVERIFY2(session.start(compiled(design), &error), qPrintable(error));

        // The Host the browser used, without its port, and the path as asked.
        Test::HttpResponse response = Test::fetch(
            m_redirectPort, "GET /login?next=%2Fcart HTTP/1.1\r\nHost: shop.example:" + QByteArray::number(m_redirectPort)
                                + "\r\n\r\n");
        QCOMPARE(response.status, 301);
        QCOMPARE(response.header("Location"),
                 "https://shop.example:" + QByteArray::number(m_lbPort) + "/login?next=%2Fcart");
        // No Host (HTTP/1.0): the load balancer's address.
        response = Test::fetch(m_redirectPort, "GET /a HTTP/1.0\r\n\r\n");
        QCOMPARE(response.status, 301);
        QCOMPARE(response.header("Location"), "https://127.0.0.1:" + QByteArray::number(m_lbPort) + "/a");

        // A real client follows it and lands on a server over HTTPS.
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(m_redirectPort)));
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
        std::unique_ptr<QNetworkReply> reply(m_network.get(request));
        connect(reply.get(), &QNetworkReply::sslErrors, reply.get(), [&reply] { reply->ignoreSslErrors(); });
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        QVERIFY(finished.wait(10000));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->url().scheme(), QStringLiteral("https"));
        QCOMPARE(reply->url().port(), int(m_lbPort));
        const QByteArray body = reply->readAll().trimmed();
        QVERIFY2(body == "web-01" || body == "web-02", body.constData());
        QTRY_VERIFY(routeStats(session, QStringLiteral("lb’s HTTP redirect"))->redirects >= 3);
    }

    // A run without certificate files ------------------------------------

    void selfSignedCertificateForTheRunPassesAnHttpsCheck()
    {
        LiveSession session;
        QString error;
        QVERIFY2(session.start(compiled(tlsDesign(m_lbPort, m_web01Port, m_web02Port)), &error), qPrintable(error));
        QCOMPARE(session.notices(), QStringList{QStringLiteral("lb: TLS with a self-signed certificate made for this run")});

        // An https check (HAProxy's check-ssl: no verification) against
        // the TLS listener passes and reads the certificate's days.
        Health::HttpProbe probe(Health::HttpProbe::Scheme::Https);
        QSignalSpy finished(&probe, &Health::Probe::finished);
        Health::ProbeTarget target;
        target.name = QStringLiteral("lb");
        target.address = QStringLiteral("127.0.0.1");
        target.port = m_lbPort;
        target.check.type = QStringLiteral("https");
        target.check.certMinDays = 30;
        probe.start(target);
        QVERIFY(finished.wait(5000));
        const auto result = finished.first().first().value<Health::CheckResult>();
        QVERIFY2(result.code == Health::CheckCode::L7OK, qPrintable(result.reason));
        const qint64 daysLeft = result.details.value(QStringLiteral("cert_days_left")).toLongLong();
        QVERIFY2(daysLeft >= 364 && daysLeft <= 365, qPrintable(QString::number(daysLeft)));
    }

    // The client nodes' traffic ------------------------------------------

    void clientTrafficCrossesTheTlsListener()
    {
        LiveSession session;
        QString error;
        const EngineConfig config = compiled(tlsDesign(m_lbPort, m_web01Port, m_web02Port, 100));
        QVERIFY2(session.start(config, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(session.traffic().stats().value(0).responses[1] >= 50, 10000);
        const TrafficClientStats client = session.traffic().stats().value(0);
        QCOMPARE(client.failed(), quint64(0));
        QCOMPARE(client.responses[4], quint64(0));
        // It went through the load balancer's TLS listener, by TLS.
        const auto lb = routeStats(session, QStringLiteral("lb"));
        QVERIFY(lb && lb->accepted >= 1);
        QCOMPARE(lb->handshakeFailures, quint64(0));
        QVERIFY(frontendRow(session).reqTot >= 50);

        // An edit that leaves TLS as it was keeps the relay and breaks no
        // request (a faster client may open a connection more, on a loaded
        // machine: that is no failure).
        EngineConfig faster = config;
        faster.clients[0].rate = 150;
        QVERIFY2(session.apply(faster, &error), qPrintable(error));
        const quint64 before = session.traffic().stats().value(0).responses[1];
        QTRY_VERIFY_WITH_TIMEOUT(session.traffic().stats().value(0).responses[1] >= before + 50, 10000);
        QCOMPARE(routeStats(session, QStringLiteral("lb"))->upstreamFailures, quint64(0));
        QCOMPARE(routeStats(session, QStringLiteral("lb"))->handshakeFailures, quint64(0));
        QCOMPARE(session.traffic().stats().value(0).failed(), quint64(0));

        // TLS turned off while running: the engine takes the port back, in
        // plain HTTP, and the client follows.
        Topology plain = tlsDesign(m_lbPort, m_web01Port, m_web02Port, 100);
        set(plain, plain.nodeByName(QStringLiteral("lb"))->id, "tls", false);
        QVERIFY2(session.apply(compiled(plain), &error), qPrintable(error));
        QVERIFY(!routeStats(session, QStringLiteral("lb")));
        QCOMPARE(session.listenPort(QStringLiteral("lb")), m_lbPort);
        QCOMPARE(Test::fetchGet(m_lbPort).status, 200);
        const quint64 plainBefore = session.traffic().stats().value(0).responses[1];
        QTRY_VERIFY_WITH_TIMEOUT(session.traffic().stats().value(0).responses[1] >= plainBefore + 20, 10000);
    }

    // The firewall in front of a TLS load balancer judges each connection
    // by its real source, before the handshake, and its refusals reach the
    // load balancer's stats as a plain listener's do (dcon).
    void firewallInFrontJudgesTheRealSource()
    {
        Topology design = tlsDesign(m_lbPort, m_web01Port, m_web02Port);
        const NodeId firewall = design.addNode(Node::make(NodeKind::Firewall, QStringLiteral("fw"), {0, -80}));
        set(design, firewall, "allow", QStringLiteral("127.0.0.2/32"));
        design.connect(firewall, design.nodeByName(QStringLiteral("lb"))->id);
        LiveSession session;
        QString error;
        QVERIFY2(session.start(compiled(design), &error), qPrintable(error));

        // From 127.0.0.1: closed before a byte of TLS.
        QSslSocket refused;
        refused.setPeerVerifyMode(QSslSocket::VerifyNone);
        QSignalSpy refusedErrors(&refused, &QSslSocket::errorOccurred);
        refused.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_lbPort);
        QVERIFY(refusedErrors.wait(5000));
        QVERIFY(!refused.isEncrypted());
        QTRY_COMPARE(routeStats(session, QStringLiteral("lb"))->refused, quint64(1));
        QCOMPARE(routeStats(session, QStringLiteral("lb"))->handshakeFailures, quint64(0));
        StatsRow row = frontendRow(session);
        QCOMPARE(row.firewall, std::string("fw"));
        QCOMPARE(row.dcon, uint64_t(1));
        QCOMPARE(row.connTot, uint64_t(1));

        // From 127.0.0.2, allowed: HTTPS through to a server.
        QSslSocket allowed;
        allowed.setPeerVerifyMode(QSslSocket::VerifyNone);
        QVERIFY(allowed.bind(QHostAddress(QStringLiteral("127.0.0.2"))));
        QSignalSpy encrypted(&allowed, &QSslSocket::encrypted);
        allowed.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_lbPort);
        QVERIFY(encrypted.wait(5000));
        allowed.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QByteArray answer;
        QVERIFY(QTest::qWaitFor([&] {
            answer += allowed.readAll();
            return answer.contains("\r\n\r\nweb-0");
        }, 5000));
        QVERIFY2(answer.startsWith("HTTP/1.1 200 OK"), answer.constData());
        row = frontendRow(session);
        QCOMPARE(row.dcon, uint64_t(1));
        QCOMPARE(row.connTot, uint64_t(2));
        QCOMPARE(row.reqTot, uint64_t(1));
    }

    // What-if: the TLS load balancer's box fails, its HTTPS port refuses
    // connections, and it comes back on the same port.
    void aFailedTlsLoadBalancerRefusesConnections()
    {
        LiveSession session;
        QString error;
        QVERIFY2(session.start(compiled(tlsDesign(m_lbPort, m_web01Port, m_web02Port)), &error), qPrintable(error));
        QCOMPARE(session.setFailed({QStringLiteral("lb")}, true), QStringList());
        QVERIFY(refused(m_lbPort));
        QCOMPARE(session.setFailed({QStringLiteral("lb")}, false), QStringList());
        QSslCertificate shown;
        const QByteArray body = httpsGet(m_lbPort, &shown);
        QVERIFY2(body == "web-01" || body == "web-02", body.constData());
    }

private:
    static bool writeFile(const QString &path, const QByteArray &bytes)
    {
        QFile file(path);
        return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
    }

    // NAME.crt and NAME.key in the test's folder, for a certificate of CN NAME.
    std::pair<QString, QString> writeCertificate(const QString &name)
    {
        const auto pem = makeSelfSignedCertificate(name, {QStringLiteral("127.0.0.1")}, 365);
        if (!pem)
            qFatal("no certificate");
        const QString crt = m_dir.filePath(name + QStringLiteral(".crt"));
        const QString key = m_dir.filePath(name + QStringLiteral(".key"));
        if (!writePemPair(*pem, crt, key))
            qFatal("can't write the certificate");
        return {crt, key};
    }

    // The body of an HTTPS GET (the demo backend's name), accepting the
    // self-signed certificate; *shown: the certificate the server presented.
    QByteArray httpsGet(quint16 port, QSslCertificate *shown)
    {
        QNetworkRequest request(QUrl(QStringLiteral("https://127.0.0.1:%1/").arg(port)));
        std::unique_ptr<QNetworkReply> reply(m_network.get(request));
        reply->ignoreSslErrors();
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        if (!finished.wait(10000))
            return QByteArrayLiteral("(no answer)");
        if (reply->error() != QNetworkReply::NoError)
            return reply->errorString().toUtf8();
        *shown = reply->sslConfiguration().peerCertificate();
        return reply->readAll().trimmed();
    }

    // Runs a program to its end without blocking the event loop.
    static std::pair<int, QByteArray> run(const QString &program, const QStringList &arguments)
    {
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        QSignalSpy finished(&process, &QProcess::finished);
        process.start(program, arguments);
        if (!finished.wait(15000))
            return {-1, QByteArrayLiteral("(did not finish)")};
        return {process.exitCode(), process.readAll()};
    }

    QTemporaryDir m_dir;
    QNetworkAccessManager m_network;
    quint16 m_lbPort = 0;
    quint16 m_web01Port = 0;
    quint16 m_web02Port = 0;
    quint16 m_redirectPort = 0;
};

QTEST_MAIN(TlsTest)
#include "tst_tls.moc"
