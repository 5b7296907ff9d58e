#include "NodeItem.h"

#include "DatabaseCardText.h"
#include "DiagramScene.h"
#include "DiagramStyle.h"
#include "LinkItem.h"
#include "ui/Icons.h"

#include <QCoreApplication>
#include <QFontMetricsF>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
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

// While running, the name and address move up to make room for a third row:
// the status pill, an injected fault and the last check's result.
QRectF liveNameRect()
{
    const QRectF card = cardRect();
    return QRectF(textLeft(), card.top() + 6.0, textRight() - textLeft(), 16.0);
}

QRectF liveDetailRect()
{
    const QRectF card = cardRect();
    return QRectF(textLeft(), card.top() + 23.0, textRight() - textLeft(), 14.0);
}

QRectF liveRowRect()
{
    const QRectF card = cardRect();
    return QRectF(textLeft(), card.top() + 41.0, textRight() - textLeft(), 15.0);
}

constexpr qreal PillPadding = 5.0;
constexpr qreal LiveGap = 5.0;
constexpr qreal BoltWidth = 7.0;
constexpr qreal RingWidth = 2.0;
// Below this width the check result would be a stub: it stays in the tooltip.
constexpr qreal MinimumCheckWidth = 40.0;
// The rise/fall bar: segments in a row this wide, as tall as a capital.
constexpr qreal RiseFallWidth = 22.0;
constexpr qreal RiseFallHeight = 6.0;
constexpr qreal RiseFallGap = 1.5;
// The "changed 3 s ago" tab, straddling the card's top edge.
constexpr qreal MarkerHeight = 13.0;
constexpr qreal MarkerPadding = 5.0;
constexpr qreal MarkerHaloWidth = 5.0;

// Whole seconds from `changedAt` to `now` while the change is recent enough
// to point out; -1 otherwise.
int secondsSince(const QDateTime &changedAt, const QDateTime &now)
{
    if (!changedAt.isValid() || !now.isValid())
        return -1;
    // A clock a little behind the monitor's still means "just now".
    const qint64 ms = std::max<qint64>(changedAt.msecsTo(now), 0);
    return ms < NodeItem::ChangeMarkerSeconds * 1000 ? int(ms / 1000) : -1;
}

// A lightning bolt BoltWidth wide and 11 high, its top left at the origin:
// the mark of an injected fault.
const QPainterPath &boltPath()
{
    static const QPainterPath path = [] {
        QPainterPath bolt;
        bolt.moveTo(4.5, 0.0);
        bolt.lineTo(0.5, 6.2);
        bolt.lineTo(3.3, 6.2);
        bolt.lineTo(2.3, 11.0);
        bolt.lineTo(6.5, 4.6);
        bolt.lineTo(3.7, 4.6);
        bolt.closeSubpath();
        return bolt;
    }();
    return path;
}

QString rateText(double requestsPerSecond)
{
    return tr("%1 req/s").arg(perSecondText(requestsPerSecond));
}

// `text` on two lines `first` and `second` wide, by words: its beginning on
// the first (what happened), its end on the second (what to do next), "…"
// between them when it is longer than both.
void splitLines(const QString &text, const QFontMetricsF &metrics, qreal first, qreal second,
                QString *line1, QString *line2)
{
    const QStringList words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    qsizetype used = 0;
    QString one;
    for (; used < words.size(); ++used) {
        const QString longer
            = one.isEmpty() ? words.at(used) : one + QLatin1Char(' ') + words.at(used);
        if (metrics.horizontalAdvance(longer) > first)
            break;
        one = longer;
    }
    if (one.isEmpty() && !words.isEmpty()) // one word wider than the line
        one = metrics.elidedText(words.at(used++), Qt::ElideRight, first);
    *line1 = one;
    const QString rest = words.mid(used).join(QLatin1Char(' '));
    if (metrics.horizontalAdvance(rest) <= second) {
        *line2 = rest;
        return;
    }
    const QString ellipsis(QChar(0x2026));
    QString tail;
    for (qsizetype from = words.size(); from > used; --from) {
        const QString longer
            = tail.isEmpty() ? words.at(from - 1) : words.at(from - 1) + QLatin1Char(' ') + tail;
        if (metrics.horizontalAdvance(ellipsis + longer) > second)
            break;
        tail = longer;
    }
    *line2 = tail.isEmpty() ? metrics.elidedText(rest, Qt::ElideLeft, second) : ellipsis + tail;
}

