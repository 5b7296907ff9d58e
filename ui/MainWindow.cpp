#include "MainWindow.h"

#include "AnalysisActions.h"
#include "AlertNotifier.h"
#include "FaultActions.h"
#include "FindingsController.h"
#include "FindingsStatusButton.h"
#include "HaproxyImportController.h"
#include "Icons.h"
#include "RecentFiles.h"
#include "RunActions.h"
#include "RunController.h"
#include "ServerAdminActions.h"
#include "UserPrompts.h"
#include "WhatIfBanner.h"
#include "diagram/DiagramScene.h"
#include "diagram/DiagramView.h"
#include "diagram/NodeItem.h"
#include "document/Commands.h"
#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "export/ConfigExportController.h"
#include "export/ExportController.h"
#include "history/EventHistory.h"
#include "history/MetricsHistory.h"
#include "model/AutoLayout.h"
#include "panels/DrillDownPanel.h"
#include "panels/EventLogPanel.h"
#include "panels/FindingsPanel.h"
#include "panels/KindText.h"
#include "panels/PalettePanel.h"
#include "panels/PropertiesPanel.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QLabel>
#include <QMenuBar>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QUndoGroup>
#include <QUndoView>
#include <QVBoxLayout>

namespace Loadstar::Ui {

namespace {

const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
const QString kRetentionKey = QStringLiteral("history/retentionDays");
constexpr QSize DefaultSize{1280, 800};

} // namespace

MainWindow::MainWindow(Options options, QWidget *parent)
    : QMainWindow(parent)
    , m_ownPrompts(options.prompts ? nullptr : std::make_unique<DialogPrompts>())
    , m_controller(new DocumentController(options.prompts ? options.prompts : m_ownPrompts.get(),
                                          this, options.document, this))
    , m_undoGroup(new QUndoGroup(this))
    , m_scene(new DiagramScene(this))
    , m_view(new DiagramView(m_scene, this))
{
    setObjectName(QStringLiteral("MainWindow"));
    setCentralWidget(m_view);
    createActions();
    createDocks();
    createMenus();
    createToolBar();
    createStatusBar();
    createExportActions();
    createRunActions();
    createAnalysis();
    const QString eventHistoryPath
        = options.eventHistoryPath.isEmpty() ? defaultEventHistoryPath() : options.eventHistoryPath;
    openEventHistory(eventHistoryPath);
    m_metricsHistory = new MetricsHistory(this);
    m_drillDown->setHistory(m_metricsHistory);
    m_runner->setMetricsHistory(m_metricsHistory);
    connect(m_metricsHistory, &MetricsHistory::opened, this, [this](const QString &error) {
        if (!error.isEmpty())
            statusBar()->showMessage(error, 15000); // the charts still show the live figures
    });
    m_metricsHistory->open(options.metricsHistoryPath.isEmpty() ? eventHistoryPath : options.metricsHistoryPath,
                           QSettings().value(kRetentionKey, MetricsHistory::DefaultRetentionDays).toInt());
    createHistoryActions();

    connect(m_controller, &DocumentController::documentChanged, this, &MainWindow::documentChanged);
    connect(m_controller, &DocumentController::statusMessage, this,
            [this](const QString &message, int timeoutMs) {
                if (message.isEmpty())
                    statusBar()->clearMessage();
                else
                    statusBar()->showMessage(message, timeoutMs);
            });
    connect(m_controller->recentFiles(), &RecentFiles::fileTriggered, m_controller,
            &DocumentController::openRecent);
    connect(m_scene, &DiagramScene::contentsChanged, this, &MainWindow::updateSummary);
    documentChanged(m_controller->document());
    restoreLayout();
}

MainWindow::~MainWindow()
{
    // The run stops first, then the document goes, while the window that
    // observes it still exists.
    delete m_runner;
    m_runner = nullptr;
    m_properties->setDocument(nullptr);
    m_scene->setDocument(nullptr);
    disconnect(m_scene, nullptr, this, nullptr);
    disconnect(document(), nullptr, this, nullptr);
    delete m_controller;
}

Document *MainWindow::document() const
{
    return m_controller->document();
}

void MainWindow::start(const QString &file)
{
    m_controller->start(file);
}

void MainWindow::createActions()
{
    auto make = [this](const QString &objectName, const QString &text, const QString &iconName,
                       const QKeySequence &shortcut) {
        auto *action = new QAction(text, this);
        action->setObjectName(objectName);
        if (!iconName.isEmpty())
            action->setIcon(Icons::actionIcon(iconName));
        if (!shortcut.isEmpty()) {
            action->setShortcut(shortcut);
            action->setToolTip(QStringLiteral("%1 (%2)").arg(
                QString(text).remove(QLatin1Char('&')).remove(QStringLiteral("…")),
                shortcut.toString(QKeySequence::NativeText)));
        }
        return action;
    };

    m_actions.newDocument = make(QStringLiteral("actionNew"), tr("&New"),
                                 QStringLiteral("document-new"), QKeySequence::New);
    m_actions.newDocument->setStatusTip(tr("Start an empty drawing (File → New from Template for a ready-made design)"));
    m_actions.open = make(QStringLiteral("actionOpen"), tr("&Open…"),
                          QStringLiteral("document-open"), QKeySequence::Open);
    m_actions.open->setIconText(tr("Open"));
    m_actions.save = make(QStringLiteral("actionSave"), tr("&Save"),
                          QStringLiteral("document-save"), QKeySequence::Save);
    m_actions.saveAs = make(QStringLiteral("actionSaveAs"), tr("Save &As…"), QString(),
                            QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    m_actions.quit = make(QStringLiteral("actionQuit"), tr("&Quit"), QString(),
                          QKeySequence(Qt::CTRL | Qt::Key_Q));
    m_actions.quit->setMenuRole(QAction::QuitRole);
    connect(m_actions.newDocument, &QAction::triggered, m_controller,
            &DocumentController::newDocument);
    connect(m_actions.open, &QAction::triggered, m_controller, &DocumentController::open);
    connect(m_actions.save, &QAction::triggered, m_controller, &DocumentController::save);
    connect(m_actions.saveAs, &QAction::triggered, m_controller, &DocumentController::saveAs);
    connect(m_actions.quit, &QAction::triggered, this, &QWidget::close);

    // Undo and redo follow whichever document is current.
    m_actions.undo = m_undoGroup->createUndoAction(this, tr("&Undo"));
    m_actions.undo->setObjectName(QStringLiteral("actionUndo"));
    m_actions.undo->setShortcut(QKeySequence::Undo);
    m_actions.undo->setIcon(Icons::actionIcon(QStringLiteral("edit-undo")));
    m_actions.undo->setIconText(tr("Undo"));
    m_actions.redo = m_undoGroup->createRedoAction(this, tr("&Redo"));
    m_actions.redo->setObjectName(QStringLiteral("actionRedo"));
    m_actions.redo->setShortcut(QKeySequence::Redo);
    m_actions.redo->setIcon(Icons::actionIcon(QStringLiteral("edit-redo")));
    m_actions.redo->setIconText(tr("Redo"));

    // Ctrl+0 fits and Ctrl+1 shows actual size, as in most drawing tools.
    m_actions.zoomToFit = make(QStringLiteral("actionZoomToFit"), tr("Zoom to &Fit"),
                               QStringLiteral("zoom-fit-best"), QKeySequence(Qt::CTRL | Qt::Key_0));
    m_actions.zoomToFit->setIconText(tr("Fit"));
    m_actions.zoomIn = make(QStringLiteral("actionZoomIn"), tr("Zoom &In"),
                            QStringLiteral("zoom-in"), QKeySequence::ZoomIn);
    m_actions.zoomOut = make(QStringLiteral("actionZoomOut"), tr("Zoom &Out"),
                             QStringLiteral("zoom-out"), QKeySequence::ZoomOut);
    m_actions.actualSize
        = make(QStringLiteral("actionActualSize"), tr("&Actual Size (100 %)"),
               QStringLiteral("zoom-original"), QKeySequence(Qt::CTRL | Qt::Key_1));
    connect(m_actions.zoomToFit, &QAction::triggered, m_view, &DiagramView::zoomToFit);
    connect(m_actions.zoomIn, &QAction::triggered, m_view, &DiagramView::zoomIn);
    connect(m_actions.zoomOut, &QAction::triggered, m_view, &DiagramView::zoomOut);
    connect(m_actions.actualSize, &QAction::triggered, m_view, &DiagramView::resetZoom);

    // Saving is pointless while a read or write is under way.
    connect(m_controller, &DocumentController::busyChanged, this, [this](bool busy) {
        m_actions.save->setEnabled(!busy);
        m_actions.saveAs->setEnabled(!busy);
    });
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_actions.newDocument);
    file->addAction(m_actions.open);
    QMenu *recent = file->addMenu(tr("Open &Recent"));
    recent->setObjectName(QStringLiteral("menuOpenRecent"));
    m_controller->recentFiles()->attachMenu(recent);
    file->addSeparator();
    file->addAction(m_actions.save);
    file->addAction(m_actions.saveAs);
    file->addSeparator();
    file->addAction(m_actions.quit);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_actions.undo);
    edit->addAction(m_actions.redo);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_actions.zoomToFit);
    view->addAction(m_actions.actualSize);
    view->addSeparator();
    view->addAction(m_actions.zoomIn);
    view->addAction(m_actions.zoomOut);
    view->addSeparator();
    view->addMenu(m_panelsMenu);

    createEditActions(edit, view);
}

