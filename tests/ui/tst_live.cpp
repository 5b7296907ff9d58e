// The GUI side of Run, driven as a user would: live health on the cards, Run
// and Stop, fault injection from a card's context menu, the Events panel.

#include "ScriptedPrompts.h"
#include "WindowTestSupport.h"

#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "ui/FaultActions.h"
#include "ui/MainWindow.h"
#include "ui/RunActions.h"
#include "ui/RunController.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/DiagramView.h"
#include "ui/diagram/NodeItem.h"
#include "ui/panels/EventLogPanel.h"

#include <QAction>
#include <QClipboard>
#include <QDockWidget>
#include <QImage>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPainter>
#include <QScrollBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolBar>
#include <QToolButton>
#include <QUndoStack>
#include "UiTestSupport.h"

#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Ui;

namespace {

NodeLiveState health(const QString &status, const QString &code = QString(),
                     const QString &reason = QString())
{
    NodeLiveState state;
    state.running = true;
    state.status = status;
    state.up = status.startsWith(QLatin1String("UP"));
    state.checkCode = code;
    state.reason = reason;
    return state;
}

// The card as the scene draws it at 100 %, on the canvas around it.
QImage renderCard(DiagramScene &scene, const NodeItem *card)
{
    return Test::renderItem(scene, card);
}

// The colour at `scenePoint` in an image of `card` rendered by renderCard(),
// as the 8-bit value on screen.
QRgb colourAt(const QImage &image, const NodeItem *card, QPointF scenePoint)
{
    const QPointF local = scenePoint - card->sceneBoundingRect().topLeft();
    return image.pixel(local.toPoint());
}

} // namespace

