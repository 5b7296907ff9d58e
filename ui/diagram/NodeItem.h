#pragma once

#include "DiagramStyle.h"
#include "LiveState.h"
#include "SeverityMark.h"
#include "model/Topology.h"

#include <QDateTime>
#include <QGraphicsItem>

#include <optional>

namespace Loadstar::Ui {

class LinkItem;

// One node of the drawing as a card: its kind's icon, its name, its address
// and a role badge (PRIMARY / REPLICA / STANDBY, BACKUP); while running, a
// demo database's badge follows its real role (a promoted replica reads
// PRIMARY, the old primary FENCED, greyed out). The card is centred on the
// node's position. It shows a copy of the node the scene hands it; it never
// edits the document.
//
// While the document runs, a server or database card also carries its health
// (a ring and a status pill in the state's colour, the last check's code and
// reason, req/s, an injected fault; a demo database its queries/s and
// connections, a replica its lag and stale reads), and other cards their
// figures (req/s, sessions). Without a live state the card is drawn exactly
// as in the editor.
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

    // Shows what the engine reports about the node, `now` being the scene's
    // clock (for how long ago the state changed); repaints only on change.
    // A default NodeLiveState (not running) restores the editor's card.
    void setLiveState(const NodeLiveState &state, const QDateTime &now);
    const NodeLiveState &liveState() const { return m_live; }
    // The live parts of the card, as the user reads them; empty when not shown.
    QString statusText() const { return m_statusText; } // the pill: "UP 2/3"
    QString liveLine() const { return m_liveLine; }     // "L4CON · Connection refused"
    // The live line as painted, on one row or two (a long message): what
    // the eye reads at 100 %.
    QStringList paintedLiveLines() const;
    QString faultText() const { return m_live.running ? m_live.fault : QString(); }
    QString figuresText() const { return m_figuresText; } // "120 req/s · 4 sessions"
    // The rise/fall bar beside the status pill; total 0 when not shown.
    RiseFallProgress riseFallBar() const { return m_riseFall; }
    // "changed 3 s ago" for ChangeMarkerSeconds after an UP⇄DOWN change,
    // with an outline that fades; empty otherwise.
    QString changeMarkerText() const;
    // A backup server carrying traffic: no longer the blue standby.
    bool backupInUse() const { return m_backupInUse; }
    // A fenced old primary: the card is greyed out, its FENCED badge solid.
    bool isFenced() const { return m_badgeIsFenced; }

    static constexpr int ChangeMarkerSeconds = 10;

    // The design analysis' findings about the node: a mark of the worst
    // severity on the card's top-right corner, the messages in the tooltip.
    // An empty mark draws nothing.
    void setFindingMark(const FindingMark &mark);
    const FindingMark &findingMark() const { return m_findingMark; }
    // The mark's rectangle in scene coordinates (null without a mark).
    QRectF sceneFindingMarkRect() const;

    // A what-if on the canvas: the node failed, or no client reaches it any
    // more. Both grey the card out, with "FAILED" / "UNREACHABLE" in words.
    enum class WhatIfRole { None, Failed, Unreachable };
    void setWhatIfRole(WhatIfRole role);
    WhatIfRole whatIfRole() const { return m_whatIf; }
    // "FAILED", "UNREACHABLE" or empty, as the card's tab reads.
    QString whatIfText() const;

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
    // Health (servers and databases), figures only (load balancers, clients),
    // or nothing live at all.
    enum class LiveLayout { None, Health, Figures };

    void layoutText();
    void layoutBadge();
    void layoutLive();
    void updateToolTip();
    QRectF currentNameRect() const;
    QRectF currentDetailRect() const;
    void paintBadge(QPainter *painter, const DiagramStyle::Colors &colors) const;
    void paintLive(QPainter *painter, const DiagramStyle::Colors &colors) const;
    void paintRiseFallBar(QPainter *painter, QRectF bar, const QColor &color,
                          const DiagramStyle::Colors &colors) const;
    void paintChangeMarker(QPainter *painter, const DiagramStyle::Colors &colors) const;
    void paintPorts(QPainter *painter, const DiagramStyle::Colors &colors) const;
    void paintCard(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget,
                   const DiagramStyle::Colors &colors, qreal zoom);
    void paintFindingMark(QPainter *painter, const DiagramStyle::Colors &colors, bool overview) const;
    void paintWhatIfTab(QPainter *painter, const DiagramStyle::Colors &colors) const;

    Node m_node;
    QList<LinkItem *> m_links;
    QString m_detail;
    QString m_badge;
    BadgeStyle m_badgeStyle = BadgeStyle::None;
    bool m_badgeIsBackup = false;
    bool m_badgeIsFenced = false; // an old primary that may never take writes again: greyed out
    // Text elided to fit, and the badge's width, worked out once per change.
    QString m_elidedName;
    QString m_elidedDetail;
    qreal m_badgeWidth = 0;
    TargetState m_targetState = TargetState::None;
    bool m_hovered = false;

    // The live state and its text, laid out once per change.
    NodeLiveState m_live;
    LiveLayout m_liveLayout = LiveLayout::None;
    HealthTone m_tone = HealthTone::Neutral;
    QString m_statusText;
    QString m_liveLine;
    QString m_figuresText;
    QString m_elidedLiveLine;
    QString m_messageFirstLine; // a message too long for the live row starts on the address's row
    QString m_elidedFault;
    qreal m_pillWidth = 0;
    qreal m_figuresWidth = 0;
    RiseFallProgress m_riseFall;
    bool m_backupInUse = false;
    int m_changedSecondsAgo = -1; // -1: no marker
    bool m_markerIsPromotion = false; // the marker says "promoted", not "changed"
    qreal m_markerWidth = 0;

    FindingMark m_findingMark;
    WhatIfRole m_whatIf = WhatIfRole::None;
};

} // namespace Loadstar::Ui
