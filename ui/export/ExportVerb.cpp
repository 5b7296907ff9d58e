#include "ExportVerb.h"

#include "ImageExporter.h"
#include "document/Document.h"
#include "document/DocumentFile.h"
#include "engine/EngineConfig.h"
#include "engine/LiveSession.h"
#include "haproxy/ConfigExport.h"
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

QCommandLineOption formatOption()
{
    return QCommandLineOption(QStringLiteral("format"),
                              QStringLiteral("haproxy, keepalived or nginx: write the drawing as that "
                                             "configuration instead of an image; databases: write its "
                                             "MariaDB and PostgreSQL servers' files into the folder OUT."),
                              QStringLiteral("FORMAT"));
}

QCommandLineOption statsOption()
{
    return QCommandLineOption(QStringLiteral("stats"),
                              QStringLiteral("HAProxy's stats listener: ADDRESS:PORT, or none (default: the "
                                             "first load balancer's address, port 8404)."),
                              QStringLiteral("ADDRESS:PORT|none"));
}

QCommandLineOption statsSocketOption()
{
    return QCommandLineOption(QStringLiteral("stats-socket"),
                              QStringLiteral("HAProxy's stats socket (Runtime API), or none (default: "
                                             "/run/haproxy/admin.sock)."),
                              QStringLiteral("PATH|none"));
}

constexpr double MaximumLiveSeconds = 3600;

void addOptions(QCommandLineParser &parser)
{
    parser.addOption(scaleOption());
    parser.addOption(backgroundOption());
    parser.addOption(liveOption());
    parser.addOption(formatOption());
    parser.addOption(statsOption());
    parser.addOption(statsSocketOption());
}

// `--format haproxy|keepalived|nginx`: the configuration, and the PEM files
// it names beside it; `--format databases`: the files of every database
// server, in the folder OUT.
int runConfiguration(const QCommandLineParser &parser, const QString &input, const QString &output,
                     Haproxy::ConfigFormat format)
{
    QString error;
    const std::optional<Topology> topology = DocumentFile::read(input, &error);
    if (!topology) {
        Cli::err() << error << "\n";
        return Cli::Failure;
    }
    Haproxy::ExportOptions options;
    options.source = QFileInfo(input).fileName();
    const bool folder = Haproxy::writesFolder(format);
    options.outputFolder = folder ? QFileInfo(output).absoluteFilePath() : QFileInfo(output).absolutePath();
    options.statsBind = parser.value(statsOption());
    if (parser.isSet(statsSocketOption()))
        options.statsSocket = parser.value(statsSocketOption());
    const Haproxy::ConfigExport exported = Haproxy::exportConfiguration(format, *topology, options);
    QStringList written;
    if (!Haproxy::writeConfiguration(exported, output, &error, &written)) {
        Cli::err() << error << "\n";
        return Cli::Failure;
    }
    Cli::out() << "Wrote " << QDir::toNativeSeparators(output) << " (" << Haproxy::configFormatName(format)
               << ", " << exported.summary << ")\n";
    if (folder) {
        for (const QString &file : std::as_const(written))
            Cli::out() << "  " << QFileInfo(file).fileName() << "\n";
    } else {
        for (const QString &file : written.mid(1))
            Cli::out() << "Wrote " << QDir::toNativeSeparators(file) << " (certificate and key, readable by you only)\n";
    }
    for (const QString &warning : exported.warnings)
        Cli::out() << "Note: " << warning << "\n";
    return Cli::Success;
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

    if (parser.isSet(formatOption())) {
        const QString id = parser.value(formatOption());
        if (const std::optional<Haproxy::ConfigFormat> config = Haproxy::configFormatFromId(id))
            return runConfiguration(parser, input, output, *config);
        if (!ImageExporter::formatForPath(QStringLiteral("x.") + id)) {
            return Cli::usageError(kCommand, QStringLiteral("--format expects haproxy, keepalived, nginx, databases, "
                                                            "png, svg or pdf, not “%1”")
                                                 .arg(id));
        }
    }
    const std::optional<ImageFormat> format = ImageExporter::formatForPath(output);
    if (!format) {
        const QString suffix = QFileInfo(output).suffix();
        return Cli::usageError(kCommand, suffix.isEmpty()
                                             ? QStringLiteral("“%1” has no extension; end it with "
                                                              ".png, .svg or .pdf, or say --format haproxy, "
                                                              "keepalived, nginx or databases")
                                                   .arg(output)
                                             : QStringLiteral("unknown image format “.%1”; use "
                                                              ".png, .svg or .pdf, or say --format haproxy, "
                                                              "keepalived, nginx or databases")
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
            "Draw a document as PNG, SVG or PDF, or write it as HAProxy, keepalived, nginx or database configuration",
            "Reads FILE (a .loadstar document or its JSON form) and draws its diagram as the "
            "canvas shows it, with a margin and nothing selected, into OUT. The format follows "
            "OUT's name: .png (scaled by --scale), .svg or .pdf (one page the size of the "
            "drawing). With --live SECONDS the document runs first, as the window's Run does, "
            "and the image shows health, check results and traffic as they were at the end. "
            "With --format haproxy, keepalived or nginx, OUT is that configuration instead (haproxy.cfg, "
            "keepalived.conf, nginx.conf), and PEM files its TLS listeners need are made beside it. "
            "With --format databases, OUT is a folder that gets each MariaDB and PostgreSQL server's "
            "option file or settings, the SQL and steps that start replication, and a README.",
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
