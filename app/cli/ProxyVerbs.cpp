#include "ProxyVerbs.h"

#include "Cli.h"
#include "DatabaseReport.h"
#include "document/DocumentFile.h"
#include "engine/Engine.h"
#include "engine/LiveSession.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QHostAddress>
#include <QTextStream>

#include <algorithm>
#include <csignal>
#include <mutex>
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

// "250ms", "2s", "1m" or plain milliseconds, as HAProxy writes durations.
std::optional<int> parseDuration(const QString &text)
{
    static const QList<std::pair<QLatin1String, int>> units = {
        {QLatin1String("ms"), 1}, {QLatin1String("s"), 1000}, {QLatin1String("m"), 60000}};
    int scale = 1;
    QString digits = text;
    for (const auto &[suffix, factor] : units) {
        if (text.endsWith(suffix)) {
            digits = text.chopped(suffix.size());
            scale = factor;
            break;
        }
    }
    bool ok = false;
    const int value = digits.toInt(&ok);
    if (!ok || value <= 0 || value > 24 * 3600 * 1000 / scale)
        return std::nullopt;
    return value * scale;
}

// The health checks of `loadstar proxy`: HAProxy's `check` with its default
// timings and passive observation of the traffic, unless told otherwise.
struct CheckOption
{
    const char *name;
    const char *help;
    const char *valueName;
};
const CheckOption kCheckOptions[] = {
    {"check", "tcp (default), http:PATH, https:PATH, tls, mysql, pgsql, redis or none.", "CHECK"},
    {"inter", "Time between checks of an UP server (default 2s).", "TIME"},
    {"fastinter", "Time between checks while a state changes (default: --inter).", "TIME"},
    {"downinter", "Time between checks of a DOWN server (default: --inter).", "TIME"},
    {"rise", "Successful checks before a server is UP (default 2).", "N"},
    {"fall", "Failed checks before a server is DOWN (default 3).", "N"},
    {"check-timeout", "Time a check may take (default: --inter, at most 2s).", "TIME"},
    {"observe", "Watch live traffic: layer4 (connection errors), layer7 (also 5xx and timeouts; the default with an http check) or none.", "LAYER"},
    {"error-limit", "Consecutive live-traffic errors before --on-error acts (default 10).", "N"},
    {"on-error", "mark-down (default), sudden-death, fail-check or fastinter.", "ACTION"},
    {"retries", "Connection attempts before a request fails (default 3).", "N"},
    {"timeout-connect", "Time to connect to a server (default 5s).", "TIME"},
    {"timeout-server", "Time a server may stay silent (default 50s).", "TIME"},
    {"timeout-client", "Time a client may stay silent (default 50s).", "TIME"},
};

void addCheckOptions(QCommandLineParser &parser)
{
    for (const CheckOption &option : kCheckOptions) {
        parser.addOption({QLatin1String(option.name), QLatin1String(option.help), QLatin1String(option.valueName)});
    }
    parser.addOption({QStringLiteral("no-redispatch"),
                      QStringLiteral("Retry a failed connection on the same server only (default: on another one).")});
}

