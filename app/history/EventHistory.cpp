#include "EventHistory.h"

#include "HistoryFile.h"

#include <QDir>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>

namespace Loadstar {

// Lives on the history's thread and owns its database connection.
class EventWriter : public QObject
{
    Q_OBJECT
public:
    EventWriter()
        : m_file(this, tr("event history"), [this] { write(); })
    {
    }

    ~EventWriter() override { write(); }

    void open(const QString &path, int retentionDays)
    {
        write();
        emit opened(m_file.open(path, [retentionDays](QSqlDatabase &db) { return prepare(db, retentionDays); }));
    }

    void append(const StoredEvent &event)
    {
        if (!m_file.isOpen())
            return;
        m_pending.append(event);
        m_file.scheduleWrite();
    }

    void load(int limit)
    {
        write();
        QList<StoredEvent> events;
        if (m_file.isOpen()) {
            QSqlQuery query(m_file.database());
            query.prepare(QStringLiteral("SELECT time_ms, node, from_state, to_state, message, up FROM events"
                                         " ORDER BY id DESC LIMIT ?"));
            query.addBindValue(limit);
            if (query.exec()) {
                while (query.next()) {
                    StoredEvent event;
                    event.time = QDateTime::fromMSecsSinceEpoch(query.value(0).toLongLong(), Qt::UTC);
                    event.node = query.value(1).toString();
                    event.from = query.value(2).toString();
                    event.to = query.value(3).toString();
                    event.message = query.value(4).toString();
                    event.up = query.value(5).toBool();
                    events.prepend(event);
                }
            }
        }
        emit loaded(events);
    }

    void write()
    {
        if (!m_file.isOpen() || m_pending.isEmpty())
            return;
        m_file.insertAll(QStringLiteral("INSERT INTO events (time_ms, node, from_state, to_state, message, up)"
                                        " VALUES (?, ?, ?, ?, ?, ?)"),
                         m_pending, [](QSqlQuery &insert, const StoredEvent &event) {
                             insert.bindValue(0, event.time.toMSecsSinceEpoch());
                             insert.bindValue(1, event.node);
                             insert.bindValue(2, event.from);
                             insert.bindValue(3, event.to);
                             insert.bindValue(4, event.message);
                             insert.bindValue(5, event.up);
                         });
        m_pending.clear();
    }

signals:
    void opened(const QString &error);
    void loaded(const QList<Loadstar::StoredEvent> &events);

private:
    // The table, checked to be ours, and the retention applied.
    static QString prepare(QSqlDatabase &db, int retentionDays)
    {
        QSqlQuery query(db);
        if (!query.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY,"
                                       " time_ms INTEGER NOT NULL, node TEXT NOT NULL, from_state TEXT NOT NULL,"
                                       " to_state TEXT NOT NULL, message TEXT NOT NULL, up INTEGER NOT NULL)"))) {
            return query.lastError().databaseText();
        }
        if (!query.exec(QStringLiteral("SELECT time_ms, node, from_state, to_state, message, up FROM events LIMIT 0")))
            return tr("it has an events table that is not Loadstar's (%1)").arg(query.lastError().databaseText());
        return pruneHistory(db, retentionDays);
    }

    HistoryFile m_file;
    QList<StoredEvent> m_pending;
};

EventHistory::EventHistory(QObject *parent)
    : QObject(parent)
    , m_writer(new EventWriter)
{
    qRegisterMetaType<StoredEvent>();
    qRegisterMetaType<QList<StoredEvent>>();
    connect(m_writer, &EventWriter::opened, this, &EventHistory::opened, Qt::QueuedConnection);
    connect(m_writer, &EventWriter::loaded, this, &EventHistory::loaded, Qt::QueuedConnection);
    m_thread = std::make_unique<HistoryThread>(m_writer, QStringLiteral("event history"));
}

// The writer writes what is pending and closes the file as it is deleted,
// on its own thread, when the thread finishes.
EventHistory::~EventHistory() = default;

void EventHistory::open(const QString &path, int retentionDays)
{
    m_thread->post([writer = m_writer, path, retentionDays] { writer->open(path, retentionDays); });
}

void EventHistory::append(const StoredEvent &event)
{
    m_thread->post([writer = m_writer, event] { writer->append(event); });
}

void EventHistory::load(int limit)
{
    m_thread->post([writer = m_writer, limit] { writer->load(limit); });
}

void EventHistory::flush()
{
    m_thread->wait([writer = m_writer] { writer->write(); });
}

QString defaultEventHistoryPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("history.sqlite"));
}

} // namespace Loadstar

#include "EventHistory.moc"
