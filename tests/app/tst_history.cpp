// The event log on disk: what a run recorded is there after a restart, old
// events go, and a file that is not an event log is named and left alone.

#include "history/EventHistory.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace Loadstar;

namespace {

StoredEvent healthEvent(const QDateTime &time, const QString &node, bool up)
{
    return {time, node, up ? QStringLiteral("DOWN") : QStringLiteral("UP"), up ? QStringLiteral("UP") : QStringLiteral("DOWN"),
            QStringLiteral("Server lb/%1 is %2.").arg(node, up ? QStringLiteral("UP") : QStringLiteral("DOWN")), up};
}

// Opens `path` and returns the error opened() reported (empty: ready).
QString openHistory(EventHistory &history, const QString &path, int retentionDays = EventHistory::DefaultRetentionDays)
{
    QSignalSpy opened(&history, &EventHistory::opened);
    history.open(path, retentionDays);
    if (!opened.wait(10000))
        return QStringLiteral("(opened never came)");
    return opened.first().first().toString();
}

QList<StoredEvent> loadHistory(EventHistory &history, int limit)
{
    QSignalSpy loaded(&history, &EventHistory::loaded);
    history.load(limit);
    if (!loaded.wait(10000))
        return {};
    return loaded.first().first().value<QList<StoredEvent>>();
}

} // namespace

class HistoryTest : public QObject
{
    Q_OBJECT

private slots:
    void eventsSurviveARestartInOrder()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("sub/history.sqlite")); // the folder is created
        const QDateTime start = QDateTime::currentDateTimeUtc();
        const QList<StoredEvent> written{healthEvent(start, QStringLiteral("web-01"), false),
                                         healthEvent(start.addMSecs(1250), QStringLiteral("web-01"), true),
                                         healthEvent(start.addSecs(3), QStringLiteral("db-02"), false)};
        {
            EventHistory history;
            QCOMPARE(openHistory(history, path), QString());
            for (const StoredEvent &e : written)
                history.append(e);
        } // closing writes what is pending

        EventHistory reopened;
        QCOMPARE(openHistory(reopened, path), QString());
        const QList<StoredEvent> read = loadHistory(reopened, 100);
        QCOMPARE(read, written);
        // The newest ones when asked for fewer, still oldest first.
        QCOMPARE(loadHistory(reopened, 2), written.mid(1));
    }

    void manyEventsInBurstsAreAllKept()
    {
        QTemporaryDir dir;
        EventHistory history;
        QCOMPARE(openHistory(history, dir.filePath(QStringLiteral("h.sqlite"))), QString());
        const QDateTime start = QDateTime::currentDateTimeUtc();
        for (int i = 0; i < 2000; ++i)
            history.append(healthEvent(start.addMSecs(i), QStringLiteral("web-%1").arg(i % 7), i % 2));
        const QList<StoredEvent> read = loadHistory(history, 5000);
        QCOMPARE(read.size(), 2000);
        QCOMPARE(read.last().node, QStringLiteral("web-%1").arg(1999 % 7));
        QCOMPARE(read.last().time, start.addMSecs(1999));
    }

    void eventsOlderThanTheRetentionAreDeletedOnOpen()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("h.sqlite"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        {
            EventHistory history;
            QCOMPARE(openHistory(history, path), QString());
            history.append(healthEvent(now.addDays(-40), QStringLiteral("old"), false));
            history.append(healthEvent(now.addDays(-2), QStringLiteral("recent"), false));
        }
        EventHistory history;
        QCOMPARE(openHistory(history, path, 7), QString());
        const QList<StoredEvent> read = loadHistory(history, 10);
        QCOMPARE(read.size(), 1);
        QCOMPARE(read.first().node, QStringLiteral("recent"));
    }

    void aFileThatIsNotAnEventLogIsNamedAndLeftAlone()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("notes.sqlite"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        const QByteArray text("These are my notes, not a database. ");
        file.write(text.repeated(200));
        file.close();

        EventHistory history;
        const QString error = openHistory(history, path);
        QVERIFY2(error.startsWith(QStringLiteral("The event history %1 cannot be used: ").arg(QDir::toNativeSeparators(path))),
                 qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("not a database")), qPrintable(error));
        history.append(healthEvent(QDateTime::currentDateTimeUtc(), QStringLiteral("web-01"), false));
        QCOMPARE(loadHistory(history, 10), QList<StoredEvent>());
        history.flush();
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), text.repeated(200)); // untouched

        // Another file works.
        QCOMPARE(openHistory(history, dir.filePath(QStringLiteral("h.sqlite"))), QString());
    }
};

QTEST_GUILESS_MAIN(HistoryTest)
#include "tst_history.moc"
