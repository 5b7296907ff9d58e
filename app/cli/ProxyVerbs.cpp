#include "ProxyVerbs.h"

#include "Cli.h"
#include "document/DocumentFile.h"
#include "engine/Engine.h"

#include <QCommandLineParser>
#include <QHostAddress>
#include <QTextStream>

#include <algorithm>
#include <csignal>
#include <optional>
#include <pthread.h>

namespace Loadstar::Cli {

namespace {

const QStringList kAlgorithms = {QStringLiteral("roundrobin"), QStringLiteral("static-rr"),
                                 QStringLiteral("leastconn"),  QStringLiteral("source"),
                                 QStringLiteral("first"),      QStringLiteral("random")};

QCommandLineOption threadsOption()
{
    return {QStringLiteral("threads"), QStringLiteral("Worker threads (default 1)."), QStringLiteral("N"),
            QStringLiteral("1")};
}

QCommandLineOption statsOption()
{
    return {QStringLiteral("stats"),
            QStringLiteral("Serve /stats;csv, /metrics and POST /set (runtime control) on HOST:PORT."),
            QStringLiteral("HOST:PORT")};
}

struct HostPort
{
    QString host;
    quint16 port = 0;
};

// "127.0.0.1:8080", "[::1]:8080", "localhost:8080"; a bare ":8080" means loopback.
std::optional<HostPort> parseHostPort(const QString &text)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon < 0)
        return std::nullopt;
    QString host = text.left(colon);
    const QString digits = text.mid(colon + 1);
    // Digits only: toUInt() alone would also take "+80" and " 80".
    const bool allDigits = !digits.isEmpty() && digits.size() <= 5
                           && std::all_of(digits.cbegin(), digits.cend(), [](QChar c) { return c >= u'0' && c <= u'9'; });
    const uint port = digits.toUInt();
    if (!allDigits || port > 65535)
        return std::nullopt;
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (host.isEmpty())
        host = QStringLiteral("127.0.0.1");
    if (host.contains(QLatin1Char(':')) && QHostAddress(host).isNull())
        return std::nullopt;
    return HostPort{host, quint16(port)};
}

// Blocks SIGINT and SIGTERM in this thread and in every thread started
// after it (the engine's workers), so only sigwait() sees them.
sigset_t blockStopSignals()
{
    sigset_t stopSet;
    sigemptyset(&stopSet);
    sigaddset(&stopSet, SIGINT);
    sigaddset(&stopSet, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSet, nullptr);
    return stopSet;
}

const char *waitForStopSignal(const sigset_t &stopSet)
{
    int signal = 0;
    while (sigwait(&stopSet, &signal) != 0) {
    }
    return signal == SIGINT ? "SIGINT" : "SIGTERM";
}

bool threadCount(const QCommandLineParser &parser, const QString &command, int &threads, int &code)
{
    bool ok = false;
    threads = parser.value(threadsOption()).toInt(&ok);
    if (!ok || threads < 1 || threads > 64) {
        code = usageError(command, QStringLiteral("--threads takes a number from 1 to 64"));
        return false;
    }
    return true;
}

// Starts the engine and the optional stats listener, runs until SIGINT or
// SIGTERM, and stops. The caller has blocked the stopSet.
int serve(const QString &command, const QCommandLineParser &parser, const Engine::EngineConfig &config,
          int threads, const sigset_t &stopSet)
{
    std::optional<HostPort> stats;
    if (parser.isSet(statsOption())) {
        stats = parseHostPort(parser.value(statsOption()));
        if (!stats)
            return usageError(command, QStringLiteral("--stats takes HOST:PORT, not “%1”").arg(parser.value(statsOption())));
    }
    Engine::Engine engine(threads);
    QString error;
    if (!engine.start(config, &error)) {
        err() << command << ": " << error << "\n";
        return Failure;
    }
    // The stats listener binds before anything is printed: stdout never
    // says "listening" for a run that then fails.
    if (stats && !engine.startStats(stats->host, stats->port, &error)) {
        err() << command << ": " << error << "\n";
        return Failure;
    }
    for (const Engine::FrontendConfig &frontend : config.frontends) {
        QStringList servers;
        for (const Engine::ServerConfig &server : frontend.servers) {
            servers.append(QStringLiteral("%1%2").arg(server.name,
                                                      server.backup ? QStringLiteral(" (backup)") : QString()));
        }
        out() << command << ": " << frontend.name << " listening on " << frontend.bindAddress << ":"
              << engine.listenPort(frontend.name) << " ("
              << (frontend.mode == Engine::FrontendConfig::Mode::Tcp ? "tcp" : "http") << ", " << frontend.balance
              << ") → " << servers.join(QStringLiteral(", ")) << "\n";
    }
    if (stats)
        out() << command << ": stats on http://" << stats->host << ":" << engine.statsPort() << "/stats;csv\n";
    out() << command << ": " << threads << (threads == 1 ? " thread" : " threads") << "; Ctrl+C stops.\n";
    out().flush();
    const char *signal = waitForStopSignal(stopSet);
    uint64_t requests = 0;
    uint64_t connections = 0;
    for (const Engine::StatsRow &row : engine.stats().rows) {
        if (row.type == Engine::StatsRow::Type::Frontend) {
            requests += row.reqTot;
            connections += row.stot;
        }
    }
    engine.stop();
    out() << command << ": stopped on " << signal << " after " << connections
          << (connections == 1 ? " connection, " : " connections, ") << requests
          << (requests == 1 ? " HTTP request.\n" : " HTTP requests.\n");
    return Success;
}

