// Database failover as a user meets it: a replica promoted by hand or when
// its primary goes DOWN with auto_failover, the old primary fenced for good,
// the other replicas following the new primary, and semi-sync keeping what
// it acknowledged. Real MariaDB and PostgreSQL servers on loopback.

#include "DatabaseTestSupport.h"

#include <QtTest>

using namespace Loadstar::Test;
using Loadstar::Engine::DatabaseFault;
using State = DatabaseServerStatus::State;

class DatabaseFailoverTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void promoteByHand_data() { engineRows(); }
    void promoteByHand();
    void autoFailoverPromotesWhenPrimaryIsDown();
    void failoverRepointsTheOtherReplicas_data() { engineRows(); }
    void failoverRepointsTheOtherReplicas();
    void semiSyncWriteSurvivesPrimaryKill_data() { engineRows(); }
    void semiSyncWriteSurvivesPrimaryKill();
};

void DatabaseFailoverTest::promoteByHand()
{
    QFETCH(QString, engine);
    const QList<quint16> ports = freePorts(2);
    DatabaseServers servers(testOptions());
    QVERIFY(startReplicating(servers, pair(engine, ports)));
    const auto oldPrimary = endpointOf(servers, Primary);
    const auto newPrimary = endpointOf(servers, Replica);
    AppConnection before(*oldPrimary);
    QCOMPARE(before.insert(30), QString());

    QCOMPARE(servers.promote(Primary),
             QStringLiteral("db-primary is its cluster's primary already."));
    QCOMPARE(servers.promote(Replica), QString());
    QCOMPARE(primaryOf(servers, Primary), Replica);
    QCOMPARE(statusOf(servers, Replica)->role, QStringLiteral("primary"));
    QCOMPARE(statusOf(servers, Primary)->role, QStringLiteral("fenced"));
    QCOMPARE(servers.promotions().size(), 1);
    const auto promotion = servers.promotions().first();
    QCOMPARE(promotion.cluster, Primary);
    QCOMPARE(promotion.oldPrimary, Primary);
    QCOMPARE(promotion.newPrimary, Replica);
    QVERIFY(!promotion.automatic);
    QVERIFY(promotion.promotedAt.isValid());
    QCOMPARE(promotion.fencing, engine == QLatin1String("mariadb") ? QStringLiteral("read_only")
                                                                   : QStringLiteral("killed"));

    // The new primary takes writes and has what the old one acknowledged.
    AppConnection writer(*newPrimary);
    QCOMPARE(writer.insert(31), QString());
    QVERIFY(writer.has(30).value_or(false));
    QTRY_VERIFY(!statusOf(servers, Replica)->readOnly);
    // The old primary never takes a write again, even after kill and revive.
    AppConnection fenced(*oldPrimary);
    QVERIFY(!fenced.insert(32).isEmpty());
    DatabaseFault killed;
    killed.killed = true;
    QCOMPARE(servers.setFault(Primary, killed), QString());
    QCOMPARE(servers.setFault(Primary, DatabaseFault{}), QString());
    QCOMPARE(stateOf(servers, Primary), State::Running);
    QTRY_COMPARE(statusOf(servers, Primary)->role, QStringLiteral("fenced"));
    QTRY_VERIFY(statusOf(servers, Primary)->readOnly);
    AppConnection revived(*oldPrimary);
    const QString refusal = revived.insert(33);
    QVERIFY2(!refusal.isEmpty(), "the fenced old primary took a write");
    QCOMPARE(primaryOf(servers, Primary), Replica);
    // The promoted one stays the primary through a kill and revive.
    QCOMPARE(servers.setFault(Replica, killed), QString());
    QCOMPARE(servers.setFault(Replica, DatabaseFault{}), QString());
    QTRY_COMPARE(primaryOf(servers, Primary), Replica);
    AppConnection afterRevive(*newPrimary);
    QCOMPARE(afterRevive.insert(34), QString());
}

