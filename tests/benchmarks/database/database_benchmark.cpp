// The database tier, measured (issue 16). Runs the reference design headless
// (LiveSession, as `loadstar run` does) on free loopback ports, with real
// MariaDB servers, and prints:
//   start       Run → every card UP (each check passed once), first run with a
//               fresh template cache, then the later runs;
//   throughput  requests/s of reads and of writes through lb → web → db,
//               against the same queries sent straight to the same servers by
//               mysqlslap, alternating rounds, medians and ratios; Loadstar's
//               CPU µs per request (its threads only, from /proc);
//   failover    auto_failover on, 20 connections writing and 4 reading,
//               db-primary SIGKILLed: seconds without write service, the
//               promotion time, acknowledged writes lost (counted by this
//               client against the new primary, and by Loadstar), stale
//               reads; async and semi-sync.
// Loopback only, bounded (about 2–3 minutes with the defaults).
//   database_benchmark [--rounds N] [--seconds S] [--only start|throughput|failover]

#include "HttpLoad.h"

#include "../../engine/FreePorts.h"

#include "document/DefaultDocument.h"
#include "engine/EngineConfig.h"
#include "engine/LiveSession.h"
#include "engine/database/DemoSchema.h"
#include "engine/database/FailoverReport.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>

#include <mysql.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <dirent.h>
#include <optional>
#include <set>
#include <unistd.h>

using namespace Loadstar;
using Bench::Clock;

namespace {

// The reference design on free ports, the client sending nothing (the
// benchmark's own load does).
Topology referenceOnFreePorts(bool autoFailover, const QString &replication)
{
    Topology topology = referenceDocument();
    const QList<quint16> ports = Test::freePorts(int(topology.nodes().size()));
    for (qsizetype i = 0; i < topology.nodes().size(); ++i) {
        Node *live = topology.node(topology.nodes().at(i).id);
        if (live->properties.contains(QStringLiteral("port")))
            live->setProperty(QStringLiteral("port"), ports.at(i));
        if (live->kind == NodeKind::Client)
            live->setProperty(QStringLiteral("rate"), 0);
        if (live->name == QLatin1String("db-primary")) {
            live->setProperty(QStringLiteral("auto_failover"), autoFailover);
            live->setProperty(QStringLiteral("replication"), replication);
        }
    }
    return topology;
}

double median(std::vector<double> values)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

void pump(int ms)
{
    const auto until = Clock::now() + std::chrono::milliseconds(ms);
    while (Clock::now() < until) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        QThread::msleep(5);
    }
}

// Every checked server has passed a check, and every demo database runs.
bool everyCardUp(LiveSession &session)
{
    for (const Health::ServerHealth &server : session.monitor().snapshot()) {
        if (server.checked && !(server.up && server.lastCheck.passed()))
            return false;
    }
    for (const Engine::DatabaseServerStatus &database : session.databaseServers().status()) {
        if (database.state != Engine::DatabaseServerStatus::State::Running || database.role.isEmpty())
            return false;
    }
    return true;
}

bool waitUntil(const std::function<bool()> &condition, int timeoutMs)
{
    const auto until = Clock::now() + std::chrono::milliseconds(timeoutMs);
    while (Clock::now() < until) {
        if (condition())
            return true;
        pump(10);
    }
    return condition();
}

// CPU time (µs) of this process's threads, less the load's own.
double cpuMicros(const std::set<pid_t> &excluded)
{
    const long ticks = sysconf(_SC_CLK_TCK);
    double total = 0;
    DIR *tasks = opendir("/proc/self/task");
    while (dirent *entry = readdir(tasks)) {
        const pid_t tid = pid_t(atoi(entry->d_name));
        if (tid <= 0 || excluded.count(tid))
            continue;
        char path[64];
        std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
        FILE *file = std::fopen(path, "r");
        if (!file)
            continue;
        char line[1024] = {};
        const size_t n = std::fread(line, 1, sizeof line - 1, file);
        std::fclose(file);
        line[n] = 0;
        const char *after = std::strrchr(line, ')');
        unsigned long utime = 0, stime = 0;
        if (after && std::sscanf(after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) == 2)
            total += double(utime + stime) * 1e6 / double(ticks);
    }
    closedir(tasks);
    return total;
}

// The reference design's one cluster, as the servers route it now.
std::optional<Engine::ClusterRouting> routingOf(LiveSession &session)
{
    const QList<Engine::ClusterRouting> routing = session.databaseServers().routing();
    return routing.isEmpty() ? std::nullopt : std::optional(routing.first());
}

