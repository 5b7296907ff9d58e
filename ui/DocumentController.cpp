#include "DocumentController.h"

#include "BackgroundTask.h"
#include "RecentFiles.h"
#include "UserPrompts.h"
#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "document/DocumentFile.h"

#include <QDate>
#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QStandardPaths>

namespace Loadstar::Ui {

DocumentController::DocumentController(UserPrompts *prompts, QWidget *window, Options options,
                                       QObject *parent)
    : QObject(parent)
    , m_prompts(prompts)
    , m_window(window)
    , m_options(std::move(options))
    , m_recentFiles(new RecentFiles(this))
{
    if (m_options.autosaveDirectory.isEmpty())
        m_options.autosaveDirectory = Autosaver::defaultDirectory();
    m_io.setMaxThreadCount(1);
    setDocument(std::make_unique<Document>(Topology(), QString()));
}

DocumentController::~DocumentController()
{
    // A save in flight finishes before the window goes: nothing is cut short.
    m_io.waitForDone();
}

void DocumentController::setDocument(std::unique_ptr<Document> document)
{
    // The old document's recovery copy goes with it: it was saved or discarded.
    m_autosaver.reset();
    std::unique_ptr<Document> previous = std::move(m_document);
    m_document = std::move(document);
    m_autosaver = std::make_unique<Autosaver>(m_document.get(), m_options.autosaveDirectory,
                                              m_options.autosaveDelayMs);
    connect(m_autosaver.get(), &Autosaver::failed, this, [this](const QString &message) {
        emit statusMessage(tr("Could not write the recovery copy: %1").arg(message), 10000);
    });
    emit documentChanged(m_document.get());
    // Observers have switched to the new document; the old one can go.
    previous.reset();
}

void DocumentController::showReference()
{
    setDocument(std::make_unique<Document>(referenceDocument(), QString()));
}

void DocumentController::start(const QString &file)
{
    if (file.isEmpty())
        showReference();
    else
        emit statusMessage(tr("Opening %1…").arg(QFileInfo(file).fileName()), 0);

    taskStarted();
    runInBackground(
        &m_io, this,
        [directory = m_options.autosaveDirectory] {
            return Autosaver::pendingRecoveries(directory);
        },
        [this, file](QList<RecoveryFile> files) {
            taskFinished();
            offerRecoveries(std::move(files), file);
        });
}

void DocumentController::offerRecoveries(QList<RecoveryFile> files, const QString &file)
{
    for (const RecoveryFile &recovery : std::as_const(files)) {
        const QString name = recovery.originalPath.isEmpty()
                                 ? tr("Untitled")
                                 : QFileInfo(recovery.originalPath).fileName();
        const QDateTime when = recovery.savedAt.toLocalTime();
        const QString time = when.date() == QDate::currentDate()
                                 ? QLocale().toString(when.time(), QLocale::ShortFormat)
                                 : QLocale().toString(when, QLocale::ShortFormat);
        const QString question
            = tr("Loadstar closed unexpectedly. Recover unsaved changes to “%1” from %2?")
                  .arg(name, time);
        if (m_prompts->askToRecover(m_window, question)) {
            recover(recovery, file);
            return; // any older copies are offered again next time
        }
        Autosaver::discard(recovery);
    }
    if (!file.isEmpty())
        openPath(file, OpenOrigin::Startup);
}

void DocumentController::recover(const RecoveryFile &file, const QString &fallbackFile)
{
    readFrom(file.path, [this, file, fallbackFile](ReadResult result) {
        if (!result.topology) {
            showError(tr("Could not recover changes"), result.error);
            if (!fallbackFile.isEmpty())
                openPath(fallbackFile, OpenOrigin::Startup);
            return;
        }
        setDocument(std::make_unique<Document>(std::move(*result.topology), file.originalPath));
        // The recovered changes are not on disk yet: modified, until saved.
        m_document->markModified();
        m_autosaver->saveNow();
        Autosaver::discard(file);
        emit statusMessage(tr("Recovered unsaved changes to %1").arg(m_document->displayName()),
                           5000);
    });
}

void DocumentController::newDocument()
{
    whenSafeToDiscard(tr("starting a new document"), [this] {
        setDocument(std::make_unique<Document>(Topology(), QString()));
    });
}

void DocumentController::newFromTemplate(const Topology &topology, std::function<void()> opened)
{
    whenSafeToDiscard(tr("starting a new document"), [this, topology, opened] {
        setDocument(std::make_unique<Document>(topology, QString()));
        if (opened)
            opened();
    });
}

void DocumentController::open()
{
    whenSafeToDiscard(tr("opening another document"), [this] {
        QString directory = QFileInfo(m_document->filePath()).absolutePath();
        if (m_document->filePath().isEmpty())
            directory = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
        const QString path = m_prompts->askOpenPath(m_window, directory);
        if (!path.isEmpty())
            openPath(path, OpenOrigin::Dialog);
    });
}

void DocumentController::openFile(const QString &path)
{
    whenSafeToDiscard(tr("opening another document"),
                      [this, path] { openPath(path, OpenOrigin::Dialog); });
}

void DocumentController::openRecent(const QString &path)
{
    whenSafeToDiscard(tr("opening another document"),
                      [this, path] { openPath(path, OpenOrigin::Recent); });
}

void DocumentController::openPath(const QString &path, OpenOrigin origin)
{
    const QString name = QFileInfo(path).fileName();
    emit statusMessage(tr("Opening %1…").arg(name), 0);
    readFrom(path, [this, path, name, origin](ReadResult result) {
        if (result.topology) {
            setDocument(std::make_unique<Document>(std::move(*result.topology), path));
            m_recentFiles->add(path);
            emit statusMessage(tr("Opened %1").arg(name), 3000);
            emit documentOpened(path);
            return;
        }
        emit statusMessage(QString(), 0);
        if (origin == OpenOrigin::Recent && result.missing) {
            m_recentFiles->remove(path);
            showError(tr("Could not open document"),
                      tr("“%1” no longer exists at %2, so it was removed from Open Recent.")
                          .arg(name, QDir::toNativeSeparators(QFileInfo(path).absolutePath())));
            return;
        }
        // Started on a file that cannot be read: show the reference design
        // rather than an empty window, behind the message.
        if (origin == OpenOrigin::Startup)
            showReference();
        showError(tr("Could not open document"), result.error);
    });
}

void DocumentController::save()
{
    if (m_document->filePath().isEmpty()) {
        saveAs();
        return;
    }
    writeTo(m_document->filePath(), {});
}

void DocumentController::saveAs()
{
    QString path = m_prompts->askSavePath(m_window, suggestedSavePath());
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".loadstar");
    writeTo(path, {});
}