// The canvas's edit actions (they live on the view, active while it has
// focus) in the Edit and View menus, and its messages in the status bar.
void MainWindow::createEditActions(QMenu *edit, QMenu *view)
{
    const DiagramView::Actions &canvas = m_view->actions();
    edit->addSeparator();
    edit->addAction(canvas.cut);
    edit->addAction(canvas.copy);
    edit->addAction(canvas.paste);
    edit->addAction(canvas.duplicate);
    edit->addAction(canvas.remove);
    edit->addSeparator();
    edit->addAction(canvas.selectAll);
    edit->addAction(canvas.rename);
    view->addSeparator();
    view->addAction(canvas.orthogonalLinks);
    connect(m_scene, &DiagramScene::statusMessage, this,
            [this](const QString &message) { statusBar()->showMessage(message, 5000); });
}

void MainWindow::createToolBar()
{
    QToolBar *toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setMovable(false);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->setIconSize(QSize(20, 20));
    toolBar->addAction(m_actions.newDocument);
    toolBar->addAction(m_actions.open);
    toolBar->addAction(m_actions.save);
    toolBar->addSeparator();
    toolBar->addAction(m_actions.undo);
    toolBar->addAction(m_actions.redo);
    toolBar->addSeparator();
    toolBar->addAction(m_actions.zoomToFit);
}

