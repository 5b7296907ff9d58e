#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Loadstar::Engine {

// How a demo backend reaches one database server: where, as whom, and the
// database holding the demo schema. Loadstar made the account when it made
// the server, so the password never comes from (or goes into) a document.
struct DatabaseEndpoint
{
    QString name;   // the database node
    QString engine; // "mariadb" or "postgresql"
    QString address;
    quint16 port = 0;
    QString user;
    QString password;
    QString database; // where the demo schema lives

    bool operator==(const DatabaseEndpoint &) const = default;
};

// Where one cluster's queries go right now, as the database servers decide
// it from the servers' real roles, their health checks and their lag: the
// read/write split of a primary/replica cluster (writes to the primary,
// reads round robin over the replicas that keep up, the primary when none
// does).
struct ClusterRouting
{
    QString cluster;     // the cluster's name: its primary as drawn
    QString replication; // "async" or "semi-sync", as the primary commits
    // Takes writes; none while the primary is down and nothing was promoted:
    // writes are refused (503).
    std::optional<DatabaseEndpoint> primary;
    // UP, replicating, and lagging less than their max_lag (or with their
    // source gone: they hold the freshest data left): reads go round robin
    // over them. Empty: reads go to the primary.
    QList<DatabaseEndpoint> replicas;
    // Every database of the cluster, in the drawing's order.
    QStringList members;
    // Not empty while no query can be served by the cluster at all: one
    // sentence a 503 carries ("db-primary is starting").
    QString unavailable;

    bool operator==(const ClusterRouting &) const = default;
};

} // namespace Loadstar::Engine
