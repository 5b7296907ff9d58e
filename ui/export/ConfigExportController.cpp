#include "ConfigExportController.h"

#include "document/Document.h"
#include "ui/BackgroundTask.h"
#include "ui/UserPrompts.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

namespace Loadstar::Ui {

namespace {

const QString kDirectoryKey = QStringLiteral("export/configurationDirectory");

struct Outcome
{
    QString error;
    QString summary;
    QStringList notes;
    QStringList written;
};

} // namespace

ConfigExportController::ConfigExportController(UserPrompts *prompts, QWidget *window, QObject *parent)
    : QObject(parent)
    , m_prompts(prompts)
    , m_window(window)
{
    m_io.setMaxThreadCount(1);
}

ConfigExportController::~ConfigExportController()
{
    // A file being written is finished, not cut short.
    m_io.waitForDone();
}

void ConfigExportController::exportDocument(const Document *document, Haproxy::ConfigFormat format)
{
    const QString name = Haproxy::configFormatName(format);
    QString folder = QSettings().value(kDirectoryKey).toString();
    if (folder.isEmpty() || !QFileInfo(folder).isDir()) {
        folder = document->filePath().isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::HomeLocation)
                                                : QFileInfo(document->filePath()).absolutePath();
    }
    const QString title = tr("Export %1 Configuration").arg(name);
    const bool intoFolder = Haproxy::writesFolder(format);
    const QString path = intoFolder ? m_prompts->askExportFolder(m_window, title, folder)
                                    : m_prompts->askExportPath(m_window, title,
                                                               QDir(folder).filePath(Haproxy::configFileName(format)),
                                                               tr("%1 configuration (*.cfg *.conf);;All files (*)").arg(name));
    if (path.isEmpty())
        return;
    QSettings().setValue(kDirectoryKey, intoFolder ? QFileInfo(path).absoluteFilePath() : QFileInfo(path).absolutePath());

    // The drawing is copied: the user may go on editing while it is written.
    const Topology topology = document->topology();
    Haproxy::ExportOptions options;
    options.source = document->filePath().isEmpty() ? QString() : QFileInfo(document->filePath()).fileName();
    options.outputFolder = intoFolder ? QFileInfo(path).absoluteFilePath() : QFileInfo(path).absolutePath();
    ++m_writing;
    emit statusMessage(tr("Exporting %1 configuration to %2…").arg(name, QDir::toNativeSeparators(path)), 0);
    runInBackground(
        &m_io, this,
        [format, topology, options, path] {
            const Haproxy::ConfigExport exported = Haproxy::exportConfiguration(format, topology, options);
            Outcome outcome{{}, exported.summary, exported.warnings, {}};
            Haproxy::writeConfiguration(exported, path, &outcome.error, &outcome.written);
            return outcome;
        },
        [this, path, name, title, intoFolder](const Outcome &outcome) {
            --m_writing;
            if (!outcome.error.isEmpty()) {
                emit statusMessage(tr("%1 configuration not exported").arg(name), 5000);
                m_prompts->showError(m_window, title, outcome.error);
            } else {
                QString message = tr("Exported %1 (%2, %3)")
                                      .arg(QDir::toNativeSeparators(path), name, outcome.summary);
                if (!intoFolder && outcome.written.size() > 1)
                    message += tr(" and %n certificate file(s) beside it", nullptr, int(outcome.written.size() - 1));
                emit statusMessage(message, 10000);
                if (!outcome.notes.isEmpty()) {
                    const QString what = intoFolder ? tr("The files in %1 are written").arg(QFileInfo(path).fileName())
                                                    : tr("%1 is written").arg(QFileInfo(path).fileName());
                    m_prompts->showReport(m_window, title, tr("%1. Please note:").arg(what), outcome.notes);
                }
            }
            emit finished(path, outcome.error, outcome.notes);
        });
}

} // namespace Loadstar::Ui
