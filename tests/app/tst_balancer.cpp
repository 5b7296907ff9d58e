#include "engine/ServerPool.h"

#include <QtTest>

using namespace Loadstar::Engine;

namespace {

FrontendConfig frontend(const QString &balance, const QList<ServerConfig> &servers, bool allbackups = false)
{
    FrontendConfig config;
    config.name = QStringLiteral("lb");
    config.balance = balance;
    config.allbackups = allbackups;
    config.servers = servers;
    return config;
}

ServerConfig server(const char *name, int weight = 1, bool backup = false, int maxconn = 0)
{
    ServerConfig s;
    s.name = QString::fromLatin1(name);
    s.weight = weight;
    s.backup = backup;
    s.maxconn = maxconn;
    return s;
}

// Names of the next `count` picks, e.g. "a a b a".
QString sequence(ServerPool &pool, int count, quint32 hash = 0)
{
    QStringList names;
    for (int i = 0; i < count; ++i) {
        const int picked = pool.pick(hash);
        names.append(picked < 0 ? QStringLiteral("-") : pool.servers().at(picked).name);
    }
    return names.join(QLatin1Char(' '));
}

} // namespace

class BalancerTest : public QObject
{
    Q_OBJECT

private slots:
    void roundrobinIsSmoothAndWeighted()
    {
        ServerPool equal(frontend("roundrobin", {server("a"), server("b"), server("c")}));
        QCOMPARE(sequence(equal, 6), QStringLiteral("a b c a b c"));
        ServerPool weighted(frontend("roundrobin", {server("a", 3), server("b", 1)}));
        QCOMPARE(sequence(weighted, 8), QStringLiteral("a a b a a a b a"));
        ServerPool five(frontend("roundrobin", {server("a", 5), server("b", 1), server("c", 1)}));
        QCOMPARE(sequence(five, 7), QStringLiteral("a a b a c a a"));
    }

    void runtimeWeightChangesRoundrobinButNotStaticRr()
    {
        ServerPool dynamic(frontend("roundrobin", {server("a"), server("b")}));
        ServerPool fixed(frontend("static-rr", {server("a"), server("b")}));
        dynamic.setWeight(1, 3);
        fixed.setWeight(1, 3);
        QCOMPARE(sequence(dynamic, 4), QStringLiteral("b a b b"));
        QCOMPARE(sequence(fixed, 4), QStringLiteral("a b a b"));
    }

    void backupTakesOverOnlyWhenNoActiveServerIsUp()
    {
        // The reference design: web-01 active, web-02 backup.
        ServerPool pool(frontend("roundrobin", {server("web-01"), server("web-02", 1, true)}));
        QCOMPARE(sequence(pool, 3), QStringLiteral("web-01 web-01 web-01"));
        pool.setUp(0, false);
        QCOMPARE(sequence(pool, 3), QStringLiteral("web-02 web-02 web-02"));
        pool.setUp(0, true); // failback
        QCOMPARE(sequence(pool, 2), QStringLiteral("web-01 web-01"));
    }

    void firstBackupUnlessAllbackups()
    {
        const QList<ServerConfig> servers = {server("a"), server("b1", 1, true), server("b2", 1, true)};
        ServerPool first(frontend("roundrobin", servers));
        ServerPool all(frontend("roundrobin", servers, true));
        first.setUp(0, false);
        all.setUp(0, false);
        QCOMPARE(sequence(first, 4), QStringLiteral("b1 b1 b1 b1"));
        QCOMPARE(sequence(all, 4), QStringLiteral("b1 b2 b1 b2"));
        first.setUp(1, false);
        QCOMPARE(sequence(first, 2), QStringLiteral("b2 b2"));
        first.setUp(2, false);
        QCOMPARE(sequence(first, 2), QStringLiteral("- -")); // nothing up: the caller answers 503
    }

    void drainMaintAndWeightZeroTakeNoNewTraffic()
    {
        ServerPool pool(frontend("roundrobin", {server("a"), server("b"), server("c"), server("d")}));
        pool.setAdmin(0, AdminState::Drain);
        pool.setAdmin(1, AdminState::Maint);
        pool.setWeight(2, 0);
        QCOMPARE(sequence(pool, 3), QStringLiteral("d d d"));
        pool.setAdmin(0, AdminState::Ready);
        QCOMPARE(sequence(pool, 4), QStringLiteral("a d a d"));
    }

    void leastconnPrefersFewestConnectionsPerWeight()
    {
        ServerPool pool(frontend("leastconn", {server("a"), server("b"), server("c", 2)}));
        const int a = 0, b = 1, c = 2;
        for (int i = 0; i < 4; ++i)
            pool.connectionOpened(a);
        pool.connectionOpened(b);
        pool.connectionOpened(c);
        pool.connectionOpened(c);
        // a: 4/1, b: 1/1, c: 2/2 — b and c tie; ties rotate.
        QCOMPARE(sequence(pool, 2), QStringLiteral("b c"));
        pool.connectionClosed(c);
        pool.connectionClosed(c);
        QCOMPARE(sequence(pool, 1), QStringLiteral("c"));
    }

    void sourceSticksAndFollowsWeights()
    {
        ServerPool pool(frontend("source", {server("a", 1), server("b", 3)}));
        for (quint32 client : {1u, 7u, 1234567u}) {
            const int first = pool.pick(client);
            for (int i = 0; i < 20; ++i)
                QCOMPARE(pool.pick(client), first);
        }
        int toB = 0;
        for (quint32 client = 0; client < 4000; ++client)
            toB += pool.pick(client * 2654435761u) == 1 ? 1 : 0;
        QVERIFY2(toB > 2800 && toB < 3200, qPrintable(QString::number(toB)));
    }

    void firstFillsServersInOrder()
    {
        ServerPool pool(frontend("first", {server("a", 1, false, 2), server("b", 1, false, 2)}));
        QCOMPARE(pool.pick(), 0);
        pool.connectionOpened(0);
        QCOMPARE(pool.pick(), 0);
        pool.connectionOpened(0);
        QCOMPARE(pool.pick(), 1); // a is full
        pool.connectionOpened(1);
        pool.connectionOpened(1);
        QCOMPARE(pool.pick(), -1); // everyone full: queue
        pool.connectionClosed(0);
        QCOMPARE(pool.pick(), 0);
    }

    void randomPrefersTheLessLoadedOfTwo()
    {
        FrontendConfig config = frontend("random", {server("busy"), server("idle"), server("down")});
        ServerPool pool(config);
        pool.setUp(2, false);
        for (int i = 0; i < 100; ++i)
            pool.connectionOpened(0);
        int idle = 0;
        for (int i = 0; i < 2000; ++i) {
            const int picked = pool.pick();
            QVERIFY(picked == 0 || picked == 1); // never the down server
            idle += picked == 1 ? 1 : 0;
        }
        // idle loses only when both draws are "busy": about 1 in 4.
        QVERIFY2(idle > 1300 && idle < 1700, qPrintable(QString::number(idle)));
    }
};

QTEST_GUILESS_MAIN(BalancerTest)
#include "tst_balancer.moc"
