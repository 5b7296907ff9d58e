// Canvas and document figures on a 2,000-node, 4,000-link drawing: time to
// open a saved document (read + scene), to paint the whole view once, frame
// times while zooming and panning through the real DiagramView, the image
// export, and peak memory. Prints medians and whether the goals are met.
//
//   QT_QPA_PLATFORM=offscreen build/bin/canvas_benchmark [--repeat N] [--keep DIR]

#include "document/Document.h"
#include "document/DocumentFile.h"
#include "model/Topology.h"
#include "model/Validator.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/DiagramView.h"
#include "ui/diagram/NodeItem.h"
#include "ui/export/ImageExporter.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QTemporaryDir>
#include <QUndoStack>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>

using namespace Loadstar;
using namespace Loadstar::Ui;

namespace {

constexpr int Groups = 250;         // load balancers
constexpr int ServersPerGroup = 5;  // web servers behind each
constexpr QSize ViewSize{1600, 1000};
constexpr double OpenGoalMs = 1000.0;
constexpr double FrameGoalMs = 16.0;

// 250 groups of: a load balancer, 5 web servers, a primary and a replica
// database; each server uses both databases, the primary replicates to the
// replica. 8 nodes and 16 links a group: 2,000 nodes, 4,000 links. Groups
// sit on a grid, each laid out in tiers as a user would draw it.
Topology bigDrawing()
{
    Topology t;
    int port = 20000;
    const int columns = 16;
    for (int g = 0; g < Groups; ++g) {
        const QPointF origin((g % columns) * 1400.0, (g / columns) * 560.0);
        auto add = [&](NodeKind kind, const QString &name, QPointF pos) {
            Node node = Node::make(kind, name, origin + pos);
            node.setProperty(QStringLiteral("port"), port++);
            return t.addNode(node);
        };
        const NodeId lb = add(NodeKind::LoadBalancer, QStringLiteral("lb-%1").arg(g), {550, 0});
        const NodeId primary = add(NodeKind::Database, QStringLiteral("db-%1-primary").arg(g), {300, 280});
        const NodeId replica = add(NodeKind::Database, QStringLiteral("db-%1-replica").arg(g), {800, 280});
        t.node(replica)->setProperty(QStringLiteral("role"), QStringLiteral("replica"));
        for (int s = 0; s < ServersPerGroup; ++s) {
            const NodeId web = add(NodeKind::WebServer, QStringLiteral("web-%1-%2").arg(g).arg(s),
                                   {s * 275.0, 140});
            if (s == ServersPerGroup - 1)
                t.node(web)->setProperty(QStringLiteral("backup"), true);
            t.connect(lb, web);
            t.connect(web, primary);
            t.connect(web, replica);
        }
        t.connect(primary, replica);
    }
    return t;
}

double median(QList<double> values)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const auto n = values.size();
    return n % 2 ? values.at(n / 2) : (values.at(n / 2 - 1) + values.at(n / 2)) / 2.0;
}

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const auto index = qsizetype(std::ceil(p / 100.0 * double(values.size()))) - 1;
    return values.at(std::clamp<qsizetype>(index, 0, values.size() - 1));
}

double timeMs(const std::function<void()> &work)
{
    QElapsedTimer timer;
    timer.start();
    work();
    return double(timer.nsecsElapsed()) / 1e6;
}

// Peak resident memory of this process, in MiB (Linux's VmHWM).
double peakRssMiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    }
    return -1;
}