bool startReference(LiveSession &session, const Topology &topology)
{
    const Engine::CompileResult compiled = Engine::compile(topology);
    QString error;
    if (!compiled.problems.isEmpty() || !session.start(compiled.config, &error)) {
        std::printf("can't run the reference design: %s\n", qPrintable(error));
        return false;
    }
    if (!waitUntil([&] { return everyCardUp(session); }, 60000)) {
        std::printf("the cards did not all come UP within 60 s\n");
        for (const Engine::DatabaseServerStatus &database : session.databaseServers().status())
            std::printf("  %s: %s\n", qPrintable(database.name), qPrintable(database.message));
        return false;
    }
    return true;
}

void measureStart(int rounds)
{
    std::printf("\n== Start: Run → every card UP (reference design, 2 MariaDB servers)\n");
    std::vector<double> later;
    for (int round = 1; round <= rounds; ++round) {
        LiveSession session;
        const Engine::CompileResult compiled = Engine::compile(referenceOnFreePorts(false, QStringLiteral("async")));
        const auto started = Clock::now();
        QString error;
        if (!session.start(compiled.config, &error)) {
            std::printf("round %d: %s\n", round, qPrintable(error));
            return;
        }
        const double databasesReady = std::chrono::duration<double>(Clock::now() - started).count();
        if (!waitUntil([&] { return everyCardUp(session); }, 60000)) {
            std::printf("round %d: not every card came UP within 60 s\n", round);
            return;
        }
        const double up = std::chrono::duration<double>(Clock::now() - started).count();
        std::printf("round %d%s: every card UP after %.2f s (databases ready after %.2f s)\n", round,
                    round == 1 ? " (fresh template cache)" : "", up, databasesReady);
        if (round > 1)
            later.push_back(up);
        session.stop();
    }
    if (!later.empty())
        std::printf("later runs: median %.2f s, max %.2f s (goal: ≤ 3 s)\n", median(later),
                    *std::max_element(later.begin(), later.end()));
}

// mysqlslap's queries per second for one statement.
double mysqlslap(const Engine::DatabaseEndpoint &endpoint, const QString &query, int concurrency, int queries)
{
    if (QStandardPaths::findExecutable(QStringLiteral("mysqlslap")).isEmpty()) {
        std::printf("mysqlslap is not installed: install the mariadb-client package for the anchor\n");
        return 0;
    }
    QProcess slap;
    slap.start(QStringLiteral("mysqlslap"),
               {QStringLiteral("--host=%1").arg(endpoint.address), QStringLiteral("--port=%1").arg(endpoint.port),
                QStringLiteral("--user=%1").arg(endpoint.user), QStringLiteral("--password=%1").arg(endpoint.password),
                QStringLiteral("--create-schema=%1").arg(endpoint.database), QStringLiteral("--no-drop"),
                QStringLiteral("--query=%1").arg(query), QStringLiteral("--concurrency=%1").arg(concurrency),
                QStringLiteral("--number-of-queries=%1").arg(queries), QStringLiteral("--iterations=1")});
    slap.waitForFinished(120000);
    const QString output = QString::fromLocal8Bit(slap.readAllStandardOutput() + slap.readAllStandardError());
    const QRegularExpressionMatch match
        = QRegularExpression(QStringLiteral("Average number of seconds to run all queries: ([0-9.]+)")).match(output);
    if (!match.hasMatch()) {
        std::printf("mysqlslap failed: %s\n", qPrintable(output.trimmed()));
        return 0;
    }
    return double(queries) / std::max(0.001, match.captured(1).toDouble());
}

struct LoadFigures
{
    double perSecond = 0;
    double cpuMicrosPerRequest = 0;
};

LoadFigures throughLoadstar(uint16_t port, const std::string &method, int connections, int seconds)
{
    Bench::HttpLoad load({port, connections, method, "throughput", false});
    load.start();
    pump(500); // connections open, pools filled
    const double cpuBefore = cpuMicros(load.threadIds());
    const uint64_t before = load.succeeded();
    const auto started = Clock::now();
    pump(seconds * 1000);
    const uint64_t ok = load.succeeded() - before;
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    const double cpu = cpuMicros(load.threadIds()) - cpuBefore;
    load.stop();
    return {double(ok) / elapsed, ok ? cpu / double(ok) : 0};
}

