// The figures on disk: what a run recorded is there after a restart, a long
// range comes back as a readable number of points that still shows the
// spikes, old rows go, CSV export writes exactly the rows asked for, and a
// file that is not a history is named and left alone.

#include "history/EventHistory.h"
#include "history/MetricsHistory.h"

#include <QFile>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace Loadstar;

namespace {

NodeMetrics sample(const QDateTime &time, const QString &node, double requestsPerSecond,
                   double p99Ms = 20)
{
    NodeMetrics row;
    row.time = time;
    row.node = node;
    row.requestsPerSecond = requestsPerSecond;
    row.sessions = 3;
    row.p50Ms = 5;
    row.p95Ms = 12.5;
    row.p99Ms = p99Ms;
    row.rate2xx = requestsPerSecond;
    row.rate4xx = 0;
    row.rate5xx = 0;
    row.checkDurationMs = 2;
    return row;
}

QString openHistory(MetricsHistory &history, const QString &path,
                    int retentionDays = MetricsHistory::DefaultRetentionDays)
{
    QSignalSpy opened(&history, &MetricsHistory::opened);
    history.open(path, retentionDays);
    if (!opened.wait(10000))
        return QStringLiteral("(opened never came)");
    return opened.first().first().toString();
}

QList<NodeMetrics> series(MetricsHistory &history, const QString &node, const QDateTime &from,
                          const QDateTime &to, int maxPoints = 1000)
{
    QSignalSpy ready(&history, &MetricsHistory::seriesReady);
    const int request = history.requestSeries(node, from, to, maxPoints);
    if (!ready.wait(10000) || ready.first().at(0).toInt() != request
        || ready.first().at(1).toString() != node)
        return {};
    return ready.first().at(2).value<QList<NodeMetrics>>();
}

// exportFinished()'s (ok, message).
std::pair<bool, QString> exportCsv(MetricsHistory &history, const QString &path,
                                   const QDateTime &from, const QDateTime &to,
                                   MetricsHistory::CsvContent content)
{
    QSignalSpy finished(&history, &MetricsHistory::exportFinished);
    history.exportCsv(path, from, to, content);
    if (!finished.wait(10000))
        return {false, QStringLiteral("(exportFinished never came)")};
    return {finished.first().at(0).toBool(), finished.first().at(1).toString()};
}

QStringList readLines(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    return QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

// Writes rows with times of our choosing straight into the file, as an
// earlier run would have, days ago.
void insertDirectly(const QString &path, const QString &table, qint64 timeMs, const QString &node)
{
    {
        QSqlDatabase db
            = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("direct"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        if (table == QLatin1String("metrics")) {
            query.prepare(QStringLiteral(
                "INSERT INTO metrics (time_ms, node, requests_per_s, up) VALUES (?, ?, 1, 1)"));
        } else {
            query.prepare(QStringLiteral(
                "INSERT INTO events (time_ms, node, from_state, to_state, message, up)"
                " VALUES (?, ?, 'UP', 'DOWN', 'down', 0)"));
        }
        query.addBindValue(timeMs);
        query.addBindValue(node);
        QVERIFY2(query.exec(), qPrintable(query.lastError().text()));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("direct"));
}

} // namespace

class MetricsHistoryTest : public QObject
{
    Q_OBJECT

private slots:
    void figuresSurviveARestart()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("sub/history.sqlite"));
        const QDateTime start = QDateTime::currentDateTimeUtc().addSecs(-60);
        QList<NodeMetrics> written;
        for (int i = 0; i < 20; ++i)
            written.append(sample(start.addMSecs(250 * i), QStringLiteral("web-01"), 100 + i));
        NodeMetrics unknown;
        unknown.time = start.addSecs(1);
        unknown.node = QStringLiteral("db-01");
        unknown.up = false;
        {
            MetricsHistory history;
            QCOMPARE(openHistory(history, path), QString());
            history.record(written.mid(0, 10));
            history.record(written.mid(10) + QList<NodeMetrics>{unknown});
        } // closing writes what is pending

        MetricsHistory reopened;
        QCOMPARE(openHistory(reopened, path), QString());
        QCOMPARE(series(reopened, QStringLiteral("web-01"), start, start.addSecs(60)), written);
        // Unknown figures stay unknown, and a down node stays down.
        QCOMPARE(series(reopened, QStringLiteral("db-01"), start, start.addSecs(60)),
                 QList<NodeMetrics>{unknown});
        // Only the range asked for.
        QCOMPARE(series(reopened, QStringLiteral("web-01"), start.addSecs(1), start.addMSecs(1500)),
                 written.mid(4, 3));
    }

