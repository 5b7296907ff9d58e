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

QString fileNameFor(Haproxy::ConfigFormat format)
{
    switch (format) {
    case Haproxy::ConfigFormat::Haproxy:
        return QStringLiteral("haproxy.cfg");
    case Haproxy::ConfigFormat::Keepalived:
        return QStringLiteral("keepalived.conf");
    case Haproxy::ConfigFormat::Nginx:
        return QStringLiteral("nginx.conf");
    }
    return {};
}

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
    const QString path = m_prompts->askExportPath(
        m_window, tr("Export %1 Configuration").arg(name), QDir(folder).filePath(fileNameFor(format)),
        tr("%1 configuration (*.cfg *.conf);;All files (*)").arg(name));
    if (path.isEmpty())
        return;
    QSettings().setValue(kDirectoryKey, QFileInfo(path).absolutePath());

    // The drawing is copied: the user may go on editing while it is written.
    const Topology topology = document->topology();
    Haproxy::ExportOptions options;
    options.source = document->filePath().isEmpty() ? QString() : QFileInfo(document->filePath()).fileName();
    options.outputFolder = QFileInfo(path).absolutePath();
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
        [this, path, name](const Outcome &outcome) {
            --m_writing;
            if (!outcome.error.isEmpty()) {
                emit statusMessage(tr("%1 configuration not exported").arg(name), 5000);
                m_prompts->showError(m_window, tr("Export %1 Configuration").arg(name), outcome.error);
            } else {
                QString message = tr("Exported %1 (%2, %3)")
                                      .arg(QDir::toNativeSeparators(path), name, outcome.summary);
                if (outcome.written.size() > 1)
                    message += tr(" and %n certificate file(s) beside it", nullptr, int(outcome.written.size() - 1));
                emit statusMessage(message, 10000);
                if (!outcome.notes.isEmpty()) {
                    m_prompts->showReport(m_window, tr("Export %1 Configuration").arg(name),
                                          tr("%1 is written. Please note:").arg(QFileInfo(path).fileName()),
                                          outcome.notes);
                }
            }
            emit finished(path, outcome.error, outcome.notes);
        });
}

} // namespace Loadstar::Ui