void MainWindow::createStatusBar()
{
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("documentSummary"));
    m_zoomLabel = new QLabel(this);
    m_zoomLabel->setObjectName(QStringLiteral("zoomLabel"));
    m_zoomLabel->setMinimumWidth(
        m_zoomLabel->fontMetrics().horizontalAdvance(QStringLiteral("1000 %")));
    m_zoomLabel->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_findingsStatus = new FindingsStatusButton(this);
    statusBar()->addPermanentWidget(m_summary);
    statusBar()->addPermanentWidget(m_findingsStatus);
    statusBar()->addPermanentWidget(m_zoomLabel);
    connect(m_view, &DiagramView::zoomChanged, this, [this](qreal zoom) {
        m_zoomLabel->setText(QStringLiteral("%1 %").arg(qRound(zoom * 100)));
    });
    m_zoomLabel->setText(QStringLiteral("100 %"));
}

void MainWindow::documentChanged(Document *document)
{
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    m_undoGroup->addStack(document->undoStack());
    m_undoGroup->setActiveStack(document->undoStack());
    m_scene->setDocument(document);
    m_properties->setDocument(document);
    m_runner->setDocument(document);
    m_findings->setDocument(document);
    selectionChanged();
    connect(document, &Document::modifiedChanged, this, &MainWindow::updateTitle);
    connect(document, &Document::filePathChanged, this, [this] {
        updateTitle();
        updateSummary();
    });
    updateTitle();
    updateSummary();
    m_view->zoomToFit();
}

