#include "DiagramView.h"

#include "DiagramScene.h"
#include "DiagramStyle.h"
#include "Minimap.h"
#include "NodeItem.h"

#include <QAction>
#include <QElapsedTimer>
#include <QClipboard>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMimeData>
#include <QScrollBar>
#include <QSettings>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace Loadstar::Ui {

namespace {

constexpr qreal FitMargin = 32.0;   // pixels around a fitted drawing
constexpr qreal ZoomStep = 1.25;    // one zoom in / out
constexpr qreal PanMargin = 2000.0; // scene units the user can pan past the drawing
const QString kOrthogonalKey = QStringLiteral("diagram/orthogonalLinks");

} // namespace

DiagramView::DiagramView(DiagramScene *scene, QWidget *parent)
    : QGraphicsView(scene, parent)
    , m_diagram(scene)
    , m_minimap(new Minimap(this))
    , m_renameEditor(new QLineEdit(viewport()))
    , m_renameError(new QLabel(viewport()))
{
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing
                   | QPainter::SmoothPixmapTransform);
    setFrameShape(QFrame::NoFrame);
    // Left-drag on the canvas selects; the middle button or Space+drag pans.
    setDragMode(RubberBandDrag);
    setRubberBandSelectionMode(Qt::ContainsItemShape);
    setFocusPolicy(Qt::StrongFocus);
    setAcceptDrops(true);
    setTransformationAnchor(AnchorUnderMouse);
    setResizeAnchor(AnchorViewCenter);
    setViewportUpdateMode(SmartViewportUpdate);
    // No background cache: the grid is cheap to stamp (see DiagramScene), and
    // a cache is redrawn whole at every zoom step, then copied, each frame.
    setCacheMode(CacheNone);
    // A canvas, not a page: pan by dragging, no scroll bars in the way.
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setAccessibleName(tr("Diagram"));
    connect(scene, &DiagramScene::contentsChanged, this, &DiagramView::updateSceneRect);
    connect(scene, &DiagramScene::contentsChanged, m_minimap, &Minimap::scheduleRefresh);
    connect(scene, &DiagramScene::renameRequested, this, &DiagramView::startRename);
    connect(scene, &QGraphicsScene::selectionChanged, this, &DiagramView::updateActions);
    updateSceneRect();

    m_renameEditor->setObjectName(QStringLiteral("renameEditor"));
    m_renameEditor->setAccessibleName(tr("Node name"));
    m_renameEditor->hide();
    m_renameEditor->installEventFilter(this);
    connect(m_renameEditor, &QLineEdit::returnPressed, this, &DiagramView::commitRename);
    connect(m_renameEditor, &QLineEdit::textEdited, m_renameError, &QWidget::hide);
    m_renameError->setObjectName(QStringLiteral("renameError"));
    m_renameError->setStyleSheet(
        QStringLiteral("QLabel { background: %1; color: white; border-radius: 3px; padding: 3px 6px; }")
            .arg(m_diagram->colors().refused.name()));
    m_renameError->hide();

    createActions();
    updateActions();
}

void DiagramView::createActions()
{
    auto make = [this](const char *objectName, const QString &text, const QKeySequence &shortcut,
                       auto slot) {
        auto *action = new QAction(text, this);
        action->setObjectName(QString::fromLatin1(objectName));
        action->setShortcut(shortcut);
        // Only while the canvas has focus: text fields keep their own keys.
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(action, &QAction::triggered, this, [this, slot] {
            if (!m_renameEditor->isVisible())
                slot();
        });
        addAction(action);
        return action;
    };
    m_actions.cut = make("actionCut", tr("Cu&t"), QKeySequence::Cut,
                         [this] { m_diagram->cutSelection(); });
    m_actions.copy = make("actionCopy", tr("&Copy"), QKeySequence::Copy,
                          [this] { m_diagram->copySelection(); });
    m_actions.paste = make("actionPaste", tr("&Paste"), QKeySequence::Paste,
                           [this] { m_diagram->paste(); });
    m_actions.duplicate = make("actionDuplicate", tr("D&uplicate"),
                               QKeySequence(Qt::CTRL | Qt::Key_D),
                               [this] { m_diagram->duplicateSelection(); });
    m_actions.remove = make("actionDelete", tr("&Delete"), QKeySequence::Delete,
                            [this] { m_diagram->deleteSelection(); });
    m_actions.remove->setShortcuts({QKeySequence(QKeySequence::Delete), QKeySequence(Qt::Key_Backspace)});
    m_actions.selectAll = make("actionSelectAll", tr("Select &All"), QKeySequence::SelectAll,
                               [this] { m_diagram->selectAllItems(); });
    m_actions.rename = make("actionRename", tr("&Rename…"), QKeySequence(Qt::Key_F2), [this] {
        const QList<NodeId> nodes = m_diagram->selectedNodeIds();
        if (nodes.size() == 1)
            startRename(nodes.first());
    });

    m_actions.orthogonalLinks = new QAction(tr("&Orthogonal Links"), this);
    m_actions.orthogonalLinks->setObjectName(QStringLiteral("actionOrthogonalLinks"));
    m_actions.orthogonalLinks->setStatusTip(
        tr("Draw links with horizontal and vertical segments instead of straight lines"));
    m_actions.orthogonalLinks->setCheckable(true);
    m_actions.orthogonalLinks->setChecked(QSettings().value(kOrthogonalKey, false).toBool());
    m_diagram->setOrthogonalLinks(m_actions.orthogonalLinks->isChecked());
    connect(m_actions.orthogonalLinks, &QAction::toggled, this, [this](bool orthogonal) {
        m_diagram->setOrthogonalLinks(orthogonal);
        QSettings().setValue(kOrthogonalKey, orthogonal);
    });

    connect(QGuiApplication::clipboard(), &QClipboard::dataChanged, this,
            &DiagramView::updateActions);
}

