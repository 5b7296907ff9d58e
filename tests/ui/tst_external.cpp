// Run in the window with a load balancer marked external: a real HAProxy
// (Debian's 2.6) in front of the test's own HTTP servers is watched, its
// servers are imported on first connect as one undo step, their cards show
// HAProxy's states, Drain/Ready go through its Runtime API, and a killed
// HAProxy is "stats lost", not a wall of DOWN servers.

#include "RealHaproxy.h"
#include "ScriptedPrompts.h"
#include "TestBackend.h"
#include "UiTestSupport.h"

#include "document/Document.h"
#include "model/Topology.h"
#include "ui/DocumentController.h"
#include "ui/MainWindow.h"
#include "ui/RunActions.h"
#include "ui/ServerAdminActions.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/NodeItem.h"
#include "ui/panels/EventLogPanel.h"

#include <QMenu>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QUndoStack>

#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Ui;
using Loadstar::Test::RealHaproxy;
using Loadstar::Test::TestBackend;

namespace {

constexpr int Timeout = 15000;

void set(Topology &t, NodeId id, const char *key, const QVariant &value)
{
    const QString error = t.node(id)->setProperty(QString::fromLatin1(key), value);
    if (!error.isEmpty())
        qFatal("%s: %s", key, qPrintable(error));
}

// A client sending traffic to haproxy-01 (a real HAProxy), which links the
// one server drawn so far, web-01.
Topology watchedDesign(const RealHaproxy &haproxy, bool withSocket)
{
    Topology t;
    const NodeId client = t.addNode(Node::make(NodeKind::Client, QStringLiteral("client"), {0, -160}));
    set(t, client, "rate", 10);
    const NodeId lb = t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("haproxy-01"), {0, 0}));
    set(t, lb, "external", true);
    set(t, lb, "port", haproxy.frontendPort(QStringLiteral("web")));
    set(t, lb, "stats_url", haproxy.csvUrl());
    if (withSocket)
        set(t, lb, "stats_socket", haproxy.socketPath());
    set(t, lb, "stats_refresh", 300);
    const NodeId web = t.addNode(Node::make(NodeKind::WebServer, QStringLiteral("web-01"), {-200, 170}));
    set(t, web, "embedded", false);
    t.connect(client, lb);
    t.connect(lb, web);
    return t;
}

} // namespace

