#include "EventHistory.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTimer>
#include <QUuid>

namespace Loadstar {

// Lives on the history's thread and owns its database connection.
class EventWriter : public QObject
{
    Q_OBJECT
public:
    static constexpr int BatchMs = 200;

    EventWriter()
        : m_connection(QStringLiteral("loadstar-history-%1").arg(QUuid::createUuid().toString(QUuid::Id128)))
    {
    }

    ~EventWriter() override { close(); }

    void open(const QString &path, int retentionDays)
    {
        close();
        QString error;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
            db.setDatabaseName(path);
            // Two windows (or two test programs) may open the same file at
            // once: wait for the other's lock instead of failing.
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
            const QFileInfo file(path);
            if (!QDir().mkpath(file.absolutePath()))
                error = tr("cannot create the folder %1").arg(file.absolutePath());
            else if (!db.open())
                error = db.lastError().text();
            else
                error = prepare(db, retentionDays);
        }
        if (!error.isEmpty()) {
            QSqlDatabase::removeDatabase(m_connection);
            emit opened(tr("The event history %1 cannot be used: %2").arg(QDir::toNativeSeparators(path), error));
            return;
        }
        m_open = true;
        emit opened(QString());
    }

    void append(const StoredEvent &event)
    {
        if (!m_open)
            return;
        m_pending.append(event);
        if (!m_timer) {
            m_timer = new QTimer(this);
            m_timer->setSingleShot(true);
            connect(m_timer, &QTimer::timeout, this, &EventWriter::write);
        }
        if (!m_timer->isActive())
            m_timer->start(BatchMs);
    }

    void load(int limit)
    {
        write();
        QList<StoredEvent> events;
        if (m_open) {
            QSqlQuery query(QSqlDatabase::database(m_connection));
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
        if (!m_open || m_pending.isEmpty())
            return;
        QSqlDatabase db = QSqlDatabase::database(m_connection);
        db.transaction();
        QSqlQuery insert(db);
        insert.prepare(QStringLiteral("INSERT INTO events (time_ms, node, from_state, to_state, message, up)"
                                      " VALUES (?, ?, ?, ?, ?, ?)"));
        for (const StoredEvent &event : std::as_const(m_pending)) {
            insert.bindValue(0, event.time.toMSecsSinceEpoch());
            insert.bindValue(1, event.node);
            insert.bindValue(2, event.from);
            insert.bindValue(3, event.to);
            insert.bindValue(4, event.message);
            insert.bindValue(5, event.up);
            insert.exec();
        }
        db.commit();
        m_pending.clear();
    }

signals:
    void opened(const QString &error);
    void loaded(const QList<Loadstar::StoredEvent> &events);

private:
    // The table, checked to be ours, and the retention applied.
    QString prepare(QSqlDatabase &db, int retentionDays)
    {
        QSqlQuery query(db);
        if (!query.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY,"
                                       " time_ms INTEGER NOT NULL, node TEXT NOT NULL, from_state TEXT NOT NULL,"
                                       " to_state TEXT NOT NULL, message TEXT NOT NULL, up INTEGER NOT NULL)"))) {
            return query.lastError().databaseText();
        }
        if (!query.exec(QStringLiteral("SELECT time_ms, node, from_state, to_state, message, up FROM events LIMIT 0")))
            return tr("it has an events table that is not Loadstar's (%1)").arg(query.lastError().databaseText());
        query.prepare(QStringLiteral("DELETE FROM events WHERE time_ms < ?"));
        query.addBindValue(QDateTime::currentDateTimeUtc().addDays(-retentionDays).toMSecsSinceEpoch());
        if (!query.exec())
            return query.lastError().databaseText();
        return QString();
    }

    void close()
    {
        write();
        if (!m_open)
            return;
        m_open = false;
        QSqlDatabase::database(m_connection).close();
        QSqlDatabase::removeDatabase(m_connection);
    }

    QString m_connection;
    bool m_open = false;
    QList<StoredEvent> m_pending;
    QTimer *m_timer = nullptr;
};

EventHistory::EventHistory(QObject *parent)
    : QObject(parent)
    , m_writer(new EventWriter)
{
    qRegisterMetaType<StoredEvent>();
    qRegisterMetaType<QList<StoredEvent>>();
    m_thread.setObjectName(QStringLiteral("event history"));
    m_writer->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_writer, &QObject::deleteLater);
    connect(m_writer, &EventWriter::opened, this, &EventHistory::opened, Qt::QueuedConnection);
    connect(m_writer, &EventWriter::loaded, this, &EventHistory::loaded, Qt::QueuedConnection);
    m_thread.start();
}

EventHistory::~EventHistory()
{
    // The writer writes what is pending and closes the file as it is deleted,
    // on its own thread, when the thread finishes.
    m_thread.quit();
    m_thread.wait();
}

void EventHistory::open(const QString &path, int retentionDays)
{
    QMetaObject::invokeMethod(m_writer, [writer = m_writer, path, retentionDays] { writer->open(path, retentionDays); });
}

void EventHistory::append(const StoredEvent &event)
{
    QMetaObject::invokeMethod(m_writer, [writer = m_writer, event] { writer->append(event); });
}

void EventHistory::load(int limit)
{
    QMetaObject::invokeMethod(m_writer, [writer = m_writer, limit] { writer->load(limit); });
}

void EventHistory::flush()
{
    QMetaObject::invokeMethod(m_writer, [writer = m_writer] { writer->write(); }, Qt::BlockingQueuedConnection);
}

QString defaultEventHistoryPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("history.sqlite"));
}

} // namespace Loadstar

#include "EventHistory.moc"
