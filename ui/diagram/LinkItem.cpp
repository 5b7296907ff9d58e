#include "LinkItem.h"

#include "DiagramScene.h"
#include "DiagramStyle.h"
#include "NodeItem.h"

#include <QCoreApplication>
#include <QFontMetricsF>
#include <QGraphicsView>
#include <QLocale>
#include <QPainter>
#include <QPainterPathStroker>
#include <QStyle>
#include <QStyleOptionGraphicsItem>

#include <algorithm>
#include <cmath>
#include <limits>

namespace Loadstar::Ui {

namespace {

using namespace DiagramStyle;

constexpr qreal ArrowLength = 10.0;
constexpr qreal ArrowHalfWidth = 4.5;
constexpr qreal EdgeGap = 3.0; // between a card's edge and the line's ends

// Moving dashes: DashLength on, DashGap off, along the line (scene units).
constexpr qreal DashLength = 6.0;
constexpr qreal DashGap = 8.0;
constexpr qreal FlowPeriod = DashLength + DashGap;
// Reads and writes on one link take turns: every other dash is a write.
constexpr qreal TwoColourPeriod = 2 * FlowPeriod;
// Traffic as pace and width, on a log scale so 1 and 1,000 req/s both read,
// and capped so a flood stays a line.
constexpr qreal SlowestFlow = 20.0;     // scene units per second, at a trickle
constexpr qreal FlowPerDecade = 30.0;   // faster per tenfold req/s
constexpr qreal FastestFlow = 140.0;
constexpr qreal WidthPerDecade = 0.9;
constexpr qreal MostExtraWidth = 3.0;
// A finding's mark on the line's middle, and how faint a cut-off link is in
// a what-if.
constexpr qreal FindingMarkSize = 17.0;
constexpr qreal CutOffOpacity = 0.25;

qreal decades(double requestsPerSecond)
{
    return std::log10(1.0 + std::max(requestsPerSecond, 0.0));
}

qreal baseWidth(LinkKind kind)
{
    switch (kind) {
    case LinkKind::Http:
        return 1.8;
    case LinkKind::Tcp:
        return 1.2;
    case LinkKind::Replication:
        return 1.5;
    }
    return 1.0;
}

// Where the ray from the centre of `rect` towards `direction` (a unit vector)
// leaves the rectangle grown by `margin`.
QPointF exitPoint(const QRectF &rect, QPointF from, QPointF direction, qreal margin)
{
    const qreal halfWidth = rect.width() / 2 + margin;
    const qreal halfHeight = rect.height() / 2 + margin;
    const QPointF offset = from - rect.center(); // from may be shifted sideways
    qreal t = std::numeric_limits<qreal>::max();
    if (std::abs(direction.x()) > 1e-9) {
        const qreal edge = direction.x() > 0 ? halfWidth : -halfWidth;
        t = std::min(t, (edge - offset.x()) / direction.x());
    }
    if (std::abs(direction.y()) > 1e-9) {
        const qreal edge = direction.y() > 0 ? halfHeight : -halfHeight;
        t = std::min(t, (edge - offset.y()) / direction.y());
    }
    return from + direction * std::max<qreal>(t, 0.0);
}

QString tr(const char *text)
{
    return QCoreApplication::translate("Loadstar::Ui::LinkItem", text);
}

} // namespace

LinkItem::LinkItem(const Link &link, NodeItem *from, NodeItem *to)
    : m_link(link)
    , m_from(from)
    , m_to(to)
{
    setZValue(0.0); // below cards
    setFlag(ItemIsSelectable);
    // paint() strokes only what is exposed (see visiblePart()).
    setFlag(ItemUsesExtendedStyleOption);
    updateGeometry();
}

void LinkItem::updateToolTip()
{
    QString tip = tr("%1 from %2 to %3")
                      .arg(linkKindName(m_link.kind), m_from->displayName(), m_to->displayName());
    if (carriesQueries())
        tip += QLatin1Char('\n')
               + tr("%1 reads/s · %2 writes/s")
                     .arg(perSecondText(m_live.readsPerSecond),
                          perSecondText(m_live.writesPerSecond));
    else if (m_link.kind == LinkKind::Replication && m_live.running)
        tip += QLatin1Char('\n') + replicationSentence();
    if (m_cutOff)
        tip += QLatin1Char('\n') + tr("What-if: nothing passes here");
    for (const QString &message : std::as_const(m_findingMark.messages))
        tip += QLatin1Char('\n') + message;
    setToolTip(tip);
}

void LinkItem::setFindingMark(const FindingMark &mark)
{
    if (mark == m_findingMark)
        return;
    m_findingMark = mark;
    updateGeometry(); // the mark widens the bounds
}

QRectF LinkItem::findingMarkRect() const
{
    if (m_findingMark.isEmpty() || m_route.size() < 2)
        return QRectF();
    const QPointF middle = labelSegment().center();
    return QRectF(middle.x() - FindingMarkSize / 2, middle.y() - FindingMarkSize / 2, FindingMarkSize,
                  FindingMarkSize);
}

void LinkItem::setCutOff(bool cutOff)
{
    if (cutOff == m_cutOff)
        return;
    m_cutOff = cutOff;
    updateToolTip();
    update();
}

void LinkItem::setParallelOffset(qreal offset)
{
    if (qFuzzyCompare(m_offset + 1.0, offset + 1.0))
        return;
    m_offset = offset;
    updateGeometry();
}

QString LinkItem::label() const
{
    if (m_link.kind != LinkKind::Replication) {
        if (!carriesQueries())
            return QString();
        return tr("%1 · %2").arg(readsText(), writesText());
    }
    if (m_live.running) {
        // Short: the label sits between two cards (the tooltip says more).
        if (m_live.replicationEnded)
            return tr("not replicating");
        if (!m_live.replicatesFrom.isEmpty())
            return tr("from %1").arg(m_live.replicatesFrom);
        if (m_live.replication == ReplicationState::Stopped)
            return tr("stopped");
        if (m_live.replication == ReplicationState::Broken)
            return tr("broken");
        if (m_live.lagMs >= 0)
            return lagText(m_live.lagMs);
    }
    return tr("replication");
}

QString LinkItem::replicationSentence() const
{
    const QString replica = m_to->displayName();
    if (m_live.replicationEnded)
        return tr("%1 no longer replicates: it was promoted, or its source was fenced")
            .arg(replica);
    if (!m_live.replicatesFrom.isEmpty())
        return tr("%1 replicates from %2 now, not along this link")
            .arg(replica, m_live.replicatesFrom);
    if (m_live.replication == ReplicationState::Stopped)
        return tr("Replication to %1 stopped: its lag grows").arg(replica);
    if (m_live.replication == ReplicationState::Broken)
        return tr("Replication to %1 broken: its card's tooltip says why").arg(replica);
    if (m_live.lagMs >= 0)
        return tr("%1 replicates from %2, %3")
            .arg(replica, m_from->displayName(), lagText(m_live.lagMs));
    return label();
}

bool LinkItem::carriesQueries() const
{
    return m_live.flowing() && (m_live.readsPerSecond > 0 || m_live.writesPerSecond > 0);
}

QString LinkItem::readsText() const
{
    return tr("%1 r/s").arg(perSecondText(m_live.readsPerSecond));
}

QString LinkItem::writesText() const
{
    return tr("%1 w/s").arg(perSecondText(m_live.writesPerSecond));
}

bool LinkItem::isStale() const
{
    return m_live.running && (m_live.replicationEnded || !m_live.replicatesFrom.isEmpty());
}

void LinkItem::setLiveState(const LinkLiveState &state)
{
    if (state == m_live)
        return;
    const QString oldLabel = label();
    const LinkLiveState old = m_live;
    const qreal oldWidth = lineWidth();
    m_live = state;
    m_flowSpeed = m_live.flowing()
                      ? std::min(SlowestFlow + FlowPerDecade * decades(m_live.requestsPerSecond), FastestFlow)
                      : 0.0;
    if (!m_live.flowing())
        m_flowPhase = 0;
    if (label() != oldLabel) {
        updateGeometry(); // the label's box changes size
        return;
    }
    // A rate that moved a little changes the pace, not the picture: no
    // repaint (a sample of hundreds of links would otherwise repaint them
    // all, ten times a second).
    const bool looksSame = old.running == m_live.running && old.passable == m_live.passable
                           && old.tone == m_live.tone && old.flowing() == m_live.flowing()
                           && qFuzzyCompare(oldWidth, lineWidth());
    if (!looksSame)
        update();
}

void LinkItem::advanceFlow(qreal seconds)
{
    m_flowPhase = std::fmod(m_flowPhase + m_flowSpeed * seconds, TwoColourPeriod);
    update();
}

QColor LinkItem::baseColor(const Colors &colors) const
{
    // A replication the promotion left behind: quiet, not an alarm.
    if (isStale())
        return colors.noCheck;
    if (m_live.running && !m_live.passable)
        return colors.down;
    switch (m_link.kind) {
    case LinkKind::Http:
        return colors.httpLink;
    case LinkKind::Tcp:
        return colors.tcpLink;
    case LinkKind::Replication:
        return colors.replicationLink;
    }
    return colors.httpLink;
}

// Traffic that gets through reads green, or in the colour of a target on its
// way down.
QColor LinkItem::flowColor(const Colors &colors) const
{
    return m_live.tone == HealthTone::Neutral ? colors.up : healthColor(colors, m_live.tone, false);
}

qreal LinkItem::lineWidth() const
{
    if (!m_live.flowing())
        return baseWidth(m_link.kind);
    // In quarter steps, so a rate that wobbles leaves the line alone.
    const qreal extra = std::min(WidthPerDecade * decades(m_live.requestsPerSecond), MostExtraWidth);
    return baseWidth(m_link.kind) + std::round(extra * 4.0) / 4.0;
}

QColor LinkItem::lineColor(const Colors &colors) const
{
    // Under moving dashes the line is their track, a little quieter.
    return m_live.flowing() ? mix(baseColor(colors), colors.canvas, 0.55) : baseColor(colors);
}

QPen LinkItem::linePen() const
{
    const auto *diagram = qobject_cast<const DiagramScene *>(scene());
    return makePen(diagram ? diagram->colors() : Colors::fromPalette(QPalette()));
}

QPen LinkItem::makePen(const Colors &colors) const
{
    QPen pen(lineColor(colors), lineWidth(), Qt::SolidLine, Qt::FlatCap, Qt::MiterJoin);
    if (isDashed())
        pen.setDashPattern({5.0, 3.0});
    return pen;
}

void LinkItem::setOrthogonal(bool orthogonal)
{
    if (m_orthogonal == orthogonal)
        return;
    m_orthogonal = orthogonal;
    updateGeometry();
}

bool LinkItem::isDashed() const
{
    return m_link.kind == LinkKind::Replication || (m_live.running && !m_live.passable);
}

void LinkItem::updateGeometry()
{
    prepareGeometryChange();
    updateToolTip();
    const QRectF fromRect = m_from->sceneCardRect();
    const QRectF toRect = m_to->sceneCardRect();
    const QLineF centres(fromRect.center(), toRect.center());
    m_line = QLineF();
    m_route.clear();
    m_body.clear();
    m_arrow.clear();
    m_bounds = QRectF();
    if (centres.length() < 1.0 || fromRect.intersects(toRect))
        return;

    if (m_orthogonal) {
        routeOrthogonally(fromRect, toRect);
    } else {
        const QPointF direction = (centres.p2() - centres.p1()) / centres.length();
        // The side a link is shifted to depends on the pair, not on the
        // direction, so A→B and B→A with offsets +d and −d end up apart.
        QPointF normal(-direction.y(), direction.x());
        if (m_link.from > m_link.to)
            normal = -normal;
        const QPointF shift = normal * m_offset;

        const QPointF start = exitPoint(fromRect, centres.p1() + shift, direction, EdgeGap);
        const QPointF end = exitPoint(toRect, centres.p2() + shift, -direction, EdgeGap);
        if (QLineF(start, end).length() >= ArrowLength
            && QPointF::dotProduct(end - start, direction) > 0)
            m_route = QPolygonF{start, end};
    }
    if (m_route.size() < 2) {
        m_route.clear();
        return;
    }
    m_line = QLineF(m_route.first(), m_route.last());

    // The arrowhead follows the last segment; the line stops inside it, so no
    // line end pokes out of its tip.
    const QLineF last(m_route.at(m_route.size() - 2), m_route.last());
    const QLineF unit = last.unitVector();
    const QPointF along(unit.dx(), unit.dy());
    const QPointF normal(-along.y(), along.x());
    const QPointF tip = last.p2();
    const QPointF base = tip - along * std::min(ArrowLength, last.length());
    m_body = m_route;
    m_body.last() = base + along * 2.0;
    // Corner, tip, corner: a filled triangle, or an open chevron as a polyline.
    m_arrow = QPolygonF{base + normal * ArrowHalfWidth, tip, base - normal * ArrowHalfWidth};

    const qreal margin = ArrowHalfWidth + 2.0;
    m_bounds = m_route.boundingRect().adjusted(-margin, -margin, margin, margin);
    if (!label().isEmpty())
        m_bounds |= labelRect().adjusted(-1, -1, 1, 1);
    if (!m_findingMark.isEmpty())
        m_bounds |= findingMarkRect().adjusted(-2, -2, 2, 2);
    update();
}

void LinkItem::routeOrthogonally(const QRectF &fromRect, const QRectF &toRect)
{
    // Leave by the sides that face each other most: left/right when the
    // cards are further apart horizontally than vertically, else top/bottom.
    const QPointF a = fromRect.center();
    const QPointF b = toRect.center();
    const qreal gapX = std::abs(b.x() - a.x()) - (fromRect.width() + toRect.width()) / 2;
    const qreal gapY = std::abs(b.y() - a.y()) - (fromRect.height() + toRect.height()) / 2;
    if (gapX <= 2 * EdgeGap && gapY <= 2 * EdgeGap)
        return; // overlapping cards: nothing sensible to draw
    // Parallel links shift sideways the same way whatever their direction,
    // so A→B and B→A with offsets +d and −d keep tracks of their own.
    const qreal shift = m_offset;
    if (gapX >= gapY) {
        const qreal sign = b.x() > a.x() ? 1.0 : -1.0;
        const QPointF start(a.x() + sign * (fromRect.width() / 2 + EdgeGap), a.y() + shift);
        const QPointF end(b.x() - sign * (toRect.width() / 2 + EdgeGap), b.y() + shift);
        if (std::abs(end.y() - start.y()) < 0.5) {
            m_route = QPolygonF{start, end};
            return;
        }
        const qreal middle = (start.x() + end.x()) / 2 + sign * shift;
        m_route = QPolygonF{start, QPointF(middle, start.y()), QPointF(middle, end.y()), end};
    } else {
        const qreal sign = b.y() > a.y() ? 1.0 : -1.0;
        const QPointF start(a.x() + shift, a.y() + sign * (fromRect.height() / 2 + EdgeGap));
        const QPointF end(b.x() + shift, b.y() - sign * (toRect.height() / 2 + EdgeGap));
        if (std::abs(end.x() - start.x()) < 0.5) {
            m_route = QPolygonF{start, end};
            return;
        }
        const qreal middle = (start.y() + end.y()) / 2 + sign * shift;
        m_route = QPolygonF{start, QPointF(start.x(), middle), QPointF(end.x(), middle), end};
    }
}

QLineF LinkItem::labelSegment() const
{
    if (m_route.size() == 4)
        return QLineF(m_route.at(1), m_route.at(2));
    return m_line;
}

QPainterPath LinkItem::routePath() const
{
    QPainterPath path;
    if (m_route.isEmpty())
        return path;
    path.addPolygon(m_route);
    return path;
}

QRectF LinkItem::labelRect() const
{
    const QFontMetricsF metrics(linkLabelFont());
    const QSizeF size(metrics.horizontalAdvance(label()) + 8.0, metrics.height() + 2.0);
    // Beside the line's middle: below a flat line, left of a steep one.
    const QLineF segment = labelSegment();
    const QPointF middle = segment.center();
    const QLineF unit = segment.unitVector();
    const QPointF along(unit.dx(), unit.dy());
    QPointF side(-along.y(), along.x());
    if (std::abs(along.x()) >= std::abs(along.y())) {
        if (side.y() < 0)
            side = -side;
    } else if (side.x() > 0) {
        side = -side;
    }
    // Far enough sideways that the box clears the line.
    const qreal clearance
        = 3.0 + std::abs(side.x()) * size.width() / 2 + std::abs(side.y()) * size.height() / 2;
    const QPointF centre = middle + side * clearance;
    return QRectF(centre.x() - size.width() / 2, centre.y() - size.height() / 2, size.width(),
                  size.height());
}

QRectF LinkItem::boundingRect() const
{
    return m_bounds;
}

QPainterPath LinkItem::shape() const
{
    const QPainterPath path = routePath();
    if (path.isEmpty())
        return path;
    QPainterPathStroker stroker;
    stroker.setWidth(8.0); // easy to point at
    return stroker.createStroke(path);
}

namespace {

// Where the segment a→b is inside `rect`, as fractions of its length
// (Liang–Barsky); false when it misses the rectangle.
bool clipSegment(QPointF a, QPointF b, const QRectF &rect, qreal &t0, qreal &t1)
{
    t0 = 0;
    t1 = 1;
    const qreal dx = b.x() - a.x();
    const qreal dy = b.y() - a.y();
    const qreal p[4] = {-dx, dx, -dy, dy};
    const qreal q[4] = {a.x() - rect.left(), rect.right() - a.x(), a.y() - rect.top(), rect.bottom() - a.y()};
    for (int i = 0; i < 4; ++i) {
        if (qFuzzyIsNull(p[i])) {
            if (q[i] < 0)
                return false;
            continue;
        }
        const qreal t = q[i] / p[i];
        if (p[i] < 0)
            t0 = std::max(t0, t);
        else
            t1 = std::min(t1, t);
        if (t0 > t1)
            return false;
    }
    return true;
}

} // namespace

QPolygonF LinkItem::visiblePart(const QPolygonF &line, const QRectF &visible, qreal *skipped)
{
    *skipped = 0;
    qsizetype first = -1, last = -1;
    qreal firstT = 0, lastT = 1, before = 0, along = 0;
    for (qsizetype i = 0; i + 1 < line.size(); ++i) {
        qreal t0 = 0, t1 = 1;
        const qreal length = QLineF(line[i], line[i + 1]).length();
        if (clipSegment(line[i], line[i + 1], visible, t0, t1)) {
            if (first < 0) {
                first = i;
                firstT = t0;
                before = along + t0 * length;
            }
            last = i;
            lastT = t1;
        }
        along += length;
    }
    if (first < 0)
        return {};
    *skipped = before;
    const auto at = [&line](qsizetype i, qreal t) { return line[i] + (line[i + 1] - line[i]) * t; };
    QPolygonF part;
    part.reserve(last - first + 2);
    part.append(at(first, firstT));
    for (qsizetype i = first + 1; i <= last; ++i)
        part.append(line[i]);
    part.append(at(last, lastT));
    return part;
}

void LinkItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget)
{
    if (m_route.size() < 2)
        return;
    // A cut-off link is greyed out, its finding with it.
    const qreal opacity = painter->opacity();
    if (m_cutOff)
        painter->setOpacity(opacity * CutOffOpacity);
    paintLine(painter, option, widget);
    if (!m_findingMark.isEmpty())
        paintFindingMark(painter, option, widget);
    painter->setOpacity(opacity);
}

