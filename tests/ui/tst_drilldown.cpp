// The Figures panel: the selected node's samples drawn as they come, another
// node's shown when it is selected, earlier windows read from the history on
// disk, a hint where there is nothing to draw, and charts that follow the
// window's colours.

#include "UiTestSupport.h"

#include "history/MetricsHistory.h"
#include "ui/panels/DrillDownPanel.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QLabel>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolButton>
#include <QValueAxis>
#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Ui;
using Figure = DrillDownPanel::Figure;

namespace {

NodeMetrics sample(const QDateTime &time, const QString &node, double requestsPerSecond)
{
    NodeMetrics row;
    row.time = time;
    row.node = node;
    row.requestsPerSecond = requestsPerSecond;
    row.sessions = 4;
    row.p50Ms = 3;
    row.p95Ms = 9;
    row.p99Ms = 15;
    row.rate2xx = requestsPerSecond - 1;
    row.rate4xx = 0.5;
    row.rate5xx = 0.5;
    row.checkDurationMs = 7;
    return row;
}

QList<double> values(const QLineSeries *series)
{
    QList<double> ys;
    const QList<QPointF> points = series->points();
    for (const QPointF &point : points)
        ys.append(point.y());
    return ys;
}

// The error opened() reported; empty: ready.
QString openHistory(MetricsHistory &history, const QString &path)
{
    QSignalSpy opened(&history, &MetricsHistory::opened);
    history.open(path);
    return opened.wait(10000) ? opened.first().first().toString()
                              : QStringLiteral("(opened never came)");
}

} // namespace

class DrillDownTest : public QObject
{
    Q_OBJECT

private slots:
    void saysWhatToDoWhenThereIsNothingToDraw()
    {
        DrillDownPanel panel;
        panel.show();
        QCOMPARE(panel.placeholderText(),
                 QStringLiteral("Select a server and press Run to see its figures."));
        QVERIFY(!panel.liveButton()->isEnabled());

        panel.setNode(QStringLiteral("web-01"));
        QCOMPARE(panel.placeholderText(),
                 QStringLiteral("No figures for web-01 yet. Press Run to see them live."));
        QVERIFY(panel.liveButton()->isEnabled());
    }

