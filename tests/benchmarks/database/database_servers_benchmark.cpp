// The demo databases' figures, on this machine's real mariadbd and
// PostgreSQL 15 (loopback, free ports):
//   - start: start() until every server accepts connections and every
//     replica replicates, for the reference design's MariaDB pair and a
//     PostgreSQL pair; the first run on a machine (templates made, in a
//     fresh cache folder) and later runs (templates copied);
//   - stop: stop() until every process is gone and its folder removed;
//   - failover: the primary killed, then reported DOWN with auto_failover:
//     from the DOWN to the new primary taking writes (DatabasePromotion).
//
//   database_servers_benchmark [RUNS]   (later runs per figure, default 5)

#include "../../engine/FreePorts.h"
#include "engine/database/DatabaseServers.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

using namespace Loadstar::Engine;
using Loadstar::Test::freePorts;

namespace {

QList<DatabaseConfig> pair(const QString &engine, bool autoFailover = false)
{
    const QList<quint16> ports = freePorts(2);
    DatabaseConfig primary;
    primary.name = engine == QLatin1String("mariadb") ? QStringLiteral("db-primary")
                                                      : QStringLiteral("pg-primary");
    primary.engine = engine;
    primary.address = QStringLiteral("127.0.0.1");
    primary.port = ports[0];
    primary.embedded = true;
    primary.autoFailover = autoFailover;
    DatabaseConfig replica = primary;
    replica.name = engine == QLatin1String("mariadb") ? QStringLiteral("db-replica")
                                                      : QStringLiteral("pg-replica");
    replica.port = ports[1];
    replica.role = QStringLiteral("replica");
    replica.source = primary.name;
    return {primary, replica};
}

bool allReplicating(const DatabaseServers &servers)
{
    for (const DatabaseServerStatus &status : servers.status()) {
        if (status.state != DatabaseServerStatus::State::Running
            || (status.role == QLatin1String("replica") && !status.replicating)) {
            std::fprintf(stderr, "%s: %s\n", qPrintable(status.name),
                         qPrintable(status.message + status.replicationError));
            return false;
        }
    }
    return true;
}

struct Figures
{
    std::vector<qint64> ms;
    void print(const char *what) const
    {
        std::vector<qint64> sorted = ms;
        std::sort(sorted.begin(), sorted.end());
        if (sorted.empty())
            return;
        std::printf("  %-44s min %5lld  median %5lld  max %5lld ms  (%zu runs)\n", what,
                    sorted.front(), sorted[sorted.size() / 2], sorted.back(), sorted.size());
    }
};

DatabaseServers::Options options(const QString &cache)
{
    DatabaseServers::Options options;
    options.cacheDirectory = cache;
    return options;
}

// start() of `databases`, and stop() after; false when they did not run.
bool startAndStop(const QString &cache, const QList<DatabaseConfig> &databases, Figures *start,
                  Figures *stop)
{
    DatabaseServers servers(options(cache));
    QElapsedTimer timer;
    timer.start();
    servers.start(databases);
    const qint64 started = timer.elapsed();
    if (!allReplicating(servers))
        return false;
    start->ms.push_back(started);
    timer.restart();
    servers.stop();
    if (stop)
        stop->ms.push_back(timer.elapsed());
    return true;
}

qint64 failover(const QString &cache, const QString &engine)
{
    DatabaseServers servers(options(cache));
    const QList<DatabaseConfig> databases = pair(engine, true);
    servers.start(databases);
    if (!allReplicating(servers))
        return -1;
    DatabaseFault killed;
    killed.killed = true;
    servers.setFault(databases[0].name, killed);
    servers.setHealth(databases[0].name, false);
    QElapsedTimer waited;
    waited.start();
    while (servers.promotions().isEmpty() && waited.elapsed() < 30000)
        QThread::msleep(1);
    if (servers.promotions().isEmpty())
        return -1;
    const DatabasePromotion promotion = servers.promotions().first();
    return promotion.downAt.msecsTo(promotion.promotedAt);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int runs = argc > 1 ? std::max(1, QString::fromLocal8Bit(argv[1]).toInt()) : 5;
    for (const QString &engine : {QStringLiteral("mariadb"), QStringLiteral("postgresql")}) {
        const QString missing = DatabaseServers::missingProgram(engine);
        if (!missing.isEmpty()) {
            std::fprintf(stderr, "%s\n", qPrintable(missing));
            return 1;
        }
    }
    QTemporaryDir cache;
    std::printf("Demo databases on this machine (%d later runs per figure)\n", runs);

    std::printf("First run on a machine (templates made in an empty cache):\n");
    for (const QString &engine : {QStringLiteral("mariadb"), QStringLiteral("postgresql")}) {
        Figures first;
        if (!startAndStop(cache.path(), pair(engine), &first, nullptr))
            return 1;
        first.print(qPrintable(engine + QStringLiteral(" primary + replica, start")));
    }

    std::printf("Later runs (templates copied):\n");
    Figures mariadb, postgres, both, mariadbStop, postgresStop;
    for (int i = 0; i < runs; ++i) {
        if (!startAndStop(cache.path(), pair(QStringLiteral("mariadb")), &mariadb, &mariadbStop)
            || !startAndStop(cache.path(), pair(QStringLiteral("postgresql")), &postgres,
                             &postgresStop)
            || !startAndStop(cache.path(),
                             pair(QStringLiteral("mariadb")) + pair(QStringLiteral("postgresql")),
                             &both, nullptr)) {
            return 1;
        }
    }
    mariadb.print("mariadb primary + replica (reference), start");
    postgres.print("postgresql primary + standby, start");
    both.print("both pairs at once, start");
    mariadbStop.print("mariadb pair, stop");
    postgresStop.print("postgresql pair, stop");

    std::printf("Automatic failover (primary killed, then DOWN → promoted):\n");
    for (const QString &engine : {QStringLiteral("mariadb"), QStringLiteral("postgresql")}) {
        Figures promoted;
        for (int i = 0; i < runs; ++i) {
            const qint64 ms = failover(cache.path(), engine);
            if (ms < 0)
                return 1;
            promoted.ms.push_back(ms);
        }
        promoted.print(qPrintable(engine + QStringLiteral(", DOWN → promotedAt")));
    }
    return 0;
}
