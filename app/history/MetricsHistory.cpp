#include "MetricsHistory.h"

#include "HistoryFile.h"

#include <QDir>
#include <QSaveFile>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTextStream>
#include <QTimer>

#include <cmath>

namespace Loadstar {

namespace {

constexpr int PruneIntervalMs = 60 * 60 * 1000;

// The columns of the first metrics table, which every history file has.
const QString kFirstColumns
    = QStringLiteral("time_ms, node, requests_per_s, sessions, p50_ms, p95_ms, "
                     "p99_ms, rate_2xx, rate_4xx, rate_5xx, check_ms, up");
// Added later (a demo database's figures): an older file gets them, empty,
// when it is opened.
struct AddedColumn
{
    const char *name;
    const char *type;
};
constexpr AddedColumn kAddedColumns[] = {
    {"queries_per_s", "REAL"},  {"reads_per_s", "REAL"}, {"writes_per_s", "REAL"},
    {"connections", "INTEGER"}, {"lag_s", "REAL"},       {"stale_reads_per_s", "REAL"},
};
const QString kColumns
    = kFirstColumns
      + QStringLiteral(", queries_per_s, reads_per_s, writes_per_s, connections, lag_s, "
                       "stale_reads_per_s");
constexpr int kColumnCount = 18;

// -1 (unknown) is stored as NULL, so averages over a bucket skip it.
QVariant known(double value)
{
    return value < 0 ? QVariant() : QVariant(value);
}

double readDouble(const QVariant &value)
{
    return value.isNull() ? -1 : value.toDouble();
}

int readInt(const QVariant &value)
{
    return value.isNull() ? -1 : int(std::lround(value.toDouble()));
}

// A row read with the columns in kColumns' order.
NodeMetrics readMetrics(const QSqlQuery &query)
{
    NodeMetrics row;
    row.time = QDateTime::fromMSecsSinceEpoch(query.value(0).toLongLong(), Qt::UTC);
    row.node = query.value(1).toString();
    row.requestsPerSecond = readDouble(query.value(2));
    row.sessions = readInt(query.value(3));
    row.p50Ms = readDouble(query.value(4));
    row.p95Ms = readDouble(query.value(5));
    row.p99Ms = readDouble(query.value(6));
    row.rate2xx = readDouble(query.value(7));
    row.rate4xx = readDouble(query.value(8));
    row.rate5xx = readDouble(query.value(9));
    row.checkDurationMs = readInt(query.value(10));
    row.up = query.value(11).toBool();
    row.queriesPerSecond = readDouble(query.value(12));
    row.readsPerSecond = readDouble(query.value(13));
    row.writesPerSecond = readDouble(query.value(14));
    row.connections = readInt(query.value(15));
    row.lagSeconds = readDouble(query.value(16));
    row.staleReadsPerSecond = readDouble(query.value(17));
    return row;
}

QString csvNumber(const QVariant &value)
{
    return value.isNull() ? QString() : QString::number(value.toDouble(), 'g', 10);
}

QString csvTime(const QVariant &ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms.toLongLong(), Qt::UTC).toString(Qt::ISODateWithMs);
}

} // namespace

// Lives on the history's thread and owns its database connection.
class MetricsWriter : public QObject
{
    Q_OBJECT
public:
    MetricsWriter()
        : m_file(this, tr("metrics history"), [this] { write(); })
        , m_pruneTimer(this)
    {
        m_pruneTimer.setInterval(PruneIntervalMs);
        connect(&m_pruneTimer, &QTimer::timeout, this, [this] { prune(); });
    }

    ~MetricsWriter() override { write(); }

    void open(const QString &path, int retentionDays)
    {
        write();
        m_retentionDays = retentionDays;
        m_error = m_file.open(
            path, [retentionDays](QSqlDatabase &db) { return prepare(db, retentionDays); });
        if (m_error.isEmpty())
            m_pruneTimer.start();
        emit opened(m_error);
    }