void MainWindow::createDocks()
{
    // Palette left, Inspector right, History under the canvas; each can be
    // moved or closed, and View → Panels brings it back. Object names let
    // saveState() remember where they were.
    auto makeDock = [this](const QString &objectName, const QString &title, QWidget *content,
                           Qt::DockWidgetArea area) {
        auto *dock = new QDockWidget(title, this);
        dock->setObjectName(objectName);
        dock->setWidget(content);
        dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable
                          | QDockWidget::DockWidgetFloatable);
        addDockWidget(area, dock);
        return dock;
    };
    m_palette = new PalettePanel(this);
    m_properties = new PropertiesPanel(this);
    m_properties->setPrompts(m_controller->prompts());
    m_history = new QUndoView(m_undoGroup, this);
    m_history->setObjectName(QStringLiteral("historyView"));
    m_history->setEmptyLabel(tr("Opened"));
    QDockWidget *palette
        = makeDock(QStringLiteral("paletteDock"), tr("Palette"), m_palette, Qt::LeftDockWidgetArea);
    QDockWidget *properties = makeDock(QStringLiteral("propertiesDock"), tr("Properties"),
                                       m_properties, Qt::RightDockWidgetArea);
    QDockWidget *history = makeDock(QStringLiteral("historyDock"), tr("History"), m_history,
                                    Qt::BottomDockWidgetArea);
    m_eventLog = new EventLogPanel(this);
    QDockWidget *events = makeDock(QStringLiteral("eventLogDock"), tr("Events"), m_eventLog,
                                   Qt::BottomDockWidgetArea);
    m_drillDown = new DrillDownPanel(this);
    QDockWidget *figures = makeDock(QStringLiteral("figuresDock"), tr("Figures"), m_drillDown,
                                    Qt::RightDockWidgetArea);
    // Figures share the Inspector's place: the selection's properties, or
    // its figures over time.
    tabifyDockWidget(properties, figures);
    properties->raise();
    // Side by side under the canvas: what was edited, what happened.
    splitDockWidget(history, events, Qt::Horizontal);
    // The canvas keeps most of the window; the bottom area stays under it.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    resizeDocks({palette, properties}, {190, 340}, Qt::Horizontal);
    resizeDocks({history}, {130}, Qt::Vertical);
    resizeDocks({history, events}, {200, 440}, Qt::Horizontal);

    m_panelsMenu = new QMenu(tr("&Panels"), this);
    m_panelsMenu->setObjectName(QStringLiteral("menuPanels"));
    for (QDockWidget *dock : {palette, properties, figures, history, events})
        m_panelsMenu->addAction(dock->toggleViewAction());

    connect(m_scene, &QGraphicsScene::selectionChanged, this, &MainWindow::selectionChanged);
    connect(m_palette, &PalettePanel::addRequested, this, &MainWindow::addNodeAtViewCentre);
    connect(m_properties, &PropertiesPanel::nodesActivated, this, &MainWindow::selectNodes);
}

void MainWindow::selectionChanged()
{
    const QList<NodeId> selected = m_scene->selectedNodeIds();
    m_properties->setSelection(selected);
    const NodeItem *first = selected.isEmpty() ? nullptr : m_scene->nodeItem(selected.first());
    m_drillDown->setNode(first ? first->displayName() : QString());
}

void MainWindow::addNodeAtViewCentre(NodeKind kind)
{
    m_view->addNodeAtCentre(kind);
}

void MainWindow::selectNodes(const QList<NodeId> &nodes)
{
    m_scene->selectNodes(nodes);
    if (NodeItem *item = nodes.isEmpty() ? nullptr : m_scene->nodeItem(nodes.first()))
        m_view->ensureVisible(item);
}

void MainWindow::updateTitle()
{
    setWindowTitle(tr("%1[*] — Loadstar").arg(document()->displayName()));
    setWindowModified(document()->isModified());
}

void MainWindow::updateSummary()
{
    // Removal signals come before the removal: count once the edit is done.
    QTimer::singleShot(0, this, [this] {
        const Topology &topology = document()->topology();
        const auto nodes = topology.nodes().size();
        const auto links = topology.links().size();
        const QString nodeText = nodes == 1 ? tr("1 node") : tr("%1 nodes").arg(nodes);
        const QString linkText = links == 1 ? tr("1 link") : tr("%1 links").arg(links);
        m_summary->setText(tr("%1 · %2, %3").arg(document()->displayName(), nodeText, linkText));
    });
}

