#pragma once

#include "DiagramStyle.h"
#include "analysis/DesignAnalysis.h"

#include <QIcon>
#include <QRectF>
#include <QStringList>

class QPainter;

namespace Loadstar::Ui {

// How a finding's severity is drawn, on the canvas and in the panels: a shape
// with a sign, so it reads without its colour — a red disc with "!" for an
// error, an amber triangle with "!" for a warning, a blue disc with "i" for
// information.
// What a card or a link shows of the findings that concern it: the worst
// severity as a mark, every message in its tooltip. Empty: no mark at all.
struct FindingMark
{
    Severity severity = Severity::Info;
    QStringList messages; // "Error: …", worst first

    bool isEmpty() const { return messages.isEmpty(); }
    bool operator==(const FindingMark &) const = default;
};

namespace SeverityMark {

QColor color(const DiagramStyle::Colors &colors, Severity severity);

// The mark filling `rect` (square), with a thin ring in `halo` around it so
// it stands out on a card or a line; no ring when `halo` is invalid.
void paint(QPainter *painter, const QRectF &rect, Severity severity, const DiagramStyle::Colors &colors,
           const QColor &halo = QColor());

// The mark as an icon for lists and buttons, in the palette's colours.
QIcon icon(Severity severity, const QPalette &palette);

// The worst severity among `findings` (Info when there are none).
Severity worst(const QList<Finding> &findings);

// `finding` as one line of a tooltip: "Warning: no TLS between …".
QString tooltipLine(const Finding &finding);

} // namespace SeverityMark

} // namespace Loadstar::Ui
