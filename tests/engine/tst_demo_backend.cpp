// The demo backends as a user meets them after pressing Run: real HTTP
// servers on loopback that answer with their node's name, and that die,
// hang, slow down or fail on demand — alone and behind the real engine.

#include "EngineTestSupport.h"
#include "TestBackend.h"
#include "TestClient.h"

#include "engine/demo/DemoBackends.h"

#include <QElapsedTimer>
#include <QStringList>
#include <QTcpServer>
#include <QTimer>
#include <QtTest>

using namespace Loadstar::Test;
using Loadstar::Engine::DemoBackends;
using Loadstar::Engine::DemoFault;
using Loadstar::Engine::EngineConfig;
using EngineT = Loadstar::Engine::Engine;

namespace {

const QString Web1 = QStringLiteral("web-01");
const QString Web2 = QStringLiteral("web-02");

ServerConfig embedded(const QString &name, quint16 port = 0, const QString &address = QStringLiteral("127.0.0.1"))
{
    ServerConfig server = serverOn(name, port);
    server.address = address;
    server.embedded = true;
    return server;
}

EngineConfig watching(const QList<ServerConfig> &servers)
{
    EngineConfig config;
    config.watched = servers;
    return config;
}

bool start(DemoBackends &demo, const EngineConfig &config)
{
    QString error;
    if (demo.start(config, &error))
        return true;
    qWarning("The demo backends did not start: %s", qPrintable(error));
    return false;
}

// Who answered, as a user reads it: the body, or the status when not 200.
QString who(const HttpResponse &response)
{
    if (response.status != 200)
        return QStringLiteral("<%1>").arg(response.status);
    return QString::fromUtf8(response.body).trimmed();
}

QString sequence(TestClient &client, int count)
{
    QStringList names;
    for (int i = 0; i < count; ++i)
        names << who(client.get("/"));
    return names.join(QLatin1Char(' '));
}

bool refused(quint16 port)
{
    TestClient client;
    return !client.connectTo(port, QHostAddress(), 3000);
}

} // namespace

class DemoBackendTest : public QObject
{
    Q_OBJECT

private slots:
    // --- Answering ---------------------------------------------------------