void MainWindow::restoreLayout()
{
    QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
        QSize size = DefaultSize;
        if (const QScreen *screen = QGuiApplication::primaryScreen())
            size = size.boundedTo(screen->availableSize() * 0.92);
        resize(size);
    }
    restoreState(settings.value(kStateKey).toByteArray());
}

void MainWindow::saveLayout()
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
}

namespace {

// The menu or tool bar of type T that shows `action`, if any.
template<typename T>
T *holderOf(const QAction *action)
{
    const QList<QObject *> holders = action->associatedObjects();
    for (QObject *holder : holders) {
        if (auto *found = qobject_cast<T *>(holder))
            return found;
    }
    return nullptr;
}

} // namespace

void MainWindow::createExportActions()
{
    // Placed next to the actions they belong with, wherever those are.
    QMenu *file = holderOf<QMenu>(m_actions.quit);
    QMenu *view = holderOf<QMenu>(m_actions.zoomToFit);
    QToolBar *toolBar = holderOf<QToolBar>(m_actions.zoomToFit);

    m_export = new ExportController(m_controller->prompts(), this, this);
    m_export->setLiveScene(m_scene);
    connect(m_export, &ExportController::statusMessage, this,
            [this](const QString &message, int timeoutMs) {
                statusBar()->showMessage(message, timeoutMs);
            });

    auto *exportImage = new QAction(tr("&Export…"), this);
    exportImage->setObjectName(QStringLiteral("actionExport"));
    exportImage->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    exportImage->setIconText(tr("Export"));
    exportImage->setIcon(Icons::actionIcon(QStringLiteral("document-export")));
    exportImage->setToolTip(tr("Export the diagram as PNG, SVG or PDF (%1)")
                                .arg(exportImage->shortcut().toString(QKeySequence::NativeText)));
    connect(exportImage, &QAction::triggered, this,
            [this] { m_export->exportDocument(document()); });
    addAction(exportImage);
    if (file) {
        file->insertAction(m_actions.quit, exportImage);
        file->insertSeparator(m_actions.quit);
    }
    if (toolBar) {
        toolBar->addSeparator();
        toolBar->addAction(exportImage);
    }

    // The drawing as production configuration, for the machines it draws.
    m_configExport = new ConfigExportController(m_controller->prompts(), this, this);
    connect(m_configExport, &ConfigExportController::statusMessage, this,
            [this](const QString &message, int timeoutMs) { statusBar()->showMessage(message, timeoutMs); });
    auto *configMenu = new QMenu(tr("Export &Configuration"), this);
    configMenu->setObjectName(QStringLiteral("menuExportConfiguration"));
    configMenu->setToolTipsVisible(true);
    for (Haproxy::ConfigFormat format : Haproxy::allConfigFormats()) {
        const QString name = Haproxy::configFormatName(format);
        QAction *action = configMenu->addAction(tr("%1…").arg(name), this,
                                                [this, format] { m_configExport->exportDocument(document(), format); });
        action->setObjectName(QStringLiteral("actionExport_%1").arg(Haproxy::configFormatId(format)));
        if (format == Haproxy::ConfigFormat::Haproxy)
            action->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
        addAction(action);
    }
    configMenu->actions().value(0)->setToolTip(tr("haproxy.cfg: frontends, backends, checks, TLS, firewall ACLs and "
                                                  "a stats listener, as drawn"));
    configMenu->actions().value(1)->setToolTip(tr("keepalived.conf: VRRP for load balancers sharing a virtual address"));
    configMenu->actions().value(2)->setToolTip(tr("nginx.conf: the same balancing as nginx upstreams"));
    configMenu->actions().value(3)->setToolTip(tr("Into a folder: an option file or settings per database server, "
                                                  "and the SQL and steps that start replication"));
    if (file)
        file->insertMenu(m_actions.quit, configMenu);

    auto *templates = new QMenu(tr("New from &Template"), this);
    templates->setObjectName(QStringLiteral("menuNewFromTemplate"));
    templates->setToolTipsVisible(true);
    const QList<DocumentTemplate> list = documentTemplates();
    for (const DocumentTemplate &entry : list) {
        auto *action = templates->addAction(entry.name);
        action->setObjectName(QStringLiteral("actionNewFromTemplate_%1").arg(entry.id));
        action->setToolTip(entry.description);
        action->setStatusTip(entry.description);
        connect(action, &QAction::triggered, m_controller,
                [this, topology = entry.topology] { m_controller->newFromTemplate(topology); });
    }
    if (file)
        file->insertMenu(m_actions.open, templates);

    auto *haproxy = new HaproxyImportController(m_controller, this, this);
    haproxy->setObjectName(QStringLiteral("haproxyImport"));
    connect(haproxy, &HaproxyImportController::statusMessage, this, [this](const QString &message, int timeoutMs) {
        if (message.isEmpty())
            statusBar()->clearMessage();
        else
            statusBar()->showMessage(message, timeoutMs);
    });
    if (QMenu *recent = file ? findChild<QMenu *>(QStringLiteral("menuOpenRecent")) : nullptr)
        file->insertAction(recent->menuAction(), haproxy->action());

    auto *arrange = new QAction(tr("Arrange in &Tiers"), this);
    arrange->setObjectName(QStringLiteral("actionArrangeInTiers"));
    arrange->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    arrange->setStatusTip(tr("Lay the drawing out top to bottom in the order traffic flows"));
    connect(arrange, &QAction::triggered, this, &MainWindow::arrangeDrawingInTiers);
    addAction(arrange);
    if (view) {
        view->addSeparator();
        view->addAction(arrange);
    }
}

