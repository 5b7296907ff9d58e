#pragma once

#include "LiveState.h"
#include "model/Kinds.h"

#include <QColor>
#include <QFont>
#include <QPalette>
#include <QSizeF>

namespace Loadstar::Ui {

// Geometry and colours of the diagram, in one place so cards, links and the
// canvas agree. Sizes are in scene units (1 unit = 1 pixel at 100 %). Colours
// derive from the widget palette, so the diagram follows light and dark themes.
namespace DiagramStyle {

inline constexpr QSizeF CardSize{220.0, 64.0};
inline constexpr qreal CardRadius = 10.0;
inline constexpr qreal CardPadding = 12.0;
inline constexpr qreal IconTileSize = 36.0;
inline constexpr qreal IconSize = 24.0;
inline constexpr qreal GridSpacing = 25.0;
// Distance between two links joining the same pair of nodes.
inline constexpr qreal ParallelLinkSpacing = 14.0;
// Below this zoom, cards are drawn without text or icon and traffic along
// the links without moving dashes (fast overview).
inline constexpr qreal SimplifiedBelowZoom = 0.35;
// Below this zoom, on screen only, cards are plain rectangles and links lines
// without arrowheads: an overview of thousands of items a few pixels big,
// where corners, borders and arrowheads are invisible yet cost most of a
// frame. Exports always get the full drawing.
inline constexpr qreal PlainBelowZoom = 0.2;
// Dragged and dropped cards snap their centre to this grid (the dot grid).
inline constexpr qreal SnapSpacing = GridSpacing;
// Connection ports: small handles in the middle of each card edge, shown on
// hover; dragging from one draws a link.
inline constexpr qreal PortRadius = 5.0;
// Width of the outline around a selected card.
inline constexpr qreal SelectionWidth = 2.5;

struct Colors
{
    bool dark = false;
    QColor canvas;
    QColor grid;
    QColor card;
    QColor cardBorder;
    QColor text;
    QColor mutedText;
    QColor httpLink;
    QColor tcpLink;
    QColor replicationLink;
    QColor backup; // HAProxy's stats page shows backup servers in blue
    QColor selection; // outline of selected cards and links
    QColor guide;     // alignment guides while dragging
    QColor accepted;  // a card that would accept the link being drawn
    QColor refused;   // a card that refuses it
    // Health while running, in the colours of HAProxy's stats page.
    QColor up;
    QColor goingDown; // yellow: UP, failing checks
    QColor goingUp;   // orange: DOWN, passing checks
    QColor down;
    QColor noCheck;
    QColor warning; // a message instead of a status (e.g. a missing probe)
    QColor fault;   // an injected fault
    // Queries from a web server to a database: writes move in this colour,
    // reads in the traffic's.
    QColor writes;

    static Colors fromPalette(const QPalette &palette);
};

// The colour of a health tone; a backup server that is UP is blue, as on
// HAProxy's stats page, so a standby reads differently from a server at work.
QColor healthColor(const Colors &colors, HealthTone tone, bool backup);

// The colour that marks a kind of node (its icon and icon tile).
QColor accent(NodeKind kind, bool dark);

// Fonts with pixel sizes, so text scales with the zoom like the cards do.
QFont nameFont();
QFont detailFont();
QFont badgeFont();
QFont liveFont(); // the live line and status pill while running
QFont linkLabelFont();

// `a` blended towards `b` by `amount` (0 = a, 1 = b).
QColor mix(const QColor &a, const QColor &b, qreal amount);

} // namespace DiagramStyle

} // namespace Loadstar::Ui
