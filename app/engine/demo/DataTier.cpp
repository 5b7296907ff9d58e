#include "DataTier.h"

#include "engine/database/DemoSchema.h"

#include <QSet>

#include <algorithm>
#include <charconv>
#include <optional>
#include <tuple>

namespace Loadstar::Engine::detail {

namespace {

// The clients whose last write a cluster remembers, for stale reads: the
// traffic generator's few, or peers' addresses; forgotten past this many.
constexpr size_t MaxClients = 4096;
constexpr int DefaultDeadlineMs = 2000;

uint64_t idOf(const std::vector<std::string> &row)
{
    uint64_t id = 0;
    if (!row.empty())
        std::from_chars(row[0].data(), row[0].data() + row[0].size(), id);
    return id;
}

// "web-01: db-primary refused the write: Can't connect to server on
// '127.0.0.1' (111)", or "web-01: db-primary did not answer within 2 s".
QString failureLine(const QString &backend, const QString &database, const char *what, const SqlResult &result)
{
    if (result.failure == SqlResult::Failure::Timeout)
        return QStringLiteral("%1: %2").arg(backend, result.error);
    return QStringLiteral("%1: %2 refused the %3: %4").arg(backend, database, QLatin1String(what), result.error);
}

} // namespace

struct DataTier::Cluster
{
    explicit Cluster(const QString &clusterName)
        : name(clusterName)
        , outages(clusterName)
    {}

