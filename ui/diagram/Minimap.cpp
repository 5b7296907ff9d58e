#include "Minimap.h"

#include "DiagramScene.h"
#include "DiagramStyle.h"
#include "DiagramView.h"
#include "LinkItem.h"
#include "NodeItem.h"

#include <QMouseEvent>
#include <QPainter>
#include <QTimer>

namespace Loadstar::Ui {

namespace {

constexpr int CornerMargin = 12;
constexpr int Inset = 4;
constexpr int RefreshDelayMs = 120;

} // namespace

Minimap::Minimap(DiagramView *view)
    : QWidget(view)
    , m_view(view)
    , m_refreshTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("minimap"));
    setAccessibleName(tr("Overview"));
    setToolTip(tr("Overview: click or drag to move the view"));
    setCursor(Qt::PointingHandCursor);
    resize(DefaultSize);
    m_refreshTimer->setSingleShot(true);
    connect(m_refreshTimer, &QTimer::timeout, this, &Minimap::refresh);
    hide();
}

void Minimap::scheduleRefresh()
{
    m_refreshTimer->start(RefreshDelayMs);
}

QRectF Minimap::imageRect() const
{
    return QRectF(rect()).adjusted(Inset, Inset, -Inset, -Inset);
}

void Minimap::refresh()
{
    const auto *scene = qobject_cast<DiagramScene *>(m_view->scene());
    const QRectF contents = scene ? scene->contentsRect() : QRectF();
    const qreal dpr = devicePixelRatioF();
    const QSizeF size = imageRect().size();
    m_overview = QImage((size * dpr).toSize(), QImage::Format_ARGB32_Premultiplied);
    m_overview.setDevicePixelRatio(dpr);
    m_overview.fill(Qt::transparent);
    m_sceneArea = QRectF();
    if (contents.isEmpty()) {
        viewChanged();
        return;
    }
    // The drawing with a margin, in the minimap's aspect ratio.
    QRectF area = contents.adjusted(-60, -60, 60, 60);
    const qreal aspect = size.width() / size.height();
    if (area.width() / area.height() > aspect) {
        const qreal height = area.width() / aspect;
        area.adjust(0, -(height - area.height()) / 2, 0, (height - area.height()) / 2);
    } else {
        const qreal width = area.height() * aspect;
        area.adjust(-(width - area.width()) / 2, 0, (width - area.width()) / 2, 0);
    }
    m_sceneArea = area;

    QPainter painter(&m_overview);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.scale(size.width() / area.width(), size.height() / area.height());
    painter.translate(-area.topLeft());
    const DiagramStyle::Colors &colors = scene->colors();
    QPen linkPen(colors.httpLink, 1.0);
    linkPen.setCosmetic(true);
    painter.setPen(linkPen);
    for (const LinkItem *link : scene->linkItems()) {
        if (!link->route().isEmpty())
            painter.drawPolyline(link->route());
    }
    painter.setPen(Qt::NoPen);
    for (const NodeItem *node : scene->nodeItems()) {
        painter.setBrush(DiagramStyle::accent(node->node().kind, colors.dark));
        painter.drawRect(node->sceneCardRect());
    }
    painter.end();
    viewChanged();
    update();
}

QPointF Minimap::toMinimap(QPointF scenePos) const
{
    const QRectF image = imageRect();
    if (m_sceneArea.isEmpty())
        return image.center();
    return image.topLeft()
           + QPointF((scenePos.x() - m_sceneArea.left()) * image.width() / m_sceneArea.width(),
                     (scenePos.y() - m_sceneArea.top()) * image.height() / m_sceneArea.height());
}

QPointF Minimap::toScene(QPointF minimapPos) const
{
    const QRectF image = imageRect();
    if (m_sceneArea.isEmpty())
        return {};
    return m_sceneArea.topLeft()
           + QPointF((minimapPos.x() - image.left()) * m_sceneArea.width() / image.width(),
                     (minimapPos.y() - image.top()) * m_sceneArea.height() / image.height());
}

void Minimap::place()
{
    const QRect viewport = m_view->viewport()->geometry();
    move(viewport.right() - width() - CornerMargin + 1,
         viewport.bottom() - height() - CornerMargin + 1);
}

void Minimap::viewChanged()
{
    place();
    const auto *scene = qobject_cast<DiagramScene *>(m_view->scene());
    const QRectF contents = scene ? scene->contentsRect() : QRectF();
    const QRectF visible = m_view->visibleSceneRect();
    const bool needed = !contents.isEmpty() && !visible.contains(contents)
                        && m_view->viewport()->width() > 3 * width()
                        && m_view->viewport()->height() > 2 * height();
    if (needed && m_sceneArea.isEmpty() && !m_refreshTimer->isActive())
        scheduleRefresh();
    setVisible(needed);
    if (needed)
        update();
}

void Minimap::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    QColor background = pal.color(QPalette::Base);
    background.setAlphaF(0.92f);
    painter.setPen(QPen(pal.color(QPalette::Mid), 1.0));
    painter.setBrush(background);
    painter.drawRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6);
    painter.drawImage(imageRect().topLeft(), m_overview);

    // The part of the drawing the view shows.
    const QRectF visible = m_view->visibleSceneRect();
    QRectF frame(toMinimap(visible.topLeft()), toMinimap(visible.bottomRight()));
    frame = frame.intersected(imageRect());
    QColor highlight = pal.color(QPalette::Highlight);
    painter.setPen(QPen(highlight, 1.5));
    highlight.setAlphaF(0.12f);
    painter.setBrush(highlight);
    painter.drawRect(frame);
}

void Minimap::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton) {
        m_view->centerOnFromOverview(toScene(event->position()));
        event->accept();
    }
}

void Minimap::mouseMoveEvent(QMouseEvent *event)
{
    if (event->buttons() & Qt::LeftButton) {
        m_view->centerOnFromOverview(toScene(event->position()));
        event->accept();
    }
}

} // namespace Loadstar::Ui
