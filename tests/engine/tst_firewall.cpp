// A firewall node's rules: which sources pass, which are refused and how
// fast one source may connect — first as FirewallRules alone, with a clock
// the test moves, then enforced by the engine on real connections.

#include "EngineTestSupport.h"
#include "TestBackend.h"
#include "TestClient.h"

#include "engine/Firewall.h"

#include <QElapsedTimer>
#include <QtTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace Loadstar::Test;
using Loadstar::Engine::FirewallConfig;
using Loadstar::Engine::FirewallRules;
using Verdict = FirewallRules::Verdict;

namespace {

FirewallConfig rules(const QString &allow, const QString &deny = {}, int rateLimit = 0)
{
    FirewallConfig config;
    config.name = QStringLiteral("fw");
    config.allow = allow.split(QLatin1Char(','), Qt::SkipEmptyParts);
    config.deny = deny.split(QLatin1Char(','), Qt::SkipEmptyParts);
    config.rateLimit = rateLimit;
    return config;
}

// A steady clock that moves only when the test says so.
struct ManualClock
{
    FirewallRules::Clock::time_point now{std::chrono::hours(1)};
    std::function<FirewallRules::Clock::time_point()> function()
    {
        return [this] { return now; };
    }
    void advance(int ms) { now += std::chrono::milliseconds(ms); }
};

Verdict verdictOf(FirewallRules &firewall, const char *address)
{
    return firewall.check(QHostAddress(QString::fromLatin1(address)));
}

using EngineT = Loadstar::Engine::Engine;

const QHostAddress Allowed(QStringLiteral("127.0.0.1"));
const QHostAddress Refused(QStringLiteral("127.0.0.2"));

// What a client from `from` gets for a GET on a connection of its own: the
// server that answered, or "refused" when the connection was closed
// without a byte of answer.
QString outcome(quint16 port, const QHostAddress &from)
{
    TestClient client;
    if (!client.connectTo(port, from))
        return QStringLiteral("no connection");
    const HttpResponse response = client.get("/");
    if (response.status == 200)
        return response.server();
    if (response.status == 0 && client.waitForClosed() && client.received().isEmpty())
        return QStringLiteral("refused");
    return QStringLiteral("<%1>").arg(response.status);
}

// The FRONTEND row's value in a column of HAProxy's CSV, read off the
// stats listener as a monitoring tool reads it.
QString csvValue(quint16 statsPort, const QString &column)
{
    const HttpResponse csv = fetchGet(statsPort, "/stats;csv");
    const QStringList lines = QString::fromUtf8(csv.body).split(QLatin1Char('\n'));
    const QStringList header = lines.first().mid(2).split(QLatin1Char(','));
    for (const QString &line : lines) {
        const QStringList fields = line.split(QLatin1Char(','));
        if (fields.size() > 1 && fields.at(1) == QLatin1String("FRONTEND"))
            return fields.value(header.indexOf(column));
    }
    return QStringLiteral("<no FRONTEND row>");
}

} // namespace

Q_DECLARE_METATYPE(Verdict)