void MainWindow::arrangeDrawingInTiers()
{
    Document *doc = document();
    const QHash<NodeId, QPointF> arranged = arrangeInTiers(doc->topology());
    QHash<NodeId, QPointF> from;
    QHash<NodeId, QPointF> to;
    for (auto it = arranged.cbegin(); it != arranged.cend(); ++it) {
        const Node *node = doc->topology().node(it.key());
        if (node && node->position != it.value()) {
            from.insert(it.key(), node->position);
            to.insert(it.key(), it.value());
        }
    }
    if (!to.isEmpty()) {
        auto *command = new MoveNodesCommand(doc, from, to);
        command->setText(tr("Arrange in tiers"));
        doc->undoStack()->push(command);
    }
    m_view->zoomToFit();
}

void MainWindow::createRunActions()
{
    m_run = new RunActions(this);
    m_faults = new FaultActions(m_controller->prompts(), this, this);
    m_admin = new ServerAdminActions(m_controller->prompts(), this, this);

    // Run sits between Edit and View in the menu bar, and after Redo on the
    // tool bar.
    auto *run = new QMenu(tr("&Run"), this);
    run->setObjectName(QStringLiteral("menuRun"));
    run->addAction(m_run->runAction());
    run->addAction(m_run->stopAction());
    if (QMenu *view = holderOf<QMenu>(m_actions.zoomToFit))
        menuBar()->insertMenu(view->menuAction(), run);
    else
        menuBar()->addMenu(run);
    if (QToolBar *toolBar = holderOf<QToolBar>(m_actions.zoomToFit)) {
        toolBar->insertAction(m_actions.zoomToFit, m_run->runAction());
        toolBar->insertAction(m_actions.zoomToFit, m_run->stopAction());
        toolBar->insertSeparator(m_actions.zoomToFit);
    }
    statusBar()->insertPermanentWidget(0, m_run->statusLabel());

    m_runner = new RunController(m_run, m_faults, m_admin, m_eventLog, m_scene, this);
    connect(m_run, &RunActions::runningChanged, this, &MainWindow::runningChanged);
    connect(m_runner, &RunController::alerted, new AlertNotifier(statusBar(), this), &AlertNotifier::notify);
    connect(m_view, &DiagramView::cardMenuAboutToShow, this, [this](QMenu *menu, NodeId node) {
        if (const NodeItem *card = m_scene->nodeItem(node)) {
            // Top to bottom: the server's state, its faults, the edit entries.
            m_faults->addTo(menu, card->displayName(), card->liveState());
            m_admin->addTo(menu, card->displayName(), card->liveState());
        }
    });
}

