// The engine against clients and servers that misbehave: malformed or
// oversized input, slow and vanishing clients, servers that break off.
// Each bad peer must get a clear status code or a clean close; the engine
// must not crash or keep the connection (frontend scur back to 0), and a
// well-behaved client at the same time must still be served promptly.

#include "EngineTestSupport.h"
#include "TestBackend.h"
#include "TestClient.h"

#include <QTimer>
#include <QtTest>

#include <memory>
#include <vector>

using namespace Loadstar::Test;
using Loadstar::Engine::AdminState;
using EngineT = Loadstar::Engine::Engine;

namespace {

const QString Web = QStringLiteral("web");

bool start(EngineT &engine, const FrontendConfig &frontend)
{
    QString error;
    if (engine.start(configOf(frontend), &error))
        return true;
    qWarning("The engine did not start: %s", qPrintable(error));
    return false;
}

// A well-behaved client's GET on a connection of its own: 200 from one of
// the backends.
QString normalClientProblem(quint16 port)
{
    const HttpResponse response = fetchGet(port, "/normal");
    if (response.status != 200 || !response.complete)
        return QStringLiteral("a normal client got status %1").arg(response.status);
    return {};
}

// No connection left behind: no client session, no request on a server, no
// queue.
QString leftovers(const EngineT &engine)
{
    QStringList found;
    for (const StatsRow &row : engine.stats().rows) {
        if (row.scur != 0)
            found << QStringLiteral("%1 scur %2").arg(QString::fromStdString(row.svname)).arg(row.scur);
        if (row.qcur != 0)
            found << QStringLiteral("%1 qcur %2").arg(QString::fromStdString(row.svname)).arg(row.qcur);
    }
    return found.join(QStringLiteral(", "));
}

QString errorProblem(const HttpResponse &response, int status, const QByteArray &words)
{
    if (response.status != status)
        return QStringLiteral("status %1 instead of %2: %3")
            .arg(response.status)
            .arg(status)
            .arg(QString::fromLatin1(response.body.left(200)));
    if (!response.complete || response.header("Connection").toLower() != "close")
        return QStringLiteral("not a complete response with Connection: close");
    if (!response.body.contains(words) || !response.body.endsWith(".\n"))
        return QStringLiteral("the body does not say “%1”: %2")
            .arg(QString::fromLatin1(words), QString::fromLatin1(response.body));
    return {};
}

} // namespace

