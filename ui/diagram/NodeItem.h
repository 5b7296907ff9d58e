#pragma once

#include "model/Topology.h"

#include <QGraphicsItem>

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

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant &value) override;

private:
    enum class BadgeStyle { None, Solid, Soft };

    void layoutText();

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
};

} // namespace Loadstar::Ui
