#pragma once

#include "DiagramStyle.h"
#include "LiveState.h"
#include "SeverityMark.h"
#include "analysis/DesignAnalysis.h"
#include "document/Document.h"
#include "model/Topology.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QGraphicsScene>
#include <QHash>
#include <QImage>
#include <QPointer>

#include <functional>
#include <optional>

class QGraphicsPathItem;
class QGraphicsView;
class QTimer;

namespace Loadstar::Ui {

class HintItem;
class LinkItem;
class NodeItem;

// The drawing as graphics items: one NodeItem per node, one LinkItem per link.
// It observes a Document and adds, removes and updates items one by one as
// the document's signals say, so an edit on a large drawing touches only what
// changed.
//
// It also owns the editing interaction (as in Qt's Diagram Scene example):
// selecting, dragging cards with grid snapping and alignment guides, drawing
// links from a card's ports, and the edits of the selection. Every edit is an
// undo command pushed on the document's stack; while a drag is under way only
// the items move, and the release pushes one command.
class DiagramScene final : public QGraphicsScene
{
    Q_OBJECT

public:
    explicit DiagramScene(QObject *parent = nullptr);
    ~DiagramScene() override;

    // Shows `document` (may be null); the scene does not own it.
    void setDocument(Document *document);
    Document *document() const { return m_document; }

    NodeItem *nodeItem(NodeId id) const { return m_nodes.value(id); }
    LinkItem *linkItem(LinkId id) const { return m_links.value(id); }
    QList<NodeItem *> nodeItems() const { return m_nodes.values(); }
    QList<LinkItem *> linkItems() const { return m_links.values(); }
    NodeItem *nodeItemNamed(const QString &name) const;

    // The rectangle the drawing covers (cards, links and labels).
    QRectF contentsRect() const;

    const DiagramStyle::Colors &colors() const { return m_colors; }

    // What the engine reports while the document runs, by node name: a
    // snapshot of every node, so a node missing from `states` shows no live
    // state. Only cards whose state changed are repainted. The links' live
    // states follow from their ends' (see LinkLiveState), and traffic moves
    // along them while any carries some.
    void setLiveStates(const QHash<QString, NodeLiveState> &states);
    // Back to the editor's cards and links (the document stopped).
    void clearLiveStates();
    // What the cards show now, by node name (running ones only): an image
    // export of the live canvas draws the same.
    QHash<QString, NodeLiveState> liveStates() const;

    // The design analysis of the drawing: a severity mark on every card and
    // link a finding concerns, the messages in their tooltips. Cards added
    // later get theirs too; an empty list removes every mark.
    void setFindings(const QList<Finding> &findings);
    const QList<Finding> &findings() const { return m_findings; }

    // A what-if on the canvas: the failed cards and those no client reaches
    // any more greyed out and labelled, and the links nothing passes greyed.
    // A default WhatIf (nothing failed) shows the drawing as it is.
    void setWhatIf(const WhatIf &whatIf);
    void clearWhatIf() { setWhatIf(WhatIf()); }
    const WhatIf &whatIf() const { return m_whatIf; }

    // The time the cards measure "changed 3 s ago" against (UTC); the
    // system clock unless a test sets one.
    using Clock = std::function<QDateTime()>;
    void setClock(Clock clock);
    // Traffic is moving on some link: the scene's one animation timer runs
    // (about 30 frames a second); never while nothing flows.
    bool isAnimating() const;
    // The pause between two frames of moving traffic (ms) when painting a
    // frame takes `frameNs`; 0 when frames cost too much to move at all.
    static int flowFrameInterval(qint64 frameNs);
    // How long the slowest view of this scene took to paint its last frame.
    qint64 lastFrameNs() const;

    // The selection, in id order. QGraphicsScene::selectionChanged says when
    // it changes.
    QList<NodeId> selectedNodeIds() const;
    QList<LinkId> selectedLinkIds() const;
    // Replaces the selection.
    void selectNodes(const QList<NodeId> &nodes);
    void selectItems(const QList<NodeId> &nodes, const QList<LinkId> &links);
    void selectAllItems();

    // `position` with its coordinates rounded to the snapping grid.
    static QPointF snapToGrid(QPointF position);

    // Adds a node of `kind` centred on `position` snapped to the grid, as one
    // undo step, and selects it. Returns its id (0 without a document).
    NodeId addNodeAt(NodeKind kind, QPointF position);

    // Edits of the selection; each is one undo step.
    void deleteSelection();
    void copySelection();
    void cutSelection();
    // Pastes what the clipboard holds (Loadstar items, or their JSON as text)
    // offset from where it was copied, and selects it. False when the
    // clipboard holds nothing to paste; the reason goes to statusMessage.
    bool paste();
    static bool clipboardHasItems();
    void duplicateSelection();
    // Moves the selected nodes by `delta`; successive nudges merge into one
    // undo step.
    void nudgeSelection(QPointF delta);
    // Renames a node, or returns why the name is refused (and does nothing).
    QString renameNode(NodeId id, const QString &name);
    QString nameRefusal(NodeId id, const QString &name) const;