QString sessionsText(int sessions)
{
    return sessions == 1 ? tr("1 session") : tr("%1 sessions").arg(QLocale().toString(sessions));
}

// Black or white, whichever reads better on `background`.
QColor textOn(const QColor &background)
{
    const qreal luminance
        = 0.299 * background.redF() + 0.587 * background.greenF() + 0.114 * background.blueF();
    return luminance > 0.6 ? QColor(0x1a, 0x1a, 0x1a) : QColor(Qt::white);
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

// A finding's mark straddles the card's top-right corner, clear of the name,
// the role badge and the "changed 3 s ago" tab (top left).
constexpr qreal FindingMarkSize = 20.0;
QRectF findingMarkRect()
{
    const QRectF card = cardRect();
    return QRectF(card.right() - FindingMarkSize + 8.0, card.top() - 8.0, FindingMarkSize, FindingMarkSize);
}

// A what-if greys the card out to this opacity; its tab stays solid.
constexpr qreal WhatIfOpacity = 0.4;
// A fenced old primary, a little less: its health still matters.
constexpr qreal FencedOpacity = 0.5;
// The "FAILED" / "UNREACHABLE" tab straddles the card's bottom edge, centred.
constexpr qreal WhatIfTabHeight = 14.0;
constexpr qreal WhatIfTabPadding = 6.0;

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

    layoutLive();
}

// The role badge: the drawn role, or while running a demo database's real
// one, which follows promotions.
void NodeItem::layoutBadge()
{
    m_badge.clear();
    m_badgeStyle = BadgeStyle::None;
    m_badgeIsBackup = false;
    m_badgeIsFenced = false;
    if (m_node.kind == NodeKind::Database) {
        const QString liveRole = m_live.running ? m_live.database.role : QString();
        const QString role
            = liveRole.isEmpty() ? m_node.stringProperty(QStringLiteral("role")) : liveRole;
        if (role == QLatin1String("fenced")) {
            m_badge = tr("FENCED");
            m_badgeStyle = BadgeStyle::Solid;
            m_badgeIsFenced = true;
        } else if (role == QLatin1String("replica")) {
            // A standby is the replica a failover promotes.
            m_badge
                = m_node.boolProperty(QStringLiteral("standby")) ? tr("STANDBY") : tr("REPLICA");
            m_badgeStyle = BadgeStyle::Soft;
        } else {
            m_badge = tr("PRIMARY");
            m_badgeStyle = BadgeStyle::Solid;
        }
    } else if (isServerKind(m_node.kind) && m_node.boolProperty(QStringLiteral("backup"))) {
        m_badge = tr("BACKUP");
        m_badgeStyle = BadgeStyle::Soft;
        m_badgeIsBackup = true;
    }
    m_badgeWidth = 0;
    if (!m_badge.isEmpty())
        m_badgeWidth = QFontMetricsF(badgeFont()).horizontalAdvance(m_badge) + 2 * BadgePadding;
}

void NodeItem::setLiveState(const NodeLiveState &state, const QDateTime &now)
{
    // The marker points at the latest of an UP⇄DOWN change and a promotion.
    const QDateTime promoted = state.database.promotedAt;
    const bool promotion
        = promoted.isValid() && (!state.changedAt.isValid() || promoted > state.changedAt);
    const int secondsAgo
        = state.running ? secondsSince(promotion ? promoted : state.changedAt, now) : -1;
    if (state == m_live && secondsAgo == m_changedSecondsAgo)
        return;
    m_changedSecondsAgo = secondsAgo;
    m_markerIsPromotion = promotion;
    m_markerWidth = secondsAgo < 0 ? 0
                                   : QFontMetricsF(badgeFont()).horizontalAdvance(changeMarkerText())
                                         + 2 * MarkerPadding;
    if (state != m_live) {
        m_live = state;
        layoutLive();
    }
    update();
}

