#include "Cli.h"

#include "ProxyVerbs.h"

#include "document/DocumentFile.h"
#include "model/Validator.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTextStream>

#include <cstdio>

namespace Loadstar::Cli {

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

int usageError(const QString &command, const QString &message)
{
    err() << command << ": " << message << "\n"
          << "Try '" << command << " --help'.\n";
    err().flush();
    return UsageError;
}

namespace {

// QCommandLineParser names the executable only when a QCoreApplication
// exists; the GUI's parse runs before there is one.
QString helpText(const QCommandLineParser &parser, const QString &command)
{
    static const QRegularExpression usage(QStringLiteral("^Usage: \\S+"));
    return parser.helpText().replace(usage, QStringLiteral("Usage: ") + command);
}

QString shown(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

int convertVerb(const QCommandLineParser &, const QStringList &arguments)
{
    const QString &input = arguments.at(0);
    const QString &output = arguments.at(1);
    QString error;
    const auto topology = DocumentFile::read(input, &error);
    if (!topology) {
        err() << error << "\n";
        return Failure;
    }
    if (!DocumentFile::write(*topology, output, &error)) {
        err() << error << "\n";
        return Failure;
    }
    const bool json = DocumentFile::formatForPath(output) == DocumentFile::Format::Json;
    out() << "Wrote " << shown(output) << " (" << (json ? "JSON" : "Loadstar document") << ", "
          << topology->nodes().size() << " nodes, " << topology->links().size() << " links).\n";
    return Success;
}

int validateVerb(const QCommandLineParser &, const QStringList &arguments)
{
    const QString &path = arguments.at(0);
    QString error;
    const auto topology = DocumentFile::read(path, &error);
    if (!topology) {
        err() << error << "\n";
        return Failure;
    }
    const QList<Problem> problems = validate(*topology);
    for (const Problem &problem : problems)
        out() << shown(path) << ": " << problem.message << "\n";
    if (problems.isEmpty()) {
        out() << shown(path) << ": no problems (" << topology->nodes().size() << " nodes, "
              << topology->links().size() << " links).\n";
    }
    return problems.isEmpty() ? Success : Failure;
}

// app/'s own verbs; the engine's (proxy, run) come from ProxyVerbs.
const QList<Verb> &builtinVerbs()
{
    static const QList<Verb> list = QList<Verb>{
        {"convert", "IN OUT", "Convert a document between the .loadstar and JSON formats",
         "Reads IN (a .loadstar document or its JSON form) and writes OUT in the format its "
         "name says: .json for JSON, anything else for a .loadstar document. The conversion is "
         "exact both ways.",
         2, 2, nullptr, &convertVerb},
        {"validate", "FILE", "Check a document and list every problem, one per line",
         "Prints one line per problem and exits with 1 when there is any, 0 when there is none.",
         1, 1, nullptr, &validateVerb},
    } + proxyVerbs();
    return list;
}

// Every verb, app/'s and those run() was given.
QList<Verb> &verbs()
{
    static QList<Verb> list = builtinVerbs();
    return list;
}

const Verb *findVerb(const QString &name)
{
    for (const Verb &verb : verbs()) {
        if (name == QLatin1String(verb.name))
            return &verb;
    }
    return nullptr;
}

int runVerb(const Verb &verb, const QStringList &arguments)
{
    const QString command = QStringLiteral("loadstar %1").arg(QLatin1String(verb.name));
    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromUtf8(verb.description));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    parser.addOption(help);
    for (const QString &argument : QString::fromLatin1(verb.arguments).split(QLatin1Char(' '), Qt::SkipEmptyParts))
        parser.addPositionalArgument(argument, QString());
    if (verb.addOptions)
        verb.addOptions(parser);

    QStringList args = arguments;
    args.removeAt(1); // the verb itself
    args[0] = command;
    if (!parser.parse(args))
        return usageError(command, parser.errorText());
    if (parser.isSet(help)) {
        out() << helpText(parser, command);
        return Success;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() < verb.minArguments || positional.size() > verb.maxArguments) {
        if (verb.maxArguments == 0)
            return usageError(command, QStringLiteral("takes no arguments, got “%1”").arg(positional.first()));
        return usageError(command, QStringLiteral("expects %1, got %2 argument%3")
                                       .arg(QString::fromLatin1(verb.arguments))
                                       .arg(positional.size())
                                       .arg(positional.size() == 1 ? QString() : QStringLiteral("s")));
    }
    return verb.run(parser, positional);
}

QString verbsHelp()
{
    QString text = QStringLiteral("\nVerbs (headless, no display needed):\n");
    for (const Verb &verb : verbs()) {
        const QString usage = QStringLiteral("%1 %2").arg(QLatin1String(verb.name), QLatin1String(verb.arguments));
        text += QStringLiteral("  %1  %2\n").arg(usage, -20).arg(QString::fromUtf8(verb.summary));
    }
    text += QStringLiteral("Run 'loadstar VERB --help' for a verb's options.\n");
    return text;
}

void setApplicationIdentity()
{
    QCoreApplication::setApplicationName(QStringLiteral("loadstar"));
    QCoreApplication::setOrganizationName(QStringLiteral("Loadstar"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LOADSTAR_VERSION));
}

} // namespace

int run(int &argc, char **argv, GuiEntry gui, const QList<Verb> &extraVerbs)
{
    verbs() = builtinVerbs() + extraVerbs;
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    setApplicationIdentity();

    if (arguments.size() > 1) {
        if (const Verb *verb = findVerb(arguments.at(1))) {
            const std::unique_ptr<QCoreApplication> app
                = verb->makeApplication ? verb->makeApplication(argc, argv)
                                        : std::make_unique<QCoreApplication>(argc, argv);
            const int code = runVerb(*verb, arguments);
            out().flush();
            err().flush();
            return code;
        }
    }

    const QString command = QStringLiteral("loadstar");
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Loadstar: draw a web infrastructure, run it for real, watch it fail over.\n"
                       "With no FILE, opens the reference design."));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help."));
    const QCommandLineOption version({QStringLiteral("v"), QStringLiteral("version")},
                                     QStringLiteral("Show the version."));
    parser.addOption(help);
    parser.addOption(version);
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("Document to open (.loadstar or .json)."),
                                 QStringLiteral("[FILE]"));
    // Qt's own GUI options (-platform, -style, …) reach QApplication untouched.
    for (const char *name : {"platform", "style", "stylesheet", "display", "qwindowgeometry"}) {
        QCommandLineOption option(QString::fromLatin1(name), QString(), QStringLiteral("value"));
        option.setFlags(QCommandLineOption::HiddenFromHelp);
        parser.addOption(option);
    }
    if (!parser.parse(arguments))
        return usageError(command, parser.errorText());
    if (parser.isSet(help)) {
        out() << helpText(parser, command) << verbsHelp();
        out().flush();
        return Success;
    }
    if (parser.isSet(version)) {
        out() << "loadstar " << LOADSTAR_VERSION << "\n";
        out().flush();
        return Success;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() > 1) {
        return usageError(command, QStringLiteral("“%1” is not a verb, and the GUI opens one file at a time")
                                       .arg(positional.first()));
    }
    const QString file = positional.value(0);
    if (!file.isEmpty() && !QFileInfo::exists(file)) {
        QStringList names;
        for (const Verb &verb : verbs())
            names.append(QString::fromLatin1(verb.name));
        return usageError(command, QStringLiteral("“%1” is neither a verb (%2) nor an existing file")
                                       .arg(file, names.join(QStringLiteral(", "))));
    }
    return gui(argc, argv, file);
}

} // namespace Loadstar::Cli