    // Links drawn straight (false) or with horizontal and vertical segments.
    void setOrthogonalLinks(bool orthogonal);
    bool orthogonalLinks() const { return m_orthogonalLinks; }

    // What is shown next to the cursor while drawing a link (the link kind,
    // or why the card under the cursor refuses it); empty when hidden.
    QString linkHint() const;
    bool linkHintIsRefusal() const;
    bool isDrawingLink() const { return m_mode == Mode::DrawingLink; }
    // The alignment guides shown while dragging cards (scene coordinates).
    QList<QLineF> guideLines() const;

signals:
    // Items were added, removed or moved; the drawing's extent may differ.
    void contentsChanged();
    // The user double-clicked a card to rename it.
    void renameRequested(Loadstar::NodeId id);
    // A short message for the status bar (e.g. why a paste did nothing).
    void statusMessage(const QString &message);

protected:
    bool event(QEvent *event) override;
    void drawBackground(QPainter *painter, const QRectF &rect) override;
    void mousePressEvent(QGraphicsSceneMouseEvent *event) override;
    void mouseMoveEvent(QGraphicsSceneMouseEvent *event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent *event) override;
    void mouseDoubleClickEvent(QGraphicsSceneMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    enum class Mode { Idle, PressedNode, MovingNodes, DrawingLink };

    void attachOverlays();
    void detachOverlays();
    NodeItem *nodeAt(QPointF scenePos, const QGraphicsView *view) const;
    NodeItem *portNodeAt(QPointF scenePos, qreal tolerance, QPointF *port) const;
    void moveDragged(QPointF scenePos, Qt::KeyboardModifiers modifiers, qreal zoom);
    void finishMove();
    void cancelInteraction();
    void updateLinkDraft(QPointF scenePos, const QGraphicsView *view);
    void finishLink();
    void setLinkTarget(NodeItem *target);
    void showHint(const QString &text, bool refusal, QPointF scenePos, const QGraphicsView *view);
    void hideHint();
    bool pasteData(const QByteArray &data, QPointF offset, const QString &commandText);

    void announceContentsChanged();
    void rebuild();
    void clearItems();
    void addNode(NodeId id);
    void removeNode(NodeId id);
    void updateNode(NodeId id);
    void addLink(LinkId id);
    void removeLink(LinkId id);
    void spreadParallelLinks(NodeId a, NodeId b);
    void updateLinkLiveStates();
    void applyAnalysis(NodeItem *item) const;
    void applyAnalysis(LinkItem *item) const;
    void animateFlow();

    QPointer<Document> m_document;
    QHash<NodeId, NodeItem *> m_nodes;
    QHash<LinkId, LinkItem *> m_links;
    DiagramStyle::Colors m_colors;
    // The grid's dot by sub-pixel offset (see drawBackground), for the
    // colour, pixel ratio and zoom they were stroked for.
    QHash<int, QImage> m_dots;
    QColor m_dotsColor;
    qreal m_dotsRatio = 0;
    qreal m_dotsZoom = 0;
    bool m_orthogonalLinks = false;
    Clock m_clock;
    QList<Finding> m_findings;
    QHash<NodeId, FindingMark> m_nodeMarks;
    QHash<LinkId, FindingMark> m_linkMarks;
    WhatIf m_whatIf;
    // Links with traffic moving, advanced by m_flowTimer; the list keeps
    // its capacity between samples.
    QList<LinkItem *> m_flowing;
    QTimer *m_flowTimer = nullptr;
    QElapsedTimer m_flowClock; // since the last frame of moving traffic
    bool m_rebuilding = false;
    mutable std::optional<QRectF> m_contentsRect;

    // The interaction under way.
    Mode m_mode = Mode::Idle;
    QPointF m_pressScenePos;
    QPoint m_pressScreenPos;
    NodeItem *m_anchor = nullptr;       // the card pressed
    QGraphicsItem *m_pressed = nullptr; // the card or link pressed
    bool m_reduceSelectionOnRelease = false;
    QHash<NodeId, QPointF> m_dragStart; // dragged nodes at the press
    QGraphicsPathItem *m_guides = nullptr;
    QList<QLineF> m_guideLines;
    QPointF m_linkStart;
    NodeItem *m_linkTarget = nullptr;
    QGraphicsPathItem *m_linkDraft = nullptr;
    HintItem *m_hint = nullptr;
    QTimer *m_hintTimer = nullptr;
    // Successive pastes of the same copy land further and further away.
    QByteArray m_lastPasted;
    int m_pasteCount = 0;
};

} // namespace Loadstar::Ui
