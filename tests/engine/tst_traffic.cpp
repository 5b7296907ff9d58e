// The client node's traffic as users meet it: a real traffic generator on
// its own thread sending through a real engine to test backends on
// loopback. Counts are compared exactly between the generator, the engine
// and the backends; nothing here measures milliseconds.

#include "EngineTestSupport.h"
#include "TestBackend.h"

#include "engine/demo/DemoBackends.h"
#include "engine/traffic/TrafficGenerator.h"

#include <QElapsedTimer>
#include <QtTest>

using namespace Loadstar::Test;
using Loadstar::PathShare;
using Loadstar::Engine::ClientConfig;
using Loadstar::Engine::DemoBackends;
using Loadstar::Engine::TrafficClientStats;
using Loadstar::Engine::TrafficGenerator;
using EngineT = Loadstar::Engine::Engine;

namespace {

const QString Web = QStringLiteral("web");

bool start(EngineT &engine, const Loadstar::Engine::EngineConfig &config)
{
    QString error;
    if (engine.start(config, &error))
        return true;
    qWarning("The engine did not start: %s", qPrintable(error));
    return false;
}

ClientConfig clientOn(const QString &name, const QString &frontend, quint16 port, int rate, int concurrency,
                      const QList<PathShare> &paths = {{QStringLiteral("/"), 1}})
{
    ClientConfig client;
    client.name = name;
    client.frontend = frontend;
    client.address = QStringLiteral("127.0.0.1");
    client.port = port;
    client.rate = rate;
    client.concurrency = concurrency;
    client.paths = paths;
    return client;
}

ClientConfig clientOf(const EngineT &engine, int rate, int concurrency,
                      const QList<PathShare> &paths = {{QStringLiteral("/"), 1}})
{
    return clientOn(QStringLiteral("browser"), Web, engine.listenPort(Web), rate, concurrency, paths);
}

bool start(TrafficGenerator &generator, const QList<ClientConfig> &clients)
{
    QString error;
    if (generator.start(clients, &error))
        return true;
    qWarning("The traffic generator did not start: %s", qPrintable(error));
    return false;
}

// A client's row; the name is empty when there is no such client.
TrafficClientStats clientStats(const TrafficGenerator &generator, const QString &name = QStringLiteral("browser"))
{
    for (const TrafficClientStats &row : generator.stats()) {
        if (row.name == name)
            return row;
    }
    return {};
}

int requestsFor(const TestBackend &backend, const QByteArray &target)
{
    int count = 0;
    for (const ReceivedRequest &request : backend.requests())
        count += request.target == target ? 1 : 0;
    return count;
}

} // namespace

class TrafficTest : public QObject
{
    Q_OBJECT

private slots:
    void theFrontendCountsExactlyWhatTheClientSent()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(1);
        QVERIFY(start(engine, configOf(webFrontend({serverOf(a)}))));
        TrafficGenerator generator;
        QVERIFY(start(generator, {clientOf(engine, 50, 2)}));

