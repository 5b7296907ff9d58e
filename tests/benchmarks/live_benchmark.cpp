// The window while a large drawing runs for real: a client, a load balancer
// and 500 web servers (embedded demo backends on loopback, each probed over
// HTTP), the client sending traffic through the engine, the cards refreshed
// at 10 Hz. Measures, on the GUI thread, the event-loop latency (how late a
// 5 ms timer fires) and the frame time (every frame the 1600×1000 view
// showing the whole drawing paints, and a whole-view frame each second),
// first with the document stopped (the baseline), then running, then running while 50 servers fail and come
// back. Prints medians, p99 and the ratio to the baseline, and whether the
// goals (latency p99 ≤ 50 ms, frame ≤ 16 ms) are met.
//
//   QT_QPA_PLATFORM=offscreen build/bin/live_benchmark [--seconds N] [--servers N] [--base-port P]

#include "ScriptedPrompts.h"

#include "document/DocumentFile.h"
#include "engine/demo/DemoFault.h"
#include "model/Topology.h"
#include "ui/FaultActions.h"
#include "ui/MainWindow.h"
#include "ui/RunActions.h"
#include "ui/RunController.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/DiagramView.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace Loadstar;
using namespace Loadstar::Ui;

namespace {

constexpr QSize ViewSize{1600, 1000};
constexpr double LatencyGoalMs = 50.0;
constexpr double FrameGoalMs = 16.0;
constexpr int SampleMs = 100; // 10 Hz
constexpr int TickMs = 5;

Topology bigLiveDrawing(int servers, quint16 basePort)
{
    Topology t;
    const auto set = [&](NodeId id, const char *key, const QVariant &value) {
        const QString error = t.node(id)->setProperty(QString::fromLatin1(key), value);
        if (!error.isEmpty())
            qFatal("%s: %s", key, qPrintable(error));
    };
    const int columns = 25;
    const qreal width = columns * 240.0;
    const NodeId client = t.addNode(Node::make(NodeKind::Client, QStringLiteral("client"), {width / 2, -300}));
    set(client, "rate", 1000);
    set(client, "concurrency", 20);
    const NodeId lb = t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb"), {width / 2, -150}));
    set(lb, "port", basePort);
    t.connect(client, lb);
    for (int i = 0; i < servers; ++i) {
        const NodeId web = t.addNode(Node::make(NodeKind::WebServer, QStringLiteral("web-%1").arg(i, 3, 10, QLatin1Char('0')),
                                                {(i % columns) * 240.0, (i / columns) * 120.0}));
        set(web, "port", basePort + 1 + i);
        set(web, "embedded", true);
        set(web, "check", QStringLiteral("http"));
        // HAProxy's defaults: 500 servers → 250 checks a second.
        set(web, "inter", 2000);
        set(web, "fastinter", 1000);
        set(web, "downinter", 1000);
        set(web, "rise", 2);
        set(web, "fall", 2);
        t.connect(lb, web);
    }
    return t;
}

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const qsizetype index = std::min(values.size() - 1, qsizetype(p * double(values.size())));
    return values[index];
}

struct Figures
{
    QList<double> latencyMs;
    QList<double> frameMs;
    int samples = 0;
    double seconds = 1;
};

// For `seconds`: a 5 ms timer's lateness, and a full repaint every 100 ms.
Figures measure(MainWindow &window, double seconds)
{
    Figures figures;
    QObject::connect(window.runController(), &RunController::sampled, &window, [&figures] { ++figures.samples; });
    QElapsedTimer clock;
    clock.start();
    qint64 expected = clock.elapsed() + TickMs;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setSingleShot(true);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.elapsed();
        figures.latencyMs.append(double(std::max<qint64>(0, now - expected)));
        expected = now + TickMs;
        tick.start(TickMs);
    });
    tick.start(TickMs);
    // Every frame the view paints (cards refreshed by samples, moving
    // traffic), and once a second the whole view, so a stopped document has
    // frames to compare with.
    const QMetaObject::Connection painted = QObject::connect(
        window.view(), &DiagramView::framePainted, [&figures](qint64 ns) { figures.frameMs.append(double(ns) / 1e6); });
    QTimer whole;
    QObject::connect(&whole, &QTimer::timeout, [&] { window.view()->viewport()->update(); });
    whole.start(1000);
    QEventLoop loop;
    QTimer::singleShot(int(seconds * 1000), &loop, &QEventLoop::quit);
    loop.exec();
    QObject::disconnect(painted);
    QObject::disconnect(window.runController(), &RunController::sampled, &window, nullptr);
    figures.seconds = seconds;
    return figures;
}

