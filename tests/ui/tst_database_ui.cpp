// The database tier on the canvas, from hand-made samples of a run (the
// sample is the input): each demo database's real role, load, lag and stale
// reads on its card, queries as reads and writes on the web → db links,
// replication on its link, a promotion and a fenced old primary, a database
// that can't run; its context menu; its rows in the Events panel; its
// figures in the charts.

#include "UiTestSupport.h"
#include "WindowTestSupport.h"

#include "analysis/DesignAnalysis.h"
#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "document/QuickFixCommand.h"
#include "engine/database/FailoverReport.h"
#include "ui/DatabaseActions.h"
#include "ui/DatabaseEvents.h"
#include "ui/DocumentController.h"
#include "ui/LiveSample.h"
#include "ui/MainWindow.h"
#include "ui/RunActions.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/DiagramView.h"
#include "ui/diagram/LinkItem.h"
#include "ui/diagram/NodeItem.h"
#include "ui/panels/DrillDownPanel.h"
#include "ui/panels/EventLogPanel.h"

#include <QLineSeries>
#include <QMenu>
#include <QTableView>
#include <QTemporaryDir>
#include <QUndoStack>

#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Ui;
using Engine::DatabaseServerStatus;

namespace {

const QDateTime kStart(QDate(2024, 5, 1), QTime(12, 0), Qt::UTC);

Health::ServerHealth upHealth(const QString &server, const QString &role)
{
    Health::ServerHealth health;
    health.server = server;
    health.status = QStringLiteral("UP");
    health.health = 4;
    health.rise = 2;
    health.fall = 3;
    health.lastCheck.code = Health::CheckCode::L7OK;
    health.lastCheck.durationMs = 3;
    health.lastCheck.details.insert(QStringLiteral("role"), role);
    return health;
}

Health::ServerHealth downHealth(const QString &server)
{
    Health::ServerHealth health = upHealth(server, QString());
    health.status = QStringLiteral("DOWN");
    health.up = false;
    health.health = 0;
    health.lastCheck.code = Health::CheckCode::L4CON;
    health.lastCheck.reason = QStringLiteral("Connection refused");
    health.lastCheck.details.clear();
    return health;
}

DatabaseServerStatus server(const QString &name, const QString &role, quint16 port)
{
    DatabaseServerStatus status;
    status.name = name;
    status.engine = QStringLiteral("mariadb");
    status.address = QStringLiteral("127.0.0.1");
    status.port = port;
    status.state = DatabaseServerStatus::State::Running;
    status.pid = port; // any process
    status.role = role;
    status.readOnly = role != QLatin1String("primary");
    status.connections = 0;
    return status;
}

// The reference design's cluster at `seconds` into a run: db-primary takes
// the writes, db-replica replicates from it and takes the reads; web-01
// sends both. Counters grow by `queriesPerSecond` a second.
RunSample cluster(int seconds, double lag = 0.4, quint64 staleReads = 2)
{
    RunSample sample;
    sample.time = kStart.addSecs(seconds);
    sample.health = {upHealth(QStringLiteral("db-primary"), QStringLiteral("primary")),
                     upHealth(QStringLiteral("db-replica"), QStringLiteral("replica"))};
    DatabaseServerStatus primary
        = server(QStringLiteral("db-primary"), QStringLiteral("primary"), 3306);
    primary.connections = 5;
    primary.queries = quint64(seconds) * 12;
    DatabaseServerStatus replica
        = server(QStringLiteral("db-replica"), QStringLiteral("replica"), 3307);
    replica.connections = 3;
    replica.queries = quint64(seconds) * 30;
    replica.source = QStringLiteral("db-primary");
    replica.replicating = true;
    replica.lagSeconds = lag;
    sample.databases = {primary, replica};
    Engine::DatabaseTrafficStats writes{QStringLiteral("web-01"), QStringLiteral("db-primary")};
    writes.writes = quint64(seconds) * 3;
    writes.connections = 2;
    Engine::DatabaseTrafficStats reads{QStringLiteral("web-01"), QStringLiteral("db-replica")};
    reads.reads = quint64(seconds) * 12;
    reads.staleReads = staleReads;
    reads.connections = 2;
    sample.queries = {writes, reads};
    return sample;
}

// db-replica promoted by hand at `seconds`, db-primary fenced (killed and
// revived read-only).
RunSample promoted(int seconds)
{
    RunSample sample = cluster(seconds);
    DatabaseServerStatus &old = sample.databases[0];
    old.role = QStringLiteral("fenced");
    old.readOnly = true;
    DatabaseServerStatus &now = sample.databases[1];
    now.role = QStringLiteral("primary");
    now.readOnly = false;
    now.source.clear();
    now.replicating = false;
    now.lagSeconds = -1;
    Engine::DatabasePromotion promotion;
    promotion.cluster = QStringLiteral("db-primary");
    promotion.oldPrimary = QStringLiteral("db-primary");
    promotion.newPrimary = QStringLiteral("db-replica");
    promotion.promotedAt = kStart.addSecs(seconds);
    promotion.replication = QStringLiteral("async");
    promotion.fencing = QStringLiteral("read_only");
    sample.promotions = {promotion};
    return sample;
}

} // namespace

class DatabaseUiTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_settingsDir.isValid());
        Test::isolateSettings(m_settingsDir.path());
    }

    void init()
    {
        m_now = kStart;
        m_document = std::make_unique<Document>(referenceDocument(), QString());
        m_scene = std::make_unique<DiagramScene>();
        m_scene->setDocument(m_document.get());
        m_scene->setClock([this] { return m_now; });
    }

    void cleanup()
    {
        m_window.reset();
        m_scene.reset();
        m_document.reset();
    }

    // --- from a sample to the cards --------------------------------------

    void aSampleGivesEachDatabaseItsRealRoleLoadAndLag()
    {
        const RunSample before = cluster(10);
        const RunSample now = cluster(11);
        const QHash<QString, NodeLiveState> states = liveStatesOf(now, {}, &before);

        const DatabaseLiveState primary = states.value(QStringLiteral("db-primary")).database;
        QVERIFY(primary.demo);
        QCOMPARE(primary.role, QStringLiteral("primary"));
        QCOMPARE(primary.queriesPerSecond, 12.0);
        QCOMPARE(primary.connections, 5);
        QCOMPARE(primary.replication, ReplicationState::None);
        QCOMPARE(primary.queriesFrom.value(QStringLiteral("web-01")), (QueryRates{0, 3, 0}));

        const NodeLiveState replica = states.value(QStringLiteral("db-replica"));
        QCOMPARE(replica.database.role, QStringLiteral("replica"));
        QCOMPARE(replica.database.queriesPerSecond, 30.0);
        QCOMPARE(replica.replicationLagMs, 400.0);
        QCOMPARE(replica.database.staleReads, quint64(2));
        QCOMPARE(replica.database.replication, ReplicationState::Running);
        QCOMPARE(replica.database.source, QStringLiteral("db-primary"));
        QCOMPARE(replica.database.queriesFrom.value(QStringLiteral("web-01")),
                 (QueryRates{12, 0, 0}));

        // The servers are read on their own clock: 6 more statements between
        // two readings half a second apart are 12 a second, whenever sampled.
        RunSample read = cluster(11);
        RunSample readBefore = cluster(10);
        readBefore.databases[0].queries = 100;
        readBefore.databases[0].sampledAt = kStart.addSecs(10);
        read.databases[0].queries = 106;
        read.databases[0].sampledAt = kStart.addSecs(10).addMSecs(500);
        QCOMPARE(liveStatesOf(read, {}, &readBefore)
                     .value(QStringLiteral("db-primary"))
                     .database.queriesPerSecond,
                 12.0);

        // Without an earlier sample there is no rate yet, rather than a wrong one.
        QCOMPARE(
            liveStatesOf(now, {}).value(QStringLiteral("db-primary")).database.queriesPerSecond,
            -1.0);
    }

    void aDatabaseCardShowsRoleQueriesConnectionsLagAndStaleReads()
    {
        const RunSample before = cluster(10);
        m_scene->setLiveStates(liveStatesOf(cluster(11), {}, &before));
        NodeItem *primary = card("db-primary");
        NodeItem *replica = card("db-replica");
        QCOMPARE(primary->badgeText(), QStringLiteral("PRIMARY"));
        QCOMPARE(primary->statusText(), QStringLiteral("UP"));
        QCOMPARE(primary->figuresText(), QStringLiteral("12 q/s"));
        QCOMPARE(primary->liveLine(), QStringLiteral("L7OK · primary · 5 conn"));
        QCOMPARE(replica->badgeText(), QStringLiteral("REPLICA"));
        QCOMPARE(replica->figuresText(), QStringLiteral("30 q/s"));
        // A replica at work says how it keeps up, in words.
        QCOMPARE(replica->liveLine(), QStringLiteral("lag 0.4 s · 2 stale · 3 conn"));
        QVERIFY2(
            replica->toolTip().contains(QStringLiteral("Replicating from db-primary, lag 0.4 s")),
            qPrintable(replica->toolTip()));
        QVERIFY2(replica->toolTip().contains(QStringLiteral("2 stale reads")),
                 qPrintable(replica->toolTip()));
        // The health ring as for servers: green UP.
        QCOMPARE(colourAt(primary, ringPoint(primary)), m_scene->colors().up.rgba());
        // Every word of it is painted whole: nothing is cut off at 100 %.
        QCOMPARE(replica->liveLine(), QStringLiteral("lag 0.4 s · 2 stale · 3 conn"));
    }

    void aPromotionFlipsTheBadgesAndGreysTheFencedOldPrimary()
    {
        const RunSample before = cluster(10);
        m_scene->setLiveStates(liveStatesOf(cluster(11), {}, &before));
        NodeItem *old = card("db-primary");
        NodeItem *replica = card("db-replica");
        const QImage unfenced = renderCard(old);
        QVERIFY(!old->isFenced());

        const RunSample after = promoted(12);
        m_now = after.time;
        m_scene->setLiveStates(liveStatesOf(after, {}, &before));
        QCOMPARE(replica->badgeText(), QStringLiteral("PRIMARY"));
        QCOMPARE(replica->changeMarkerText(), QStringLiteral("promoted just now"));
        QCOMPARE(old->badgeText(), QStringLiteral("FENCED"));
        QVERIFY(old->isFenced());
        QVERIFY2(old->toolTip().contains(QStringLiteral("may never take writes again")),
                 qPrintable(old->toolTip()));
        // Greyed out: the ring is paler than a live card's, the FENCED badge solid.
        const QColor ring = QColor::fromRgba(colourAt(old, ringPoint(old)));
        QVERIFY2(ring.rgba() != m_scene->colors().up.rgba(), qPrintable(ring.name()));
        QVERIFY(renderCard(old) != unfenced);
        // The replication link no longer carries anything: quiet, not red.
        LinkItem *replication = link("db-primary", "db-replica");
        QCOMPARE(replication->label(), QStringLiteral("not replicating"));
        QVERIFY(replication->linePen().color() != m_scene->colors().down);

        m_now = m_now.addSecs(3);
        m_scene->setLiveStates(liveStatesOf(after, {}, &before));
        QCOMPARE(replica->changeMarkerText(), QStringLiteral("promoted 3 s ago"));

        // Stopped: the drawn roles again.
        m_scene->clearLiveStates();
        QCOMPARE(replica->badgeText(), QStringLiteral("REPLICA"));
        QCOMPARE(old->badgeText(), QStringLiteral("PRIMARY"));
        QVERIFY(!old->isFenced());
    }

    void aDatabaseThatCantRunSaysWhyAndTheRestRuns()
    {
        RunSample sample = cluster(11);
        const QString why
            = QStringLiteral("mariadbd is not installed: install the mariadb-server package");
        for (DatabaseServerStatus &status : sample.databases) {
            DatabaseServerStatus failed;
            failed.name = status.name;
            failed.state = DatabaseServerStatus::State::Failed;
            failed.message = why;
            status = failed;
        }
        sample.health
            = {downHealth(QStringLiteral("db-primary")), downHealth(QStringLiteral("db-replica")),
               upHealth(QStringLiteral("web-01"), QString())};
        const QHash<QString, NodeLiveState> states = liveStatesOf(sample, {});
        QCOMPARE(states.value(QStringLiteral("db-primary")).message, why);
        QVERIFY(!states.value(QStringLiteral("db-primary")).database.demo);

        m_scene->setLiveStates(states);
        NodeItem *primary = card("db-primary");
        // The sentence in place of the status: not a red DOWN, a reason.
        QCOMPARE(primary->liveLine(), why);
        QCOMPARE(primary->statusText(), QString());
        // Too long for one row, it takes two: what happened, and the package to install.
        const QStringList painted = primary->paintedLiveLines();
        QCOMPARE(painted.size(), 2);
        QVERIFY2(painted.first().startsWith(QStringLiteral("mariadbd is not")),
                 qPrintable(painted.join(" / ")));
        QVERIFY2(painted.last().endsWith(QStringLiteral("mariadb-server package")),
                 qPrintable(painted.join(" / ")));
        QVERIFY(primary->toolTip().contains(why));
        QCOMPARE(colourAt(primary, ringPoint(primary)), m_scene->colors().noCheck.rgba());
        QCOMPARE(card("web-01")->statusText(), QStringLiteral("UP"));

        // A database that is not a demo database is left to its probe.
        sample.databases[0].message.clear();
        QCOMPARE(liveStatesOf(sample, {}).value(QStringLiteral("db-primary")).status,
                 QStringLiteral("DOWN"));
    }

    void aStartingDatabaseIsNotDown()
    {
        RunSample sample = cluster(1);
        sample.databases[0].state = DatabaseServerStatus::State::Starting;
        sample.health[0] = downHealth(QStringLiteral("db-primary"));
        m_scene->setLiveStates(liveStatesOf(sample, {}));
        QCOMPARE(card("db-primary")->statusText(), QStringLiteral("starting"));
        QCOMPARE(colourAt(card("db-primary"), ringPoint(card("db-primary"))),
                 m_scene->colors().noCheck.rgba());
    }

    void theSinglePointOfFailuresFixShowsOnTheCanvas()
    {
        // The quick fix of db-primary's finding: a standby and automatic failover.
        const QList<Finding> findings = analyze(m_document->topology());
        const auto spof
            = std::find_if(findings.cbegin(), findings.cend(), [](const Finding &finding) {
                  return finding.fix == QuickFix::AddReplica;
              });
        QVERIFY(spof != findings.cend());
        m_document->undoStack()->push(QuickFixCommand::create(m_document.get(), *spof).release());
        NodeItem *standby = card("db-standby");
        QCOMPARE(standby->badgeText(), QStringLiteral("STANDBY"));
        QVERIFY2(standby->toolTip().contains(QStringLiteral("the replica a failover promotes")),
                 qPrintable(standby->toolTip()));
        QVERIFY2(card("db-primary")->toolTip().contains(QStringLiteral("Automatic failover")),
                 qPrintable(card("db-primary")->toolTip()));
        QCOMPARE(link("db-primary", "db-standby")->label(), QStringLiteral("replication"));
        // Once promoted, a standby reads as the primary it is.
        NodeLiveState promotedStandby;
        promotedStandby.running = true;
        promotedStandby.status = QStringLiteral("UP");
        promotedStandby.database.demo = true;
        promotedStandby.database.role = QStringLiteral("primary");
        m_scene->setLiveStates({{QStringLiteral("db-standby"), promotedStandby}});
        QCOMPARE(standby->badgeText(), QStringLiteral("PRIMARY"));
    }

    // --- the links -------------------------------------------------------

    void queriesMoveToTheDatabasesAsReadsAndWrites()
    {
        const RunSample before = cluster(10);
        m_scene->setLiveStates(liveStatesOf(cluster(11), {}, &before));
        LinkItem *writes = link("web-01", "db-primary");
        LinkItem *reads = link("web-01", "db-replica");
        QVERIFY(writes->isFlowing());
        QVERIFY(reads->isFlowing());
        QVERIFY(m_scene->isAnimating());
        QCOMPARE(writes->liveState().writesPerSecond, 3.0);
        QCOMPARE(writes->label(), QStringLiteral("0 r/s · 3 w/s"));
        QCOMPARE(reads->label(), QStringLiteral("12 r/s · 0 w/s"));
        // web-02, the backup, sends nothing: its links stand still.
        QVERIFY(!link("web-02", "db-primary")->isFlowing());

        // Writes move in their own colour, reads in the traffic's.
        const QImage writing = renderLink(writes);
        const QImage reading = renderLink(reads);
        QVERIFY(countColour(writing, m_scene->colors().writes) > 10);
        QCOMPARE(countColour(reading, m_scene->colors().writes), 0);
        QVERIFY(countColour(reading, m_scene->colors().up) > 10);
        // The dashes move.
        QTRY_VERIFY(renderLink(writes) != writing);
    }

    void theReplicationLinkShowsLagAndWhenReplicationStops()
    {
        const RunSample before = cluster(10);
        LinkItem *replication = link("db-primary", "db-replica");
        m_scene->setLiveStates(liveStatesOf(cluster(11, 1.2), {}, &before));
        QCOMPARE(replication->label(), QStringLiteral("lag 1.2 s"));
        QVERIFY(replication->liveState().passable);

        RunSample stopped = cluster(12);
        stopped.databases[1].replicating = false;
        stopped.databases[1].fault.replicationStopped = true;
        m_scene->setLiveStates(liveStatesOf(stopped, {}, &before));
        QCOMPARE(replication->label(), QStringLiteral("stopped"));
        QVERIFY2(
            replication->toolTip().contains(QStringLiteral("Replication to db-replica stopped")),
            qPrintable(replication->toolTip()));
        QCOMPARE(replication->linePen().color(), m_scene->colors().down);
        QCOMPARE(card("db-replica")->liveLine(), QStringLiteral("replication stopped · 2 stale · 3 conn"));
        QCOMPARE(card("db-replica")->faultText(), QStringLiteral("replication stopped"));

        RunSample broken = cluster(12);
        broken.databases[1].replicating = false;
        broken.databases[1].replicationError
            = QStringLiteral("Could not find first log file name in binary log index file");
        m_scene->setLiveStates(liveStatesOf(broken, {}, &before));
        QCOMPARE(replication->label(), QStringLiteral("broken"));
        QVERIFY(!replication->liveState().passable);
        QVERIFY(card("db-replica")
                    ->toolTip()
                    .contains(QStringLiteral("Could not find first log file")));
    }

    // --- the card's menu -------------------------------------------------

    void databaseEntriesAreOfferedOnlyForRunningDemoDatabases()
    {
        MainWindow &window = startWindow();
        const auto offers = [&](const char *node, const char *action) {
            return Test::actionNamed(*contextMenuOn(window, node), action) != nullptr;
        };
        QVERIFY(!offers("db-primary", "actionKill")); // not running

        window.runActions()->setRunning(true);
        const RunSample before = cluster(10);
        window.scene()->setLiveStates(liveStatesOf(cluster(11), {}, &before));
        QVERIFY(offers("db-primary", "actionKill"));
        QVERIFY(offers("db-primary", "actionHang"));
        // Replication and promotion are a replica's.
        QVERIFY(!offers("db-primary", "actionPromote"));
        QVERIFY(!offers("db-primary", "actionStopReplication"));
        for (const char *name : {"actionKill", "actionHang", "actionStopReplication",
                                 "actionReplicationDelay", "actionPromote"})
            QVERIFY2(offers("db-replica", name), name);
        // The edit entries are still there.
        QVERIFY(
            contextMenuOn(window, "db-replica")->actions().contains(window.view()->actions().copy));

        // A database Loadstar can't run has nothing to kill.
        RunSample failed = cluster(11);
        failed.databases[0].state = DatabaseServerStatus::State::Failed;
        failed.databases[0].message
            = QStringLiteral("mariadbd is not installed: install the mariadb-server package");
        window.scene()->setLiveStates(liveStatesOf(failed, {}, &before));
        QVERIFY(!offers("db-primary", "actionKill"));

        // After a promotion: the new primary and the fenced one offer no promotion.
        window.scene()->setLiveStates(liveStatesOf(promoted(12), {}, &before));
        QVERIFY(!offers("db-replica", "actionPromote"));
        QVERIFY(!offers("db-primary", "actionPromote"));

        window.runActions()->setRunning(false);
        QVERIFY(!offers("db-replica", "actionKill"));
    }

    void theEntriesAskForWhatTheySayAndEditNothing()
    {
        MainWindow &window = startWindow();
        window.runActions()->setRunning(true);
        RunSample sample = cluster(11);
        sample.databases[1].fault.replicationDelaySeconds = 30;
        window.scene()->setLiveStates(liveStatesOf(sample, {}));
        QSignalSpy requests(window.databaseActions(), &DatabaseActions::actionRequested);
        const int undoSteps = window.document()->undoStack()->count();
        using Kind = DatabaseActionRequest::Kind;

        Test::actionNamed(*contextMenuOn(window, "db-replica"), "actionKill")->trigger();
        QCOMPARE(requests.last().at(0).toString(), QStringLiteral("db-replica"));
        const auto kill = requests.last().at(1).value<DatabaseActionRequest>();
        QCOMPARE(kill, (DatabaseActionRequest{Kind::SetKilled, 1}));
        // A request changes its part only: the delay set before stays.
        const Engine::DatabaseFault killed = kill.applied(sample.databases[1].fault);
        QVERIFY(killed.killed);
        QCOMPARE(killed.replicationDelaySeconds, 30);

        Test::actionNamed(*contextMenuOn(window, "db-replica"), "actionStopReplication")->trigger();
        QCOMPARE(requests.last().at(1).value<DatabaseActionRequest>(),
                 (DatabaseActionRequest{Kind::SetReplicationStopped, 1}));

        // The delay: asked in seconds, starting from the one set; cancelling asks for nothing.
        const std::unique_ptr<QMenu> menu = contextMenuOn(window, "db-replica");
        QVERIFY(Test::actionNamed(*menu, "actionReplicationDelay")
                    ->text()
                    .contains(QStringLiteral("30 s")));
        m_prompts.integerAnswers = {std::nullopt, 5};
        Test::actionNamed(*menu, "actionReplicationDelay")->trigger();
        QCOMPARE(requests.size(), 2);
        QCOMPARE(m_prompts.integerQuestions.last().value, 30);
        QCOMPARE(m_prompts.integerQuestions.last().suffix, QStringLiteral("s"));
        Test::actionNamed(*contextMenuOn(window, "db-replica"), "actionReplicationDelay")
            ->trigger();
        QCOMPARE(requests.last().at(1).value<DatabaseActionRequest>(),
                 (DatabaseActionRequest{Kind::SetReplicationDelay, 5}));

        Test::actionNamed(*contextMenuOn(window, "db-replica"), "actionPromote")->trigger();
        QCOMPARE(requests.last().at(1).value<DatabaseActionRequest>().kind, Kind::Promote);

        // Now killed and stopped: the ways out are offered.
        sample.databases[1].fault = killed;
        sample.databases[1].fault.replicationStopped = true;
        window.scene()->setLiveStates(liveStatesOf(sample, {}));
        const std::unique_ptr<QMenu> after = contextMenuOn(window, "db-replica");
        QVERIFY(Test::actionNamed(*after, "actionRevive"));
        QVERIFY(!Test::actionNamed(*after, "actionKill"));
        QVERIFY(Test::actionNamed(*after, "actionStartReplication"));
        Test::actionNamed(*after, "actionRevive")->trigger();
        QCOMPARE(requests.last().at(1).value<DatabaseActionRequest>(),
                 (DatabaseActionRequest{Kind::SetKilled, 0}));

        // Runtime actions, not edits of the drawing.
        QCOMPARE(window.document()->undoStack()->count(), undoSteps);
        QVERIFY(!window.isWindowModified());
    }

    // --- the Events panel ------------------------------------------------

    void aPromotionIsReportedOnceWithWhatItCost()
    {
        DatabaseEvents events;
        QVERIFY(events.sampled(cluster(10)).isEmpty());
        RunSample after = promoted(12);
        after.promotions[0].automatic = true;
        after.promotions[0].downAt = kStart.addSecs(10).addMSecs(200);
        // Promoted, but the outage is not known yet: wait for it.
        QVERIFY(events.sampled(after).isEmpty());

        Engine::WriteOutage outage;
        outage.cluster = QStringLiteral("db-primary");
        outage.primaryBefore = QStringLiteral("db-primary");
        outage.primaryAfter = QStringLiteral("db-replica");
        outage.refusedSince = kStart.addSecs(10).addMSecs(100);
        outage.resumedAt = kStart.addSecs(12).addMSecs(200);
        outage.acknowledgedLost = 3;
        after.writeOutages = {outage};
        after.time = after.time.addSecs(1);
        const QList<DatabaseEvents::Event> reported = events.sampled(after);
        QCOMPARE(reported.size(), 1);
        const DatabaseEvents::Event &failover = reported.first();
        QVERIFY(failover.failover);
        QCOMPARE(failover.node, QStringLiteral("db-replica"));
        QCOMPARE(failover.from, QStringLiteral("REPLICA"));
        QCOMPARE(failover.to, QStringLiteral("PRIMARY"));
        QCOMPARE(
            failover.message,
            QStringLiteral("db-primary DOWN → db-replica promoted after 1.8 s · writes refused for "
                           "2.1 s · 3 acknowledged writes lost (async replication)"));
        // Once.
        after.time = after.time.addSecs(1);
        QVERIFY(events.sampled(after).isEmpty());
    }

    void aPromotionWithoutAnOutageIsReportedAfterAWhile()
    {
        DatabaseEvents events;
        events.sampled(cluster(10));
        RunSample after = promoted(12);
        QVERIFY(events.sampled(after).isEmpty());
        after.time = after.time.addSecs(DatabaseEvents::OutageWaitSeconds);
        const QList<DatabaseEvents::Event> reported = events.sampled(after);
        QCOMPARE(reported.size(), 1);
        QCOMPARE(
            reported.first().message,
            QStringLiteral(
                "db-replica promoted to primary by hand, db-primary fenced · no write refused"));
    }

    void faultsAndADatabaseThatCantRunAreEvents()
    {
        DatabaseEvents events;
        RunSample sample = cluster(10);
        sample.databases[1].state = DatabaseServerStatus::State::Failed;
        sample.databases[1].message
            = QStringLiteral("mariadbd is not installed: install the mariadb-server package");
        QList<DatabaseEvents::Event> reported = events.sampled(sample);
        QCOMPARE(reported.size(), 1);
        QCOMPARE(reported.first().node, QStringLiteral("db-replica"));
        QCOMPARE(reported.first().message, sample.databases[1].message);
        QVERIFY(!reported.first().fine);
        QVERIFY(events.sampled(sample).isEmpty()); // said once

        sample.databases[0].fault.killed = true;
        sample.databases[0].state = DatabaseServerStatus::State::Stopped;
        reported = events.sampled(sample);
        QCOMPARE(reported.size(), 1);
        QCOMPARE(reported.first().to, QStringLiteral("killed"));
        QVERIFY(reported.first().message.contains(QStringLiteral("SIGKILL")));
        QVERIFY(!reported.first().fine);

        sample.databases[0].fault.killed = false;
        sample.databases[0].state = DatabaseServerStatus::State::Running;
        reported = events.sampled(sample);
        QCOMPARE(reported.size(), 1);
        QCOMPARE(reported.first().to, QStringLiteral("revived"));
        QVERIFY(reported.first().fine);
    }

    void aFailoverRowStandsOutInTheEventsPanel()
    {
        MainWindow &window = startWindow();
        auto *panel = window.findChild<EventLogPanel *>(QStringLiteral("eventLogPanel"));
        QVERIFY(panel);
        panel->appendEvent(kStart, QStringLiteral("web-01"), QStringLiteral("UP"),
                           QStringLiteral("DOWN"), QStringLiteral("Connection refused"), false);
        panel->appendEvent(kStart, QStringLiteral("db-replica"), QStringLiteral("REPLICA"),
                           QStringLiteral("PRIMARY"), QStringLiteral("db-replica promoted"), true,
                           true);
        QAbstractItemModel *model = panel->table()->model();
        QVERIFY(!model->index(0, 3).data(Qt::FontRole).value<QFont>().bold());
        QVERIFY(model->index(1, 3).data(Qt::FontRole).value<QFont>().bold());
        QVERIFY(model->index(1, 3).data(Qt::BackgroundRole).isValid());
        QVERIFY(!model->index(0, 3).data(Qt::BackgroundRole).isValid());
        QCOMPARE(panel->rowText(1).section(QLatin1Char('\t'), 2),
                 QStringLiteral("REPLICA → PRIMARY\tdb-replica promoted"));
    }

    // --- the charts ------------------------------------------------------

    void aDatabasesFiguresAreChartedInPlaceOfTheWebOnes()
    {
        const RunSample before = cluster(10);
        const QList<NodeMetrics> figures = metricsOf(cluster(11), &before);
        const auto of = [&](const char *node) {
            for (const NodeMetrics &m : figures) {
                if (m.node == QLatin1String(node))
                    return m;
            }
            qFatal("no figures for %s", node);
        };
        // The panel shows the last minute up to now.
        const QDateTime now = QDateTime::currentDateTimeUtc();
        NodeMetrics primary = of("db-primary");
        primary.time = now;
        QCOMPARE(primary.queriesPerSecond, 12.0);
        QCOMPARE(primary.writesPerSecond, 3.0);
        QCOMPARE(primary.readsPerSecond, 0.0);
        QCOMPARE(primary.connections, 5);
        QCOMPARE(primary.lagSeconds, -1.0);
        NodeMetrics replica = of("db-replica");
        replica.time = now;
        QCOMPARE(replica.readsPerSecond, 12.0);
        QCOMPARE(replica.lagSeconds, 0.4);
        QCOMPARE(replica.staleReadsPerSecond, 0.0);

        DrillDownPanel panel;
        panel.setNode(QStringLiteral("db-replica"));
        panel.addSample(replica);
        QCOMPARE(panel.shownCharts(),
                 (QStringList{QStringLiteral("Queries"), QStringLiteral("Connections"),
                              QStringLiteral("Replication lag"), QStringLiteral("Stale reads"),
                              QStringLiteral("Health check duration")}));
        QCOMPARE(panel.series(DrillDownPanel::Figure::Lag)->count(), 1);
        QCOMPARE(panel.series(DrillDownPanel::Figure::Lag)->at(0).y(), 0.4);
        panel.addSample(primary);
        panel.setNode(QStringLiteral("db-primary"));
        QCOMPARE(panel.shownCharts(),
                 (QStringList{QStringLiteral("Queries"), QStringLiteral("Connections"),
                              QStringLiteral("Health check duration")}));
        QCOMPARE(panel.series(DrillDownPanel::Figure::Writes)->at(0).y(), 3.0);
        // A web server keeps its own charts.
        NodeMetrics web;
        web.node = QStringLiteral("web-01");
        web.time = now;
        web.requestsPerSecond = 20;
        panel.addSample(web);
        panel.setNode(QStringLiteral("web-01"));
        QVERIFY(panel.shownCharts().contains(QStringLiteral("Requests")));
        QVERIFY(!panel.shownCharts().contains(QStringLiteral("Queries")));
    }

    // --- to look at ------------------------------------------------------

    void rendersTheClusterRunning()
    {
        // A failover in progress, saved as PNG when LOADSTAR_SAVE_RENDERS
        // names a folder (to look at it, light and dark).
        const RunSample before = cluster(10);
        QHash<QString, NodeLiveState> states = liveStatesOf(cluster(11), {}, &before);
        QHash<QString, NodeLiveState> failover = liveStatesOf(promoted(12), {}, &before);
        failover[QStringLiteral("db-primary")].fault = QStringLiteral("killed");
        RunSample missing = cluster(11);
        for (DatabaseServerStatus &status : missing.databases) {
            status.state = DatabaseServerStatus::State::Failed;
            status.message
                = QStringLiteral("mariadbd is not installed: install the mariadb-server package");
        }
        missing.health
            = {downHealth(QStringLiteral("db-primary")), downHealth(QStringLiteral("db-replica"))};
        const QHash<QString, NodeLiveState> cantRun = liveStatesOf(missing, {});
        const QString folder = qEnvironmentVariable("LOADSTAR_SAVE_RENDERS");
        if (folder.isEmpty())
            QSKIP("LOADSTAR_SAVE_RENDERS names no folder");
        for (const bool dark : {false, true}) {
            if (dark) {
                QPalette palette;
                palette.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x31));
                palette.setColor(QPalette::Base, QColor(0x1e, 0x1f, 0x22));
                palette.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
                m_scene->setPalette(palette);
            }
            const QString suffix = dark ? QStringLiteral("-dark") : QString();
            m_scene->setLiveStates(states);
            QVERIFY(renderScene().save(folder + QStringLiteral("/db-running%1.png").arg(suffix)));
            m_scene->setLiveStates(failover);
            QVERIFY(renderScene().save(folder + QStringLiteral("/db-promoted%1.png").arg(suffix)));
            m_scene->setLiveStates(cantRun);
            QVERIFY(renderScene().save(folder + QStringLiteral("/db-cant-run%1.png").arg(suffix)));
        }
    }

