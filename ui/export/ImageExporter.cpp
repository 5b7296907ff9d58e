#include "ImageExporter.h"

#include "document/Document.h"
#include "ui/diagram/DiagramScene.h"

#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <QGraphicsItem>
#include <QImageWriter>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStyleOptionGraphicsItem>
#include <QSvgGenerator>

#include <algorithm>
#include <cmath>

namespace Loadstar::Ui {

namespace {

// Scene units are CSS pixels: 96 per inch, 0.75 pt each.
constexpr qreal UnitsPerInch = 96.0;
constexpr qreal PointsPerUnit = 72.0 / UnitsPerInch;
// SVG and PDF are drawn at this zoom inside their own coordinates, so the
// kind icons (pixmaps) they embed stay sharp when the reader zooms in.
constexpr qreal VectorDetail = 4.0;
// Acrobat's limit on a page side; larger drawings get a reduced page.
constexpr qreal MaximumPagePoints = 14400.0;

// The light colours of the canvas (Fusion's palette), whatever the theme:
// documentation images agree with one another.
QPalette exportPalette()
{
    QPalette palette;
    palette.setColor(QPalette::Window, QColor(0xef, 0xef, 0xef));
    palette.setColor(QPalette::Base, Qt::white);
    palette.setColor(QPalette::Text, Qt::black);
    palette.setColor(QPalette::WindowText, Qt::black);
    return palette;
}

QString shown(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

// Why `file` could not be opened for writing, as the end of a sentence.
QString openFailure(const QSaveFile &file, const QString &path)
{
    const QFileInfo info(path);
    const QFileInfo folder(info.absolutePath());
    if (!folder.exists())
        return ImageExporter::tr("the folder %1 does not exist").arg(shown(folder.filePath()));
    if (!folder.isDir())
        return ImageExporter::tr("%1 is not a folder").arg(shown(folder.filePath()));
    if (info.isDir())
        return ImageExporter::tr("it is a folder");
    if (file.error() == QFileDevice::PermissionsError || !folder.isWritable()
        || (info.exists() && !info.isWritable())) {
        return ImageExporter::tr("permission denied");
    }
    return file.errorString();
}

ImageExportResult failure(ImageFormat format, const QString &message)
{
    ImageExportResult result;
    result.format = format;
    result.error = message;
    return result;
}

} // namespace

QString ImageExportResult::description() const
{
    const QString size = QStringLiteral("%1×%2").arg(pixelSize.width()).arg(pixelSize.height());
    switch (format) {
    case ImageFormat::Png:
        return QStringLiteral("PNG, %1 px").arg(size);
    case ImageFormat::Svg:
        return QStringLiteral("SVG, %1").arg(size);
    case ImageFormat::Pdf:
        return QStringLiteral("PDF, 1 page, %1 pt").arg(size);
    }
    return QString();
}

ImageExporter::ImageExporter(Document *document)
    : m_document(document)
    , m_scene(std::make_unique<DiagramScene>())
{
    m_scene->setPalette(exportPalette());
    m_scene->setDocument(document);
}

ImageExporter::~ImageExporter() = default;

std::optional<ImageFormat> ImageExporter::formatForPath(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("png"))
        return ImageFormat::Png;
    if (suffix == QLatin1String("svg"))
        return ImageFormat::Svg;
    if (suffix == QLatin1String("pdf"))
        return ImageFormat::Pdf;
    return std::nullopt;
}

QString ImageExporter::formatName(ImageFormat format)
{
    return suffix(format).toUpper();
}

QString ImageExporter::suffix(ImageFormat format)
{
    switch (format) {
    case ImageFormat::Png:
        return QStringLiteral("png");
    case ImageFormat::Svg:
        return QStringLiteral("svg");
    case ImageFormat::Pdf:
        return QStringLiteral("pdf");
    }
    return QString();
}

QRectF ImageExporter::sourceRect(qreal margin) const
{
    QRectF contents = m_scene->contentsRect();
    if (contents.isEmpty())
        contents = QRectF(0, 0, 0, 0);
    return contents.adjusted(-margin, -margin, margin, margin);
}

QSize ImageExporter::imageSize(const ImageExportOptions &options) const
{
    const QSizeF size = sourceRect(options.margin).size() * options.scale;
    return QSize(int(std::ceil(size.width())), int(std::ceil(size.height())));
}

QString ImageExporter::title(const ImageExportOptions &options) const
{
    if (!options.title.isEmpty())
        return options.title;
    return m_document ? QFileInfo(m_document->displayName()).completeBaseName() : QString();
}

void ImageExporter::paint(QPainter *painter, const QRectF &source, qreal scale) const
{
    painter->setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing
                            | QPainter::SmoothPixmapTransform);
    // Scene → page: move the source's corner to the origin, then scale, then
    // whatever the device already applies.
    const QTransform base = QTransform::fromTranslate(-source.left(), -source.top())
                            * QTransform::fromScale(scale, scale) * painter->worldTransform();
    // The items as the canvas paints them, bottom first; not the scene's
    // background (the canvas colour and grid), which an image does not want.
    const QList<QGraphicsItem *> items
        = m_scene->items(source, Qt::IntersectsItemBoundingRect, Qt::AscendingOrder);
    for (QGraphicsItem *item : items) {
        if (!item->isVisible())
            continue;
        QStyleOptionGraphicsItem option;
        option.state = item->isEnabled() ? QStyle::State_Enabled : QStyle::State_None;
        option.exposedRect = item->boundingRect();
        option.rect = option.exposedRect.toAlignedRect();
        option.palette = m_scene->palette();
        painter->save();
        painter->setWorldTransform(item->sceneTransform() * base);
        painter->setOpacity(item->effectiveOpacity());
        item->paint(painter, &option, nullptr);
        painter->restore();
    }
}

