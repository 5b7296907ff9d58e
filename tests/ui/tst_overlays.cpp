// Live overlays on the canvas while the document runs: the rise/fall bar,
// the "changed recently" marker, a backup that takes over, and traffic on
// the links (moving dashes, red where nothing passes, replication lag).

#include "UiTestSupport.h"

#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/LinkItem.h"
#include "ui/diagram/NodeItem.h"

#include <QImage>
#include <QPainter>

#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Ui;

namespace {

// A checked server as the monitor reports it, with HAProxy's defaults
// rise 2, fall 3: health 4 is "UP", 3 "UP 2/3", 1 "DOWN 1/2", 0 "DOWN".
NodeLiveState checked(int healthCount, double requestsPerSecond = 0)
{
    NodeLiveState state;
    state.running = true;
    state.rise = 2;
    state.fall = 3;
    state.healthCount = healthCount;
    state.up = healthCount >= state.rise;
    if (healthCount == 4)
        state.status = QStringLiteral("UP");
    else if (healthCount == 0)
        state.status = QStringLiteral("DOWN");
    else if (state.up)
        state.status = QStringLiteral("UP %1/3").arg(healthCount - 1);
    else
        state.status = QStringLiteral("DOWN %1/2").arg(healthCount);
    state.checkCode = state.up ? QStringLiteral("L7OK") : QStringLiteral("L4CON");
    state.requestsPerSecond = requestsPerSecond;
    return state;
}

NodeLiveState loadBalancer(double requestsPerSecond)
{
    NodeLiveState state;
    state.running = true;
    state.requestsPerSecond = requestsPerSecond;
    state.sessions = 2;
    return state;
}

// The link as the scene draws it at 100 %.
QImage renderLink(DiagramScene &scene, const LinkItem *link)
{
    return Test::renderItem(scene, link);
}

} // namespace

