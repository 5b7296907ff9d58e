#pragma once

#include "DatabaseFigures.h"
#include "WriteOutageTracker.h"

#include "engine/EngineConfig.h"
#include "engine/Observation.h"
#include "engine/database/ConnectionPool.h"
#include "engine/database/DatabaseRouting.h"

#include <asio.hpp>

#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

namespace Loadstar::Engine::detail {

// What a demo backend's request asks of the databases.
struct DataRequest
{
    bool write = false; // POST, PUT, PATCH, DELETE
    std::string path;
    std::string client; // X-Loadstar-Client, or the peer's address
};

// What it answers: 200, or 503 when a cluster could not serve it.
struct DataReply
{
    int status = 200;
    std::string body;      // a line per cluster: "web-01: visit 1733…123 read from db-replica"
    std::string databases; // the database servers that answered or failed, for X-Database
};

// The demo backends' side of the database tier: for each request to a
// backend linked to a routed cluster it runs real SQL (a row written to the
// cluster's primary, or the latest row read from a replica, round robin,
// or the primary) and says what came of it. It keeps a connection pool per
// backend and database server, counts queries and stale reads
// (read-your-writes broken by replication lag), notices write outages and
// looks up the acknowledged writes they lost, and observes live queries
// as HAProxy's observe layer4 does. Shared by every demo backend of a run;
// it lives on their worker thread.
class DataTier
{
public:
    DataTier(asio::io_context &io, std::shared_ptr<DatabaseFigures> figures, const ObservationHub *observations);
    ~DataTier();
    DataTier(const DataTier &) = delete;
    DataTier &operator=(const DataTier &) = delete;

    // The backends (their linked databases) and every database node.
    void configure(const QList<ServerConfig> &backends, const QList<DatabaseConfig> &databases);
    // For the next query on; pools to servers no longer routed close.
    void setRouting(const QList<ClusterRouting> &routing);

    // Whether `backend` links to any database: its requests then carry
    // what serve() needs.
    bool linked(const std::string &backend) const;
    // Whether requests to `backend` run SQL now (a linked cluster is routed).
    bool queries(const std::string &backend) const;
    // Runs the request's SQL on every routed cluster of the backend and
    // calls `reply` once all are done, from the io_context.
    void serve(const std::string &backend, DataRequest request, std::function<void(DataReply)> reply);

    // Drops every connection at once (the run stops); nothing is served after.
    void shutdown();

private:
    struct Cluster;
    struct Backend;
    struct Request;
    // A backend's pool to one database server, and what it counts into.
    struct Link
    {
        std::shared_ptr<ConnectionPool> pool;
        std::shared_ptr<DatabaseFigures::Counters> counters;
    };

    // One cluster's part of a request; `done` takes its status and line.
    void write(const Backend &backend, const std::shared_ptr<Cluster> &cluster, const DataRequest &request,
               std::function<void(int, QString, QString)> done);
    void read(const Backend &backend, const std::shared_ptr<Cluster> &cluster, const DataRequest &request,
              std::function<void(int, QString, QString)> done);
    void lookUpLost(const std::shared_ptr<ConnectionPool> &pool, WriteOutageTracker::Ended ended);
    void observe(const QString &database, const SqlResult &result);

    Link link(const QString &backend, const DatabaseEndpoint &endpoint);
    void retireUnrouted();
    void updateRouted();
    std::chrono::milliseconds deadline(const QString &database) const;
    uint64_t nextId();

    asio::io_context &m_io;
    std::shared_ptr<DatabaseFigures> m_figures;
    const ObservationHub *m_observations;
    QHash<QString, DatabaseConfig> m_databases;
    std::unordered_map<std::string, Backend> m_backends;
    QHash<QString, std::shared_ptr<Cluster>> m_clusters; // by name; kept for the run
    // By backend and database server.
    std::map<std::pair<QString, QString>, Link> m_pools;
    std::vector<std::shared_ptr<ConnectionPool>> m_retired; // finishing their queries
    QHash<QString, int> m_consecutiveErrors; // by database server, for observe
    uint64_t m_lastId = 0;
    bool m_stopped = false;
};

} // namespace Loadstar::Engine::detail
