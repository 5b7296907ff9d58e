#pragma once

#include "model/Topology.h"

#include <QGraphicsItem>
#include <QLineF>
#include <QPolygonF>

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

    // Straight from card to card, or orthogonal: horizontal and vertical
    // segments (Manhattan routing), the arrowhead still on the target's edge.
    void setOrthogonal(bool orthogonal);
    bool isOrthogonal() const { return m_orthogonal; }

    // Recomputes the line after a card moved.
    void updateGeometry();

    // The visible line, from the edge of the source card to the tip of the
    // arrowhead at the target card (scene coordinates; null when the cards
    // overlap and there is nothing to draw).
    QLineF line() const { return m_line; }
    // Every corner of the drawn route, from start to arrow tip (two points
    // when straight; empty when there is nothing to draw).
    QPolygonF route() const { return m_route; }
    // "replication" on replication links, else empty.
    QString label() const;
    bool isDashed() const;

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QRectF labelRect() const;
    QLineF labelSegment() const;
    QPainterPath routePath() const;
    void routeOrthogonally(const QRectF &fromRect, const QRectF &toRect);

    Link m_link;
    NodeItem *m_from;
    NodeItem *m_to;
    qreal m_offset = 0;
    bool m_orthogonal = false;
    QLineF m_line;
    QPolygonF m_route;
    QRectF m_bounds;
};

} // namespace Loadstar::Ui
