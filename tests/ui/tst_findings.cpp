// The design analysis in the window, driven as a user would: the Findings
// panel and its counts in the status bar, badges on the cards and links,
// quick fixes that Ctrl+Z takes back, and what-if on the canvas.

#include "ScriptedPrompts.h"

#include "analysis/DesignAnalysis.h"
#include "document/Commands.h"
#include "document/Document.h"
#include "ui/AnalysisActions.h"
#include "ui/FindingsController.h"
#include "ui/FindingsStatusButton.h"
#include "ui/MainWindow.h"
#include "ui/WhatIfBanner.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/DiagramView.h"
#include "ui/diagram/LinkItem.h"
#include "ui/diagram/NodeItem.h"
#include "ui/diagram/SeverityMark.h"
#include "ui/panels/EventLogPanel.h"
#include "ui/panels/FindingsPanel.h"

#include <QAction>
#include <QDockWidget>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QUndoStack>
#include "UiTestSupport.h"

#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Ui;

namespace {

// "1 error · 2 warnings", counted here from the analysis itself.
QString expectedCounts(const QList<Finding> &findings)
{
    int errors = 0, warnings = 0, infos = 0;
    for (const Finding &finding : findings) {
        errors += finding.severity == Severity::Error;
        warnings += finding.severity == Severity::Warning;
        infos += finding.severity == Severity::Info;
    }
    QStringList parts;
    if (errors)
        parts.append(errors == 1 ? QStringLiteral("1 error") : QStringLiteral("%1 errors").arg(errors));
    if (warnings)
        parts.append(warnings == 1 ? QStringLiteral("1 warning") : QStringLiteral("%1 warnings").arg(warnings));
    if (infos)
        parts.append(QStringLiteral("%1 info").arg(infos));
    return parts.join(QStringLiteral(" · "));
}

// How far apart two colours are, channel by channel.
int colourDistance(QRgb a, QRgb b)
{
    return std::max({std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)),
                     std::abs(qBlue(a) - qBlue(b))});
}

} // namespace

class FindingsTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_settingsDir.isValid());
        Test::isolateSettings(m_settingsDir.path());
    }

    void init() { QSettings().clear(); }

    void cleanup() { m_window.reset(); }

    void thePanelListsTheAnalysisAndTheStatusBarCountsIt()
    {
        MainWindow &window = startWindow();
        const QList<Finding> expected = analyze(window.document()->topology());
        QVERIFY(!expected.isEmpty()); // the reference design is fragile on purpose
        FindingsPanel *panel = window.findingsPanel();
        QTRY_COMPARE(panel->findings(), expected);
        QCOMPARE(panel->rowCount(), expected.size());
        for (int row = 0; row < expected.size(); ++row) {
            // The severity in words (never colour alone), the message, who.
            const QStringList cells = panel->rowText(row).split(QLatin1Char('\t'));
            QCOMPARE(cells.at(0), severityName(expected.at(row).severity));
            QCOMPARE(cells.at(1), expected.at(row).message);
            QVERIFY2(cells.at(2).contains(window.document()->topology().node(expected.at(row).nodes.first())->name),
                     qPrintable(panel->rowText(row)));
            QVERIFY(!panel->table()->model()->index(row, 0).data(Qt::DecorationRole).value<QIcon>().isNull());
        }
        QVERIFY(!panel->emptyLabel()->isVisible());

        // The counts in the status bar, and a click there brings the panel.
        FindingsStatusButton *status = window.findingsStatus();
        QCOMPARE(status->text(), expectedCounts(expected));
        QVERIFY(status->isVisible());
        auto *dock = window.findChild<QDockWidget *>(QStringLiteral("findingsDock"));
        QVERIFY(dock);
        QCOMPARE(window.dockWidgetArea(dock), Qt::BottomDockWidgetArea);
        auto *events = window.findChild<QDockWidget *>(QStringLiteral("eventLogDock"));
        QVERIFY(window.tabifiedDockWidgets(dock).contains(events));
        // A dock behind another's tab is moved out of sight, not hidden.
        events->raise();
        QTRY_VERIFY(panel->visibleRegion().isEmpty());
        QTest::mouseClick(status, Qt::LeftButton);
        QTRY_VERIFY(!panel->visibleRegion().isEmpty());
        QCOMPARE(QApplication::focusWidget(), panel->table());
        auto *panels = window.findChild<QMenu *>(QStringLiteral("menuPanels"));
        QVERIFY(panels->actions().contains(dock->toggleViewAction()));
    }

    void anEmptyDrawingSaysThereIsNothingToFind()
    {
        MainWindow &window = startWindow();
        QTRY_VERIFY(window.findingsPanel()->rowCount() > 0);
        window.controller()->newDocument();
        QTRY_COMPARE(window.findingsPanel()->rowCount(), 0);
        QLabel *empty = window.findingsPanel()->emptyLabel();
        QCOMPARE(empty->text(), QStringLiteral("No findings: nothing obvious is fragile in this drawing."));
        QVERIFY(empty->isVisible());
        QCOMPARE(window.findingsStatus()->text(), QStringLiteral("No findings"));
        QVERIFY(window.findingsStatus()->icon().isNull());
    }

    void clickingAFindingSelectsAndCentresItsNodes()
    {
        MainWindow &window = startWindow();
        FindingsPanel *panel = window.findingsPanel();
        QTRY_VERIFY(panel->rowCount() > 0);
        const int row = rowOf(*panel, QStringLiteral("no-tls"));
        QVERIFY(row >= 0);
        const Finding finding = panel->findings().at(row);
        const NodeItem *lb = window.scene()->nodeItem(finding.nodes.first());
        QCOMPARE(lb->displayName(), QStringLiteral("lb"));

        // Look elsewhere first, so centring has something to do.
        DiagramView *view = window.view();
        view->resetZoom();
        view->centerOn(lb->sceneCardRect().center() + QPointF(1500, 1500));
        QTableView *table = panel->table();
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {},
                          table->visualRect(table->model()->index(row, 1)).center());
        QCOMPARE(window.scene()->selectedNodeIds(), finding.nodes);
        const QPointF centre = view->mapToScene(view->viewport()->rect().center());
        QVERIFY2(QLineF(centre, lb->sceneCardRect().center()).length() < 20,
                 qPrintable(QStringLiteral("view centred on %1,%2").arg(centre.x()).arg(centre.y())));

        // The keyboard does the same: arrows to a row, Enter.
        window.scene()->clearSelection();
        table->setFocus();
        const int other = row == 0 ? 1 : 0;
        panel->setCurrentRow(other);
        QTest::keyClick(table, Qt::Key_Return);
        QList<NodeId> expected = panel->findings().at(other).nodes;
        std::sort(expected.begin(), expected.end());
        expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
        QCOMPARE(window.scene()->selectedNodeIds(), expected);
    }

    void fixingNoTlsRemovesTheFindingAndUndoBringsItBack()
    {
        MainWindow &window = startWindow();
        FindingsPanel *panel = window.findingsPanel();
        QTRY_VERIFY(rowOf(*panel, QStringLiteral("no-tls")) >= 0);
        const int row = rowOf(*panel, QStringLiteral("no-tls"));
        const Finding finding = panel->findings().at(row);
        NodeItem *lb = window.scene()->nodeItem(finding.nodes.first());
        const QString line = SeverityMark::tooltipLine(finding);
        QVERIFY(lb->findingMark().messages.contains(line));
        QVERIFY(lb->toolTip().contains(finding.message.toHtmlEscaped()));
        const qsizetype before = panel->findings().size();

        panel->setCurrentRow(row);
        QPushButton *fix = panel->fixButton();
        QVERIFY(fix->isEnabled());
        QCOMPARE(fix->text(), QStringLiteral("Fix: %1").arg(finding.fixLabel));
        const int steps = window.document()->undoStack()->count();
        QTest::mouseClick(fix, Qt::LeftButton);
        QCOMPARE(window.document()->undoStack()->count(), steps + 1);
        QVERIFY(window.document()->topology().node(finding.nodes.first())->boolProperty(QStringLiteral("tls")));
        QTRY_COMPARE(rowOf(*panel, QStringLiteral("no-tls")), -1);
        QCOMPARE(panel->findings().size(), before - 1);
        QCOMPARE(window.findingsStatus()->text(), expectedCounts(panel->findings()));
        QVERIFY(!lb->findingMark().messages.contains(line));

        // Ctrl+Z: TLS off again, and the finding is back.
        window.view()->setFocus();
        QTest::keyClick(&window, Qt::Key_Z, Qt::ControlModifier);
        QVERIFY(!window.document()->topology().node(finding.nodes.first())->boolProperty(QStringLiteral("tls")));
        QTRY_VERIFY(rowOf(*panel, QStringLiteral("no-tls")) >= 0);
        QVERIFY(lb->findingMark().messages.contains(line));

        // The row's context menu offers the same fix.
        const std::unique_ptr<QMenu> menu = panel->createContextMenu(rowOf(*panel, QStringLiteral("no-tls")));
        QAction *fixEntry = Test::actionNamed(*menu, "findingFix");
        QVERIFY(fixEntry);
        QCOMPARE(fixEntry->text(), QStringLiteral("Fix: %1").arg(finding.fixLabel));
        fixEntry->trigger();
        QTRY_COMPARE(rowOf(*panel, QStringLiteral("no-tls")), -1);
    }

    void aCardsBadgeGoesWithItsLastFinding()
    {
        MainWindow &window = startWindow();
        Document *document = window.document();
        NodeItem *web = window.scene()->nodeItemNamed(QStringLiteral("web-01"));
        QTRY_VERIFY(!window.findingsPanel()->findings().isEmpty());
        QVERIFY(web->findingMark().isEmpty());
        const QImage clean = Test::renderItem(*window.scene(), web);

        // No health check on web-01: a warning, and its mark on the card.
        document->undoStack()->push(new SetPropertyCommand(document, {web->nodeId()}, QStringLiteral("check"),
                                                           QStringLiteral("none")));
        QTRY_VERIFY(!web->findingMark().isEmpty());
        QCOMPARE(web->findingMark().severity, Severity::Warning);
        const QRectF mark = web->sceneFindingMarkRect();
        QVERIFY(web->sceneBoundingRect().contains(mark));
        const QImage marked = Test::renderItem(*window.scene(), web);
        // A spot of the triangle's amber, left of its sign.
        const QPoint spot = (QPointF(mark.center().x() - mark.width() * 0.2, mark.bottom() - mark.height() * 0.2)
                             - web->sceneBoundingRect().topLeft())
                                .toPoint();
        const QRgb amber = SeverityMark::color(window.scene()->colors(), Severity::Warning).rgb();
        QVERIFY2(colourDistance(marked.pixel(spot), amber) < 40, qPrintable(QString::number(marked.pixel(spot), 16)));
        QVERIFY(colourDistance(clean.pixel(spot), amber) > 60);

        // Its quick fix from the card's context menu takes the mark away.
        const std::unique_ptr<QMenu> menu = cardMenu(window, web);
        QAction *fix = nullptr;
        for (QAction *action : menu->actions()) {
            if (action->objectName() == QLatin1String("actionQuickFix"))
                fix = action;
        }
        QVERIFY(fix);
        QVERIFY2(fix->text().startsWith(QStringLiteral("Fix: ")), qPrintable(fix->text()));
        fix->trigger();
        QVERIFY(document->topology().node(web->nodeId())->stringProperty(QStringLiteral("check")) != QLatin1String("none"));
        QTRY_VERIFY(web->findingMark().isEmpty());
        QCOMPARE(Test::renderItem(*window.scene(), web).pixel(spot), clean.pixel(spot));
    }

    void whatIfTheLoadBalancerFails()
    {
        MainWindow &window = startWindow();
        DiagramScene *scene = window.scene();
        Document *document = window.document();
        const Topology &topology = document->topology();
        NodeItem *lb = scene->nodeItemNamed(QStringLiteral("lb"));
        const WhatIf predicted = whatIf(topology, {lb->nodeId()});
        QVERIFY(!predicted.clientsLosingService.isEmpty());

        AnalysisActions *analysis = window.analysisActions();
        QAction *whatIfAction = analysis->whatIfAction();
        QVERIFY(!whatIfAction->isEnabled()); // nothing selected
        QCOMPARE(whatIfAction->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
        scene->selectNodes({lb->nodeId()});
        QVERIFY(whatIfAction->isEnabled());
        window.view()->setFocus();
        QTest::keyClick(&window, Qt::Key_F, Qt::ControlModifier | Qt::ShiftModifier);

        // Every node the client reaches only through lb is greyed out.
        QCOMPARE(lb->whatIfRole(), NodeItem::WhatIfRole::Failed);
        QCOMPARE(lb->whatIfText(), QStringLiteral("FAILED"));
        for (const char *name : {"web-01", "web-02", "db-primary", "db-replica"}) {
            const NodeItem *card = scene->nodeItemNamed(QLatin1String(name));
            QVERIFY2(predicted.unreachable.contains(card->nodeId()), name);
            QCOMPARE(card->whatIfRole(), NodeItem::WhatIfRole::Unreachable);
        }
        QCOMPARE(scene->nodeItemNamed(QStringLiteral("client"))->whatIfRole(), NodeItem::WhatIfRole::None);
        for (const LinkItem *link : scene->linkItems())
            QCOMPARE(link->isCutOff(), predicted.deadLinks.contains(link->linkId()));
        QVERIFY(predicted.deadLinks.size() == topology.links().size()); // all of them hang on lb

        // The banner names the client that loses service.
        WhatIfBanner *banner = analysis->banner();
        QVERIFY(banner->isVisible());
        QVERIFY(banner->isSevere());
        QVERIFY2(banner->text().startsWith(QStringLiteral("What if lb fails?")), qPrintable(banner->text()));
        QVERIFY2(banner->text().contains(QStringLiteral("client")), qPrintable(banner->text()));
        QVERIFY2(banner->text().contains(predicted.summary, Qt::CaseInsensitive), qPrintable(banner->text()));

        // A card greyed out reads so on screen too: the failed lb's pixels
        // are close to the canvas.
        const QImage image = Test::renderItem(*scene, lb);
        const QPoint inside = (lb->sceneCardRect().center() + QPointF(40, -20) - lb->sceneBoundingRect().topLeft()).toPoint();
        QVERIFY(colourDistance(image.pixel(inside), scene->colors().canvas.rgb()) < 40);

        // An edit is taken into account: the client reaches web-01 directly now.
        Link direct;
        direct.id = topology.nextLinkId();
        direct.kind = LinkKind::Http;
        direct.from = scene->nodeItemNamed(QStringLiteral("client"))->nodeId();
        direct.to = scene->nodeItemNamed(QStringLiteral("web-01"))->nodeId();
        document->undoStack()->push(new AddItemsCommand(document, {}, {direct}));
        QTRY_COMPARE(scene->nodeItemNamed(QStringLiteral("web-01"))->whatIfRole(), NodeItem::WhatIfRole::None);
        QCOMPARE(lb->whatIfRole(), NodeItem::WhatIfRole::Failed);
        document->undoStack()->undo();
        QTRY_COMPARE(scene->nodeItemNamed(QStringLiteral("web-01"))->whatIfRole(), NodeItem::WhatIfRole::Unreachable);

        // Esc clears it.
        QVERIFY(analysis->clearWhatIfAction()->isEnabled());
        QTest::keyClick(&window, Qt::Key_Escape);
        QVERIFY(!banner->isVisible());
        for (const NodeItem *card : scene->nodeItems())
            QCOMPARE(card->whatIfRole(), NodeItem::WhatIfRole::None);
        for (const LinkItem *link : scene->linkItems())
            QVERIFY(!link->isCutOff());
        QVERIFY(!analysis->clearWhatIfAction()->isEnabled());
    }

    void aCardsMenuOffersItsFixesAndWhatIf()
    {
        MainWindow &window = startWindow();
        QTRY_VERIFY(!window.findingsPanel()->findings().isEmpty());
        NodeItem *lb = window.scene()->nodeItemNamed(QStringLiteral("lb"));
        QStringList fixes;
        for (const Finding &finding : window.findingsPanel()->findings()) {
            if (finding.nodes.contains(lb->nodeId()) && finding.fix != QuickFix::None
                && !fixes.contains(QStringLiteral("Fix: %1").arg(finding.fixLabel)))
                fixes.append(QStringLiteral("Fix: %1").arg(finding.fixLabel));
        }
        QVERIFY(!fixes.isEmpty());
        const std::unique_ptr<QMenu> menu = cardMenu(window, lb);
        QStringList offered;
        QAction *whatIf = nullptr;
        for (QAction *action : menu->actions()) {
            if (action->objectName() == QLatin1String("actionQuickFix"))
                offered.append(action->text());
            if (action->objectName() == QLatin1String("actionCardWhatIf"))
                whatIf = action;
        }
        QCOMPARE(offered, fixes);
        QVERIFY(whatIf);
        QCOMPARE(whatIf->text(), QStringLiteral("What If This Fails?"));
        whatIf->trigger();
        QCOMPARE(lb->whatIfRole(), NodeItem::WhatIfRole::Failed);
        // Now the menu offers to clear it too.
        const std::unique_ptr<QMenu> again = cardMenu(window, lb);
        QVERIFY(again->actions().contains(window.analysisActions()->clearWhatIfAction()));
    }

    void aLargeDrawingIsAnalysedOffTheGuiThread()
    {
        MainWindow &window = startWindow();
        FindingsController *findings = window.findingsController();
        QTRY_VERIFY(!findings->isAnalysing());
        findings->setInlineNodeLimit(0); // every drawing counts as large
        Document *document = window.document();
        const NodeId lb = document->topology().nodeByName(QStringLiteral("lb"))->id;
        QSignalSpy announced(findings, &FindingsController::findingsChanged);

        // Two edits in a burst: one analysis, of the drawing after both.
        document->undoStack()->push(new SetPropertyCommand(document, {lb}, QStringLiteral("tls"), true));
        document->undoStack()->push(new SetPropertyCommand(document, {lb}, QStringLiteral("tls"), false));
        document->undoStack()->push(new SetPropertyCommand(document, {lb}, QStringLiteral("tls"), true));
        QVERIFY(findings->isAnalysing());
        QTRY_VERIFY(!findings->isAnalysing());
        QCOMPARE(announced.size(), 1);
        QCOMPARE(findings->findings(), analyze(document->topology()));
        QCOMPARE(window.findingsPanel()->findings(), findings->findings());
        QCOMPARE(rowOf(*window.findingsPanel(), QStringLiteral("no-tls")), -1);
    }

private:
    static int rowOf(const FindingsPanel &panel, const QString &code)
    {
        for (int row = 0; row < panel.findings().size(); ++row) {
            if (panel.findings().at(row).code == code)
                return row;
        }
        return -1;
    }

    // The context menu a right-click on `card` opens.
    static std::unique_ptr<QMenu> cardMenu(MainWindow &window, NodeItem *card)
    {
        DiagramView *view = window.view();
        view->centerOn(card);
        window.scene()->selectNodes({card->nodeId()});
        return view->createContextMenu(view->mapFromScene(card->sceneCardRect().center()));
    }

    MainWindow &startWindow()
    {
        if (!m_dir.isValid())
            qFatal("no temporary directory");
        MainWindow::Options options;
        options.prompts = &m_prompts;
        options.document.autosaveDirectory = m_dir.filePath(QStringLiteral("recovery"));
        options.document.autosaveDelayMs = 60000;
        options.eventHistoryPath = m_dir.filePath(QStringLiteral("history.sqlite"));
        m_window = std::make_unique<MainWindow>(options);
        m_window->resize(1200, 800);
        m_window->show();
        m_window->start(QString());
        [&] {
            QTRY_VERIFY(!m_window->controller()->isBusy());
            QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        }();
        return *m_window;
    }

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_dir;
    ScriptedPrompts m_prompts;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(FindingsTest)
#include "tst_findings.moc"