        QTRY_VERIFY(clientStats(generator).sent >= 20);
        generator.stop();
        const TrafficClientStats client = clientStats(generator);
        QCOMPARE(client.name, QStringLiteral("browser"));
        QCOMPARE(client.frontend, Web);
        QTRY_COMPARE(frontendRow(engine).reqTot, uint64_t(client.sent));
        QTRY_COMPARE(quint64(a.requestCount()), client.sent);
        QCOMPARE(client.failed(), quint64(0));
        QVERIFY(client.responses[1] >= client.sent - 2); // at most one in flight per connection at stop
        QCOMPARE(client.responses[1], client.answered());
        QVERIFY(client.p50Ms > 0 && client.p50Ms <= client.p95Ms && client.p95Ms <= client.p99Ms);
    }

    void thePathMixIsSentInItsExactShares()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(1);
        QVERIFY(start(engine, configOf(webFrontend({serverOf(a)}))));
        TrafficGenerator generator;
        QVERIFY(start(generator, {clientOf(engine, 100, 1, {{QStringLiteral("/a"), 3}, {QStringLiteral("/b"), 1}})}));

        QTRY_VERIFY(a.requestCount() >= 41);
        generator.stop();
        const qint64 sent = qint64(clientStats(generator).sent);
        QTRY_COMPARE(qint64(a.requestCount()), sent);
        const int onA = requestsFor(a, "/a");
        const int onB = requestsFor(a, "/b");
        QCOMPARE(onA + onB, sent);
        // Three of every four on /a, wherever the count stops.
        QVERIFY2(qAbs(4 * onA - 3 * sent) <= 4, qPrintable(QStringLiteral("/a %1, /b %2").arg(onA).arg(onB)));
        // Spread evenly: never /b twice in a row.
        for (qsizetype i = 1; i < a.requests().size(); ++i)
            QVERIFY(a.requests()[i].target != "/b" || a.requests()[i - 1].target != "/b");
    }

    void aWriteShareOf25PercentIsOnePostInFour()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        ClientConfig client = clientOn(QStringLiteral("browser"), Web, a.port(), 100, 1);
        client.writeRatio = 25;
        TrafficGenerator generator;
        QVERIFY(start(generator, {client}));

        QTRY_VERIFY(a.requestCount() >= 12);
        generator.stop();
        // One connection: the backend sees them in the order they were sent.
        for (int i = 0; i < a.requestCount(); ++i) {
            const ReceivedRequest &request = a.requests()[i];
            const bool write = (i + 1) % 4 == 0;
            QCOMPARE(request.method, write ? QByteArray("POST") : QByteArray("GET"));
            QCOMPARE(request.body, write ? QByteArray("visited=1") : QByteArray());
            // The demo backends tell a client's own writes by this field.
            QCOMPARE(request.header("X-Loadstar-Client"), QByteArray("browser"));
        }
    }

    void concurrencyBoundsTheRequestsInProgress()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        a.setMode(TestBackend::Mode::Delay, 50);
        EngineT engine(1);
        QVERIFY(start(engine, configOf(webFrontend({serverOf(a)}))));
        TrafficGenerator generator;
        // 100 requests a second need more than two connections to a server
        // that takes 50 ms: the client keeps two busy and no more.
        QVERIFY(start(generator, {clientOf(engine, 100, 2)}));

        QTRY_VERIFY(a.requestCount() >= 20);
        QCOMPARE(serverRow(engine, QStringLiteral("a")).smax, uint64_t(2));
        QCOMPARE(frontendRow(engine).smax, uint64_t(2));
        QCOMPARE(a.maxInProgress(), 2);
        QCOMPARE(clientStats(generator).connections, 2);
    }

    void aStalledServerShowsAsLatency()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        a.setMode(TestBackend::Mode::Hold);
        EngineT engine(1);
        QVERIFY(start(engine, configOf(webFrontend({serverOf(a)}))));
        TrafficGenerator generator;
        QVERIFY(start(generator, {clientOf(engine, 50, 1)}));

        // The first request was due before the test saw it held, so it
        // waits at least as long as the test holds it.
        QTRY_COMPARE(a.heldCount(), 1);
        QElapsedTimer held;
        held.start();
        QTRY_VERIFY(held.elapsed() >= 500);
        const qint64 heldMs = held.elapsed();
        a.setMode(TestBackend::Mode::Answer);
        a.release();
        // Requests that fell due meanwhile went out as soon as the
        // connection was free, each timed from when it was due.
        QTRY_VERIFY(clientStats(generator).answered() >= 10);
        const TrafficClientStats client = clientStats(generator);
        QVERIFY2(client.p99Ms >= double(heldMs), qPrintable(QString::number(client.p99Ms)));
        QCOMPARE(client.connections, 1);
        QCOMPARE(client.failed(), quint64(0));
    }

    void rateZeroSendsNothing()
    {
        TestBackend a("a"), quiet("quiet");
        QVERIFY(a.listen() && quiet.listen());
        Loadstar::Engine::FrontendConfig other = webFrontend({serverOf(quiet)});
        other.name = QStringLiteral("other");
        Loadstar::Engine::EngineConfig config = configOf(webFrontend({serverOf(a)}));
        config.frontends.append(other);
        EngineT engine(1);
        QVERIFY(start(engine, config));
        TrafficGenerator generator;
        QVERIFY(start(generator, {clientOf(engine, 50, 2),
                                  clientOn(QStringLiteral("idle"), other.name, engine.listenPort(other.name), 0, 4)}));

        QTRY_VERIFY(a.requestCount() >= 20);
        const TrafficClientStats idle = clientStats(generator, QStringLiteral("idle"));
        QCOMPARE(idle.name, QStringLiteral("idle"));
        QCOMPARE(idle.sent, quint64(0));
        QCOMPARE(idle.connections, 0);
        QCOMPARE(quiet.requestCount(), 0);
        QCOMPARE(statsRow(engine, other.name, QStringLiteral("FRONTEND")).stot, uint64_t(0));
    }

    void serverErrorsCountAs5xx()
    {
        // A demo backend told to fail every request.
        Loadstar::Engine::ServerConfig failing = serverOn(QStringLiteral("failing"), 0);
        failing.embedded = true;
        DemoBackends demo;
        QString error;
        QVERIFY2(demo.start(configOf(webFrontend({failing})), &error), qPrintable(error));
        QVERIFY(demo.setErrorPercent(failing.name, 100));
        failing.port = demo.port(failing.name);
        EngineT engine(1);
        QVERIFY(start(engine, configOf(webFrontend({failing}))));
        TrafficGenerator generator;
        QVERIFY(start(generator, {clientOf(engine, 50, 2)}));

        QTRY_VERIFY(clientStats(generator).answered() >= 10);
        generator.stop();
        const TrafficClientStats client = clientStats(generator);
        QCOMPARE(client.responses[4], client.answered());
        QCOMPARE(client.responses[1], quint64(0));
        QCOMPARE(client.failed(), quint64(0));
        QTRY_COMPARE(serverRow(engine, failing.name).hrsp[4], uint64_t(client.sent));
    }

    void aClosedPortCountsConnectErrors()
    {
        RefusingPort closed;
        TrafficGenerator generator;
        QVERIFY(start(generator, {clientOn(QStringLiteral("browser"), Web, closed.port(), 50, 2)}));

        QTRY_VERIFY(clientStats(generator).connectErrors >= 3);
        QCOMPARE(clientStats(generator).sent, quint64(0));
        QCOMPARE(clientStats(generator).answered(), quint64(0));
        generator.stop();
        QVERIFY(!generator.isRunning());
        QCOMPARE(clientStats(generator).connections, 0);
    }

    void stopReleasesEveryConnection()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        a.setMode(TestBackend::Mode::Delay, 50);
        EngineT engine(1);
        QVERIFY(start(engine, configOf(webFrontend({serverOf(a)}))));
        TrafficGenerator generator;
        QVERIFY(start(generator, {clientOf(engine, 200, 4)}));

        QTRY_COMPARE(frontendRow(engine).scur, uint64_t(4));
        generator.stop();
        QCOMPARE(clientStats(generator).connections, 0);
        QTRY_COMPARE(frontendRow(engine).scur, uint64_t(0));
        QCOMPARE(frontendRow(engine).stot, uint64_t(4));
    }

    void applyKeepsTheClientsConnections()
    {
        TestBackend a("a");
        QVERIFY(a.listen());
        EngineT engine(1);
        QVERIFY(start(engine, configOf(webFrontend({serverOf(a)}))));
        TrafficGenerator generator;
        QVERIFY(start(generator, {clientOf(engine, 20, 1)}));
        QTRY_VERIFY(a.requestCount() >= 5);

        QString error;
        QVERIFY2(generator.apply({clientOf(engine, 100, 1, {{QStringLiteral("/faster"), 1}})}, &error),
                 qPrintable(error));
        QTRY_VERIFY(requestsFor(a, "/faster") >= 20);
        // Every request, before and after, on the one connection opened first.
        QCOMPARE(frontendRow(engine).stot, uint64_t(1));
        QCOMPARE(clientStats(generator).connections, 1);
        QCOMPARE(clientStats(generator).failed(), quint64(0));
    }
};

QTEST_GUILESS_MAIN(TrafficTest)
#include "tst_traffic.moc"