void LinkItem::paintFindingMark(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) const
{
    const auto *diagram = qobject_cast<const DiagramScene *>(scene());
    const Colors colors = diagram ? diagram->colors() : Colors::fromPalette(QPalette());
    const qreal zoom = option->levelOfDetailFromTransform(painter->worldTransform());
    if (widget && zoom < SimplifiedBelowZoom) {
        // An overview: the colour is what reads (see NodeItem).
        painter->setPen(Qt::NoPen);
        painter->setBrush(SeverityMark::color(colors, m_findingMark.severity));
        painter->drawEllipse(findingMarkRect());
        return;
    }
    SeverityMark::paint(painter, findingMarkRect(), m_findingMark.severity, colors, colors.canvas);
}

void LinkItem::paintLine(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget)
{
    const auto *diagram = qobject_cast<const DiagramScene *>(scene());
    const Colors colors = diagram ? diagram->colors() : Colors::fromPalette(QPalette());
    // The pens are kept between frames and rebuilt only when their look
    // changes: painting a flowing link allocates nothing.
    const qreal width = lineWidth();
    // The arrowhead and label: in the traffic's colour while it flows.
    const QColor color = m_live.flowing() ? flowColor(colors) : baseColor(colors);
    if (m_pen.color() != lineColor(colors) || !qFuzzyCompare(m_pen.widthF(), width)
        || (m_pen.style() == Qt::CustomDashLine) != isDashed())
        m_pen = makePen(colors);
    const QPen &pen = m_pen;

    if (option->state & QStyle::State_Selected) {
        QColor halo = colors.selection;
        halo.setAlphaF(0.45f);
        painter->setPen(QPen(halo, pen.widthF() + 5.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        painter->setBrush(Qt::NoBrush);
        painter->drawPolyline(m_route);
    }

    painter->setPen(pen);
    painter->setBrush(Qt::NoBrush);

    // An overview on screen (see PlainBelowZoom): the arrowhead would be a
    // pixel or two, the label unreadable (cards drop their text there too).
    const qreal zoom = option->levelOfDetailFromTransform(painter->worldTransform());
    if (widget && zoom < PlainBelowZoom) {
        painter->drawPolyline(m_route);
        return;
    }
    // Smaller than SimplifiedBelowZoom, a fan of moving dashes is noise and
    // costs a whole frame each step: the traffic shows by its colour, still.
    // The line is a hairline there: a few pixels wide on screen would not
    // read any better, and stroking hundreds of long wide lines costs more
    // than the rest of the frame.
    const bool overview = widget && zoom < SimplifiedBelowZoom;
    if (overview && m_live.running) {
        // Aliased: the raster engine's fast path for hairlines. The view
        // restores the painter after each item.
        painter->setRenderHint(QPainter::Antialiasing, false);
        QPen hairline = pen;
        hairline.setCosmetic(true);
        hairline.setWidthF(1.0);
        if (m_live.flowing())
            hairline.setColor(flowColor(colors));
        painter->setPen(hairline);
    }
    // Only the part on screen is stroked: Qt's stroker would otherwise dash
    // and fill a link's whole length, and a load balancer fanning out to
    // hundreds of servers has thousands of pixels of links off screen.
    qreal skipped = 0;
    QPolygonF body = m_body;
    if (widget) {
        const qreal margin = width + 2.0;
        const QRectF exposed = option->exposedRect.adjusted(-margin, -margin, margin, margin);
        if (!exposed.contains(m_bounds))
            body = visiblePart(m_body, exposed, &skipped);
    }
    if (skipped > 0 && painter->pen().style() == Qt::CustomDashLine) {
        QPen continued = painter->pen(); // the dashes keep their place along the link
        continued.setDashOffset(continued.dashOffset() + skipped / continued.widthF());
        painter->setPen(continued);
    }
    if (!body.isEmpty())
        painter->drawPolyline(body);

    if (m_live.flowing() && !overview && !body.isEmpty())
        paintFlow(painter, body, skipped, width, colors);

    if (m_link.kind == LinkKind::Tcp) {
        // An open chevron: TCP reads quieter than HTTP even without colour.
        if (m_chevronPen.color() != color || !qFuzzyCompare(m_chevronPen.widthF(), width))
            m_chevronPen = QPen(color, width, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
        painter->setPen(m_chevronPen);
        painter->drawPolyline(m_arrow);
    } else {
        painter->setPen(Qt::NoPen);
        painter->setBrush(color);
        painter->drawPolygon(m_arrow);
    }

    const QString text = label();
    if (!text.isEmpty() && !(widget && zoom < SimplifiedBelowZoom)) {
        const QRectF box = labelRect();
        painter->setPen(Qt::NoPen);
        QColor background = colors.canvas;
        background.setAlphaF(0.85f);
        painter->setBrush(background);
        painter->drawRoundedRect(box, 3.0, 3.0);
        painter->setFont(linkLabelFont());
        if (carriesQueries()) {
            // Each figure in its dashes' colour: "12 r/s · 3 w/s".
            const QFontMetricsF metrics(linkLabelFont());
            const QString reads = readsText() + QStringLiteral(" · ");
            QRectF part = box.adjusted(4.0, 0, -4.0, 0);
            painter->setPen(flowColor(colors));
            painter->drawText(part, Qt::AlignLeft | Qt::AlignVCenter, reads);
            part.setLeft(part.left() + metrics.horizontalAdvance(reads));
            painter->setPen(colors.writes);
            painter->drawText(part, Qt::AlignLeft | Qt::AlignVCenter, writesText());
        } else {
            painter->setPen(color);
            painter->drawText(box, Qt::AlignCenter, text);
        }
    }
}

void LinkItem::paintFlow(QPainter *painter, const QPolygonF &body, qreal skipped, qreal width,
                         const Colors &colors)
{
    // Dashes moving from source to target. The pens are kept between
    // frames: only their offsets change. Queries to a database move as reads
    // and writes taking turns, each in its colour, when both flow.
    const bool reads = m_live.readsPerSecond > 0 || m_live.writesPerSecond <= 0;
    const bool writes = m_live.writesPerSecond > 0;
    const qreal period = reads && writes ? TwoColourPeriod : FlowPeriod;
    const auto dashes = [&](QPen &pen, const QColor &color) {
        if (pen.color() != color || !qFuzzyCompare(pen.widthF(), width)
            || !qFuzzyCompare(pen.dashPattern().value(1) * width, period - DashLength)) {
            pen = QPen(color, width, Qt::CustomDashLine, Qt::FlatCap, Qt::MiterJoin);
            pen.setDashPattern(
                {DashLength / width, (period - DashLength) / width}); // in pen widths
        }
    };
    // A growing offset moves the pattern back towards the start.
    const qreal offset = TwoColourPeriod - m_flowPhase + skipped;
    if (reads) {
        dashes(m_flowPen, flowColor(colors));
        m_flowPen.setDashOffset(offset / width);
        painter->setPen(m_flowPen);
        painter->drawPolyline(body);
    }
    if (writes) {
        dashes(m_writeFlowPen, colors.writes);
        m_writeFlowPen.setDashOffset((offset + (reads ? FlowPeriod : 0)) / width);
        painter->setPen(m_writeFlowPen);
        painter->drawPolyline(body);
    }
}

} // namespace Loadstar::Ui