void measureThroughput(int rounds, int seconds)
{
    std::printf("\n== Throughput: client → lb → web → db against mysqlslap straight to the same server\n");
    LiveSession session;
    if (!startReference(session, referenceOnFreePorts(false, QStringLiteral("async"))))
        return;
    const std::optional<Engine::ClusterRouting> routing = routingOf(session);
    if (!routing || !routing->primary) {
        std::printf("no routing for the cluster\n");
        return;
    }
    const Engine::DatabaseEndpoint primary = *routing->primary;
    const Engine::DatabaseEndpoint reader = routing->replicas.isEmpty() ? primary : routing->replicas.first();
    const uint16_t lbPort = session.listenPort(QStringLiteral("lb"));
    const int connections = 8;
    std::vector<double> reads, writes, slapReads, slapWrites, readCpu, writeCpu;
    for (int round = 1; round <= rounds; ++round) {
        const LoadFigures r = throughLoadstar(lbPort, "GET", connections, seconds);
        const double sr = mysqlslap(reader, Engine::DemoSchema::latestStatement(), connections, int(std::max(1000.0, r.perSecond * seconds)));
        const LoadFigures w = throughLoadstar(lbPort, "POST", connections, seconds);
        const double sw = mysqlslap(primary,
                                    QStringLiteral("INSERT INTO visits (id, client, path, backend) VALUES (UUID_SHORT(), 'slap', '/', 'slap')"),
                                    connections, int(std::max(1000.0, w.perSecond * seconds)));
        std::printf("round %d: reads %.0f/s (%.0f µs CPU each) vs mysqlslap %.0f/s · writes %.0f/s (%.0f µs) vs mysqlslap %.0f/s\n",
                    round, r.perSecond, r.cpuMicrosPerRequest, sr, w.perSecond, w.cpuMicrosPerRequest, sw);
        reads.push_back(r.perSecond);
        writes.push_back(w.perSecond);
        readCpu.push_back(r.cpuMicrosPerRequest);
        writeCpu.push_back(w.cpuMicrosPerRequest);
        slapReads.push_back(sr);
        slapWrites.push_back(sw);
    }
    std::printf("medians (%d connections): reads %.0f/s vs %.0f/s = %.2f× mysqlslap; writes %.0f/s vs %.0f/s = %.2f× "
                "mysqlslap; Loadstar CPU per request %.0f µs (read), %.0f µs (write)\n",
                connections, median(reads), median(slapReads), median(reads) / std::max(1.0, median(slapReads)),
                median(writes), median(slapWrites), median(writes) / std::max(1.0, median(slapWrites)),
                median(readCpu), median(writeCpu));
    session.stop();
}

// The ids this client was told were stored by `database`.
std::vector<uint64_t> acknowledgedIds(const std::vector<Bench::Outcome> &outcomes, Clock::time_point before)
{
    static const QRegularExpression written(QStringLiteral("visit (\\d+) written to"));
    std::vector<uint64_t> ids;
    for (const Bench::Outcome &outcome : outcomes) {
        if (outcome.status != 200 || outcome.at > before)
            continue;
        const QRegularExpressionMatch match = written.match(QString::fromStdString(outcome.body));
        if (match.hasMatch())
            ids.push_back(match.captured(1).toULongLong());
    }
    return ids;
}

// Acknowledged ids the server does not have; -1 when it can't be asked.
long long missingOn(const Engine::DatabaseEndpoint &server, const std::vector<uint64_t> &ids)
{
    if (ids.empty())
        return 0;
    MYSQL *mysql = mysql_init(nullptr);
    long long missing = -1;
    if (mysql_real_connect(mysql, qPrintable(server.address), qPrintable(server.user), qPrintable(server.password),
                           qPrintable(server.database), server.port, nullptr, 0)) {
        const uint64_t from = *std::min_element(ids.begin(), ids.end());
        if (mysql_query(mysql, qPrintable(Engine::DemoSchema::idsFromStatement(from))) == 0) {
            std::set<uint64_t> present;
            if (MYSQL_RES *result = mysql_store_result(mysql)) {
                while (MYSQL_ROW row = mysql_fetch_row(result))
                    present.insert(std::strtoull(row[0], nullptr, 10));
                mysql_free_result(result);
            }
            missing = 0;
            for (uint64_t id : ids)
                missing += present.count(id) == 0;
        }
    }
    mysql_close(mysql);
    return missing;
}

