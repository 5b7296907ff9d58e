#pragma once

#include "model/Topology.h"

#include <QGraphicsView>
#include <QPointer>

#include <memory>

class QLabel;
class QLineEdit;
class QMenu;

namespace Loadstar::Ui {

class DiagramScene;
class Minimap;

// Mime type of a node kind dragged from the palette; the data is the kind's
// id (nodeKindId(), e.g. "web-server").
inline constexpr char kNodeKindMimeType[] = "application/x-loadstar-node-kind";

// The canvas: shows a DiagramScene with antialiasing, zooms with the wheel
// (around the pointer), selects with a rubber band, pans with the middle
// button or Space+drag, accepts node kinds dropped from the palette, renames
// cards in place and carries the edit actions (Edit menu and context menu).
// After a document opens it keeps the drawing fitted until the user zooms or
// pans themselves. A minimap in the corner shows large drawings whole.
class DiagramView final : public QGraphicsView
{
    Q_OBJECT

public:
    static constexpr qreal MinimumZoom = 0.05;
    static constexpr qreal MaximumZoom = 4.0;
    // Fitting never enlarges past this: a small drawing stays at a natural size.
    static constexpr qreal MaximumFitZoom = 1.25;

    explicit DiagramView(DiagramScene *scene, QWidget *parent = nullptr);

    DiagramScene *diagramScene() const { return m_diagram; }

    qreal zoom() const;
    void zoomToFit();
    void zoomIn();
    void zoomOut();
    void resetZoom();

    // How long painting the last frame took: what the canvas's animation
    // budgets with, and what benchmarks report.
    qint64 lastFrameNs() const { return m_lastFrameNs; }

    // The scene rectangle the viewport shows.
    QRectF visibleSceneRect() const;
    void centerOnFromOverview(QPointF scenePos);
    // Centres `sceneRect` in the view, zooming out just enough when it does
    // not fit (never in): how a finding shows the nodes it concerns.
    void centreOnRect(const QRectF &sceneRect);

    // Adds a node of `kind` in the middle of the view (below any card
    // already there) and selects it; for the palette's double-click.
    NodeId addNodeAtCentre(NodeKind kind);

    // Opens the in-place name editor on a card. Enter renames (one undo
    // step), Escape cancels; a refused name shows why and keeps the editor.
    void startRename(NodeId id);
    QLineEdit *renameEditor() const { return m_renameEditor; }
    QLabel *renameError() const { return m_renameError; }

    // The edit actions, with standard shortcuts active while the canvas has
    // focus; the main window puts them in its Edit and View menus.
    struct Actions
    {
        QAction *cut = nullptr;
        QAction *copy = nullptr;
        QAction *paste = nullptr;
        QAction *duplicate = nullptr;
        QAction *remove = nullptr;
        QAction *selectAll = nullptr;
        QAction *rename = nullptr;
        QAction *orthogonalLinks = nullptr; // checkable; remembered in QSettings
    };
    const Actions &actions() const { return m_actions; }

    Minimap *minimap() const { return m_minimap; }

    // The context menu for a right-click at `viewportPos` (what the user gets
    // from a right-click there, without running it).
    std::unique_ptr<QMenu> createContextMenu(QPoint viewportPos);

signals:
    void zoomChanged(qreal zoom);
    // A context menu for the card of `node` is being built: others may add
    // their entries to `menu` (e.g. fault injection while running).
    void cardMenuAboutToShow(QMenu *menu, Loadstar::NodeId node);
    // A frame of the viewport was painted, in this many nanoseconds.
    void framePainted(qint64 nanoseconds);

protected:
    void paintEvent(QPaintEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void keyReleaseEvent(QKeyEvent *event) override;
    void focusOutEvent(QFocusEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void createActions();
    void updateActions();
    void setZoom(qreal zoom);
    void scaleBy(qreal factor);
    void fitNow();
    void updateSceneRect();
    void viewTransformed();
    void placeRenameEditor();
    void commitRename();
    void closeRename();

    DiagramScene *m_diagram;
    bool m_keepFitted = true;
    bool m_spaceHeld = false;
    bool m_panning = false;
    QPoint m_panLast;
    Actions m_actions;
    Minimap *m_minimap;
    QLineEdit *m_renameEditor;
    QLabel *m_renameError;
    NodeId m_renaming = 0;
    qint64 m_lastFrameNs = 0;
};

} // namespace Loadstar::Ui
