#include "DatabaseExport.h"

#include "HaproxyExport.h"
#include "engine/database/DemoSchema.h"

#include <QHash>
#include <QHostAddress>
#include <QSet>

namespace Loadstar::Haproxy {

using Engine::DatabaseConfig;

namespace {

const QString kReadmeName = QStringLiteral("README-databases.md");
constexpr int kNamesListed = 4; // in a note about nodes left out, before "and N more"

QString engineName(const QString &engine)
{
    return engine == QLatin1String("postgresql") ? QStringLiteral("PostgreSQL")
                                                 : QStringLiteral("MariaDB");
}

// "a, b, c and d", or the first few and "and N more".
QString someNames(const QStringList &names)
{
    if (names.size() <= kNamesListed)
        return fileList(names);
    return QStringLiteral("%1 and %2 more")
        .arg(names.mid(0, kNamesListed).join(QStringLiteral(", ")))
        .arg(names.size() - kNamesListed);
}

// A node name as a file name: names may hold ':', which some file systems
// refuse.
QString fileBaseOf(const QString &name, quint32 serverId, QSet<QString> &taken)
{
    QString base = name;
    base.replace(QLatin1Char(':'), QLatin1Char('_'));
    if (taken.contains(base))
        base += QStringLiteral("-%1").arg(serverId);
    taken.insert(base);
    return base;
}

// The clusters of the drawing's MariaDB and PostgreSQL servers, in the order
// their roots are drawn.
QList<DatabaseCluster> clustersOf(const Topology &topology, const QList<DatabaseConfig> &databases)
{
    QSet<QString> taken;
    QHash<QString, DatabaseServer> servers;
    QStringList roots;
    for (const DatabaseConfig &database : databases) {
        if (database.engine == QLatin1String("redis"))
            continue;
        const Node *node = topology.nodeByName(database.name);
        Q_ASSERT(node); // compiled from this drawing
        servers.insert(database.name,
                       {database, node->id, fileBaseOf(database.name, node->id, taken)});
        if (Engine::clusterOf(databases, database.name) == database.name)
            roots.append(database.name);
    }
    QList<DatabaseCluster> clusters;
    for (const QString &root : std::as_const(roots)) {
        DatabaseCluster cluster;
        cluster.servers.append(servers.value(root));
        for (qsizetype next = 0; next < cluster.servers.size(); ++next) {
            const QString source = cluster.servers.at(next).config.name;
            for (const DatabaseConfig &database : databases) {
                if (database.source == source && servers.contains(database.name))
                    cluster.servers.append(servers.value(database.name));
            }
        }
        const DatabaseConfig &primary = cluster.root().config;
        cluster.semiSync
            = primary.replication == QLatin1String("semi-sync") && cluster.servers.size() > 1;
        clusters.append(cluster);
    }
    return clusters;
}

// What the reference design's cluster says of itself in the README:
// "db-primary: MariaDB, asynchronous replication".
QString clusterHeading(const DatabaseCluster &cluster)
{
    const QString engine = engineName(cluster.engine());
    if (cluster.servers.size() == 1)
        return QStringLiteral("%1: %2, no replica").arg(cluster.root().config.name, engine);
    return QStringLiteral("%1: %2, %3 replication")
        .arg(cluster.root().config.name, engine,
             cluster.semiSync ? QStringLiteral("semi-synchronous")
                              : QStringLiteral("asynchronous"));
}

QByteArray readmeText(const QString &origin, const QList<DatabaseCluster> &clusters,
                      const QList<DatabaseClusterExport> &exports, const QStringList &secretFiles)
{
    QString text
        = QStringLiteral("# The databases of %1\n\n"
                         "Written by Loadstar: a set of files per database server, to build each\n"
                         "cluster as drawn on real machines. Follow the steps in order.\n")
              .arg(origin);
    if (!secretFiles.isEmpty()) {
        text += QStringLiteral("\n**%1 is a placeholder**: put a password of your own in\n"
                               "its place, the same one everywhere, in %2, for example:\n\n"
                               "    sed -i 's/%1/your-password/' %3\n")
                    .arg(replicationPasswordPlaceholder(), fileList(secretFiles),
                         secretFiles.join(QLatin1Char(' ')));
    }
    for (qsizetype i = 0; i < clusters.size(); ++i) {
        text += QStringLiteral("\n## %1\n\n").arg(clusterHeading(clusters.at(i)));
        const QStringList &steps = exports.at(i).steps;
        for (qsizetype step = 0; step < steps.size(); ++step)
            text += QStringLiteral("%1. %2\n").arg(step + 1).arg(steps.at(step));
        if (!exports.at(i).promotion.isEmpty())
            text += QLatin1Char('\n') + exports.at(i).promotion + QLatin1Char('\n');
    }
    return text.toUtf8();
}

QString summaryOf(const QList<DatabaseCluster> &clusters, qsizetype files)
{
    qsizetype servers = 0;
    for (const DatabaseCluster &cluster : clusters)
        servers += cluster.servers.size();
    return QStringLiteral("%1 server%2 in %3 cluster%4, %5 files")
        .arg(servers)
        .arg(servers == 1 ? QString() : QStringLiteral("s"))
        .arg(clusters.size())
        .arg(clusters.size() == 1 ? QString() : QStringLiteral("s"))
        .arg(files);
}

} // namespace

const DatabaseServer *DatabaseCluster::sourceOf(const DatabaseServer &server) const
{
    for (const DatabaseServer &candidate : servers) {
        if (candidate.config.name == server.config.source)
            return &candidate;
    }
    return nullptr;
}

QList<const DatabaseServer *> DatabaseCluster::replicasOf(const DatabaseServer &server) const
{
    QList<const DatabaseServer *> replicas;
    for (const DatabaseServer &candidate : servers) {
        if (candidate.config.source == server.config.name)
            replicas.append(&candidate);
    }
    return replicas;
}

QString replicationPasswordPlaceholder()
{
    return QStringLiteral("CHANGE-ME-replication-password");
}

QString replicationAccount()
{
    return Engine::DemoSchema::replicationUser();
}

QString sqlString(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\"))
        .replace(QLatin1Char('\''), QStringLiteral("''"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}

QString connectingAddress(const QString &replicaAddress)
{
    const QHostAddress address(replicaAddress);
    if (address.protocol() == QAbstractSocket::IPv4Protocol && address.isLoopback())
        return QStringLiteral("127.0.0.1");
    return replicaAddress;
}

bool isWildcardAddress(const QString &address)
{
    const QHostAddress host(address);
    return host == QHostAddress::AnyIPv4 || host == QHostAddress::AnyIPv6
           || address == QLatin1String("*");
}

QString databaseEndpoint(const DatabaseServer &server)
{
    return hostPort(server.config.address, server.config.port);
}

QString fileList(const QStringList &names)
{
    if (names.size() <= 1)
        return names.value(0);
    return QStringLiteral("%1 and %2")
        .arg(names.mid(0, names.size() - 1).join(QStringLiteral(", ")), names.last());
}

QStringList clusterNotes(const DatabaseCluster &cluster, const ClusterNoteWords &words)
{
    QStringList notes;
    const DatabaseServer &root = cluster.root();
    if (root.isReplica())
        notes.append(words.replicaWithoutSource.arg(root.config.name, root.fileBase));
    if (root.config.replication == QLatin1String("semi-sync") && !cluster.semiSync)
        notes.append(words.semiSyncWithoutReplica.arg(root.config.name));
    if (root.config.autoFailover) {
        notes.append(QStringLiteral("%1's automatic failover is Run's own: on real machines a "
                                    "failover tool does it (%2)")
                         .arg(root.config.name, words.failoverTools));
    }
    for (const DatabaseServer &server : cluster.servers) {
        const DatabaseServer *source = cluster.sourceOf(server);
        if (source && cluster.semiSync && source != &root)
            notes.append(words.chainedReplica.arg(server.config.name, source->config.name,
                                                  root.config.name));
        if (source && isWildcardAddress(source->config.address)) {
            notes.append(words.wildcardSource.arg(source->config.name, source->config.address,
                                                  server.config.name, server.fileBase));
        }
    }
    return notes;
}

ConfigExport exportDatabases(const Topology &topology, const Engine::EngineConfig &config,
                             const ExportOptions &options)
{
    ConfigExport result;
    const QString origin
        = options.source.isEmpty() ? QStringLiteral("an untitled drawing") : options.source;
    QStringList redis, others;
    for (const Node &node : topology.nodes()) {
        if (node.kind != NodeKind::Database)
            others.append(node.name);
        else if (node.stringProperty(QStringLiteral("engine")) == QLatin1String("redis"))
            redis.append(node.name);
    }
    const QList<DatabaseCluster> clusters = clustersOf(topology, config.databases);
    if (clusters.isEmpty()) {
        result.error
            = redis.isEmpty()
                  ? QStringLiteral(
                      "The drawing has no database, so there is nothing to export as MariaDB or "
                      "PostgreSQL: draw a database first")
                  : QStringLiteral(
                        "The drawing's only databases are Redis (%1), which this export does not "
                        "write: it writes MariaDB and PostgreSQL servers")
                        .arg(someNames(redis));
        return result;
    }
    if (!redis.isEmpty()) {
        result.warnings.append(
            QStringLiteral(
                "%1 %2 Redis, which this export does not write: nothing is written for %3")
                .arg(someNames(redis),
                     redis.size() == 1 ? QStringLiteral("is") : QStringLiteral("are"),
                     redis.size() == 1 ? QStringLiteral("it") : QStringLiteral("them")));
    }
    if (!others.isEmpty()) {
        result.warnings.append(
            QStringLiteral(
                "Only databases are written: %1 %2 not databases (load balancers export as "
                "HAProxy, keepalived or nginx)")
                .arg(someNames(others),
                     others.size() == 1 ? QStringLiteral("is") : QStringLiteral("are")));
    }
    QList<DatabaseClusterExport> exports;
    QStringList secretFiles;
    for (const DatabaseCluster &cluster : clusters) {
        DatabaseClusterExport exported = cluster.engine() == QLatin1String("postgresql")
                                             ? exportPostgresqlCluster(cluster, origin)
                                             : exportMariadbCluster(cluster, origin);
        for (const ExportedFile &file : std::as_const(exported.files)) {
            if (file.text.contains(replicationPasswordPlaceholder().toLatin1()))
                secretFiles.append(file.name);
        }
        result.files += exported.files;
        result.warnings += exported.notes;
        exports.append(exported);
    }
    if (!secretFiles.isEmpty()) {
        result.warnings.append(
            QStringLiteral(
                "The replication password is a placeholder, %1: put a password of your own "
                "in its place in %2 before using them")
                .arg(replicationPasswordPlaceholder(), fileList(secretFiles)));
    }
    result.files.append({kReadmeName, readmeText(origin, clusters, exports, secretFiles)});
    result.summary = summaryOf(clusters, result.files.size());
    return result;
}

} // namespace Loadstar::Haproxy
