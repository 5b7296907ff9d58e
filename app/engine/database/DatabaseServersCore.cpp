// The demo databases' lifecycle (start, apply, stop), their status and
// where queries go. Starting a server, faults and promotion live in
// DatabaseLaunch.cpp, DatabaseFaults.cpp and Failover.cpp.

#include "DatabaseServersCore.h"

#include "MariaDbServer.h"
#include "PostgresServer.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QStandardPaths>

#include <filesystem>

namespace Loadstar::Engine::detail {

namespace {

using State = DatabaseServerStatus::State;

// stop(): how long servers get to shut down cleanly before SIGKILL.
const int StopGraceMs = 2500;

} // namespace

DatabaseServersCore::DatabaseServersCore(DatabaseServers::Options options)
    : m_options(std::move(options))
{
    m_cacheDirectory = m_options.cacheDirectory.isEmpty()
                           ? QStandardPaths::writableLocation(QStandardPaths::CacheLocation)
                                 + QStringLiteral("/databases")
                           : m_options.cacheDirectory;
}

DatabaseServersCore::~DatabaseServersCore()
{
    stop();
}

std::shared_ptr<const DatabaseEngine>
DatabaseServersCore::makeEngine(const QString &engine, const DatabaseServers::Options &options)
{
    if (engine == QLatin1String("mariadb"))
        return std::make_shared<MariaDbServer>(options.mariadbd);
    if (engine == QLatin1String("postgresql"))
        return std::make_shared<PostgresServer>(options.postgresBinDirectory);
    return nullptr;
}

DemoDatabasePtr DatabaseServersCore::serverLocked(const QString &name) const
{
    for (const DemoDatabasePtr &server : m_servers) {
        if (server->name() == name)
            return server;
    }
    return nullptr;
}

DemoDatabasePtr DatabaseServersCore::server(const QString &name) const
{
    std::lock_guard lock(m_mutex);
    return serverLocked(name);
}

bool DatabaseServersCore::isRunning() const
{
    std::lock_guard lock(m_mutex);
    return m_running;
}

void DatabaseServersCore::serverChanged()
{
    {
        std::lock_guard lock(m_changedMutex);
    }
    m_changed.notify_all();
    if (!m_refreshQueued.exchange(true)) {
        if (!thread.post([this] {
                m_refreshQueued = false;
                publishRouting();
            })) {
            m_refreshQueued = false;
        }
    }
}

void DatabaseServersCore::start(const QList<DatabaseConfig> &databases)
{
    stop();
    QString error;
    const bool made = m_run.create(m_options.runtimeDirectory, &error);
    std::vector<DemoDatabasePtr> fresh;
    {
        std::lock_guard lock(m_mutex);
        m_cluster.reset(databases);
        m_running = true;
        m_refreshQueued = false;
    }
    QSet<QString> ports;
    for (const DatabaseConfig &config : databases) {
        fresh.push_back(
            made ? create(config, &ports)
                 : std::make_shared<DemoDatabase>(config, config.embedded ? error : QString()));
    }
    {
        std::lock_guard lock(m_mutex);
        m_servers = fresh;
    }
    launch(fresh);
    publishRouting();
}

void DatabaseServersCore::stopServers(std::vector<DemoDatabasePtr> servers)
{
    for (const DemoDatabasePtr &server : servers)
        server->beginStop();
    const QDeadlineTimer grace(StopGraceMs);
    for (const DemoDatabasePtr &server : servers) {
        server->finishStop(int(std::max<qint64>(0, grace.remainingTime())));
        if (server->isDemo())
            server->engine()->removeLeftovers(server->plan());
        const QString directory = server->plan().directory;
        if (server->isDemo() && !directory.isEmpty()) {
            std::error_code ignored;
            std::filesystem::remove_all(QFile::encodeName(directory).constData(), ignored);
        }
    }
}

void DatabaseServersCore::stop()
{
    std::vector<DemoDatabasePtr> servers;
    {
        std::lock_guard lock(m_mutex);
        servers.swap(m_servers);
        m_running = false;
        m_routing.clear();
        m_published.clear();
        m_endpoints.clear();
        m_templates.clear();
        m_cluster.reset({});
    }
    stopServers(std::move(servers));
    m_run.remove();
}

void DatabaseServersCore::apply(const QList<DatabaseConfig> &databases)
{
    if (!isRunning()) {
        start(databases);
        return;
    }
    const auto differs = [](const DatabaseConfig &a, const DatabaseConfig &b) {
        return a.engine != b.engine || a.address != b.address || a.port != b.port
               || a.role != b.role || a.source != b.source || a.replication != b.replication
               || a.embedded != b.embedded;
    };
    QList<DatabaseConfig> before;
    {
        std::lock_guard lock(m_mutex);
        before = m_cluster.databases();
    }
    QStringList restarted;
    for (const DatabaseConfig &config : databases) {
        const auto old = std::find_if(before.begin(), before.end(), [&](const DatabaseConfig &b) {
            return b.name == config.name;
        });
        if (old == before.end() || differs(*old, config) || !config.embedded)
            restarted << config.name;
    }
    // A replica of a database that starts afresh starts afresh too: its data
    // would be ahead of its source's.
    for (bool grew = true; grew;) {
        grew = false;
        for (const DatabaseConfig &config : databases) {
            if (!restarted.contains(config.name) && restarted.contains(config.source)) {
                restarted << config.name;
                grew = true;
            }
        }
    }
    std::vector<DemoDatabasePtr> ending;
    QHash<QString, DemoDatabasePtr> kept;
    QSet<QString> ports;
    {
        std::lock_guard lock(m_mutex);
        for (const DemoDatabasePtr &server : std::as_const(m_servers)) {
            const QString name = server->name();
            const bool stays = std::any_of(databases.begin(), databases.end(),
                                           [&](const DatabaseConfig &c) { return c.name == name; });
            if (!stays || restarted.contains(name)) {
                ending.push_back(server);
                m_endpoints.remove(name);
            } else {
                kept.insert(name, server);
                const ServerPlan plan = server->plan();
                ports.insert(QStringLiteral("%1:%2").arg(plan.address).arg(plan.port));
            }
        }
        m_servers.assign(kept.begin(), kept.end());
        m_cluster.update(databases, restarted);
    }
    stopServers(ending);

    std::vector<DemoDatabasePtr> servers;
    std::vector<DemoDatabasePtr> fresh;
    for (const DatabaseConfig &config : databases) {
        if (const DemoDatabasePtr server = kept.value(config.name)) {
            ServerPlan plan = server->plan();
            plan.config
                = config; // what changes nothing in the server: max_lag, auto_failover, standby
            server->setPlan(plan);
            servers.push_back(server);
        } else {
            servers.push_back(create(config, &ports));
            fresh.push_back(servers.back());
        }
    }
    {
        std::lock_guard lock(m_mutex);
        m_servers = servers;
    }
    launch(fresh);
    publishRouting();
}

QList<DatabaseServerStatus> DatabaseServersCore::status() const
{
    std::lock_guard lock(m_mutex);
    QList<DatabaseServerStatus> statuses;
    for (const DemoDatabasePtr &server : m_servers)
        statuses << statusLocked(*server);
    return statuses;
}

DatabaseServerStatus DatabaseServersCore::statusLocked(const DemoDatabase &server) const
{
    std::optional<ServerReading> reading;
    DatabaseServerStatus status = server.status(&reading);
    if (!server.isDemo())
        return status;
    status.role = m_cluster.role(status.name, reading.has_value(), reading && reading->readOnly);
    if (status.role == QLatin1String("replica")) {
        status.source = m_cluster.source(status.name);
        // Where it really replicates from, when the server says.
        if (reading && reading->sourcePort != 0) {
            for (const DemoDatabasePtr &other : m_servers) {
                const ServerPlan plan = other->plan();
                if (other->isDemo() && plan.port == reading->sourcePort
                    && (reading->sourceAddress.isEmpty() || plan.address == reading->sourceAddress)) {
                    status.source = other->name();
                }
            }
        }
    }
    return status;
}

DatabaseFault DatabaseServersCore::fault(const QString &database) const
{
    const DemoDatabasePtr found = server(database);
    return found ? found->fault() : DatabaseFault{};
}

QList<ClusterRouting> DatabaseServersCore::routingLocked() const
{
    QHash<QString, DatabaseServerStatus> statuses;
    for (const DemoDatabasePtr &server : m_servers)
        statuses.insert(server->name(), statusLocked(*server));
    return m_cluster.routing(statuses, m_endpoints);
}

void DatabaseServersCore::publishRouting()
{
    QList<ClusterRouting> routing;
    std::function<void(const QList<ClusterRouting> &)> handler;
    {
        std::lock_guard lock(m_mutex);
        if (!m_running)
            return;
        routing = routingLocked();
        m_routing = routing;
        if (routing == m_published)
            return;
        m_published = routing;
        handler = m_handler;
    }
    if (handler)
        handler(routing);
}

QList<ClusterRouting> DatabaseServersCore::routing() const
{
    std::lock_guard lock(m_mutex);
    return m_routing;
}

QList<DatabasePromotion> DatabaseServersCore::promotions() const
{
    std::lock_guard lock(m_mutex);
    return m_cluster.promotions();
}

void DatabaseServersCore::setRoutingHandler(
    std::function<void(const QList<ClusterRouting> &)> handler)
{
    std::lock_guard lock(m_mutex);
    m_handler = std::move(handler);
}

void DatabaseServersCore::setHealth(const QString &database, bool up)
{
    bool failOver = false;
    {
        std::lock_guard lock(m_mutex);
        if (!m_running || !m_cluster.setHealth(database, up))
            return;
        const QString cluster = m_cluster.clusterOf(database);
        failOver = !up && m_cluster.autoFailover(cluster) && m_cluster.primary(cluster) == database
                   && m_cluster.promoting(cluster).isEmpty() && !m_cluster.isFenced(database);
        // Routing follows at once; the handler hears it on the servers' thread.
        m_routing = routingLocked();
    }
    thread.post([this] { publishRouting(); });
    if (failOver)
        thread.post([this, database] { this->failOver(database); });
}

} // namespace Loadstar::Engine::detail