QString DocumentController::suggestedSavePath() const
{
    if (!m_document->filePath().isEmpty())
        return m_document->filePath();
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    return QDir(folder).filePath(tr("Untitled") + QStringLiteral(".loadstar"));
}

void DocumentController::writeTo(const QString &path, std::function<void()> onSaved)
{
    // Snapshot now; edits made while the worker writes keep the document
    // modified (markSaved compares undo indexes).
    QPointer<Document> document = m_document.get();
    const int index = m_document->undoStack()->index();
    const QString name = QFileInfo(path).fileName();
    emit statusMessage(tr("Saving %1…").arg(name), 0);
    taskStarted();
    runInBackground(
        &m_io, this,
        [topology = m_document->topology(), path] {
            QString error;
            const bool ok = DocumentFile::write(topology, path, &error);
            return ok ? QString() : error;
        },
        [this, document, index, path, name, onSaved](QString error) {
            taskFinished();
            if (!error.isEmpty()) {
                emit statusMessage(tr("Not saved"), 5000);
                showError(tr("Could not save document"), error);
                return;
            }
            if (document) {
                document->setFilePath(path);
                document->markSaved(index);
            }
            m_recentFiles->add(path);
            emit statusMessage(tr("Saved %1").arg(name), 4000);
            emit documentSaved(path);
            if (onSaved)
                onSaved();
        });
}

void DocumentController::readFrom(const QString &path, std::function<void(ReadResult)> done)
{
    taskStarted();
    runInBackground(
        &m_io, this,
        [path] {
            ReadResult result;
            result.topology = DocumentFile::read(path, &result.error);
            result.missing = !result.topology && !QFileInfo::exists(path);
            return result;
        },
        [this, done](ReadResult result) {
            taskFinished();
            done(std::move(result));
        });
}

void DocumentController::whenSafeToDiscard(const QString &reason, std::function<void()> proceed)
{
    if (isBusy()) {
        // Let a save in flight land first; it may make the document clean.
        m_whenIdle.append([this, reason, proceed] { whenSafeToDiscard(reason, proceed); });
        return;
    }
    if (!m_document->isModified()) {
        proceed();
        return;
    }
    const QString question
        = tr("Save changes to “%1” before %2?").arg(m_document->displayName(), reason);
    switch (m_prompts->askToSaveChanges(m_window, question)) {
    case UnsavedChoice::Cancel:
        return;
    case UnsavedChoice::Discard:
        proceed();
        return;
    case UnsavedChoice::Save:
        break;
    }
    QString path = m_document->filePath();
    if (path.isEmpty()) {
        path = m_prompts->askSavePath(m_window, suggestedSavePath());
        if (path.isEmpty())
            return;
        if (QFileInfo(path).suffix().isEmpty())
            path += QStringLiteral(".loadstar");
    }
    writeTo(path, proceed);
}

void DocumentController::taskStarted()
{
    if (m_tasks++ == 0)
        emit busyChanged(true);
}

void DocumentController::taskFinished()
{
    if (--m_tasks > 0)
        return;
    emit busyChanged(false);
    const auto waiting = std::exchange(m_whenIdle, {});
    for (const auto &callback : waiting)
        callback();
}

void DocumentController::showError(const QString &title, const QString &message)
{
    m_prompts->showError(m_window, title, message);
}

} // namespace Loadstar::Ui
