#include "Icons.h"

#include <QApplication>
#include <QFile>
#include <QHash>
#include <QPainter>
#include <QPalette>
#include <QPixmapCache>
#include <QPointer>
#include <QSvgRenderer>

namespace Loadstar::Ui::Icons {

namespace {

QSvgRenderer *rendererFor(const QString &path)
{
    // Parsed once per file; parented to the application, so they go with it.
    static QHash<QString, QPointer<QSvgRenderer>> renderers;
    QPointer<QSvgRenderer> &renderer = renderers[path];
    if (!renderer)
        renderer = new QSvgRenderer(path, qApp);
    return renderer->isValid() ? renderer.data() : nullptr;
}

} // namespace

QString kindIconPath(NodeKind kind)
{
    return QStringLiteral(":/icons/kinds/%1.svg").arg(nodeKindId(kind));
}

QPixmap tintedPixmap(const QString &svgPath, int pixelSize, const QColor &color)
{
    const QString key = QStringLiteral("loadstar-icon:%1:%2:%3")
                            .arg(svgPath)
                            .arg(pixelSize)
                            .arg(color.rgba(), 8, 16, QLatin1Char('0'));
    QPixmap pixmap;
    if (QPixmapCache::find(key, &pixmap))
        return pixmap;
    QSvgRenderer *renderer = rendererFor(svgPath);
    if (!renderer || pixelSize <= 0)
        return {};
    pixmap = QPixmap(pixelSize, pixelSize);
    pixmap.fill(Qt::transparent);
    {
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        renderer->render(&painter, QRectF(0, 0, pixelSize, pixelSize));
        // Keep the drawing's coverage, replace its colour.
        painter.setCompositionMode(QPainter::CompositionMode_SourceIn);
        painter.fillRect(pixmap.rect(), color);
    }
    QPixmapCache::insert(key, pixmap);
    return pixmap;
}

QPixmap kindPixmap(NodeKind kind, int pixelSize, const QColor &color)
{
    return tintedPixmap(kindIconPath(kind), pixelSize, color);
}

QIcon actionIcon(const QString &themeName)
{
    if (QIcon::hasThemeIcon(themeName))
        return QIcon::fromTheme(themeName);
    const QString path = QStringLiteral(":/ui/icons/%1.svg").arg(themeName);
    if (!QFile::exists(path))
        return {};
    const QPalette palette = QApplication::palette();
    const QColor normal = palette.color(QPalette::Active, QPalette::ButtonText);
    const QColor disabled = palette.color(QPalette::Disabled, QPalette::ButtonText);
    QIcon icon;
    for (int size : {16, 22, 24, 32, 48}) {
        icon.addPixmap(tintedPixmap(path, size, normal), QIcon::Normal);
        icon.addPixmap(tintedPixmap(path, size, disabled), QIcon::Disabled);
    }
    return icon;
}

QIcon applicationIcon()
{
    const QString path = QStringLiteral(":/icons/%1.svg").arg(QStringLiteral(LOADSTAR_APP_ID));
    return QFile::exists(path) ? QIcon(path) : QIcon();
}

} // namespace Loadstar::Ui::Icons