void MainWindow::openEventHistory(const QString &path)
{
    constexpr int ShownAtStart = 500;
    m_eventHistory = new EventHistory(this);
    connect(m_eventHistory, &EventHistory::opened, this, [this](const QString &error) {
        if (!error.isEmpty()) {
            // The run goes on; its events stay in the panel only.
            statusBar()->showMessage(error, 15000);
            return;
        }
        m_eventHistory->load(ShownAtStart);
    });
    connect(m_eventHistory, &EventHistory::loaded, this, [this](const QList<StoredEvent> &events) {
        for (const StoredEvent &event : events)
            m_eventLog->appendEvent(event.time, event.node, event.from, event.to, event.message, event.up);
    });
    m_runner->setEventHistory(m_eventHistory);
    connect(m_runner, &RunController::figuresSampled, m_drillDown, [this](const QList<NodeMetrics> &figures) {
        for (const NodeMetrics &node : figures)
            m_drillDown->addSample(node);
    });
    m_eventHistory->open(path, QSettings().value(kRetentionKey, EventHistory::DefaultRetentionDays).toInt());
}

void MainWindow::createHistoryActions()
{
    auto *exportMenu = new QMenu(tr("Export &History as CSV"), this);
    exportMenu->setObjectName(QStringLiteral("menuExportHistory"));
    QAction *figures = exportMenu->addAction(tr("&Figures…"), this, [this] { exportHistory(false); });
    figures->setObjectName(QStringLiteral("actionExportFigures"));
    figures->setStatusTip(tr("Write every node's requests, latency, responses and sessions over time to a CSV file"));
    QAction *events = exportMenu->addAction(tr("Health &Events…"), this, [this] { exportHistory(true); });
    events->setObjectName(QStringLiteral("actionExportEvents"));
    events->setStatusTip(tr("Write the UP/DOWN transitions of every node to a CSV file"));
    auto *retention = new QAction(tr("History &Retention…"), this);
    retention->setObjectName(QStringLiteral("actionHistoryRetention"));
    retention->setStatusTip(tr("Choose how many days of figures and events are kept on disk"));
    connect(retention, &QAction::triggered, this, &MainWindow::askRetention);
    if (QMenu *file = holderOf<QMenu>(m_actions.quit)) {
        file->insertMenu(m_actions.quit, exportMenu);
        file->insertAction(m_actions.quit, retention);
        file->insertSeparator(m_actions.quit);
    }
    connect(m_metricsHistory, &MetricsHistory::exportFinished, this, [this](bool ok, const QString &message) {
        if (ok)
            statusBar()->showMessage(message, 8000);
        else
            m_controller->prompts()->showError(this, tr("Export History"), message);
    });
}

void MainWindow::exportHistory(bool events)
{
    const QString name = events ? tr("loadstar-events.csv") : tr("loadstar-figures.csv");
    const QString path = m_controller->prompts()->askExportPath(
        this, events ? tr("Export Health Events") : tr("Export Figures"),
        QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)).filePath(name),
        tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    statusBar()->showMessage(tr("Exporting to %1…").arg(QDir::toNativeSeparators(path)));
    // The whole history the file keeps; a spreadsheet narrows it further.
    m_metricsHistory->exportCsv(path, QDateTime::fromMSecsSinceEpoch(0, Qt::UTC), QDateTime::currentDateTimeUtc(),
                                events ? MetricsHistory::CsvContent::Events : MetricsHistory::CsvContent::Metrics);
}

void MainWindow::askRetention()
{
    UserPrompts::IntegerQuestion question;
    question.title = tr("History Retention");
    question.label = tr("Keep figures and health events on disk for:");
    question.value = m_metricsHistory->retentionDays();
    question.minimum = 1;
    question.maximum = 3650;
    question.suffix = tr(" days");
    const std::optional<int> days = m_controller->prompts()->askInteger(this, question);
    if (!days)
        return;
    QSettings().setValue(kRetentionKey, *days);
    m_metricsHistory->setRetentionDays(*days);
    statusBar()->showMessage(*days == 1 ? tr("History older than a day is deleted.")
                                        : tr("History older than %1 days is deleted.").arg(*days),
                             8000);
}

void MainWindow::runningChanged(bool running)
{
    if (running)
        return;
    // A stopped document shows the editor's cards, and its faults are gone
    // with its backends.
    m_scene->clearLiveStates();
    m_faults->forgetFaults();
}