void DiagramView::updateActions()
{
    const qsizetype nodes = m_diagram->selectedNodeIds().size();
    const bool anything = nodes > 0 || !m_diagram->selectedLinkIds().isEmpty();
    m_actions.cut->setEnabled(nodes > 0);
    m_actions.copy->setEnabled(nodes > 0);
    m_actions.duplicate->setEnabled(nodes > 0);
    m_actions.remove->setEnabled(anything);
    m_actions.rename->setEnabled(nodes == 1);
    m_actions.paste->setEnabled(DiagramScene::clipboardHasItems());
}

QRectF DiagramView::visibleSceneRect() const
{
    return mapToScene(viewport()->rect()).boundingRect();
}

void DiagramView::centerOnFromOverview(QPointF scenePos)
{
    m_keepFitted = false;
    centerOn(scenePos);
}

void DiagramView::centreOnRect(const QRectF &sceneRect)
{
    m_keepFitted = false;
    const QSizeF available = QSizeF(viewport()->size()) - QSizeF(2 * FitMargin, 2 * FitMargin);
    if (!sceneRect.isEmpty() && available.width() > 0 && available.height() > 0) {
        const qreal fit = std::min(available.width() / sceneRect.width(), available.height() / sceneRect.height());
        if (fit < zoom())
            setZoom(fit);
    }
    centerOn(sceneRect.center());
}

NodeId DiagramView::addNodeAtCentre(NodeKind kind)
{
    QPointF position = DiagramScene::snapToGrid(mapToScene(viewport()->rect().center()));
    // Below whatever card is already there, so repeated adds do not stack.
    const qreal step = DiagramStyle::CardSize.height() + 2 * DiagramStyle::SnapSpacing;
    for (int tries = 0; tries < 50; ++tries) {
        const QRectF card(position - QPointF(DiagramStyle::CardSize.width() / 2,
                                             DiagramStyle::CardSize.height() / 2),
                          DiagramStyle::CardSize);
        bool taken = false;
        for (QGraphicsItem *item : m_diagram->items(card)) {
            if (item->type() == NodeItem::Type) {
                taken = true;
                break;
            }
        }
        if (!taken)
            break;
        position.ry() += step;
    }
    const NodeId id = m_diagram->addNodeAt(kind, position);
    setFocus(Qt::OtherFocusReason);
    return id;
}

void DiagramView::startRename(NodeId id)
{
    NodeItem *item = m_diagram->nodeItem(id);
    if (!item)
        return;
    m_renaming = id;
    ensureVisible(item->sceneCardRect(), 20, 20);
    m_renameEditor->setText(item->displayName());
    m_renameEditor->selectAll();
    m_renameError->hide();
    placeRenameEditor();
    m_renameEditor->show();
    m_renameEditor->setFocus(Qt::OtherFocusReason);
}

void DiagramView::placeRenameEditor()
{
    NodeItem *item = m_diagram->nodeItem(m_renaming);
    if (!item) {
        closeRename();
        return;
    }
    const QRect name = mapFromScene(item->sceneNameRect()).boundingRect();
    QFont font = DiagramStyle::nameFont();
    font.setPixelSize(std::max(9, qRound(font.pixelSize() * zoom())));
    m_renameEditor->setFont(font);
    const int height = std::max(name.height(), m_renameEditor->sizeHint().height());
    m_renameEditor->setGeometry(name.left() - 4, name.center().y() - height / 2,
                                std::max(name.width() + 8, 120), height);
    m_renameError->adjustSize();
    m_renameError->move(m_renameEditor->geometry().bottomLeft() + QPoint(0, 2));
}

