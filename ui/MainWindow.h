#pragma once

#include "DocumentController.h"
#include "document/Document.h"

#include <QMainWindow>
#include <QPointer>

#include <memory>

class QLabel;
class QMenu;
class QUndoGroup;
class QUndoView;

namespace Loadstar {
class EventHistory;
class MetricsHistory;
}

namespace Loadstar::Ui {

class AnalysisActions;
class DiagramScene;
class DiagramView;
class DrillDownPanel;
class EventLogPanel;
class DatabaseActions;
class FaultActions;
class FindingsController;
class FindingsPanel;
class FindingsStatusButton;
class PalettePanel;
class PropertiesPanel;
class ConfigExportController;
class ExportController;
class RunActions;
class RunController;
class ServerAdminActions;
class UserPrompts;

struct MainWindowOptions
{
    // Questions and errors; null uses message boxes and file dialogs.
    UserPrompts *prompts = nullptr;
    DocumentController::Options document;
    // The event log on disk; empty: defaultEventHistoryPath().
    QString eventHistoryPath;
    // The figures on disk; empty: the event log's file, so that one file
    // holds the whole history and one retention applies to it.
    QString metricsHistoryPath;
};

// The main window: wires the document controller, the diagram and the
// menus, toolbar and status bar together. The logic lives in those parts.
class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    using Options = MainWindowOptions;

    explicit MainWindow(Options options = Options(), QWidget *parent = nullptr);
    ~MainWindow() override;

    // Offers recovery copies, then opens `file` or the reference design.
    void start(const QString &file);

    DocumentController *controller() const { return m_controller; }
    Document *document() const;
    DiagramScene *scene() const { return m_scene; }
    DiagramView *view() const { return m_view; }
    PalettePanel *palettePanel() const { return m_palette; }
    PropertiesPanel *propertiesPanel() const { return m_properties; }
    ExportController *exportController() const { return m_export; }
    ConfigExportController *configExportController() const { return m_configExport; }

    // The GUI side of Run: Run/Stop and the run's status line, fault
    // injection from the cards' context menus, the Events panel. Live state
    // goes to scene()->setLiveStates(); setRunning(false) on runActions()
    // clears it and forgets the faults asked for.
    RunActions *runActions() const { return m_run; }
    FaultActions *faultActions() const { return m_faults; }
    DatabaseActions *databaseActions() const { return m_databaseActions; }
    // Ready, Drain, Maintenance and Weight in a running server's context menu.
    ServerAdminActions *serverAdminActions() const { return m_admin; }
    EventLogPanel *eventLogPanel() const { return m_eventLog; }
    // The figures of every node on disk, and the Figures panel that charts
    // the selected node's; the run feeds both its samples.
    MetricsHistory *metricsHistory() const { return m_metricsHistory; }
    DrillDownPanel *drillDownPanel() const { return m_drillDown; }
    // Runs the current document when Run is pressed.
    RunController *runController() const { return m_runner; }
    // The design analysis of the document as the user edits, the Findings
    // panel listing it, its counts in the status bar, and what-if.
    FindingsController *findingsController() const { return m_findings; }
    FindingsPanel *findingsPanel() const { return m_findingsPanel; }
    FindingsStatusButton *findingsStatus() const { return m_findingsStatus; }
    AnalysisActions *analysisActions() const { return m_analysis; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createEditActions(QMenu *edit, QMenu *view);
    void createMenus();
    void createToolBar();
    void createStatusBar();
    void createDocks();
    void selectionChanged();
    void addNodeAtViewCentre(NodeKind kind);
    void selectNodes(const QList<NodeId> &nodes);
    void documentChanged(Document *document);
    void updateTitle();
    void updateSummary();
    void restoreLayout();
    void saveLayout();
    // File → Export… and New from Template, View → Arrange in Tiers.
    void createExportActions();
    void arrangeDrawingInTiers();
    // The Run menu and toolbar buttons, fault injection, the Events panel.
    void createRunActions();
    // The Events panel starts with the newest events on disk; every new one
    // is written there too.
    void openEventHistory(const QString &path);
    // File → Export History as CSV and History Retention…
    void createHistoryActions();
    void exportHistory(bool events);
    void askRetention();
    void runningChanged(bool running);
    // The Findings panel and its status bar counts, what-if, quick fixes.
    void createAnalysis();
    // Selects `nodes` and centres them in the view (a finding's nodes).
    void showNodes(const QList<NodeId> &nodes);

    std::unique_ptr<UserPrompts> m_ownPrompts;
    DocumentController *m_controller;
    QUndoGroup *m_undoGroup;
    DiagramScene *m_scene;
    DiagramView *m_view;
    QLabel *m_summary;
    QLabel *m_zoomLabel;
    QPointer<Document> m_document; // the one whose signals this window follows
    PalettePanel *m_palette = nullptr;
    PropertiesPanel *m_properties = nullptr;
    QUndoView *m_history = nullptr;
    QMenu *m_panelsMenu = nullptr;
    bool m_closeApproved = false;
    ExportController *m_export = nullptr;
    ConfigExportController *m_configExport = nullptr;
    RunActions *m_run = nullptr;
    FaultActions *m_faults = nullptr;
    DatabaseActions *m_databaseActions = nullptr;
    ServerAdminActions *m_admin = nullptr;
    EventLogPanel *m_eventLog = nullptr;
    RunController *m_runner = nullptr;
    EventHistory *m_eventHistory = nullptr;
    MetricsHistory *m_metricsHistory = nullptr;
    DrillDownPanel *m_drillDown = nullptr;
    FindingsController *m_findings = nullptr;
    FindingsPanel *m_findingsPanel = nullptr;
    FindingsStatusButton *m_findingsStatus = nullptr;
    AnalysisActions *m_analysis = nullptr;

    struct Actions
    {
        QAction *newDocument = nullptr;
        QAction *open = nullptr;
        QAction *save = nullptr;
        QAction *saveAs = nullptr;
        QAction *quit = nullptr;
        QAction *undo = nullptr;
        QAction *redo = nullptr;
        QAction *zoomToFit = nullptr;
        QAction *zoomIn = nullptr;
        QAction *zoomOut = nullptr;
        QAction *actualSize = nullptr;
    } m_actions;
};

} // namespace Loadstar::Ui