class TestFirewall : public QObject
{
    Q_OBJECT

private slots:
    void networks_data()
    {
        QTest::addColumn<QString>("allow");
        QTest::addColumn<QString>("deny");
        QTest::addColumn<QString>("source");
        QTest::addColumn<Verdict>("verdict");

        const QString everyone = QStringLiteral("0.0.0.0/0,::/0");
        QTest::newRow("default allows IPv4") << everyone << QString() << "192.0.2.7" << Verdict::Allowed;
        QTest::newRow("default allows IPv6") << everyone << QString() << "2001:db8::7" << Verdict::Allowed;
        QTest::newRow("/32 is one address") << "127.0.0.1/32" << QString() << "127.0.0.1" << Verdict::Allowed;
        QTest::newRow("/32 not its neighbour") << "127.0.0.1/32" << QString() << "127.0.0.2" << Verdict::Denied;
        QTest::newRow("bare address is /32") << "127.0.0.1" << QString() << "127.0.0.2" << Verdict::Denied;
        QTest::newRow("/25 upper half in") << "192.168.1.128/25" << QString() << "192.168.1.200" << Verdict::Allowed;
        QTest::newRow("/25 lower half out") << "192.168.1.128/25" << QString() << "192.168.1.100" << Verdict::Denied;
        QTest::newRow("IPv4 /0 is every IPv4") << "0.0.0.0/0" << QString() << "203.0.113.9" << Verdict::Allowed;
        QTest::newRow("IPv4 /0 is no IPv6") << "0.0.0.0/0" << QString() << "::1" << Verdict::Denied;
        QTest::newRow("IPv6 /0 is no IPv4") << "::/0" << QString() << "10.0.0.1" << Verdict::Denied;
        QTest::newRow("IPv6 /128") << "::1/128" << QString() << "::1" << Verdict::Allowed;
        QTest::newRow("::1 is not 127.0.0.1") << "127.0.0.0/8" << QString() << "::1" << Verdict::Denied;
        QTest::newRow("IPv6 /33 in") << "2001:db8::/33" << QString() << "2001:db8:7fff::1" << Verdict::Allowed;
        QTest::newRow("IPv6 /33 out") << "2001:db8::/33" << QString() << "2001:db8:8000::1" << Verdict::Denied;
        QTest::newRow("mapped source is IPv4") << "127.0.0.0/8" << QString() << "::ffff:127.0.0.5" << Verdict::Allowed;
        QTest::newRow("mapped source denied as IPv4")
            << everyone << "127.0.0.2/32" << "::ffff:127.0.0.2" << Verdict::Denied;
        QTest::newRow("mapped rule is IPv4") << "::ffff:10.0.0.0/104" << QString() << "10.9.8.7" << Verdict::Allowed;
        QTest::newRow("deny wins over allow") << "10.0.0.0/8" << "10.1.0.0/16" << "10.1.2.3" << Verdict::Denied;
        QTest::newRow("allowed beside the denied") << "10.0.0.0/8" << "10.1.0.0/16" << "10.2.0.1" << Verdict::Allowed;
        QTest::newRow("empty allow admits no one") << QString() << QString() << "127.0.0.1" << Verdict::Denied;
    }

    void networks()
    {
        QFETCH(QString, allow);
        QFETCH(QString, deny);
        QFETCH(QString, source);
        QFETCH(Verdict, verdict);
        FirewallRules firewall(rules(allow, deny));
        QCOMPARE(firewall.error(), QString());
        QCOMPARE(firewall.check(QHostAddress(source)), verdict);
    }

    void countsEveryRefusal()
    {
        FirewallRules firewall(rules(QStringLiteral("127.0.0.1/32"), QStringLiteral("127.0.0.2/32")));
        for (int i = 0; i < 3; ++i)
            QCOMPARE(verdictOf(firewall, "127.0.0.2"), Verdict::Denied);
        QCOMPARE(verdictOf(firewall, "127.0.0.3"), Verdict::Denied); // not allowed
        QCOMPARE(verdictOf(firewall, "127.0.0.1"), Verdict::Allowed);
        QCOMPARE(firewall.check(QHostAddress()), Verdict::Denied);
        QCOMPARE(firewall.denied(), quint64(5));
        QCOMPARE(firewall.rateLimited(), quint64(0));
    }

    void rateLimitRefusesTheBurstBeyondIt()
    {
        ManualClock clock;
        FirewallRules firewall(rules(QStringLiteral("0.0.0.0/0"), {}, 5), clock.function());
        QList<Verdict> verdicts;
        for (int i = 0; i < 8; ++i) {
            verdicts.append(verdictOf(firewall, "127.0.0.1"));
            clock.advance(100); // 8 connections within 700 ms: one window
        }
        const QList<Verdict> expected{Verdict::Allowed,     Verdict::Allowed,     Verdict::Allowed,
                                      Verdict::Allowed,     Verdict::Allowed,     Verdict::RateLimited,
                                      Verdict::RateLimited, Verdict::RateLimited};
        QCOMPARE(verdicts, expected);
        QCOMPARE(firewall.rateLimited(), quint64(3));
        QCOMPARE(firewall.denied(), quint64(0));
        // Another source has a window of its own.
        QCOMPARE(verdictOf(firewall, "127.0.0.9"), Verdict::Allowed);
        // Still the first source's window (it started 800 ms ago)…
        QCOMPARE(verdictOf(firewall, "127.0.0.1"), Verdict::RateLimited);
        // …until a second has passed since it started.
        clock.advance(200);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(verdictOf(firewall, "127.0.0.1"), Verdict::Allowed);
        QCOMPARE(verdictOf(firewall, "127.0.0.1"), Verdict::RateLimited);
        QCOMPARE(firewall.rateLimited(), quint64(5));
    }

