#include "HaproxyImportController.h"

#include "BackgroundTask.h"
#include "DocumentController.h"
#include "UserPrompts.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

namespace Loadstar::Ui {

namespace {

const QString kFolderKey = QStringLiteral("import/haproxyFolder");

} // namespace

HaproxyImportController::HaproxyImportController(DocumentController *documents, QWidget *window, QObject *parent)
    : QObject(parent)
    , m_documents(documents)
    , m_prompts(documents->prompts())
    , m_window(window)
    , m_action(new QAction(tr("&Import HAProxy Configuration…"), this))
{
    m_action->setObjectName(QStringLiteral("actionImportHaproxy"));
    m_action->setStatusTip(tr("Draw an existing haproxy.cfg: its frontends as load balancers, their backends' "
                              "servers, and every line Loadstar does not model kept for export"));
    connect(m_action, &QAction::triggered, this, &HaproxyImportController::ask);
    m_io.setMaxThreadCount(1);
}

HaproxyImportController::~HaproxyImportController()
{
    // A read still under way reports to this object: it finishes first.
    m_io.waitForDone();
}

void HaproxyImportController::ask()
{
    QString folder = QSettings().value(kFolderKey).toString();
    if (folder.isEmpty() || !QFileInfo(folder).isDir())
        folder = QFileInfo::exists(QStringLiteral("/etc/haproxy")) ? QStringLiteral("/etc/haproxy")
                                                                  : QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString path = m_prompts->askImportPath(m_window, tr("Import HAProxy Configuration"), folder,
                                                  tr("HAProxy configuration (*.cfg);;All files (*)"));
    if (path.isEmpty())
        return;
    QSettings().setValue(kFolderKey, QFileInfo(path).absolutePath());
    importFrom(path);
}

void HaproxyImportController::importFrom(const QString &path)
{
    ++m_reading;
    m_action->setEnabled(false);
    emit statusMessage(tr("Reading %1…").arg(QDir::toNativeSeparators(path)), 0);
    runInBackground(
        &m_io, this, [path] { return Haproxy::importFile(path); },
        [this, path](Haproxy::ImportResult result) {
            --m_reading;
            m_action->setEnabled(m_reading == 0);
            finished(path, result);
        });
}

void HaproxyImportController::finished(const QString &path, const Haproxy::ImportResult &result)
{
    const QString name = QFileInfo(path).fileName();
    if (!result.ok()) {
        QStringList lines;
        for (const Haproxy::ConfigError &error : result.errors)
            lines.append(error.text());
        const QString message = tr("%1 was not imported; the document is unchanged.\n\n%2")
                                    .arg(QDir::toNativeSeparators(path), lines.join(QLatin1Char('\n')));
        emit statusMessage(QString(), 0);
        m_prompts->showError(m_window, tr("Import HAProxy Configuration"), message);
        emit failed(path, message);
        return;
    }
    emit statusMessage(QString(), 0);
    const Haproxy::ImportReport report = result.report;
    m_documents->newFromTemplate(result.topology, [this, path, name, report] {
        emit statusMessage(report.summary(name), 10000);
        m_prompts->showReport(m_window, tr("Imported %1").arg(name), report.summary(name), report.lines());
        emit imported(path, report);
    });
}

} // namespace Loadstar::Ui
