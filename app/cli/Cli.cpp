#include "Cli.h"

#include "ProxyVerbs.h"

#include "analysis/DesignAnalysis.h"
#include "document/DocumentFile.h"
#include "haproxy/HaproxyImport.h"
#include "model/Validator.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
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

std::mutex &outputMutex()
{
    static std::mutex mutex;
    return mutex;
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

// The document at `path`, or nothing after saying on stderr why it can't be read.
std::optional<Topology> readOrSay(const QString &path)
{
    QString error;
    auto topology = DocumentFile::read(path, &error);
    if (!topology)
        err() << error << "\n";
    return topology;
}

int convertVerb(const QCommandLineParser &, const QStringList &arguments)
{
    const QString &input = arguments.at(0);
    const QString &output = arguments.at(1);
    const auto topology = readOrSay(input);
    if (!topology)
        return Failure;
    QString error;
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
    const auto topology = readOrSay(path);
    if (!topology)
        return Failure;
    const QList<Problem> problems = validate(*topology);
    for (const Problem &problem : problems)
        out() << shown(path) << ": " << problem.message << "\n";
    if (problems.isEmpty()) {
        out() << shown(path) << ": no problems (" << topology->nodes().size() << " nodes, "
              << topology->links().size() << " links).\n";
    }
    return problems.isEmpty() ? Success : Failure;
}

QString quickFixId(QuickFix fix)
{
    switch (fix) {
    case QuickFix::None:
        return {};
    case QuickFix::AddLoadBalancer:
        return QStringLiteral("add-load-balancer");
    case QuickFix::AddReplica:
        return QStringLiteral("add-replica");
    case QuickFix::AddFirewall:
        return QStringLiteral("add-firewall");
    case QuickFix::EnableTls:
        return QStringLiteral("enable-tls");
    case QuickFix::AddHealthCheck:
        return QStringLiteral("add-health-check");
    }
    return {};
}

QJsonArray namesOf(const Topology &topology, const QList<NodeId> &ids)
{
    QJsonArray names;
    for (NodeId id : ids) {
        const Node *node = topology.node(id);
        names.append(node ? node->name : QString::number(id));
    }
    return names;
}

QJsonObject findingJson(const Topology &topology, const Finding &finding)
{
    QJsonArray links;
    for (LinkId id : finding.links) {
        const Link *link = topology.link(id);
        const Node *from = link ? topology.node(link->from) : nullptr;
        const Node *to = link ? topology.node(link->to) : nullptr;
        links.append(from && to ? QJsonValue(QJsonArray{from->name, to->name}) : QJsonValue(qint64(id)));
    }
    QJsonObject object{{QStringLiteral("code"), finding.code},
                       {QStringLiteral("severity"), severityId(finding.severity)},
                       {QStringLiteral("message"), finding.message},
                       {QStringLiteral("nodes"), namesOf(topology, finding.nodes)},
                       {QStringLiteral("links"), links}};
    if (!finding.cutOff.isEmpty())
        object.insert(QStringLiteral("cut_off"), namesOf(topology, finding.cutOff));
    if (finding.fix != QuickFix::None) {
        object.insert(QStringLiteral("fix"), quickFixId(finding.fix));
        object.insert(QStringLiteral("fix_label"), finding.fixLabel);
    }
    return object;
}

int lintVerb(const QCommandLineParser &parser, const QStringList &arguments)
{
    const QString &path = arguments.at(0);
    const auto topology = readOrSay(path);
    if (!topology)
        return Failure;
    const QList<Finding> findings = analyze(*topology);
    qsizetype errors = 0;
    qsizetype warnings = 0;
    for (const Finding &finding : findings) {
        errors += finding.severity == Severity::Error;
        warnings += finding.severity == Severity::Warning;
    }
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray list;
        for (const Finding &finding : findings)
            list.append(findingJson(*topology, finding));
        const QJsonObject document{{QStringLiteral("file"), path},
                                   {QStringLiteral("errors"), qint64(errors)},
                                   {QStringLiteral("warnings"), qint64(warnings)},
                                   {QStringLiteral("findings"), list}};
        out() << QJsonDocument(document).toJson(QJsonDocument::Indented);
    } else {
        for (const Finding &finding : findings) {
            out() << shown(path) << ": " << severityId(finding.severity) << ": " << finding.message << " ["
                  << finding.code << "]";
            if (finding.fix != QuickFix::None)
                out() << " (fix: " << finding.fixLabel << ")";
            out() << "\n";
        }
        out() << shown(path) << ": " << errors << (errors == 1 ? " error, " : " errors, ") << warnings
              << (warnings == 1 ? " warning" : " warnings") << ".\n";
    }
    return errors == 0 ? Success : Failure;
}

// Draws an haproxy.cfg and writes the drawing; nothing is written when the
// file cannot be read as a configuration.
int importVerb(const QCommandLineParser &, const QStringList &arguments)
{
    const QString &input = arguments.at(0);
    const QString &output = arguments.at(1);
    const Haproxy::ImportResult result = Haproxy::importFile(input);
    if (!result.ok()) {
        for (const Haproxy::ConfigError &error : result.errors) {
            err() << shown(input) << (error.line > 0 ? QStringLiteral(" line %1: ").arg(error.line) : QStringLiteral(": "))
                  << error.message << "\n";
        }
        return Failure;
    }
    QString error;
    if (!DocumentFile::write(result.topology, output, &error)) {
        err() << error << "\n";
        return Failure;
    }
    out() << result.report.summary(QFileInfo(input).fileName()) << "\n";
    for (const QString &line : result.report.lines())
        out() << "  " << line << "\n";
    out() << "Wrote " << shown(output) << ".\n";
    return Success;
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
        {"lint", "FILE", "List a design's weaknesses: single points of failure, no TLS, no firewall…",
         "Prints one line per finding — single points of failure, plain HTTP to clients, listeners with "
         "no firewall, databases exposed to clients, servers without a health check, replicas without a "
         "source, and every problem that stops the document from running — then a count. Exits with 1 "
         "when any finding is an error (the document cannot run), 0 otherwise.",
         1, 1,
         [](QCommandLineParser &parser) {
             parser.addOption({QStringLiteral("json"), QStringLiteral("Print the findings as JSON.")});
         },
         &lintVerb},
        {"import", "HAPROXY_CFG OUT", "Draw an existing haproxy.cfg as a document",
         "Reads HAPROXY_CFG and writes OUT (.json for JSON, anything else for a .loadstar document): one load "
         "balancer per frontend or listen section with a bind, linked to the servers of its default backend. "
         "Every line Loadstar does not model is kept with the load balancers, so an export writes it back, and "
         "listed with its line number. A file that is not a valid configuration is reported line by line on "
         "stderr, nothing is written and the exit code is 1.",
         2, 2, nullptr, &importVerb},
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