    void deniedSourcesDoNotUseTheRate()
    {
        ManualClock clock;
        FirewallRules firewall(rules(QStringLiteral("127.0.0.1/32"), {}, 1), clock.function());
        QCOMPARE(verdictOf(firewall, "127.0.0.2"), Verdict::Denied);
        QCOMPARE(verdictOf(firewall, "127.0.0.2"), Verdict::Denied);
        QCOMPARE(firewall.rateLimited(), quint64(0));
        QCOMPARE(firewall.trackedSources(), size_t(0));
    }

    void idleSourcesAreForgotten()
    {
        ManualClock clock;
        FirewallRules firewall(rules(QStringLiteral("10.0.0.0/8"), {}, 10), clock.function());
        for (int i = 0; i < 200; ++i)
            QCOMPARE(firewall.check(QHostAddress(quint32(0x0a000000 + i))), Verdict::Allowed);
        QCOMPARE(firewall.trackedSources(), size_t(200));
        clock.advance(1000);
        QCOMPARE(verdictOf(firewall, "10.0.0.1"), Verdict::Allowed);
        QCOMPARE(firewall.trackedSources(), size_t(1));
    }

    void sourcesBeyondTheTableShareOneWindow()
    {
        ManualClock clock;
        FirewallRules firewall(rules(QStringLiteral("10.0.0.0/8"), {}, 2), clock.function());
        for (quint32 i = 0; i < FirewallRules::MaxSources; ++i)
            firewall.check(QHostAddress(quint32(0x0a000000 + i)));
        QCOMPARE(firewall.trackedSources(), FirewallRules::MaxSources);
        // Newcomers, all at once: two pass between them, the rest wait.
        QCOMPARE(firewall.check(QHostAddress(quint32(0x0b000000 - 1))), Verdict::Allowed);
        QCOMPARE(firewall.check(QHostAddress(quint32(0x0b000000 - 2))), Verdict::Allowed);
        QCOMPARE(firewall.check(QHostAddress(quint32(0x0b000000 - 3))), Verdict::RateLimited);
        QCOMPARE(firewall.trackedSources(), FirewallRules::MaxSources);
        // A second later the old windows are gone and every source counts alone.
        clock.advance(1000);
        QCOMPARE(firewall.check(QHostAddress(quint32(0x0b000000 - 3))), Verdict::Allowed);
        QCOMPARE(firewall.trackedSources(), size_t(1));
    }

    void newRulesApplyAtOnceAndKeepTheCounts()
    {
        ManualClock clock;
        FirewallRules firewall(rules(QStringLiteral("0.0.0.0/0"), {}, 2), clock.function());
        QCOMPARE(verdictOf(firewall, "127.0.0.2"), Verdict::Allowed);
        QCOMPARE(verdictOf(firewall, "127.0.0.2"), Verdict::Allowed);
        QCOMPARE(verdictOf(firewall, "127.0.0.2"), Verdict::RateLimited);

        firewall.setConfig(rules(QStringLiteral("0.0.0.0/0"), QStringLiteral("127.0.0.2/32"), 2));
        QCOMPARE(verdictOf(firewall, "127.0.0.2"), Verdict::Denied);
        QCOMPARE(verdictOf(firewall, "127.0.0.1"), Verdict::Allowed);
        QCOMPARE(firewall.denied(), quint64(1));
        QCOMPARE(firewall.rateLimited(), quint64(1));
        QCOMPARE(firewall.config().deny, QStringList{QStringLiteral("127.0.0.2/32")});

        // The window of a source carries over a change of rules.
        firewall.setConfig(rules(QStringLiteral("0.0.0.0/0"), {}, 2));
        QCOMPARE(verdictOf(firewall, "127.0.0.1"), Verdict::Allowed);
        QCOMPARE(verdictOf(firewall, "127.0.0.1"), Verdict::RateLimited);
        // No limit: no window.
        firewall.setConfig(rules(QStringLiteral("0.0.0.0/0")));
        for (int i = 0; i < 10; ++i)
            QCOMPARE(verdictOf(firewall, "127.0.0.1"), Verdict::Allowed);
        QCOMPARE(firewall.trackedSources(), size_t(0));
    }

