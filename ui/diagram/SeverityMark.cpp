#include "SeverityMark.h"

#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

#include <algorithm>

namespace Loadstar::Ui::SeverityMark {

namespace {

// A triangle standing on its base inside `rect`, its corners a little round.
QPainterPath trianglePath(const QRectF &rect)
{
    QPainterPath path;
    path.moveTo(rect.center().x(), rect.top());
    path.lineTo(rect.right(), rect.bottom() - rect.height() * 0.08);
    path.lineTo(rect.left(), rect.bottom() - rect.height() * 0.08);
    path.closeSubpath();
    return path;
}

} // namespace

QColor color(const DiagramStyle::Colors &colors, Severity severity)
{
    switch (severity) {
    case Severity::Error:
        return colors.down;
    case Severity::Warning:
        return colors.goingDown;
    case Severity::Info:
        break;
    }
    return colors.backup;
}

void paint(QPainter *painter, const QRectF &rect, Severity severity, const DiagramStyle::Colors &colors,
           const QColor &halo)
{
    const QColor fill = color(colors, severity);
    const bool triangle = severity == Severity::Warning;
    const QPainterPath shape = [&] {
        if (triangle)
            return trianglePath(rect);
        QPainterPath disc;
        disc.addEllipse(rect);
        return disc;
    }();
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, true);
    painter->setPen(halo.isValid() ? QPen(halo, std::max<qreal>(1.0, rect.width() / 10), Qt::SolidLine,
                                          Qt::RoundCap, Qt::RoundJoin)
                                   : Qt::NoPen);
    painter->setBrush(fill);
    painter->drawPath(shape);

    // The sign: a stroke and a dot, drawn as shapes so any font reads alike.
    // Amber is light: its sign is dark; red and blue take white.
    const QColor sign = triangle ? QColor(0x1a, 0x1a, 0x1a) : QColor(Qt::white);
    const qreal w = rect.width();
    const qreal x = rect.center().x();
    const qreal stroke = std::max<qreal>(w * 0.13, 1.0);
    painter->setPen(QPen(sign, stroke, Qt::SolidLine, Qt::RoundCap));
    painter->setBrush(sign);
    if (severity == Severity::Info) {
        painter->drawLine(QPointF(x, rect.top() + w * 0.45), QPointF(x, rect.top() + w * 0.75));
        painter->setPen(Qt::NoPen);
        painter->drawEllipse(QPointF(x, rect.top() + w * 0.27), stroke * 0.65, stroke * 0.65);
    } else {
        const qreal top = rect.top() + w * (triangle ? 0.36 : 0.24);
        const qreal bottom = rect.top() + w * (triangle ? 0.64 : 0.58);
        painter->drawLine(QPointF(x, top), QPointF(x, bottom));
        painter->setPen(Qt::NoPen);
        painter->drawEllipse(QPointF(x, rect.top() + w * (triangle ? 0.79 : 0.76)), stroke * 0.65,
                             stroke * 0.65);
    }
    painter->restore();
}

QIcon icon(Severity severity, const QPalette &palette)
{
    const DiagramStyle::Colors colors = DiagramStyle::Colors::fromPalette(palette);
    QIcon icon;
    for (const int size : {16, 24, 32}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        paint(&painter, QRectF(0.5, 0.5, size - 1.0, size - 1.0), severity, colors);
        painter.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

Severity worst(const QList<Finding> &findings)
{
    Severity result = Severity::Info;
    for (const Finding &finding : findings)
        result = std::max(result, finding.severity);
    return result;
}

QString tooltipLine(const Finding &finding)
{
    return QStringLiteral("%1: %2").arg(severityName(finding.severity), finding.message);
}

} // namespace Loadstar::Ui::SeverityMark