class LiveTest : public QObject
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
        QSettings().clear();
        m_document = std::make_unique<Document>(referenceDocument(), QString());
        m_scene = std::make_unique<DiagramScene>();
        m_scene->setDocument(m_document.get());
        m_prompts = ScriptedPrompts();
    }

    void cleanup()
    {
        m_window.reset();
        m_scene.reset();
        m_document.reset();
    }

    // --- the cards -------------------------------------------------------

    void aServerCardShowsItsHealthWhileRunning()
    {
        NodeItem *web = card("web-01");
        QCOMPARE(web->statusText(), QString());
        QCOMPARE(web->liveLine(), QString());

        NodeLiveState state = health(QStringLiteral("UP 2/3"), QStringLiteral("L4CON"),
                                     QStringLiteral("Connection refused"));
        state.checkDurationMs = 12;
        state.requestsPerSecond = 1240;
        m_scene->setLiveStates({{QStringLiteral("web-01"), state}});

        QCOMPARE(web->statusText(), QStringLiteral("UP 2/3"));
        QCOMPARE(web->liveLine(), QStringLiteral("L4CON · Connection refused"));
        QCOMPARE(web->figuresText(), QStringLiteral("1,240 req/s"));
        QCOMPARE(web->faultText(), QString());
        // The whole check result on hover.
        QVERIFY2(web->toolTip().contains(QStringLiteral("Last check: L4CON, Connection refused (12 ms)")),
                 qPrintable(web->toolTip()));
        // The address stays on the card, the name too.
        QCOMPARE(web->detailText(), QStringLiteral("127.0.0.1:8081"));
        QCOMPARE(web->displayName(), QStringLiteral("web-01"));
        // Other nodes were not in the snapshot: no live state.
        QCOMPARE(card("web-02")->statusText(), QString());
    }

    void aCheckWithoutReasonShowsItsDuration()
    {
        NodeLiveState state = health(QStringLiteral("UP"), QStringLiteral("L7OK"));
        state.checkDurationMs = 3;
        m_scene->setLiveStates({{QStringLiteral("db-primary"), state}});
        QCOMPARE(card("db-primary")->statusText(), QStringLiteral("UP"));
        QCOMPARE(card("db-primary")->liveLine(), QStringLiteral("L7OK · 3 ms"));

        // Before the first check: "no check" and nothing else.
        m_scene->setLiveStates({{QStringLiteral("db-primary"), health(QString())}});
        QCOMPARE(card("db-primary")->statusText(), QStringLiteral("no check"));
        QCOMPARE(card("db-primary")->liveLine(), QString());
    }

    void statusColoursFollowHAProxy_data()
    {
        QTest::addColumn<QString>("node");
        QTest::addColumn<QString>("status");
        QTest::addColumn<QString>("expected");
        QTest::newRow("UP is green") << "web-01" << "UP" << "up";
        QTest::newRow("UP going down is yellow") << "web-01" << "UP 1/3" << "goingDown";
        QTest::newRow("DOWN going up is orange") << "web-01" << "DOWN 1/2" << "goingUp";
        QTest::newRow("DOWN is red") << "web-01" << "DOWN" << "down";
        QTest::newRow("no check is grey") << "web-01" << "no check" << "noCheck";
        QTest::newRow("a backup that is UP is blue") << "web-02" << "UP" << "backup";
        QTest::newRow("a backup that is DOWN is red") << "web-02" << "DOWN" << "down";
    }

    void statusColoursFollowHAProxy()
    {
        QFETCH(QString, node);
        QFETCH(QString, status);
        QFETCH(QString, expected);
        const DiagramStyle::Colors &colors = m_scene->colors();
        const QHash<QString, QColor> byName{
            {QStringLiteral("up"), colors.up},           {QStringLiteral("goingDown"), colors.goingDown},
            {QStringLiteral("goingUp"), colors.goingUp}, {QStringLiteral("down"), colors.down},
            {QStringLiteral("noCheck"), colors.noCheck}, {QStringLiteral("backup"), colors.backup}};
        const QRgb colour = byName.value(expected).rgba();

        NodeItem *item = m_scene->nodeItemNamed(node);
        m_scene->setLiveStates({{node, health(status)}});
        QCOMPARE(item->statusText(), status);
        const QImage image = renderCard(*m_scene, item);
        const QRectF cardRect = item->sceneCardRect();
        // The ring: the card's left edge, half way down.
        QCOMPARE(colourAt(image, item, QPointF(cardRect.left() + 1.0, cardRect.center().y())),
                 colour);
        // The pill: the start of the live row, left of its text.
        const QPointF pill(cardRect.left() + DiagramStyle::CardPadding + DiagramStyle::IconTileSize
                               + 10.0 + 3.0,
                           cardRect.top() + 48.5);
        QCOMPARE(colourAt(image, item, pill), colour);
        // Selection stays an outline outside the card, not a change of ring.
        item->setSelected(true);
        const QImage selected = renderCard(*m_scene, item);
        QCOMPARE(colourAt(selected, item, QPointF(cardRect.left() + 1.0, cardRect.center().y())),
                 colour);
        QCOMPARE(colourAt(selected, item, QPointF(cardRect.left() - 2.0, cardRect.center().y())),
                 colors.selection.rgba());
    }

    void anInjectedFaultAndAMessageShowOnTheCard()
    {
        NodeLiveState state = health(QStringLiteral("DOWN"), QStringLiteral("L4CON"),
                                     QStringLiteral("Connection refused"));
        state.fault = describeFaults({true, false, 200, 0});
        m_scene->setLiveStates({{QStringLiteral("web-01"), state}});
        QCOMPARE(card("web-01")->faultText(), QStringLiteral("killed · +200 ms"));
        QCOMPARE(card("web-01")->statusText(), QStringLiteral("DOWN"));
        QVERIFY(card("web-01")->toolTip().contains(QStringLiteral("Injected fault: killed · +200 ms")));
        const QImage faulted = renderCard(*m_scene, card("web-01"));
        state.fault.clear();
        m_scene->setLiveStates({{QStringLiteral("web-01"), state}});
        QVERIFY(renderCard(*m_scene, card("web-01")) != faulted);

        // A missing probe plugin: the message takes the status's place.
        NodeLiveState missing;
        missing.running = true;
        missing.message = QStringLiteral("No probe for MySQL: install loadstar-probe-mysql");
        m_scene->setLiveStates({{QStringLiteral("db-primary"), missing}});
        QCOMPARE(card("db-primary")->statusText(), QString());
        QCOMPARE(card("db-primary")->liveLine(), missing.message);
        QVERIFY(card("db-primary")->toolTip().contains(missing.message));
    }

    void describeFaultsCombinesThem()
    {
        QCOMPARE(describeFaults({}), QString());
        QCOMPARE(describeFaults({false, true, 0, 0}), QStringLiteral("hung"));
        QCOMPARE(describeFaults({false, false, 0, 25}), QStringLiteral("25 % errors"));
        QCOMPARE(describeFaults({true, true, 1500, 100}),
                 QStringLiteral("killed · hung · +1500 ms · 100 % errors"));
    }

    void aLoadBalancerShowsRequestsAndSessions()
    {
        NodeLiveState state;
        state.running = true;
        state.requestsPerSecond = 1240;
        state.sessions = 37;
        m_scene->setLiveStates({{QStringLiteral("lb"), state}});
        QCOMPARE(card("lb")->figuresText(), QStringLiteral("1,240 req/s · 37 sessions"));
        QCOMPARE(card("lb")->statusText(), QString()); // no health of its own

        state.requestsPerSecond = 2.5;
        state.sessions = 1;
        m_scene->setLiveStates({{QStringLiteral("lb"), state}});
        QCOMPARE(card("lb")->figuresText(), QStringLiteral("2.5 req/s · 1 session"));
    }

    void clearingRestoresTheEditorsCards()
    {
        QHash<NodeItem *, QImage> before;
        QHash<NodeItem *, QString> tips;
        QHash<QString, NodeLiveState> states;
        for (NodeItem *item : m_scene->nodeItems()) {
            before.insert(item, renderCard(*m_scene, item));
            tips.insert(item, item->toolTip());
            NodeLiveState state = health(QStringLiteral("DOWN 1/2"), QStringLiteral("L7STS"),
                                         QStringLiteral("HTTP status 503"));
            state.requestsPerSecond = 12;
            state.sessions = 3;
            state.fault = QStringLiteral("hung");
            states.insert(item->displayName(), state);
        }
        m_scene->setLiveStates(states);
        for (NodeItem *item : m_scene->nodeItems())
            QVERIFY2(renderCard(*m_scene, item) != before.value(item),
                     qPrintable(item->displayName()));

        m_scene->clearLiveStates();
        for (NodeItem *item : m_scene->nodeItems()) {
            QCOMPARE(renderCard(*m_scene, item), before.value(item));
            QCOMPARE(item->toolTip(), tips.value(item));
            QCOMPARE(item->statusText(), QString());
            QCOMPARE(item->figuresText(), QString());
        }
    }

    void onlyCardsWhoseStateChangedAreRepainted()
    {
        QHash<QString, NodeLiveState> states{{QStringLiteral("web-01"), health(QStringLiteral("UP"))},
                                             {QStringLiteral("web-02"), health(QStringLiteral("UP"))}};
        m_scene->setLiveStates(states);
        QSignalSpy changed(m_scene.get(), &QGraphicsScene::changed);
        QVERIFY(changed.wait(5000));
        changed.clear();

        // The same snapshot again, then one with only web-02 changed.
        m_scene->setLiveStates(states);
        states[QStringLiteral("web-02")] = health(QStringLiteral("UP 1/3"));
        m_scene->setLiveStates(states);
        QVERIFY(changed.wait(5000));
        QRectF repainted;
        for (const QList<QVariant> &signal : std::as_const(changed)) {
            for (const QRectF &rect : signal.at(0).value<QList<QRectF>>())
                repainted |= rect;
        }
        QVERIFY(!repainted.isEmpty());
        QVERIFY(card("web-02")->sceneBoundingRect().contains(repainted));
        QVERIFY(!repainted.intersects(card("web-01")->sceneBoundingRect()));
    }

    void rendersTheReferenceDesignRunning()
    {
        // The running reference design in the middle of a failover, saved as
        // PNG when LOADSTAR_SAVE_RENDERS names a folder (to look at it).
        NodeLiveState web01 = health(QStringLiteral("DOWN"), QStringLiteral("L4CON"),
                                     QStringLiteral("Connection refused"));
        web01.fault = describeFaults({true, false, 200, 0});
        web01.requestsPerSecond = 0;
        web01.embedded = true;
        NodeLiveState web02 = health(QStringLiteral("UP"), QStringLiteral("L7OK"),
                                     QStringLiteral("HTTP status 200"));
        web02.requestsPerSecond = 19.5;
        NodeLiveState primary = health(QStringLiteral("UP 2/3"), QStringLiteral("L4TOUT"),
                                       QStringLiteral("Connection timed out"));
        NodeLiveState replica;
        replica.running = true;
        replica.message = QStringLiteral("No MySQL probe: install loadstar-probe-mysql");
        NodeLiveState lb;
        lb.running = true;
        lb.requestsPerSecond = 19.5;
        lb.sessions = 4;
        const QImage stopped = renderScene();
        m_scene->setLiveStates({{QStringLiteral("web-01"), web01},
                                {QStringLiteral("web-02"), web02},
                                {QStringLiteral("db-primary"), primary},
                                {QStringLiteral("db-replica"), replica},
                                {QStringLiteral("lb"), lb}});
        const QImage running = renderScene();
        QVERIFY(running != stopped);
        const QString folder = qEnvironmentVariable("LOADSTAR_SAVE_RENDERS");
        if (!folder.isEmpty()) {
            QVERIFY(running.save(folder + QStringLiteral("/live-running.png")));
            QVERIFY(renderScene(0.6).save(folder + QStringLiteral("/live-running-60.png")));
            QVERIFY(renderScene(0.3).save(folder + QStringLiteral("/live-running-30.png")));
            QPalette dark;
            dark.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x31));
            dark.setColor(QPalette::Base, QColor(0x1e, 0x1f, 0x22));
            dark.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
            m_scene->setPalette(dark);
            QVERIFY(m_scene->colors().dark);
            QVERIFY(renderScene().save(folder + QStringLiteral("/live-running-dark.png")));
        }
    }

    // --- Run and Stop ----------------------------------------------------

    void f5RunsAndShiftF5Stops()
    {
        MainWindow &window = startWindow();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        RunActions *run = window.runActions();
        // Only the keys and the actions here; tst_run runs documents for real.
        QVERIFY(run->disconnect(window.runController()));
        QSignalSpy runs(run, &RunActions::runRequested);
        QSignalSpy stops(run, &RunActions::stopRequested);
        QVERIFY(run->runAction()->isEnabled());
        QVERIFY(!run->stopAction()->isEnabled());

        QTest::keyClick(&window, Qt::Key_F5);
        QCOMPARE(runs.size(), 1);
        QTest::keyClick(&window, Qt::Key_F5, Qt::ShiftModifier);
        QCOMPARE(stops.size(), 0); // nothing runs yet

        run->setRunning(true);
        QVERIFY(!run->runAction()->isEnabled());
        QVERIFY(run->stopAction()->isEnabled());
        QTest::keyClick(&window, Qt::Key_F5);
        QCOMPARE(runs.size(), 1);
        QTest::keyClick(&window, Qt::Key_F5, Qt::ShiftModifier);
        QCOMPARE(stops.size(), 1);

        run->setRunning(false);
        QVERIFY(run->runAction()->isEnabled());
        QVERIFY(!run->stopAction()->isEnabled());
    }

    void runAndStopAreInTheRunMenuAndOnTheToolBar()
    {
        MainWindow &window = startWindow();
        auto *menu = window.findChild<QMenu *>(QStringLiteral("menuRun"));
        QVERIFY(menu);
        QCOMPARE(menu->title(), QStringLiteral("&Run"));
        QVERIFY(menu->actions().contains(window.runActions()->runAction()));
        QVERIFY(menu->actions().contains(window.runActions()->stopAction()));
        QVERIFY(window.menuBar()->actions().contains(menu->menuAction()));
        auto *toolBar = window.findChild<QToolBar *>(QStringLiteral("mainToolBar"));
        QVERIFY(toolBar->actions().contains(window.runActions()->runAction()));
        QVERIFY(toolBar->actions().contains(window.runActions()->stopAction()));
        QVERIFY(!window.runActions()->runAction()->icon().isNull());
        QVERIFY(!window.runActions()->stopAction()->icon().isNull());
        QVERIFY(window.runActions()->runAction()->toolTip().contains(QStringLiteral("F5")));
    }

    void theStatusBarSaysHowTheRunGoes()
    {
        MainWindow &window = startWindow();
        RunActions *run = window.runActions();
        auto *label = window.findChild<QLabel *>(QStringLiteral("runStatus"));
        QVERIFY(label);
        QVERIFY(!label->isVisible());

        run->setStatusText(QStringLiteral("Running — lb on 127.0.0.1:8080"));
        QVERIFY(label->isVisible());
        QCOMPARE(label->text(), QStringLiteral("Running — lb on 127.0.0.1:8080"));
        QVERIFY(!run->statusIsError());
        const QColor normal = label->palette().color(QPalette::WindowText);

        run->setStatusText(QStringLiteral("Cannot listen on 127.0.0.1:8080: address in use"), true);
        QVERIFY(run->statusIsError());
        QCOMPARE(label->palette().color(QPalette::WindowText), window.scene()->colors().down);
        QVERIFY(normal != window.scene()->colors().down);

        run->setStatusText(QString());
        QVERIFY(!label->isVisible());
    }

    void stoppingShowsTheEditorsCardsAgain()
    {
        MainWindow &window = startWindow();
        window.runActions()->setRunning(true);
        NodeLiveState state = health(QStringLiteral("UP"));
        state.embedded = true;
        window.scene()->setLiveStates({{QStringLiteral("web-01"), state}});
        NodeItem *web = window.scene()->nodeItemNamed(QStringLiteral("web-01"));
        QCOMPARE(web->statusText(), QStringLiteral("UP"));

        window.runActions()->setRunning(false);
        QCOMPARE(web->statusText(), QString());
        QVERIFY(!web->liveState().running);
    }

    // --- fault injection -------------------------------------------------

    void faultsAreOfferedForEmbeddedNodesWhileRunning()
    {
        MainWindow &window = startWindow();
        const auto offersKill = [&](const char *node) {
            return Test::actionNamed(*contextMenuOn(window, node), "actionKill") != nullptr;
        };
        QVERIFY(!offersKill("web-01")); // not running

        window.runActions()->setRunning(true);
        NodeLiveState embedded = health(QStringLiteral("UP"));
        embedded.embedded = true;
        window.scene()->setLiveStates({{QStringLiteral("web-01"), embedded},
                                       {QStringLiteral("web-02"), health(QStringLiteral("UP"))}});
        QVERIFY(offersKill("web-01"));
        QVERIFY(!offersKill("web-02")); // a real server the user runs: not ours to break

        const std::unique_ptr<QMenu> menu = contextMenuOn(window, "web-01");
        for (const char *name : {"actionHang", "actionAddLatency", "actionErrorRate",
                                 "actionClearFaults"})
            QVERIFY2(Test::actionNamed(*menu, name), name);
        QVERIFY(!Test::actionNamed(*menu, "actionClearFaults")->isEnabled()); // nothing to clear
        // The edit entries are still there.
        QVERIFY(menu->actions().contains(window.view()->actions().copy));

        window.runActions()->setRunning(false);
        QVERIFY(!offersKill("web-01"));
    }

    void killKeepsTheLatencyAddedBefore()
    {
        MainWindow &window = startWindow();
        window.runActions()->setRunning(true);
        NodeLiveState embedded = health(QStringLiteral("UP"));
        embedded.embedded = true;
        window.scene()->setLiveStates({{QStringLiteral("web-01"), embedded}});
        QSignalSpy faults(window.faultActions(), &FaultActions::faultRequested);
        const int undoSteps = window.document()->undoStack()->count();

        m_prompts.integerAnswers = {200};
        Test::actionNamed(*contextMenuOn(window, "web-01"), "actionAddLatency")->trigger();
        QCOMPARE(m_prompts.integerQuestions.size(), 1);
        QCOMPARE(m_prompts.integerQuestions.first().minimum, 0);
        QCOMPARE(m_prompts.integerQuestions.first().maximum, 10000);
        QCOMPARE(faults.size(), 1);
        QCOMPARE(faults.last().at(0).toString(), QStringLiteral("web-01"));
        QCOMPARE(faults.last().at(1).value<DemoFaultRequest>(), (DemoFaultRequest{false, false, 200, 0}));

        Test::actionNamed(*contextMenuOn(window, "web-01"), "actionKill")->trigger();
        QCOMPARE(faults.size(), 2);
        QCOMPARE(faults.last().at(1).value<DemoFaultRequest>(), (DemoFaultRequest{true, false, 200, 0}));

        // Now it is dead: Revive instead of Kill, and something to clear.
        const std::unique_ptr<QMenu> menu = contextMenuOn(window, "web-01");
        QVERIFY(!Test::actionNamed(*menu, "actionKill"));
        QVERIFY(Test::actionNamed(*menu, "actionRevive"));
        QVERIFY(Test::actionNamed(*menu, "actionClearFaults")->isEnabled());
        QVERIFY(Test::actionNamed(*menu, "actionAddLatency")->text().contains(QStringLiteral("200 ms")));

        // The error rate: asked within 0–100 %; cancelling asks for nothing.
        m_prompts.integerAnswers = {std::nullopt, 25};
        Test::actionNamed(*contextMenuOn(window, "web-01"), "actionErrorRate")->trigger();
        QCOMPARE(faults.size(), 2);
        QCOMPARE(m_prompts.integerQuestions.last().maximum, 100);
        Test::actionNamed(*contextMenuOn(window, "web-01"), "actionErrorRate")->trigger();
        QCOMPARE(faults.last().at(1).value<DemoFaultRequest>(), (DemoFaultRequest{true, false, 200, 25}));

        Test::actionNamed(*contextMenuOn(window, "web-01"), "actionHang")->trigger();
        QCOMPARE(faults.last().at(1).value<DemoFaultRequest>(), (DemoFaultRequest{true, true, 200, 25}));
        Test::actionNamed(*contextMenuOn(window, "web-01"), "actionRevive")->trigger();
        QCOMPARE(faults.last().at(1).value<DemoFaultRequest>(), (DemoFaultRequest{false, true, 200, 25}));
        Test::actionNamed(*contextMenuOn(window, "web-01"), "actionClearFaults")->trigger();
        QCOMPARE(faults.last().at(1).value<DemoFaultRequest>(), DemoFaultRequest());

        // Runtime state, not an edit of the drawing.
        QCOMPARE(window.document()->undoStack()->count(), undoSteps);
        QVERIFY(!window.isWindowModified());

        // A new run starts with healthy backends.
        Test::actionNamed(*contextMenuOn(window, "web-01"), "actionKill")->trigger();
        window.runActions()->setRunning(false);
        window.runActions()->setRunning(true);
        window.scene()->setLiveStates({{QStringLiteral("web-01"), embedded}});
        QVERIFY(Test::actionNamed(*contextMenuOn(window, "web-01"), "actionKill"));
        QCOMPARE(window.faultActions()->faults(QStringLiteral("web-01")), DemoFaultRequest());
    }

    // --- the Events panel ------------------------------------------------

    void eventsShowTimeNodeChangeAndMessage()
    {
        EventLogPanel panel;
        const QDateTime time(QDate(2024, 5, 1), QTime(12, 0, 1, 250));
        panel.appendEvent(time, QStringLiteral("web-01"), QStringLiteral("UP"),
                          QStringLiteral("DOWN"), QStringLiteral("L4CON, 3 checks"), false);
        panel.appendEvent(time.addMSecs(400), QStringLiteral("web-01"), QStringLiteral("DOWN"),
                          QStringLiteral("DOWN 1/2"), QStringLiteral("L7OK"), false);
        panel.appendEvent(time.addSecs(2), QStringLiteral("web-01"), QStringLiteral("DOWN 1/2"),
                          QStringLiteral("UP"), QStringLiteral("L7OK"), true);
        QCOMPARE(panel.rowCount(), 3);
        QCOMPARE(panel.rowText(0), QStringLiteral("12:00:01.250\tweb-01\tUP → DOWN\tL4CON, 3 checks"));
        QCOMPARE(panel.rowText(2), QStringLiteral("12:00:03.250\tweb-01\tDOWN 1/2 → UP\tL7OK"));

        const auto colours = DiagramStyle::Colors::fromPalette(panel.palette());
        const QAbstractItemModel *model = panel.table()->model();
        QCOMPARE(model->index(0, 2).data(Qt::ForegroundRole).value<QColor>(), colours.down);
        QVERIFY(!model->index(1, 2).data(Qt::ForegroundRole).isValid()); // on its way
        QCOMPARE(model->index(2, 2).data(Qt::ForegroundRole).value<QColor>(), colours.up);
        QCOMPARE(model->headerData(1, Qt::Horizontal).toString(), QStringLiteral("Node"));
        QCOMPARE(panel.findChild<QLabel *>(QStringLiteral("eventLogCount"))->text(),
                 QStringLiteral("3 events"));
    }

    void theLogKeepsTheNewestTenThousand()
    {
        EventLogPanel panel;
        QCOMPARE(panel.maximumRows(), 10000);
        const QDateTime start(QDate(2024, 5, 1), QTime(0, 0));
        for (int i = 0; i < 10005; ++i)
            panel.appendEvent(start.addMSecs(i), QStringLiteral("web-%1").arg(i), QStringLiteral("UP"),
                              QStringLiteral("DOWN"), QString(), false);
        QCOMPARE(panel.rowCount(), 10000);
        QVERIFY(panel.rowText(0).contains(QStringLiteral("\tweb-5\t")));
        QVERIFY(panel.rowText(9999).contains(QStringLiteral("\tweb-10004\t")));
    }

    void theTableFollowsNewEventsUnlessScrolledUp()
    {
        EventLogPanel panel;
        panel.resize(500, 200);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        appendMany(panel, 100);
        QScrollBar *bar = panel.table()->verticalScrollBar();
        QTRY_VERIFY(bar->maximum() > 0);
        QTRY_COMPARE(bar->value(), bar->maximum());

        bar->setValue(0); // the user reads older events
        appendMany(panel, 10);
        QCoreApplication::processEvents();
        QCOMPARE(bar->value(), 0);

        bar->setValue(bar->maximum()); // back at the newest: follow again
        appendMany(panel, 10);
        QTRY_COMPARE(bar->value(), bar->maximum());
        QCOMPARE(panel.rowCount(), 120);
    }

    void selectedRowsCopyAsText()
    {
        EventLogPanel panel;
        panel.show();
        panel.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&panel));
        appendMany(panel, 3);
        QTableView *table = panel.table();
        table->setFocus();
        // Rows 0 and 2, as a Ctrl+click would select them.
        table->selectionModel()->select(table->model()->index(0, 0),
                                        QItemSelectionModel::ClearAndSelect
                                            | QItemSelectionModel::Rows);
        table->selectionModel()->select(table->model()->index(2, 0),
                                        QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QGuiApplication::clipboard()->clear();
        QTest::keyClick(table, Qt::Key_C, Qt::ControlModifier);
        QCOMPARE(QGuiApplication::clipboard()->text(),
                 panel.rowText(0) + QLatin1Char('\n') + panel.rowText(2) + QLatin1Char('\n'));
        QVERIFY(QGuiApplication::clipboard()->text().startsWith(QStringLiteral("00:00:00.000\tweb-0\t")));
    }

    void clearEmptiesTheLog()
    {
        EventLogPanel panel;
        appendMany(panel, 5);
        QVERIFY(panel.clearButton()->isEnabled());
        panel.clearButton()->click();
        QCOMPARE(panel.rowCount(), 0);
        QVERIFY(!panel.clearButton()->isEnabled());
        QCOMPARE(panel.findChild<QLabel *>(QStringLiteral("eventLogCount"))->text(),
                 QStringLiteral("0 events"));
    }

    void theEventsPanelIsADockInTheViewMenu()
    {
        MainWindow &window = startWindow();
        auto *dock = window.findChild<QDockWidget *>(QStringLiteral("eventLogDock"));
        QVERIFY(dock);
        QCOMPARE(dock->widget(), window.eventLogPanel());
        QCOMPARE(window.dockWidgetArea(dock), Qt::BottomDockWidgetArea);
        auto *panels = window.findChild<QMenu *>(QStringLiteral("menuPanels"));
        QVERIFY(panels->actions().contains(dock->toggleViewAction()));
        QCOMPARE(dock->toggleViewAction()->text(), QStringLiteral("Events"));
    }