QStringList NodeItem::paintedLiveLines() const
{
    QStringList lines;
    if (!m_messageFirstLine.isEmpty())
        lines.append(m_messageFirstLine);
    if (!m_elidedLiveLine.isEmpty())
        lines.append(m_elidedLiveLine);
    return lines;
}

QString NodeItem::changeMarkerText() const
{
    if (m_changedSecondsAgo < 0)
        return QString();
    if (m_markerIsPromotion)
        return m_changedSecondsAgo == 0 ? tr("promoted just now")
                                        : tr("promoted %1 s ago").arg(m_changedSecondsAgo);
    return m_changedSecondsAgo == 0 ? tr("changed just now")
                                    : tr("changed %1 s ago").arg(m_changedSecondsAgo);
}

// The live text and everything elided to fit, worked out once per change so
// painting only draws.
void NodeItem::layoutLive()
{
    layoutBadge();
    m_liveLayout = LiveLayout::None;
    m_tone = HealthTone::Neutral;
    m_statusText.clear();
    m_liveLine.clear();
    m_figuresText.clear();
    m_elidedLiveLine.clear();
    m_messageFirstLine.clear();
    m_elidedFault.clear();
    m_pillWidth = 0;
    m_figuresWidth = 0;
    m_riseFall = {};

    // A backup that carries traffic is at work, not standing by: HAProxy's
    // failover, seen on the card.
    m_backupInUse = m_badgeIsBackup && m_live.running && m_live.up && m_live.requestsPerSecond > 0;
    if (m_badgeIsBackup)
        m_badgeStyle = m_backupInUse ? BadgeStyle::Solid : BadgeStyle::Soft;

    // A load balancer a monitor watches has a health state of its own.
    if (m_live.running && (isServerKind(m_node.kind) || !m_live.status.isEmpty())) {
        m_liveLayout = LiveLayout::Health;
        m_tone = healthToneOf(m_live);
        if (!m_live.message.isEmpty()) {
            m_liveLine = m_live.message;
        } else {
            m_statusText = m_live.status.isEmpty() ? tr("no check") : m_live.status;
            QStringList check;
            // In words too, not only by the ring's colour.
            if (m_backupInUse)
                check.append(tr("in use"));
            else if (m_badgeIsBackup && m_live.up)
                check.append(tr("standby"));
            const QString replication = replicationText(m_live);
            const QString connections = m_live.database.demo && m_live.up ? connectionsText(m_live.database) : QString();
            if (!replication.isEmpty() && m_live.up) {
                // A replica at work: how well it keeps up says more than its check.
                check.append(replication);
            } else {
                if (!m_live.checkCode.isEmpty())
                    check.append(m_live.checkCode);
                if (!m_live.reason.isEmpty())
                    check.append(m_live.reason);
                else if (m_live.checkDurationMs >= 0 && !check.isEmpty() && connections.isEmpty())
                    check.append(tr("%1 ms").arg(m_live.checkDurationMs));
            }
            if (!connections.isEmpty())
                check.append(connections);
            m_liveLine = check.join(QStringLiteral(" · "));
        }
        if (m_live.database.demo)
            m_figuresText = databaseFiguresText(m_live.database);
        else if (m_live.requestsPerSecond >= 0)
            m_figuresText = rateText(m_live.requestsPerSecond);
    } else if (m_live.running) {
        QStringList figures;
        if (m_live.requestsPerSecond >= 0)
            figures.append(rateText(m_live.requestsPerSecond));
        if (m_live.sessions >= 0)
            figures.append(sessionsText(m_live.sessions));
        m_figuresText = m_live.figures.isEmpty() ? figures.join(QStringLiteral(" · ")) : m_live.figures;
        if (!m_figuresText.isEmpty() || !m_live.message.isEmpty()) {
            m_liveLayout = LiveLayout::Figures;
            m_liveLine = m_live.message;
        }
    }

    const QFontMetricsF live(liveFont());
    const qreal rowWidth = liveRowRect().width();
    qreal detailWidth = currentDetailRect().width();
    if (m_liveLayout == LiveLayout::Health) {
        // The address shares its row with req/s; the live row holds the rest.
        if (!m_figuresText.isEmpty()) {
            m_figuresWidth = live.horizontalAdvance(m_figuresText);
            detailWidth -= m_figuresWidth + TextGap;
        }
        qreal room = rowWidth;
        if (!m_statusText.isEmpty()) {
            m_pillWidth = QFontMetricsF(badgeFont()).horizontalAdvance(m_statusText)
                          + 2 * PillPadding;
            room -= m_pillWidth + LiveGap;
            m_riseFall = riseFallProgressOf(m_live);
            if (m_riseFall.total > 0)
                room -= RiseFallWidth + LiveGap;
        }
        // An injected fault explains the check result, so it comes first.
        if (!m_live.fault.isEmpty() && m_live.message.isEmpty()) {
            m_elidedFault = live.elidedText(m_live.fault, Qt::ElideRight, room - BoltWidth - 3.0);
            room -= BoltWidth + 3.0 + live.horizontalAdvance(m_elidedFault) + LiveGap;
        }
        if (!m_live.message.isEmpty())
            room -= BadgeHeight - 2.0 + LiveGap; // the warning mark
        if (!m_live.message.isEmpty() && live.horizontalAdvance(m_liveLine) > room
            && m_figuresText.isEmpty()) {
            // Too long for the live row: the address's row takes its start.
            // The warning mark goes with it, so the live row is whole.
            splitLines(m_liveLine, live, std::max<qreal>(room, 0), rowWidth, &m_messageFirstLine,
                       &m_elidedLiveLine);
        } else if (room >= MinimumCheckWidth || !m_live.message.isEmpty()) {
            m_elidedLiveLine = live.elidedText(m_liveLine, Qt::ElideRight, std::max<qreal>(room, 0));
        }
    } else if (m_liveLayout == LiveLayout::Figures) {
        const QString row = m_liveLine.isEmpty() ? m_figuresText : m_liveLine;
        m_elidedLiveLine = live.elidedText(row, Qt::ElideRight, rowWidth);
    }

    const qreal nameWidth
        = currentNameRect().width() - (m_badgeWidth > 0 ? m_badgeWidth + TextGap : 0);
    m_elidedName = QFontMetricsF(nameFont()).elidedText(m_node.name, Qt::ElideRight, nameWidth);
    m_elidedDetail = QFontMetricsF(detailFont()).elidedText(m_detail, Qt::ElideMiddle,
                                                            std::max<qreal>(detailWidth, 0));
    updateToolTip();
}

