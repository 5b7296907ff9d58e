#pragma once

#include "DocumentFile.h"

#include <QDateTime>
#include <QLockFile>
#include <QObject>
#include <QThreadPool>
#include <QTimer>

#include <memory>

namespace Loadstar {

class Document;

// A recovery file left behind by a session that ended without closing its
// document (a crash, a kill, a power cut).
struct RecoveryFile
{
    QString path;         // the recovery file itself
    QString originalPath; // the document it is a copy of; empty if never saved
    QDateTime savedAt;
    int nodeCount = 0;
};

// Keeps a recovery copy of a modified document: a while after each edit it
// writes the topology to a file of its own in `directory`, on a worker thread,
// and deletes it again once the document is saved or closed. Each session
// holds a lock beside its file, so a file whose lock has no living owner is
// one to offer back (see pendingRecoveries).
class Autosaver : public QObject
{
    Q_OBJECT

public:
    Autosaver(Document *document, const QString &directory, int delayMs, QObject *parent = nullptr);
    ~Autosaver() override;

    QString recoveryPath() const { return m_path; }
    // Writes now if the document is modified and differs from the last copy.
    void saveNow();

    // The default folder: the user's application data folder.
    static QString defaultDirectory();
    // Recovery files in `directory` whose session is gone, newest first.
    static QList<RecoveryFile> pendingRecoveries(const QString &directory);
    // Deletes a recovery file the user declined or has recovered.
    static void discard(const RecoveryFile &file);

signals:
    void saved(const QString &path);
    void failed(const QString &message);

private:
    void onChanged();
    void removeCopy();

    Document *m_document;
    QString m_path;
    std::unique_ptr<QLockFile> m_lock;
    QTimer m_timer;
    QThreadPool m_writer; // one thread: copies are written in order
    int m_savedIndex = -1;
    bool m_hasCopy = false;
};

} // namespace Loadstar
