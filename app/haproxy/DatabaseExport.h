#pragma once

#include "ConfigExport.h"
#include "engine/EngineConfig.h"

namespace Loadstar::Haproxy {

// The Databases export, shared by its two writers (MariaDB, PostgreSQL):
// a cluster as the writers read it, and what each writer hands back. Plain
// values, built and read on whichever thread exports.

// One server of a cluster.
struct DatabaseServer
{
    Engine::DatabaseConfig config;
    quint32 serverId = 0; // the node's id: distinct, and kept across edits and exports
    QString fileBase;     // its files' names without extension: "db-primary"

    bool isReplica() const { return config.role == QLatin1String("replica"); }
};

// A primary and every replica that follows it, directly or through another
// replica: the root first, then breadth-first in the drawing's order, so a
// server always comes after its source.
struct DatabaseCluster
{
    QList<DatabaseServer> servers;
    // The root asks for semi-sync and has replicas to wait for.
    bool semiSync = false;

    const DatabaseServer &root() const { return servers.first(); }
    QString engine() const { return root().config.engine; }
    const DatabaseServer *sourceOf(const DatabaseServer &server) const;
    QList<const DatabaseServer *> replicasOf(const DatabaseServer &server) const;
};

// What a writer makes of a cluster.
struct DatabaseClusterExport
{
    QList<ExportedFile> files;
    QStringList steps; // the README's numbered steps, one per server, in order
    QString promotion; // the README's paragraph on promoting a replica
    QStringList notes; // what the target cannot say as drawn
};

// What a cluster's files cannot say, in the words of an engine.
struct ClusterNoteWords
{
    QString replicaWithoutSource;   // %1 the replica, %2 its files' base name
    QString semiSyncWithoutReplica; // %1 the primary
    QString failoverTools;          // "Patroni or repmgr"
    QString chainedReplica;         // %1 the replica, %2 its source, %3 the primary
    QString
        wildcardSource; // %1 the source, %2 its address, %3 the replica, %4 the replica's base name
};
QStringList clusterNotes(const DatabaseCluster &cluster, const ClusterNoteWords &words);

DatabaseClusterExport exportMariadbCluster(const DatabaseCluster &cluster, const QString &origin);
DatabaseClusterExport exportPostgresqlCluster(const DatabaseCluster &cluster,
                                              const QString &origin);

// What the reader replaces with a password of their own before running the
// files: an export never holds a secret.
QString replicationPasswordPlaceholder();
// The account replicas log in with, the one Run's demo databases use.
QString replicationAccount();

// 'text' as an SQL string literal.
QString sqlString(const QString &text);
// Listens on every address ("0.0.0.0", "::"): not an address to connect to.
bool isWildcardAddress(const QString &address);
// Where a replica's connections come from, as its source sees them: its
// address, except on loopback, where the kernel sends from 127.0.0.1 (or
// ::1) whichever 127.x.y.z the replica listens on.
QString connectingAddress(const QString &replicaAddress);
// "127.0.0.1:3306", "[::1]:3306".
QString databaseEndpoint(const DatabaseServer &server);
// "db-primary.sql and db-replica.sql", for "in X and Y".
QString fileList(const QStringList &names);

} // namespace Loadstar::Haproxy