void DiagramView::commitRename()
{
    if (!m_renameEditor->isVisible())
        return;
    const QString refusal = m_diagram->renameNode(m_renaming, m_renameEditor->text());
    if (!refusal.isEmpty()) {
        m_renameError->setText(refusal);
        placeRenameEditor();
        m_renameError->show();
        m_renameError->raise();
        return;
    }
    closeRename();
}

void DiagramView::closeRename()
{
    const bool hadFocus = m_renameEditor->hasFocus();
    m_renaming = 0;
    m_renameEditor->hide();
    m_renameError->hide();
    if (hadFocus)
        setFocus(Qt::OtherFocusReason);
}

bool DiagramView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_renameEditor) {
        if (event->type() == QEvent::KeyPress
            && static_cast<QKeyEvent *>(event)->key() == Qt::Key_Escape) {
            closeRename();
            return true;
        }
        if (event->type() == QEvent::FocusOut && m_renameEditor->isVisible()) {
            // Clicking elsewhere keeps a good name and drops a refused one.
            if (m_diagram->nameRefusal(m_renaming, m_renameEditor->text()).isEmpty())
                commitRename();
            else
                closeRename();
        }
    }
    return QGraphicsView::eventFilter(watched, event);
}

qreal DiagramView::zoom() const
{
    return transform().m11();
}

void DiagramView::zoomToFit()
{
    m_keepFitted = true;
    fitNow();
}

void DiagramView::zoomIn()
{
    m_keepFitted = false;
    const ViewportAnchor anchor = transformationAnchor();
    setTransformationAnchor(AnchorViewCenter);
    scaleBy(ZoomStep);
    setTransformationAnchor(anchor);
}

void DiagramView::zoomOut()
{
    m_keepFitted = false;
    const ViewportAnchor anchor = transformationAnchor();
    setTransformationAnchor(AnchorViewCenter);
    scaleBy(1.0 / ZoomStep);
    setTransformationAnchor(anchor);
}

void DiagramView::resetZoom()
{
    m_keepFitted = false;
    const ViewportAnchor anchor = transformationAnchor();
    setTransformationAnchor(AnchorViewCenter);
    setZoom(1.0);
    setTransformationAnchor(anchor);
}

void DiagramView::setZoom(qreal zoom)
{
    zoom = std::clamp(zoom, MinimumZoom, MaximumZoom);
    if (qFuzzyCompare(zoom, this->zoom()))
        return;
    scaleBy(zoom / this->zoom());
}

void DiagramView::scaleBy(qreal factor)
{
    const qreal target = std::clamp(zoom() * factor, MinimumZoom, MaximumZoom);
    factor = target / zoom();
    if (qFuzzyCompare(factor, 1.0))
        return;
    scale(factor, factor);
    viewTransformed();
    emit zoomChanged(zoom());
}

void DiagramView::viewTransformed()
{
    m_minimap->viewChanged();
    if (m_renameEditor->isVisible())
        placeRenameEditor();
}

void DiagramView::scrollContentsBy(int dx, int dy)
{
    QGraphicsView::scrollContentsBy(dx, dy);
    viewTransformed();
}

void DiagramView::fitNow()
{
    const QRectF contents = m_diagram->contentsRect();
    const QSizeF available = QSizeF(viewport()->size()) - QSizeF(2 * FitMargin, 2 * FitMargin);
    if (contents.isEmpty() || available.width() <= 0 || available.height() <= 0) {
        setTransform(QTransform());
        centerOn(contents.isEmpty() ? QPointF() : contents.center());
        emit zoomChanged(zoom());
        return;
    }
    const qreal fit
        = std::min(available.width() / contents.width(), available.height() / contents.height());
    const qreal zoom = std::clamp(fit, MinimumZoom, MaximumFitZoom);
    setTransform(QTransform::fromScale(zoom, zoom));
    centerOn(contents.center());
    viewTransformed();
    emit zoomChanged(zoom);
}

void DiagramView::updateSceneRect()
{
    const QRectF contents = m_diagram->contentsRect();
    const qreal margin = PanMargin + std::max(contents.width(), contents.height());
    setSceneRect(contents.adjusted(-margin, -margin, margin, margin));
}

void DiagramView::paintEvent(QPaintEvent *event)
{
    QElapsedTimer timer;
    timer.start();
    QGraphicsView::paintEvent(event);
    m_lastFrameNs = timer.nsecsElapsed();
    emit framePainted(m_lastFrameNs);
}

void DiagramView::wheelEvent(QWheelEvent *event)
{
    const int delta = event->angleDelta().y();
    if (delta == 0) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    m_keepFitted = false;
    // One notch (120) zooms by about 15 %, trackpads zoom smoothly.
    scaleBy(std::pow(1.0012, delta));
    event->accept();
}