bool parseCheckOptions(const QCommandLineParser &parser, const QString &command, Engine::CheckConfig &check,
                       Engine::FrontendConfig &frontend, int &code)
{
    const auto fail = [&](const QString &message) {
        code = usageError(command, message);
        return false;
    };
    const auto duration = [&](const char *name, int &target) {
        const QString option = QLatin1String(name);
        if (!parser.isSet(option))
            return true;
        const std::optional<int> value = parseDuration(parser.value(option));
        if (!value)
            return fail(QStringLiteral("--%1 takes a time such as 2s, 250ms or 2000, not “%2”").arg(option, parser.value(option)));
        target = *value;
        return true;
    };
    const auto number = [&](const char *name, int &target, int min, int max) {
        const QString option = QLatin1String(name);
        if (!parser.isSet(option))
            return true;
        bool ok = false;
        const int value = parser.value(option).toInt(&ok);
        if (!ok || value < min || value > max)
            return fail(QStringLiteral("--%1 takes a number from %2 to %3").arg(option).arg(min).arg(max));
        target = value;
        return true;
    };

    const QString type = parser.isSet(QStringLiteral("check")) ? parser.value(QStringLiteral("check")) : QStringLiteral("tcp");
    static const QStringList plain = {QStringLiteral("tcp"), QStringLiteral("tls"), QStringLiteral("mysql"),
                                      QStringLiteral("pgsql"), QStringLiteral("redis"), QStringLiteral("none")};
    if (plain.contains(type)) {
        check.type = type;
    } else if (type.startsWith(QLatin1String("http:/")) || type.startsWith(QLatin1String("https:/"))) {
        const qsizetype colon = type.indexOf(QLatin1Char(':'));
        check.type = type.left(colon);
        check.httpPath = type.mid(colon + 1);
    } else {
        return fail(QStringLiteral("--check is tcp, http:PATH, https:PATH, tls, mysql, pgsql, redis or none, not “%1”").arg(type));
    }
    check.inter = 2000;
    if (!duration("inter", check.inter))
        return false;
    // HAProxy: fastinter and downinter default to inter.
    check.fastinter = check.downinter = check.inter;
    check.timeout = std::min(check.inter, 2000);
    if (!duration("fastinter", check.fastinter) || !duration("downinter", check.downinter)
        || !duration("check-timeout", check.timeout) || !number("rise", check.rise, 1, 100)
        || !number("fall", check.fall, 1, 100) || !number("error-limit", check.errorLimit, 1, 1000)
        || !number("retries", frontend.retries, 0, 100) || !duration("timeout-connect", frontend.timeoutConnect)
        || !duration("timeout-server", frontend.timeoutServer) || !duration("timeout-client", frontend.timeoutClient))
        return false;
    // Like HAProxy with only `timeout client` set: the wait for a request and
    // between requests falls back to the client timeout.
    frontend.timeoutHttpRequest = frontend.timeoutClient;
    frontend.timeoutHttpKeepAlive = frontend.timeoutClient;
    // Servers checked over HTTP speak HTTP to the traffic too: their 5xx
    // answers and timeouts count, so a hung server leaves rotation after
    // error-limit timed-out requests instead of fall failed checks.
    const bool speaksHttp = check.type == QLatin1String("http") || check.type == QLatin1String("https");
    check.observe = parser.isSet(QStringLiteral("observe")) ? parser.value(QStringLiteral("observe"))
                    : speaksHttp                            ? QStringLiteral("layer7")
                                                            : QStringLiteral("layer4");
    if (!QStringList{QStringLiteral("layer4"), QStringLiteral("layer7"), QStringLiteral("none")}.contains(check.observe))
        return fail(QStringLiteral("--observe is layer4, layer7 or none, not “%1”").arg(check.observe));
    check.onError = parser.isSet(QStringLiteral("on-error")) ? parser.value(QStringLiteral("on-error")) : QStringLiteral("mark-down");
    if (!QStringList{QStringLiteral("mark-down"), QStringLiteral("sudden-death"), QStringLiteral("fail-check"),
                     QStringLiteral("fastinter")}.contains(check.onError))
        return fail(QStringLiteral("--on-error is mark-down, sudden-death, fail-check or fastinter, not “%1”").arg(check.onError));
    frontend.redispatch = !parser.isSet(QStringLiteral("no-redispatch"));
    return true;
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

// Health transitions as they happen, one line each, from the monitor's
// thread while the main thread waits for a signal.
void printTransitions(Health::HealthMonitor &monitor, const QString &command)
{
    QObject::connect(&monitor, &Health::HealthMonitor::transition, &monitor,
                     [command](const Health::HealthEvent &event) {
                         std::lock_guard lock(outputMutex());
                         out() << command << ": " << event.timestamp.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"))
                               << " " << event.message << "\n";
                         out().flush();
                     },
                     Qt::DirectConnection);
}

// The monitor nodes' alerts and notes as they happen, one line each, from
// their thread.
void printAlerts(Monitor::AlertMonitor &alerts, const QString &command)
{
    const auto print = [command](const QDateTime &time, const QString &text) {
        std::lock_guard lock(outputMutex());
        out() << command << ": " << time.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz")) << " " << text << "\n";
        out().flush();
    };
    QObject::connect(&alerts, &Monitor::AlertMonitor::alerted, &alerts,
                     [print](const Monitor::Alert &alert) {
                         print(alert.timestamp, QStringLiteral("ALERT %1: %2").arg(alert.monitor, alert.summary()));
                     },
                     Qt::DirectConnection);
    QObject::connect(&alerts, &Monitor::AlertMonitor::noted, &alerts,
                     [print](const Monitor::MonitorNote &note) {
                         print(note.timestamp, QStringLiteral("%1: %2").arg(note.monitor, note.text));
                     },
                     Qt::DirectConnection);
}

// Starts the demo backends, the engine, the health checks and the optional
// stats listener, runs until SIGINT or SIGTERM, and stops. The caller has
// blocked the stopSet.
int serve(const QString &command, const QCommandLineParser &parser, const Engine::EngineConfig &config,
          int threads, const sigset_t &stopSet, const QString &documentName = QString())
{
    std::optional<HostPort> stats;
    if (parser.isSet(statsOption())) {
        stats = parseHostPort(parser.value(statsOption()));
        if (!stats)
            return usageError(command, QStringLiteral("--stats takes HOST:PORT, not “%1”").arg(parser.value(statsOption())));
    }
    LiveSession session(threads);
    printTransitions(session.monitor(), command);
    printAlerts(session.alerts(), command);
    session.alerts().setDocumentName(documentName);
    QString error;
    if (!session.start(config, &error)) {
        err() << command << ": " << error << "\n";
        return Failure;
    }
    Engine::Engine &engine = session.engine();
    // The stats listener binds before anything is printed: stdout never
    // says "listening" for a run that then fails.
    if (stats && !engine.startStats(stats->host, stats->port, &error)) {
        session.stop();
        err() << command << ": " << error << "\n";
        return Failure;
    }
    for (const Engine::DemoBackendStats &backend : session.demoBackends().stats()) {
        out() << command << ": " << backend.name << " demo backend on " << backend.address << ":" << backend.port
              << "\n";
    }
    std::optional<DatabaseReport> databases(std::in_place, session, command);
    databases->printServers();
    for (const Engine::FrontendConfig &frontend : config.frontends) {
        QStringList servers;
        for (const Engine::ServerConfig &server : frontend.servers) {
            servers.append(QStringLiteral("%1%2").arg(server.name,
                                                      server.backup ? QStringLiteral(" (backup)") : QString()));
        }
        out() << command << ": " << frontend.name << " listening on " << frontend.bindAddress << ":"
              << session.listenPort(frontend.name) << " ("
              << (frontend.mode == Engine::FrontendConfig::Mode::Tcp ? "tcp" : "http")
              << (frontend.tls.enabled ? ", TLS" : "") << ", " << frontend.balance
              << ") → " << servers.join(QStringLiteral(", ")) << "\n";
        if (frontend.tls.enabled && frontend.tls.redirectPort != 0) {
            out() << command << ": " << frontend.name << " redirects HTTP on " << frontend.bindAddress << ":"
                  << frontend.tls.redirectPort << " to HTTPS\n";
        }
        const Engine::FirewallConfig &firewall = frontend.firewall;
        if (firewall.name.isEmpty())
            continue;
        QStringList rules{firewall.allow.isEmpty()
                              ? QStringLiteral("allows no one")
                              : QStringLiteral("allows %1").arg(firewall.allow.join(QStringLiteral(", ")))};
        if (!firewall.deny.isEmpty())
            rules << QStringLiteral("denies %1").arg(firewall.deny.join(QStringLiteral(", ")));
        if (firewall.rateLimit > 0)
            rules << QStringLiteral("at most %1 connections/s per source").arg(firewall.rateLimit);
        out() << command << ": " << firewall.name << " guards " << frontend.name << ": "
              << rules.join(QStringLiteral("; ")) << "\n";
    }
    for (const Engine::ExternalHaproxyConfig &external : config.externals) {
        out() << command << ": " << external.name << " is a real HAProxy, watched through "
              << (external.statsUrl.isEmpty() ? external.statsSocket : external.statsUrl) << "\n";
    }
    for (const QString &notice : session.notices())
        out() << command << ": " << notice << "\n";
    QStringList checks;
    for (const Health::MonitoredServer &server : LiveSession::monitoredServers(config)) {
        if (server.target.check.type != QLatin1String("none"))
            checks << QStringLiteral("%1 (%2)").arg(server.target.name, server.target.check.type);
    }
    if (!checks.isEmpty())
        out() << command << ": checking " << checks.join(QStringLiteral(", ")) << "\n";
    for (const Engine::ClientConfig &client : config.clients) {
        QStringList paths;
        for (const PathShare &share : client.paths)
            paths << (client.paths.size() == 1 ? share.path : QStringLiteral("%1 %2").arg(share.path).arg(share.weight));
        out() << command << ": " << client.name << " sends " << client.rate << " requests/s to " << client.frontend
              << " on up to " << client.concurrency << (client.concurrency == 1 ? " connection (" : " connections (")
              << paths.join(QStringLiteral(", ")) << ")\n";
    }
    for (const Engine::MonitorConfig &monitor : config.monitors) {
        out() << command << ": " << monitor.name << " watches "
              << (monitor.watched.isEmpty() ? QStringLiteral("nothing") : monitor.watched.join(QStringLiteral(", ")))
              << (monitor.webhook.isEmpty() ? QString() : QStringLiteral(" (webhook %1)").arg(monitor.webhook)) << "\n";
    }
    if (stats)
        out() << command << ": stats on http://" << stats->host << ":" << engine.statsPort() << "/stats;csv\n";
    out() << command << ": " << threads << (threads == 1 ? " thread" : " threads") << "; Ctrl+C stops.\n";
    out().flush();
    databases->watch();
    const char *signal = waitForStopSignal(stopSet);
    databases.reset();
    uint64_t requests = 0;
    uint64_t connections = 0;
    for (const Engine::StatsRow &row : engine.stats().rows) {
        if (row.type == Engine::StatsRow::Type::Frontend) {
            requests += row.reqTot;
            connections += row.stot;
        }
    }
    session.stop();
    out() << command << ": stopped on " << signal << " after " << connections
          << (connections == 1 ? " connection, " : " connections, ") << requests
          << (requests == 1 ? " HTTP request" : " HTTP requests");
    if (!config.clients.isEmpty()) {
        uint64_t sent = 0;
        uint64_t failed = 0;
        for (const Engine::TrafficClientStats &client : session.traffic().stats()) {
            sent += client.sent;
            failed += client.failed();
        }
        out() << "; the clients sent " << sent << (sent == 1 ? " request, " : " requests, ") << failed
              << " failed";
    }
    out() << ".\n";
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
    addCheckOptions(parser);
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
    frontend.balance = parser.value(QStringLiteral("balance"));
    if (!kAlgorithms.contains(frontend.balance)) {
        return usageError(command, QStringLiteral("unknown --balance “%1”; use %2")
                                       .arg(frontend.balance, kAlgorithms.join(QStringLiteral(", "))));
    }
    const QString mode = parser.value(QStringLiteral("mode"));
    if (mode != QLatin1String("http") && mode != QLatin1String("tcp"))
        return usageError(command, QStringLiteral("--mode is http or tcp, not “%1”").arg(mode));
    frontend.mode = mode == QLatin1String("tcp") ? Engine::FrontendConfig::Mode::Tcp : Engine::FrontendConfig::Mode::Http;
    Engine::CheckConfig check;
    int code = Success;
    if (!parseCheckOptions(parser, command, check, frontend, code))
        return code;
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
            server.check = check;
            frontend.servers.append(server);
        }
    }
    int threads = 1;
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
    if (compiled.config.frontends.isEmpty() && compiled.config.externals.isEmpty()) {
        err() << command << ": " << path << " has no load balancer to run.\n";
        return Failure;
    }
    const sigset_t stopSet = blockStopSignals();
    return serve(command, parser, compiled.config, threads, stopSet, QFileInfo(path).completeBaseName());
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