void ImageExporter::setLiveStates(const QHash<QString, NodeLiveState> &states)
{
    m_scene->setLiveStates(states);
}

QImage ImageExporter::renderImage(const ImageExportOptions &options, QString *error) const
{
    const QSize size = imageSize(options);
    if (size.width() > MaximumPixelSide || size.height() > MaximumPixelSide) {
        if (error) {
            *error = tr("The image would be %1×%2 pixels, more than an image may have; export at a "
                        "smaller scale, or as SVG or PDF.")
                         .arg(size.width())
                         .arg(size.height());
        }
        return QImage();
    }
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    if (image.isNull()) {
        if (error) {
            *error = tr("There is not enough memory for a %1×%2 pixel image; export at a smaller "
                        "scale, or as SVG or PDF.")
                         .arg(size.width())
                         .arg(size.height());
        }
        return image;
    }
    // A 2× image says so, so viewers that honour it show it at its real size.
    const int dotsPerMeter = qRound(options.scale * UnitsPerInch / 0.0254);
    image.setDotsPerMeterX(dotsPerMeter);
    image.setDotsPerMeterY(dotsPerMeter);
    image.fill(options.transparentBackground ? Qt::transparent : Qt::white);
    QPainter painter(&image);
    paint(&painter, sourceRect(options.margin), options.scale);
    painter.end();
    return image;
}

QString ImageExporter::formatError(const QString &path)
{
    if (formatForPath(path))
        return QString();
    const QString suffix = QFileInfo(path).suffix();
    const QString what = suffix.isEmpty()
                             ? tr("the name has no extension")
                             : tr("“.%1” is not an image format Loadstar writes").arg(suffix);
    return tr("Cannot export to “%1”: %2; end the name with .png, .svg or .pdf.")
        .arg(shown(path), what);
}

ImageExportResult ImageExporter::write(const QString &path, const ImageExportOptions &options) const
{
    const std::optional<ImageFormat> format = formatForPath(path);
    if (!format)
        return failure(ImageFormat::Png, formatError(path));
    return write(path, *format, options);
}

ImageExportResult ImageExporter::write(const QString &path, ImageFormat format,
                                       const ImageExportOptions &options) const
{
    // A path that cannot be written fails before any drawing.
    if (const QString error = checkWritable(path); !error.isEmpty())
        return failure(format, error);
    return save(render(format, options), path);
}

QString ImageExporter::checkWritable(const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return tr("Cannot write “%1”: %2. Choose another file or folder.")
            .arg(shown(path), openFailure(file, path));
    }
    file.cancelWriting();
    return QString();
}