void addProxyOptions(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("from"), QStringLiteral("Listen on HOST:PORT."), QStringLiteral("HOST:PORT")});
    parser.addOption({QStringLiteral("to"), QStringLiteral("A server (repeat for more)."), QStringLiteral("HOST:PORT")});
    parser.addOption({QStringLiteral("backup"),
                      QStringLiteral("A backup server, used when no --to server is up (repeat for more)."),
                      QStringLiteral("HOST:PORT")});
    parser.addOption({QStringLiteral("balance"),
                      QStringLiteral("roundrobin (default), static-rr, leastconn, source, first or random."),
                      QStringLiteral("ALGO"), QStringLiteral("roundrobin")});
    parser.addOption({QStringLiteral("mode"), QStringLiteral("http (default) or tcp."), QStringLiteral("MODE"),
                      QStringLiteral("http")});
    parser.addOption(threadsOption());
    parser.addOption(statsOption());
}

int proxyVerb(const QCommandLineParser &parser, const QStringList &)
{
    const QString command = QStringLiteral("loadstar proxy");
    if (!parser.isSet(QStringLiteral("from")))
        return usageError(command, QStringLiteral("--from HOST:PORT is required"));
    if (!parser.isSet(QStringLiteral("to")))
        return usageError(command, QStringLiteral("at least one --to HOST:PORT is required"));
    const std::optional<HostPort> from = parseHostPort(parser.value(QStringLiteral("from")));
    if (!from)
        return usageError(command, QStringLiteral("--from takes HOST:PORT, not “%1”").arg(parser.value(QStringLiteral("from"))));

    Engine::FrontendConfig frontend;
    frontend.name = QStringLiteral("proxy");
    frontend.bindAddress = from->host;
    frontend.port = from->port;
    // Like HAProxy with only `timeout client` set: the wait for a request and
    // between requests falls back to the client timeout.
    frontend.timeoutHttpRequest = frontend.timeoutClient;
    frontend.timeoutHttpKeepAlive = frontend.timeoutClient;
    frontend.balance = parser.value(QStringLiteral("balance"));
    if (!kAlgorithms.contains(frontend.balance)) {
        return usageError(command, QStringLiteral("unknown --balance “%1”; use %2")
                                       .arg(frontend.balance, kAlgorithms.join(QStringLiteral(", "))));
    }
    const QString mode = parser.value(QStringLiteral("mode"));
    if (mode != QLatin1String("http") && mode != QLatin1String("tcp"))
        return usageError(command, QStringLiteral("--mode is http or tcp, not “%1”").arg(mode));
    frontend.mode = mode == QLatin1String("tcp") ? Engine::FrontendConfig::Mode::Tcp : Engine::FrontendConfig::Mode::Http;
    for (const QString &option : {QStringLiteral("to"), QStringLiteral("backup")}) {
        for (const QString &value : parser.values(option)) {
            const std::optional<HostPort> to = parseHostPort(value);
            if (!to || to->port == 0)
                return usageError(command, QStringLiteral("--%1 takes HOST:PORT, not “%2”").arg(option, value));
            Engine::ServerConfig server;
            server.name = value; // servers are named by address, as given
            server.address = to->host;
            server.port = to->port;
            server.backup = option == QLatin1String("backup");
            frontend.servers.append(server);
        }
    }
    int threads = 1;
    int code = Success;
    if (!threadCount(parser, command, threads, code))
        return code;
    const sigset_t stopSet = blockStopSignals();
    Engine::EngineConfig config;
    config.frontends.append(frontend);
    return serve(command, parser, config, threads, stopSet);
}

void addRunOptions(QCommandLineParser &parser)
{
    parser.addOption(threadsOption());
    parser.addOption(statsOption());
}

int runVerb(const QCommandLineParser &parser, const QStringList &arguments)
{
    const QString command = QStringLiteral("loadstar run");
    int threads = 1;
    int code = Success;
    if (!threadCount(parser, command, threads, code))
        return code;
    const QString &path = arguments.at(0);
    QString error;
    const auto topology = DocumentFile::read(path, &error);
    if (!topology) {
        err() << error << "\n";
        return Failure;
    }
    const Engine::CompileResult compiled = Engine::compile(*topology);
    if (!compiled.problems.isEmpty()) {
        for (const Problem &problem : compiled.problems)
            err() << path << ": " << problem.message << "\n";
        err() << command << ": fix these problems first; nothing was started.\n";
        return Failure;
    }
    if (compiled.config.frontends.isEmpty()) {
        err() << command << ": " << path << " has no load balancer to run.\n";
        return Failure;
    }
    const sigset_t stopSet = blockStopSignals();
    return serve(command, parser, compiled.config, threads, stopSet);
}

} // namespace

QList<Verb> proxyVerbs()
{
    return {
        {"proxy", "", "Balance traffic from one address to servers (until Ctrl+C)",
         "Runs Loadstar's proxy engine without a document: listens on --from and balances each "
         "HTTP request (or, with --mode tcp, each connection) over the --to servers with "
         "HAProxy's algorithms; --backup servers take over when no --to server is up. Stops "
         "cleanly on SIGINT or SIGTERM.",
         0, 0, &addProxyOptions, &proxyVerb},
        {"run", "FILE", "Run a document's load balancers headless (until Ctrl+C)",
         "Checks FILE, then runs each load balancer it draws as a real proxy in front of the "
         "servers it links to, as the GUI's Run does. Stops cleanly on SIGINT or SIGTERM.",
         1, 1, &addRunOptions, &runVerb},
    };
}

} // namespace Loadstar::Cli
