// The engine as its users meet it: real client and server sockets on
// loopback, one behaviour per test — how requests are spread, what happens
// when servers go away or misbehave, what each error looks like, and whether
// the stats tell the truth about the traffic.

#include "EngineTestSupport.h"
#include "TestBackend.h"
#include "TestClient.h"

#include "engine/Counters.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QSet>
#include <QStringList>
#include <QtTest>

#include <mutex>

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

QString describe(const HttpResponse &response)
{
    return response.status == 200 ? response.server() : QStringLiteral("<%1>").arg(response.status);
}

// The servers that answered `count` GETs sent one after the other on one
// keep-alive connection.
QString sequence(TestClient &client, int count)
{
    QStringList servers;
    for (int i = 0; i < count; ++i)
        servers << describe(client.get("/"));
    return servers.join(QLatin1Char(' '));
}

// The same, each GET on a connection of its own.
QString sequenceOnNewConnections(quint16 port, int count)
{
    QStringList servers;
    for (int i = 0; i < count; ++i)
        servers << describe(fetchGet(port));
    return servers.join(QLatin1Char(' '));
}

// An error as the engine answers one: the status, a plain-text body of one
// sentence that starts with the status and says what went wrong, and the
// connection closed after it. Empty when it is so; what differs otherwise.
QString errorProblem(TestClient &client, const HttpResponse &response, int status, const QByteArray &words)
{
    if (response.status != status)
        return QStringLiteral("status %1 instead of %2; body: %3")
            .arg(response.status)
            .arg(status)
            .arg(QString::fromLatin1(response.body));
    if (!response.complete)
        return QStringLiteral("the response is incomplete");
    if (response.header("Connection").toLower() != "close")
        return QStringLiteral("no Connection: close");
    if (!response.header("Content-Type").startsWith("text/plain"))
        return QStringLiteral("the body is not plain text");
    if (!response.body.startsWith(QByteArray::number(status) + ' ') || !response.body.endsWith(".\n")
        || response.body.count('\n') != 1)
        return QStringLiteral("the body is not one sentence: %1").arg(QString::fromLatin1(response.body));
    if (!response.body.contains(words))
        return QStringLiteral("the body does not say “%1”: %2")
            .arg(QString::fromLatin1(words), QString::fromLatin1(response.body));
    if (!client.waitForClosed(3000))
        return QStringLiteral("the connection stayed open after the error");
    return {};
}

QByteArray setRequest(const QByteArray &query, const QByteArray &method = "POST")
{
    return method + " /set?" + query + " HTTP/1.1\r\nHost: stats\r\nContent-Length: 0\r\n\r\n";
}

// The value of one column of one row of HAProxy's CSV.
QByteArray csvValue(const QByteArray &csv, const QByteArray &proxy, const QByteArray &server,
                    const QByteArray &column)
{
    const QList<QByteArray> lines = csv.split('\n');
    if (lines.isEmpty() || !lines.first().startsWith("# "))
        return "<no header>";
    const qsizetype index = lines.first().mid(2).split(',').indexOf(column);
    if (index < 0)
        return "<no column>";
    for (const QByteArray &line : lines) {
        const QList<QByteArray> fields = line.split(',');
        if (fields.size() > index && fields[0] == proxy && fields[1] == server)
            return fields[index];
    }
    return "<no row>";
}

} // namespace

class EngineTest : public QObject
{
    Q_OBJECT

private slots:
    // --- Balancing ---------------------------------------------------------