void NodeItem::updateToolTip()
{
    QString tip = QStringLiteral("<b>%1</b><br>%2")
                      .arg(m_node.name.toHtmlEscaped(), nodeKindName(m_node.kind));
    if (!m_node.endpoint().isEmpty())
        tip += QStringLiteral(" · %1").arg(m_node.endpoint());
    if (!m_badge.isEmpty())
        tip += QStringLiteral(" · %1").arg(m_badge.toLower());
    if (m_node.kind == NodeKind::Database) {
        if (m_node.boolProperty(QStringLiteral("standby")))
            tip += QStringLiteral("<br>%1").arg(tr("Standby: the replica a failover promotes"));
        if (m_node.boolProperty(QStringLiteral("auto_failover")))
            tip += QStringLiteral("<br>%1").arg(
                tr("Automatic failover: once it is DOWN, its most advanced replica is promoted"));
    }
    if (m_liveLayout != LiveLayout::None) {
        if (!m_live.message.isEmpty())
            tip += QStringLiteral("<br>%1").arg(m_live.message.toHtmlEscaped());
        if (!m_statusText.isEmpty()) {
            tip += QStringLiteral("<br><b>%1</b>").arg(m_statusText.toHtmlEscaped());
            // What the bar counts, in words.
            const int left = m_live.up ? m_riseFall.filled : m_riseFall.total - m_riseFall.filled;
            if (m_riseFall.total > 0 && m_live.up && left < m_riseFall.total)
                tip += left == 1 ? tr(" — DOWN after 1 more failed check (fall %1)").arg(m_live.fall)
                                 : tr(" — DOWN after %1 more failed checks (fall %2)").arg(left).arg(m_live.fall);
            else if (m_riseFall.total > 0 && !m_live.up)
                tip += left == 1 ? tr(" — UP after 1 more passed check (rise %1)").arg(m_live.rise)
                                 : tr(" — UP after %1 more passed checks (rise %2)").arg(left).arg(m_live.rise);
        }
        if (!m_live.checkCode.isEmpty()) {
            QString check = tr("Last check: %1").arg(m_live.checkCode.toHtmlEscaped());
            if (!m_live.reason.isEmpty())
                check += QStringLiteral(", %1").arg(m_live.reason.toHtmlEscaped());
            if (m_live.checkDurationMs >= 0)
                check += tr(" (%1 ms)").arg(m_live.checkDurationMs);
            tip += QStringLiteral("<br>%1").arg(check);
        }
        if (!m_live.fault.isEmpty())
            tip += QStringLiteral("<br>%1").arg(tr("Injected fault: %1").arg(m_live.fault.toHtmlEscaped()));
        if (m_live.database.demo)
            for (const QString &line : databaseToolTipLines(m_live))
                tip += QStringLiteral("<br>") + line.toHtmlEscaped();
        QStringList figures;
        if (m_live.requestsPerSecond >= 0)
            figures.append(rateText(m_live.requestsPerSecond));
        if (m_live.sessions >= 0)
            figures.append(sessionsText(m_live.sessions));
        if (!m_live.figures.isEmpty())
            tip += QStringLiteral("<br>%1").arg(m_live.figures.toHtmlEscaped()); // the card may elide it
        else if (!figures.isEmpty())
            tip += QStringLiteral("<br>%1").arg(figures.join(QStringLiteral(" · ")));
    }
    if (m_whatIf == WhatIfRole::Failed)
        tip += QStringLiteral("<br>%1").arg(tr("What-if: failed"));
    else if (m_whatIf == WhatIfRole::Unreachable)
        tip += QStringLiteral("<br>%1").arg(tr("What-if: no client reaches it"));
    for (const QString &message : m_findingMark.messages)
        tip += QStringLiteral("<br>%1").arg(message.toHtmlEscaped());
    setToolTip(tip);
}

