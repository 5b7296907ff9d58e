#include "TestTopologies.h"

#include "document/Autosaver.h"
#include "document/Commands.h"
#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "document/DocumentFile.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace Loadstar;

class AutosaveTest : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void editsAreCopiedAndTheCopyGoesAwayOnSave()
    {
        Document document(referenceDocument(), QString());
        Autosaver autosaver(&document, m_dir->path(), 10);
        QSignalSpy saved(&autosaver, &Autosaver::saved);
        QSignalSpy failed(&autosaver, &Autosaver::failed);
        const NodeId web = document.topology().nodeByName(QStringLiteral("web-01"))->id;
        document.undoStack()->push(new RenameNodeCommand(&document, web, QStringLiteral("web-edited")));
        QTRY_COMPARE(saved.count() + failed.count(), 1);
        QCOMPARE(failed.count(), 0);
        QString error;
        const auto copy = DocumentFile::read(autosaver.recoveryPath(), &error);
        QVERIFY2(copy, qPrintable(error));
        QCOMPARE(*copy, document.topology());

        // While this session runs, its copy is not offered to anyone else.
        QVERIFY(Autosaver::pendingRecoveries(m_dir->path()).isEmpty());

        document.markSaved(document.undoStack()->index());
        QVERIFY(!QFile::exists(autosaver.recoveryPath()));
    }

    void anUnmodifiedDocumentIsNotCopied()
    {
        Document document(referenceDocument(), QString());
        Autosaver autosaver(&document, m_dir->path(), 0);
        QSignalSpy saved(&autosaver, &Autosaver::saved);
        autosaver.saveNow();
        QCOMPARE(saved.count(), 0);
        QVERIFY(!QFile::exists(autosaver.recoveryPath()));
    }

    void closingCleanlyLeavesNothingToRecover()
    {
        {
            Document document(referenceDocument(), QString());
            Autosaver autosaver(&document, m_dir->path(), 0);
            QSignalSpy saved(&autosaver, &Autosaver::saved);
            document.undoStack()->push(new RenameNodeCommand(&document, 1, QStringLiteral("x")));
            QTRY_COMPARE(saved.count(), 1);
        }
        QVERIFY(Autosaver::pendingRecoveries(m_dir->path()).isEmpty());
        QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("*.loadstar")}, QDir::Files).size(), 0);
    }

    // A session that really crashes after autosaving: the next start finds
    // its copy, with the edit and the document it belongs to.
    void aCrashedSessionsCopyIsOffered()
    {
        const QString original = m_dir->filePath(QStringLiteral("mine.loadstar"));
        const QString recoveryDir = m_dir->filePath(QStringLiteral("recovery"));
        QProcess helper;
        helper.start(QStringLiteral(HELPER_BINARY), {QStringLiteral("autosave-then-abort"), recoveryDir, original});
        QVERIFY(helper.waitForFinished(60000));
        QCOMPARE(helper.exitStatus(), QProcess::CrashExit);

        const QList<RecoveryFile> pending = Autosaver::pendingRecoveries(recoveryDir);
        QCOMPARE(pending.size(), 1);
        QCOMPARE(pending.first().originalPath, original);
        QCOMPARE(pending.first().nodeCount, 6);
        QVERIFY(qAbs(pending.first().savedAt.secsTo(QDateTime::currentDateTimeUtc())) < 120);
        QString error;
        const auto recovered = DocumentFile::read(pending.first().path, &error);
        QVERIFY2(recovered, qPrintable(error));
        QVERIFY(recovered->nodeByName(QStringLiteral("web-recovered")));

        Autosaver::discard(pending.first());
        QVERIFY(Autosaver::pendingRecoveries(recoveryDir).isEmpty());
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

QTEST_GUILESS_MAIN(AutosaveTest)
#include "tst_autosave.moc"
