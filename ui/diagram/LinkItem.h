#pragma once

#include "DiagramStyle.h"
#include "LiveState.h"
#include "SeverityMark.h"
#include "model/Topology.h"

#include <QGraphicsItem>
#include <QLineF>
#include <QPen>
#include <QPolygonF>

namespace Loadstar::Ui {

class NodeItem;

// One link as a line from the edge of one card to the edge of the other, with
// an arrowhead in the direction traffic flows. HTTP is a solid line, TCP a
// thinner, fainter one, replication a dashed line labelled "replication".
// Links sit below the cards and follow them when they move.
//
// While the document runs, a link carrying traffic shows dashes moving from
// source to target, faster and on a wider line the more req/s (log scale,
// capped); a link nothing can pass is dashed red; a replication link shows the
// replica's lag, or that replication stopped. Queries to a database move as
// reads and writes in two colours, with a label "12 r/s · 3 w/s". The scene
// moves the dashes (advanceFlow()) from one timer.
class LinkItem final : public QGraphicsItem
{
public:
    // The part of polyline `line` inside `visible`: from where it first
    // enters to where it last leaves, corners kept; `*skipped` is the length
    // of line before it. Empty when it never enters.
    static QPolygonF visiblePart(const QPolygonF &line, const QRectF &visible, qreal *skipped);

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
    // "replication" on replication links ("lag 1.2 s" while running and
    // the replica's lag is known, "stopped", "broken", "not replicating"
    // once the replica was promoted); "12 r/s · 3 w/s" on a link carrying
    // queries to a database; else empty.
    QString label() const;
    // Queries flow along it to a database: reads and writes are told apart
    // by the dashes' colours and the label.
    bool carriesQueries() const;
    bool isDashed() const;

    // Shows what the scene derived from the live states of both ends;
    // repaints only on change. A default LinkLiveState restores the editor's
    // line.
    void setLiveState(const LinkLiveState &state);
    const LinkLiveState &liveState() const { return m_live; }
    bool isFlowing() const { return m_live.flowing(); }
    // The pen the line is drawn with now: colour, width and dashes, as the
    // user sees them (a link nothing can pass: dashed, in the DOWN colour).
    QPen linePen() const;
    qreal lineWidth() const;
    // How fast the dashes move, in scene units per second (0: still).
    qreal flowSpeed() const { return m_flowSpeed; }
    // Moves the dashes on by `seconds` of traffic and repaints the link.
    void advanceFlow(qreal seconds);

    // The design analysis' findings about the link: a mark of the worst
    // severity on the line's middle, the messages in the tooltip. An empty
    // mark draws nothing.
    void setFindingMark(const FindingMark &mark);
    const FindingMark &findingMark() const { return m_findingMark; }
    // The mark's rectangle in scene coordinates (null without a mark).
    QRectF findingMarkRect() const;

    // A what-if on the canvas: nothing passes here any more (an end failed
    // or is cut off), so the line is greyed out.
    void setCutOff(bool cutOff);
    bool isCutOff() const { return m_cutOff; }

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QRectF labelRect() const;
    QColor baseColor(const DiagramStyle::Colors &colors) const;
    QColor lineColor(const DiagramStyle::Colors &colors) const;
    QPen makePen(const DiagramStyle::Colors &colors) const;
    QColor flowColor(const DiagramStyle::Colors &colors) const;
    QLineF labelSegment() const;
    QString readsText() const;
    QString replicationSentence() const; // the tooltip's line on a replication link
    QString writesText() const;
    // A replication link the replica no longer follows (promoted, or
    // repointed to another source).
    bool isStale() const;
    void paintFlow(QPainter *painter, const QPolygonF &body, qreal skipped, qreal width,
                   const DiagramStyle::Colors &colors);
    QPainterPath routePath() const;
    void paintLine(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget);
    void paintFindingMark(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) const;
    void updateToolTip();
    void routeOrthogonally(const QRectF &fromRect, const QRectF &toRect);

    Link m_link;
    NodeItem *m_from;
    NodeItem *m_to;
    qreal m_offset = 0;
    bool m_orthogonal = false;
    QLineF m_line;
    QPolygonF m_route;
    // The route stopping inside the arrowhead, and the arrowhead, worked out
    // once per geometry change so painting (every frame while traffic
    // flows) allocates nothing.
    QPolygonF m_body;
    QPolygonF m_arrow;
    QRectF m_bounds;

    LinkLiveState m_live;
    qreal m_flowSpeed = 0;
    qreal m_flowPhase = 0; // how far the dashes have moved, within one period
    // The line, the moving dashes and a TCP arrowhead, rebuilt when their
    // look changes.
    mutable QPen m_pen;
    mutable QPen m_flowPen;
    mutable QPen m_writeFlowPen;
    mutable QPen m_chevronPen;

    FindingMark m_findingMark;
    bool m_cutOff = false;
};

} // namespace Loadstar::Ui