QRectF NodeItem::currentNameRect() const
{
    return m_liveLayout == LiveLayout::None ? nameRect() : liveNameRect();
}

QRectF NodeItem::currentDetailRect() const
{
    return m_liveLayout == LiveLayout::None ? detailRect() : liveDetailRect();
}

void NodeItem::setFindingMark(const FindingMark &mark)
{
    if (mark == m_findingMark)
        return;
    m_findingMark = mark;
    updateToolTip();
    update();
}

QRectF NodeItem::sceneFindingMarkRect() const
{
    return m_findingMark.isEmpty() ? QRectF() : findingMarkRect().translated(pos());
}

void NodeItem::setWhatIfRole(WhatIfRole role)
{
    if (role == m_whatIf)
        return;
    m_whatIf = role;
    updateToolTip();
    update();
}

QString NodeItem::whatIfText() const
{
    switch (m_whatIf) {
    case WhatIfRole::Failed:
        return tr("FAILED");
    case WhatIfRole::Unreachable:
        return tr("UNREACHABLE");
    case WhatIfRole::None:
        break;
    }
    return QString();
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
    return currentNameRect().translated(pos());
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
    // The finding mark and the what-if tab lie within the margin.
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
    const qreal zoom = option->levelOfDetailFromTransform(painter->worldTransform());
    const bool overview = widget && zoom < SimplifiedBelowZoom;
    if (m_whatIf == WhatIfRole::None) {
        // A fenced old primary is out of the game: greyed out, its FENCED
        // badge solid so the word still reads.
        const qreal opacity = painter->opacity();
        if (m_badgeIsFenced)
            painter->setOpacity(opacity * FencedOpacity);
        paintCard(painter, option, widget, colors, zoom);
        painter->setOpacity(opacity);
        if (m_badgeIsFenced && !overview)
            paintBadge(painter, colors);
        if (!m_findingMark.isEmpty())
            paintFindingMark(painter, colors, overview);
        return;
    }
    // Greyed out, its finding with it; the tab says why.
    const qreal opacity = painter->opacity();
    painter->setOpacity(opacity * WhatIfOpacity);
    paintCard(painter, option, widget, colors, zoom);
    if (!m_findingMark.isEmpty())
        paintFindingMark(painter, colors, overview);
    painter->setOpacity(opacity);
    if (!overview)
        paintWhatIfTab(painter, colors);
}