RenderedImage ImageExporter::render(ImageFormat format, const ImageExportOptions &options) const
{
    RenderedImage rendered;
    rendered.format = format;
    if (!(options.scale > 0.0) || options.scale > MaximumScale) {
        rendered.error = tr("Cannot export at scale %1: the scale must be more than 0 and at "
                            "most %2.")
                             .arg(options.scale)
                             .arg(MaximumScale);
        return rendered;
    }
    const QRectF source = sourceRect(options.margin);

    switch (format) {
    case ImageFormat::Png:
        rendered.image = renderImage(options, &rendered.error);
        rendered.size = rendered.image.size();
        break;
    case ImageFormat::Svg: {
        const QSize size(int(std::ceil(source.width())), int(std::ceil(source.height())));
        QBuffer buffer(&rendered.bytes);
        buffer.open(QIODevice::WriteOnly);
        QSvgGenerator generator;
        generator.setOutputDevice(&buffer);
        generator.setTitle(title(options));
        generator.setDescription(tr("Drawn with Loadstar"));
        generator.setResolution(int(UnitsPerInch));
        generator.setSize(size);
        generator.setViewBox(QRectF(QPointF(0, 0), QSizeF(size) * VectorDetail));
        QPainter painter;
        if (!painter.begin(&generator)) {
            rendered.error = tr("The SVG writer failed to start.");
            return rendered;
        }
        if (!options.transparentBackground)
            painter.fillRect(QRectF(QPointF(0, 0), QSizeF(size) * VectorDetail), Qt::white);
        paint(&painter, source, VectorDetail);
        painter.end();
        buffer.close();
        // QSvgGenerator gives the size in millimetres, which readers round to
        // a pixel more than the drawing has; say it in pixels instead.
        static const QRegularExpression mmSize(
            QStringLiteral("<svg width=\"[0-9.]+mm\" height=\"[0-9.]+mm\""));
        const QRegularExpressionMatch match
            = mmSize.match(QString::fromLatin1(rendered.bytes.left(200)));
        if (match.hasMatch()) {
            rendered.bytes.replace(match.capturedStart(), match.capturedLength(),
                                   QStringLiteral("<svg width=\"%1\" height=\"%2\"")
                                       .arg(size.width())
                                       .arg(size.height())
                                       .toLatin1());
        }
        rendered.size = size;
        break;
    }
    case ImageFormat::Pdf: {
        // One page the size of the drawing, at 96 units per inch unless that
        // would make a page larger than PDF readers accept.
        const qreal longest = std::max(source.width(), source.height());
        const qreal pointsPerUnit = std::min(PointsPerUnit, MaximumPagePoints / longest);
        const QSizeF points = source.size() * pointsPerUnit;
        const int resolution = qRound(VectorDetail * 72.0 / pointsPerUnit);
        QBuffer buffer(&rendered.bytes);
        buffer.open(QIODevice::WriteOnly);
        QPdfWriter writer(&buffer);
        writer.setTitle(title(options));
        writer.setCreator(QStringLiteral("Loadstar"));
        writer.setResolution(resolution);
        writer.setPageSize(QPageSize(points, QPageSize::Point, QString(), QPageSize::ExactMatch));
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        QPainter painter;
        if (!painter.begin(&writer)) {
            rendered.error = tr("The PDF writer failed to start.");
            return rendered;
        }
        // Device pixels per scene unit, from the page the writer settled on.
        const qreal scale = qreal(writer.width()) / source.width();
        if (!options.transparentBackground)
            painter.fillRect(QRectF(0, 0, writer.width(), writer.height()), Qt::white);
        paint(&painter, source, scale);
        painter.end();
        const QSizeF page = writer.pageLayout().fullRect(QPageLayout::Point).size();
        rendered.size = QSize(qRound(page.width()), qRound(page.height()));
        break;
    }
    }
    return rendered;
}

ImageExportResult ImageExporter::save(const RenderedImage &rendered, const QString &path)
{
    if (!rendered.error.isEmpty())
        return failure(rendered.format, rendered.error);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return failure(rendered.format, tr("Cannot write “%1”: %2. Choose another file or folder.")
                                            .arg(shown(path), openFailure(file, path)));
    }
    if (rendered.format == ImageFormat::Png) {
        QImageWriter writer(&file, "png");
        if (!writer.write(rendered.image)) {
            return failure(rendered.format,
                           tr("Cannot write “%1”: %2.").arg(shown(path), writer.errorString()));
        }
    } else if (file.write(rendered.bytes) != rendered.bytes.size()) {
        return failure(rendered.format, tr("Cannot write “%1”: %2. Choose another file or folder.")
                                            .arg(shown(path), file.errorString()));
    }
    if (!file.commit()) {
        return failure(rendered.format, tr("Cannot write “%1”: %2. Choose another file or folder.")
                                            .arg(shown(path), file.errorString()));
    }
    ImageExportResult result;
    result.ok = true;
    result.format = rendered.format;
    result.pixelSize = rendered.size;
    return result;
}

} // namespace Loadstar::Ui