const char *verdict(bool met)
{
    return met ? "goal met" : "goal NOT met";
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Canvas benchmark on a 2,000-node document"));
    parser.addHelpOption();
    const QCommandLineOption repeatOption(QStringLiteral("repeat"), QStringLiteral("Repetitions (default 5)."),
                                          QStringLiteral("N"), QStringLiteral("5"));
    const QCommandLineOption keepOption(QStringLiteral("keep"),
                                        QStringLiteral("Write the document and its PNG export into DIR."),
                                        QStringLiteral("DIR"));
    const QCommandLineOption noExportOption(QStringLiteral("no-export"),
                                            QStringLiteral("Skip the image export (e.g. when profiling frames)."));
    parser.addOption(repeatOption);
    parser.addOption(keepOption);
    parser.addOption(noExportOption);
    parser.process(app);
    const int repeat = std::max(1, parser.value(repeatOption).toInt());

    QTemporaryDir temporary;
    const QString dir = parser.isSet(keepOption) ? parser.value(keepOption) : temporary.path();
    const QString path = dir + QStringLiteral("/canvas-benchmark.loadstar");

    const Topology drawing = bigDrawing();
    const QList<Problem> problems = validate(drawing);
    std::printf("document: %lld nodes, %lld links, %lld validation problems\n",
                qlonglong(drawing.nodes().size()), qlonglong(drawing.links().size()),
                qlonglong(problems.size()));
    for (qsizetype i = 0; i < std::min<qsizetype>(problems.size(), 3); ++i)
        std::printf("  %s\n", qPrintable(problems.at(i).message));
    QString error;
    const double saveMs = timeMs([&] {
        if (!DocumentFile::write(drawing, path, &error))
            qFatal("%s", qPrintable(error));
    });
    std::printf("saved %s (%.1f MiB) in %.0f ms\n", qPrintable(path),
                double(QFileInfo(path).size()) / 1048576.0, saveMs);

    // Open: read the file, make the document and build the scene's items.
    QList<double> readTimes, sceneTimes, openTimes;
    for (int i = 0; i < repeat; ++i) {
        std::unique_ptr<Document> document;
        DiagramScene scene;
        const double read = timeMs([&] {
            auto topology = DocumentFile::read(path, &error);
            if (!topology)
                qFatal("%s", qPrintable(error));
            document = std::make_unique<Document>(std::move(*topology), path);
        });
        const double build = timeMs([&] { scene.setDocument(document.get()); });
        scene.setDocument(nullptr);
        readTimes.append(read);
        sceneTimes.append(build);
        openTimes.append(read + build);
    }
    const double openMs = median(openTimes);
    std::printf("open (read + scene), median of %d: %.0f ms (read %.0f, scene %.0f) — %s (≤ %.0f ms)\n",
                repeat, openMs, median(readTimes), median(sceneTimes), verdict(openMs <= OpenGoalMs),
                OpenGoalMs);

    // The window's canvas on the document.
    auto topology = DocumentFile::read(path, &error);
    Document document(std::move(*topology), path);
    DiagramScene scene;
    scene.setDocument(&document);
    DiagramView view(&scene);
    view.resize(ViewSize);
    view.show();
    view.zoomToFit();
    QImage frame(view.viewport()->size(), QImage::Format_ARGB32_Premultiplied);
    auto paintFrame = [&] {
        QPainter painter(&frame);
        view.viewport()->render(&painter);
    };

    const double firstPaint = timeMs(paintFrame);
    QList<double> fullPaints;
    for (int i = 0; i < repeat; ++i) {
        view.zoomToFit();
        view.resetCachedContent();
        fullPaints.append(timeMs(paintFrame));
    }
    std::printf("paint whole view %dx%d at fit (zoom %.3f): first %.0f ms, median %.1f ms\n",
                ViewSize.width(), ViewSize.height(), view.zoom(), firstPaint, median(fullPaints));

    // Zooming and panning: frames at several zoom levels, each at several
    // places across the drawing, through the viewport's own paint path.
    const QRectF contents = scene.contentsRect();
    const QList<qreal> zooms = {0.05, 0.1, 0.2, 0.34, 0.5, 0.75, 1.0, 1.5, 2.0};
    QList<double> frames;
    QList<QPair<qreal, double>> perZoom;
    for (qreal zoom : zooms) {
        QList<double> here;
        for (int i = 0; i < repeat; ++i) {
            for (int step = 0; step < 8; ++step) {
                view.setTransform(QTransform::fromScale(zoom, zoom));
                const qreal fx = (step % 4 + 0.5) / 4.0;
                const qreal fy = (step / 4 + 0.5) / 2.0;
                view.centerOn(contents.left() + contents.width() * fx,
                              contents.top() + contents.height() * fy);
                here.append(timeMs(paintFrame));
            }
        }
        perZoom.append({zoom, median(here)});
        frames += here;
    }
    const double frameMedian = median(frames);
    const double frameP95 = percentile(frames, 95);
    std::printf("zoom/pan frames (%lld): median %.1f ms, p95 %.1f ms — %s (≤ %.0f ms)\n",
                qlonglong(frames.size()), frameMedian, frameP95, verdict(frameP95 <= FrameGoalMs),
                FrameGoalMs);
    for (const auto &[zoom, ms] : perZoom)
        std::printf("  zoom %4.0f %%: median %.1f ms\n", zoom * 100, ms);

    // Dragging one card through the real view: a press on a card in the middle
    // of the drawing, then mouse moves of just over a grid step each (smaller
    // ones mostly snap back to where the card is and cost nothing); each
    // move is timed with the repaint it causes (the scene's queued update,
    // then the viewport's paint). The drop is undone, so repetitions are alike.
    NodeItem *card = scene.nodeItemNamed(QStringLiteral("web-120-2"));
    if (!card)
        qFatal("no card to drag");
    QWidget *viewport = view.viewport();
    auto send = [&](QEvent::Type type, QPoint at, Qt::MouseButton button, Qt::MouseButtons buttons) {
        QMouseEvent event(type, QPointF(at), QPointF(viewport->mapToGlobal(at)), button, buttons,
                          Qt::NoModifier);
        QCoreApplication::sendEvent(viewport, &event);
    };
    auto settle = [] {
        for (int i = 0; i < 3; ++i)
            QCoreApplication::processEvents();
    };
    view.zoomToFit();
    const QList<qreal> dragZooms = {1.0, 0.3, view.zoom()};
    QList<QPair<qreal, double>> dragPerZoom;
    QList<double> drags;
    for (qreal zoom : dragZooms) {
        QList<double> here;
        view.setTransform(QTransform::fromScale(zoom, zoom));
        const int stepPixels = std::max(2, int(std::ceil(1.05 * DiagramStyle::SnapSpacing * zoom)));
        for (int i = 0; i < repeat; ++i) {
            view.centerOn(card->pos());
            settle();
            QPoint at = view.mapFromScene(card->pos());
            send(QEvent::MouseMove, at, Qt::NoButton, Qt::NoButton);
            send(QEvent::MouseButtonPress, at, Qt::LeftButton, Qt::LeftButton);
            settle();
            for (int step = 0; step < 30; ++step) {
                at += QPoint(stepPixels, step % 3 == 0 ? 1 : 0);
                here.append(timeMs([&] {
                    send(QEvent::MouseMove, at, Qt::NoButton, Qt::LeftButton);
                    settle();
                }));
            }
            send(QEvent::MouseButtonRelease, at, Qt::LeftButton, Qt::NoButton);
            document.undoStack()->undo();
            settle();
        }
        dragPerZoom.append({zoom, median(here)});
        drags += here;
    }
    const double dragMedian = median(drags);
    const double dragP95 = percentile(drags, 95);
    std::printf("drag one card (%lld moves): median %.1f ms, p95 %.1f ms per move — %s (≤ %.0f ms)\n",
                qlonglong(drags.size()), dragMedian, dragP95, verdict(dragP95 <= FrameGoalMs),
                FrameGoalMs);
    for (const auto &[zoom, ms] : dragPerZoom)
        std::printf("  zoom %4.0f %%: median %.1f ms\n", zoom * 100, ms);

    // Before the export, whose image alone is a few hundred MiB.
    // While running: a snapshot of every node's live state (as the engine
    // sends them, 10 a second), one where 1 % of the nodes changed, and
    // frames with every card showing its health.
    QHash<QString, NodeLiveState> live;
    const QStringList statuses{QStringLiteral("UP"), QStringLiteral("UP 2/3"),
                               QStringLiteral("DOWN"), QStringLiteral("DOWN 1/2")};
    int index = 0;
    for (const NodeItem *item : scene.nodeItems()) {
        NodeLiveState state;
        state.running = true;
        state.status = statuses.at(index % statuses.size());
        state.checkCode = QStringLiteral("L4CON");
        state.reason = QStringLiteral("Connection refused");
        state.requestsPerSecond = 10.0 * (index % 97);
        state.sessions = index % 13;
        live.insert(item->displayName(), state);
        ++index;
    }
    const double firstSnapshotMs = timeMs([&] { scene.setLiveStates(live); });
    QList<double> snapshots;
    QList<double> repaints;
    for (int i = 0; i < repeat; ++i) {
        int changed = 0;
        for (auto it = live.begin(); it != live.end() && changed < live.size() / 100; ++it, ++changed)
            it->requestsPerSecond += 1.0;
        snapshots.append(timeMs([&] { scene.setLiveStates(live); }));
        repaints.append(timeMs([] { QCoreApplication::processEvents(); }));
    }
    std::printf("live state: first snapshot of %lld nodes %.1f ms; 1 %% changed: median %.1f ms "
                "(then the view's repaint %.1f ms)\n",
                qlonglong(live.size()), firstSnapshotMs, median(snapshots), median(repaints));
    QList<QPair<qreal, double>> livePerZoom;
    for (qreal zoom : {0.1, 0.3, 0.5, 1.0}) {
        QList<double> here;
        for (int i = 0; i < repeat; ++i) {
            for (int step = 0; step < 8; ++step) {
                view.setTransform(QTransform::fromScale(zoom, zoom));
                view.centerOn(contents.left() + contents.width() * ((step % 4 + 0.5) / 4.0),
                              contents.top() + contents.height() * ((step / 4 + 0.5) / 2.0));
                here.append(timeMs(paintFrame));
            }
        }
        livePerZoom.append({zoom, median(here)});
    }
    for (const auto &[zoom, ms] : livePerZoom)
        std::printf("  running, zoom %4.0f %%: median frame %.1f ms\n", zoom * 100, ms);
    scene.clearLiveStates();

    std::printf("peak RSS (VmHWM) with the document open and painted: %.0f MiB\n", peakRssMiB());

    // The image export (File → Export…, loadstar export) of the whole drawing.
    if (!parser.isSet(noExportOption)) {
        const QString png = dir + QStringLiteral("/canvas-benchmark.png");
        const QString svg = dir + QStringLiteral("/canvas-benchmark.svg");
        const QString pdf = dir + QStringLiteral("/canvas-benchmark.pdf");
        ImageExportResult pngResult, svgResult, pdfResult;
        const double pngMs = timeMs([&] {
            const ImageExporter exporter(&document);
            ImageExportOptions options;
            options.scale = 0.5;
            pngResult = exporter.write(png, options);
        });
        QImage image;
        const double renderMs = timeMs([&] {
            ImageExportOptions options;
            options.scale = 0.5;
            image = ImageExporter(&document).renderImage(options);
        });
        std::printf("export: PNG 0.5x drawing alone %.0f ms (%dx%d)\n", renderMs, image.width(),
                    image.height());
        image = QImage();
        const double svgMs = timeMs([&] { svgResult = ImageExporter(&document).write(svg, {}); });
        const double pdfMs = timeMs([&] { pdfResult = ImageExporter(&document).write(pdf, {}); });
        std::printf("export: PNG 0.5x %.0f ms (%s), SVG %.0f ms (%s, %.1f MiB), PDF %.0f ms (%s, %.1f MiB)\n",
                    pngMs, qPrintable(pngResult.ok ? pngResult.description() : pngResult.error), svgMs,
                    qPrintable(svgResult.ok ? svgResult.description() : svgResult.error),
                    double(QFileInfo(svg).size()) / 1048576.0, pdfMs,
                    qPrintable(pdfResult.ok ? pdfResult.description() : pdfResult.error),
                    double(QFileInfo(pdf).size()) / 1048576.0);
    }

    std::printf("peak RSS (VmHWM) at the end: %.0f MiB\n", peakRssMiB());
    return 0;
}
