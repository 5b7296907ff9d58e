#pragma once

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QStringList>
#include <QThread>
#include <QTimer>

#include <functional>

namespace Loadstar {

// The history file as one thread sees it: a SQLite connection of its own
// (named uniquely, so two histories on one file do not share it), opened
// with a busy timeout, and a batch timer that gathers appends into one
// transaction. EventHistory and MetricsHistory each keep one on their
// writer's thread; it must be used from that thread only.
class HistoryFile
{
public:
    static constexpr int BatchMs = 200;

    // `what` names the history in messages ("event history"); `write` is
    // called on the timer to write what is pending.
    HistoryFile(QObject *owner, const QString &what, std::function<void()> write);
    ~HistoryFile();
    HistoryFile(const HistoryFile &) = delete;
    HistoryFile &operator=(const HistoryFile &) = delete;

    // Opens (or creates) `path` and lets `prepare` create and check the
    // tables; a message that says which file and why, empty when ready.
    QString open(const QString &path, const std::function<QString(QSqlDatabase &)> &prepare);
    void close();
    bool isOpen() const { return m_open; }
    QSqlDatabase database() const;
    // Starts the batch timer unless it runs already.
    void scheduleWrite();
    // Runs the insert `sql` once a row in one transaction, `bind` binding
    // each row's values.
    template<typename Row, typename Bind>
    void insertAll(const QString &sql, const QList<Row> &rows, Bind bind)
    {
        QSqlDatabase db = database();
        db.transaction();
        QSqlQuery insert(db);
        insert.prepare(sql);
        for (const Row &row : rows) {
            bind(insert, row);
            insert.exec();
        }
        db.commit();
    }

private:
    QString m_what;
    QString m_connection;
    bool m_open = false;
    QTimer m_timer;
};

// Deletes the rows of the history tables (those that exist of "events" and
// "metrics") older than `retentionDays`; an error text, empty when done.
QString pruneHistory(QSqlDatabase &db, int retentionDays);

// CSV's quoting: a cell with a comma, quote or line break goes in quotes.
QString csvCell(const QString &text);

// The thread a history's writer lives on. The writer is moved there at
// once and deleted on it when this goes (after the writer has finished what
// it was asked), so the writer's destructor can write what is pending.
class HistoryThread
{
public:
    HistoryThread(QObject *writer, const QString &name);
    ~HistoryThread();
    HistoryThread(const HistoryThread &) = delete;
    HistoryThread &operator=(const HistoryThread &) = delete;

    // Runs `work` on the writer's thread; returns at once.
    template<typename Work>
    void post(Work &&work)
    {
        QMetaObject::invokeMethod(m_writer, std::forward<Work>(work));
    }
    // Runs `work` there and waits for it (tests and shutdown only).
    template<typename Work>
    void wait(Work &&work)
    {
        QMetaObject::invokeMethod(m_writer, std::forward<Work>(work), Qt::BlockingQueuedConnection);
    }

private:
    QThread m_thread;
    QObject *m_writer;
};

} // namespace Loadstar
