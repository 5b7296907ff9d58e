#pragma once

#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/LinkItem.h"
#include "ui/diagram/NodeItem.h"

#include <QAction>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QImage>
#include <QMenu>
#include <QPainter>
#include <QRectF>
#include <QLocale>
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
    // Figures read as the tests expect them: "1,240 req/s", not "1 240".
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
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

// The card named `name` on `scene`; the test stops when there is none.
inline Ui::NodeItem *cardNamed(const Ui::DiagramScene &scene, const char *name)
{
    Ui::NodeItem *item = scene.nodeItemNamed(QLatin1String(name));
    if (!item)
        qFatal("no card %s", name);
    return item;
}

// The link from the card `from` to the card `to`; the test stops when there is none.
inline Ui::LinkItem *linkBetween(const Ui::DiagramScene &scene, const char *from, const char *to)
{
    for (Ui::LinkItem *item : scene.linkItems()) {
        if (item->fromItem()->displayName() == QLatin1String(from)
            && item->toItem()->displayName() == QLatin1String(to))
            return item;
    }
    qFatal("no link %s → %s", from, to);
}

} // namespace Loadstar::Test