    void roundRobinFollowsWeights()
    {
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a, 3), serverOf(b, 1)})));
        const quint16 port = engine.listenPort(Web);

        // Weights 3 and 1, smoothly interleaved: a a b a, never a a a b.
        TestClient client;
        QVERIFY(client.connectTo(port));
        QCOMPARE(sequence(client, 8), QStringLiteral("a a b a a a b a"));
        // Each request is balanced on its own, whatever connection it comes on.
        QCOMPARE(sequenceOnNewConnections(port, 4), QStringLiteral("a a b a"));

        QTRY_COMPARE(serverRow(engine, "a").lbtot, 9u);
        QCOMPARE(serverRow(engine, "b").lbtot, 3u);
        QCOMPARE(backendRow(engine).lbtot, 12u);
    }

    void runtimeWeightCountsOnlyForDynamicRoundRobin_data()
    {
        QTest::addColumn<QString>("balance");
        QTest::addColumn<QString>("expected");
        QTest::newRow("roundrobin") << "roundrobin" << "b a b b b a b b";
        QTest::newRow("static-rr") << "static-rr" << "a b a b a b a b";
    }

    void runtimeWeightCountsOnlyForDynamicRoundRobin()
    {
        QFETCH(QString, balance);
        QFETCH(QString, expected);
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b)}, balance)));
        QVERIFY(engine.setServerWeight(Web, "b", 3));
        QCOMPARE(serverRow(engine, "b").weight, 3u);

        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        QCOMPARE(sequence(client, 8), expected);
    }

    void leastConnPrefersTheLessBusyServer()
    {
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        // One worker: a slot is given back before the next request is read.
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b)}, "leastconn")));
        const quint16 port = engine.listenPort(Web);

        a.setMode(TestBackend::Mode::Hold);
        TestClient slow;
        QVERIFY(slow.connectTo(port));
        slow.send("GET /slow HTTP/1.1\r\nHost: test\r\n\r\n");
        QTRY_COMPARE(a.heldCount(), 1);
        QCOMPARE(serverRow(engine, "a").scur, 1u);

        // a has a request in progress and b none: b takes everything new.
        TestClient client;
        QVERIFY(client.connectTo(port));
        QCOMPARE(sequence(client, 4), QStringLiteral("b b b b"));

        a.setMode(TestBackend::Mode::Answer);
        a.release();
        const HttpResponse response = slow.readResponse();
        QCOMPARE(response.status, 200);
        QCOMPARE(response.server(), QStringLiteral("a"));
        QTRY_COMPARE(serverRow(engine, "a").scur, 0u);
        // Both idle again: ties take turns.
        QCOMPARE(sequence(client, 4), QStringLiteral("a b a b"));
    }

    void sourceKeepsEachClientAddressOnOneServer()
    {
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b)}, "source")));
        const quint16 port = engine.listenPort(Web);

        QSet<QString> used;
        for (int host = 1; host <= 12; ++host) {
            const QHostAddress from(QStringLiteral("127.0.0.%1").arg(host));
            QString first;
            for (int i = 0; i < 3; ++i) {
                const HttpResponse response = fetchGet(port, "/", from);
                QCOMPARE(response.status, 200);
                if (i == 0)
                    first = response.server();
                else
                    QCOMPARE(response.server(), first); // a new connection, the same server
            }
            used.insert(first);
        }
        // The hash spreads different addresses over both servers.
        QCOMPARE(used.size(), 2);
    }

    void sourceQueuesWhenTheClientsServerIsFull()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        ServerConfig server = serverOf(a);
        server.maxconn = 1;
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({server}, "source")));
        const quint16 port = engine.listenPort(Web);

        a.setMode(TestBackend::Mode::Hold);
        TestClient first, second;
        QVERIFY(first.connectTo(port) && second.connectTo(port));
        first.send("GET /1 HTTP/1.1\r\nHost: test\r\n\r\n");
        QTRY_COMPARE(a.heldCount(), 1);
        second.send("GET /2 HTTP/1.1\r\nHost: test\r\n\r\n");
        // maxconn 1: the second request waits in the queue, not on the server.
        QTRY_COMPARE(backendRow(engine).qcur, 1u);
        QCOMPARE(a.requestCount(), 1);

        a.setMode(TestBackend::Mode::Answer);
        a.release();
        QCOMPARE(first.readResponse().status, 200);
        QCOMPARE(second.readResponse().status, 200);
        QCOMPARE(a.maxInProgress(), 1);
    }

    void firstFillsServersInOrder()
    {
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        ServerConfig sa = serverOf(a), sb = serverOf(b);
        sa.maxconn = sb.maxconn = 1;
        // One worker: a slot is given back before the next request is read.
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({sa, sb}, "first")));
        const quint16 port = engine.listenPort(Web);

        // While a has room, a takes everything: b could be switched off.
        QCOMPARE(sequenceOnNewConnections(port, 3), QStringLiteral("a a a"));

        a.setMode(TestBackend::Mode::Hold);
        TestClient held;
        QVERIFY(held.connectTo(port));
        held.send("GET /held HTTP/1.1\r\nHost: test\r\n\r\n");
        QTRY_COMPARE(a.heldCount(), 1);
        // a is at its maxconn: the next server in order takes the overflow.
        QCOMPARE(sequenceOnNewConnections(port, 2), QStringLiteral("b b"));
        a.release();
        QCOMPARE(held.readResponse().server(), QStringLiteral("a"));
    }

    void randomSpreadsOverServers()
    {
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b)}, "random")));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        const QStringList servers = sequence(client, 60).split(QLatin1Char(' '));
        QCOMPARE(servers.count("a") + servers.count("b"), 60);
        // Even weights: each gets a fair share (fewer than 10 of 60 has odds
        // below one in a billion).
        QVERIFY2(servers.count("a") >= 10 && servers.count("b") >= 10, qPrintable(servers.join(' ')));
    }

    // --- Backups -----------------------------------------------------------

    void backupTakesOverWhenActiveServersGo_data()
    {
        QTest::addColumn<bool>("byHealth");
        QTest::newRow("maint") << false;
        QTest::newRow("health check down") << true;
    }

    void backupTakesOverWhenActiveServersGo()
    {
        QFETCH(bool, byHealth);
        TestBackend a("a"), b("b"), c("c"), d("d");
        QVERIFY(a.listen() && b.listen() && c.listen() && d.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b), serverOf(c, 1, true), serverOf(d, 1, true)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));

        // Backups take nothing while an active server can.
        QCOMPARE(sequence(client, 4), QStringLiteral("a b a b"));
        auto setAvailable = [&](const QString &server, bool available) {
            return byHealth ? engine.setServerHealth(Web, server, available)
                            : engine.setServerState(Web, server, available ? AdminState::Ready : AdminState::Maint);
        };
        QVERIFY(setAvailable("a", false));
        QCOMPARE(sequence(client, 2), QStringLiteral("b b"));
        QVERIFY(setAvailable("b", false));
        // No active server left: the first backup takes all of it.
        QCOMPARE(sequence(client, 4), QStringLiteral("c c c c"));
        QCOMPARE(d.requestCount(), 0);
        QCOMPARE(serverRow(engine, "a").status, byHealth ? "DOWN" : "MAINT");
        QCOMPARE(backendRow(engine).act, 0u);
        QCOMPARE(backendRow(engine).bck, 2u);

        // One active server back: the backups stop at once.
        QVERIFY(setAvailable("a", true));
        QCOMPARE(sequence(client, 3), QStringLiteral("a a a"));
    }

    void allbackupsSpreadsOverEveryBackup()
    {
        TestBackend a("a"), c("c"), d("d");
        QVERIFY(a.listen() && c.listen() && d.listen());
        FrontendConfig frontend = webFrontend({serverOf(a), serverOf(c, 1, true), serverOf(d, 1, true)});
        frontend.allbackups = true;
        EngineT engine(2);
        QVERIFY(start(engine, frontend));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        QCOMPARE(sequence(client, 2), QStringLiteral("a a"));
        QVERIFY(engine.setServerState(Web, "a", AdminState::Maint));
        QCOMPARE(sequence(client, 4), QStringLiteral("c d c d"));
        QCOMPARE(backendRow(engine).weight, 2u);
    }

    // --- Retries and redispatch ----------------------------------------------

    void redispatchMovesRefusedRequestsToAnotherServer()
    {
        TestBackend b("b");
        QVERIFY(b.listen());
        RefusingPort refusing;
        FrontendConfig frontend = webFrontend({serverOn("a", refusing.port()), serverOf(b)});
        frontend.redispatch = true;
        frontend.retries = 3;
        EngineT engine(2);
        QVERIFY(start(engine, frontend));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));

        // Round robin keeps trying a; a refuses, and each of those requests
        // goes on to b at once. The client never notices.
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(sequence(client, 10), QStringLiteral("b b b b b b b b b b"));
        QVERIFY2(timer.elapsed() < 2000, "a redispatch waits for no turn-around");

        QTRY_COMPARE(frontendRow(engine).hrsp[1], 10u);
        const StatsRow a = serverRow(engine, "a");
        QVERIFY(a.econ >= 2);
        QCOMPARE(a.wretr, a.econ);
        QCOMPARE(a.wredis, a.econ);
        QCOMPARE(a.hrsp[1], 0u);
        QCOMPARE(serverRow(engine, "b").econ, 0u);
        QCOMPARE(serverRow(engine, "b").hrsp[1], 10u);
        QCOMPARE(backendRow(engine).econ, a.econ);
        QCOMPARE(backendRow(engine).wredis, a.econ);
    }

    void retriesWaitATurnAroundThenGive503()
    {
        RefusingPort refusing;
        FrontendConfig frontend = webFrontend({serverOn("a", refusing.port())});
        frontend.retries = 1;
        frontend.timeoutConnect = 300;
        EngineT engine(1);
        QVERIFY(start(engine, frontend));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));

        QElapsedTimer timer;
        timer.start();
        const HttpResponse response = client.get("/");
        const qint64 elapsed = timer.elapsed();
        QVERIFY2(errorProblem(client, response, 503, "no server of web is available").isEmpty(),
                 qPrintable(errorProblem(client, response, 503, "no server of web is available")));
        // One retry on the same server, after min(timeout connect, 1 s).
        QVERIFY2(elapsed >= 300, qPrintable(QString::number(elapsed)));
        QVERIFY2(elapsed < 2000, qPrintable(QString::number(elapsed)));
        const StatsRow a = serverRow(engine, "a");
        QCOMPARE(a.econ, 2u);
        QCOMPARE(a.wretr, 1u);
        QCOMPARE(a.wredis, 0u);
        QCOMPARE(frontendRow(engine).hrsp[4], 1u);
    }

    void retryReachesAServerThatComesBack()
    {
        RefusingPort refusing;
        const quint16 port = refusing.port();
        FrontendConfig frontend = webFrontend({serverOn("a", port)});
        frontend.retries = 3;
        frontend.timeoutConnect = 1000; // a turn-around of 1 s: time to start the server
        EngineT engine(1);
        QVERIFY(start(engine, frontend));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        client.send("GET / HTTP/1.1\r\nHost: test\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(serverRow(engine, "a").econ, 1u, 2000);

        // The server starts during the turn-around: the retry gets through.
        refusing.release();
        TestBackend a("a");
        QVERIFY(a.listen(port));
        const HttpResponse response = client.readResponse(5000);
        QCOMPARE(response.status, 200);
        QCOMPARE(response.server(), QStringLiteral("a"));
        QCOMPARE(serverRow(engine, "a").wretr, serverRow(engine, "a").econ);
    }

    // --- Drain, maint and weight ------------------------------------------------

    // --- Failover: requests in flight and passive observation --------------

    void idempotentRequestInFlightGoesToAnotherServerWhenItsServerDies_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<bool>("replayed");
        QTest::newRow("GET") << QByteArray("GET") << true;
        QTest::newRow("PUT") << QByteArray("PUT") << true;
        QTest::newRow("DELETE") << QByteArray("DELETE") << true;
        QTest::newRow("POST") << QByteArray("POST") << false;
    }

    void idempotentRequestInFlightGoesToAnotherServerWhenItsServerDies()
    {
        QFETCH(QByteArray, method);
        QFETCH(bool, replayed);
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        a.setMode(TestBackend::Mode::Hold);
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b, 1, true)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        client.send(method + " /order HTTP/1.1\r\nHost: shop\r\nContent-Length: 5\r\n\r\nhello");
        QTRY_COMPARE(a.heldCount(), 1);

        a.stop(); // the server dies with the request, before a byte of answer
        const HttpResponse response = client.readResponse();
        if (replayed) {
            // Nothing was answered and sending it again is safe: the backup
            // gets the very same request and the client never hears of a.
            QCOMPARE(response.status, 200);
            QCOMPARE(response.server(), QStringLiteral("b"));
            QCOMPARE(b.requestCount(), 1);
            QCOMPARE(b.requests().at(0).method, method);
            QCOMPARE(b.requests().at(0).body, QByteArray("hello"));
            QCOMPARE(serverRow(engine, "a").wretr, 1u);
            QCOMPARE(serverRow(engine, "a").eresp, 0u);
        } else {
            // A POST may have had its effect: it is not sent twice.
            QCOMPARE(response.status, 502);
            QCOMPARE(b.requestCount(), 0);
            QCOMPARE(serverRow(engine, "a").eresp, 1u);
        }
    }

    void refusedConnectionsMarkTheServerDownAtTheErrorLimit()
    {
        TestBackend b("b");
        QVERIFY(b.listen());
        RefusingPort refusing;
        ServerConfig a = serverOn("a", refusing.port());
        a.check.type = QStringLiteral("tcp");
        a.check.observe = QStringLiteral("layer4");
        a.check.errorLimit = 3;
        a.check.onError = QStringLiteral("mark-down");
        FrontendConfig frontend = webFrontend({a, serverOf(b, 1, true)});
        frontend.retries = 5;
        EngineT engine(1);
        QStringList observed;
        std::mutex observedMutex;
        engine.setObservationHandler([&](const QString &lb, const QString &server, const QString &reason) {
            std::lock_guard lock(observedMutex);
            observed << lb + QLatin1Char('/') + server + QStringLiteral(": ") + reason;
        });
        QVERIFY(start(engine, frontend));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));

        // a refuses three times in a row: it is out of rotation without
        // waiting for a health check, and the request that met the third
        // refusal goes to the backup at once.
        QCOMPARE(sequence(client, 3), QStringLiteral("b b b"));
        QCOMPARE(serverRow(engine, "a").status, "DOWN");
        QCOMPARE(serverRow(engine, "a").econ, 3u);
        {
            std::lock_guard lock(observedMutex);
            QCOMPARE(observed, QStringList{QStringLiteral(
                                   "web/a: 3 consecutive errors in live traffic (last: connection refused)")});
        }
        QCOMPARE(serverRow(engine, "a").econ, 3u); // no more tries while it is DOWN
        QVERIFY(engine.setServerHealth(Web, "a", true)); // what rising checks do
        QCOMPARE(serverRow(engine, "a").status, "UP");
    }

    void responseErrorsCountOnlyWhenObservingLayer7_data()
    {
        QTest::addColumn<QString>("observe");
        QTest::addColumn<QString>("afterTwo");
        QTest::newRow("layer7") << QStringLiteral("layer7") << QStringLiteral("b b");
        QTest::newRow("layer4") << QStringLiteral("layer4") << QStringLiteral("<502> <502>");
        QTest::newRow("unchecked") << QStringLiteral("none") << QStringLiteral("<502> <502>");
    }

    void responseErrorsCountOnlyWhenObservingLayer7()
    {
        QFETCH(QString, observe);
        QFETCH(QString, afterTwo);
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        a.setMode(TestBackend::Mode::Garbage);
        ServerConfig sa = serverOf(a);
        sa.check.type = observe == QLatin1String("none") ? QStringLiteral("none") : QStringLiteral("http");
        sa.check.observe = observe;
        sa.check.errorLimit = 2;
        sa.check.onError = QStringLiteral("mark-down");
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({sa, serverOf(b, 1, true)})));

        // Answers that are not HTTP are the client's 502s either way; only
        // layer7 observation counts them and takes a out after two.
        QCOMPARE(sequenceOnNewConnections(engine.listenPort(Web), 2), QStringLiteral("<502> <502>"));
        QCOMPARE(sequenceOnNewConnections(engine.listenPort(Web), 2), afterTwo);
    }

    void drainAndMaintStopNewTraffic_data()
    {
        QTest::addColumn<int>("state");
        QTest::addColumn<QString>("status");
        QTest::newRow("drain") << int(AdminState::Drain) << "DRAIN";
        QTest::newRow("maint") << int(AdminState::Maint) << "MAINT";
    }

    void drainAndMaintStopNewTraffic()
    {
        QFETCH(int, state);
        QFETCH(QString, status);
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b)})));
        const quint16 port = engine.listenPort(Web);

        // A request in progress on a when a is taken out…
        a.setMode(TestBackend::Mode::Hold);
        TestClient inFlight;
        QVERIFY(inFlight.connectTo(port));
        inFlight.send("GET /long HTTP/1.1\r\nHost: test\r\n\r\n");
        QTRY_COMPARE(a.heldCount(), 1);
        QVERIFY(engine.setServerState(Web, "a", AdminState(state)));
        QCOMPARE(QString::fromStdString(serverRow(engine, "a").status), status);

        // …new requests all go to b…
        TestClient client;
        QVERIFY(client.connectTo(port));
        QCOMPARE(sequence(client, 4), QStringLiteral("b b b b"));
        QCOMPARE(sequenceOnNewConnections(port, 2), QStringLiteral("b b"));
        // …and the one in progress still finishes on a.
        a.release();
        const HttpResponse response = inFlight.readResponse();
        QCOMPARE(response.status, 200);
        QCOMPARE(response.server(), QStringLiteral("a"));

        a.setMode(TestBackend::Mode::Answer);
        QVERIFY(engine.setServerState(Web, "a", AdminState::Ready));
        QCOMPARE(serverRow(engine, "a").status, "UP");
        const QStringList servers = sequence(client, 4).split(QLatin1Char(' '));
        QCOMPARE(servers.count("a"), 2);
        QCOMPARE(servers.count("b"), 2);
    }

    void statsListenerSetsStateAndWeight()
    {
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b)})));
        QString error;
        QVERIFY2(engine.startStats("127.0.0.1", 0, &error), qPrintable(error));
        const quint16 stats = engine.statsPort();
        QVERIFY(stats != 0);
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));

        HttpResponse answer = fetch(stats, setRequest("backend=web&server=a&weight=3"));
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.body, QByteArray("web/a now has weight 3.\n"));
        QCOMPARE(serverRow(engine, "a").weight, 3u);
        QCOMPARE(sequence(client, 4), QStringLiteral("a a b a"));

        answer = fetch(stats, setRequest("backend=web&server=a&state=drain"));
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.body, QByteArray("web/a is now drain.\n"));
        QCOMPARE(serverRow(engine, "a").status, "DRAIN");
        QCOMPARE(sequence(client, 3), QStringLiteral("b b b"));

        QCOMPARE(fetch(stats, setRequest("backend=web&server=b&state=maint")).status, 200);
        QCOMPARE(serverRow(engine, "b").status, "MAINT");
        QCOMPARE(describe(client.get("/")), QStringLiteral("<503>"));

        QCOMPARE(fetch(stats, setRequest("backend=web&server=a&state=ready")).status, 200);
        TestClient again;
        QVERIFY(again.connectTo(engine.listenPort(Web)));
        QCOMPARE(sequence(again, 2), QStringLiteral("a a"));

        // Weight 0 takes a server out of rotation.
        QCOMPARE(fetch(stats, setRequest("backend=web&server=b&state=ready")).status, 200);
        QCOMPARE(fetch(stats, setRequest("backend=web&server=a&weight=0")).status, 200);
        QCOMPARE(sequence(again, 3), QStringLiteral("b b b"));

        // Mistakes get a clear answer and change nothing.
        answer = fetch(stats, setRequest("backend=web&server=zz&state=drain"));
        QCOMPARE(answer.status, 404);
        QVERIFY(answer.body.contains("zz"));
        QCOMPARE(fetch(stats, setRequest("backend=nope&server=a&state=drain")).status, 404);
        QCOMPARE(fetch(stats, setRequest("backend=web&server=b&state=sleepy")).status, 400);
        QCOMPARE(fetch(stats, setRequest("backend=web&server=b&weight=300")).status, 400);
        QCOMPARE(fetch(stats, setRequest("backend=web&server=b&state=maint", "GET")).status, 405);
        QCOMPARE(serverRow(engine, "b").status, "UP");
    }

    // --- Live reconfiguration -----------------------------------------------------

    void applyWhileARequestIsInFlight()
    {
        TestBackend a("a"), c("c");
        QVERIFY(a.listen() && c.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        const quint16 port = engine.listenPort(Web);

        a.setMode(TestBackend::Mode::Hold);
        TestClient slow;
        QVERIFY(slow.connectTo(port));
        slow.send("GET /slow HTTP/1.1\r\nHost: test\r\n\r\n");
        QTRY_COMPARE(a.heldCount(), 1);

        // a is replaced by c while a still works on a request.
        QString error;
        QVERIFY2(engine.apply(configOf(webFrontend({serverOf(c)})), &error), qPrintable(error));
        // The listener stays: same port, and new connections are accepted.
        QCOMPARE(engine.listenPort(Web), port);
        QCOMPARE(fetchGet(port).server(), QStringLiteral("c"));
        QCOMPARE(serverRow(engine, "a").svname, std::string());

        // The request in flight finishes with the old server's answer…
        a.release();
        const HttpResponse response = slow.readResponse();
        QCOMPARE(response.status, 200);
        QCOMPARE(response.server(), QStringLiteral("a"));
        // …and the next one on the same connection goes to the new server.
        QCOMPARE(slow.get("/next").server(), QStringLiteral("c"));
        QCOMPARE(a.requestCount(), 1);
    }

    void applyReachesIdleKeepAliveConnections()
    {
        TestBackend a("a"), c("c");
        QVERIFY(a.listen() && c.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        QCOMPARE(client.get("/").server(), QStringLiteral("a"));

        // The connection is idle between two requests when a is removed: its
        // next request must not reach a.
        QString error;
        QVERIFY2(engine.apply(configOf(webFrontend({serverOf(c)})), &error), qPrintable(error));
        QCOMPARE(client.get("/").server(), QStringLiteral("c"));
        QCOMPARE(a.requestCount(), 1);
        QVERIFY(!client.isClosed());
    }

    void applyKeepsCountersAndOperatorState()
    {
        TestBackend a("a"), b("b"), c("c");
        QVERIFY(a.listen() && b.listen() && c.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        QCOMPARE(sequence(client, 4), QStringLiteral("a b a b"));
        QVERIFY(engine.setServerState(Web, "b", AdminState::Drain));
        QTRY_COMPARE(serverRow(engine, "a").stot, 2u);

        QString error;
        QVERIFY2(engine.apply(configOf(webFrontend({serverOf(a), serverOf(b), serverOf(c)})), &error),
                 qPrintable(error));
        // b is still drained, a still counts its two requests.
        QCOMPARE(serverRow(engine, "b").status, "DRAIN");
        QCOMPARE(serverRow(engine, "a").stot, 2u);
        QCOMPARE(serverRow(engine, "b").stot, 2u);
        QCOMPARE(serverRow(engine, "c").stot, 0u);
        QCOMPARE(sequence(client, 4), QStringLiteral("a c a c"));
        QTRY_COMPARE(serverRow(engine, "a").stot, 4u);
        QCOMPARE(frontendRow(engine).reqTot, 8u);
    }

    // --- Every error status ----------------------------------------------------

    void malformedRequestGets400()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        const HttpResponse response = client.request("GET /\r\nHost: test\r\n\r\n");
        const QString problem = errorProblem(client, response, 400, "malformed request line");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(a.requestCount(), 0);
        QTRY_COMPARE(frontendRow(engine).ereq, 1u);
        QCOMPARE(frontendRow(engine).hrsp[3], 1u);
    }

    void incompleteHeadGets408()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        FrontendConfig frontend = webFrontend({serverOf(a)});
        frontend.timeoutHttpRequest = 300;
        EngineT engine(1);
        QVERIFY(start(engine, frontend));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        QElapsedTimer timer;
        timer.start();
        client.send("GET / HTTP/1.1\r\nHost: test\r\n");
        const HttpResponse response = client.readResponse(3000);
        const qint64 elapsed = timer.elapsed();
        const QString problem = errorProblem(client, response, 408, "did not arrive in time");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY2(elapsed >= 300 && elapsed < 1500, qPrintable(QString::number(elapsed)));
        QCOMPARE(a.requestCount(), 0);
    }

    void hugeContentLengthGets413()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        // The limit is 1 TiB (HttpSession's RequestLimits); this says 2 TB.
        const HttpResponse response
            = client.request("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 2000000000000\r\n\r\nabc");
        const QString problem = errorProblem(client, response, 413, "larger than this load balancer accepts");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(a.requestCount(), 0);
    }

    void hugeHeadGets431()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        const HttpResponse response
            = client.request("GET / HTTP/1.1\r\nHost: test\r\nCookie: " + QByteArray(16000, 'c') + "\r\n\r\n");
        const QString problem = errorProblem(client, response, 431, "head is too large");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(a.requestCount(), 0);
    }

    void brokenServerResponseGets502_data()
    {
        QTest::addColumn<int>("mode");
        QTest::newRow("closes without answering") << int(TestBackend::Mode::Close);
        QTest::newRow("resets without answering") << int(TestBackend::Mode::Reset);
        QTest::newRow("answers garbage") << int(TestBackend::Mode::Garbage);
        QTest::newRow("answers a head too large") << int(TestBackend::Mode::HugeHead);
    }

    void brokenServerResponseGets502()
    {
        QFETCH(int, mode);
        TestBackend a("a");
        QVERIFY(a.listen());
        a.setMode(TestBackend::Mode(mode));
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        const HttpResponse response = client.get("/");
        const QString problem = errorProblem(client, response, 502, "the server a sent an invalid or incomplete response");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QTRY_COMPARE(serverRow(engine, "a").eresp, 1u);
        QCOMPARE(frontendRow(engine).hrsp[4], 1u);
        QTRY_COMPARE(serverRow(engine, "a").scur, 0u);
    }

    void noUsableServerGets503()
    {
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b)})));
        QVERIFY(engine.setServerState(Web, "a", AdminState::Maint));
        QVERIFY(engine.setServerHealth(Web, "b", false));
        QCOMPARE(backendRow(engine).status, "DOWN");
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        const HttpResponse response = client.get("/");
        const QString problem = errorProblem(client, response, 503, "no server of web is available");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(a.requestCount() + b.requestCount(), 0);
    }

    void slowServerGets504()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        a.setMode(TestBackend::Mode::Delay, 3000);
        FrontendConfig frontend = webFrontend({serverOf(a)});
        frontend.timeoutServer = 300;
        EngineT engine(1);
        QVERIFY(start(engine, frontend));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        QElapsedTimer timer;
        timer.start();
        const HttpResponse response = client.get("/");
        const qint64 elapsed = timer.elapsed();
        const QString problem = errorProblem(client, response, 504, "the server a did not respond in time");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY2(elapsed >= 300 && elapsed < 1500, qPrintable(QString::number(elapsed)));
        QCOMPARE(a.requestCount(), 1);
    }

    void queueTimeoutGets503()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        ServerConfig server = serverOf(a);
        server.maxconn = 1;
        FrontendConfig frontend = webFrontend({server});
        frontend.timeoutQueue = 300;
        EngineT engine(2);
        QVERIFY(start(engine, frontend));
        const quint16 port = engine.listenPort(Web);

        a.setMode(TestBackend::Mode::Hold);
        TestClient first;
        QVERIFY(first.connectTo(port));
        first.send("GET /1 HTTP/1.1\r\nHost: test\r\n\r\n");
        QTRY_COMPARE(a.heldCount(), 1);

        TestClient second;
        QVERIFY(second.connectTo(port));
        QElapsedTimer timer;
        timer.start();
        second.send("GET /2 HTTP/1.1\r\nHost: test\r\n\r\n");
        QTRY_COMPARE(backendRow(engine).qcur, 1u);
        const HttpResponse response = second.readResponse(3000);
        const QString problem = errorProblem(second, response, 503, "no server of web is available");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY2(timer.elapsed() >= 300, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(backendRow(engine).qcur, 0u);
        QCOMPARE(backendRow(engine).qmax, 1u);
        QCOMPARE(a.requestCount(), 1);

        a.release();
        QCOMPARE(first.readResponse().status, 200);
    }

    void queuedRequestsGetTheNextFreeSlot()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        ServerConfig server = serverOf(a);
        server.maxconn = 1;
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({server})));
        const quint16 port = engine.listenPort(Web);

        a.setMode(TestBackend::Mode::Hold);
        QList<TestClient *> clients;
        for (int i = 0; i < 4; ++i) {
            auto *client = new TestClient(this);
            clients << client;
            QVERIFY(client->connectTo(port));
            client->send("GET /" + QByteArray::number(i) + " HTTP/1.1\r\nHost: test\r\n\r\n");
        }
        QTRY_COMPARE(backendRow(engine).qcur, 3u);
        // One at a time, as maxconn says.
        for (int served = 1; served <= 4; ++served) {
            QTRY_COMPARE(a.heldCount(), 1);
            QCOMPARE(a.requestCount(), served);
            a.release();
        }
        for (TestClient *client : std::as_const(clients)) {
            QCOMPARE(client->readResponse().status, 200);
            delete client;
        }
        QCOMPARE(a.maxInProgress(), 1);
        QCOMPARE(backendRow(engine).qmax, 3u);
        QCOMPARE(backendRow(engine).qcur, 0u);
    }

    // --- Stats ---------------------------------------------------------------

    void statsCountWhatWasSent()
    {
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b)})));
        QString error;
        QVERIFY2(engine.startStats("127.0.0.1", 0, &error), qPrintable(error));
        const quint16 port = engine.listenPort(Web);

        TestClient client;
        QVERIFY(client.connectTo(port));
        for (int i = 0; i < 6; ++i)
            QCOMPARE(client.get("/page/" + QByteArray::number(i)).status, 200);
        QCOMPARE(client.request("POST /form HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\n0123456789").status, 200);
        QCOMPARE(a.requests().last().body, QByteArray("0123456789"));
        QVERIFY(engine.setServerState(Web, "a", AdminState::Maint));
        QVERIFY(engine.setServerState(Web, "b", AdminState::Maint));
        QCOMPARE(client.get("/").status, 503);
        QVERIFY(client.waitForClosed());
        TestClient bad;
        QVERIFY(bad.connectTo(port));
        QCOMPARE(bad.request("BAD\r\n\r\n").status, 400);
        QVERIFY(bad.waitForClosed());

        QTRY_COMPARE(frontendRow(engine).scur, 0u);
        const StatsRow front = frontendRow(engine);
        QCOMPARE(front.stot, 2u);   // client connections
        QCOMPARE(front.reqTot, 8u); // requests that were whole HTTP requests
        QCOMPARE(front.hrsp[1], 7u);
        QCOMPARE(front.hrsp[3], 1u);
        QCOMPARE(front.hrsp[4], 1u);
        QCOMPARE(front.ereq, 1u);
        QCOMPARE(qint64(front.bin), client.bytesSent() + bad.bytesSent());
        QCOMPARE(qint64(front.bout), client.bytesReceived() + bad.bytesReceived());

        const StatsRow sa = serverRow(engine, "a"), sb = serverRow(engine, "b"), back = backendRow(engine);
        QCOMPARE(sa.stot, 4u);
        QCOMPARE(sb.stot, 3u);
        QCOMPARE(sa.lbtot, 4u);
        QCOMPARE(sa.hrsp[1], 4u);
        QCOMPARE(sb.hrsp[1], 3u);
        QCOMPARE(sa.scur + sb.scur, 0u);
        QCOMPARE(back.stot, 7u);
        QCOMPARE(back.reqTot, 8u);
        QCOMPARE(back.hrsp[1], 7u);
        QCOMPARE(back.hrsp[4], 1u);
        QCOMPARE(back.econ + back.eresp, 0u);

        // The same numbers over HTTP, as HAProxy's CSV and as Prometheus text.
        const HttpResponse csv = fetchGet(engine.statsPort(), "/stats;csv");
        QCOMPARE(csv.status, 200);
        QVERIFY(csv.header("Content-Type").startsWith("text/csv"));
        QCOMPARE(csvValue(csv.body, "web", "FRONTEND", "req_tot"), QByteArray("8"));
        QCOMPARE(csvValue(csv.body, "web", "FRONTEND", "hrsp_2xx"), QByteArray("7"));
        QCOMPARE(csvValue(csv.body, "web", "FRONTEND", "hrsp_5xx"), QByteArray("1"));
        QCOMPARE(csvValue(csv.body, "web", "FRONTEND", "ereq"), QByteArray("1"));
        QCOMPARE(csvValue(csv.body, "web", "FRONTEND", "bin"), QByteArray::number(front.bin));
        QCOMPARE(csvValue(csv.body, "web", "a", "stot"), QByteArray("4"));
        QCOMPARE(csvValue(csv.body, "web", "b", "stot"), QByteArray("3"));
        QCOMPARE(csvValue(csv.body, "web", "a", "status"), QByteArray("MAINT"));
        QCOMPARE(csvValue(csv.body, "web", "BACKEND", "stot"), QByteArray("7"));

        const HttpResponse metrics = fetchGet(engine.statsPort(), "/metrics");
        QCOMPARE(metrics.status, 200);
        for (const QByteArray &line :
             {QByteArray("haproxy_frontend_http_requests_total{proxy=\"web\"} 8\n"),
              QByteArray("haproxy_frontend_http_responses_total{proxy=\"web\",code=\"2xx\"} 7\n"),
              QByteArray("haproxy_frontend_request_errors_total{proxy=\"web\"} 1\n"),
              QByteArray("haproxy_server_sessions_total{proxy=\"web\",server=\"a\"} 4\n"),
              QByteArray("haproxy_backend_sessions_total{proxy=\"web\"} 7\n")}) {
            QVERIFY2(metrics.body.contains(line), line.constData());
        }
    }

    void statsTellResponseTimePercentilesAndWhenServersAnswered()
    {
        TestBackend fast("fast"), slow("slow");
        QVERIFY(fast.listen() && slow.listen());
        slow.setMode(TestBackend::Mode::Delay, 100);
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(fast), serverOf(slow)})));
        QCOMPARE(serverRow(engine, "slow").lastResponseMs, 0);
        QCOMPARE(serverRow(engine, "slow").servingSinceMs, 0);
        QCOMPARE(serverRow(engine, "slow").rtimeP99, 0.0);

        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        QCOMPARE(sequence(client, 4), QStringLiteral("fast slow fast slow"));
        const StatsRow first = serverRow(engine, "slow");
        const StatsRow quick = serverRow(engine, "fast");
        const StatsRow back = backendRow(engine);
        // Never below the real time: every response of slow took 100 ms or more.
        QVERIFY2(first.rtimeP50 >= 100, qPrintable(QString::number(first.rtimeP50)));
        QVERIFY(first.rtimeP50 <= first.rtimeP95 && first.rtimeP95 <= first.rtimeP99);
        QVERIFY2(quick.rtimeP99 < first.rtimeP50, qPrintable(QString::number(quick.rtimeP99)));
        // Half of the backend's responses were fast ones, half slow ones.
        QVERIFY(back.rtimeP50 <= quick.rtimeP99);
        QCOMPARE(back.rtimeP99, first.rtimeP99);
        QVERIFY(first.servingSinceMs >= before);
        QVERIFY(first.servingSinceMs < first.lastResponseMs); // two responses, 100 ms apart or more
        QVERIFY(first.lastResponseMs <= QDateTime::currentMSecsSinceEpoch());

        QCOMPARE(sequence(client, 2), QStringLiteral("fast slow"));
        const StatsRow second = serverRow(engine, "slow");
        QVERIFY(second.lastResponseMs > first.lastResponseMs);
        // No pause of a second between its responses: still the same run.
        QCOMPARE(second.servingSinceMs, first.servingSinceMs);
    }

    // A failover as the map tells it: web-02 served until 10.000 s, paused,
    // and took the traffic again at 11.400 s.
    void servingSinceIsTheFirstResponseAfterAPause()
    {
        Loadstar::Engine::detail::ServingTimes serving;
        QCOMPARE(serving.since(), 0);
        for (int64_t ms : {5000, 5600, 6500, 7400, 8300, 9200, 10000})
            serving.answered(ms);
        QCOMPARE(serving.since(), 5000); // gaps under a second: one run
        QCOMPARE(serving.last(), 10000);
        serving.answered(11400);
        serving.answered(11450);
        QCOMPARE(serving.since(), 11400);
        QCOMPARE(serving.last(), 11450);
    }

    // Percentiles from the histogram: never below the real time, at most an
    // eighth above it, and only over the last seconds.
    void percentilesComeFromTheLastSeconds()
    {
        using Loadstar::Engine::detail::LatencyWindow;
        const auto at = [](int64_t ms) {
            return Loadstar::Engine::detail::Clock::time_point(std::chrono::milliseconds(ms));
        };
        LatencyWindow window;
        // One response of each whole millisecond from 1 to 100, at 50.0 s.
        for (uint64_t ms = 1; ms <= 100; ++ms)
            window.add(at(50000), ms * 1000);
        LatencyWindow::Histogram histogram{};
        window.collect(at(50500), histogram);
        const double p50 = LatencyWindow::percentileMs(histogram, 0.50);
        const double p99 = LatencyWindow::percentileMs(histogram, 0.99);
        QVERIFY2(p50 >= 50 && p50 <= 50 * 1.125, qPrintable(QString::number(p50)));
        QVERIFY2(p99 >= 99 && p99 <= 99 * 1.125, qPrintable(QString::number(p99)));
        QVERIFY(LatencyWindow::percentileMs(histogram, 1.0) >= 100);

        // Two seconds on, still counted; three seconds on, forgotten.
        histogram = {};
        window.collect(at(52999), histogram);
        QCOMPARE(LatencyWindow::percentileMs(histogram, 0.50), p50);
        histogram = {};
        window.collect(at(53000), histogram);
        QCOMPARE(LatencyWindow::percentileMs(histogram, 0.50), 0.0);

        // A new second reuses the oldest slot without the old counts.
        window.add(at(53100), 2000);
        histogram = {};
        window.collect(at(53200), histogram);
        const double fresh = LatencyWindow::percentileMs(histogram, 0.99);
        QVERIFY2(fresh >= 2 && fresh <= 2 * 1.125, qPrintable(QString::number(fresh)));
    }

    // --- What goes over the wire ------------------------------------------------

    void forwardsTheRequestWithXForwardedFor()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web), QHostAddress("127.0.0.3")));
        const HttpResponse response = client.request(
            "POST /path?q=1 HTTP/1.1\r\nHost: shop.test\r\nConnection: X-Private\r\nX-Private: secret\r\n"
            "Keep-Alive: timeout=5\r\nX-Keep: yes\r\nContent-Length: 5\r\n\r\nhello");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, QByteArray("a"));
        QCOMPARE(a.requestCount(), 1);
        const ReceivedRequest &request = a.requests().first();
        QCOMPARE(request.method, QByteArray("POST"));
        QCOMPARE(request.target, QByteArray("/path?q=1"));
        QCOMPARE(request.version, QByteArray("HTTP/1.1"));
        QCOMPARE(request.header("Host"), QByteArray("shop.test"));
        QCOMPARE(request.header("X-Keep"), QByteArray("yes"));
        QCOMPARE(request.header("X-Forwarded-For"), QByteArray("127.0.0.3"));
        QCOMPARE(request.body, QByteArray("hello"));
        // Fields about the client's connection stay on it.
        QCOMPARE(request.headerCount("Connection"), 0);
        QCOMPARE(request.headerCount("Keep-Alive"), 0);
        QCOMPARE(request.headerCount("X-Private"), 0);
    }

    void http10ClientGetsItsAnswerThenAClose()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        // HTTP/1.0 without Host: it stays 1.0 towards the server, which may
        // then close; the client is told the connection ends, and it does.
        const HttpResponse response = client.request("GET /old HTTP/1.0\r\n\r\n");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, QByteArray("a"));
        QCOMPARE(response.header("Connection"), QByteArray("close"));
        QVERIFY(client.waitForClosed());
        QCOMPARE(a.requests().first().version, QByteArray("HTTP/1.0"));
        QCOMPARE(a.requests().first().header("X-Forwarded-For"), QByteArray("127.0.0.1"));
        // The next client gets a fresh server connection, and its answer.
        QCOMPARE(fetchGet(engine.listenPort(Web)).status, 200);
    }

    void keepAliveReusesServerConnections()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        const quint16 port = engine.listenPort(Web);
        TestClient client;
        QVERIFY(client.connectTo(port));
        QCOMPARE(sequence(client, 5), QStringLiteral("a a a a a"));
        QCOMPARE(sequenceOnNewConnections(port, 3), QStringLiteral("a a a"));
        // Eight requests from four client connections, one server connection.
        QCOMPARE(a.connectionsAccepted(), 1);
        QCOMPARE(a.requests().last().connection, 1);
        QVERIFY(!client.isClosed());
    }

    void largeBodiesStreamBothWays()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));

        QByteArray upload(1 << 20, Qt::Uninitialized);
        for (qsizetype i = 0; i < upload.size(); ++i)
            upload[i] = char('a' + i % 26);
        HttpResponse response = client.request("PUT /file HTTP/1.1\r\nHost: test\r\nContent-Length: "
                                               + QByteArray::number(upload.size()) + "\r\n\r\n" + upload, 10000);
        QCOMPARE(response.status, 200);
        QCOMPARE(a.requests().last().body.size(), upload.size());
        QVERIFY(a.requests().last().body == upload);

        // A chunked upload arrives as sent.
        response = client.request("POST /chunks HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n");
        QCOMPARE(response.status, 200);
        QCOMPARE(a.requests().last().body, QByteArray("hello world"));

        // A 2 MiB download, then the same as a chunked response.
        const QByteArray download = upload.repeated(2);
        a.setBody(download);
        response = client.get("/download", 10000);
        QCOMPARE(response.status, 200);
        QVERIFY(response.complete);
        QVERIFY(response.body == download);
        a.setMode(TestBackend::Mode::Chunked);
        a.setBody("a chunked answer, seven bytes a piece");
        response = client.get("/chunked");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.header("Transfer-Encoding"), QByteArray("chunked"));
        QCOMPARE(response.body, QByteArray("a chunked answer, seven bytes a piece"));
        QVERIFY(!client.isClosed());
    }

    void responseEndingWithTheServersCloseEndsTheClientConnection()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        a.setMode(TestBackend::Mode::UntilClose);
        a.setBody("until the end");
        EngineT engine(1);
        QVERIFY(start(engine, webFrontend({serverOf(a)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        const HttpResponse response = client.get("/");
        QCOMPARE(response.status, 200);
        QVERIFY(response.complete);
        QCOMPARE(response.body, QByteArray("until the end"));
        QCOMPARE(response.header("Connection"), QByteArray("close"));
        QVERIFY(client.waitForClosed());
    }

    void pipelinedRequestsAreAnsweredInOrder()
    {
        TestBackend a("a"), b("b");
        QVERIFY(a.listen() && b.listen());
        EngineT engine(2);
        QVERIFY(start(engine, webFrontend({serverOf(a), serverOf(b)})));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        client.send("GET /1 HTTP/1.1\r\nHost: test\r\n\r\nGET /2 HTTP/1.1\r\nHost: test\r\n\r\n"
                    "HEAD /3 HTTP/1.1\r\nHost: test\r\n\r\n");
        const HttpResponse first = client.readResponse(), second = client.readResponse(),
                           third = client.readResponse(5000, true);
        QCOMPARE(first.header("X-Target"), QByteArray("/1"));
        QCOMPARE(second.header("X-Target"), QByteArray("/2"));
        QCOMPARE(third.header("X-Target"), QByteArray("/3"));
        QCOMPARE(first.server() + second.server() + third.server(), QStringLiteral("aba"));
        QCOMPARE(third.body, QByteArray());
        // Nothing beyond the three responses: HEAD's answer carried no body.
        QCOMPARE(client.get("/4").header("X-Target"), QByteArray("/4"));
    }

    void tcpModePassesBytesThroughUnchanged()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        FrontendConfig frontend = webFrontend({serverOf(a)});
        frontend.mode = FrontendConfig::Mode::Tcp;
        EngineT engine(1);
        QVERIFY(start(engine, frontend));
        TestClient client;
        QVERIFY(client.connectTo(engine.listenPort(Web)));
        QCOMPARE(client.get("/one").server(), QStringLiteral("a"));
        QCOMPARE(client.get("/two").server(), QStringLiteral("a"));
        QCOMPARE(a.requestCount(), 2);
        // Not HTTP-aware: no field added, one server connection per client connection.
        QCOMPARE(a.requests().first().headerCount("X-Forwarded-For"), 0);
        QCOMPARE(a.requests().last().connection, 1);
        QCOMPARE(serverRow(engine, "a").stot, 1u);
        client.close();
        QTRY_COMPARE(frontendRow(engine).scur, 0u);
        QTRY_COMPARE(a.openConnections(), 0);
    }
};

QTEST_GUILESS_MAIN(EngineTest)
#include "tst_engine.moc"
