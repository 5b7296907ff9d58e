#include "ClusterState.h"

#include <algorithm>

namespace Loadstar::Engine::detail {

using State = DatabaseServerStatus::State;

void ClusterState::reset(const QList<DatabaseConfig> &databases)
{
    m_databases = databases;
    m_members.clear();
    m_clusters.clear();
    m_promotions.clear();
    for (const DatabaseConfig &database : databases)
        m_members.insert(database.name, Member{true, {}, false, database.source});
    for (const QString &cluster : clusters())
        m_clusters.insert(cluster, Cluster{cluster, {}});
}

void ClusterState::update(const QList<DatabaseConfig> &databases, const QStringList &restarted)
{
    const QHash<QString, Member> members = m_members;
    const QHash<QString, Cluster> previous = m_clusters;
    m_databases = databases;
    m_members.clear();
    m_clusters.clear();
    for (const DatabaseConfig &database : databases) {
        Member member{true, {}, false, database.source};
        if (members.contains(database.name)) {
            member = members.value(database.name);
            if (restarted.contains(database.name)) {
                member.fenced = false;
                member.source = database.source;
            }
        }
        m_members.insert(database.name, member);
    }
    for (const QString &cluster : clusters()) {
        Cluster state{cluster, {}};
        const QString primary = previous.value(cluster).primary;
        if (!primary.isEmpty() && clusterOf(primary) == cluster && !restarted.contains(primary))
            state.primary = primary;
        m_clusters.insert(cluster, state);
    }
}

const DatabaseConfig *ClusterState::config(const QString &database) const
{
    const auto it
        = std::find_if(m_databases.begin(), m_databases.end(),
                       [&](const DatabaseConfig &config) { return config.name == database; });
    return it == m_databases.end() ? nullptr : &*it;
}

QString ClusterState::clusterOf(const QString &database) const
{
    return Engine::clusterOf(m_databases, database);
}

QStringList ClusterState::members(const QString &cluster) const
{
    QStringList names;
    for (const DatabaseConfig &database : m_databases) {
        if (clusterOf(database.name) == cluster)
            names << database.name;
    }
    return names;
}

QStringList ClusterState::clusters() const
{
    QStringList names;
    for (const DatabaseConfig &database : m_databases) {
        const QString cluster = clusterOf(database.name);
        if (!names.contains(cluster))
            names << cluster;
    }
    return names;
}

QString ClusterState::replication(const QString &cluster) const
{
    const DatabaseConfig *root = config(cluster);
    return root ? root->replication : QStringLiteral("async");
}

bool ClusterState::autoFailover(const QString &cluster) const
{
    const DatabaseConfig *root = config(cluster);
    return root && root->autoFailover;
}

bool ClusterState::setHealth(const QString &database, bool up)
{
    const auto it = m_members.find(database);
    if (it == m_members.end() || it->up == up)
        return false;
    it->up = up;
    it->downAt = up ? QDateTime() : QDateTime::currentDateTimeUtc();
    return true;
}

bool ClusterState::healthUp(const QString &database) const
{
    return m_members.value(database).up;
}

QDateTime ClusterState::downAt(const QString &database) const
{
    return m_members.value(database).downAt;
}

QString ClusterState::primary(const QString &cluster) const
{
    return m_clusters.value(cluster).primary;
}

void ClusterState::setPrimary(const QString &cluster, const QString &database)
{
    m_clusters[cluster].primary = database;
    setSource(database, {});
}

bool ClusterState::isFenced(const QString &database) const
{
    return m_members.value(database).fenced;
}

void ClusterState::setFenced(const QString &database)
{
    if (m_members.contains(database)) {
        m_members[database].fenced = true;
        m_members[database].source.clear();
    }
}

QString ClusterState::source(const QString &database) const
{
    return m_members.value(database).source;
}

void ClusterState::setSource(const QString &database, const QString &source)
{
    if (m_members.contains(database))
        m_members[database].source = source;
}

QString ClusterState::promoting(const QString &cluster) const
{
    return m_clusters.value(cluster).promoting;
}

void ClusterState::setPromoting(const QString &cluster, const QString &replica)
{
    m_clusters[cluster].promoting = replica;
}

QString ClusterState::role(const QString &database, bool read, bool readOnly) const
{
    if (isFenced(database))
        return QStringLiteral("fenced");
    if (!read)
        return {};
    return readOnly ? QStringLiteral("replica") : QStringLiteral("primary");
}

QList<ClusterRouting> ClusterState::routing(const QHash<QString, DatabaseServerStatus> &statuses,
                                            const QHash<QString, DatabaseEndpoint> &endpoints) const
{
    QList<ClusterRouting> routes;
    for (const QString &cluster : clusters()) {
        ClusterRouting route;
        route.cluster = cluster;
        route.replication = replication(cluster);
        route.members = members(cluster);
        const bool promotionUnderWay = !promoting(cluster).isEmpty();
        for (const QString &name : std::as_const(route.members)) {
            const DatabaseServerStatus status = statuses.value(name);
            if (status.state != State::Running || !healthUp(name) || !endpoints.contains(name))
                continue;
            if (status.role == QLatin1String("primary") && !promotionUnderWay && !route.primary) {
                route.primary = endpoints.value(name);
            } else if (status.role == QLatin1String("replica") && takesReads(status, statuses)) {
                route.replicas << endpoints.value(name);
            }
        }
        if (!route.primary && route.replicas.isEmpty())
            route.unavailable = unavailable(cluster, statuses);
        routes << route;
    }
    return routes;
}

bool ClusterState::takesReads(const DatabaseServerStatus &replica,
                              const QHash<QString, DatabaseServerStatus> &statuses) const
{
    const DatabaseConfig *database = config(replica.name);
    if (!database)
        return false;
    if (replica.replicating)
        return replica.lagSeconds >= 0 && replica.lagSeconds * 1000 <= database->maxLagMs;
    // With its source gone it has the freshest data left to read, unless it
    // was held back on purpose.
    const QString from = replica.source.isEmpty() ? source(replica.name) : replica.source;
    const bool sourceGone = statuses.value(from).state != State::Running || !healthUp(from);
    return sourceGone && !replica.fault.replicationStopped
           && replica.fault.replicationDelaySeconds == 0;
}

QString ClusterState::unavailable(const QString &cluster,
                                  const QHash<QString, DatabaseServerStatus> &statuses) const
{
    const QString promoted = promoting(cluster);
    if (!promoted.isEmpty())
        return QStringLiteral("%1 is being promoted to primary").arg(promoted);
    const QString name = primary(cluster).isEmpty() ? cluster : primary(cluster);
    const DatabaseServerStatus status = statuses.value(name);
    switch (status.state) {
    case State::Starting:
        return QStringLiteral("%1 is starting").arg(name);
    case State::Failed:
        return status.message.isEmpty()
                   ? QStringLiteral("%1 is not a demo database Loadstar runs").arg(name)
                   : status.message;
    case State::Stopped:
        if (status.fault.killed)
            return QStringLiteral("%1 was killed").arg(name);
        return status.message.isEmpty() ? QStringLiteral("%1 is stopped").arg(name)
                                        : status.message;
    case State::Running:
        break;
    }
    if (!healthUp(name))
        return QStringLiteral("%1 is DOWN").arg(name);
    if (isFenced(name))
        return QStringLiteral("%1 is fenced: it takes no more writes").arg(name);
    if (status.role.isEmpty())
        return QStringLiteral("%1 is starting").arg(name);
    return QStringLiteral("%1 is not writable and no replica keeps up").arg(name);
}

int ClusterState::order(const QString &database) const
{
    for (int i = 0; i < m_databases.size(); ++i) {
        if (m_databases.at(i).name == database)
            return i;
    }
    return int(m_databases.size());
}

std::optional<QString> ClusterState::mostAdvanced(const QList<PromotionCandidate> &candidates) const
{
    if (candidates.isEmpty())
        return std::nullopt;
    const auto better = [this](const PromotionCandidate &a, const PromotionCandidate &b) {
        if (a.received != b.received)
            return a.received > b.received;
        if (a.standby != b.standby)
            return a.standby;
        return order(a.name) < order(b.name);
    };
    return std::min_element(candidates.begin(), candidates.end(), better)->name;
}

} // namespace Loadstar::Engine::detail