    void record(const QList<NodeMetrics> &samples)
    {
        if (!m_file.isOpen())
            return;
        m_pending.append(samples);
        m_file.scheduleWrite();
    }

    void setRetentionDays(int days)
    {
        m_retentionDays = days;
        prune();
    }

    void write()
    {
        if (!m_file.isOpen() || m_pending.isEmpty())
            return;
        m_file.insertAll(QStringLiteral("INSERT INTO metrics (%1) VALUES (?%2)")
                             .arg(kColumns, QStringLiteral(", ?").repeated(kColumnCount - 1)),
                         m_pending, [](QSqlQuery &insert, const NodeMetrics &row) {
                             insert.bindValue(0, row.time.toMSecsSinceEpoch());
                             insert.bindValue(1, row.node);
                             insert.bindValue(2, known(row.requestsPerSecond));
                             insert.bindValue(3, known(row.sessions));
                             insert.bindValue(4, known(row.p50Ms));
                             insert.bindValue(5, known(row.p95Ms));
                             insert.bindValue(6, known(row.p99Ms));
                             insert.bindValue(7, known(row.rate2xx));
                             insert.bindValue(8, known(row.rate4xx));
                             insert.bindValue(9, known(row.rate5xx));
                             insert.bindValue(10, known(row.checkDurationMs));
                             insert.bindValue(11, row.up);
                             insert.bindValue(12, known(row.queriesPerSecond));
                             insert.bindValue(13, known(row.readsPerSecond));
                             insert.bindValue(14, known(row.writesPerSecond));
                             insert.bindValue(15, known(row.connections));
                             insert.bindValue(16, known(row.lagSeconds));
                             insert.bindValue(17, known(row.staleReadsPerSecond));
                         });
        m_pending.clear();
    }

    void series(int request, const QString &node, qint64 fromMs, qint64 toMs, int maxPoints)
    {
        write();
        QList<NodeMetrics> rows;
        if (m_file.isOpen()) {
            QSqlQuery query(m_file.database());
            query.prepare(QStringLiteral(
                "SELECT COUNT(*) FROM metrics WHERE node = ? AND time_ms BETWEEN ? AND ?"));
            query.addBindValue(node);
            query.addBindValue(fromMs);
            query.addBindValue(toMs);
            const qint64 count = query.exec() && query.next() ? query.value(0).toLongLong() : 0;
            maxPoints = std::max(1, maxPoints);
            if (count <= maxPoints) {
                query.prepare(
                    QStringLiteral(
                        "SELECT %1 FROM metrics WHERE node = ? AND time_ms BETWEEN ? AND ?"
                        " ORDER BY time_ms, id")
                        .arg(kColumns));
            } else {
                const qint64 bucketMs
                    = std::max<qint64>(1, (toMs - fromMs + maxPoints) / maxPoints);
                query.prepare(
                    QStringLiteral(
                        "SELECT MIN(time_ms), MIN(node), AVG(requests_per_s), MAX(sessions),"
                        " AVG(p50_ms), MAX(p95_ms), MAX(p99_ms), AVG(rate_2xx), AVG(rate_4xx),"
                        " AVG(rate_5xx), MAX(check_ms), MIN(up), AVG(queries_per_s), "
                        "AVG(reads_per_s),"
                        " AVG(writes_per_s), MAX(connections), MAX(lag_s), AVG(stale_reads_per_s) "
                        "FROM metrics"
                        " WHERE node = ? AND time_ms BETWEEN ? AND ?"
                        " GROUP BY (time_ms - %1) / %2 ORDER BY 1")
                        .arg(fromMs)
                        .arg(bucketMs));
            }
            query.addBindValue(node);
            query.addBindValue(fromMs);
            query.addBindValue(toMs);
            if (query.exec()) {
                while (query.next())
                    rows.append(readMetrics(query));
            }
        }
        emit seriesReady(request, node, rows);
    }