    void badNetworkIsNamed()
    {
        const FirewallConfig config = rules(QStringLiteral("10.0.0.0/8"), QStringLiteral("10.0.0.300/8"));
        const QString expected
            = QStringLiteral("fw: “10.0.0.300/8” is not a network such as 10.0.0.0/8; correct or remove it.");
        QCOMPARE(FirewallRules::problemOf(config), expected);
        FirewallRules firewall(config);
        QCOMPARE(firewall.error(), expected);
        QCOMPARE(verdictOf(firewall, "10.0.0.1"), Verdict::Allowed); // the understood rules still hold
        QCOMPARE(FirewallRules::problemOf(rules(QStringLiteral("0.0.0.0/0, ::/0"))), QString());
    }

    // Every engine worker checks through the same rules at once: no
    // refusal is lost, no window counts one twice.
    void countsExactlyFromManyThreads()
    {
        ManualClock clock; // stands still: every check falls in one window
        FirewallRules firewall(rules(QStringLiteral("127.0.0.1/32"), {}, 1000), clock.function());
        constexpr int Threads = 4;
        constexpr int Checks = 5000;
        std::atomic<int> allowed{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < Threads; ++t) {
            threads.emplace_back([&firewall, &allowed, t] {
                const QHostAddress denied(QStringLiteral("127.0.0.2"));
                const QHostAddress source(QStringLiteral("127.0.0.1"));
                for (int i = 0; i < Checks; ++i) {
                    if (firewall.check((i + t) % 2 ? denied : source) == Verdict::Allowed)
                        allowed.fetch_add(1);
                }
            });
        }
        for (std::thread &thread : threads)
            thread.join();
        QCOMPARE(allowed.load(), 1000);
        QCOMPARE(firewall.rateLimited(), quint64(Threads * Checks / 2 - 1000));
        QCOMPARE(firewall.denied(), quint64(Threads * Checks / 2));
    }

    // The case: 127.0.0.1 is let through to a server, 127.0.0.2 is
    // closed before a byte is read, never reaches a server, and is counted
    // once per attempt where monitoring tools look (dcon).
    void engineLetsAllowedSourcesThroughAndRefusesDenied()
    {
        TestBackend backend(QStringLiteral("web-01"));
        QVERIFY(backend.listen());
        FrontendConfig frontend = webFrontend({serverOf(backend)});
        frontend.firewall = rules(QStringLiteral("127.0.0.1/32"), QStringLiteral("127.0.0.2/32"));
        EngineT engine;
        QString error;
        QVERIFY2(engine.start(configOf(frontend), &error), qPrintable(error));
        QVERIFY2(engine.startStats(QStringLiteral("127.0.0.1"), 0, &error), qPrintable(error));
        const quint16 port = engine.listenPort(QStringLiteral("web"));

        QCOMPARE(outcome(port, Allowed), QStringLiteral("web-01"));
        QCOMPARE(backend.requestCount(), 1);
        for (int attempt = 1; attempt <= 3; ++attempt) {
            QCOMPARE(outcome(port, Refused), QStringLiteral("refused"));
            QTRY_COMPARE(frontendRow(engine).dcon, uint64_t(attempt));
        }
        // Not in the allow list is refused as well.
        QCOMPARE(outcome(port, QHostAddress(QStringLiteral("127.0.0.3"))), QStringLiteral("refused"));
        QTRY_COMPARE(frontendRow(engine).dcon, uint64_t(4));
        QCOMPARE(outcome(port, Allowed), QStringLiteral("web-01"));

        QCOMPARE(backend.requestCount(), 2);
        QCOMPARE(backend.connectionsAccepted(), 1); // the refused never reached it (the allowed reused one)
        const StatsRow front = frontendRow(engine);
        QCOMPARE(front.dconRateLimited, uint64_t(0));
        QCOMPARE(front.connTot, uint64_t(6));
        QCOMPARE(front.stot, uint64_t(2)); // sessions: only the allowed ones
        QCOMPARE(front.firewall, std::string("fw"));
        QCOMPARE(csvValue(engine.statsPort(), QStringLiteral("dcon")), QStringLiteral("4"));
        QCOMPARE(csvValue(engine.statsPort(), QStringLiteral("conn_tot")), QStringLiteral("6"));
        const HttpResponse metrics = fetchGet(engine.statsPort(), "/metrics");
        QVERIFY2(metrics.body.contains("haproxy_frontend_denied_connections_total{proxy=\"web\"} 4\n"),
                 metrics.body.constData());
    }

