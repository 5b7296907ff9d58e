#pragma once

#include "ClusterState.h"
#include "DatabaseServers.h"
#include "DatabaseTemplates.h"
#include "DemoDatabase.h"
#include "RunDirectory.h"
#include "TaskThread.h"

#include <QHash>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace Loadstar::Engine::detail {

using DemoDatabasePtr = std::shared_ptr<DemoDatabase>;

// The state behind DatabaseServers. Everything that changes something runs
// on the servers' thread (`thread`, which forks the servers, so it lives
// from start() to stop()); readers take `mutex` briefly from any thread.
// The watchers never take `mutex` (they only wake the servers' thread), so
// stopping a server while holding it can't deadlock — still, servers are
// stopped and destroyed outside it.
class DatabaseServersCore
{
public:
    explicit DatabaseServersCore(DatabaseServers::Options options);
    ~DatabaseServersCore();

    static std::shared_ptr<const DatabaseEngine>
    makeEngine(const QString &engine, const DatabaseServers::Options &options);

    // On the servers' thread.
    void start(const QList<DatabaseConfig> &databases);
    void apply(const QList<DatabaseConfig> &databases);
    void stop();
    QString setFault(const QString &database, const DatabaseFault &fault);
    QString promote(const QString &replica, bool automatic);
    void failOver(const QString &primary); // automatic: the primary went DOWN
    void publishRouting();

    // Any thread.
    QList<DatabaseServerStatus> status() const;
    DatabaseFault fault(const QString &database) const;
    void setHealth(const QString &database, bool up);
    QList<ClusterRouting> routing() const;
    QList<DatabasePromotion> promotions() const;
    void setRoutingHandler(std::function<void(const QList<ClusterRouting> &)> handler);
    bool isRunning() const;

    TaskThread thread;

private:
    // "Locked": called with m_mutex held.
    DemoDatabasePtr server(const QString &name) const;
    DemoDatabasePtr serverLocked(const QString &name) const;
    // With its role and source, which only the cluster knows.
    DatabaseServerStatus statusLocked(const DemoDatabase &server) const;
    QList<ClusterRouting> routingLocked() const;
    ServerPlan planLocked(const DatabaseConfig &config, int serverId, quint16 port) const;
    // Its plan as the cluster stands now: source, read-only, semi-sync peers.
    ServerPlan currentPlan(const DemoDatabase &server) const;
    // A database of the drawing: a demo database ready to launch, or listed
    // as Failed with the sentence that says why it can't run.
    DemoDatabasePtr create(const DatabaseConfig &config, QSet<QString> *ports);
    // Templates, copies, forks, replication, for databases created above.
    void launch(const std::vector<DemoDatabasePtr> &fresh);
    void waitUntilReplicating(const std::vector<DemoDatabasePtr> &fresh);
    // Points a replica at its source now; what failed shows in its status.
    void link(DemoDatabase &replica);
    QString revive(DemoDatabase &server);
    // The replication parts of `wanted` that differ from `current`; all of
    // them when `current` is unknown (a server just revived).
    QString applyReplicationFault(DemoDatabase &server, const DatabaseFault &wanted,
                                  const std::optional<DatabaseFault> &current);
    QString fence(DemoDatabase &old, QString *catchUpTo);
    void stopServers(std::vector<DemoDatabasePtr> servers);
    void serverChanged();

    const DatabaseServers::Options m_options;
    QString m_cacheDirectory;

    mutable std::mutex m_mutex;
    std::condition_variable m_changed; // with m_changedMutex: a watcher read something
    std::mutex m_changedMutex;
    std::atomic<bool> m_refreshQueued{false};

    bool m_running = false;
    RunDirectory m_run;
    ClusterState m_cluster;
    std::vector<DemoDatabasePtr> m_servers; // every database, in the drawing's order
    QHash<QString, std::shared_ptr<const DatabaseEngine>> m_engines;
    QHash<QString, DatabaseTemplate> m_templates;
    QHash<QString, DatabaseEndpoint> m_endpoints;
    QList<ClusterRouting> m_routing;   // routing() now
    QList<ClusterRouting> m_published; // what the handler heard last
    std::function<void(const QList<ClusterRouting> &)> m_handler;
    int m_nextServerId = 1;
};

} // namespace Loadstar::Engine::detail