void NodeItem::paintCard(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget,
                         const Colors &colors, qreal zoom)
{
    const QColor kindColor = accent(m_node.kind, colors.dark);

    const QRectF tile = iconTileRect();
    QColor tileColor = kindColor;
    tileColor.setAlphaF(colors.dark ? 0.22f : 0.13f);
    const bool health = m_liveLayout == LiveLayout::Health;
    const QColor toneColor
        = health ? healthColor(colors, m_tone, m_badgeIsBackup && !m_backupInUse) : QColor();
    // In an overview the ring is too thin to see: the whole card takes a tint
    // of its state instead.
    const QColor cardFill
        = health && zoom < SimplifiedBelowZoom ? mix(colors.card, toneColor, 0.45) : colors.card;
    if (widget && zoom < PlainBelowZoom) {
        // An overview on screen (see PlainBelowZoom): aliased fills take the
        // raster engine's fast path. The view restores the painter after us.
        painter->setRenderHint(QPainter::Antialiasing, false);
        painter->fillRect(cardRect(), cardFill);
        painter->fillRect(tile, tileColor);
    } else {
        // While running, the card's edge is the state ring.
        if (widget && zoom < SimplifiedBelowZoom) {
            // An overview on screen: corners of a pixel or two are not seen,
            // and square aliased shapes with a hairline edge (in the state's
            // colour while running; the tint says the state) cost a fraction
            // of stroking rounded ones on hundreds of cards.
            painter->setRenderHint(QPainter::Antialiasing, false); // restored by the view
            QPen edge(health ? toneColor : colors.cardBorder, 1.0);
            edge.setCosmetic(true);
            painter->setPen(edge);
            painter->setBrush(cardFill);
            painter->drawRect(cardRect());
            painter->fillRect(tile, tileColor);
        } else if (health) {
            const qreal inset = RingWidth / 2;
            painter->setPen(QPen(toneColor, RingWidth));
            painter->setBrush(cardFill);
            painter->drawRoundedRect(cardRect().adjusted(inset, inset, -inset, -inset),
                                     CardRadius - inset, CardRadius - inset);
        } else {
            painter->setPen(QPen(colors.cardBorder, 1.0));
            painter->setBrush(colors.card);
            painter->drawRoundedRect(cardRect().adjusted(0.5, 0.5, -0.5, -0.5), CardRadius,
                                     CardRadius);
        }
        if (!(widget && zoom < SimplifiedBelowZoom)) {
            painter->setPen(Qt::NoPen);
            painter->setBrush(tileColor);
            painter->drawRoundedRect(tile, 8.0, 8.0);
        }
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
    } else if (health && m_changedSecondsAgo >= 0) {
        // A recent change: a halo in the new state's colour around the ring
        // that fades out over ChangeMarkerSeconds, so the eye finds what
        // just moved.
        QColor fading = toneColor;
        fading.setAlphaF(float(0.45 * (1.0 - qreal(m_changedSecondsAgo) / ChangeMarkerSeconds)));
        const qreal gap = MarkerHaloWidth / 2;
        painter->setPen(QPen(fading, MarkerHaloWidth));
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
    painter->drawText(currentNameRect(), Qt::AlignLeft | Qt::AlignVCenter, m_elidedName);

    // A long message takes the address's row (the tooltip keeps the address).
    if (m_messageFirstLine.isEmpty()) {
        painter->setPen(colors.mutedText);
        painter->setFont(detailFont());
        painter->drawText(currentDetailRect(), Qt::AlignLeft | Qt::AlignVCenter, m_elidedDetail);
    }

    paintBadge(painter, colors);
    if (m_liveLayout != LiveLayout::None)
        paintLive(painter, colors);
    if (health && m_changedSecondsAgo >= 0)
        paintChangeMarker(painter, colors);
    paintPorts(painter, colors);
}

void NodeItem::paintBadge(QPainter *painter, const Colors &colors) const
{
    if (m_badgeStyle == BadgeStyle::None)
        return;
    const QColor badgeColor = m_badgeIsBackup   ? colors.backup
                              : m_badgeIsFenced ? colors.noCheck
                                                : accent(m_node.kind, colors.dark);
    const QRectF name = currentNameRect();
    const QRectF badge(name.right() - m_badgeWidth, name.center().y() - BadgeHeight / 2,
                       m_badgeWidth, BadgeHeight);
    QColor fill = badgeColor;
    QColor textColor = m_badgeIsFenced ? textOn(fill) : colors.card;
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

void NodeItem::paintFindingMark(QPainter *painter, const Colors &colors, bool overview) const
{
    const QRectF mark = findingMarkRect();
    if (overview) {
        // A few pixels on screen: the colour is all that reads, the sign is
        // in the tooltip and the Findings panel.
        painter->setPen(Qt::NoPen);
        painter->setBrush(SeverityMark::color(colors, m_findingMark.severity));
        painter->drawEllipse(mark);
        return;
    }
    SeverityMark::paint(painter, mark, m_findingMark.severity, colors, colors.card);
}

void NodeItem::paintWhatIfTab(QPainter *painter, const Colors &colors) const
{
    const QString text = whatIfText();
    const QFont font = badgeFont();
    const qreal width = QFontMetricsF(font).horizontalAdvance(text) + 2 * WhatIfTabPadding;
    const QRectF card = cardRect();
    const QRectF tab(card.center().x() - width / 2, card.bottom() - WhatIfTabHeight / 2, width,
                     WhatIfTabHeight);
    // A failed node in the DOWN colour; what it cuts off in a quiet grey.
    const QColor fill = m_whatIf == WhatIfRole::Failed ? colors.down : colors.noCheck;
    painter->setPen(QPen(colors.card, 1.0));
    painter->setBrush(fill);
    painter->drawRoundedRect(tab, WhatIfTabHeight / 2, WhatIfTabHeight / 2);
    painter->setPen(textOn(fill));
    painter->setFont(font);
    painter->drawText(tab, Qt::AlignCenter, text);
}

void NodeItem::paintLive(QPainter *painter, const Colors &colors) const
{
    const QRectF row = liveRowRect();
    painter->setFont(liveFont());
    if (m_liveLayout == LiveLayout::Figures) {
        painter->setPen(m_live.message.isEmpty() ? colors.text : colors.warning);
        painter->drawText(row, Qt::AlignLeft | Qt::AlignVCenter, m_elidedLiveLine);
        return;
    }

    // req/s shares the address's row, on the right.
    if (!m_figuresText.isEmpty()) {
        painter->setPen(colors.text);
        painter->drawText(currentDetailRect(), Qt::AlignRight | Qt::AlignVCenter, m_figuresText);
    }

    qreal x = row.left();
    if (!m_live.message.isEmpty()) {
        // A neutral warning in place of the status: "!" in a soft circle,
        // before the message's first line.
        const bool twoLines = !m_messageFirstLine.isEmpty();
        const QRectF first = twoLines ? currentDetailRect() : row;
        const qreal side = BadgeHeight - 2.0;
        const QRectF mark(x, first.center().y() - side / 2, side, side);
        QColor fill = colors.warning;
        fill.setAlphaF(colors.dark ? 0.25f : 0.16f);
        painter->setPen(QPen(colors.warning, 1.0));
        painter->setBrush(fill);
        painter->drawEllipse(mark.adjusted(0.5, 0.5, -0.5, -0.5));
        painter->setFont(badgeFont());
        painter->drawText(mark, Qt::AlignCenter, QStringLiteral("!"));
        painter->setFont(liveFont());
        x = mark.right() + LiveGap;
        painter->drawText(QRectF(x, first.top(), first.right() - x, first.height()),
                          Qt::AlignLeft | Qt::AlignVCenter,
                          twoLines ? m_messageFirstLine : m_elidedLiveLine);
        if (twoLines)
            painter->drawText(row, Qt::AlignLeft | Qt::AlignVCenter, m_elidedLiveLine);
        return;
    }

    // The status pill: text next to the colour, never colour alone.
    const QColor toneColor = healthColor(colors, m_tone, m_badgeIsBackup && !m_backupInUse);
    const QRectF pill(x, row.center().y() - BadgeHeight / 2 + 0.5, m_pillWidth, BadgeHeight - 1.0);
    painter->setPen(Qt::NoPen);
    painter->setBrush(toneColor);
    painter->drawRoundedRect(pill, pill.height() / 2, pill.height() / 2);
    painter->setPen(textOn(toneColor));
    painter->setFont(badgeFont());
    painter->drawText(pill, Qt::AlignCenter, m_statusText);
    painter->setFont(liveFont());
    x = pill.right() + LiveGap;

    if (m_riseFall.total > 0) {
        paintRiseFallBar(painter,
                         QRectF(x, row.center().y() - RiseFallHeight / 2 + 0.5, RiseFallWidth,
                                RiseFallHeight),
                         toneColor, colors);
        x += RiseFallWidth + LiveGap;
    }

    if (!m_elidedFault.isEmpty()) {
        const QPainterPath &bolt = boltPath();
        painter->setPen(Qt::NoPen);
        painter->setBrush(colors.fault);
        painter->drawPath(bolt.translated(x, row.center().y() - bolt.boundingRect().height() / 2));
        x += BoltWidth + 3.0;
        const qreal width = QFontMetricsF(liveFont()).horizontalAdvance(m_elidedFault);
        painter->setPen(colors.fault);
        painter->drawText(QRectF(x, row.top(), width + 1.0, row.height()),
                          Qt::AlignLeft | Qt::AlignVCenter, m_elidedFault);
        x += width + LiveGap;
    }

    painter->setPen(m_tone == HealthTone::Up ? colors.mutedText : colors.text);
    painter->drawText(QRectF(x, row.top(), std::max<qreal>(row.right() - x, 0), row.height()),
                      Qt::AlignLeft | Qt::AlignVCenter, m_elidedLiveLine);
}

void NodeItem::paintRiseFallBar(QPainter *painter, QRectF bar, const QColor &color,
                                const Colors &colors) const
{
    // One segment per check of the counter, the counted ones filled: the
    // status text's "2/3" as a shape.
    const int total = m_riseFall.total;
    const qreal gap = total > 8 ? 0.0 : RiseFallGap;
    const qreal segment = (bar.width() - gap * (total - 1)) / total;
    const QColor empty = mix(colors.card, colors.text, colors.dark ? 0.25 : 0.15);
    painter->setPen(Qt::NoPen);
    for (int i = 0; i < total; ++i) {
        painter->setBrush(i < m_riseFall.filled ? color : empty);
        painter->drawRect(QRectF(bar.left() + i * (segment + gap), bar.top(), segment, bar.height()));
    }
}

void NodeItem::paintChangeMarker(QPainter *painter, const Colors &colors) const
{
    // A tab on the card's top edge, left of the name, in the new state's colour.
    const QColor color = healthColor(colors, m_tone, m_badgeIsBackup && !m_backupInUse);
    const QRectF card = cardRect();
    const QRectF tab(card.left() + CardPadding, card.top() - MarkerHeight / 2, m_markerWidth,
                     MarkerHeight);
    painter->setPen(QPen(colors.card, 1.0));
    painter->setBrush(color);
    painter->drawRoundedRect(tab, MarkerHeight / 2, MarkerHeight / 2);
    painter->setPen(textOn(color));
    painter->setFont(badgeFont());
    painter->drawText(tab, Qt::AlignCenter, changeMarkerText());
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