    // A burst from one source beyond its rate: the first `rate_limit`
    // connections of the second pass, the rest are refused and counted as
    // rate-limited.
    void engineRateLimitsOneSource()
    {
        TestBackend backend(QStringLiteral("web-01"));
        QVERIFY(backend.listen());
        FrontendConfig frontend = webFrontend({serverOf(backend)});
        frontend.firewall = rules(QStringLiteral("127.0.0.0/8"), {}, 3);
        EngineT engine;
        QString error;
        QVERIFY2(engine.start(configOf(frontend), &error), qPrintable(error));
        const quint16 port = engine.listenPort(QStringLiteral("web"));

        QElapsedTimer burst;
        burst.start();
        QStringList outcomes;
        for (int i = 0; i < 8; ++i)
            outcomes.append(outcome(port, QHostAddress(QStringLiteral("127.0.0.4"))));
        const qint64 elapsed = burst.elapsed();
        // Another source is not held back by this one's burst.
        QCOMPARE(outcome(port, QHostAddress(QStringLiteral("127.0.0.5"))), QStringLiteral("web-01"));

        const qsizetype answered = outcomes.count(QStringLiteral("web-01"));
        const qsizetype refused = outcomes.count(QStringLiteral("refused"));
        QCOMPARE(answered + refused, 8);
        // The window starts with the first connection, so the first three
        // always pass; within one second exactly three do.
        QCOMPARE(outcomes.mid(0, 3), QStringList(3, QStringLiteral("web-01")));
        if (elapsed < 1000)
            QCOMPARE(answered, 3);
        else
            QVERIFY2(refused >= 1 || elapsed >= 2000, qPrintable(outcomes.join(QLatin1Char(' '))));
        QTRY_COMPARE(frontendRow(engine).dcon, uint64_t(refused));
        QCOMPARE(frontendRow(engine).dconRateLimited, uint64_t(refused));
        QCOMPARE(backend.requestCount(), int(answered) + 1);
    }

    // New rules hold from the next connection, without dropping the
    // connections already let in; the count carries over.
    void engineAppliesNewRulesToTheNextConnection()
    {
        TestBackend backend(QStringLiteral("web-01"));
        QVERIFY(backend.listen());
        FrontendConfig frontend = webFrontend({serverOf(backend)});
        EngineT engine;
        QString error;
        QVERIFY2(engine.start(configOf(frontend), &error), qPrintable(error));
        const quint16 port = engine.listenPort(QStringLiteral("web"));
        QCOMPARE(outcome(port, Refused), QStringLiteral("web-01")); // no firewall yet
        TestClient live;
        QVERIFY(live.connectTo(port, Refused));
        QCOMPARE(live.get("/").status, 200);

        frontend.firewall = rules(QStringLiteral("0.0.0.0/0"), QStringLiteral("127.0.0.2/32"));
        QVERIFY2(engine.apply(configOf(frontend), &error), qPrintable(error));
        QCOMPARE(outcome(port, Refused), QStringLiteral("refused"));
        QCOMPARE(outcome(port, Allowed), QStringLiteral("web-01"));
        QCOMPARE(live.get("/").status, 200); // let in before: stays
        QCOMPARE(engine.listenPort(QStringLiteral("web")), port);

        frontend.firewall = rules(QStringLiteral("127.0.0.2/32"));
        QVERIFY2(engine.apply(configOf(frontend), &error), qPrintable(error));
        QCOMPARE(outcome(port, Refused), QStringLiteral("web-01"));
        QCOMPARE(outcome(port, Allowed), QStringLiteral("refused"));

        frontend.firewall = {};
        QVERIFY2(engine.apply(configOf(frontend), &error), qPrintable(error));
        QCOMPARE(outcome(port, Allowed), QStringLiteral("web-01"));
        const StatsRow front = frontendRow(engine);
        QCOMPARE(front.dcon, uint64_t(2));
        QCOMPARE(front.firewall, std::string());
    }

