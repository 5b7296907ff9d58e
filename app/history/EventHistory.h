#pragma once

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>

namespace Loadstar {

// One health event as the Events panel shows it and the history keeps it.
struct StoredEvent
{
    QDateTime time; // UTC, milliseconds
    QString node;
    QString from; // "UP"
    QString to;   // "DOWN"
    QString message;
    bool up = false;

    bool operator==(const StoredEvent &) const = default;
};

class EventWriter;
class HistoryThread;

// The event log on disk: a SQLite file written by a thread of its own, so
// that a run never waits for the disk. Events are appended in batches (one
// transaction every 200 ms at most); events older than the retention are
// deleted when the file is opened. Every call returns at once; results come
// back as signals on the caller's thread.
class EventHistory : public QObject
{
    Q_OBJECT
public:
    static constexpr int DefaultRetentionDays = 30;

    explicit EventHistory(QObject *parent = nullptr);
    ~EventHistory() override; // writes what is pending, closes the file

    // Opens (or creates) the file; opened() says how it went. A file that is
    // not an event log is left as it is: the error names it, and appends are
    // dropped until another open() succeeds.
    void open(const QString &path, int retentionDays = DefaultRetentionDays);
    void append(const StoredEvent &event);
    // The newest `limit` events, oldest first, through loaded().
    void load(int limit);
    // Waits until everything asked before is done (for tests and shutdown).
    void flush();

signals:
    void opened(const QString &error); // empty: ready
    void loaded(const QList<Loadstar::StoredEvent> &events);

private:
    EventWriter *m_writer; // on m_thread
    std::unique_ptr<HistoryThread> m_thread;
};

// "history.sqlite" in the application's data folder.
QString defaultEventHistoryPath();

} // namespace Loadstar

Q_DECLARE_METATYPE(Loadstar::StoredEvent)
