#pragma once

#include "model/Topology.h"

#include <QGraphicsItem>
#include <QLineF>

namespace Loadstar::Ui {

class NodeItem;

// One link as a line from the edge of one card to the edge of the other, with
// an arrowhead in the direction traffic flows. HTTP is a solid line, TCP a
// thinner, fainter one, replication a dashed line labelled "replication".
// Links sit below the cards and follow them when they move.
class LinkItem final : public QGraphicsItem
{
public:
    enum { Type = UserType + 2 };

    LinkItem(const Link &link, NodeItem *from, NodeItem *to);

    LinkId linkId() const { return m_link.id; }
    const Link &link() const { return m_link; }
    NodeItem *fromItem() const { return m_from; }
    NodeItem *toItem() const { return m_to; }

    // Sideways shift (scene units) that keeps links between the same two
    // nodes apart; opposite directions get opposite sides.
    void setParallelOffset(qreal offset);
    qreal parallelOffset() const { return m_offset; }

    // Recomputes the line after a card moved.
    void updateGeometry();

    // The visible line, from the edge of the source card to the tip of the
    // arrowhead at the target card (scene coordinates; null when the cards
    // overlap and there is nothing to draw).
    QLineF line() const { return m_line; }
    // "replication" on replication links, else empty.
    QString label() const;
    bool isDashed() const;

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QRectF labelRect() const;

    Link m_link;
    NodeItem *m_from;
    NodeItem *m_to;
    qreal m_offset = 0;
    QLineF m_line;
    QRectF m_bounds;
};

} // namespace Loadstar::Ui