    // A listener on every IPv6 address hears IPv4 clients as ::ffff:a.b.c.d:
    // the IPv4 rules still apply to them.
    void engineJudgesMappedSourcesAsIpv4()
    {
        TestBackend backend(QStringLiteral("web-01"));
        QVERIFY(backend.listen());
        FrontendConfig frontend = webFrontend({serverOf(backend)});
        frontend.bindAddress = QStringLiteral("::");
        frontend.firewall = rules(QStringLiteral("127.0.0.1/32"), QStringLiteral("127.0.0.2/32"));
        EngineT engine;
        QString error;
        if (!engine.start(configOf(frontend), &error))
            QSKIP(qPrintable(QStringLiteral("No dual-stack listener on this machine: %1").arg(error)));
        const quint16 port = engine.listenPort(QStringLiteral("web"));
        QCOMPARE(outcome(port, Allowed), QStringLiteral("web-01"));
        QCOMPARE(outcome(port, Refused), QStringLiteral("refused"));
        QTRY_COMPARE(frontendRow(engine).dcon, uint64_t(1));
    }

    void engineRefusesRulesItCannotRead()
    {
        TestBackend backend(QStringLiteral("web-01"));
        QVERIFY(backend.listen());
        FrontendConfig frontend = webFrontend({serverOf(backend)});
        frontend.firewall = rules(QStringLiteral("10.0.0.300/8"));
        EngineT engine;
        QString error;
        QVERIFY(!engine.start(configOf(frontend), &error));
        QCOMPARE(error, QStringLiteral("fw: “10.0.0.300/8” is not a network such as 10.0.0.0/8; correct or remove it."));
        QVERIFY(!engine.isRunning());
    }

    // What-if for real: a failed load balancer has no sockets — its clients
    // are cut off and its port refuses connections — until it comes back
    // on the same port.
    void failedFrontendClosesItsPortAndComesBack()
    {
        TestBackend backend(QStringLiteral("web-01"));
        QVERIFY(backend.listen());
        EngineT engine;
        QString error;
        QVERIFY2(engine.start(configOf(webFrontend({serverOf(backend)})), &error), qPrintable(error));
        const quint16 port = engine.listenPort(QStringLiteral("web"));
        TestClient live;
        QVERIFY(live.connectTo(port));
        QCOMPARE(live.get("/").status, 200);

        QVERIFY2(engine.setFrontendListening(QStringLiteral("web"), false, &error), qPrintable(error));
        QVERIFY(live.waitForClosed());
        QCOMPARE(outcome(port, Allowed), QStringLiteral("no connection"));
        QCOMPARE(frontendRow(engine).status, std::string("STOP"));
        QVERIFY(engine.setFrontendListening(QStringLiteral("web"), false)); // already: nothing to do

        QVERIFY2(engine.setFrontendListening(QStringLiteral("web"), true, &error), qPrintable(error));
        QCOMPARE(outcome(port, Allowed), QStringLiteral("web-01"));
        QCOMPARE(frontendRow(engine).status, std::string("OPEN"));
        QCOMPARE(engine.listenPort(QStringLiteral("web")), port);

        QVERIFY(!engine.setFrontendListening(QStringLiteral("nope"), false, &error));
        QCOMPARE(error, QStringLiteral("There is no load balancer named “nope” running."));
    }
};

QTEST_GUILESS_MAIN(TestFirewall)
#include "tst_firewall.moc"