void DiagramView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    if (m_keepFitted)
        fitNow();
    viewTransformed();
}

void DiagramView::mousePressEvent(QMouseEvent *event)
{
    if (m_renameEditor->isVisible())
        commitRename();
    const bool pan = event->button() == Qt::MiddleButton
                     || (event->button() == Qt::LeftButton && m_spaceHeld);
    if (pan) {
        m_panning = true;
        m_panLast = event->position().toPoint();
        m_keepFitted = false; // the user takes over the framing
        viewport()->setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    QGraphicsView::mousePressEvent(event);
}

void DiagramView::mouseMoveEvent(QMouseEvent *event)
{
    if (m_panning) {
        const QPoint pos = event->position().toPoint();
        const QPoint delta = pos - m_panLast;
        m_panLast = pos;
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - delta.x());
        verticalScrollBar()->setValue(verticalScrollBar()->value() - delta.y());
        event->accept();
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void DiagramView::mouseReleaseEvent(QMouseEvent *event)
{
    if (m_panning) {
        if (!(event->buttons() & (Qt::MiddleButton | Qt::LeftButton))) {
            m_panning = false;
            if (m_spaceHeld)
                viewport()->setCursor(Qt::OpenHandCursor);
            else
                viewport()->unsetCursor();
        }
        event->accept();
        return;
    }
    QGraphicsView::mouseReleaseEvent(event);
}

void DiagramView::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Space) {
        if (!event->isAutoRepeat()) {
            m_spaceHeld = true;
            if (!m_panning)
                viewport()->setCursor(Qt::OpenHandCursor);
        }
        event->accept();
        return;
    }
    QGraphicsView::keyPressEvent(event);
}

void DiagramView::keyReleaseEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Space) {
        if (!event->isAutoRepeat()) {
            m_spaceHeld = false;
            if (!m_panning)
                viewport()->unsetCursor();
        }
        event->accept();
        return;
    }
    QGraphicsView::keyReleaseEvent(event);
}

void DiagramView::focusOutEvent(QFocusEvent *event)
{
    if (m_spaceHeld) {
        m_spaceHeld = false;
        if (!m_panning)
            viewport()->unsetCursor();
    }
    QGraphicsView::focusOutEvent(event);
}

void DiagramView::contextMenuEvent(QContextMenuEvent *event)
{
    const std::unique_ptr<QMenu> menu = createContextMenu(event->pos());
    menu->exec(event->globalPos());
    event->accept();
}

std::unique_ptr<QMenu> DiagramView::createContextMenu(QPoint viewportPos)
{
    // The right press already selected what is under the pointer.
    updateActions();
    auto menu = std::make_unique<QMenu>(this);
    const bool onSelection = !m_diagram->selectedNodeIds().isEmpty()
                             || !m_diagram->selectedLinkIds().isEmpty();
    if (onSelection) {
        menu->addAction(m_actions.cut);
        menu->addAction(m_actions.copy);
        menu->addAction(m_actions.paste);
        menu->addAction(m_actions.duplicate);
        menu->addAction(m_actions.remove);
        menu->addSeparator();
        menu->addAction(m_actions.rename);
    } else {
        menu->addAction(m_actions.paste);
        menu->addAction(m_actions.selectAll);
    }
    menu->addSeparator();
    menu->addAction(m_actions.orthogonalLinks);

    const QList<QGraphicsItem *> underPointer = items(viewportPos);
    for (QGraphicsItem *item : underPointer) {
        if (auto *card = qgraphicsitem_cast<NodeItem *>(item)) {
            emit cardMenuAboutToShow(menu.get(), card->nodeId());
            break;
        }
    }
    return menu;
}

void DiagramView::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasFormat(QString::fromLatin1(kNodeKindMimeType))) {
        event->acceptProposedAction();
        return;
    }
    QGraphicsView::dragEnterEvent(event);
}

void DiagramView::dragMoveEvent(QDragMoveEvent *event)
{
    if (event->mimeData()->hasFormat(QString::fromLatin1(kNodeKindMimeType))) {
        event->acceptProposedAction();
        return;
    }
    QGraphicsView::dragMoveEvent(event);
}

void DiagramView::dropEvent(QDropEvent *event)
{
    const QString format = QString::fromLatin1(kNodeKindMimeType);
    if (!event->mimeData()->hasFormat(format)) {
        QGraphicsView::dropEvent(event);
        return;
    }
    const auto kind
        = nodeKindFromId(QString::fromUtf8(event->mimeData()->data(format)).trimmed());
    if (!kind) {
        event->ignore();
        return;
    }
    m_diagram->addNodeAt(*kind, mapToScene(event->position().toPoint()));
    event->acceptProposedAction();
    activateWindow();
    setFocus(Qt::OtherFocusReason);
}

} // namespace Loadstar::Ui