    void answersWithItsNameOnAKeepAliveConnection()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1)})));
        QVERIFY(demo.port(Web1) != 0);

        TestClient client;
        QVERIFY(client.connectTo(demo.port(Web1)));
        for (const QByteArray path : {"/", "/index.html", "/api/items?id=3"}) {
            const HttpResponse response = client.get(path);
            QCOMPARE(response.status, 200);
            QVERIFY(response.complete);
            QCOMPARE(response.body, QByteArray("web-01\n"));
            QCOMPARE(response.header("X-Served-By"), QByteArray("web-01"));
            QCOMPARE(response.header("Content-Type"), QByteArray("text/plain"));
        }
        QVERIFY(!client.isClosed());
        QCOMPARE(demo.stats().first().answered, 3u);
        QCOMPARE(demo.stats().first().connections, 1);
    }

    void anyMethodGetsTheSameAnswer()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1)})));
        TestClient client;
        QVERIFY(client.connectTo(demo.port(Web1)));
        for (const QByteArray method : {"DELETE", "OPTIONS", "PATCH"}) {
            const HttpResponse response = client.request(method + " /x HTTP/1.1\r\nHost: d\r\n\r\n");
            QCOMPARE(who(response), Web1);
        }
    }

    void http10ClosesAfterTheAnswer()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1)})));
        TestClient client;
        QVERIFY(client.connectTo(demo.port(Web1)));
        const HttpResponse response = client.request("GET / HTTP/1.0\r\n\r\n");
        QCOMPARE(who(response), Web1);
        QCOMPARE(response.header("Connection"), QByteArray("close"));
        QVERIFY(client.waitForClosed());

        // HTTP/1.0 asking for keep-alive keeps the connection.
        TestClient keeping;
        QVERIFY(keeping.connectTo(demo.port(Web1)));
        const QByteArray request = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
        QCOMPARE(who(keeping.request(request)), Web1);
        QCOMPARE(who(keeping.request(request)), Web1);
        QVERIFY(!keeping.isClosed());
    }

    void headGetsTheHeadWithoutBody()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1)})));
        TestClient client;
        QVERIFY(client.connectTo(demo.port(Web1)));
        const HttpResponse head = client.request("HEAD / HTTP/1.1\r\nHost: d\r\n\r\n");
        QCOMPARE(head.status, 200);
        QCOMPARE(head.header("Content-Length"), QByteArray("7"));
        QCOMPARE(head.header("X-Served-By"), QByteArray("web-01"));
        // Had a body followed, this GET's answer would start with it.
        const HttpResponse next = client.get();
        QCOMPARE(next.body, QByteArray("web-01\n"));
        QVERIFY(client.received().isEmpty());
    }

    void requestBodiesAreReadAndDiscarded()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1)})));
        TestClient client;
        QVERIFY(client.connectTo(demo.port(Web1)));
        // A body that looks like a request must not be taken for one.
        const QByteArray fake = "GET /fake HTTP/1.1\r\nHost: d\r\n\r\n";
        QCOMPARE(who(client.request("POST /form HTTP/1.1\r\nHost: d\r\nContent-Length: "
                                    + QByteArray::number(fake.size()) + "\r\n\r\n" + fake)),
                 Web1);
        QCOMPARE(who(client.request("PUT /up HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    "5\r\nhello\r\n"
                                    + QByteArray::number(fake.size(), 16) + "\r\n" + fake + "\r\n0\r\n\r\n")),
                 Web1);
        // A large body arriving in pieces.
        client.send("POST /big HTTP/1.1\r\nHost: d\r\nContent-Length: 100000\r\n\r\n");
        client.send(QByteArray(60000, 'x'));
        client.send(QByteArray(40000, 'y'));
        QCOMPARE(who(client.readResponse()), Web1);
        QCOMPARE(who(client.get()), Web1);
        QVERIFY(client.received().isEmpty());
        QCOMPARE(demo.stats().first().answered, 4u);
    }

    void malformedRequestGets400AndClose()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1)})));
        TestClient client;
        QVERIFY(client.connectTo(demo.port(Web1)));
        const HttpResponse response = client.request("NOT HTTP AT ALL\r\n\r\n");
        QCOMPARE(response.status, 400);
        QVERIFY(client.waitForClosed());

        TestClient huge;
        QVERIFY(huge.connectTo(demo.port(Web1)));
        huge.send("GET / HTTP/1.1\r\nHost: d\r\nCookie: " + QByteArray(20000, 'c') + "\r\n\r\n");
        QCOMPARE(huge.readResponse().status, 400);
        QVERIFY(huge.waitForClosed());
        QCOMPARE(who(fetchGet(demo.port(Web1))), Web1);
    }

    void twoBackendsAnswerWithTheirOwnNames()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1), embedded(Web2)})));
        QCOMPARE(demo.names(), QStringList({Web1, Web2}));
        QVERIFY(demo.port(Web1) != demo.port(Web2));
        QCOMPARE(who(fetchGet(demo.port(Web1))), Web1);
        QCOMPARE(who(fetchGet(demo.port(Web2))), Web2);
    }

    void embeddedServersOfEveryFrontendAndWatchedRunOnce()
    {
        ServerConfig external = serverOn(QStringLiteral("legacy"), 0);
        EngineConfig config;
        FrontendConfig lb1 = webFrontend({embedded(Web1), external});
        FrontendConfig lb2 = webFrontend({embedded(Web1), embedded(Web2)});
        lb2.name = QStringLiteral("lb-2");
        config.frontends = {lb1, lb2};
        config.watched = {embedded(QStringLiteral("app-01")), embedded(Web2)};
        DemoBackends demo;
        QVERIFY(start(demo, config));
        QCOMPARE(demo.names(), QStringList({Web1, Web2, QStringLiteral("app-01")}));
        QCOMPARE(demo.port(QStringLiteral("legacy")), quint16(0));
        QCOMPARE(who(fetchGet(demo.port(QStringLiteral("app-01")))), QStringLiteral("app-01"));
    }

    // --- Starting ------------------------------------------------------------

    void portInUseStartsNothing()
    {
        QTcpServer occupant;
        QVERIFY(occupant.listen(QHostAddress::LocalHost));
        RefusingPort free;
        const quint16 freePort = free.port();
        free.release();

        DemoBackends demo;
        QString error;
        QVERIFY(!demo.start(watching({embedded(Web1, freePort), embedded(Web2, occupant.serverPort())}), &error));
        QCOMPARE(error, QStringLiteral("web-02 can't listen on 127.0.0.1:%1: the port is in use.")
                            .arg(occupant.serverPort()));
        QVERIFY(!demo.isRunning());
        QVERIFY(demo.names().isEmpty());
        QVERIFY2(refused(freePort), "web-01 was left listening");
    }

    void addressMustBeLoopback()
    {
        DemoBackends demo;
        QString error;
        QVERIFY(!demo.start(watching({embedded(Web1), embedded(Web2, 8082, QStringLiteral("10.0.0.5"))}), &error));
        QCOMPARE(error, QStringLiteral("web-02 can't be a demo backend on 10.0.0.5: demo backends listen only on "
                                       "loopback addresses (127.0.0.0/8 or ::1)."));
        QVERIFY(!demo.isRunning());
        QVERIFY(demo.names().isEmpty());
    }

    void anyLoopbackAddressWorks()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1, 0, QStringLiteral("127.0.0.2"))})));
        TestClient client;
        // TestClient connects to 127.0.0.1: nothing listens there.
        QVERIFY(!client.connectTo(demo.port(Web1), QHostAddress(), 3000));
        QTcpSocket socket;
        socket.connectToHost(QHostAddress(QStringLiteral("127.0.0.2")), demo.port(Web1));
        QVERIFY(socket.waitForConnected(5000));
        socket.write("GET / HTTP/1.0\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(socket.bytesAvailable() > 0 && socket.peek(4096).endsWith("web-01\n"), 5000);
    }

    void applyKeepsRunningBackendsWithTheirFaultAndPort()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1), embedded(Web2)})));
        const quint16 port1 = demo.port(Web1);
        const quint16 port2 = demo.port(Web2);
        DemoFault slow;
        slow.errorPercent = 100;
        QVERIFY(demo.setFault(Web1, slow));
        TestClient kept;
        QVERIFY(kept.connectTo(port1));
        QCOMPARE(kept.get().status, 500);

        QString error;
        QVERIFY2(demo.apply(watching({embedded(Web1), embedded(QStringLiteral("web-03"))}), &error),
                 qPrintable(error));
        QCOMPARE(demo.names(), QStringList({Web1, QStringLiteral("web-03")}));
        QCOMPARE(demo.port(Web1), port1);
        QCOMPARE(demo.fault(Web1), slow);
        QCOMPARE(demo.stats().first().answered, 1u);
        // The open connection survived, still failing as told.
        QCOMPARE(kept.get().status, 500);
        QVERIFY(refused(port2));
        QCOMPARE(who(fetchGet(demo.port(QStringLiteral("web-03")))), QStringLiteral("web-03"));

        // A new port for web-03 moves it; web-01 stays.
        RefusingPort free;
        const quint16 freePort = free.port();
        free.release();
        QVERIFY(demo.apply(watching({embedded(Web1), embedded(QStringLiteral("web-03"), freePort)}), &error));
        QCOMPARE(demo.port(QStringLiteral("web-03")), freePort);
        QCOMPARE(who(fetchGet(freePort)), QStringLiteral("web-03"));
        QCOMPARE(kept.get().status, 500);
    }

    void applyWithAPortInUseChangesNothing()
    {
        QTcpServer occupant;
        QVERIFY(occupant.listen(QHostAddress::LocalHost));
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1)})));
        QString error;
        QVERIFY(!demo.apply(watching({embedded(Web2, occupant.serverPort())}), &error));
        QCOMPARE(error, QStringLiteral("web-02 can't listen on 127.0.0.1:%1: the port is in use.")
                            .arg(occupant.serverPort()));
        QCOMPARE(demo.names(), QStringList({Web1}));
        QCOMPARE(who(fetchGet(demo.port(Web1))), Web1);
    }

    // --- Faults --------------------------------------------------------------

    void killRefusesAndResetsThenReviveAnswersOnTheSamePort()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1)})));
        const quint16 port = demo.port(Web1);
        TestClient open;
        QVERIFY(open.connectTo(port));
        QCOMPARE(who(open.get()), Web1);
        // A request in flight when it dies is never answered.
        DemoFault slow;
        slow.latencyMs = 60000;
        QVERIFY(demo.setFault(Web1, slow));
        TestClient inFlight;
        QVERIFY(inFlight.connectTo(port));
        inFlight.send("GET / HTTP/1.1\r\nHost: d\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(demo.stats().first().connections, 2, 5000);

        QVERIFY(demo.setKilled(Web1, true));
        QVERIFY(demo.fault(Web1).killed);
        QVERIFY(open.waitForClosed());
        QVERIFY(inFlight.waitForClosed());
        QCOMPARE(inFlight.bytesReceived(), 0);
        QVERIFY(refused(port));
        QCOMPARE(demo.stats().first().connections, 0);

        QVERIFY(demo.setFault(Web1, DemoFault{}));
        QCOMPARE(demo.port(Web1), port);
        QCOMPARE(who(fetchGet(port)), Web1);
    }

    void reviveOnATakenPortSaysSoAndStaysKilled()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1)})));
        const quint16 port = demo.port(Web1);
        QVERIFY(demo.setKilled(Web1, true));
        QTcpServer thief;
        QVERIFY(thief.listen(QHostAddress::LocalHost, port));
        QString error;
        QVERIFY(!demo.setKilled(Web1, false, &error));
        QCOMPARE(error, QStringLiteral("web-01 can't listen on 127.0.0.1:%1: the port is in use.").arg(port));
        QVERIFY(demo.fault(Web1).killed);
        thief.close();
        QVERIFY(demo.setKilled(Web1, false));
        QCOMPARE(who(fetchGet(port)), Web1);
    }

    void hungAcceptsButAnswersOnlyAfterUnhang()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1)})));
        TestClient early; // its request was read before the hang
        QVERIFY(early.connectTo(demo.port(Web1)));
        QCOMPARE(who(early.get()), Web1);
        QVERIFY(demo.setHung(Web1, true));

        TestClient client;
        QVERIFY(client.connectTo(demo.port(Web1))); // the listener stays open
        client.send("GET / HTTP/1.1\r\nHost: d\r\n\r\n");
        early.send("GET / HTTP/1.1\r\nHost: d\r\n\r\n");
        constexpr int HangMs = 400;
        const qint64 earlyBefore = early.bytesReceived();
        qint64 receivedWhileHung = -1;
        bool unhung = false;
        QTimer::singleShot(HangMs, this, [&] {
            receivedWhileHung = client.bytesReceived() + early.bytesReceived() - earlyBefore;
            unhung = demo.setHung(Web1, false);
        });
        QElapsedTimer timer;
        timer.start();
        const HttpResponse response = client.readResponse(10000);
        QCOMPARE(who(response), Web1);
        QVERIFY2(timer.elapsed() >= HangMs - 50, "answered while hung");
        QVERIFY(unhung);
        QCOMPARE(receivedWhileHung, 0);
        QCOMPARE(who(early.readResponse(10000)), Web1);
        QVERIFY(!demo.fault(Web1).hung);
    }

    void latencyDelaysEveryResponse()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1)})));
        QVERIFY(demo.setLatency(Web1, 250));
        TestClient client;
        QVERIFY(client.connectTo(demo.port(Web1)));
        for (int i = 0; i < 2; ++i) {
            QElapsedTimer timer;
            timer.start();
            QCOMPARE(who(client.get("/", 10000)), Web1);
            QVERIFY2(timer.elapsed() >= 250, qPrintable(QString::number(timer.elapsed())));
        }
        QCOMPARE(demo.fault(Web1).latencyMs, 250);
    }

    void errorRateGivesExactlyThatShareOf500s_data()
    {
        QTest::addColumn<int>("percent");
        QTest::addColumn<int>("expected");
        QTest::newRow("0 %") << 0 << 0;
        QTest::newRow("25 %") << 25 << 10;
        QTest::newRow("100 %") << 100 << 40;
    }

    void errorRateGivesExactlyThatShareOf500s()
    {
        QFETCH(int, percent);
        QFETCH(int, expected);
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1)})));
        QVERIFY(demo.setErrorPercent(Web1, percent));
        TestClient client;
        QVERIFY(client.connectTo(demo.port(Web1)));
        int errors = 0;
        for (int i = 0; i < 40; ++i) {
            const HttpResponse response = client.get();
            if (response.status == 500) {
                ++errors;
                QCOMPARE(response.body, QByteArray("web-01: injected error\n"));
                QCOMPARE(response.header("X-Served-By"), QByteArray("web-01"));
                // 25 %: one in every 4, the 4th.
                if (percent == 25)
                    QCOMPARE(i % 4, 3);
            } else {
                QCOMPARE(who(response), Web1);
            }
        }
        QCOMPARE(errors, expected);
        QCOMPARE(demo.stats().first().errors, quint64(expected));
        QCOMPARE(demo.stats().first().answered, 40u);
    }

    void faultOfAnUnknownBackendIsRefused()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1)})));
        QString error;
        QVERIFY(!demo.setKilled(QStringLiteral("web-09"), true, &error));
        QCOMPARE(error, QStringLiteral("There is no demo backend named web-09."));
    }

    void stopWithOpenConnectionsReturnsPromptly()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1), embedded(Web2)})));
        QVERIFY(demo.setLatency(Web1, 60000));
        QVERIFY(demo.setHung(Web2, true));
        TestClient slow, hung, idle;
        QVERIFY(slow.connectTo(demo.port(Web1)) && hung.connectTo(demo.port(Web2)) && idle.connectTo(demo.port(Web1)));
        slow.send("GET / HTTP/1.1\r\nHost: d\r\n\r\n");
        hung.send("GET / HTTP/1.1\r\nHost: d\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(demo.stats()[0].connections + demo.stats()[1].connections, 3, 5000);

        QElapsedTimer timer;
        timer.start();
        demo.stop();
        // Waiting out the 60 s latency would take a minute.
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(!demo.isRunning());
        QVERIFY(slow.waitForClosed() && hung.waitForClosed() && idle.waitForClosed());
        QVERIFY(demo.names().isEmpty());
    }

    // --- Behind the engine ---------------------------------------------------

    void engineBalancesAcrossDemoBackends()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1), embedded(Web2)})));
        EngineT engine(1);
        QString error;
        QVERIFY2(engine.start(configOf(webFrontend({serverOn(Web1, demo.port(Web1)), serverOn(Web2, demo.port(Web2))})),
                              &error),
                 qPrintable(error));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(QStringLiteral("web"))));
        QCOMPARE(sequence(client, 4), QStringLiteral("web-01 web-02 web-01 web-02"));
    }

    void engineRedispatchesAroundAKilledDemoBackend()
    {
        DemoBackends demo;
        QVERIFY(start(demo, watching({embedded(Web1), embedded(Web2)})));
        FrontendConfig frontend = webFrontend({serverOn(Web1, demo.port(Web1)), serverOn(Web2, demo.port(Web2))});
        frontend.redispatch = true;
        frontend.retries = 3;
        EngineT engine(1);
        QString error;
        QVERIFY2(engine.start(configOf(frontend), &error), qPrintable(error));
        QVERIFY(demo.setKilled(Web1, true));

        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(QStringLiteral("web"))));
        QCOMPARE(sequence(client, 10), QStringLiteral("web-02 web-02 web-02 web-02 web-02 web-02 web-02 web-02 web-02 web-02"));
        QCOMPARE(demo.stats()[1].answered, 10u);

        QVERIFY(demo.setKilled(Web1, false));
        QCOMPARE(sequence(client, 4).split(QLatin1Char(' ')).count(Web1), 2);
    }
};

QTEST_GUILESS_MAIN(DemoBackendTest)
#include "tst_demo_backend.moc"