void DatabaseFailoverTest::autoFailoverPromotesWhenPrimaryIsDown()
{
    const QList<quint16> ports = freePorts(2);
    QList<DatabaseConfig> databases = pair(QStringLiteral("mariadb"), ports);
    databases[0].autoFailover = true;
    DatabaseServers servers(testOptions());
    QVERIFY(startReplicating(servers, databases));
    const auto replica = endpointOf(servers, Replica);
    AppConnection before(*endpointOf(servers, Primary));
    QCOMPARE(before.insert(40), QString());
    QTRY_VERIFY_WITH_TIMEOUT(hasRow(*replica, 40), 10000);

    // Hung: it answers nobody, so it is killed to be fenced.
    DatabaseFault hung;
    hung.hung = true;
    QCOMPARE(servers.setFault(Primary, hung), QString());
    servers.setHealth(Primary, false);
    QTRY_COMPARE(primaryOf(servers, Primary), Replica);
    QCOMPARE(servers.promotions().size(), 1);
    const auto promotion = servers.promotions().first();
    QVERIFY(promotion.automatic);
    QCOMPARE(promotion.newPrimary, Replica);
    QCOMPARE(promotion.fencing, QStringLiteral("killed"));
    QVERIFY(promotion.downAt.isValid());
    QVERIFY(promotion.promotedAt >= promotion.downAt);
    QCOMPARE(stateOf(servers, Primary), State::Stopped);
    QVERIFY(statusOf(servers, Primary)->fault.killed);
    AppConnection writer(*replica);
    QCOMPARE(writer.insert(41), QString());
    QVERIFY(writer.has(40).value_or(false));
}

// Three servers: the standby (tied with the other replica on what it
// received) is promoted, and the other replica follows it.
void DatabaseFailoverTest::failoverRepointsTheOtherReplicas()
{
    QFETCH(QString, engine);
    const QString Standby = QStringLiteral("db-standby");
    const QList<quint16> ports = freePorts(3);
    QList<DatabaseConfig> databases = pair(engine, ports);
    databases[0].autoFailover = true;
    databases << database(Standby, ports[2], engine, Primary);
    databases[2].standby = true;
    DatabaseServers servers(testOptions());
    QVERIFY(startReplicating(servers, databases));
    const auto replica = endpointOf(servers, Replica);
    const auto standby = endpointOf(servers, Standby);
    AppConnection before(*endpointOf(servers, Primary));
    QCOMPARE(before.insert(90), QString());
    QTRY_VERIFY_WITH_TIMEOUT(hasRow(*replica, 90) && hasRow(*standby, 90), 10000);

    DatabaseFault killed;
    killed.killed = true;
    QCOMPARE(servers.setFault(Primary, killed), QString());
    servers.setHealth(Primary, false);
    QTRY_COMPARE(primaryOf(servers, Primary), Standby);
    QCOMPARE(servers.promotions().first().newPrimary, Standby);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(servers, Replica)->source, Standby, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(replicating(servers, Replica), 10000);
    AppConnection writer(*standby);
    QCOMPARE(writer.insert(91), QString());
    QTRY_VERIFY_WITH_TIMEOUT(hasRow(*replica, 91), 10000);
}

void DatabaseFailoverTest::semiSyncWriteSurvivesPrimaryKill()
{
    QFETCH(QString, engine);
    const QList<quint16> ports = freePorts(2);
    QList<DatabaseConfig> databases = pair(engine, ports);
    databases[0].replication = QStringLiteral("semi-sync");
    DatabaseServers servers(testOptions());
    QVERIFY(startReplicating(servers, databases));
    QCOMPARE(servers.routing().first().replication, QStringLiteral("semi-sync"));
    const auto replica = endpointOf(servers, Replica);

    // Acknowledged means on the replica: killing the primary right after
    // loses nothing.
    AppConnection writer(*endpointOf(servers, Primary));
    for (quint64 id = 50; id < 60; ++id)
        QCOMPARE(writer.insert(id), QString());
    DatabaseFault killed;
    killed.killed = true;
    QCOMPARE(servers.setFault(Primary, killed), QString());
    QTRY_VERIFY_WITH_TIMEOUT(hasRow(*replica, 59), 10000);
}

QTEST_GUILESS_MAIN(DatabaseFailoverTest)
#include "tst_database_failover.moc"
