#include "Autosaver.h"

#include "Document.h"

#include <QDir>
#include <QFile>
#include <QPointer>
#include <QStandardPaths>
#include <QUuid>

#include <algorithm>

namespace Loadstar {

namespace {

const QString kOriginalKey = QStringLiteral("recovery_of");
const QString kSavedAtKey = QStringLiteral("recovery_saved_at");

QString lockPathFor(const QString &recoveryPath)
{
    return recoveryPath + QStringLiteral(".lock");
}

} // namespace

Autosaver::Autosaver(Document *document, const QString &directory, int delayMs, QObject *parent)
    : QObject(parent)
    , m_document(document)
{
    QDir().mkpath(directory);
    m_path = QDir(directory).filePath(QUuid::createUuid().toString(QUuid::WithoutBraces)
                                      + QStringLiteral(".loadstar"));
    m_lock = std::make_unique<QLockFile>(lockPathFor(m_path));
    m_lock->setStaleLockTime(0);
    m_lock->tryLock(0);
    m_writer.setMaxThreadCount(1);

    m_timer.setSingleShot(true);
    m_timer.setInterval(delayMs);
    connect(&m_timer, &QTimer::timeout, this, &Autosaver::saveNow);
    connect(document->undoStack(), &QUndoStack::indexChanged, this, &Autosaver::onChanged);
    connect(document->undoStack(), &QUndoStack::cleanChanged, this, &Autosaver::onChanged);
    connect(document, &Document::topologyReset, this, &Autosaver::onChanged);
}

Autosaver::~Autosaver()
{
    m_writer.waitForDone();
    removeCopy();
    m_lock->unlock();
}

void Autosaver::onChanged()
{
    if (m_document->isModified()) {
        if (!m_timer.isActive())
            m_timer.start();
    } else {
        m_timer.stop();
        removeCopy();
    }
}

void Autosaver::saveNow()
{
    if (!m_document->isModified() || m_document->undoStack()->index() == m_savedIndex)
        return;
    m_savedIndex = m_document->undoStack()->index();
    m_hasCopy = true;

    DocumentFile::SaveOptions options;
    options.metadata.insert(kOriginalKey, m_document->filePath());
    options.metadata.insert(kSavedAtKey, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    // The worker gets its own copy of the topology; the GUI thread never
    // waits for the disk.
    m_writer.start(
        [topology = m_document->topology(), path = m_path, options, self = QPointer<Autosaver>(this)] {
            QString error;
            const bool ok = DocumentFile::write(topology, path, &error, options);
            if (!self)
                return;
            QMetaObject::invokeMethod(self.get(), [self, ok, error, path] {
                if (!self)
                    return;
                if (ok)
                    emit self->saved(path);
                else
                    emit self->failed(error);
            }, Qt::QueuedConnection);
        });
}

void Autosaver::removeCopy()
{
    if (!m_hasCopy)
        return;
    // Let a write still running finish first, so it cannot recreate the file.
    m_writer.waitForDone();
    QFile::remove(m_path);
    m_hasCopy = false;
    m_savedIndex = -1;
}

QString Autosaver::defaultDirectory()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/recovery");
}

QList<RecoveryFile> Autosaver::pendingRecoveries(const QString &directory)
{
    QList<RecoveryFile> result;
    const QDir dir(directory);
    const auto entries = dir.entryInfoList({QStringLiteral("*.loadstar")}, QDir::Files);
    for (const QFileInfo &entry : entries) {
        QLockFile lock(lockPathFor(entry.absoluteFilePath()));
        lock.setStaleLockTime(0);
        if (!lock.tryLock(0))
            continue; // its session is still running
        lock.unlock();
        QString error;
        DocumentFile::Metadata metadata;
        const auto topology = DocumentFile::read(entry.absoluteFilePath(), &error, &metadata);
        if (!topology)
            continue;
        result.append({entry.absoluteFilePath(), metadata.value(kOriginalKey),
                       QDateTime::fromString(metadata.value(kSavedAtKey), Qt::ISODateWithMs),
                       int(topology->nodes().size())});
    }
    std::sort(result.begin(), result.end(),
              [](const RecoveryFile &a, const RecoveryFile &b) { return a.savedAt > b.savedAt; });
    return result;
}

void Autosaver::discard(const RecoveryFile &file)
{
    QFile::remove(file.path);
    QFile::remove(lockPathFor(file.path));
}

} // namespace Loadstar
