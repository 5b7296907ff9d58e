#pragma once

#include "history/NodeMetrics.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QPointer>
#include <QWidget>

class QChart;
class QChartView;
class QComboBox;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QStackedWidget;
class QToolButton;
class QValueAxis;

namespace Loadstar {
class MetricsHistory;
}

namespace Loadstar::Ui {

// The figures of one node over time, as charts: requests per second,
// latency (p50/p95/p99), responses per second by class (2xx/4xx/5xx),
// sessions, and the health check's duration; for a demo database, queries
// per second (reads and writes), connections and, for a replica, its lag and
// stale reads, in place of the web figures. Live, it follows the newest
// samples (the last ten minutes of every node are kept in memory, so
// selecting another node shows its recent past at once); "Earlier" and
// "Later" step through the metrics history on disk, a window at a time.
class DrillDownPanel final : public QWidget
{
    Q_OBJECT

public:
    enum class Range { OneMinute, FiveMinutes, OneHour, OneDay };
    Q_ENUM(Range)
    enum class Figure {
        RequestsPerSecond,
        P50,
        P95,
        P99,
        Rate2xx,
        Rate4xx,
        Rate5xx,
        Sessions,
        CheckDuration,
        // A demo database's.
        Queries,
        Reads,
        Writes,
        Connections,
        Lag,
        StaleReads,
        Count
    };
    Q_ENUM(Figure)

    static constexpr int KeptLiveSeconds = 10 * 60;
    // Points asked of the history for one window: about a chart's width.
    static constexpr int HistoryPoints = 600;

    explicit DrillDownPanel(QWidget *parent = nullptr);
    ~DrillDownPanel() override;

    // Where earlier figures are read from; null: the live ones only.
    void setHistory(MetricsHistory *history);
    // The node shown (its name on the canvas); empty shows the hint to
    // select one.
    void setNode(const QString &node);
    QString node() const { return m_node; }
    // A sample of any node: kept, and drawn when it is the one shown.
    void addSample(const NodeMetrics &sample);

    void setRange(Range range);
    Range range() const { return m_range; }
    // Live follows the newest figures; stepping back leaves it.
    void setLive(bool live);
    bool isLive() const { return m_live; }
    void stepBack();
    void stepForward();
    QDateTime shownFrom() const { return m_to.addSecs(-rangeSeconds()); }
    QDateTime shownTo() const { return m_to; }

    // What the charts draw, and the text shown instead of them (empty
    // while charts are shown).
    QLineSeries *series(Figure figure) const { return m_series.at(int(figure)); }
    QString placeholderText() const;
    QToolButton *liveButton() const { return m_liveButton; }
    QToolButton *backButton() const { return m_backButton; }
    QToolButton *forwardButton() const { return m_forwardButton; }
    QComboBox *rangeBox() const { return m_rangeBox; }
    QList<QChartView *> chartViews() const { return m_views; }
    // The charts shown for the node on show, by title ("Requests", "Queries").
    QStringList shownCharts() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    // Which nodes a chart is for: web figures, a database's, a replica's, or all.
    enum class Shows { Traffic, Database, Replica, Always };
    struct Chart
    {
        QChart *chart = nullptr;
        QDateTimeAxis *time = nullptr;
        QValueAxis *value = nullptr;
        Shows shows = Shows::Always;
    };

    QChartView *addChart(const QString &title, const QList<Figure> &figures, const QString &unit,
                         Shows shows);
    // Shows the charts for the node `rows` come from; true when that changed.
    bool showChartsFor(const QList<NodeMetrics> &rows);
    int rangeSeconds() const;
    // Shows [shownFrom(), shownTo()]: from memory when it holds all of it,
    // otherwise from the history, asked for here.
    void refresh();
    void historyArrived(int request, const QString &node, const QList<Loadstar::NodeMetrics> &rows);
    void plot(const QList<NodeMetrics> &rows);
    void appendPoint(const NodeMetrics &sample);
    void updateAxes();
    void updateHeader();
    void showPlaceholder(const QString &text);
    void applyPalette();

    QPointer<MetricsHistory> m_history;
    QString m_node;
    Range m_range = Range::OneMinute; // a run that just started fills it
    bool m_live = true;
    QDateTime m_to;
    int m_pendingRequest = 0;
    QHash<QString, QList<NodeMetrics>> m_recent;

    QLabel *m_title;
    QLabel *m_window;
    QComboBox *m_rangeBox;
    QToolButton *m_backButton;
    QToolButton *m_forwardButton;
    QToolButton *m_liveButton;
    QStackedWidget *m_pages;
    QLabel *m_placeholder;
    QList<Chart> m_charts;
    QList<QChartView *> m_views;
    QList<QLineSeries *> m_series;
    bool m_showsDatabase = false;
    bool m_showsReplica = false;
};

} // namespace Loadstar::Ui
