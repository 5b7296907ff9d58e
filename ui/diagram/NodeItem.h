#pragma once

#include "DiagramStyle.h"
#include "model/Topology.h"

#include <QGraphicsItem>

#include <optional>

namespace Loadstar::Ui {

class LinkItem;

// One node of the drawing as a card: its kind's icon, its name, its address
// and a role badge (PRIMARY / REPLICA, BACKUP). The card is centred on the
// node's position. It shows a copy of the node the scene hands it; it never
// edits the document.
class NodeItem final : public QGraphicsItem
{
public:
    enum { Type = UserType + 1 };

    explicit NodeItem(const Node &node);

    NodeId nodeId() const { return m_node.id; }
    const Node &node() const { return m_node; }
    // Shows `node` (same id): moves the card and redraws its text.
    void setNode(const Node &node);

    // What the card shows, as the user reads it.
    QString displayName() const { return m_node.name; }
    QString detailText() const { return m_detail; }
    QString badgeText() const { return m_badge; }

    // Links attached to this card; they follow it when it moves.
    void addLink(LinkItem *link);
    void removeLink(LinkItem *link);
    const QList<LinkItem *> &links() const { return m_links; }

    // The card's rectangle in scene coordinates.
    QRectF sceneCardRect() const;
    // Where the name is drawn, in scene coordinates (for the inline editor).
    QRectF sceneNameRect() const;

    // The connection ports (middle of each edge), in scene coordinates, and
    // the one within `tolerance` of `scenePos`, if any.
    QList<QPointF> scenePorts() const;
    std::optional<QPointF> portAt(QPointF scenePos, qreal tolerance) const;

    // How the card answers the link being drawn onto it: a green outline when
    // it would accept it, a red one when it refuses.
    enum class TargetState { None, Accepted, Refused };
    void setTargetState(TargetState state);
    TargetState targetState() const { return m_targetState; }
    bool showsPorts() const { return m_hovered; }

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant &value) override;
    void hoverEnterEvent(QGraphicsSceneHoverEvent *event) override;
    void hoverLeaveEvent(QGraphicsSceneHoverEvent *event) override;

private:
    enum class BadgeStyle { None, Solid, Soft };

    void layoutText();
    void paintPorts(QPainter *painter, const DiagramStyle::Colors &colors) const;

    Node m_node;
    QList<LinkItem *> m_links;
    QString m_detail;
    QString m_badge;
    BadgeStyle m_badgeStyle = BadgeStyle::None;
    bool m_badgeIsBackup = false;
    // Text elided to fit, and the badge's width, worked out once per change.
    QString m_elidedName;
    QString m_elidedDetail;
    qreal m_badgeWidth = 0;
    TargetState m_targetState = TargetState::None;
    bool m_hovered = false;
};

} // namespace Loadstar::Ui
