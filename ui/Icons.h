#pragma once

#include "model/Kinds.h"

#include <QColor>
#include <QIcon>
#include <QPixmap>

namespace Loadstar::Ui {

// Single-colour SVG icons, drawn in the colour asked for so they follow the
// palette (light or dark) and the kind's accent. Renderers are loaded once per
// file and renders are kept in QPixmapCache, so a canvas of thousands of cards
// renders each icon once per size and colour, not once per card.
namespace Icons {

// ":/icons/kinds/load-balancer.svg"
QString kindIconPath(NodeKind kind);

// The kind's icon, `pixelSize` device pixels square, painted in `color`.
// A null pixmap when the SVG is missing or invalid.
QPixmap kindPixmap(NodeKind kind, int pixelSize, const QColor &color);

// A square SVG file rendered at `pixelSize` in `color` (cached).
QPixmap tintedPixmap(const QString &svgPath, int pixelSize, const QColor &color);

// An action icon: the desktop theme's icon `themeName` when there is one,
// else Loadstar's own (":/ui/icons/<themeName>.svg"), drawn in the
// palette's button text colour.
QIcon actionIcon(const QString &themeName);

// Loadstar's own icon (":/icons/org.loadstar.Loadstar.svg"), for windows.
QIcon applicationIcon();

} // namespace Icons

} // namespace Loadstar::Ui
