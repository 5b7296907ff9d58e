#pragma once

#include <QAction>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QImage>
#include <QMenu>
#include <QPainter>
#include <QRectF>
#include <QSettings>
#include <QStandardPaths>

#include <algorithm>
#include <cmath>

namespace Loadstar::Test {

// An item as the scene draws it at 100 %, on whatever lies around it.
inline QImage renderItem(QGraphicsScene &scene, const QGraphicsItem *item)
{
    const QRectF source = item->sceneBoundingRect();
    QImage image(source.size().toSize(), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    scene.render(&painter, QRectF(image.rect()), source);
    return image;
}

// Points QSettings and QStandardPaths at test locations, so a test never reads
// or changes the user's own settings, recent files or recovery copies.
inline void isolateSettings(const QString &settingsDirectory)
{
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDirectory);
}

// Distance from `point` to the outline of `rect` (0 on the edge).
inline qreal distanceToEdge(const QRectF &rect, QPointF point)
{
    const qreal dx = std::max({rect.left() - point.x(), 0.0, point.x() - rect.right()});
    const qreal dy = std::max({rect.top() - point.y(), 0.0, point.y() - rect.bottom()});
    if (dx > 0 || dy > 0)
        return std::hypot(dx, dy);
    return std::min({point.x() - rect.left(), rect.right() - point.x(), point.y() - rect.top(),
                     rect.bottom() - point.y()});
}

// The entry of `menu` with this object name, or null.
inline QAction *actionNamed(const QMenu &menu, const char *name)
{
    const QList<QAction *> actions = menu.actions();
    for (QAction *action : actions) {
        if (action->objectName() == QLatin1String(name))
            return action;
    }
    return nullptr;
}

} // namespace Loadstar::Test
