#include "ExportVerb.h"

#include "ImageExporter.h"
#include "document/Document.h"
#include "document/DocumentFile.h"
#include "engine/EngineConfig.h"
#include "engine/LiveSession.h"
#include "ui/LiveSample.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QTextStream>
#include <QTimer>

#include <cstdio>
#include <cstring>

namespace Loadstar::Ui {

namespace {

const QString kCommand = QStringLiteral("loadstar export");

QCommandLineOption scaleOption()
{
    return QCommandLineOption(QStringLiteral("scale"),
                              QStringLiteral("PNG pixels per canvas pixel: 1 (default), 2 for "
                                             "high-density screens, up to 8."),
                              QStringLiteral("N"), QStringLiteral("1"));
}

QCommandLineOption backgroundOption()
{
    return QCommandLineOption(QStringLiteral("background"),
                              QStringLiteral("white (default) or transparent."),
                              QStringLiteral("white|transparent"), QStringLiteral("white"));
}

QCommandLineOption liveOption()
{
    return QCommandLineOption(QStringLiteral("live"),
                              QStringLiteral("Run the document for SECONDS first, as Run does (demo "
                                             "backends, load balancers, health checks, client "
                                             "traffic), and draw the cards as they are then."),
                              QStringLiteral("SECONDS"));
}

constexpr double MaximumLiveSeconds = 3600;

void addOptions(QCommandLineParser &parser)
{
    parser.addOption(scaleOption());
    parser.addOption(backgroundOption());
    parser.addOption(liveOption());
}

// Runs `topology` for `seconds` and says what the cards show at the end, or
// why it could not run (one sentence, in *error).
std::optional<QHash<QString, NodeLiveState>> runFor(const Topology &topology, double seconds, QString *error)
{
    const Engine::CompileResult compiled = Engine::compile(topology);
    if (!compiled.problems.isEmpty()) {
        *error = QStringLiteral("Can't run the document: %1").arg(compiled.problems.first().message);
        return std::nullopt;
    }
    LiveSession session;
    QString why;
    if (!session.start(compiled.config, &why)) {
        *error = QStringLiteral("Could not run the document: %1").arg(why);
        return std::nullopt;
    }
    Cli::out() << "Running for " << seconds << " s…\n";
    Cli::out().flush();
    QEventLoop loop;
    QTimer::singleShot(qRound(seconds * 1000), &loop, &QEventLoop::quit);
    loop.exec();
    const RunSample sample = takeSample(session);
    session.stop();
    return liveStatesOf(sample, embeddedServers(compiled.config));
}

int run(const QCommandLineParser &parser, const QStringList &arguments)
{
    const QString &input = arguments.at(0);
    const QString &output = arguments.at(1);

    const std::optional<ImageFormat> format = ImageExporter::formatForPath(output);
    if (!format) {
        const QString suffix = QFileInfo(output).suffix();
        return Cli::usageError(kCommand, suffix.isEmpty()
                                             ? QStringLiteral("“%1” has no extension; end it with "
                                                              ".png, .svg or .pdf")
                                                   .arg(output)
                                             : QStringLiteral("unknown image format “.%1”; use "
                                                              ".png, .svg or .pdf")
                                                   .arg(suffix));
    }
    bool isNumber = false;
    const QString scaleText = parser.value(scaleOption());
    const double scale = scaleText.toDouble(&isNumber);
    if (!isNumber || !(scale > 0.0) || scale > ImageExporter::MaximumScale) {
        return Cli::usageError(kCommand, QStringLiteral("--scale expects a number more than 0 and "
                                                        "at most %1, not “%2”")
                                             .arg(ImageExporter::MaximumScale)
                                             .arg(scaleText));
    }
    const QString background = parser.value(backgroundOption());
    if (background != QLatin1String("white") && background != QLatin1String("transparent")) {
        return Cli::usageError(kCommand, QStringLiteral("--background expects white or "
                                                        "transparent, not “%1”")
                                             .arg(background));
    }
    const bool live = parser.isSet(liveOption());
    const QString liveText = parser.value(liveOption());
    const double liveSeconds = liveText.toDouble(&isNumber);
    if (live && (!isNumber || !(liveSeconds > 0.0) || liveSeconds > MaximumLiveSeconds)) {
        return Cli::usageError(kCommand, QStringLiteral("--live expects seconds, more than 0 and at "
                                                        "most %1, not “%2”")
                                             .arg(MaximumLiveSeconds)
                                             .arg(liveText));
    }

    QString error;
    std::optional<Topology> topology = DocumentFile::read(input, &error);
    if (!topology) {
        Cli::err() << error << "\n";
        return Cli::Failure;
    }
    std::optional<QHash<QString, NodeLiveState>> liveStates;
    if (live) {
        liveStates = runFor(*topology, liveSeconds, &error);
        if (!liveStates) {
            Cli::err() << error << "\n";
            return Cli::Failure;
        }
    }
    Document document(std::move(*topology), input);
    ImageExporter exporter(&document);
    if (liveStates)
        exporter.setLiveStates(*liveStates);
    ImageExportOptions options;
    options.scale = scale;
    options.transparentBackground = background == QLatin1String("transparent");
    const ImageExportResult result = exporter.write(output, *format, options);
    if (!result.ok) {
        Cli::err() << result.error << "\n";
        return Cli::Failure;
    }
    Cli::out() << "Wrote " << QDir::toNativeSeparators(output) << " (" << result.description()
               << ")\n";
    return Cli::Success;
}

bool platformChosen(int argc, char **argv)
{
    if (!qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        return true;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "-platform") == 0 || std::strcmp(argv[i], "--platform") == 0)
            return true;
    }
    return false;
}

void quietMessages(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    if (type == QtCriticalMsg || type == QtFatalMsg)
        std::fprintf(stderr, "%s\n", qPrintable(message));
}

} // namespace

Cli::Verb exportVerb()
{
    return {"export",
            "FILE OUT",
            "Draw a document as PNG, SVG or PDF (no display needed)",
            "Reads FILE (a .loadstar document or its JSON form) and draws its diagram as the "
            "canvas shows it, with a margin and nothing selected, into OUT. The format follows "
            "OUT's name: .png (scaled by --scale), .svg or .pdf (one page the size of the "
            "drawing). With --live SECONDS the document runs first, as the window's Run does, "
            "and the image shows health, check results and traffic as they were at the end.",
            2,
            2,
            &addOptions,
            &run,
            &makeOffscreenApplication};
}

std::unique_ptr<QCoreApplication> makeOffscreenApplication(int &argc, char **argv)
{
    if (!platformChosen(argc, argv))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    // A verb's output is its one line of result or error; Qt's own chatter
    // (XDG_RUNTIME_DIR, the offscreen platform's limits) would bury it.
    // QT_LOGGING_RULES brings it back for debugging.
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        qInstallMessageHandler(&quietMessages);
    return std::make_unique<QApplication>(argc, argv);
}

} // namespace Loadstar::Ui
