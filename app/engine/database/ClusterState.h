#pragma once

#include "DatabaseRouting.h"
#include "DatabaseServerStatus.h"

#include "engine/EngineConfig.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Loadstar::Engine::detail {

// A replica that could be promoted, as promotion sees it at that moment.
struct PromotionCandidate
{
    QString name;
    quint64 received = 0; // how far its replication stream goes (GTID, LSN)
    bool standby = false;
};

// What the servers' control plane knows of each cluster beyond what a
// server says of itself: the health checks' verdicts (HAProxy's UP/DOWN,
// UP at start), who is the primary now (the drawn one until a promotion),
// which old primaries are fenced, where each replica replicates from after
// repointing, a promotion under way, and the promotions of the run. From
// that and the servers' statuses it decides where queries go.
//
// Plain logic, no processes and no I/O: the servers' thread owns it, under
// DatabaseServers' lock.
class ClusterState
{
public:
    // A new run: the databases as drawn, in the drawing's order.
    void reset(const QList<DatabaseConfig> &databases);
    // A changed drawing: the databases that stay keep their state, except
    // those in `restarted` (started again from a fresh copy).
    void update(const QList<DatabaseConfig> &databases, const QStringList &restarted);

    const QList<DatabaseConfig> &databases() const { return m_databases; }
    const DatabaseConfig *config(const QString &database) const;
    QString clusterOf(const QString &database) const;
    QStringList members(const QString &cluster) const; // drawing order
    QStringList clusters() const;                      // drawing order of their first member
    QString
    replication(const QString &cluster) const; // "async" or "semi-sync", as the drawn primary says
    bool autoFailover(const QString &cluster) const;

    // The health checks: false when the verdict changed nothing. A DOWN
    // remembers when, for the promotion it may cause.
    bool setHealth(const QString &database, bool up);
    bool healthUp(const QString &database) const;
    QDateTime downAt(const QString &database) const;

    QString primary(const QString &cluster) const; // the primary now, as Loadstar made it
    void setPrimary(const QString &cluster, const QString &database);
    bool isFenced(const QString &database) const;
    void setFenced(const QString &database);
    // Where a replica replicates from now; empty for a primary.
    QString source(const QString &database) const;
    void setSource(const QString &database, const QString &source);
    // The replica being promoted in `cluster`; empty when none.
    QString promoting(const QString &cluster) const;
    void setPromoting(const QString &cluster, const QString &replica);

    // The real role a server's reading shows: "primary", "replica" or
    // "fenced"; empty before its first reading.
    QString role(const QString &database, bool read, bool readOnly) const;

    // Where each cluster's queries go now: writes to the primary that runs
    // and is UP; reads round robin over the replicas that run, are UP and
    // replicate within their max_lag, or whose source is gone (they hold the
    // freshest data left: reads go on while the primary is down).
    // `statuses` by name, their role filled in; `endpoints` for the demo
    // databases that run.
    QList<ClusterRouting> routing(const QHash<QString, DatabaseServerStatus> &statuses,
                                  const QHash<QString, DatabaseEndpoint> &endpoints) const;

    // The replica to promote: the one that received the most; ties go to a
    // standby, then to the drawing's order.
    std::optional<QString> mostAdvanced(const QList<PromotionCandidate> &candidates) const;

    void recordPromotion(const DatabasePromotion &promotion) { m_promotions.append(promotion); }
    const QList<DatabasePromotion> &promotions() const { return m_promotions; }

private:
    struct Member
    {
        bool up = true;
        QDateTime downAt;
        bool fenced = false;
        QString source;
    };
    struct Cluster
    {
        QString primary;
        QString promoting;
    };

    // A replica that replicates within its max_lag, or whose source is gone.
    bool takesReads(const DatabaseServerStatus &replica,
                    const QHash<QString, DatabaseServerStatus> &statuses) const;
    QString unavailable(const QString &cluster,
                        const QHash<QString, DatabaseServerStatus> &statuses) const;
    int order(const QString &database) const;

    QList<DatabaseConfig> m_databases;
    QHash<QString, Member> m_members;
    QHash<QString, Cluster> m_clusters;
    QList<DatabasePromotion> m_promotions;
};

} // namespace Loadstar::Engine::detail