class EngineRobustnessTest : public QObject
{
    Q_OBJECT

private slots:
    void malformedRequestsGet400_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("detail");
        const QByteArray host = "Host: test\r\n";
        QTest::newRow("no version") << QByteArray("GET /\r\n" + host + "\r\n") << QByteArray("malformed request line");
        QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\n" + host + "\r\n")
                                  << QByteArray("unsupported HTTP version");
        QTest::newRow("lowercase version") << QByteArray("GET / http/1.1\r\n" + host + "\r\n")
                                           << QByteArray("unsupported HTTP version");
        QTest::newRow("no Host") << QByteArray("GET / HTTP/1.1\r\n\r\n") << QByteArray("missing Host header");
        QTest::newRow("method with a slash") << QByteArray("GE/T / HTTP/1.1\r\n" + host + "\r\n")
                                             << QByteArray("malformed method");
        QTest::newRow("NUL in target") << QByteArray("GET /a" + QByteArray(1, '\0') + "b HTTP/1.1\r\n" + host + "\r\n")
                                       << QByteArray("malformed request target");
        QTest::newRow("space before colon") << QByteArray("GET / HTTP/1.1\r\nHost : test\r\n\r\n")
                                            << QByteArray("malformed header field");
        QTest::newRow("field without colon") << QByteArray("GET / HTTP/1.1\r\n" + host + "NoColon\r\n\r\n")
                                             << QByteArray("malformed header field");
        QTest::newRow("obsolete line folding")
            << QByteArray("GET / HTTP/1.1\r\n" + host + "X-A: 1\r\n  more\r\n\r\n") << QByteArray("obsolete line folding");
        QTest::newRow("control character") << QByteArray("GET / HTTP/1.1\r\n" + host + "X-A: a\x01z\r\n\r\n")
                                           << QByteArray("control character in header value");
        QTest::newRow("Content-Length not a number")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: 12a\r\n\r\n") << QByteArray("invalid Content-Length");
        QTest::newRow("two Content-Lengths")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello")
            << QByteArray("invalid Content-Length");
        QTest::newRow("Content-Length and chunked")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")
            << QByteArray("both Transfer-Encoding and Content-Length");
        QTest::newRow("gzip transfer coding")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n")
            << QByteArray("unsupported Transfer-Encoding");
        QTest::newRow("malformed chunk size")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\n")
            << QByteArray("malformed chunked body");
        QTest::newRow("chunk size overflow")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n")
            << QByteArray("malformed chunked body");
        QTest::newRow("TLS handshake") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15)
                                       << QByteArray("malformed request line");
    }

    void malformedRequestsGet400()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, detail);
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        const quint16 port = engine.listenPort(Web);

        TestClient client;
        QVERIFY(client.connectTo(port));
        const HttpResponse response = client.request(raw);
        const QString problem = errorProblem(response, 400, "the request is malformed (" + detail + ").");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(client.waitForClosed());
        // Nothing of it reached a server, and the next client is served.
        QCOMPARE(a.requestCount(), 0);
        QTRY_COMPARE(frontendRow(engine).ereq, 1u);
        const QString normal = normalClientProblem(port);
        QVERIFY2(normal.isEmpty(), qPrintable(normal));
        QTRY_COMPARE(leftovers(engine), QString());
    }

    void headerFloodsGet431_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QByteArray manyFields = "GET / HTTP/1.1\r\nHost: test\r\n";
        for (int i = 0; i < 120; ++i)
            manyFields += "X-Field-" + QByteArray::number(i) + ": v\r\n";
        QTest::newRow("120 fields") << manyFields + "\r\n";
        QTest::newRow("one 20 KiB field") << "GET / HTTP/1.1\r\nHost: test\r\nCookie: " + QByteArray(20 * 1024, 'c')
                                                  + "\r\n\r\n";
        QTest::newRow("20 KiB request line") << "GET /" + QByteArray(20 * 1024, 'p') + " HTTP/1.1\r\nHost: test\r\n\r\n";
        QByteArray endless = "GET / HTTP/1.1\r\nHost: test\r\n";
        while (endless.size() < 256 * 1024)
            endless += "X-Again: and again\r\n";
        QTest::newRow("a head that never ends") << endless;
    }

    void headerFloodsGet431()
    {
        QFETCH(QByteArray, raw);
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        const quint16 port = engine.listenPort(Web);

        TestClient client;
        QVERIFY(client.connectTo(port));
        const HttpResponse response = client.request(raw);
        const QString problem = errorProblem(response, 431, "the request head is too large.");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(client.waitForClosed());
        QCOMPARE(a.requestCount(), 0);
        const QString normal = normalClientProblem(port);
        QVERIFY2(normal.isEmpty(), qPrintable(normal));
        QTRY_COMPARE(leftovers(engine), QString());
    }

    void malformedChunkAfterTheHeadWasForwardedGets400()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        const quint16 port = engine.listenPort(Web);
        TestClient client;
        QVERIFY(client.connectTo(port));
        client.send("POST /stream HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        // The head and the first chunk are on their way to the server…
        QTRY_COMPARE(serverRow(engine, "a").scur, 1u);
        QTRY_COMPARE(a.openConnections(), 1);
        // …when the next chunk turns out malformed.
        client.send("not a chunk size\r\n");
        const HttpResponse response = client.readResponse();
        const QString problem = errorProblem(response, 400, "malformed chunked body");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(client.waitForClosed());
        // The server's half-sent request is abandoned with its connection.
        QTRY_COMPARE(a.openConnections(), 0);
        QCOMPARE(a.requestCount(), 0);
        QTRY_COMPARE(leftovers(engine), QString());
        const QString normal = normalClientProblem(port);
        QVERIFY2(normal.isEmpty(), qPrintable(normal));
    }

    void oversizedBodyGets413()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        // The client starts sending its 2 TB body right away; the answer
        // comes without waiting for it, and nothing reaches the server.
        const HttpResponse response = client.request("PUT /disk HTTP/1.1\r\nHost: test\r\nContent-Length: 2000000000000\r\n\r\n"
                                                     + QByteArray(256 * 1024, 'b'));
        const QString problem = errorProblem(response, 413, "larger than this load balancer accepts");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(client.waitForClosed());
        QCOMPARE(a.requestCount(), 0);
        QCOMPARE(serverRow(engine, "a").stot, 0u);
        QTRY_COMPARE(leftovers(engine), QString());
    }

    void slowlorisClientsDoNotStarveOthers()
    {
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        FrontendConfig frontend = webFrontend({serverOf(a), serverOf(b)});
        frontend.timeoutHttpRequest = 3000;
        EngineT engine(2);
        QVERIFY(start(engine, frontend));
        const quint16 port = engine.listenPort(Web);

        // Thirty clients send a head one byte at a time, every 50 ms, forever.
        std::vector<std::unique_ptr<TestClient>> slow;
        for (int i = 0; i < 30; ++i) {
            slow.push_back(std::make_unique<TestClient>());
            QVERIFY(slow.back()->connectTo(port));
            slow.back()->send("GET / HTTP/1.1\r\nHost: test\r\n");
        }
        QTimer drip;
        connect(&drip, &QTimer::timeout, this, [&slow] {
            for (const auto &client : slow) {
                if (!client->isClosed())
                    client->send("X");
            }
        });
        drip.start(50);

        // Meanwhile a normal client is served again and again, while the
        // slow ones still hold their connections: it doesn't wait for them.
        for (int i = 0; i < 5; ++i) {
            const QString normal = normalClientProblem(port);
            QVERIFY2(normal.isEmpty(), qPrintable(normal));
        }
        QVERIFY(std::none_of(slow.begin(), slow.end(), [](const auto &c) { return c->isClosed(); }));
        // Dripping doesn't buy time (it goes on forever): the whole head had
        // its 3 s, from the accept.
        QTRY_VERIFY_WITH_TIMEOUT(std::all_of(slow.begin(), slow.end(), [](const auto &c) { return c->isClosed(); }),
                                 15000);
        for (const auto &client : slow) {
            const HttpResponse response = client->readResponse(0);
            const QString problem = errorProblem(response, 408, "the request did not arrive in time.");
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
        }
        QCOMPARE(a.requestCount() + b.requestCount(), 5);
        QTRY_COMPARE(frontendRow(engine).ereq, 30u);
        QTRY_COMPARE(leftovers(engine), QString());
    }

    void idleConnectionsAreClosedSilently()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        FrontendConfig frontend = webFrontend({serverOf(a)});
        frontend.timeoutHttpRequest = 300;
        frontend.timeoutHttpKeepAlive = 300;
        EngineT engine(1);
        QVERIFY(start(engine, frontend));
        const quint16 port = engine.listenPort(Web);

        // Connected, never a byte: closed without a word (nothing to answer).
        TestClient silent;
        QVERIFY(silent.connectTo(port));
        // One request, then silence: closed after the keep-alive timeout.
        TestClient done;
        QVERIFY(done.connectTo(port));
        QCOMPARE(done.get("/").status, 200);
        QVERIFY(silent.waitForClosed(3000));
        QVERIFY(done.waitForClosed(3000));
        QCOMPARE(silent.received(), QByteArray());
        QCOMPARE(done.received(), QByteArray());
        QTRY_COMPARE(leftovers(engine), QString());
    }

    void clientsVanishingMidRequest_data()
    {
        QTest::addColumn<QString>("when");
        QTest::addColumn<bool>("abrupt");
        for (const char *when : {"during the head", "during the body", "waiting for the response",
                                 "while the response streams"}) {
            QTest::addRow("%s, reset", when) << QString::fromLatin1(when) << true;
            QTest::addRow("%s, closed", when) << QString::fromLatin1(when) << false;
        }
    }

    void clientsVanishingMidRequest()
    {
        QFETCH(QString, when);
        QFETCH(bool, abrupt);
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        const quint16 port = engine.listenPort(Web);

        // A well-behaved client with a connection open all along.
        TestClient bystander;
        QVERIFY(bystander.connectTo(port));
        QCOMPARE(bystander.get("/before").status, 200);

        TestClient client;
        QVERIFY(client.connectTo(port));
        if (when == QLatin1String("during the head")) {
            client.send("GET /vanish HTTP/1.1\r\nHo");
            QTRY_COMPARE(qint64(frontendRow(engine).bin), bystander.bytesSent() + client.bytesSent());
        } else if (when == QLatin1String("during the body")) {
            client.send("POST /vanish HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n" + QByteArray(1000, 'b'));
            QTRY_COMPARE(serverRow(engine, "a").scur, 1u);
        } else if (when == QLatin1String("waiting for the response")) {
            a.setMode(TestBackend::Mode::Hold);
            client.send("GET /vanish HTTP/1.1\r\nHost: test\r\n\r\n");
            QTRY_COMPARE(a.heldCount(), 1);
        } else {
            a.setBody(QByteArray(16 * 1024 * 1024, 'r'));
            client.send("GET /vanish HTTP/1.1\r\nHost: test\r\n\r\n");
            QTRY_VERIFY(client.hasHead());
        }
        if (abrupt)
            client.reset();
        else
            client.close();
        a.setMode(TestBackend::Mode::Answer);
        a.release();
        a.setBody({});

        // Nothing left behind, and the others carry on.
        QTRY_COMPARE(leftovers(engine), QStringLiteral("FRONTEND scur 1")); // the bystander
        QCOMPARE(bystander.get("/after").status, 200);
        const QString normal = normalClientProblem(port);
        QVERIFY2(normal.isEmpty(), qPrintable(normal));
        bystander.close();
        QTRY_COMPARE(leftovers(engine), QString());
        if (when == QLatin1String("during the body"))
            QCOMPARE(frontendRow(engine).cliAbrt, 1u);
    }

    void backendResettingMidResponseCutsOnlyItsClient()
    {
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b)})));
        const quint16 port = engine.listenPort(Web);
        TestClient bystander;
        QVERIFY(bystander.connectTo(port));

        a.setMode(TestBackend::Mode::PartialHold);
        TestClient client;
        QVERIFY(client.connectTo(port));
        client.send("GET /big HTTP/1.1\r\nHost: test\r\n\r\n");
        QTRY_VERIFY(client.hasHead());
        QTRY_COMPARE(client.received().size() - client.received().indexOf("\r\n\r\n") - 4, qsizetype(1000));
        a.resetHeld();

        // The head is out already: the only honest signal left is a cut
        // connection, short of the promised 100000 bytes.
        QVERIFY(client.waitForClosed());
        const HttpResponse response = client.readResponse(0);
        QCOMPARE(response.status, 200);
        QVERIFY(!response.complete);
        QCOMPARE(response.body.size(), 1000);
        QTRY_COMPARE(serverRow(engine, "a").srvAbrt, 1u);
        QCOMPARE(frontendRow(engine).srvAbrt, 1u);

        a.setMode(TestBackend::Mode::Answer);
        QCOMPARE(bystander.get("/1").status, 200);
        QCOMPARE(bystander.get("/2").status, 200);
        bystander.close();
        QTRY_COMPARE(leftovers(engine), QString());
    }

    void allServersDownGet503_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("health checks failing") << "down";
        QTest::newRow("maintenance") << "maint";
        QTest::newRow("every server refuses") << "refuse";
        QTest::newRow("every server refuses, redispatch") << "refuse-redispatch";
    }

    void allServersDownGet503()
    {
        QFETCH(QString, how);
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        const bool refuse = how.startsWith(QLatin1String("refuse"));
        RefusingPort refusingA, refusingB;
        FrontendConfig frontend = refuse ? webFrontend({serverOn("a", refusingA.port()), serverOn("b", refusingB.port())})
                                         : webFrontend({serverOf(a), serverOf(b)});
        frontend.retries = 2;
        frontend.timeoutConnect = 200;
        frontend.redispatch = how == QLatin1String("refuse-redispatch");
        EngineT engine(2);
        QVERIFY(start(engine, frontend));
        for (const QString &server : {QStringLiteral("a"), QStringLiteral("b")}) {
            if (how == QLatin1String("down"))
                QVERIFY(engine.setServerHealth(Web, server, false));
            else if (how == QLatin1String("maint"))
                QVERIFY(engine.setServerState(Web, server, AdminState::Maint));
        }
        const quint16 port = engine.listenPort(Web);

        // Twenty clients at once: every one gets its 503, none hangs.
        std::vector<std::unique_ptr<TestClient>> clients;
        for (int i = 0; i < 20; ++i) {
            clients.push_back(std::make_unique<TestClient>());
            QVERIFY(clients.back()->connectTo(port));
            clients.back()->send("GET /" + QByteArray::number(i) + " HTTP/1.1\r\nHost: test\r\n\r\n");
        }
        for (const auto &client : clients) {
            const HttpResponse response = client->readResponse(3000);
            const QString problem = errorProblem(response, 503, "no server of web is available");
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
        }
        QCOMPARE(a.requestCount() + b.requestCount(), 0);
        QTRY_COMPARE(frontendRow(engine).hrsp[4], 20u);
        QTRY_COMPARE(leftovers(engine), QString());
        if (refuse)
            QCOMPARE(backendRow(engine).econ, 60u); // three attempts each
    }

    void tcpModeClosesClientsWhenNoServerConnects()
    {
        RefusingPort refusing;
        FrontendConfig frontend = webFrontend({serverOn("a", refusing.port())});
        frontend.mode = FrontendConfig::Mode::Tcp;
        frontend.retries = 1;
        frontend.timeoutConnect = 200;
        EngineT engine(2);
        QVERIFY(start(engine, frontend));
        // TCP has no status line to say why: the connection just closes,
        // after the retry, for every client.
        std::vector<std::unique_ptr<TestClient>> clients;
        for (int i = 0; i < 10; ++i) {
            clients.push_back(std::make_unique<TestClient>());
            QVERIFY(clients.back()->connectTo(engine.listenPort(Web)));
            clients.back()->send("GET / HTTP/1.1\r\nHost: test\r\n\r\n");
        }
        for (const auto &client : clients) {
            QVERIFY(client->waitForClosed(3000));
            QCOMPARE(client->received(), QByteArray());
        }
        QTRY_COMPARE(serverRow(engine, "a").econ, 20u);
        QTRY_COMPARE(leftovers(engine), QString());
    }

    void manyClientsAtOnce()
    {
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b)})));
        const quint16 port = engine.listenPort(Web);
        std::vector<std::unique_ptr<TestClient>> clients;
        for (int i = 0; i < 150; ++i) {
            clients.push_back(std::make_unique<TestClient>());
            QVERIFY(clients.back()->connectTo(port));
        }
        for (size_t i = 0; i < clients.size(); ++i)
            clients[i]->send("GET /" + QByteArray::number(qulonglong(i)) + " HTTP/1.1\r\nHost: test\r\n\r\n");
        for (size_t i = 0; i < clients.size(); ++i) {
            const HttpResponse response = clients[i]->readResponse(10000);
            QCOMPARE(response.status, 200);
            QCOMPARE(response.header("X-Target"), "/" + QByteArray::number(qulonglong(i)));
        }
        QCOMPARE(a.requestCount() + b.requestCount(), 150);
        QCOMPARE(a.requestCount(), 75);
        clients.clear();
        QTRY_COMPARE(leftovers(engine), QString());
        QCOMPARE(frontendRow(engine).stot, 150u);
    }

    void pipelineFloodIsAnsweredInOrder()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        // 600 requests in one go, more than a 16 KiB buffer holds.
        QByteArray burst;
        for (int i = 0; i < 600; ++i)
            burst += "GET /" + QByteArray::number(i) + " HTTP/1.1\r\nHost: test\r\n\r\n";
        QVERIFY(burst.size() > 16 * 1024);
        client.send(burst);
        for (int i = 0; i < 600; ++i) {
            const HttpResponse response = client.readResponse();
            QCOMPARE(response.status, 200);
            QCOMPARE(response.header("X-Target"), "/" + QByteArray::number(i));
        }
        QCOMPARE(a.requestCount(), 600);
        QTRY_COMPARE(frontendRow(engine).reqTot, 600u);
    }

    void halfClosedClientStillGetsItsResponse()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        a.setMode(TestBackend::Mode::Delay, 100);
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        // As "printf 'GET …' | nc -N" does: the request, then end of input.
        client.send("GET / HTTP/1.1\r\nHost: test\r\n\r\n");
        client.shutdownSend();
        const HttpResponse response = client.readResponse();
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, QByteArray("a"));
        QVERIFY(client.waitForClosed());
        QTRY_COMPARE(leftovers(engine), QString());
    }

    void frontendMaxconnMakesClientsWaitNotFail()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        FrontendConfig frontend = webFrontend({serverOf(a)});
        frontend.maxconn = 2;
        EngineT engine(1);
        QVERIFY(start(engine, frontend));
        const quint16 port = engine.listenPort(Web);

        a.setMode(TestBackend::Mode::Hold);
        TestClient first, second, third;
        QVERIFY(first.connectTo(port) && second.connectTo(port));
        first.send("GET /1 HTTP/1.1\r\nHost: test\r\n\r\n");
        second.send("GET /2 HTTP/1.1\r\nHost: test\r\n\r\n");
        QTRY_COMPARE(a.heldCount(), 2);
        // The kernel takes the third connection; the engine leaves it in the
        // backlog until a slot frees.
        QVERIFY(third.connectTo(port));
        third.send("GET /3 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        QCOMPARE(frontendRow(engine).scur, 2u);

        a.setMode(TestBackend::Mode::Answer);
        a.release();
        QCOMPARE(first.readResponse().status, 200);
        first.close();
        QCOMPARE(third.readResponse().status, 200);
        QCOMPARE(second.readResponse().status, 200);
        QCOMPARE(frontendRow(engine).smax, 2u);
        QCOMPARE(frontendRow(engine).slim, 2u);
    }

    void stoppingClosesEveryConnection()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        ServerConfig server = serverOf(a);
        server.maxconn = 1;
        auto engine = std::make_unique<EngineT>(2);
        QVERIFY(start(*engine, webFrontend({server})));
        const quint16 port = engine->listenPort(Web);

        TestClient idle, partial, waiting, queued;
        QVERIFY(idle.connectTo(port) && partial.connectTo(port) && waiting.connectTo(port) && queued.connectTo(port));
        QCOMPARE(idle.get("/").status, 200);
        partial.send("GET / HTTP/1.1\r\nHo");
        a.setMode(TestBackend::Mode::Hold);
        waiting.send("GET /held HTTP/1.1\r\nHost: test\r\n\r\n");
        QTRY_COMPARE(a.heldCount(), 1);
        queued.send("GET /queued HTTP/1.1\r\nHost: test\r\n\r\n");
        QTRY_COMPARE(backendRow(*engine).qcur, 1u);

        engine->stop();
        QVERIFY(!engine->isRunning());
        for (TestClient *client : {&idle, &partial, &waiting, &queued})
            QVERIFY(client->waitForClosed());
        QTRY_COMPARE(a.openConnections(), 0);
        // The port is free again, and a stopped engine starts again.
        engine.reset();
        a.setMode(TestBackend::Mode::Answer);
        EngineT again(1);
        FrontendConfig frontend = webFrontend({server});
        frontend.port = port;
        QVERIFY(start(again, frontend));
        QCOMPARE(fetchGet(port).status, 200);
    }
};

QTEST_GUILESS_MAIN(EngineRobustnessTest)
#include "tst_engine_robustness.moc"
