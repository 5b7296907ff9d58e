#include "DrillDownPanel.h"

#include "history/MetricsHistory.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScrollArea>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace Loadstar::Ui {

namespace {

using Figure = DrillDownPanel::Figure;

struct FigureLook
{
    const char *name; // translated in DrillDownPanel's context
    QRgb color;
    double (*value)(const NodeMetrics &);
};

// In Figure's order. Mid-tone colours that read on a light and on a dark
// background alike; good, slower and failing keep the traffic-light order
// users expect.
const FigureLook kFigures[] = {
    {QT_TRANSLATE_NOOP("Loadstar::Ui::DrillDownPanel", "requests"), 0x3b82d6,
     [](const NodeMetrics &m) {
         return m.requestsPerSecond;
     }},
    {"p50", 0x2ea043,
     [](const NodeMetrics &m) {
         return m.p50Ms;
     }},
    {"p95", 0xe38b12,
     [](const NodeMetrics &m) {
         return m.p95Ms;
     }},
    {"p99", 0xd63a3a,
     [](const NodeMetrics &m) {
         return m.p99Ms;
     }},
    {"2xx", 0x2ea043,
     [](const NodeMetrics &m) {
         return m.rate2xx;
     }},
    {"4xx", 0xe38b12,
     [](const NodeMetrics &m) {
         return m.rate4xx;
     }},
    {"5xx", 0xd63a3a,
     [](const NodeMetrics &m) {
         return m.rate5xx;
     }},
    {QT_TRANSLATE_NOOP("Loadstar::Ui::DrillDownPanel", "sessions"), 0x3b82d6,
     [](const NodeMetrics &m) {
         return double(m.sessions);
     }},
    {QT_TRANSLATE_NOOP("Loadstar::Ui::DrillDownPanel", "check"), 0x9b6bd8,
     [](const NodeMetrics &m) {
         return double(m.checkDurationMs);
     }},
    // Reads in the traffic's green and writes in the violet of the canvas'
    // write dashes, the server's own count of statements in blue.
    {QT_TRANSLATE_NOOP("Loadstar::Ui::DrillDownPanel", "served"), 0x3b82d6,
     [](const NodeMetrics &m) {
         return m.queriesPerSecond;
     }},
    {QT_TRANSLATE_NOOP("Loadstar::Ui::DrillDownPanel", "reads"), 0x2ea043,
     [](const NodeMetrics &m) {
         return m.readsPerSecond;
     }},
    {QT_TRANSLATE_NOOP("Loadstar::Ui::DrillDownPanel", "writes"), 0x8b62e0,
     [](const NodeMetrics &m) {
         return m.writesPerSecond;
     }},
    {QT_TRANSLATE_NOOP("Loadstar::Ui::DrillDownPanel", "connections"), 0x3b82d6,
     [](const NodeMetrics &m) {
         return double(m.connections);
     }},
    {QT_TRANSLATE_NOOP("Loadstar::Ui::DrillDownPanel", "lag"), 0xe38b12,
     [](const NodeMetrics &m) {
         return m.lagSeconds;
     }},
    {QT_TRANSLATE_NOOP("Loadstar::Ui::DrillDownPanel", "stale reads"), 0xd63a3a,
     [](const NodeMetrics &m) {
         return m.staleReadsPerSecond;
     }},
};
static_assert(std::size(kFigures) == size_t(Figure::Count));

double figureValue(const NodeMetrics &sample, Figure figure)
{
    return kFigures[int(figure)].value(sample);
}

// 1, 2, 2.5 or 5 times a power of ten, at or above `value`: a tick step
// that labels read as round numbers.
double roundCeiling(double value)
{
    if (value <= 0)
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (const double step : {1.0, 2.0, 2.5, 5.0}) {
        if (step * magnitude >= value)
            return step * magnitude;
    }
    return 10 * magnitude;
}

} // namespace

