#include "NodeItem.h"

#include "DiagramScene.h"
#include "DiagramStyle.h"
#include "LinkItem.h"
#include "ui/Icons.h"

#include <QCoreApplication>
#include <QFontMetricsF>
#include <QPainter>
#include <QStyle>
#include <QStyleOptionGraphicsItem>

#include <algorithm>
#include <cmath>

namespace Loadstar::Ui {

namespace {

using namespace DiagramStyle;

QString tr(const char *text)
{
    return QCoreApplication::translate("Loadstar::Ui::NodeItem", text);
}

constexpr qreal BadgeHeight = 16.0;
constexpr qreal BadgePadding = 5.0;
constexpr qreal TextGap = 6.0;

QRectF cardRect()
{
    return QRectF(-CardSize.width() / 2, -CardSize.height() / 2, CardSize.width(),
                  CardSize.height());
}

QRectF iconTileRect()
{
    const QRectF card = cardRect();
    return QRectF(card.left() + CardPadding, card.center().y() - IconTileSize / 2, IconTileSize,
                  IconTileSize);
}

qreal textLeft()
{
    return iconTileRect().right() + 10.0;
}

qreal textRight()
{
    return cardRect().right() - CardPadding;
}

QRectF nameRect()
{
    const QRectF card = cardRect();
    return QRectF(textLeft(), card.top() + 13.0, textRight() - textLeft(), 18.0);
}

QRectF detailRect()
{
    const QRectF card = cardRect();
    return QRectF(textLeft(), card.top() + 34.0, textRight() - textLeft(), 16.0);
}

// Pixel size for an icon drawn `logicalSize` units wide under `scale`,
// rounded up to a step of 4 so zooming reuses a handful of cached renders.
QList<QPointF> portPoints()
{
    const QRectF card = cardRect();
    return {QPointF(card.right(), 0), QPointF(0, card.bottom()), QPointF(card.left(), 0),
            QPointF(0, card.top())};
}

// Room around the card for the selection outline and the ports.
constexpr qreal OuterMargin = PortRadius + SelectionWidth + 2.0;

int iconPixelSize(qreal logicalSize, qreal scale)
{
    const int exact = int(std::ceil(logicalSize * scale));
    return std::clamp((exact + 3) / 4 * 4, 8, 256);
}

} // namespace

NodeItem::NodeItem(const Node &node)
    : m_node(node)
{
    setFlag(ItemSendsGeometryChanges);
    setFlag(ItemIsSelectable);
    setAcceptHoverEvents(true);
    setZValue(1.0); // above links
    setPos(node.position);
    layoutText();
}

void NodeItem::setNode(const Node &node)
{
    m_node = node;
    setPos(node.position);
    layoutText();
    update();
}

void NodeItem::layoutText()
{
    const QString kindName = nodeKindName(m_node.kind);
    m_detail = m_node.endpoint();
    if (m_detail.isEmpty()) {
        if (m_node.kind == NodeKind::Client)
            m_detail = tr("%1 req/s").arg(m_node.intProperty(QStringLiteral("rate")));
        else
            m_detail = kindName;
    }

    m_badge.clear();
    m_badgeStyle = BadgeStyle::None;
    m_badgeIsBackup = false;
    if (m_node.kind == NodeKind::Database) {
        const bool replica
            = m_node.stringProperty(QStringLiteral("role")) == QLatin1String("replica");
        m_badge = replica ? tr("REPLICA") : tr("PRIMARY");
        m_badgeStyle = replica ? BadgeStyle::Soft : BadgeStyle::Solid;
    } else if (isServerKind(m_node.kind) && m_node.boolProperty(QStringLiteral("backup"))) {
        m_badge = tr("BACKUP");
        m_badgeStyle = BadgeStyle::Soft;
        m_badgeIsBackup = true;
    }

    m_badgeWidth = 0;
    if (!m_badge.isEmpty())
        m_badgeWidth = QFontMetricsF(badgeFont()).horizontalAdvance(m_badge) + 2 * BadgePadding;
    const qreal nameWidth = nameRect().width() - (m_badgeWidth > 0 ? m_badgeWidth + TextGap : 0);
    m_elidedName = QFontMetricsF(nameFont()).elidedText(m_node.name, Qt::ElideRight, nameWidth);
    m_elidedDetail
        = QFontMetricsF(detailFont()).elidedText(m_detail, Qt::ElideMiddle, detailRect().width());

    QString tip = QStringLiteral("<b>%1</b><br>%2").arg(m_node.name.toHtmlEscaped(), kindName);
    if (!m_node.endpoint().isEmpty())
        tip += QStringLiteral(" · %1").arg(m_node.endpoint());
    if (!m_badge.isEmpty())
        tip += QStringLiteral(" · %1").arg(m_badge.toLower());
    setToolTip(tip);
}

void NodeItem::addLink(LinkItem *link)
{
    if (!m_links.contains(link))
        m_links.append(link);
}

void NodeItem::removeLink(LinkItem *link)
{
    m_links.removeAll(link);
}

QRectF NodeItem::sceneCardRect() const
{
    return cardRect().translated(pos());
}

QRectF NodeItem::sceneNameRect() const
{
    return nameRect().translated(pos());
}

QList<QPointF> NodeItem::scenePorts() const
{
    QList<QPointF> ports = portPoints();
    for (QPointF &port : ports)
        port += pos();
    return ports;
}

std::optional<QPointF> NodeItem::portAt(QPointF scenePos, qreal tolerance) const
{
    std::optional<QPointF> best;
    qreal bestDistance = tolerance;
    for (const QPointF &port : scenePorts()) {
        const qreal distance = QLineF(port, scenePos).length();
        if (distance <= bestDistance) {
            bestDistance = distance;
            best = port;
        }
    }
    return best;
}

void NodeItem::setTargetState(TargetState state)
{
    if (m_targetState == state)
        return;
    m_targetState = state;
    update();
}

void NodeItem::hoverEnterEvent(QGraphicsSceneHoverEvent *event)
{
    m_hovered = true;
    update();
    QGraphicsItem::hoverEnterEvent(event);
}

void NodeItem::hoverLeaveEvent(QGraphicsSceneHoverEvent *event)
{
    m_hovered = false;
    update();
    QGraphicsItem::hoverLeaveEvent(event);
}

QRectF NodeItem::boundingRect() const
{
    return cardRect().adjusted(-OuterMargin, -OuterMargin, OuterMargin, OuterMargin);
}

QPainterPath NodeItem::shape() const
{
    // The card and its ports, so pointing at a port still points at the card.
    QPainterPath path;
    path.addRoundedRect(cardRect(), CardRadius, CardRadius);
    for (const QPointF &port : portPoints())
        path.addEllipse(port, PortRadius + 2.0, PortRadius + 2.0);
    path.setFillRule(Qt::WindingFill);
    return path;
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant &value)
{
    if (change == ItemPositionHasChanged) {
        for (LinkItem *link : std::as_const(m_links))
            link->updateGeometry();
    }
    return QGraphicsItem::itemChange(change, value);
}

void NodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget)
{
    const auto *diagram = qobject_cast<const DiagramScene *>(scene());
    const Colors colors = diagram ? diagram->colors() : Colors::fromPalette(QPalette());
    const QColor kindColor = accent(m_node.kind, colors.dark);
    const qreal zoom = option->levelOfDetailFromTransform(painter->worldTransform());

    const QRectF tile = iconTileRect();
    QColor tileColor = kindColor;
    tileColor.setAlphaF(colors.dark ? 0.22f : 0.13f);
    if (widget && zoom < PlainBelowZoom) {
        // An overview on screen (see PlainBelowZoom): aliased fills take the
        // raster engine's fast path. The view restores the painter after us.
        painter->setRenderHint(QPainter::Antialiasing, false);
        painter->fillRect(cardRect(), colors.card);
        painter->fillRect(tile, tileColor);
    } else {
        painter->setPen(QPen(colors.cardBorder, 1.0));
        painter->setBrush(colors.card);
        painter->drawRoundedRect(cardRect().adjusted(0.5, 0.5, -0.5, -0.5), CardRadius,
                                 CardRadius);
        painter->setPen(Qt::NoPen);
        painter->setBrush(tileColor);
        painter->drawRoundedRect(tile, 8.0, 8.0);
    }

    // Selection and link targets as an outline around the card, never as a
    // change of the card's own colours (the state ring will live there).
    QColor outline;
    if (m_targetState == TargetState::Accepted)
        outline = colors.accepted;
    else if (m_targetState == TargetState::Refused)
        outline = colors.refused;
    else if (option->state & QStyle::State_Selected)
        outline = colors.selection;
    if (outline.isValid()) {
        const qreal gap = 1.0 + SelectionWidth / 2;
        painter->setPen(QPen(outline, SelectionWidth));
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(cardRect().adjusted(-gap, -gap, gap, gap), CardRadius + gap,
                                 CardRadius + gap);
    }

    if (zoom < SimplifiedBelowZoom) {
        paintPorts(painter, colors);
        return; // an overview: text would be unreadable anyway
    }

    // The icon, rendered at the size it appears on screen.
    const qreal deviceScale = zoom * painter->device()->devicePixelRatioF();
    const int pixels = iconPixelSize(IconSize, deviceScale);
    const QPixmap icon = Icons::kindPixmap(m_node.kind, pixels, kindColor);
    if (!icon.isNull()) {
        // Qt's PDF engine would draw the icon with the tile's translucency.
        painter->setBrush(Qt::NoBrush);
        const QRectF iconRect(tile.center().x() - IconSize / 2, tile.center().y() - IconSize / 2,
                              IconSize, IconSize);
        painter->drawPixmap(iconRect, icon, QRectF(icon.rect()));
    }

    painter->setPen(colors.text);
    painter->setFont(nameFont());
    painter->drawText(nameRect(), Qt::AlignLeft | Qt::AlignVCenter, m_elidedName);

    painter->setPen(colors.mutedText);
    painter->setFont(detailFont());
    painter->drawText(detailRect(), Qt::AlignLeft | Qt::AlignVCenter, m_elidedDetail);

    if (m_badgeStyle != BadgeStyle::None) {
        const QColor badgeColor = m_badgeIsBackup ? colors.backup : kindColor;
        const QRectF name = nameRect();
        const QRectF badge(name.right() - m_badgeWidth, name.center().y() - BadgeHeight / 2,
                           m_badgeWidth, BadgeHeight);
        QColor fill = badgeColor;
        QColor textColor = colors.card;
        if (m_badgeStyle == BadgeStyle::Soft) {
            fill.setAlphaF(colors.dark ? 0.25f : 0.14f);
            textColor = badgeColor;
        }
        painter->setPen(m_badgeStyle == BadgeStyle::Soft ? QPen(badgeColor, 1.0) : Qt::NoPen);
        painter->setBrush(fill);
        painter->drawRoundedRect(badge.adjusted(0.5, 0.5, -0.5, -0.5), BadgeHeight / 2,
                                 BadgeHeight / 2);
        painter->setPen(textColor);
        painter->setFont(badgeFont());
        painter->drawText(badge, Qt::AlignCenter, m_badge);
    }

    paintPorts(painter, colors);
}

void NodeItem::paintPorts(QPainter *painter, const Colors &colors) const
{
    if (!m_hovered)
        return;
    // Ports to drag a link from.
    painter->setPen(QPen(colors.selection, 1.5));
    painter->setBrush(colors.card);
    for (const QPointF &port : portPoints())
        painter->drawEllipse(port, PortRadius, PortRadius);
}

} // namespace Loadstar::Ui