class OverlaysTest : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        m_now = QDateTime(QDate(2024, 5, 1), QTime(12, 0), Qt::UTC);
        m_document = std::make_unique<Document>(referenceDocument(), QString());
        m_scene = std::make_unique<DiagramScene>();
        m_scene->setDocument(m_document.get());
        m_scene->setClock([this] { return m_now; });
    }

    void cleanup()
    {
        m_scene.reset();
        m_document.reset();
    }

    // --- the cards -------------------------------------------------------

    void theRiseFallBarCountsAsTheStatusDoes_data()
    {
        QTest::addColumn<int>("healthCount");
        QTest::addColumn<QString>("status");
        QTest::addColumn<int>("filled");
        QTest::addColumn<int>("total");
        // UP: the failed checks still allowed before DOWN, out of fall.
        QTest::newRow("UP") << 4 << "UP" << 3 << 3;
        QTest::newRow("UP 2/3") << 3 << "UP 2/3" << 2 << 3;
        QTest::newRow("UP 1/3") << 2 << "UP 1/3" << 1 << 3;
        // DOWN: the passed checks made towards UP, out of rise.
        QTest::newRow("DOWN 1/2") << 1 << "DOWN 1/2" << 1 << 2;
        QTest::newRow("DOWN") << 0 << "DOWN" << 0 << 2;
    }

    void theRiseFallBarCountsAsTheStatusDoes()
    {
        QFETCH(int, healthCount);
        QFETCH(QString, status);
        QFETCH(int, filled);
        QFETCH(int, total);
        NodeItem *web = card("web-01");
        m_scene->setLiveStates({{QStringLiteral("web-01"), checked(healthCount)}});
        // Text next to the bar, never the bar alone.
        QCOMPARE(web->statusText(), status);
        QCOMPARE(web->riseFallBar(), (RiseFallProgress{filled, total}));
    }

    void theTooltipSaysWhatTheBarCounts()
    {
        NodeItem *web = card("web-01");
        m_scene->setLiveStates({{QStringLiteral("web-01"), checked(3)}});
        QVERIFY2(web->toolTip().contains(QStringLiteral("DOWN after 2 more failed checks (fall 3)")),
                 qPrintable(web->toolTip()));
        m_scene->setLiveStates({{QStringLiteral("web-01"), checked(1)}});
        QVERIFY2(web->toolTip().contains(QStringLiteral("UP after 1 more passed check (rise 2)")),
                 qPrintable(web->toolTip()));
    }

    void theBarShowsOnlyWhereTheCounterSpeaks()
    {
        NodeItem *web = card("web-01");
        m_scene->setLiveStates({{QStringLiteral("web-01"), checked(3)}});
        QCOMPARE(web->riseFallBar().total, 3);

        // A server in MAINT is not judged by its checks.
        NodeLiveState maintenance = checked(3);
        maintenance.admin = maintenance.status = QStringLiteral("MAINT");
        m_scene->setLiveStates({{QStringLiteral("web-01"), maintenance}});
        QCOMPARE(web->riseFallBar().total, 0);

        // Check type "none": no counter at all.
        NodeLiveState unchecked;
        unchecked.running = true;
        unchecked.status = QStringLiteral("no check");
        m_scene->setLiveStates({{QStringLiteral("web-01"), unchecked}});
        QCOMPARE(web->riseFallBar().total, 0);

        m_scene->clearLiveStates();
        QCOMPARE(web->riseFallBar().total, 0);
    }

    void aRecentChangeIsMarkedUntilTenSecondsPass()
    {
        NodeItem *web = card("web-01");
        NodeLiveState state = checked(0);
        m_scene->setLiveStates({{QStringLiteral("web-01"), state}});
        QCOMPARE(web->changeMarkerText(), QString()); // never changed this run

        state.changedAt = m_now;
        m_scene->setLiveStates({{QStringLiteral("web-01"), state}});
        QCOMPARE(web->changeMarkerText(), QStringLiteral("changed just now"));
        const QImage marked = renderCard(web);

        // The next samples count the seconds.
        m_now = m_now.addSecs(3);
        m_scene->setLiveStates({{QStringLiteral("web-01"), state}});
        QCOMPARE(web->changeMarkerText(), QStringLiteral("changed 3 s ago"));

        m_now = m_now.addSecs(8);
        m_scene->setLiveStates({{QStringLiteral("web-01"), state}});
        QCOMPARE(web->changeMarkerText(), QString());
        QVERIFY(renderCard(web) != marked);
        // Only that card changed.
        QCOMPARE(card("web-02")->changeMarkerText(), QString());
    }

    void anIdleBackupStandsByAndLightsUpWithTraffic()
    {
        NodeItem *backup = card("web-02");
        QCOMPARE(backup->badgeText(), QStringLiteral("BACKUP"));
        // The ring: the card's left edge, half way down.
        const QPointF ringPoint(backup->sceneCardRect().left() + 1.0, backup->sceneCardRect().center().y());

        m_scene->setLiveStates({{QStringLiteral("web-01"), checked(4, 20)},
                                {QStringLiteral("web-02"), checked(4, 0)}});
        QVERIFY(!backup->backupInUse());
        QCOMPARE(backup->badgeText(), QStringLiteral("BACKUP"));
        QCOMPARE(backup->liveLine(), QStringLiteral("standby · L7OK"));
        // Standby is blue, as on HAProxy's stats page.
        QCOMPARE(colourAt(backup, ringPoint), m_scene->colors().backup.rgba());

        // web-01 failed: the backup carries the traffic.
        m_scene->setLiveStates({{QStringLiteral("web-01"), checked(0, 0)},
                                {QStringLiteral("web-02"), checked(4, 20)}});
        QVERIFY(backup->backupInUse());
        QCOMPARE(backup->liveLine(), QStringLiteral("in use · L7OK"));
        QCOMPARE(colourAt(backup, ringPoint), m_scene->colors().up.rgba());

        // A DOWN backup is not in use, whatever its counters say.
        m_scene->setLiveStates({{QStringLiteral("web-02"), checked(0, 3)}});
        QVERIFY(!backup->backupInUse());
        QCOMPARE(backup->liveLine(), QStringLiteral("L4CON"));
    }

    // --- the links -------------------------------------------------------

    void nothingPassesToADownServer()
    {
        LinkItem *toWeb01 = link("lb", "web-01");
        LinkItem *toWeb02 = link("lb", "web-02");
        LinkItem *fromClient = link("client", "lb");
        const QPen drawn = toWeb01->linePen();

        m_scene->setLiveStates({{QStringLiteral("lb"), loadBalancer(20)},
                                {QStringLiteral("web-01"), checked(0)},
                                {QStringLiteral("web-02"), checked(4, 20)}});
        QVERIFY(!toWeb01->liveState().passable);
        QCOMPARE(toWeb01->linePen().color(), m_scene->colors().down);
        QCOMPARE(toWeb01->linePen().style(), Qt::CustomDashLine);
        QVERIFY(toWeb01->isDashed());
        // The backup still takes traffic, so the client's requests pass.
        QVERIFY(toWeb02->liveState().passable);
        QVERIFY(fromClient->liveState().passable);
        QVERIFY(fromClient->isFlowing());

        // MAINT passes nothing either; with no server left, neither does
        // the load balancer.
        NodeLiveState maintenance = checked(4);
        maintenance.admin = maintenance.status = QStringLiteral("MAINT");
        maintenance.up = false;
        m_scene->setLiveStates({{QStringLiteral("lb"), loadBalancer(20)},
                                {QStringLiteral("web-01"), checked(0)},
                                {QStringLiteral("web-02"), maintenance}});
        QVERIFY(!toWeb02->liveState().passable);
        QVERIFY(!fromClient->liveState().passable);
        QCOMPARE(fromClient->linePen().color(), m_scene->colors().down);

        // Stopped: the links are drawn as in the editor again.
        m_scene->clearLiveStates();
        QCOMPARE(toWeb01->linePen(), drawn);
        QVERIFY(!toWeb01->isDashed());
    }

    void moreTrafficMakesAWiderFasterLine()
    {
        LinkItem *toWeb01 = link("lb", "web-01");
        const qreal idle = toWeb01->linePen().widthF();
        m_scene->setLiveStates({{QStringLiteral("web-01"), checked(4, 1)}});
        QCOMPARE(toWeb01->liveState().requestsPerSecond, 1.0);
        const qreal trickle = toWeb01->linePen().widthF();
        const qreal trickleSpeed = toWeb01->flowSpeed();

        m_scene->setLiveStates({{QStringLiteral("web-01"), checked(4, 100)}});
        QVERIFY2(toWeb01->linePen().widthF() > trickle,
                 qPrintable(QStringLiteral("%1 vs %2").arg(toWeb01->linePen().widthF()).arg(trickle)));
        QVERIFY(toWeb01->flowSpeed() > trickleSpeed);
        QVERIFY(trickle >= idle);

        // A flood stays a line.
        m_scene->setLiveStates({{QStringLiteral("web-01"), checked(4, 1e7)}});
        QVERIFY(toWeb01->linePen().widthF() < idle + 4.0);
    }

    void aReplicationLinkShowsTheReplicasLag()
    {
        LinkItem *replication = link("db-primary", "db-replica");
        QCOMPARE(replication->label(), QStringLiteral("replication"));
        NodeLiveState replica = checked(4);
        replica.replicationLagMs = 1200;
        m_scene->setLiveStates({{QStringLiteral("db-primary"), checked(4)},
                                {QStringLiteral("db-replica"), replica}});
        QCOMPARE(replication->label(), QStringLiteral("lag 1.2 s"));
        // The label's box grew with it and is still on the link's rectangle.
        QVERIFY(replication->boundingRect().width() > 0);

        replica.replicationLagMs = 42000;
        m_scene->setLiveStates({{QStringLiteral("db-primary"), checked(4)},
                                {QStringLiteral("db-replica"), replica}});
        QCOMPARE(replication->label(), QStringLiteral("lag 42 s"));

        m_scene->clearLiveStates();
        QCOMPARE(replication->label(), QStringLiteral("replication"));
    }

    void trafficMovesOnlyWhileItFlows()
    {
        QVERIFY(!m_scene->isAnimating());
        LinkItem *toWeb01 = link("lb", "web-01");
        m_scene->setLiveStates({{QStringLiteral("lb"), loadBalancer(50)},
                                {QStringLiteral("web-01"), checked(4, 50)}});
        QVERIFY(m_scene->isAnimating());
        // The dashes move on screen.
        const QImage first = renderLink(*m_scene, toWeb01);
        QTRY_VERIFY(renderLink(*m_scene, toWeb01) != first);

        // Running but idle: nothing moves, the timer sleeps.
        m_scene->setLiveStates({{QStringLiteral("lb"), loadBalancer(0)},
                                {QStringLiteral("web-01"), checked(4, 0)}});
        QVERIFY(!toWeb01->isFlowing());
        QVERIFY(!m_scene->isAnimating());

        // Nothing moves to a DOWN server, whatever the last rate said.
        m_scene->setLiveStates({{QStringLiteral("web-01"), checked(0, 50)}});
        QVERIFY(!m_scene->isAnimating());

        m_scene->setLiveStates({{QStringLiteral("lb"), loadBalancer(50)},
                                {QStringLiteral("web-01"), checked(4, 50)}});
        QVERIFY(m_scene->isAnimating());
        m_scene->clearLiveStates();
        QVERIFY(!m_scene->isAnimating());
        QCOMPARE(toWeb01->liveState(), LinkLiveState());
    }

    void onlyTheLinksPartOnScreenIsStroked()
    {
        // An orthogonal link: right 100, then down 100.
        const QPolygonF line{QPointF(0, 0), QPointF(100, 0), QPointF(100, 100)};
        qreal skipped = -1;
        QCOMPARE(LinkItem::visiblePart(line, QRectF(50, -10, 100, 40), &skipped),
                 (QPolygonF{QPointF(50, 0), QPointF(100, 0), QPointF(100, 30)}));
        QCOMPARE(skipped, 50.0); // the dashes start 50 units into their pattern
        QCOMPARE(LinkItem::visiblePart(line, QRectF(90, 40, 20, 20), &skipped),
                 (QPolygonF{QPointF(100, 40), QPointF(100, 60)}));
        QCOMPARE(skipped, 140.0);
        QVERIFY(LinkItem::visiblePart(line, QRectF(-50, 50, 20, 20), &skipped).isEmpty());
        QCOMPARE(LinkItem::visiblePart(line, QRectF(-10, -10, 200, 200), &skipped), line);
        QCOMPARE(skipped, 0.0);
    }

    void costlyFramesSlowTheAnimationDown()
    {
        // A small drawing (1 ms a frame) moves at 30 frames a second; one
        // whose frames take 16 ms at 15, leaving the window three quarters
        // of its time; below 4 frames a second it stands still.
        QCOMPARE(DiagramScene::flowFrameInterval(1'000'000), 33);
        QCOMPARE(DiagramScene::flowFrameInterval(16'000'000), 64);
        QCOMPARE(DiagramScene::flowFrameInterval(60'000'000), 240);
        QCOMPARE(DiagramScene::flowFrameInterval(120'000'000), 0);
    }

    void aFlowingLinkRemovedStopsTheAnimation()
    {
        m_scene->setLiveStates({{QStringLiteral("web-01"), checked(4, 50)}});
        QVERIFY(m_scene->isAnimating());
        // The user deletes the link while it carries traffic.
        m_scene->selectItems({}, {link("lb", "web-01")->linkId()});
        m_scene->deleteSelection();
        QVERIFY(!m_scene->isAnimating());
    }

private:
    NodeItem *card(const char *name) const { return Test::cardNamed(*m_scene, name); }
    LinkItem *link(const char *from, const char *to) const
    {
        return Test::linkBetween(*m_scene, from, to);
    }

    QImage renderCard(const NodeItem *item) const
    {
        const QRectF source = item->sceneBoundingRect();
        QImage image(source.size().toSize(), QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter painter(&image);
        m_scene->render(&painter, QRectF(image.rect()), source);
        return image;
    }

    QRgb colourAt(const NodeItem *item, QPointF scenePoint) const
    {
        const QImage image = renderCard(item);
        return image.pixel((scenePoint - item->sceneBoundingRect().topLeft()).toPoint());
    }

    QDateTime m_now;
    std::unique_ptr<Document> m_document;
    std::unique_ptr<DiagramScene> m_scene;
};

QTEST_MAIN(OverlaysTest)
#include "tst_overlays.moc"
