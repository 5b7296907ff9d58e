#include "DiagramView.h"

#include "DiagramScene.h"

#include <QScrollBar>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace Loadstar::Ui {

namespace {

constexpr qreal FitMargin = 32.0;   // pixels around a fitted drawing
constexpr qreal ZoomStep = 1.25;    // one zoom in / out
constexpr qreal PanMargin = 2000.0; // scene units the user can pan past the drawing

} // namespace

DiagramView::DiagramView(DiagramScene *scene, QWidget *parent)
    : QGraphicsView(scene, parent)
    , m_diagram(scene)
{
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing
                   | QPainter::SmoothPixmapTransform);
    setFrameShape(QFrame::NoFrame);
    setDragMode(ScrollHandDrag);
    setTransformationAnchor(AnchorUnderMouse);
    setResizeAnchor(AnchorViewCenter);
    setViewportUpdateMode(SmartViewportUpdate);
    setCacheMode(CacheBackground);
    // A canvas, not a page: pan by dragging, no scroll bars in the way.
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setAccessibleName(tr("Diagram"));
    connect(scene, &DiagramScene::contentsChanged, this, &DiagramView::updateSceneRect);
    updateSceneRect();
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
    emit zoomChanged(zoom());
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
    emit zoomChanged(zoom);
}

void DiagramView::updateSceneRect()
{
    const QRectF contents = m_diagram->contentsRect();
    const qreal margin = PanMargin + std::max(contents.width(), contents.height());
    setSceneRect(contents.adjusted(-margin, -margin, margin, margin));
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
}

void DiagramView::mousePressEvent(QMouseEvent *event)
{
    QGraphicsView::mousePressEvent(event);
    if (dragMode() == ScrollHandDrag)
        m_keepFitted = false; // the user takes over the framing
}

} // namespace Loadstar::Ui
