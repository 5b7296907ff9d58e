// Where a cluster's queries go, as the demo databases decide it from the
// servers' real roles, the health checks and the lag; and which replica a
// failover promotes. No servers: statuses as the servers would report them.

#include "engine/database/ClusterState.h"

#include <QtTest>

using namespace Loadstar::Engine;
using Loadstar::Engine::detail::ClusterState;
using Loadstar::Engine::detail::PromotionCandidate;
using State = DatabaseServerStatus::State;

namespace {

DatabaseConfig database(const QString &name, const QString &source = QString())
{
    DatabaseConfig config;
    config.name = name;
    config.address = QStringLiteral("127.0.0.1");
    config.embedded = true;
    config.source = source;
    config.role = source.isEmpty() ? QStringLiteral("primary") : QStringLiteral("replica");
    return config;
}

DatabaseServerStatus running(const QString &name, const QString &role, double lag = -1)
{
    DatabaseServerStatus status;
    status.name = name;
    status.state = State::Running;
    status.role = role;
    status.replicating = role == QLatin1String("replica");
    status.lagSeconds = lag;
    return status;
}

DatabaseEndpoint endpoint(const QString &name)
{
    return DatabaseEndpoint{name,
                            QStringLiteral("mariadb"),
                            QStringLiteral("127.0.0.1"),
                            3306,
                            QStringLiteral("loadstar_app"),
                            QStringLiteral("secret"),
                            QStringLiteral("loadstar_demo")};
}

QStringList names(const QList<DatabaseEndpoint> &endpoints)
{
    QStringList list;
    for (const DatabaseEndpoint &e : endpoints)
        list << e.name;
    return list;
}

const QString Primary = QStringLiteral("db-primary");
const QString Replica = QStringLiteral("db-replica");
const QString Standby = QStringLiteral("db-standby");

} // namespace

