#pragma once

#include "NodeMetrics.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>

namespace Loadstar {

class HistoryThread;
class MetricsWriter;

// The figures of every node over time, in the same SQLite file as the event
// history (a table of its own), written by a thread of its own so that the
// window never waits for the disk. Samples are written in batches (one
// transaction every 200 ms at most). The retention applies to the whole
// file, events and figures: rows older than it go when the file is opened,
// when the retention changes and once an hour. Every call returns at once;
// answers come back as signals on the caller's thread.
class MetricsHistory : public QObject
{
    Q_OBJECT
public:
    static constexpr int DefaultRetentionDays = 30;

    enum class CsvContent { Metrics, Events };
    Q_ENUM(CsvContent)

    explicit MetricsHistory(QObject *parent = nullptr);
    ~MetricsHistory() override; // writes what is pending, closes the file

    // Opens (or creates) the file; opened() says how it went. A file that is
    // not a Loadstar history is named and left alone: samples are dropped
    // and queries answer nothing until another open() succeeds.
    void open(const QString &path, int retentionDays = DefaultRetentionDays);
    void record(const QList<NodeMetrics> &samples);
    void setRetentionDays(int days);
    int retentionDays() const { return m_retentionDays; }

    // The figures of `node` between `from` and `to` (inclusive), oldest
    // first, through seriesReady() with the number returned here. More rows
    // than `maxPoints` are folded into that many time buckets: rates and the
    // median are averaged, while sessions, connections, p95, p99, replication
    // lag and check durations keep the bucket's worst, so a spike stays
    // visible; a bucket is down if the node was down at any time in it.
    int requestSeries(const QString &node, const QDateTime &from, const QDateTime &to,
                      int maxPoints);

    // Writes the figures (or the health events) between `from` and `to` to
    // a CSV file with a header line; exportFinished() says how it went.
    void exportCsv(const QString &path, const QDateTime &from, const QDateTime &to,
                   CsvContent content = CsvContent::Metrics);

    // Waits until everything asked before is done (for tests and shutdown).
    void flush();

signals:
    void opened(const QString &error); // empty: ready
    void seriesReady(int request, const QString &node, const QList<Loadstar::NodeMetrics> &rows);
    // `message` says what was written where, or what went wrong.
    void exportFinished(bool ok, const QString &message);

private:
    MetricsWriter *m_writer; // on m_thread
    std::unique_ptr<HistoryThread> m_thread;
    int m_retentionDays = DefaultRetentionDays;
    int m_lastRequest = 0;
};

} // namespace Loadstar