void measureFailover(const QString &replication)
{
    std::printf("\n== Failover (%s replication): auto_failover on, 20 connections writing, 4 reading, db-primary SIGKILLed\n",
                qPrintable(replication));
    LiveSession session;
    if (!startReference(session, referenceOnFreePorts(true, replication)))
        return;
    const uint16_t lbPort = session.listenPort(QStringLiteral("lb"));
    Bench::HttpLoad writers({lbPort, 20, "POST", "writer", true});
    Bench::HttpLoad readers({lbPort, 4, "GET", "writer", false});
    writers.start();
    readers.start();
    pump(3000);
    qint64 pid = 0;
    for (const Engine::DatabaseServerStatus &database : session.databaseServers().status()) {
        if (database.name == QLatin1String("db-primary"))
            pid = database.pid;
    }
    const Clock::time_point killedAt = Clock::now();
    const QDateTime killedWall = QDateTime::currentDateTimeUtc();
    if (pid <= 0 || ::kill(pid_t(pid), SIGKILL) != 0) {
        std::printf("can't kill db-primary (pid %lld)\n", pid);
        return;
    }
    waitUntil([&] { return !session.databaseServers().promotions().isEmpty(); }, 30000);
    pump(5000);
    writers.stop();
    readers.stop();

    const std::vector<Bench::Outcome> outcomes = writers.outcomes();
    // Without write service: the longest wait between two acknowledged
    // writes from a second before the kill on (a write in flight may still
    // be acknowledged just after it).
    std::vector<Clock::time_point> acknowledged;
    uint64_t failed = 0;
    for (const Bench::Outcome &outcome : outcomes) {
        if (outcome.status == 200 && outcome.at >= killedAt - std::chrono::seconds(1))
            acknowledged.push_back(outcome.at);
        if (outcome.status != 200 && outcome.at > killedAt)
            ++failed;
    }
    std::sort(acknowledged.begin(), acknowledged.end());
    double longestGap = 0;
    for (size_t i = 1; i < acknowledged.size(); ++i)
        longestGap = std::max(longestGap, std::chrono::duration<double>(acknowledged[i] - acknowledged[i - 1]).count());
    const QList<Engine::DatabasePromotion> promotions = session.databaseServers().promotions();
    if (promotions.isEmpty() || acknowledged.empty() || acknowledged.back() <= killedAt) {
        std::printf("no promotion / no write after the kill within the run\n");
        return;
    }
    const Engine::DatabasePromotion &promotion = promotions.first();
    const std::optional<Engine::ClusterRouting> routing = routingOf(session);
    const long long lost = routing && routing->primary ? missingOn(*routing->primary, acknowledgedIds(outcomes, killedAt)) : -1;
    quint64 stale = 0;
    for (const Engine::DatabaseTrafficStats &pair : session.demoBackends().databaseStats())
        stale += pair.staleReads;
    const QList<Engine::WriteOutage> outages = session.demoBackends().writeOutages();
    const Engine::WriteOutage *outage = Engine::outageEndedBy(promotion, outages);
    std::printf("without write service: %.2f s (longest wait between two acknowledged writes); %llu write requests "
                "answered 503 meanwhile\n",
                longestGap, static_cast<unsigned long long>(failed));
    std::printf("promotion: %s DOWN %.2f s after the kill, %s promoted %.2f s after DOWN\n", qPrintable(promotion.oldPrimary),
                promotion.downAt.isValid() ? killedWall.msecsTo(promotion.downAt) / 1000.0 : -1.0,
                qPrintable(promotion.newPrimary),
                promotion.downAt.isValid() ? promotion.downAt.msecsTo(promotion.promotedAt) / 1000.0 : -1.0);
    std::printf("acknowledged writes lost: %lld (this client, against %s), %lld (Loadstar's count); stale reads: %llu\n",
                lost, routing && routing->primary ? qPrintable(routing->primary->name) : "?",
                outage ? static_cast<long long>(outage->acknowledgedLost) : -1LL, static_cast<unsigned long long>(stale));
    std::printf("Events: %s\n", qPrintable(Engine::failoverSentence(promotion, outage)));
    std::printf("anchor: MHA 10–30 s of failover (9–12 s to detect); goal ≤ 3 s, 0 lost with semi-sync\n");
    session.stop();
}

} // namespace

int main(int argc, char **argv)
{
    // A fresh template cache: the first start pays for making it.
    QTemporaryDir cache;
    qputenv("XDG_CACHE_HOME", cache.path().toLocal8Bit());
    QCoreApplication app(argc, argv);
    std::signal(SIGPIPE, SIG_IGN);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("rounds"), QStringLiteral("Rounds of each figure (default 3)."), QStringLiteral("N"), QStringLiteral("3")});
    parser.addOption({QStringLiteral("seconds"), QStringLiteral("Seconds per throughput round (default 5)."), QStringLiteral("S"), QStringLiteral("5")});
    parser.addOption({QStringLiteral("only"), QStringLiteral("start, throughput or failover."), QStringLiteral("PART")});
    parser.process(app);
    const int rounds = std::clamp(parser.value(QStringLiteral("rounds")).toInt(), 1, 20);
    const int seconds = std::clamp(parser.value(QStringLiteral("seconds")).toInt(), 1, 60);
    const QString only = parser.value(QStringLiteral("only"));
    std::printf("database_benchmark: MariaDB %s, load average %s\n", mysql_get_client_info(),
                qPrintable(QString::fromLatin1([] {
                    QFile file(QStringLiteral("/proc/loadavg"));
                    file.open(QIODevice::ReadOnly);
                    return file.readAll().trimmed();
                }())));
    if (only.isEmpty() || only == QLatin1String("start"))
        measureStart(rounds + 1);
    if (only.isEmpty() || only == QLatin1String("throughput"))
        measureThroughput(rounds, seconds);
    if (only.isEmpty() || only == QLatin1String("failover")) {
        measureFailover(QStringLiteral("async"));
        measureFailover(QStringLiteral("semi-sync"));
    }
    return 0;
}