class ExternalRunTest : public QObject
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
        if (RealHaproxy::executable().isEmpty())
            QSKIP("HAProxy is not installed at /usr/sbin/haproxy (apt-get install haproxy)");
        QSettings().clear();
        for (const char *name : {"web-01", "web-02", "api-01"}) {
            m_backends.push_back(std::make_unique<TestBackend>(QString::fromLatin1(name)));
            QVERIFY(m_backends.back()->listen());
        }
        m_haproxy = std::make_unique<RealHaproxy>();
        m_haproxy->addBackend({QStringLiteral("web"),
                               {{QStringLiteral("web-01"), m_backends[0]->port(), false},
                                {QStringLiteral("web-02"), m_backends[1]->port(), true}}});
        m_haproxy->addBackend({QStringLiteral("api"), {{QStringLiteral("api-01"), m_backends[2]->port(), false}}});
        QString error;
        QVERIFY2(m_haproxy->start(&error), qPrintable(error));
    }

    void cleanup()
    {
        m_window.reset();
        m_haproxy.reset();
        m_backends.clear();
    }

    void runWatchesARealHaproxy()
    {
        MainWindow &window = startWindow(watchedDesign(*m_haproxy, true));
        QUndoStack *undo = window.document()->undoStack();
        const int stepsBefore = undo->count();
        window.runActions()->runAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(window.runActions()->statusText(),
                                  QStringLiteral("Running — watching haproxy-01"), Timeout);

        // The servers HAProxy has and the drawing lacked are imported, once,
        // as one undo step, and read as HAProxy says.
        QTRY_VERIFY_WITH_TIMEOUT(window.scene()->nodeItemNamed(QStringLiteral("api-01")), Timeout);
        QVERIFY(window.scene()->nodeItemNamed(QStringLiteral("web-02")));
        QCOMPARE(undo->count(), stepsBefore + 1);
        QCOMPARE(undo->text(stepsBefore), QStringLiteral("Imported 2 backends, 2 servers from haproxy-01"));
        QCOMPARE(rowsContaining(*window.eventLogPanel(), QStringLiteral("Imported 2 backends, 2 servers from haproxy-01")).size(), 1);
        const Topology &topology = window.document()->topology();
        QCOMPARE(topology.linksFrom(topology.nodeByName(QStringLiteral("haproxy-01"))->id).size(), 3);
        QCOMPARE(card(window, "web-02")->badgeText(), QStringLiteral("BACKUP"));
        // Placed below the load balancer, on no other card.
        const QList<const char *> servers{"web-01", "web-02", "api-01"};
        for (const char *server : servers) {
            QVERIFY(card(window, server)->pos().y() > card(window, "haproxy-01")->pos().y());
            for (const char *other : servers) {
                QVERIFY2(server == other || !card(window, server)->sceneCardRect().intersects(card(window, other)->sceneCardRect()),
                         qPrintable(QStringLiteral("%1 on %2").arg(QLatin1String(server), QLatin1String(other))));
            }
        }

        for (const char *server : {"web-01", "web-02", "api-01"}) {
            QTRY_COMPARE_WITH_TIMEOUT(card(window, server)->statusText(), QStringLiteral("UP"), Timeout);
            QTRY_COMPARE_WITH_TIMEOUT(card(window, server)->liveState().checkCode, QStringLiteral("L7OK"), Timeout);
            QVERIFY(!card(window, server)->liveState().embedded); // no fault injection into a real server
            QCOMPARE(card(window, server)->changeMarkerText(), QString()); // UP since before the run
        }
        // The client's traffic goes through the real HAProxy to web-01.
        QTRY_VERIFY_WITH_TIMEOUT(m_backends[0]->requestCount() > 0, Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(card(window, "web-01")->liveState().requestsPerSecond > 0, Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(card(window, "haproxy-01")->figuresText().endsWith(
                                     QStringLiteral(" · stats: 127.0.0.1:%1 · 2 backends").arg(m_haproxy->statsPort())),
                                 Timeout);

        // Drain and Ready from the card's menu go through HAProxy's Runtime API.
        adminEntry(window, "web-01", "actionDrain")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(card(window, "web-01")->statusText(), QStringLiteral("DRAIN"), Timeout);
        QCOMPARE(card(window, "web-01")->liveState().admin, QStringLiteral("DRAIN"));
        adminEntry(window, "web-01", "actionMaint")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(card(window, "web-01")->statusText(), QStringLiteral("MAINT"), Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(!rowsContaining(*window.eventLogPanel(), QStringLiteral("Server web/web-01 is MAINT on haproxy-01")).isEmpty(),
                                 Timeout);
        adminEntry(window, "web-01", "actionReady")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(card(window, "web-01")->statusText(), QStringLiteral("UP"), Timeout);

        // A server HAProxy sees die is DOWN with HAProxy's check result.
        m_backends[2]->stop();
        QTRY_COMPARE_WITH_TIMEOUT(card(window, "api-01")->statusText(), QStringLiteral("DOWN"), Timeout);
        QCOMPARE(card(window, "api-01")->liveLine(), QStringLiteral("L4CON · Connection refused"));
        QVERIFY(card(window, "api-01")->changeMarkerText().startsWith(QStringLiteral("changed")));
        QTRY_VERIFY_WITH_TIMEOUT(!rowsContaining(*window.eventLogPanel(),
                                                 QStringLiteral("Server api/api-01 is DOWN on haproxy-01 (L4CON: Connection refused)")).isEmpty(),
                                 Timeout);

        // HAProxy gone: its stats are lost, its servers unknown — not DOWN.
        m_haproxy->kill();
        QTRY_COMPARE_WITH_TIMEOUT(card(window, "haproxy-01")->liveState().message,
                                  QStringLiteral("stats lost: Connection refused"), Timeout);
        QCOMPARE(card(window, "web-01")->liveState().message, QStringLiteral("unknown: stats lost: Connection refused"));
        QCOMPARE(card(window, "web-01")->statusText(), QString());
        QCOMPARE(healthToneOf(card(window, "web-01")->liveState()), HealthTone::Neutral);
        QTRY_COMPARE_WITH_TIMEOUT(rowsContaining(*window.eventLogPanel(), QStringLiteral("haproxy-01: stats lost: Connection refused")).size(),
                                  1, Timeout);
        QString error;
        QVERIFY2(m_haproxy->start(&error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(card(window, "web-01")->statusText(), QStringLiteral("UP"), Timeout);
        QVERIFY(!rowsContaining(*window.eventLogPanel(), QStringLiteral("haproxy-01: reading stats from")).isEmpty());

        // Ctrl+Z takes the whole import back.
        window.runActions()->stopAction()->trigger();
        QAction *undoAction = nullptr;
        for (QAction *action : window.findChildren<QAction *>()) {
            if (action->shortcut() == QKeySequence(QKeySequence::Undo))
                undoAction = action;
        }
        QVERIFY(undoAction && undoAction->isEnabled());
        undoAction->trigger();
        QVERIFY(!window.scene()->nodeItemNamed(QStringLiteral("api-01")));
        QVERIFY(!window.scene()->nodeItemNamed(QStringLiteral("web-02")));
        QVERIFY(window.scene()->nodeItemNamed(QStringLiteral("web-01")));
        QCOMPARE(undo->count(), stepsBefore + 1); // redo-able
    }

    // Without a stats socket the runtime actions are there, disabled, and
    // say why; an embedded load balancer runs beside the external one.
    void withoutASocketTheActionsSayWhy()
    {
        Topology design = watchedDesign(*m_haproxy, false);
        // Two free ports, held together so they differ, then let go.
        QTcpServer lbPicker, demoPicker;
        QVERIFY(lbPicker.listen(QHostAddress::LocalHost, 0) && demoPicker.listen(QHostAddress::LocalHost, 0));
        const quint16 lbPort = lbPicker.serverPort();
        const quint16 demoPort = demoPicker.serverPort();
        lbPicker.close();
        demoPicker.close();
        const NodeId lb = design.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb"), {600, 0}));
        set(design, lb, "port", lbPort);
        const NodeId demo = design.addNode(Node::make(NodeKind::WebServer, QStringLiteral("demo-01"), {600, 170}));
        set(design, demo, "port", demoPort);
        design.connect(lb, demo);

        MainWindow &window = startWindow(design);
        window.runActions()->runAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(window.runActions()->statusText(),
                                  QStringLiteral("Running — lb on 127.0.0.1:%1 · watching haproxy-01 · 1 demo backend").arg(lbPort),
                                  Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(card(window, "web-01")->statusText(), QStringLiteral("UP"), Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(card(window, "demo-01")->statusText(), QStringLiteral("UP"), Timeout);
        QAction *drain = adminEntry(window, "web-01", "actionDrain");
        QVERIFY(!drain->isEnabled());
        QCOMPARE(drain->toolTip(),
                 QStringLiteral("haproxy-01 has no stats socket: set its Stats socket (level admin) to drain or stop its servers"));
        QVERIFY(adminEntry(window, "demo-01", "actionDrain")->isEnabled());
    }

private:
    QAction *adminEntry(MainWindow &window, const char *node, const char *name)
    {
        auto *menu = new QMenu(&window);
        window.serverAdminActions()->addTo(menu, QLatin1String(node), card(window, node)->liveState());
        QAction *entry = Test::actionNamed(*menu, name);
        if (!entry)
            qFatal("%s offers no %s", node, name);
        return entry;
    }

    static NodeItem *card(MainWindow &window, const char *name)
    {
        NodeItem *item = window.scene()->nodeItemNamed(QLatin1String(name));
        if (!item)
            qFatal("no card %s", name);
        return item;
    }

    static QStringList rowsContaining(const EventLogPanel &events, const QString &text)
    {
        QStringList rows;
        for (int row = 0; row < events.rowCount(); ++row) {
            if (events.rowText(row).contains(text))
                rows.append(events.rowText(row));
        }
        return rows;
    }

    MainWindow &startWindow(const Topology &topology)
    {
        MainWindow::Options options;
        options.prompts = &m_prompts;
        options.document.autosaveDirectory = m_dir.filePath(QStringLiteral("recovery"));
        options.document.autosaveDelayMs = 60000;
        options.eventHistoryPath = m_dir.filePath(QStringLiteral("history-%1.sqlite").arg(QTest::currentTestFunction()));
        m_window = std::make_unique<MainWindow>(options);
        m_window->show();
        m_window->start(QString());
        [&] { QTRY_VERIFY(!m_window->controller()->isBusy()); }();
        m_window->controller()->newFromTemplate(topology);
        if (!m_window->scene()->nodeItemNamed(QStringLiteral("haproxy-01")))
            qFatal("the design did not open");
        return *m_window;
    }

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_dir;
    ScriptedPrompts m_prompts;
    std::unique_ptr<MainWindow> m_window;
    std::vector<std::unique_ptr<TestBackend>> m_backends;
    std::unique_ptr<RealHaproxy> m_haproxy;
};

QTEST_MAIN(ExternalRunTest)
#include "tst_external.moc"