private:
    NodeItem *card(const char *name) const
    {
        NodeItem *item = m_scene->nodeItemNamed(QLatin1String(name));
        if (!item)
            qFatal("no card %s", name);
        return item;
    }

    QImage renderScene(qreal zoom = 1.0) const
    {
        const QRectF source = m_scene->contentsRect().adjusted(-20, -20, 20, 20);
        QImage image((source.size() * zoom).toSize(), QImage::Format_ARGB32_Premultiplied);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setRenderHint(QPainter::TextAntialiasing);
        m_scene->render(&painter, QRectF(image.rect()), source);
        return image;
    }

    static void appendMany(EventLogPanel &panel, int count)
    {
        const QDateTime start(QDate(2024, 5, 1), QTime(0, 0));
        const int first = panel.rowCount();
        for (int i = first; i < first + count; ++i)
            panel.appendEvent(start.addSecs(i), QStringLiteral("web-%1").arg(i),
                              QStringLiteral("UP"), QStringLiteral("DOWN"),
                              QStringLiteral("L4CON"), false);
    }

    MainWindow &startWindow() { return Test::startWindow(m_window, m_prompts, m_dir); }

    static std::unique_ptr<QMenu> contextMenuOn(MainWindow &window, const char *node)
    {
        return Test::contextMenuOn(window, node);
    }

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_dir;
    ScriptedPrompts m_prompts;
    std::unique_ptr<Document> m_document;
    std::unique_ptr<DiagramScene> m_scene;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(LiveTest)
#include "tst_live.moc"