void MainWindow::createAnalysis()
{
    m_findings = new FindingsController(this);
    m_findingsPanel = new FindingsPanel(this);
    auto *dock = new QDockWidget(tr("Findings"), this);
    dock->setObjectName(QStringLiteral("findingsDock"));
    dock->setWidget(m_findingsPanel);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable
                      | QDockWidget::DockWidgetFloatable);
    // Beside the Events under the canvas: what may go wrong, what did. While
    // editing, what may go wrong comes first.
    if (auto *events = qobject_cast<QDockWidget *>(m_eventLog->parentWidget())) {
        tabifyDockWidget(events, dock);
    } else {
        addDockWidget(Qt::BottomDockWidgetArea, dock);
    }
    dock->raise();
    resizeDocks({dock}, {170}, Qt::Vertical); // room for a few findings
    m_panelsMenu->addAction(dock->toggleViewAction());

    connect(m_findings, &FindingsController::findingsChanged, this, [this](const QList<Finding> &findings) {
        m_scene->setFindings(findings);
        m_findingsPanel->setFindings(findings, document()->topology());
        m_findingsStatus->setFindings(findings);
    });
    connect(m_findingsStatus, &QToolButton::clicked, this, [this, dock] {
        dock->show();
        dock->raise();
        m_findingsPanel->setFocus(Qt::OtherFocusReason);
    });
    connect(m_findingsPanel, &FindingsPanel::nodesActivated, this, &MainWindow::showNodes);
    const auto fix = [this](const Finding &finding) {
        const QString refusal = m_findings->applyFix(finding);
        if (!refusal.isEmpty())
            statusBar()->showMessage(refusal, 8000);
    };
    connect(m_findingsPanel, &FindingsPanel::fixRequested, this, fix);

    // What-if sits in the Run menu: while running it stops the nodes for real.
    m_analysis = new AnalysisActions(m_findings, m_scene, this);
    // Its banner sits above the canvas, in the canvas's place.
    auto *canvas = new QWidget(this);
    auto *canvasLayout = new QVBoxLayout(canvas);
    canvasLayout->setContentsMargins(0, 0, 0, 0);
    canvasLayout->setSpacing(0);
    canvasLayout->addWidget(m_analysis->banner());
    canvasLayout->addWidget(takeCentralWidget());
    setCentralWidget(canvas);
    if (QMenu *run = holderOf<QMenu>(m_run->runAction())) {
        run->addSeparator();
        run->addAction(m_analysis->whatIfAction());
        run->addAction(m_analysis->clearWhatIfAction());
    }
    connect(m_view, &DiagramView::cardMenuAboutToShow, m_analysis, &AnalysisActions::addTo);
    connect(m_analysis, &AnalysisActions::statusMessage, this,
            [this](const QString &message) { statusBar()->showMessage(message, 8000); });
    // Queued: the run's session exists once Run's own handling is done.
    connect(m_run, &RunActions::runningChanged, m_analysis, &AnalysisActions::setRunning, Qt::QueuedConnection);
    connect(m_analysis, &AnalysisActions::liveFailRequested, this, [this](const QStringList &names, bool failed) {
        m_runner->requestFailed(names, failed, [this, names, failed](const QStringList &notDone) {
            m_analysis->showLiveResult(names, failed, notDone);
        });
    });
}

void MainWindow::showNodes(const QList<NodeId> &nodes)
{
    m_scene->selectNodes(nodes);
    QRectF area;
    for (NodeId id : nodes) {
        if (const NodeItem *item = m_scene->nodeItem(id))
            area |= item->sceneBoundingRect();
    }
    if (!area.isEmpty())
        m_view->centreOnRect(area);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_closeApproved || (!document()->isModified() && !m_controller->isBusy())) {
        saveLayout();
        event->accept();
        return;
    }
    event->ignore();
    m_controller->whenSafeToDiscard(tr("closing"), [this] {
        m_closeApproved = true;
        // Outside the close event being handled now.
        QMetaObject::invokeMethod(this, &QWidget::close, Qt::QueuedConnection);
    });
}

} // namespace Loadstar::Ui
