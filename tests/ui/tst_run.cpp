// Run in the window, for real: the drawing's load balancer takes HTTP
// traffic on loopback, its embedded demo backends answer, the health checks
// colour the cards, a fault injected from the card's menu fails over to the
// backup and back, and what cannot run says why in the status line.

#include "FreePorts.h"
#include "ScriptedPrompts.h"
#include "TestClient.h"
#include "UiTestSupport.h"

#include "document/Commands.h"
#include "document/Document.h"
#include "model/Topology.h"
#include "ui/AnalysisActions.h"
#include "ui/FaultActions.h"
#include "ui/MainWindow.h"
#include "ui/RunActions.h"
#include "ui/RunController.h"
#include "ui/ServerAdminActions.h"
#include "ui/WhatIfBanner.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/LinkItem.h"
#include "ui/diagram/NodeItem.h"
#include "history/MetricsHistory.h"
#include "ui/panels/DrillDownPanel.h"

#include <QLineSeries>
#include "ui/panels/EventLogPanel.h"

#include <QAction>
#include <QMenu>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTcpSocket>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QUndoStack>

#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Ui;

namespace {

// lb → web-01 and web-02 (backup), both embedded demo backends, checked
// over HTTP every 100 ms so that state changes are quick to see.
Topology failoverDesign(quint16 lbPort, quint16 web01Port, quint16 web02Port)
{
    Topology t;
    const auto set = [&](NodeId id, const char *key, const QVariant &value) {
        const QString error = t.node(id)->setProperty(QString::fromLatin1(key), value);
        if (!error.isEmpty())
            qFatal("%s: %s", key, qPrintable(error));
    };
    const NodeId lb = t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb"), {0, 0}));
    set(lb, "port", lbPort);
    const auto web = [&](const char *name, quint16 port, qreal x) {
        const NodeId id = t.addNode(Node::make(NodeKind::WebServer, QString::fromLatin1(name), {x, 160}));
        set(id, "port", port);
        set(id, "embedded", true);
        for (const char *key : {"inter", "fastinter", "downinter"})
            set(id, key, 100);
        set(id, "rise", 2);
        set(id, "fall", 2);
        t.connect(lb, id);
        return id;
    };
    web("web-01", web01Port, -120);
    const NodeId web02 = web("web-02", web02Port, 120);
    set(web02, "backup", true);
    return t;
}

// The failover design with a client sending 20 requests a second through a
// firewall in front of its load balancer.
Topology guardedDesign(quint16 lbPort, quint16 web01Port, quint16 web02Port, const QString &deny)
{
    Topology t = failoverDesign(lbPort, web01Port, web02Port);
    const NodeId client = t.addNode(Node::make(NodeKind::Client, QStringLiteral("client"), {0, -320}));
    const NodeId fw = t.addNode(Node::make(NodeKind::Firewall, QStringLiteral("fw"), {0, -160}));
    if (const QString error = t.node(fw)->setProperty(QStringLiteral("deny"), deny); !error.isEmpty())
        qFatal("deny: %s", qPrintable(error));
    t.connect(client, fw);
    t.connect(fw, t.nodeByName(QStringLiteral("lb"))->id);
    return t;
}

} // namespace

class RunTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_settingsDir.isValid());
        Test::isolateSettings(m_settingsDir.path());
        // No probe plugin is found here (none lies next to this test): the
        // database role checks are missing, as on a machine without them.
        QVERIFY(m_noPlugins.isValid());
        qputenv("LOADSTAR_PLUGIN_PATH", m_noPlugins.path().toLocal8Bit());
    }

    void init()
    {
        QSettings().clear();
        m_prompts = ScriptedPrompts();
        const QList<quint16> ports = Test::freePorts(3);
        m_lbPort = ports[0];
        m_web01Port = ports[1];
        m_web02Port = ports[2];
    }

    void cleanup()
    {
        m_window.reset();
    }

    void runServesTheDrawingAndShowsHealth()
    {
        MainWindow &window = startWindow(failoverDesign(m_lbPort, m_web01Port, m_web02Port));
        RunActions *run = window.runActions();
        QVERIFY(run->runAction()->isEnabled());
        run->runAction()->trigger();

        QVERIFY(run->isRunning());
        QTRY_COMPARE(run->statusText(),
                     QStringLiteral("Running — lb on 127.0.0.1:%1 · 2 demo backends").arg(m_lbPort));
        QVERIFY(!run->statusIsError());
        QVERIFY(!run->runAction()->isEnabled());
        QVERIFY(run->stopAction()->isEnabled());

        // The HTTP checks pass on both backends.
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QTRY_COMPARE(card(window, "web-01")->liveState().checkCode, QStringLiteral("L7OK"));
        QTRY_COMPARE(card(window, "web-02")->statusText(), QStringLiteral("UP"));
        QVERIFY(card(window, "web-01")->liveState().embedded);

        // Real traffic through the drawn load balancer reaches the active server.
        QCOMPARE(get(), QByteArray("web-01"));
        QCOMPARE(get(), QByteArray("web-01"));
        QTRY_VERIFY(card(window, "lb")->liveState().running);
        QCOMPARE(card(window, "lb")->liveState().sessions, 0);
        // Nothing was edited.
        QVERIFY(!window.document()->isModified());
    }

    void killedServerFailsOverToTheBackupAndBack()
    {
        MainWindow &window = startWindow(failoverDesign(m_lbPort, m_web01Port, m_web02Port));
        window.runActions()->runAction()->trigger();
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QTRY_COMPARE(card(window, "web-02")->statusText(), QStringLiteral("UP"));
        QCOMPARE(get(), QByteArray("web-01"));
        EventLogPanel *events = window.eventLogPanel();
        const int eventsBefore = events->rowCount();
        // The monitor's counter reaches the card's rise/fall bar (fall 2);
        // nothing changed since Run, so nothing is marked.
        QCOMPARE(card(window, "web-01")->riseFallBar(), (RiseFallProgress{2, 2}));
        QCOMPARE(card(window, "web-01")->changeMarkerText(), QString());

        triggerFault(window, "web-01", "actionKill");
        QTRY_COMPARE(card(window, "web-01")->liveState().fault, QStringLiteral("killed"));
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("DOWN"));
        QCOMPARE(card(window, "web-01")->liveState().checkCode, QStringLiteral("L4CON"));
        QVERIFY(!card(window, "web-01")->liveState().up);
        QVERIFY2(card(window, "web-01")->changeMarkerText().startsWith(QStringLiteral("changed")),
                 qPrintable(card(window, "web-01")->changeMarkerText()));
        QVERIFY(!linkTo(window, "web-01")->liveState().passable);
        QVERIFY(linkTo(window, "web-02")->liveState().passable);
        // The transition is an event with its time and HAProxy's words.
        QTRY_COMPARE(events->rowCount(), eventsBefore + 1);
        const QString down = events->rowText(events->rowCount() - 1);
        QVERIFY2(down.contains(QStringLiteral("web-01")) && down.contains(QStringLiteral("UP → DOWN"))
                     && down.contains(QStringLiteral("Server lb/web-01 is DOWN")),
                 qPrintable(down));
        QCOMPARE(get(), QByteArray("web-02"));
        // The backup's first answer puts the move on the timeline, timed
        // from web-01's last answer.
        QTRY_COMPARE(events->rowCount(), eventsBefore + 2);
        QVERIFY2(events->rowText(events->rowCount() - 1).contains(QStringLiteral("web-01 DOWN (L4CON) → traffic on web-02 after ")),
                 qPrintable(events->rowText(events->rowCount() - 1)));

        triggerFault(window, "web-01", "actionRevive");
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QCOMPARE(card(window, "web-01")->liveState().fault, QString());
        QTRY_COMPARE(events->rowCount(), eventsBefore + 3);
        QVERIFY(events->rowText(events->rowCount() - 1).contains(QStringLiteral("DOWN → UP")));
        QCOMPARE(get(), QByteArray("web-01")); // failback
        QTRY_COMPARE(events->rowCount(), eventsBefore + 4);
        QVERIFY2(events->rowText(events->rowCount() - 1).contains(QStringLiteral("web-01 UP → traffic on web-01 after ")),
                 qPrintable(events->rowText(events->rowCount() - 1)));
    }

    // A monitor drawn over the design: killing the server it watches is an
    // alert in the Events panel, on the monitor's card and (no tray here)
    // in the status bar; the load balancer it watches gets a state ring.
    void aMonitorAlertsInTheWindow()
    {
        Topology design = failoverDesign(m_lbPort, m_web01Port, m_web02Port);
        Node monitor = Node::make(NodeKind::Monitor, QStringLiteral("monitor"), {240, 0});
        QCOMPARE(monitor.setProperty(QStringLiteral("inter"), 100), QString());
        QCOMPARE(monitor.setProperty(QStringLiteral("group_wait"), 300), QString());
        const NodeId monitorId = design.addNode(monitor);
        design.connect(monitorId, design.nodeByName(QStringLiteral("web-01"))->id);
        design.connect(monitorId, design.nodeByName(QStringLiteral("lb"))->id);
        MainWindow &window = startWindow(design);
        window.runActions()->runAction()->trigger();
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QTRY_COMPARE(card(window, "lb")->statusText(), QStringLiteral("UP"));
        QTRY_COMPARE(card(window, "lb")->liveState().checkCode, QStringLiteral("L4OK"));
        QTRY_COMPARE(card(window, "monitor")->liveState().message, QStringLiteral("watching 2 nodes · no alert firing"));

        triggerFault(window, "web-01", "actionKill");
        EventLogPanel *events = window.eventLogPanel();
        QTRY_COMPARE(rowsContaining(*events, QStringLiteral("Alert from monitor: web-01 DOWN")).size(), 1);
        QVERIFY2(rowsContaining(*events, QStringLiteral("Alert from monitor: web-01 DOWN")).first().contains(QStringLiteral("UP → DOWN")),
                 qPrintable(rowsContaining(*events, QStringLiteral("Alert from monitor")).first()));
        QTRY_COMPARE(card(window, "monitor")->liveState().message, QStringLiteral("1 alert firing · last: web-01 DOWN"));
        QVERIFY2(window.statusBar()->currentMessage().startsWith(QStringLiteral("Alert from monitor: web-01 DOWN")),
                 qPrintable(window.statusBar()->currentMessage()));

        triggerFault(window, "web-01", "actionRevive");
        QTRY_COMPARE(rowsContaining(*events, QStringLiteral("Alert from monitor: web-01 UP again")).size(), 1);
        QTRY_COMPARE(card(window, "monitor")->liveState().message,
                     QStringLiteral("watching 2 nodes · no alert firing · last: web-01 UP"));
        QCOMPARE(rowsContaining(*events, QStringLiteral("Alert from monitor")).size(), 2);
    }

    // The scenario on the document a new user gets: its client's
    // traffic reaches web-01, web-01 is killed from the canvas, web-02 (the
    // backup) takes the traffic, the canvas and the timeline say so, and
    // the events and figures are still there in the next session; the next
    // Run gets every port again.
    void theDefaultDocumentFailsOverInFrontOfTheUser()
    {
        MainWindow *window = startDefaultWindow();
        window->runActions()->runAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(window->runActions()->statusText(),
                                  QStringLiteral("Running — lb on 127.0.0.1:8080 · 2 demo backends · 2 demo databases"),
                                  10000);
        QTRY_COMPARE(card(*window, "web-01")->statusText(), QStringLiteral("UP"));
        // The client node sends its 20 req/s through lb to web-01; the
        // backup stands by.
        QTRY_VERIFY_WITH_TIMEOUT(card(*window, "web-01")->liveState().requestsPerSecond > 0, 10000);
        QTRY_VERIFY(card(*window, "client")->liveState().requestsPerSecond > 0);
        QVERIFY(!card(*window, "web-02")->backupInUse());
        QVERIFY(window->scene()->isAnimating()); // traffic moves along the links
        EventLogPanel *events = window->eventLogPanel();
        const int eventsBefore = events->rowCount();

        triggerFault(*window, "web-01", "actionKill");
        QTRY_COMPARE_WITH_TIMEOUT(card(*window, "web-01")->statusText(), QStringLiteral("DOWN"), 15000);
        QVERIFY(!card(*window, "web-01")->liveState().up);
        QVERIFY(!card(*window, "web-01")->changeMarkerText().isEmpty());
        // web-02 serves the client now, and its card says so.
        QTRY_VERIFY_WITH_TIMEOUT(card(*window, "web-02")->backupInUse(), 10000);
        QCOMPARE(card(*window, "web-02")->statusText(), QStringLiteral("UP"));
        QCOMPARE(get(8080), QByteArray("web-02"));
        // The timeline: the DOWN in HAProxy's words, then where the traffic
        // went and how long that took.
        QTRY_VERIFY(rowsContaining(*events, QStringLiteral("Server lb/web-01 is DOWN")).size() == 1);
        // (The client's refused connections take web-01 out before its
        // checks do: HAProxy's observe layer4.)
        QTRY_COMPARE_WITH_TIMEOUT(
            rowsContaining(*events, QStringLiteral("web-01 DOWN (errors in live traffic) → traffic on web-02 after ")).size(),
            1, 10000);
        QVERIFY(events->rowCount() >= eventsBefore + 2);
        // The figures panel follows the selection with web-02's live figures.
        window->scene()->clearSelection();
        card(*window, "web-02")->setSelected(true);
        QCOMPARE(window->drillDownPanel()->node(), QStringLiteral("web-02"));
        QTRY_VERIFY(window->drillDownPanel()->series(DrillDownPanel::Figure::RequestsPerSecond)->count() > 0);

        // Closing the window stops the run and writes the history.
        m_window.reset();
        window = startDefaultWindow();
        QTRY_VERIFY(rowsContaining(*window->eventLogPanel(), QStringLiteral("Server lb/web-01 is DOWN")).size() == 1);
        QVERIFY(rowsContaining(*window->eventLogPanel(), QStringLiteral("→ traffic on web-02 after ")).size() == 1);
        QSignalSpy series(window->metricsHistory(), &MetricsHistory::seriesReady);
        const int request = window->metricsHistory()->requestSeries(
            QStringLiteral("web-02"), QDateTime::currentDateTimeUtc().addSecs(-600), QDateTime::currentDateTimeUtc(), 1000);
        QTRY_VERIFY(std::any_of(series.cbegin(), series.cend(), [request](const QList<QVariant> &answer) {
            const auto rows = answer.at(2).value<QList<NodeMetrics>>();
            return answer.at(0).toInt() == request
                   && std::any_of(rows.cbegin(), rows.cend(), [](const NodeMetrics &m) { return m.requestsPerSecond > 0; });
        }));

        // Every port came free: the next Run gets them all.
        window->runActions()->runAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(card(*window, "web-01")->statusText(), QStringLiteral("UP"), 10000);
        QVERIFY(!window->runActions()->statusIsError());
        QCOMPARE(get(8080), QByteArray("web-01"));
    }

    // TLS on the load balancer without a certificate file: Run makes one
    // for the run and says so; the client's traffic crosses the TLS
    // listener and the load balancer's card counts it; HTTPS answers.
    void aTlsLoadBalancerRunsWithACertificateMadeForTheRun()
    {
        Topology design = failoverDesign(m_lbPort, m_web01Port, m_web02Port);
        const NodeId lb = design.nodeByName(QStringLiteral("lb"))->id;
        QVERIFY(design.node(lb)->setProperty(QStringLiteral("tls"), true).isEmpty());
        const NodeId client = design.addNode(Node::make(NodeKind::Client, QStringLiteral("client"), {0, -160}));
        design.connect(client, lb);
        MainWindow &window = startWindow(design);
        window.runActions()->runAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(window.runActions()->statusText(),
                                  QStringLiteral("Running — lb on 127.0.0.1:%1 (TLS) · 2 demo backends · "
                                                 "lb: TLS with a self-signed certificate made for this run")
                                      .arg(m_lbPort),
                                  10000);
        QTRY_VERIFY_WITH_TIMEOUT(card(window, "lb")->liveState().requestsPerSecond > 0, 10000);
        QTRY_VERIFY(card(window, "web-01")->liveState().requestsPerSecond > 0);

        QNetworkRequest request(QUrl(QStringLiteral("https://127.0.0.1:%1/").arg(m_lbPort)));
        std::unique_ptr<QNetworkReply> reply(m_network.get(request));
        reply->ignoreSslErrors();
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        QVERIFY(finished.wait(10000));
        QCOMPARE(reply->readAll().trimmed(), QByteArray("web-01"));
        QCOMPARE(reply->sslConfiguration().peerCertificate().subjectInfo(QSslCertificate::CommonName),
                 QStringList{QStringLiteral("lb")});
        // Plain HTTP on that port gets no answer.
        QVERIFY(get() != QByteArray("web-01"));
    }

    // A certificate file that isn't there: nothing runs, and the status
    // line says which load balancer and which file.
    void aMissingCertificateStopsTheRunWithOneSentence()
    {
        Topology design = failoverDesign(m_lbPort, m_web01Port, m_web02Port);
        const NodeId lb = design.nodeByName(QStringLiteral("lb"))->id;
        const QString missing = m_dir.filePath(QStringLiteral("lb.crt"));
        QVERIFY(design.node(lb)->setProperty(QStringLiteral("tls"), true).isEmpty());
        QVERIFY(design.node(lb)->setProperty(QStringLiteral("tls_certificate"), missing).isEmpty());
        MainWindow &window = startWindow(design);
        window.runActions()->runAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(window.runActions()->statusText(),
                                  QStringLiteral("Could not run: lb: can't read the TLS certificate %1: No such file or directory")
                                      .arg(missing),
                                  10000);
        QVERIFY(window.runActions()->statusIsError());
        QVERIFY(!window.runActions()->isRunning());
        QVERIFY(refused(m_lbPort));
        QVERIFY(refused(m_web01Port));
    }

    void aMissingProbePluginSaysSoOnTheCard()
    {
        Topology design = failoverDesign(m_lbPort, m_web01Port, m_web02Port);
        Node database = Node::make(NodeKind::Database, QStringLiteral("db-01"), {0, 320});
        QCOMPARE(database.setProperty(QStringLiteral("check"), QStringLiteral("mysql-role")), QString());
        design.connect(design.nodes().at(1).id, design.addNode(database)); // web-01 → db-01
        MainWindow &window = startWindow(design);
        window.runActions()->runAction()->trigger();

        // The rest runs; the database's card says what is missing instead of a status.
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QTRY_VERIFY(!card(window, "db-01")->liveState().message.isEmpty());
        const QString message = card(window, "db-01")->liveState().message;
        QVERIFY2(message.contains(QStringLiteral("is not installed")) && message.contains(m_noPlugins.path()),
                 qPrintable(message));
        QCOMPARE(card(window, "db-01")->statusText(), QString());
        QVERIFY(!window.runActions()->statusIsError());
    }

    void eventsAreStillThereAfterARestart()
    {
        {
            MainWindow &window = startWindow(failoverDesign(m_lbPort, m_web01Port, m_web02Port));
            window.runActions()->runAction()->trigger();
            QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
            triggerFault(window, "web-01", "actionKill");
            QTRY_COMPARE(window.eventLogPanel()->rowCount(), 1);
            m_window.reset(); // stops the run, writes the history
        }
        MainWindow &window = startWindow(failoverDesign(m_lbPort, m_web01Port, m_web02Port));
        QTRY_COMPARE(window.eventLogPanel()->rowCount(), 1);
        const QString row = window.eventLogPanel()->rowText(0);
        QVERIFY2(row.contains(QStringLiteral("web-01")) && row.contains(QStringLiteral("UP → DOWN"))
                     && row.contains(QStringLiteral("Server lb/web-01 is DOWN")),
                 qPrintable(row));
        // A new run adds to it.
        window.runActions()->runAction()->trigger();
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        triggerFault(window, "web-01", "actionKill");
        QTRY_COMPARE(window.eventLogPanel()->rowCount(), 2);
    }

    void stopClosesTheListenerAndClearsTheCards()
    {
        MainWindow &window = startWindow(failoverDesign(m_lbPort, m_web01Port, m_web02Port));
        RunActions *run = window.runActions();
        run->runAction()->trigger();
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));

        run->stopAction()->trigger();
        QVERIFY(!run->isRunning());
        QVERIFY(run->runAction()->isEnabled());
        QCOMPARE(run->statusText(), QString());
        QVERIFY(!card(window, "web-01")->liveState().running);
        QCOMPARE(card(window, "web-01")->statusText(), QString());

        // The listener goes with the run: connections are refused.
        QTRY_VERIFY(refused(m_lbPort));
        QTRY_VERIFY(refused(m_web01Port));

        // And it runs again.
        run->runAction()->trigger();
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QCOMPARE(get(), QByteArray("web-01"));
    }

    void aPortInUseSaysSoAndNothingRuns()
    {
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress::LocalHost, m_lbPort));
        MainWindow &window = startWindow(failoverDesign(m_lbPort, m_web01Port, m_web02Port));
        RunActions *run = window.runActions();
        run->runAction()->trigger();

        QTRY_VERIFY(!run->isRunning());
        QVERIFY(run->statusIsError());
        QVERIFY2(run->statusText().startsWith(QStringLiteral("Could not run: "))
                     && run->statusText().contains(QString::number(m_lbPort))
                     && run->statusText().contains(QStringLiteral("in use")),
                 qPrintable(run->statusText()));
        QVERIFY(run->runAction()->isEnabled());
        QVERIFY(!card(window, "web-01")->liveState().running);
        // The demo backends started before the engine failed are gone again.
        QTRY_VERIFY(refused(m_web01Port));
    }

    void aDrawingWithProblemsDoesNotRun()
    {
        Topology lonely;
        lonely.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb"), {0, 0}));
        MainWindow &window = startWindow(lonely);
        RunActions *run = window.runActions();
        run->runAction()->trigger();
        QVERIFY(!run->isRunning());
        QVERIFY(run->statusIsError());
        QVERIFY2(run->statusText().startsWith(QStringLiteral("Can't run: ")), qPrintable(run->statusText()));
    }

    void editsWhileRunningReachTheRunningDrawing()
    {
        MainWindow &window = startWindow(failoverDesign(m_lbPort, m_web01Port, m_web02Port));
        window.runActions()->runAction()->trigger();
        QTRY_COMPARE(card(window, "web-02")->statusText(), QStringLiteral("UP"));
        QCOMPARE(get(), QByteArray("web-01"));

        // web-02 is no backup any more: round robin over both.
        Document *document = window.document();
        const NodeId web02 = card(window, "web-02")->nodeId();
        document->undoStack()->push(new SetPropertyCommand(document, {web02}, QStringLiteral("backup"), false));
        QTRY_VERIFY(servedByBoth());

        // Undo makes it the backup again.
        document->undoStack()->undo();
        QTRY_VERIFY(!servedByBoth());
        QVERIFY(window.runActions()->isRunning());
    }

    void aCheckExpectingAnotherBodyTakesTheServerOut()
    {
        MainWindow &window = startWindow(failoverDesign(m_lbPort, m_web01Port, m_web02Port));
        window.runActions()->runAction()->trigger();
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QTRY_COMPARE(card(window, "web-02")->statusText(), QStringLiteral("UP"));

        // web-01 answers its own name; a check that wants "maintenance: off"
        // fails it (L7RSP) while the run goes on, and web-02 takes over.
        Document *document = window.document();
        document->undoStack()->push(new SetPropertyCommand(document, {card(window, "web-01")->nodeId()},
                                                           QStringLiteral("check_body"),
                                                           QStringLiteral("maintenance: off")));
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("DOWN"));
        QCOMPARE(card(window, "web-01")->liveState().checkCode, QStringLiteral("L7RSP"));
        QCOMPARE(card(window, "web-01")->liveState().reason,
                 QStringLiteral("HTTP status 200, but the body does not contain “maintenance: off”"));
        QCOMPARE(get(), QByteArray("web-02"));

        // Asking for what it does say brings it back.
        document->undoStack()->push(new SetPropertyCommand(document, {card(window, "web-01")->nodeId()},
                                                           QStringLiteral("check_body"), QStringLiteral("web-01")));
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QCOMPARE(get(), QByteArray("web-01"));
    }

    void maintenanceDrainAndWeightFromTheCardsMenu()
    {
        MainWindow &window = startWindow(failoverDesign(m_lbPort, m_web01Port, m_web02Port));
        window.runActions()->runAction()->trigger();
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QTRY_COMPARE(card(window, "web-02")->statusText(), QStringLiteral("UP"));
        QCOMPARE(get(), QByteArray("web-01"));
        const int undoSteps = window.document()->undoStack()->count();

        // Maintenance takes web-01 out of rotation: the backup serves.
        QVERIFY(adminEntry(window, "web-01", "actionReady")->isChecked());
        adminEntry(window, "web-01", "actionMaint")->trigger();
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("MAINT"));
        QVERIFY(adminEntry(window, "web-01", "actionMaint")->isChecked());
        QCOMPARE(get(), QByteArray("web-02"));

        // Drain: no new traffic either, but it counts as up for its load balancer.
        adminEntry(window, "web-01", "actionDrain")->trigger();
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("DRAIN"));
        QCOMPARE(get(), QByteArray("web-02"));

        adminEntry(window, "web-01", "actionReady")->trigger();
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QCOMPARE(get(), QByteArray("web-01"));

        // The weight, asked within HAProxy's 0–256, reaches the load balancer.
        QCOMPARE(adminEntry(window, "web-01", "actionWeight")->text(), QStringLiteral("Weight (1)…"));
        m_prompts.integerAnswers = {3};
        adminEntry(window, "web-01", "actionWeight")->trigger();
        QCOMPARE(m_prompts.integerQuestions.last().maximum, 256);
        QTRY_COMPARE(card(window, "web-01")->liveState().weight, 3);
        QCOMPARE(adminEntry(window, "web-01", "actionWeight")->text(), QStringLiteral("Weight (3)…"));

        // Runtime state, not an edit of the drawing.
        QCOMPARE(window.document()->undoStack()->count(), undoSteps);
        QVERIFY(!window.document()->isModified());
    }

    // What-if, for real: the load balancer and a demo backend fail as
    // boxes do — the port refuses connections, the health checks see the
    // server DOWN — and come back; what Loadstar does not run says so.
    void failedNodesReallyStopAndComeBack()
    {
        MainWindow &window = startWindow(guardedDesign(m_lbPort, m_web01Port, m_web02Port, QString()));
        window.runActions()->runAction()->trigger();
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QCOMPARE(get(), QByteArray("web-01"));
        RunController *runner = window.runController();

        std::optional<QStringList> notDone;
        const auto done = [&notDone](const QStringList &reasons) { notDone = reasons; };
        QVERIFY(runner->requestFailed({QStringLiteral("lb"), QStringLiteral("web-01"), QStringLiteral("fw")}, true,
                                      done));
        QTRY_VERIFY(notDone.has_value());
        QCOMPARE(*notDone, QStringList{QStringLiteral(
                               "fw is enforced inside lb's listener, not a box Loadstar runs: only the prediction shows it failed.")});
        QVERIFY(refused(m_lbPort));
        QVERIFY(refused(m_web01Port));
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("DOWN"));
        QCOMPARE(card(window, "web-01")->liveState().checkCode, QStringLiteral("L4CON"));
        QTRY_COMPARE(card(window, "lb")->liveState().status, QStringLiteral("STOP"));
        QCOMPARE(card(window, "lb")->liveLine(), QStringLiteral("STOP: not listening"));

        // An edit while failed (the firewall renamed: its figures move to
        // the new name once applied) leaves them failed.
        Document *document = window.document();
        document->undoStack()->push(new RenameNodeCommand(document, card(window, "fw")->nodeId(), QStringLiteral("fw-2")));
        QTRY_VERIFY(card(window, "fw-2")->figuresText().contains(QStringLiteral("conn/s")));
        QVERIFY(refused(m_lbPort));
        QVERIFY(refused(m_web01Port));
        QCOMPARE(card(window, "lb")->liveState().status, QStringLiteral("STOP"));

        notDone.reset();
        QVERIFY(runner->requestFailed({QStringLiteral("lb"), QStringLiteral("web-01"), QStringLiteral("fw")}, false,
                                      done));
        QTRY_VERIFY(notDone.has_value());
        QCOMPARE(*notDone, QStringList());
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QCOMPARE(get(), QByteArray("web-01"));
        QTRY_COMPARE(card(window, "lb")->liveState().status, QString());

        window.runActions()->stopAction()->trigger();
        QVERIFY(!runner->requestFailed({QStringLiteral("lb")}, true, done));
    }

    // What-if while running: the prediction on the canvas, and the same
    // nodes stopped for real, so the health checks can be compared with it.
    void whatIfWhileRunningStopsTheNodesForReal()
    {
        MainWindow &window = startWindow(guardedDesign(m_lbPort, m_web01Port, m_web02Port, QString()));
        window.runActions()->runAction()->trigger();
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QCOMPARE(get(), QByteArray("web-01"));

        // web-01 and the firewall fail: the firewall is no box of its own.
        window.scene()->selectNodes({card(window, "web-01")->nodeId(), card(window, "fw")->nodeId()});
        QTest::keyClick(&window, Qt::Key_F, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(card(window, "web-01")->whatIfRole(), NodeItem::WhatIfRole::Failed);
        QCOMPARE(card(window, "fw")->whatIfRole(), NodeItem::WhatIfRole::Failed);
        WhatIfBanner *banner = window.analysisActions()->banner();
        QVERIFY(banner->isVisible());
        QTRY_VERIFY2(banner->text().contains(QStringLiteral("Stopped for real in the run: web-01.")),
                     qPrintable(banner->text()));
        QVERIFY2(banner->text().contains(QStringLiteral(
                     "fw is enforced inside lb's listener, not a box Loadstar runs: only the prediction shows it failed.")),
                 qPrintable(banner->text()));
        QVERIFY(refused(m_web01Port));
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("DOWN"));
        QTRY_COMPARE(get(), QByteArray("web-02")); // the backup took over, as the checks saw

        // Clearing the what-if revives what the run stopped.
        QTest::keyClick(&window, Qt::Key_Escape);
        QVERIFY(!banner->isVisible());
        QCOMPARE(card(window, "web-01")->whatIfRole(), NodeItem::WhatIfRole::None);
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QTRY_COMPARE(get(), QByteArray("web-01"));

        // A what-if shown when Run is pressed is applied to the run too.
        window.runActions()->stopAction()->trigger();
        window.scene()->selectNodes({card(window, "web-01")->nodeId()});
        window.analysisActions()->whatIfAction()->trigger();
        window.runActions()->runAction()->trigger();
        QTRY_VERIFY2(banner->text().contains(QStringLiteral("Stopped for real in the run: web-01.")),
                     qPrintable(banner->text()));
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("DOWN"));
        QTRY_COMPARE(get(), QByteArray("web-02"));
    }

    // A firewall in front of the load balancer refuses the sources it
    // denies, for real, and its card counts them.
    void theFirewallRefusesDeniedSourcesAndSaysSo()
    {
        // The client's traffic comes from 127.0.0.1: all of it is refused.
        MainWindow &window
            = startWindow(guardedDesign(m_lbPort, m_web01Port, m_web02Port, QStringLiteral("127.0.0.1/32")));
        window.runActions()->runAction()->trigger();
        QTRY_COMPARE(card(window, "web-01")->statusText(), QStringLiteral("UP"));
        QTRY_VERIFY_WITH_TIMEOUT(card(window, "fw")->figuresText().contains(QStringLiteral("refused")), 10000);
        QVERIFY2(card(window, "fw")->figuresText().contains(QStringLiteral(" conn/s")),
                 qPrintable(card(window, "fw")->figuresText()));
        QVERIFY(card(window, "client")->liveState().message.contains(QStringLiteral("failed")));

        // Another source is let through to the servers.
        QCOMPARE(Test::fetchGet(m_lbPort, "/", QHostAddress(QStringLiteral("127.0.0.2"))).body.trimmed(),
                 QByteArray("web-01"));
        QCOMPARE(Test::fetchGet(m_lbPort, "/", QHostAddress(QStringLiteral("127.0.0.1"))).status, 0);
    }

