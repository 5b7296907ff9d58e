#pragma once

#include "ui/diagram/LiveState.h"

#include <QCoreApplication>
#include <QHash>
#include <QImage>
#include <QRectF>
#include <QString>

#include <memory>
#include <optional>

class QPainter;

namespace Loadstar {
class Document;
}

namespace Loadstar::Ui {

class DiagramScene;

enum class ImageFormat { Png, Svg, Pdf };

struct ImageExportOptions
{
    // Device pixels per scene unit (PNG only; SVG and PDF are vector).
    qreal scale = 1.0;
    // Transparent, or white behind the drawing.
    bool transparentBackground = false;
    // Scene units of empty space around the drawing.
    qreal margin = 32.0;
    // SVG <title> and PDF title; empty: the document's name.
    QString title;
};

// What an export wrote, or why it did not.
struct ImageExportResult
{
    bool ok = false;
    QString error; // one sentence: what failed, on which file, what to do
    ImageFormat format = ImageFormat::Png;
    QSize pixelSize; // PNG: the image; SVG: its width and height; PDF: points
    // "PNG, 1840×1210 px", "SVG, 920×605", "PDF, 1 page, 690×454 pt"
    QString description() const;
};

// An export drawn but not yet written: the PNG's pixels, or the SVG's or
// PDF's bytes. Plain data: it may be written from any thread.
struct RenderedImage
{
    ImageFormat format = ImageFormat::Png;
    QImage image;     // PNG
    QByteArray bytes; // SVG, PDF
    QSize size;       // as ImageExportResult::pixelSize
    QString error;    // set when drawing failed (e.g. too large)
};

// Draws a document's diagram into a PNG, SVG or PDF file for documentation.
// It builds a scene of its own on the document — the same NodeItems and
// LinkItems the canvas shows, so the image looks like the canvas — but with
// nothing selected or hovered and no canvas grid, in the light colours
// whatever the desktop theme. The document must outlive the exporter; an
// edit made meanwhile shows in the next export. GUI thread only (icons are
// QPixmaps).
class ImageExporter final
{
    Q_DECLARE_TR_FUNCTIONS(Loadstar::Ui::ImageExporter)

public:
    static constexpr qreal MaximumScale = 8.0;
    // QImage's and most viewers' limit on one side.
    static constexpr int MaximumPixelSide = 32767;

    explicit ImageExporter(Document *document);
    ~ImageExporter();

    // The format a file name asks for (by its suffix), if it is one of ours.
    static std::optional<ImageFormat> formatForPath(const QString &path);
    static QString formatName(ImageFormat format); // "PNG"
    static QString suffix(ImageFormat format);     // "png"
    // Why `path` names no format we write, or empty when it does.
    static QString formatError(const QString &path);

    const DiagramScene *scene() const { return m_scene.get(); }
    // Draws the cards as a running document shows them (DiagramScene's
    // live states, by node name); none: as drawn.
    void setLiveStates(const QHash<QString, NodeLiveState> &states);

    // The scene rectangle an export covers: the drawing plus `margin`.
    QRectF sourceRect(qreal margin) const;
    // The PNG's size in pixels at `options.scale`.
    QSize imageSize(const ImageExportOptions &options) const;

    // The PNG, in memory; null (and `error` set) when it would be too large.
    QImage renderImage(const ImageExportOptions &options, QString *error = nullptr) const;

    // Writes `path` in the format its suffix names (.png, .svg, .pdf). The
    // file is replaced only once complete; on failure it is left as it was.
    ImageExportResult write(const QString &path, const ImageExportOptions &options) const;
    ImageExportResult write(const QString &path, ImageFormat format,
                            const ImageExportOptions &options) const;

    // write() in its parts, so the slow PNG encoding and the disk can leave
    // the GUI thread: whether `path` can be written (empty, or why not);
    // drawing (GUI thread); encoding and writing (any thread).
    static QString checkWritable(const QString &path);
    RenderedImage render(ImageFormat format, const ImageExportOptions &options) const;
    static ImageExportResult save(const RenderedImage &rendered, const QString &path);

private:
    // Paints the items covering `source` with `source.topLeft()` at the
    // painter's origin and `scale` device units per scene unit.
    void paint(QPainter *painter, const QRectF &source, qreal scale) const;
    QString title(const ImageExportOptions &options) const;

    Document *m_document;
    std::unique_ptr<DiagramScene> m_scene;
};

} // namespace Loadstar::Ui