private:
    MainWindow &startWindow() { return Test::startWindow(m_window, m_prompts, m_dir); }

    static std::unique_ptr<QMenu> contextMenuOn(MainWindow &window, const char *node)
    {
        return Test::contextMenuOn(window, node);
    }

    NodeItem *card(const char *name) const { return Test::cardNamed(*m_scene, name); }
    LinkItem *link(const char *from, const char *to) const
    {
        return Test::linkBetween(*m_scene, from, to);
    }

    QImage renderCard(const NodeItem *item) const { return Test::renderItem(*m_scene, item); }
    QImage renderLink(const LinkItem *item) const { return Test::renderItem(*m_scene, item); }

    QImage renderScene(qreal scale = 1.0) const
    {
        const QRectF source = m_scene->itemsBoundingRect().adjusted(-20, -20, 20, 20);
        QImage image((source.size() * scale).toSize(), QImage::Format_ARGB32_Premultiplied);
        image.fill(m_scene->colors().canvas);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        m_scene->render(&painter, QRectF(image.rect()), source);
        return image;
    }

    // The ring: the card's left edge, half way down.
    static QPointF ringPoint(const NodeItem *item)
    {
        return QPointF(item->sceneCardRect().left() + 1.0, item->sceneCardRect().center().y());
    }

    QRgb colourAt(const NodeItem *item, QPointF scenePoint) const
    {
        return renderCard(item).pixel((scenePoint - item->sceneBoundingRect().topLeft()).toPoint());
    }

    static int countColour(const QImage &image, const QColor &colour)
    {
        int count = 0;
        for (int y = 0; y < image.height(); ++y) {
            for (int x = 0; x < image.width(); ++x)
                count += image.pixel(x, y) == colour.rgba() ? 1 : 0;
        }
        return count;
    }

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_dir;
    QDateTime m_now;
    ScriptedPrompts m_prompts;
    std::unique_ptr<Document> m_document;
    std::unique_ptr<DiagramScene> m_scene;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(DatabaseUiTest)
#include "tst_database_ui.moc"
