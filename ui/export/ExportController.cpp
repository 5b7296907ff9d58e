#include "ExportController.h"

#include "ExportDialog.h"
#include "document/Document.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/BackgroundTask.h"
#include "ui/UserPrompts.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>

#include <memory>

namespace Loadstar::Ui {

namespace {

const QString kDirectoryKey = QStringLiteral("export/directory");
const QString kFormatKey = QStringLiteral("export/format");
const QString kScaleKey = QStringLiteral("export/scale");
const QString kTransparentKey = QStringLiteral("export/transparent");

} // namespace

ExportController::ExportController(UserPrompts *prompts, QWidget *window, QObject *parent)
    : QObject(parent)
    , m_prompts(prompts)
    , m_window(window)
{
    m_io.setMaxThreadCount(1);
}

ExportController::~ExportController()
{
    // A file being written is finished, not cut short.
    m_io.waitForDone();
}

QString ExportController::suggestedPath(const Document *document) const
{
    const QSettings settings;
    QString directory = settings.value(kDirectoryKey).toString();
    if (directory.isEmpty() || !QFileInfo(directory).isDir()) {
        directory = document->filePath().isEmpty()
                        ? QStandardPaths::writableLocation(QStandardPaths::PicturesLocation)
                        : QFileInfo(document->filePath()).absolutePath();
    }
    QString name = QFileInfo(document->displayName()).completeBaseName();
    if (document->filePath().isEmpty())
        name = tr("diagram");
    QString suffix = settings.value(kFormatKey).toString();
    if (!ImageExporter::formatForPath(QStringLiteral("x.") + suffix))
        suffix = QStringLiteral("png");
    return QDir(directory).filePath(name + QLatin1Char('.') + suffix);
}

void ExportController::exportDocument(Document *document)
{
    if (m_dialog)
        m_dialog->close();
    ImageExportOptions options;
    {
        const QSettings settings;
        options.scale = settings.value(kScaleKey, 1).toInt();
        options.transparentBackground = settings.value(kTransparentKey, false).toBool();
    }

    // The exporter is built once the dialog needs a size, and reused.
    auto exporter = std::make_shared<std::unique_ptr<ImageExporter>>();
    QPointer<Document> target = document;
    auto imageSize = [exporter, target](const ImageExportOptions &o) {
        if (!target)
            return QSize();
        if (!*exporter)
            *exporter = std::make_unique<ImageExporter>(target.data());
        return (*exporter)->imageSize(o);
    };
    m_dialog = new ExportDialog(suggestedPath(document), options, imageSize, m_window);
    m_dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_dialog, &QDialog::accepted, this, [this, target, dialog = m_dialog] {
        if (!target || !dialog)
            return;
        const QString path = dialog->path();
        const ImageExportOptions chosen = dialog->options();
        QSettings settings;
        settings.setValue(kDirectoryKey, QFileInfo(path).absolutePath());
        settings.setValue(kFormatKey, ImageExporter::suffix(dialog->format()));
        if (dialog->format() == ImageFormat::Png)
            settings.setValue(kScaleKey, qRound(chosen.scale));
        settings.setValue(kTransparentKey, chosen.transparentBackground);
        emit statusMessage(tr("Exporting %1…").arg(QFileInfo(path).fileName()), 0);
        // After the status bar has shown the message: drawing a large
        // document takes a moment.
        QTimer::singleShot(0, this, [this, target, path, chosen] {
            if (target)
                exportTo(target, path, chosen);
        });
    });
    m_dialog->open();
}

void ExportController::exportTo(Document *document, const QString &path,
                                const ImageExportOptions &options)
{
    const QString name = QFileInfo(path).fileName();
    auto report = [this, path, name](const ImageExportResult &result) {
        if (result.ok) {
            emit statusMessage(tr("Exported %1 (%2)").arg(name, result.description()), 5000);
        } else {
            emit statusMessage(tr("Not exported"), 5000);
            m_prompts->showError(m_window, tr("Could not export the diagram"), result.error);
        }
        emit finished(path, result);
    };

    const std::optional<ImageFormat> format = ImageExporter::formatForPath(path);
    ImageExportResult checked;
    checked.error = format ? ImageExporter::checkWritable(path) : ImageExporter::formatError(path);
    if (!checked.error.isEmpty()) {
        report(checked);
        return;
    }

    emit statusMessage(tr("Exporting %1…").arg(name), 0);
    QApplication::setOverrideCursor(Qt::WaitCursor);
    ImageExporter exporter(document);
    if (m_liveScene)
        exporter.setLiveStates(m_liveScene->liveStates());
    RenderedImage rendered = exporter.render(*format, options);
    QApplication::restoreOverrideCursor();
    ++m_writing;
    runInBackground(
        &m_io, this,
        [rendered = std::move(rendered), path] { return ImageExporter::save(rendered, path); },
        [this, report](ImageExportResult result) {
            --m_writing;
            report(result);
        });
}

} // namespace Loadstar::Ui