void print(const char *phase, const Figures &f, const Figures &baseline, double seconds)
{
    const double latency99 = percentile(f.latencyMs, 0.99);
    const double frame50 = percentile(f.frameMs, 0.5);
    const double frame99 = percentile(f.frameMs, 0.99);
    const double base99 = std::max(1.0, percentile(baseline.latencyMs, 0.99));
    const double baseFrame = std::max(0.01, percentile(baseline.frameMs, 0.5));
    std::printf("| %-22s | %6.1f | %6.1f | %6.1f | %5.2f× | %6.2f | %6.2f | %5.2f× | %5.1f | %5.1f |\n", phase,
                percentile(f.latencyMs, 0.5), latency99, f.latencyMs.isEmpty() ? 0.0 : *std::max_element(f.latencyMs.begin(), f.latencyMs.end()),
                latency99 / base99, frame50, frame99, frame50 / baseFrame, double(f.frameMs.size()) / seconds,
                double(f.samples) / seconds);
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("loadstar-live-benchmark"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption secondsOption(QStringLiteral("seconds"), QStringLiteral("Seconds per phase (default 15)."),
                                           QStringLiteral("N"), QStringLiteral("15"));
    const QCommandLineOption serversOption(QStringLiteral("servers"), QStringLiteral("Web servers (default 500)."),
                                           QStringLiteral("N"), QStringLiteral("500"));
    const QCommandLineOption portOption(QStringLiteral("base-port"),
                                        QStringLiteral("The load balancer's port; the servers follow (default 31000)."),
                                        QStringLiteral("P"), QStringLiteral("31000"));
    parser.addOptions({secondsOption, serversOption, portOption});
    parser.process(app);
    const double seconds = std::clamp(parser.value(secondsOption).toDouble(), 1.0, 300.0);
    const int servers = std::clamp(parser.value(serversOption).toInt(), 1, 5000);
    const quint16 basePort = quint16(std::clamp(parser.value(portOption).toInt(), 1024, 65535 - servers - 1));

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("live.loadstar"));
    QString error;
    if (!DocumentFile::write(bigLiveDrawing(servers, basePort), path, &error))
        qFatal("%s", qPrintable(error));

    ScriptedPrompts prompts;
    MainWindowOptions options;
    options.prompts = &prompts;
    options.eventHistoryPath = dir.filePath(QStringLiteral("history.sqlite"));
    MainWindow window(options);
    window.resize(ViewSize + QSize(520, 260));
    window.show();
    window.start(path);
    window.view()->resize(ViewSize);
    window.view()->zoomToFit();
    window.runController()->setSampleInterval(SampleMs);
    window.runController()->setEngineThreads(1);

    std::printf("Live canvas: 1 client, 1 load balancer, %d embedded web servers with HTTP checks "
                "(inter 2s), cards sampled every %d ms, %.0f s a phase; view %d×%d showing the whole drawing, then at 100 %% zoom.\n\n",
                servers, SampleMs, seconds, ViewSize.width(), ViewSize.height());
    std::printf("| phase                  | loop p50 ms | p99 | max | p99 vs stopped | frame p50 ms | p99 | p50 vs stopped | frames/s | samples/s |\n");
    std::printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    const Figures stopped = measure(window, seconds);
    print("stopped", stopped, stopped, seconds);

    QSignalSpy sampled(window.runController(), &RunController::sampled);
    window.runController()->run();
    if (!sampled.wait(30000)) {
        std::fprintf(stderr, "The document did not run: %s\n", qPrintable(window.runActions()->statusText()));
        return 1;
    }
    measure(window, 3); // warm-up: the first checks and connections
    const Figures running = measure(window, seconds);
    print("running", running, stopped, seconds);

    // 50 servers die and come back, a few at a time: transitions, the
    // Events panel and the history writer get busy too.
    QTimer churn;
    int next = 0;
    QObject::connect(&churn, &QTimer::timeout, [&] {
        const int victim = (next / 2) % std::min(servers, 50);
        DemoFaultRequest fault;
        fault.killed = next % 2 == 0;
        emit window.faultActions()->faultRequested(QStringLiteral("web-%1").arg(victim, 3, 10, QLatin1Char('0')), fault);
        ++next;
    });
    churn.start(int(seconds * 1000 / 100));
    const Figures failing = measure(window, seconds);
    churn.stop();
    print("running, 50 failing", failing, stopped, seconds);
    const double fitZoom = window.view()->zoom();

    // Close up, the traffic moves along the links (within its frame budget).
    window.view()->resetZoom();
    const Figures closeUp = measure(window, seconds);
    print("running, 100 % zoom", closeUp, stopped, seconds);

    window.runController()->stop();
    // The goals hold for the view: the whole drawing while it runs.
    const double worst99 = std::max(percentile(running.latencyMs, 0.99), percentile(failing.latencyMs, 0.99));
    const double worstFrame = std::max(percentile(running.frameMs, 0.5), percentile(failing.frameMs, 0.5));
    std::printf("\nThe whole drawing showed at %.0f %% zoom.\n", fitZoom * 100);
    std::printf("Goals, whole drawing running: event-loop latency p99 ≤ %.0f ms: %s (%.1f ms); frame ≤ %.0f ms "
                "(median): %s (%.2f ms).\n",
                LatencyGoalMs, worst99 <= LatencyGoalMs ? "met" : "NOT met", worst99, FrameGoalMs,
                worstFrame <= FrameGoalMs ? "met" : "NOT met", worstFrame);
    std::printf("Close up (100 %%), for comparison: latency p99 %.1f ms, frame median %.2f ms.\n",
                percentile(closeUp.latencyMs, 0.99), percentile(closeUp.frameMs, 0.5));
    return 0;
}