class ClusterStateTest : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_state.reset({database(Primary), database(Replica, Primary), database(Standby, Replica)});
        m_statuses = {{Primary, running(Primary, QStringLiteral("primary"))},
                      {Replica, running(Replica, QStringLiteral("replica"), 0)},
                      {Standby, running(Standby, QStringLiteral("replica"), 0)}};
        m_endpoints = {{Primary, endpoint(Primary)},
                       {Replica, endpoint(Replica)},
                       {Standby, endpoint(Standby)}};
    }

    // A replica of a replica belongs to the primary's cluster: one routing.
    void writesGoToThePrimaryReadsToTheReplicas()
    {
        const QList<ClusterRouting> routing = m_state.routing(m_statuses, m_endpoints);
        QCOMPARE(routing.size(), 1);
        QCOMPARE(routing.first().cluster, Primary);
        QCOMPARE(routing.first().members, (QStringList{Primary, Replica, Standby}));
        QCOMPARE(routing.first().primary->name, Primary);
        QCOMPARE(names(routing.first().replicas), (QStringList{Replica, Standby}));
        QVERIFY(routing.first().unavailable.isEmpty());
        QCOMPARE(routing.first().replication, QStringLiteral("async"));
    }

    void aLaggingOrStoppedReplicaTakesNoReads()
    {
        m_statuses[Replica].lagSeconds = 11; // max_lag 10 s
        m_statuses[Standby].replicating = false;
        const ClusterRouting routing = m_state.routing(m_statuses, m_endpoints).first();
        QVERIFY(routing.replicas.isEmpty());
        QCOMPARE(routing.primary->name, Primary);
    }

    // Its source gone, a replica has the freshest data left: reads go on.
    void aReplicaWhoseSourceIsGoneStillTakesReads()
    {
        m_statuses[Primary].state = State::Stopped;
        m_statuses[Replica].replicating = false;
        m_statuses[Replica].lagSeconds = -1;
        ClusterRouting routing = m_state.routing(m_statuses, m_endpoints).first();
        QVERIFY(!routing.primary);
        QCOMPARE(names(routing.replicas), (QStringList{Replica, Standby}));
        // Held back on purpose, it does not.
        m_statuses[Replica].fault.replicationStopped = true;
        routing = m_state.routing(m_statuses, m_endpoints).first();
        QCOMPARE(names(routing.replicas), QStringList{Standby});
    }

    void aDownPrimaryTakesNoWrites()
    {
        QVERIFY(m_state.setHealth(Primary, false));
        QVERIFY(!m_state.setHealth(Primary, false)); // no change
        QVERIFY(m_state.downAt(Primary).isValid());
        const ClusterRouting routing = m_state.routing(m_statuses, m_endpoints).first();
        QVERIFY(!routing.primary);
        QCOMPARE(routing.replicas.size(), 2);
        QVERIFY(routing.unavailable.isEmpty()); // reads still served
    }

    void nothingToServeSaysWhy_data()
    {
        QTest::addColumn<int>("state");
        QTest::addColumn<bool>("up");
        QTest::addColumn<QString>("sentence");
        QTest::newRow("starting") << int(State::Starting) << true
                                  << QStringLiteral("db-primary is starting");
        QTest::newRow("killed") << int(State::Stopped) << true
                                << QStringLiteral("db-primary was killed");
        QTest::newRow("down") << int(State::Running) << false
                              << QStringLiteral("db-primary is DOWN");
        QTest::newRow("cannot run")
            << int(State::Failed) << true
            << QStringLiteral(
                   "mariadbd is not installed here: install the mariadb-server package.");
    }
    void nothingToServeSaysWhy()
    {
        QFETCH(int, state);
        QFETCH(bool, up);
        QFETCH(QString, sentence);
        m_statuses[Primary].state = State(state);
        m_statuses[Primary].fault.killed = State(state) == State::Stopped;
        m_statuses[Primary].message = State(state) == State::Failed ? sentence : QString();
        m_state.setHealth(Primary, up);
        m_statuses[Replica].state = State::Stopped;
        m_statuses[Standby].state = State::Stopped;
        QCOMPARE(m_state.routing(m_statuses, m_endpoints).first().unavailable, sentence);
    }

    void aFencedOldPrimaryNeverTakesWrites()
    {
        m_state.setFenced(Primary);
        QCOMPARE(m_state.role(Primary, true, false), QStringLiteral("fenced"));
        QCOMPARE(m_state.role(Replica, true, true), QStringLiteral("replica"));
        QCOMPARE(m_state.role(Replica, false, true), QString());
        QVERIFY(m_state.source(Primary).isEmpty());
        m_statuses[Primary].role = m_state.role(Primary, true, false);
        QVERIFY(!m_state.routing(m_statuses, m_endpoints).first().primary);
    }

    void noWritesWhileAPromotionIsUnderWay()
    {
        m_state.setPromoting(Primary, Replica);
        QVERIFY(!m_state.routing(m_statuses, m_endpoints).first().primary);
        m_state.setPromoting(Primary, {});
        m_state.setPrimary(Primary, Replica);
        QCOMPARE(m_state.primary(Primary), Replica);
        QVERIFY(m_state.source(Replica).isEmpty());
    }

    void theMostAdvancedReplicaIsPromoted()
    {
        QCOMPARE(m_state.mostAdvanced({}), std::nullopt);
        // The most received wins; a tie goes to a standby, then to the drawing's order.
        QCOMPARE(m_state.mostAdvanced({{Replica, 10, false}, {Standby, 12, false}}),
                 std::optional<QString>(Standby));
        QCOMPARE(m_state.mostAdvanced({{Standby, 12, false}, {Replica, 12, true}}),
                 std::optional<QString>(Replica));
        QCOMPARE(m_state.mostAdvanced({{Standby, 12, false}, {Replica, 12, false}}),
                 std::optional<QString>(Replica));
    }

    // A changed drawing keeps what it knew of the databases that stay.
    void updateKeepsStateOfUnchangedDatabases()
    {
        m_state.setHealth(Replica, false);
        m_state.setFenced(Primary);
        m_state.setPrimary(Primary, Replica);
        m_state.update({database(Primary), database(Replica, Primary), database(Standby, Replica)},
                       {Standby});
        QVERIFY(!m_state.healthUp(Replica));
        QVERIFY(m_state.isFenced(Primary));
        QCOMPARE(m_state.primary(Primary), Replica);
        m_state.update({database(Primary), database(Replica, Primary)}, {Replica});
        QCOMPARE(m_state.primary(Primary), Primary); // the promoted one started afresh
    }

private:
    ClusterState m_state;
    QHash<QString, DatabaseServerStatus> m_statuses;
    QHash<QString, DatabaseEndpoint> m_endpoints;
};

QTEST_GUILESS_MAIN(ClusterStateTest)
#include "tst_cluster_state.moc"