DrillDownPanel::DrillDownPanel(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_window(new QLabel(this))
    , m_rangeBox(new QComboBox(this))
    , m_backButton(new QToolButton(this))
    , m_forwardButton(new QToolButton(this))
    , m_liveButton(new QToolButton(this))
    , m_pages(new QStackedWidget(this))
    , m_placeholder(new QLabel(this))
{
    setObjectName(QStringLiteral("drillDownPanel"));
    m_series.resize(int(Figure::Count));

    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_window->setObjectName(QStringLiteral("drillDownWindow"));
    m_rangeBox->setObjectName(QStringLiteral("drillDownRange"));
    m_rangeBox->addItem(tr("Last minute"), QVariant::fromValue(Range::OneMinute));
    m_rangeBox->addItem(tr("Last 5 min"), QVariant::fromValue(Range::FiveMinutes));
    m_rangeBox->addItem(tr("Last hour"), QVariant::fromValue(Range::OneHour));
    m_rangeBox->addItem(tr("Last 24 h"), QVariant::fromValue(Range::OneDay));
    m_rangeBox->setToolTip(tr("How much time the charts show"));
    m_backButton->setObjectName(QStringLiteral("drillDownEarlier"));
    m_backButton->setText(tr("‹ Earlier"));
    m_backButton->setToolTip(tr("Show the window before this one, from the history on disk"));
    m_forwardButton->setObjectName(QStringLiteral("drillDownLater"));
    m_forwardButton->setText(tr("Later ›"));
    m_forwardButton->setToolTip(tr("Show the window after this one"));
    m_liveButton->setObjectName(QStringLiteral("drillDownLive"));
    m_liveButton->setText(tr("Live"));
    m_liveButton->setCheckable(true);
    m_liveButton->setChecked(true);
    m_liveButton->setToolTip(tr("Follow the newest figures"));

    auto *titleRow = new QHBoxLayout;
    titleRow->addWidget(m_title, 1);
    titleRow->addWidget(m_window);
    auto *controls = new QHBoxLayout;
    controls->addWidget(m_rangeBox);
    controls->addStretch(1);
    controls->addWidget(m_backButton);
    controls->addWidget(m_forwardButton);
    controls->addWidget(m_liveButton);

    m_placeholder->setObjectName(QStringLiteral("drillDownPlaceholder"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setMargin(12);
    m_pages->addWidget(m_placeholder);

    auto *charts = new QWidget;
    auto *chartsLayout = new QVBoxLayout(charts);
    chartsLayout->setContentsMargins(0, 0, 0, 0);
    chartsLayout->setSpacing(2);
    m_views = {
        addChart(tr("Requests"), {Figure::RequestsPerSecond}, tr("req/s"), Shows::Traffic),
        addChart(tr("Latency"), {Figure::P50, Figure::P95, Figure::P99}, tr("ms"), Shows::Traffic),
        addChart(tr("Responses"), {Figure::Rate2xx, Figure::Rate4xx, Figure::Rate5xx}, tr("resp/s"),
                 Shows::Traffic),
        addChart(tr("Sessions"), {Figure::Sessions}, tr("sessions"), Shows::Traffic),
        addChart(tr("Queries"), {Figure::Queries, Figure::Reads, Figure::Writes}, tr("queries/s"),
                 Shows::Database),
        addChart(tr("Connections"), {Figure::Connections}, tr("connections"), Shows::Database),
        addChart(tr("Replication lag"), {Figure::Lag}, tr("s"), Shows::Replica),
        addChart(tr("Stale reads"), {Figure::StaleReads}, tr("reads/s"), Shows::Replica),
        addChart(tr("Health check duration"), {Figure::CheckDuration}, tr("ms"), Shows::Always)};
    showChartsFor({});
    for (QChartView *view : std::as_const(m_views))
        chartsLayout->addWidget(view);
    auto *scroll = new QScrollArea;
    scroll->setWidget(charts);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_pages->addWidget(scroll);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(titleRow);
    layout->addLayout(controls);
    layout->addWidget(m_pages, 1);

    connect(m_rangeBox, &QComboBox::activated, this,
            [this](int index) { setRange(m_rangeBox->itemData(index).value<Range>()); });
    connect(m_backButton, &QToolButton::clicked, this, &DrillDownPanel::stepBack);
    connect(m_forwardButton, &QToolButton::clicked, this, &DrillDownPanel::stepForward);
    connect(m_liveButton, &QToolButton::toggled, this, &DrillDownPanel::setLive);

    applyPalette();
    refresh();
}

DrillDownPanel::~DrillDownPanel() = default;

QChartView *DrillDownPanel::addChart(const QString &title, const QList<Figure> &figures,
                                     const QString &unit, Shows shows)
{
    Chart chart;
    chart.shows = shows;
    chart.chart = new QChart;
    chart.chart->setTitle(title);
    chart.chart->setMargins(QMargins(2, 2, 2, 2));
    chart.chart->legend()->setAlignment(Qt::AlignBottom);
    chart.chart->setAnimationOptions(QChart::NoAnimation);
    chart.time = new QDateTimeAxis;
    chart.time->setTickCount(4);
    chart.chart->addAxis(chart.time, Qt::AlignBottom);

    chart.value = new QValueAxis;
    chart.value->setTitleText(unit);
    chart.value->setLabelFormat(QStringLiteral("%.4g"));
    chart.value->setTickType(QValueAxis::TicksDynamic);
    chart.value->setTickAnchor(0);
    chart.chart->addAxis(chart.value, Qt::AlignLeft);
    for (const Figure figure : figures) {
        auto *series = new QLineSeries;
        series->setName(DrillDownPanel::tr(kFigures[int(figure)].name));
        chart.chart->addSeries(series);
        series->attachAxis(chart.time);
        series->attachAxis(chart.value);
        series->setPen(QPen(QColor(kFigures[int(figure)].color), 2));
        m_series[int(figure)] = series;
    }
    // One line needs no legend: the chart's title names it.
    chart.chart->legend()->setVisible(chart.chart->series().size() > 1);
    m_charts.append(chart);

    auto *view = new QChartView(chart.chart);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(190);
    return view;
}

int DrillDownPanel::rangeSeconds() const
{
    switch (m_range) {
    case Range::OneMinute:
        return 60;
    case Range::FiveMinutes:
        return 5 * 60;
    case Range::OneHour:
        return 60 * 60;
    case Range::OneDay:
        return 24 * 60 * 60;
    }
    return 5 * 60;
}

void DrillDownPanel::setHistory(MetricsHistory *history)
{
    if (m_history)
        disconnect(m_history, nullptr, this, nullptr);
    m_history = history;
    if (history)
        connect(history, &MetricsHistory::seriesReady, this, &DrillDownPanel::historyArrived);
    refresh();
}

void DrillDownPanel::setNode(const QString &node)
{
    if (node == m_node)
        return;
    m_node = node;
    refresh();
}

void DrillDownPanel::addSample(const NodeMetrics &sample)
{
    QList<NodeMetrics> &recent = m_recent[sample.node];
    // Nodes not on show keep a point a second, as the history does: ten
    // minutes of a 500-server drawing stay a few tens of MB.
    if (sample.node != m_node && !recent.isEmpty() && recent.constLast().time.msecsTo(sample.time) < 1000)
        return;
    recent.append(sample);
    const QDateTime oldest = sample.time.addSecs(-KeptLiveSeconds);
    while (!recent.isEmpty() && recent.first().time < oldest)
        recent.removeFirst();

    if (sample.node != m_node || !m_live || m_pendingRequest)
        return; // a history answer on its way merges the newest samples in
    if (m_pages->currentIndex() == 0)
        refresh();
    else
        appendPoint(sample);
}

void DrillDownPanel::setRange(Range range)
{
    if (range == m_range)
        return;
    m_range = range;
    m_rangeBox->setCurrentIndex(m_rangeBox->findData(QVariant::fromValue(range)));
    refresh();
}

void DrillDownPanel::setLive(bool live)
{
    if (live == m_live)
        return;
    m_live = live;
    refresh();
}

void DrillDownPanel::stepBack()
{
    m_live = false;
    m_to = m_to.addSecs(-rangeSeconds());
    refresh();
}

void DrillDownPanel::stepForward()
{
    if (m_live)
        return;
    m_to = m_to.addSecs(rangeSeconds());
    m_live = m_to >= QDateTime::currentDateTimeUtc();
    refresh();
}

QString DrillDownPanel::placeholderText() const
{
    return m_pages->currentIndex() == 0 ? m_placeholder->text() : QString();
}

void DrillDownPanel::refresh()
{
    m_pendingRequest = 0;
    const QList<NodeMetrics> recent = m_recent.value(m_node);
    if (m_live) {
        m_to = QDateTime::currentDateTimeUtc();
        if (!recent.isEmpty())
            m_to = std::max(m_to, recent.last().time);
    }
    updateHeader();
    if (m_node.isEmpty()) {
        showPlaceholder(tr("Select a server and press Run to see its figures."));
        return;
    }
    // Memory holds up to the last ten minutes: enough for a short live
    // window once a run has gone on that long. Anything else (a window
    // further back, or one from before this run) is read from disk.
    const bool inMemory = m_live && !recent.isEmpty() && recent.first().time <= shownFrom();
    if (!m_history || inMemory) {
        QList<NodeMetrics> shown;
        const QDateTime from = shownFrom();
        for (const NodeMetrics &sample : recent) {
            if (sample.time >= from && sample.time <= m_to)
                shown.append(sample);
        }
        plot(shown);
        return;
    }
    m_pendingRequest = m_history->requestSeries(m_node, shownFrom(), m_to, HistoryPoints);
}

void DrillDownPanel::historyArrived(int request, const QString &node,
                                    const QList<NodeMetrics> &rows)
{
    if (request != m_pendingRequest || node != m_node)
        return; // an answer to a window no longer shown
    m_pendingRequest = 0;
    // A live window moves on with the samples that came while disk answered.
    const QList<NodeMetrics> recent = m_recent.value(m_node);
    if (m_live && !recent.isEmpty() && recent.constLast().time > m_to) {
        m_to = recent.constLast().time;
        updateHeader();
    }
    // Samples not yet written to disk come from memory.
    QList<NodeMetrics> shown = rows;
    const QDateTime after = rows.isEmpty() ? shownFrom() : rows.last().time;
    for (const NodeMetrics &sample : recent) {
        if ((rows.isEmpty() ? sample.time >= after : sample.time > after) && sample.time <= m_to)
            shown.append(sample);
    }
    plot(shown);
}

void DrillDownPanel::plot(const QList<NodeMetrics> &rows)
{
    if (rows.isEmpty()) {
        if (m_live) {
            showPlaceholder(tr("No figures for %1 yet. Press Run to see them live.").arg(m_node));
        } else {
            const QString format = m_range == Range::OneDay ? QStringLiteral("d MMM hh:mm")
                                                            : QStringLiteral("hh:mm");
            showPlaceholder(tr("No figures for %1 between %2 and %3.")
                                .arg(m_node, shownFrom().toLocalTime().toString(format),
                                     m_to.toLocalTime().toString(format)));
        }
        return;
    }
    showChartsFor(rows);
    for (int figure = 0; figure < int(Figure::Count); ++figure) {
        QList<QPointF> points;
        points.reserve(rows.size());
        for (const NodeMetrics &row : rows) {
            const double value = figureValue(row, Figure(figure));
            if (value >= 0)
                points.append(QPointF(double(row.time.toMSecsSinceEpoch()), value));
        }
        m_series.at(figure)->replace(points);
    }
    m_pages->setCurrentIndex(1);
    updateAxes();
}

bool DrillDownPanel::showChartsFor(const QList<NodeMetrics> &rows)
{
    // A demo database's rows carry its figures; a replica's its lag.
    const bool database = std::any_of(rows.cbegin(), rows.cend(), [](const NodeMetrics &row) {
        return row.queriesPerSecond >= 0 || row.connections >= 0;
    });
    const bool replica
        = database && std::any_of(rows.cbegin(), rows.cend(), [](const NodeMetrics &row) {
              return row.lagSeconds >= 0 || row.staleReadsPerSecond >= 0;
          });
    const bool changed = database != m_showsDatabase || replica != m_showsReplica;
    m_showsDatabase = database;
    m_showsReplica = replica;
    for (qsizetype i = 0; i < m_charts.size(); ++i) {
        const Shows shows = m_charts.at(i).shows;
        m_views.at(i)->setVisible(shows == Shows::Always || (shows == Shows::Traffic && !database)
                                  || (shows == Shows::Database && database)
                                  || (shows == Shows::Replica && replica));
    }
    return changed;
}

QStringList DrillDownPanel::shownCharts() const
{
    QStringList titles;
    for (qsizetype i = 0; i < m_charts.size(); ++i) {
        if (!m_views.at(i)->isHidden())
            titles.append(m_charts.at(i).chart->title());
    }
    return titles;
}

void DrillDownPanel::appendPoint(const NodeMetrics &sample)
{
    // A replica's first lag (or a database's first figures) brings its charts.
    const bool database = sample.queriesPerSecond >= 0 || sample.connections >= 0;
    const bool replica = sample.lagSeconds >= 0 || sample.staleReadsPerSecond >= 0;
    if ((database && !m_showsDatabase) || (replica && !m_showsReplica)) {
        refresh();
        return;
    }
    m_to = std::max(m_to, sample.time);
    const double from = double(shownFrom().toMSecsSinceEpoch());
    for (int figure = 0; figure < int(Figure::Count); ++figure) {
        QLineSeries *series = m_series.at(figure);
        const double value = figureValue(sample, Figure(figure));
        if (value >= 0)
            series->append(double(sample.time.toMSecsSinceEpoch()), value);
        int old = 0;
        while (old < series->count() && series->at(old).x() < from)
            ++old;
        if (old > 0)
            series->removePoints(0, old);
    }
    updateHeader();
    updateAxes();
}

void DrillDownPanel::updateAxes()
{
    const QString format = m_range <= Range::FiveMinutes ? QStringLiteral("hh:mm:ss")
                           : m_range == Range::OneHour   ? QStringLiteral("hh:mm")
                                                         : QStringLiteral("ddd hh:mm");
    for (const Chart &chart : std::as_const(m_charts)) {
        chart.time->setFormat(format);
        chart.time->setRange(shownFrom().toLocalTime(), m_to.toLocalTime());
        double highest = 0;
        const QList<QAbstractSeries *> series = chart.chart->series();
        for (const QAbstractSeries *line : series) {
            const QList<QPointF> points = static_cast<const QLineSeries *>(line)->points();
            for (const QPointF &point : points)
                highest = std::max(highest, point.y());
        }
        // About four steps of a round size, the top one just above the highest value.
        const double step = roundCeiling(highest / 4);
        chart.value->setTickInterval(step);
        chart.value->setRange(0, step * std::max(1.0, std::ceil(highest * 1.02 / step)));
    }
}

void DrillDownPanel::updateHeader()
{
    const bool shown = !m_node.isEmpty();
    m_title->setText(shown ? m_node : tr("No node selected"));
    for (QWidget *control :
         {static_cast<QWidget *>(m_rangeBox), static_cast<QWidget *>(m_backButton),
          static_cast<QWidget *>(m_forwardButton), static_cast<QWidget *>(m_liveButton)}) {
        control->setEnabled(shown);
    }
    m_forwardButton->setEnabled(shown && !m_live);
    m_backButton->setEnabled(shown && m_history);
    {
        const QSignalBlocker blocker(m_liveButton);
        m_liveButton->setChecked(m_live);
    }
    if (!shown) {
        m_window->clear();
    } else if (m_live) {
        m_window->setText(tr("live · %1").arg(m_rangeBox->currentText().toLower()));
    } else {
        const QString format
            = m_range == Range::OneDay ? QStringLiteral("d MMM hh:mm") : QStringLiteral("hh:mm");
        m_window->setText(QStringLiteral("%1 – %2").arg(shownFrom().toLocalTime().toString(format),
                                                        m_to.toLocalTime().toString(format)));
    }
}

void DrillDownPanel::showPlaceholder(const QString &text)
{
    m_placeholder->setText(text);
    m_pages->setCurrentIndex(0);
    for (QLineSeries *series : std::as_const(m_series))
        series->clear();
}

void DrillDownPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
}

void DrillDownPanel::applyPalette()
{
    // The charts take the window's colours, so a dark desktop gets dark
    // charts with light text.
    const QPalette colours = palette();
    const QColor text = colours.color(QPalette::WindowText);
    QColor grid = colours.color(QPalette::Mid);
    grid.setAlpha(110);
    for (const Chart &chart : std::as_const(m_charts)) {
        chart.chart->setBackgroundBrush(colours.base());
        chart.chart->setTitleBrush(text);
        chart.chart->legend()->setLabelColor(text);
        for (QAbstractAxis *axis : {static_cast<QAbstractAxis *>(chart.time),
                                    static_cast<QAbstractAxis *>(chart.value)}) {
            axis->setLabelsBrush(text);
            axis->setTitleBrush(text);
            axis->setGridLineColor(grid);
            axis->setLinePenColor(grid);
        }
    }
    for (QChartView *view : std::as_const(m_views))
        view->setBackgroundBrush(colours.base());
    QPalette hint = m_placeholder->palette();
    hint.setColor(QPalette::WindowText, colours.color(QPalette::Disabled, QPalette::WindowText));
    m_placeholder->setPalette(hint);
}

} // namespace Loadstar::Ui