    void aDatabasesFiguresAreKeptAndAnOlderFileStillOpens()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("old.sqlite"));
        const QDateTime start = QDateTime::currentDateTimeUtc().addSecs(-60);
        {
            // A history written before databases had figures of their own.
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("old"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QVERIFY(QSqlQuery(db).exec(QStringLiteral(
                "CREATE TABLE metrics (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, node TEXT NOT NULL,"
                " requests_per_s REAL, sessions INTEGER, p50_ms REAL, p95_ms REAL, p99_ms REAL, rate_2xx REAL,"
                " rate_4xx REAL, rate_5xx REAL, check_ms INTEGER, up INTEGER NOT NULL)")));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("old"));
        insertDirectly(path, QStringLiteral("metrics"), start.toMSecsSinceEpoch(), QStringLiteral("db-replica"));

        NodeMetrics replica;
        replica.time = start.addSecs(1);
        replica.node = QStringLiteral("db-replica");
        replica.queriesPerSecond = 31;
        replica.readsPerSecond = 12;
        replica.writesPerSecond = 0;
        replica.connections = 3;
        replica.lagSeconds = 0.4;
        replica.staleReadsPerSecond = 0.5;
        MetricsHistory history;
        QCOMPARE(openHistory(history, path), QString());
        history.record({replica});
        const QList<NodeMetrics> rows = series(history, QStringLiteral("db-replica"), start, start.addSecs(2));
        QCOMPARE(rows.size(), 2);
        // The old row: its figures as they were, the new ones unknown.
        QCOMPARE(rows.first().requestsPerSecond, 1.0);
        QCOMPARE(rows.first().queriesPerSecond, -1.0);
        QCOMPARE(rows.first().lagSeconds, -1.0);
        QCOMPARE(rows.last(), replica);

        // Folded into buckets, the lag and the connections keep their worst.
        NodeMetrics lagging = replica;
        lagging.time = start.addMSecs(1500);
        lagging.lagSeconds = 9;
        lagging.connections = 1;
        history.record({lagging});
        const QList<NodeMetrics> folded = series(history, QStringLiteral("db-replica"), start.addSecs(1),
                                                 start.addSecs(2), 1);
        QCOMPARE(folded.size(), 1);
        QCOMPARE(folded.first().lagSeconds, 9.0);
        QCOMPARE(folded.first().connections, 3);
    }

    void aLongRangeIsFoldedIntoBucketsThatKeepTheSpikes()
    {
        QTemporaryDir dir;
        MetricsHistory history;
        QCOMPARE(openHistory(history, dir.filePath(QStringLiteral("h.sqlite"))), QString());
        const QDateTime start = QDateTime::currentDateTimeUtc().addSecs(-3600);
        QList<NodeMetrics> rows;
        for (int i = 0; i < 1000; ++i) {
            // Alternating 100 and 200 req/s; one slow request in the middle.
            NodeMetrics row = sample(start.addSecs(i), QStringLiteral("web-01"), i % 2 ? 200 : 100,
                                     i == 503 ? 900 : 20);
            row.up = i != 777;
            rows.append(row);
        }
        history.record(rows);

        const QList<NodeMetrics> folded
            = series(history, QStringLiteral("web-01"), start, start.addSecs(999), 100);
        QVERIFY2(folded.size() <= 100 && folded.size() >= 90,
                 qPrintable(QString::number(folded.size())));
        int spikes = 0;
        int downs = 0;
        for (const NodeMetrics &point : folded) {
            // The mean of each bucket's nine or ten: neither the peak nor the low.
            QVERIFY2(point.requestsPerSecond > 140 && point.requestsPerSecond < 160,
                     qPrintable(QString::number(point.requestsPerSecond)));
            QCOMPARE(point.sessions, 3);
            spikes += point.p99Ms == 900;
            downs += !point.up;
        }
        QCOMPARE(spikes, 1); // the worst of its bucket is kept
        QCOMPARE(downs, 1);
        QVERIFY(folded.first().time >= start);
        QVERIFY(folded.last().time <= start.addSecs(999));
        QVERIFY(std::is_sorted(
            folded.cbegin(), folded.cend(),
            [](const NodeMetrics &a, const NodeMetrics &b) { return a.time < b.time; }));
    }

    void rowsOlderThanTheRetentionAreDeleted()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("h.sqlite"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        {
            EventHistory events; // the events table in the same file
            QSignalSpy opened(&events, &EventHistory::opened);
            events.open(path);
            QVERIFY(opened.wait(10000));
            MetricsHistory history;
            QCOMPARE(openHistory(history, path), QString());
            history.record({sample(now.addDays(-10), QStringLiteral("web-01"), 1),
                            sample(now.addDays(-2), QStringLiteral("web-01"), 2)});
        }
        insertDirectly(path, QStringLiteral("metrics"), now.addDays(-40).toMSecsSinceEpoch(),
                       QStringLiteral("web-01"));
        insertDirectly(path, QStringLiteral("events"), now.addDays(-40).toMSecsSinceEpoch(),
                       QStringLiteral("old"));
        insertDirectly(path, QStringLiteral("events"), now.addDays(-1).toMSecsSinceEpoch(),
                       QStringLiteral("recent"));

        MetricsHistory history;
        // Opening applies the retention it is given.
        QCOMPARE(openHistory(history, path, 30), QString());
        const auto all = [&] {
            return series(history, QStringLiteral("web-01"), now.addDays(-50), now);
        };
        QCOMPARE(all().size(), 2);

        // A shorter retention applies at once, to figures and events alike.
        history.setRetentionDays(7);
        QCOMPARE(history.retentionDays(), 7);
        const QList<NodeMetrics> kept = all();
        QCOMPARE(kept.size(), 1);
        QCOMPARE(kept.first().requestsPerSecond, 2.0);

        const QString csv = dir.filePath(QStringLiteral("events.csv"));
        QCOMPARE(exportCsv(history, csv, now.addDays(-50), now, MetricsHistory::CsvContent::Events)
                     .first,
                 true);
        const QStringList lines = readLines(csv);
        QCOMPARE(lines.size(), 2);
        QVERIFY2(lines.at(1).contains(QStringLiteral(",recent,")), qPrintable(lines.at(1)));
    }

    void csvExportWritesExactlyTheRowsInRange()
    {
        QTemporaryDir dir;
        MetricsHistory history;
        QCOMPARE(openHistory(history, dir.filePath(QStringLiteral("h.sqlite"))), QString());
        const QDateTime start
            = QDateTime::fromString(QStringLiteral("2030-01-02T03:04:05.000Z"), Qt::ISODateWithMs);
        QList<NodeMetrics> rows;
        for (int i = 0; i < 10; ++i)
            rows.append(sample(start.addSecs(i),
                               i % 2 ? QStringLiteral("web-01") : QStringLiteral("db, main"),
                               10 * i));
        rows[3].rate4xx = 1.5;
        rows[3].p50Ms = -1; // unknown: an empty cell
        rows[3].up = false;
        history.record(rows);

        const QString path = dir.filePath(QStringLiteral("figures.csv"));
        const auto [ok, message] = exportCsv(history, path, start.addSecs(2), start.addSecs(5),
                                             MetricsHistory::CsvContent::Metrics);
        QVERIFY2(ok, qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("4 rows")), qPrintable(message));
        const QStringList lines = readLines(path);
        QCOMPARE(lines.size(), 5);
        QCOMPARE(lines.at(0),
                 QStringLiteral(
                     "time_utc,node,requests_per_s,sessions,p50_ms,p95_ms,p99_ms,"
                     "responses_2xx_per_s,responses_4xx_per_s,responses_5xx_per_s,check_ms,up,"
                     "queries_per_s,reads_per_s,writes_per_s,connections,lag_s,stale_reads_per_s"));
        // A web server has no database figures: empty cells at the end.
        QCOMPARE(lines.at(1),
                 QStringLiteral("2030-01-02T03:04:07.000Z,\"db, main\",20,3,5,12.5,20,20,0,0,2,1,,,,,,"));
        QCOMPARE(lines.at(2),
                 QStringLiteral("2030-01-02T03:04:08.000Z,web-01,30,3,,12.5,20,30,1.5,0,2,0,,,,,,"));
        QVERIFY(lines.at(4).startsWith(QStringLiteral("2030-01-02T03:04:10.000Z,web-01,50,")));

        // A folder that cannot be written to is named.
        const QString bad = dir.filePath(QStringLiteral("missing/figures.csv"));
        const auto [written, error]
            = exportCsv(history, bad, start, start.addSecs(9), MetricsHistory::CsvContent::Metrics);
        QVERIFY(!written);
        QVERIFY2(
            error.startsWith(QStringLiteral("Cannot write %1").arg(QDir::toNativeSeparators(bad))),
            qPrintable(error));
    }

    void aFileThatIsNotAHistoryIsNamedAndLeftAlone_data()
    {
        QTest::addColumn<bool>("sqlite");
        QTest::addColumn<QString>("reason");
        QTest::newRow("notes") << false << QStringLiteral("not a database");
        QTest::newRow("another program's metrics table")
            << true << QStringLiteral("not Loadstar's");
    }

    void aFileThatIsNotAHistoryIsNamedAndLeftAlone()
    {
        QFETCH(bool, sqlite);
        QFETCH(QString, reason);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("other.sqlite"));
        if (sqlite) {
            {
                QSqlDatabase db
                    = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("other"));
                db.setDatabaseName(path);
                QVERIFY(db.open());
                QVERIFY(QSqlQuery(db).exec(QStringLiteral("CREATE TABLE metrics (cpu REAL)")));
            }
            QSqlDatabase::removeDatabase(QStringLiteral("other"));
        } else {
            QFile notes(path);
            QVERIFY(notes.open(QIODevice::WriteOnly));
            notes.write(QByteArray("These are my notes, not a database. ").repeated(200));
        }
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray before = file.readAll();
        file.close();

        MetricsHistory history;
        const QString error = openHistory(history, path);
        QVERIFY2(error.startsWith(QStringLiteral("The metrics history %1 cannot be used: ")
                                      .arg(QDir::toNativeSeparators(path))),
                 qPrintable(error));
        QVERIFY2(error.contains(reason), qPrintable(error));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        history.record({sample(now, QStringLiteral("web-01"), 5)});
        QCOMPARE(series(history, QStringLiteral("web-01"), now.addSecs(-1), now.addSecs(1)),
                 QList<NodeMetrics>());
        // Export says why it cannot, rather than writing an empty file.
        const auto [ok, message]
            = exportCsv(history, dir.filePath(QStringLiteral("out.csv")), now.addSecs(-1), now,
                        MetricsHistory::CsvContent::Metrics);
        QVERIFY(!ok);
        QCOMPARE(message, error);
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("out.csv"))));
        history.flush();
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), before); // untouched

        QCOMPARE(openHistory(history, dir.filePath(QStringLiteral("h.sqlite"))), QString());
    }
};

QTEST_GUILESS_MAIN(MetricsHistoryTest)
#include "tst_metrics_history.moc"