    void exportCsv(const QString &path, qint64 fromMs, qint64 toMs,
                   MetricsHistory::CsvContent content)
    {
        write();
        if (!m_file.isOpen()) {
            emit exportFinished(false,
                                m_error.isEmpty() ? tr("No history file is open.") : m_error);
            return;
        }
        const bool metrics = content == MetricsHistory::CsvContent::Metrics;
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
            emit exportFinished(
                false,
                tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
            return;
        }
        QTextStream out(&file);
        int rows = 0;
        if (metrics) {
            out << "time_utc,node,requests_per_s,sessions,p50_ms,p95_ms,p99_ms,responses_2xx_per_s,"
                   "responses_4xx_per_s,responses_5xx_per_s,check_ms,up,queries_per_s,reads_per_s,"
                   "writes_per_s,connections,lag_s,stale_reads_per_s\n";
        } else {
            out << "time_utc,node,from,to,up,message\n";
        }
        QSqlQuery query(m_file.database());
        const bool hasTable = m_file.database().tables().contains(
            metrics ? QStringLiteral("metrics") : QStringLiteral("events"));
        if (hasTable) {
            query.prepare(
                metrics ? QStringLiteral("SELECT %1 FROM metrics WHERE time_ms BETWEEN ? AND ?"
                                         " ORDER BY time_ms, id")
                              .arg(kColumns)
                        : QStringLiteral(
                            "SELECT time_ms, node, from_state, to_state, up, message FROM events"
                            " WHERE time_ms BETWEEN ? AND ? ORDER BY time_ms, id"));
            query.addBindValue(fromMs);
            query.addBindValue(toMs);
            if (!query.exec()) {
                file.cancelWriting();
                emit exportFinished(
                    false, tr("Cannot read the history: %1").arg(query.lastError().databaseText()));
                return;
            }
            while (query.next()) {
                QStringList cells{csvTime(query.value(0)), csvCell(query.value(1).toString())};
                if (metrics) {
                    for (int column = 2; column <= 10; ++column)
                        cells.append(csvNumber(query.value(column)));
                    cells.append(query.value(11).toBool() ? QStringLiteral("1")
                                                          : QStringLiteral("0"));
                    for (int column = 12; column < kColumnCount; ++column)
                        cells.append(csvNumber(query.value(column)));
                } else {
                    cells.append(csvCell(query.value(2).toString()));
                    cells.append(csvCell(query.value(3).toString()));
                    cells.append(query.value(4).toBool() ? QStringLiteral("1")
                                                         : QStringLiteral("0"));
                    cells.append(csvCell(query.value(5).toString()));
                }
                out << cells.join(QLatin1Char(',')) << '\n';
                ++rows;
            }
        }
        out.flush();
        if (!file.commit()) {
            emit exportFinished(
                false,
                tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
            return;
        }
        const QString where = QDir::toNativeSeparators(path);
        emit exportFinished(true, rows == 1 ? tr("1 row written to %1").arg(where)
                                            : tr("%1 rows written to %2").arg(rows).arg(where));
    }

signals:
    void opened(const QString &error);
    void seriesReady(int request, const QString &node, const QList<Loadstar::NodeMetrics> &rows);
    void exportFinished(bool ok, const QString &message);

private:
    // The table, checked to be ours, and the retention applied.
    static QString prepare(QSqlDatabase &db, int retentionDays)
    {
        QSqlQuery query(db);
        if (!query.exec(QStringLiteral(
                "CREATE TABLE IF NOT EXISTS metrics (id INTEGER PRIMARY KEY,"
                " time_ms INTEGER NOT NULL, node TEXT NOT NULL, requests_per_s REAL,"
                " sessions INTEGER, p50_ms REAL, p95_ms REAL, p99_ms REAL, rate_2xx REAL,"
                " rate_4xx REAL, rate_5xx REAL, check_ms INTEGER, up INTEGER NOT NULL,"
                " queries_per_s REAL, reads_per_s REAL, writes_per_s REAL, connections INTEGER,"
                " lag_s REAL, stale_reads_per_s REAL)"))) {
            return query.lastError().databaseText();
        }
        if (!query.exec(QStringLiteral("SELECT %1 FROM metrics LIMIT 0").arg(kFirstColumns)))
            return tr("it has a metrics table that is not Loadstar's (%1)")
                .arg(query.lastError().databaseText());
        const QSqlRecord existing = db.record(QStringLiteral("metrics"));
        for (const AddedColumn &column : kAddedColumns) {
            if (existing.contains(QLatin1String(column.name)))
                continue;
            if (!query.exec(QStringLiteral("ALTER TABLE metrics ADD COLUMN %1 %2")
                                .arg(QLatin1String(column.name), QLatin1String(column.type))))
                return query.lastError().databaseText();
        }
        // The drill-down asks for one node's time range; pruning and
        // export ask for a time range.
        if (!query.exec(QStringLiteral(
                "CREATE INDEX IF NOT EXISTS metrics_node_time ON metrics (node, time_ms)"))
            || !query.exec(
                QStringLiteral("CREATE INDEX IF NOT EXISTS metrics_time ON metrics (time_ms)"))) {
            return query.lastError().databaseText();
        }
        return pruneHistory(db, retentionDays);
    }

    void prune()
    {
        write();
        if (!m_file.isOpen())
            return;
        QSqlDatabase db = m_file.database();
        pruneHistory(db, m_retentionDays);
    }

    HistoryFile m_file;
    QTimer m_pruneTimer;
    QString m_error;
    int m_retentionDays = MetricsHistory::DefaultRetentionDays;
    QList<NodeMetrics> m_pending;
};

MetricsHistory::MetricsHistory(QObject *parent)
    : QObject(parent)
    , m_writer(new MetricsWriter)
{
    qRegisterMetaType<NodeMetrics>();
    qRegisterMetaType<QList<NodeMetrics>>();
    connect(m_writer, &MetricsWriter::opened, this, &MetricsHistory::opened, Qt::QueuedConnection);
    connect(m_writer, &MetricsWriter::seriesReady, this, &MetricsHistory::seriesReady,
            Qt::QueuedConnection);
    connect(m_writer, &MetricsWriter::exportFinished, this, &MetricsHistory::exportFinished,
            Qt::QueuedConnection);
    m_thread = std::make_unique<HistoryThread>(m_writer, QStringLiteral("metrics history"));
}

// The writer writes what is pending and closes the file as it is deleted,
// on its own thread, when the thread finishes.
MetricsHistory::~MetricsHistory() = default;

void MetricsHistory::open(const QString &path, int retentionDays)
{
    m_retentionDays = retentionDays;
    m_thread->post([writer = m_writer, path, retentionDays] { writer->open(path, retentionDays); });
}

void MetricsHistory::record(const QList<NodeMetrics> &samples)
{
    if (samples.isEmpty())
        return;
    m_thread->post([writer = m_writer, samples] { writer->record(samples); });
}

void MetricsHistory::setRetentionDays(int days)
{
    m_retentionDays = days;
    m_thread->post([writer = m_writer, days] { writer->setRetentionDays(days); });
}

int MetricsHistory::requestSeries(const QString &node, const QDateTime &from, const QDateTime &to,
                                  int maxPoints)
{
    const int request = ++m_lastRequest;
    m_thread->post([writer = m_writer, request, node, fromMs = from.toMSecsSinceEpoch(),
                    toMs = to.toMSecsSinceEpoch(),
                    maxPoints] { writer->series(request, node, fromMs, toMs, maxPoints); });
    return request;
}

void MetricsHistory::exportCsv(const QString &path, const QDateTime &from, const QDateTime &to,
                               CsvContent content)
{
    m_thread->post([writer = m_writer, path, fromMs = from.toMSecsSinceEpoch(),
                    toMs = to.toMSecsSinceEpoch(),
                    content] { writer->exportCsv(path, fromMs, toMs, content); });
}

void MetricsHistory::flush()
{
    m_thread->wait([writer = m_writer] { writer->write(); });
}

} // namespace Loadstar

#include "MetricsHistory.moc"