private:
    // An entry of the server section of `node`'s context menu while running;
    // the menu lives as long as this test's window.
    QAction *adminEntry(MainWindow &window, const char *node, const char *name)
    {
        auto *menu = new QMenu(&window);
        window.serverAdminActions()->addTo(menu, QLatin1String(node), card(window, node)->liveState());
        QAction *entry = Test::actionNamed(*menu, name);
        if (!entry)
            qFatal("%s offers no %s", node, name);
        return entry;
    }

    // The window as a new user first sees it: the reference design.
    MainWindow *startDefaultWindow()
    {
        MainWindow::Options options;
        options.prompts = &m_prompts;
        options.document.autosaveDirectory = m_dir.filePath(QStringLiteral("recovery"));
        options.document.autosaveDelayMs = 60000;
        options.eventHistoryPath = m_dir.filePath(QStringLiteral("history-%1.sqlite").arg(QTest::currentTestFunction()));
        m_window = std::make_unique<MainWindow>(options);
        m_window->show();
        m_window->start(QString());
        [&] {
            QTRY_VERIFY(!m_window->controller()->isBusy());
        }();
        if (!m_window->scene()->nodeItemNamed(QStringLiteral("web-01")))
            qFatal("the reference design did not open");
        return m_window.get();
    }

    MainWindow &startWindow(const Topology &topology)
    {
        startDefaultWindow()->controller()->newFromTemplate(topology);
        if (!m_window->scene()->nodeItemNamed(topology.nodes().first().name))
            qFatal("the design did not open");
        return *m_window;
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

    static NodeItem *card(MainWindow &window, const char *name)
    {
        NodeItem *item = window.scene()->nodeItemNamed(QLatin1String(name));
        if (!item)
            qFatal("no card %s", name);
        return item;
    }

    // The link from the load balancer to the card named `name`.
    static LinkItem *linkTo(MainWindow &window, const char *name)
    {
        for (LinkItem *link : window.scene()->linkItems()) {
            if (link->toItem()->displayName() == QLatin1String(name))
                return link;
        }
        qFatal("no link to %s", name);
    }

    // Picks `action` from the fault entries the card's context menu offers.
    static void triggerFault(MainWindow &window, const char *node, const char *action)
    {
        QMenu menu;
        window.faultActions()->addTo(&menu, QLatin1String(node), card(window, node)->liveState());
        QAction *entry = Test::actionNamed(menu, action);
        if (!entry)
            qFatal("%s offers no %s", node, action);
        entry->trigger();
    }

    // One GET through the load balancer: who answered, as the body of the
    // answer begins (a demo backend's name, then what its database gave:
    // "web-02: visit 12 read from db-replica").
    QByteArray get(quint16 port = 0)
    {
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port ? port : m_lbPort)));
        std::unique_ptr<QNetworkReply> reply(m_network.get(request));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        if (!finished.wait(10000))
            return QByteArrayLiteral("(no answer)");
        if (reply->error() != QNetworkReply::NoError)
            return reply->errorString().toUtf8();
        return reply->readAll().trimmed().split(':').first();
    }

    bool servedByBoth()
    {
        QSet<QByteArray> servers;
        for (int i = 0; i < 4; ++i)
            servers.insert(get());
        return servers == QSet<QByteArray>{"web-01", "web-02"};
    }

    static bool refused(quint16 port)
    {
        QTcpSocket socket;
        QSignalSpy errors(&socket, &QTcpSocket::errorOccurred);
        socket.connectToHost(QHostAddress::LocalHost, port);
        return errors.wait(2000) && socket.error() == QAbstractSocket::ConnectionRefusedError;
    }

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_dir;
    QTemporaryDir m_noPlugins;
    ScriptedPrompts m_prompts;
    std::unique_ptr<MainWindow> m_window;
    QNetworkAccessManager m_network;
    quint16 m_lbPort = 0;
    quint16 m_web01Port = 0;
    quint16 m_web02Port = 0;
};

QTEST_MAIN(RunTest)
#include "tst_run.moc"