    void drawsTheShownNodesSamplesAsTheyCome()
    {
        DrillDownPanel panel;
        panel.show();
        panel.setNode(QStringLiteral("web-01"));
        // A run that just started fills the window it opens with.
        QCOMPARE(panel.rangeBox()->currentText(), QStringLiteral("Last minute"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        panel.addSample(sample(now.addSecs(-8 * 60), QStringLiteral("web-01"),
                               999)); // before the minute shown
        for (int i = 0; i < 8; ++i) {
            NodeMetrics row = sample(now.addSecs(i - 8), QStringLiteral("web-01"), 100 + i);
            if (i == 3)
                row.p99Ms = -1; // not measured: no point, rather than a drop to zero
            panel.addSample(row);
            panel.addSample(sample(now.addSecs(i - 8), QStringLiteral("web-02"), 5));
        }

        QCOMPARE(panel.placeholderText(), QString());
        QCOMPARE(values(panel.series(Figure::RequestsPerSecond)),
                 (QList<double>{100, 101, 102, 103, 104, 105, 106, 107}));
        QCOMPARE(panel.series(Figure::RequestsPerSecond)->at(0).x(),
                 double(now.addSecs(-8).toMSecsSinceEpoch()));
        QCOMPARE(values(panel.series(Figure::Rate2xx)).last(), 106.0);
        QCOMPARE(panel.series(Figure::Rate5xx)->count(), 8);
        QCOMPARE(panel.series(Figure::P99)->count(), 7);
        QCOMPARE(values(panel.series(Figure::CheckDuration)), QList<double>(8, 7));
        QCOMPARE(values(panel.series(Figure::Sessions)), QList<double>(8, 4));

        // The y axis fits the highest value, in round numbers.
        const auto *axis = qobject_cast<QValueAxis *>(
            panel.series(Figure::RequestsPerSecond)->attachedAxes().at(1));
        QVERIFY(axis);
        QCOMPARE(axis->min(), 0.0);
        QVERIFY2(axis->max() >= 107 && axis->max() <= 250,
                 qPrintable(QString::number(axis->max())));
        QCOMPARE(axis->titleText(), QStringLiteral("req/s"));
    }

    void selectingAnotherNodeShowsItsFigures()
    {
        DrillDownPanel panel;
        panel.show();
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (int i = 0; i < 5; ++i) {
            panel.addSample(sample(now.addSecs(i - 5), QStringLiteral("web-01"), 50));
            panel.addSample(sample(now.addSecs(i - 5), QStringLiteral("web-02"), 80 + i));
        }
        panel.setNode(QStringLiteral("web-02"));
        QCOMPARE(values(panel.series(Figure::RequestsPerSecond)),
                 (QList<double>{80, 81, 82, 83, 84}));
        panel.setNode(QStringLiteral("web-01"));
        QCOMPARE(values(panel.series(Figure::RequestsPerSecond)), QList<double>(5, 50));
        // New samples of the node not shown do not leak into the charts.
        panel.addSample(sample(now, QStringLiteral("web-02"), 90));
        QCOMPARE(panel.series(Figure::RequestsPerSecond)->count(), 5);

        panel.setNode(QString());
        QCOMPARE(panel.placeholderText(),
                 QStringLiteral("Select a server and press Run to see its figures."));
        QCOMPARE(panel.series(Figure::RequestsPerSecond)->count(), 0);
    }

    void goingBackShowsTheHistoryOnDisk()
    {
        QTemporaryDir dir;
        MetricsHistory history;
        QCOMPARE(openHistory(history, dir.filePath(QStringLiteral("h.sqlite"))), QString());
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QList<NodeMetrics> earlier;
        for (int i = 0; i < 20; ++i)
            earlier.append(sample(now.addSecs(-7 * 60 + i), QStringLiteral("web-01"), 200 + i));
        earlier.append(sample(now.addSecs(-7 * 60), QStringLiteral("web-02"), 1));
        history.record(earlier);

        DrillDownPanel panel;
        panel.show();
        panel.setRange(DrillDownPanel::Range::FiveMinutes);
        panel.setHistory(&history);
        panel.setNode(QStringLiteral("web-01"));
        panel.addSample(sample(now, QStringLiteral("web-01"), 42));
        QTRY_COMPARE(values(panel.series(Figure::RequestsPerSecond)), QList<double>{42});

        QSignalSpy asked(&history, &MetricsHistory::seriesReady);
        QTest::mouseClick(panel.backButton(), Qt::LeftButton);
        QVERIFY(!panel.isLive());
        QVERIFY(!panel.liveButton()->isChecked());
        QVERIFY(panel.forwardButton()->isEnabled());
        QTRY_COMPARE(panel.series(Figure::RequestsPerSecond)->count(), 20);
        QCOMPARE(asked.size(), 1);
        QCOMPARE(values(panel.series(Figure::RequestsPerSecond)).first(), 200.0);
        QCOMPARE(values(panel.series(Figure::RequestsPerSecond)).last(), 219.0);
        QVERIFY(panel.shownTo() <= now.addSecs(-4 * 60));
        // Live samples while looking back leave the window alone.
        panel.addSample(sample(now.addSecs(1), QStringLiteral("web-01"), 43));
        QCOMPARE(panel.series(Figure::RequestsPerSecond)->count(), 20);

        // One more step back: nothing was recorded then.
        QTest::mouseClick(panel.backButton(), Qt::LeftButton);
        QTRY_VERIFY(
            panel.placeholderText().startsWith(QStringLiteral("No figures for web-01 between ")));

        // Live again: the newest samples, from memory.
        QTest::mouseClick(panel.liveButton(), Qt::LeftButton);
        QVERIFY(panel.isLive());
        QTRY_COMPARE(values(panel.series(Figure::RequestsPerSecond)), (QList<double>{42, 43}));
    }

    void aLongerLiveWindowReadsTheHistoryAndKeepsFollowing()
    {
        QTemporaryDir dir;
        MetricsHistory history;
        QCOMPARE(openHistory(history, dir.filePath(QStringLiteral("h.sqlite"))), QString());
        const QDateTime now = QDateTime::currentDateTimeUtc();
        history.record({sample(now.addSecs(-40 * 60), QStringLiteral("web-01"), 10),
                        sample(now.addSecs(-20 * 60), QStringLiteral("web-01"), 20)});

        DrillDownPanel panel;
        panel.show();
        panel.setHistory(&history);
        panel.setNode(QStringLiteral("web-01"));
        panel.setRange(DrillDownPanel::Range::OneHour);
        QCOMPARE(panel.rangeBox()->currentText(), QStringLiteral("Last hour"));
        QTRY_COMPARE(values(panel.series(Figure::RequestsPerSecond)), (QList<double>{10, 20}));
        panel.addSample(sample(QDateTime::currentDateTimeUtc(), QStringLiteral("web-01"), 30));
        QCOMPARE(values(panel.series(Figure::RequestsPerSecond)), (QList<double>{10, 20, 30}));
    }

    void anAnswerForTheNodeSelectedBeforeIsNotShown()
    {
        QTemporaryDir dir;
        MetricsHistory history;
        QCOMPARE(openHistory(history, dir.filePath(QStringLiteral("h.sqlite"))), QString());
        const QDateTime now = QDateTime::currentDateTimeUtc();
        history.record({sample(now.addSecs(-60), QStringLiteral("web-01"), 11),
                        sample(now.addSecs(-60), QStringLiteral("web-02"), 22)});

        DrillDownPanel panel;
        panel.show();
        panel.setRange(DrillDownPanel::Range::FiveMinutes);
        panel.setHistory(&history);
        QSignalSpy answered(&history, &MetricsHistory::seriesReady);
        QSignalSpy drawn(panel.series(Figure::RequestsPerSecond), &QXYSeries::pointsReplaced);
        panel.setNode(QStringLiteral("web-01"));
        panel.setNode(QStringLiteral("web-02")); // before web-01's figures arrive
        QTRY_COMPARE(answered.size(), 2);
        QCOMPARE(values(panel.series(Figure::RequestsPerSecond)), QList<double>{22});
        QCOMPARE(drawn.size(), 1); // web-01's figures never flashed up under web-02's name
    }

    void chartsFollowTheWindowsColours()
    {
        DrillDownPanel panel;
        panel.show();
        QPalette dark = panel.palette();
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
        dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
        panel.setPalette(dark);
        for (QChartView *view : panel.chartViews()) {
            QCOMPARE(view->chart()->backgroundBrush().color(), QColor(0x1e, 0x1e, 0x1e));
            QCOMPARE(view->chart()->titleBrush().color(), QColor(0xee, 0xee, 0xee));
            QCOMPARE(view->chart()->legend()->labelColor(), QColor(0xee, 0xee, 0xee));
            const QList<QAbstractAxis *> axes = view->chart()->axes();
            for (const QAbstractAxis *axis : axes)
                QCOMPARE(axis->labelsBrush().color(), QColor(0xee, 0xee, 0xee));
        }
    }
};

QTEST_MAIN(DrillDownTest)
#include "tst_drilldown.moc"