    QString name;
    std::optional<ClusterRouting> routing; // none while the cluster is not routed
    QString lastPrimary;                   // the last primary its routing named
    size_t nextReplica = 0;                // round robin
    WriteOutageTracker outages;
    // By client: the id of the last write acknowledged to it.
    std::unordered_map<std::string, uint64_t> lastWrite;
};

struct DataTier::Backend
{
    QString name;
    QStringList clusters; // of its linked databases, in link order
    bool routed = false;  // one of them is routed
};

// One request until every cluster it queries has answered.
struct DataTier::Request
{
    std::function<void(DataReply)> reply;
    std::vector<std::tuple<int, QString, QString>> parts; // status, line, database; per cluster
    size_t remaining = 0;
};

DataTier::DataTier(asio::io_context &io, std::shared_ptr<DatabaseFigures> figures, const ObservationHub *observations)
    : m_io(io)
    , m_figures(std::move(figures))
    , m_observations(observations)
{}

DataTier::~DataTier()
{
    shutdown();
}

void DataTier::configure(const QList<ServerConfig> &backends, const QList<DatabaseConfig> &databases)
{
    m_databases.clear();
    for (const DatabaseConfig &database : databases)
        m_databases.insert(database.name, database);
    m_backends.clear();
    std::vector<std::pair<QString, QString>> rows;
    for (const ServerConfig &server : backends) {
        Backend backend;
        backend.name = server.name;
        for (const QString &database : server.databases) {
            const QString cluster = clusterOf(databases, database);
            if (!backend.clusters.contains(cluster))
                backend.clusters.append(cluster);
        }
        if (backend.clusters.isEmpty())
            continue;
        for (const DatabaseConfig &database : databases) {
            if (backend.clusters.contains(clusterOf(databases, database.name)))
                rows.emplace_back(backend.name, database.name);
        }
        m_backends.emplace(server.name.toStdString(), std::move(backend));
    }
    m_figures->setRows(rows);
    updateRouted();
    retireUnrouted();
}

void DataTier::setRouting(const QList<ClusterRouting> &routing)
{
    if (m_stopped)
        return;
    for (const std::shared_ptr<Cluster> &cluster : std::as_const(m_clusters))
        cluster->routing.reset();
    for (const ClusterRouting &entry : routing) {
        std::shared_ptr<Cluster> &cluster = m_clusters[entry.cluster];
        if (!cluster)
            cluster = std::make_shared<Cluster>(entry.cluster);
        cluster->routing = entry;
        if (entry.primary)
            cluster->lastPrimary = entry.primary->name;
    }
    updateRouted();
    retireUnrouted();
}

void DataTier::updateRouted()
{
    for (auto &[name, backend] : m_backends) {
        backend.routed = std::any_of(backend.clusters.begin(), backend.clusters.end(), [&](const QString &cluster) {
            const std::shared_ptr<Cluster> state = m_clusters.value(cluster);
            return state && state->routing;
        });
    }
}

// Pools to servers no routing names any more, or names elsewhere (a new
// port, new credentials), and pools of backends that went away close.
void DataTier::retireUnrouted()
{
    QHash<QString, DatabaseEndpoint> routed;
    for (const std::shared_ptr<Cluster> &cluster : std::as_const(m_clusters)) {
        if (!cluster->routing)
            continue;
        if (cluster->routing->primary)
            routed.insert(cluster->routing->primary->name, *cluster->routing->primary);
        for (const DatabaseEndpoint &replica : cluster->routing->replicas)
            routed.insert(replica.name, replica);
    }
    for (auto it = m_pools.begin(); it != m_pools.end();) {
        const auto endpoint = routed.constFind(it->first.second);
        const bool keep = endpoint != routed.constEnd() && *endpoint == it->second.pool->endpoint()
                          && m_backends.count(it->first.first.toStdString()) != 0;
        if (keep) {
            ++it;
            continue;
        }
        it->second.pool->retire();
        m_retired.push_back(it->second.pool);
        it = m_pools.erase(it);
    }
    std::erase_if(m_retired, [](const std::shared_ptr<ConnectionPool> &pool) { return pool->empty(); });
}

bool DataTier::linked(const std::string &backend) const
{
    return m_backends.count(backend) != 0;
}

bool DataTier::queries(const std::string &backend) const
{
    const auto it = m_backends.find(backend);
    return it != m_backends.end() && it->second.routed && !m_stopped;
}

void DataTier::serve(const std::string &backendName, DataRequest request, std::function<void(DataReply)> reply)
{
    const auto found = m_backends.find(backendName);
    std::vector<std::shared_ptr<Cluster>> clusters;
    if (found != m_backends.end() && !m_stopped) {
        for (const QString &name : found->second.clusters) {
            const std::shared_ptr<Cluster> cluster = m_clusters.value(name);
            if (cluster && cluster->routing)
                clusters.push_back(cluster);
        }
    }
    if (clusters.empty()) {
        // Routing went away since the request came: it answers as without SQL.
        asio::post(m_io, [reply = std::move(reply), body = backendName + '\n']() { reply({200, body, {}}); });
        return;
    }
    if (!m_retired.empty())
        std::erase_if(m_retired, [](const std::shared_ptr<ConnectionPool> &pool) { return pool->empty(); });

    const Backend &backend = found->second;
    auto state = std::make_shared<Request>();
    state->reply = std::move(reply);
    state->parts.resize(clusters.size());
    state->remaining = clusters.size();
    for (size_t i = 0; i < clusters.size(); ++i) {
        auto done = [state, i](int status, QString line, QString database) {
            state->parts[i] = {status, std::move(line), std::move(database)};
            if (--state->remaining > 0)
                return;
            DataReply answer;
            QStringList databases;
            for (const auto &[partStatus, partLine, partDatabase] : state->parts) {
                answer.status = std::max(answer.status, partStatus);
                answer.body += partLine.toStdString();
                answer.body += '\n';
                if (!partDatabase.isEmpty() && !databases.contains(partDatabase))
                    databases.append(partDatabase);
            }
            answer.databases = databases.join(QLatin1String(", ")).toStdString();
            state->reply(std::move(answer));
        };
        if (request.write)
            write(backend, clusters[i], request, std::move(done));
        else
            read(backend, clusters[i], request, std::move(done));
    }
}

void DataTier::write(const Backend &backend, const std::shared_ptr<Cluster> &cluster, const DataRequest &request,
                     std::function<void(int, QString, QString)> done)
{
    const ClusterRouting &routing = *cluster->routing;
    auto refuse = [&](QString line) {
        cluster->outages.refused(QDateTime::currentDateTimeUtc());
        asio::post(m_io, [done = std::move(done), line = std::move(line), name = cluster->name]() {
            done(503, line, name);
        });
    };
    if (!routing.unavailable.isEmpty())
        return refuse(QStringLiteral("%1: %2").arg(backend.name, routing.unavailable));
    if (!routing.primary) {
        const QString primary = cluster->lastPrimary.isEmpty() ? cluster->name : cluster->lastPrimary;
        return refuse(QStringLiteral("%1: writes are refused: %2 is DOWN and no replica was promoted")
                          .arg(backend.name, primary));
    }
    const DatabaseEndpoint &primary = *routing.primary;
    const uint64_t id = nextId();
    const Link link = this->link(backend.name, primary);
    const std::string sql = DemoSchema::insertStatement(id, QString::fromStdString(request.client),
                                                        QString::fromStdString(request.path), backend.name)
                                .toStdString();
    link.pool->query(sql, deadline(primary.name),
                     [this, cluster, link, id, client = request.client, backend = backend.name,
                      database = primary.name, done = std::move(done)](SqlResult result) {
                         observe(database, result);
                         if (!result.ok()) {
                             link.counters->failed.add();
                             cluster->outages.refused(QDateTime::currentDateTimeUtc());
                             return done(503, failureLine(backend, database, "write", result), database);
                         }
                         link.counters->writes.add();
                         if (cluster->lastWrite.size() >= MaxClients && !cluster->lastWrite.count(client))
                             cluster->lastWrite.clear();
                         uint64_t &last = cluster->lastWrite[client];
                         last = std::max(last, id);
                         const QDateTime now =
                             cluster->outages.inOutage() ? QDateTime::currentDateTimeUtc() : QDateTime();
                         if (auto ended = cluster->outages.acknowledged(id, database, now))
                             lookUpLost(link.pool, std::move(*ended));
                         done(200, QStringLiteral("%1: visit %2 written to %3").arg(backend).arg(id).arg(database),
                              database);
                     });
}

void DataTier::read(const Backend &backend, const std::shared_ptr<Cluster> &cluster, const DataRequest &request,
                    std::function<void(int, QString, QString)> done)
{
    const ClusterRouting &routing = *cluster->routing;
    auto refuse = [&](QString line) {
        asio::post(m_io, [done = std::move(done), line = std::move(line), name = cluster->name]() {
            done(503, line, name);
        });
    };
    if (!routing.unavailable.isEmpty())
        return refuse(QStringLiteral("%1: %2").arg(backend.name, routing.unavailable));
    const DatabaseEndpoint *target = nullptr;
    const bool replica = !routing.replicas.isEmpty();
    if (replica)
        target = &routing.replicas[qsizetype(cluster->nextReplica++ % size_t(routing.replicas.size()))];
    else if (routing.primary)
        target = &*routing.primary;
    else
        return refuse(QStringLiteral("%1: reads are refused: no server of %2 is UP").arg(backend.name, cluster->name));

    const auto known = cluster->lastWrite.find(request.client);
    const uint64_t written = known != cluster->lastWrite.end() ? known->second : 0;
    const Link link = this->link(backend.name, *target);
    link.pool->query(DemoSchema::latestStatement().toStdString(), deadline(target->name),
                     [this, link, replica, written, backend = backend.name, database = target->name,
                      done = std::move(done)](SqlResult result) {
                         observe(database, result);
                         if (!result.ok()) {
                             link.counters->failed.add();
                             return done(503, failureLine(backend, database, "read", result), database);
                         }
                         link.counters->reads.add();
                         const uint64_t id = result.rows.empty() ? 0 : idOf(result.rows.front());
                         QString line = id == 0 ? QStringLiteral("%1: no visit yet in %2").arg(backend, database)
                                                : QStringLiteral("%1: visit %2 read from %3")
                                                      .arg(backend)
                                                      .arg(id)
                                                      .arg(database);
                         // Read-your-writes: this client was told its visit was stored.
                         if (replica && id < written) {
                             link.counters->staleReads.add();
                             line += QStringLiteral(" (stale: your visit %1 is not there yet)").arg(written);
                         }
                         done(200, line, database);
                     });
}

void DataTier::lookUpLost(const std::shared_ptr<ConnectionPool> &pool, WriteOutageTracker::Ended ended)
{
    if (ended.acknowledgedBefore.empty()) {
        ended.outage.acknowledgedLost = 0;
        m_figures->addOutage(std::move(ended.outage));
        return;
    }
    const uint64_t oldest = *std::min_element(ended.acknowledgedBefore.begin(), ended.acknowledgedBefore.end());
    pool->query(DemoSchema::idsFromStatement(oldest).toStdString(), deadline(ended.outage.primaryAfter),
                [figures = m_figures, ended = std::move(ended)](SqlResult result) mutable {
                    if (result.ok()) {
                        std::vector<uint64_t> found;
                        found.reserve(result.rows.size());
                        for (const std::vector<std::string> &row : result.rows)
                            found.push_back(idOf(row));
                        ended.outage.acknowledgedLost =
                            WriteOutageTracker::missing(ended.acknowledgedBefore, std::move(found));
                    }
                    figures->addOutage(std::move(ended.outage));
                });
}

// HAProxy's observe layer4: connection errors and timeouts in a row, not
// statements a live server refused.
void DataTier::observe(const QString &database, const SqlResult &result)
{
    const auto config = m_databases.constFind(database);
    if (config == m_databases.constEnd() || config->check.observe == QLatin1String("none"))
        return;
    int &errors = m_consecutiveErrors[database];
    if (result.failure != SqlResult::Failure::Connection && result.failure != SqlResult::Failure::Timeout) {
        errors = 0;
        return;
    }
    const int limit = std::max(1, config->check.errorLimit);
    if (++errors != limit || !m_observations)
        return;
    m_observations->notify(QString(), database,
                           QStringLiteral("%1 consecutive errors in live traffic (last: %2)").arg(limit).arg(result.error));
}

DataTier::Link DataTier::link(const QString &backend, const DatabaseEndpoint &endpoint)
{
    Link &link = m_pools[{backend, endpoint.name}];
    if (link.pool && link.pool->endpoint() == endpoint)
        return link;
    if (link.pool) {
        link.pool->retire();
        m_retired.push_back(link.pool);
    }
    link.counters = m_figures->counters(backend, endpoint.name);
    link.pool = std::make_shared<ConnectionPool>(m_io, endpoint, ConnectionPool::Options{},
                                                 std::shared_ptr<std::atomic<int>>(link.counters,
                                                                                   &link.counters->connections));
    return link;
}

std::chrono::milliseconds DataTier::deadline(const QString &database) const
{
    const auto config = m_databases.constFind(database);
    const int ms = config != m_databases.constEnd() && config->check.timeout > 0 ? config->check.timeout
                                                                                  : DefaultDeadlineMs;
    return std::chrono::milliseconds(ms);
}

uint64_t DataTier::nextId()
{
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    m_lastId = std::max(m_lastId + 1, uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(now).count()));
    return m_lastId;
}

void DataTier::shutdown()
{
    if (m_stopped)
        return;
    m_stopped = true;
    for (auto &[key, link] : m_pools)
        link.pool->abort();
    for (const std::shared_ptr<ConnectionPool> &pool : m_retired)
        pool->abort();
    m_pools.clear();
    m_retired.clear();
}

} // namespace Loadstar::Engine::detail
