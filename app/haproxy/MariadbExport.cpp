#include "DatabaseExport.h"

namespace Loadstar::Haproxy {

namespace {

// A primary waits this long for a replica's acknowledgement, then commits
// asynchronously (MariaDB's default, said out loud).
constexpr int kSemiSyncTimeoutMs = 10000;

QString roleText(const DatabaseCluster &cluster, const DatabaseServer &server)
{
    const DatabaseServer *source = cluster.sourceOf(server);
    const QString standby = server.config.standby
                                ? QStringLiteral(" (standby: kept ready for promotion)")
                                : QString();
    if (source)
        return QStringLiteral("a MariaDB replica%1 of %2 (%3)")
            .arg(standby, source->config.name, databaseEndpoint(*source));
    if (server.isReplica())
        return QStringLiteral("a MariaDB replica%1 with no source drawn").arg(standby);
    return QStringLiteral("the MariaDB primary of its cluster");
}

QString optionFile(const DatabaseCluster &cluster, const DatabaseServer &server,
                   const QString &origin)
{
    const Engine::DatabaseConfig &config = server.config;
    QString text
        = QStringLiteral(
              "# %1: %2, written by Loadstar from %3.\n"
              "# On %1's machine (%4), put it in /etc/mysql/mariadb.conf.d/ as 60-%5.cnf\n"
              "# and restart MariaDB. Check it with: mariadbd --defaults-file=%5.cnf --help "
              "--verbose\n"
              "[mariadbd]\n"
              "# Unique among the servers that replicate together\n"
              "server_id = %6\n"
              "bind_address = %4\n"
              "port = %7\n"
              "\n"
              "# The binary log replicas read, with global transaction ids (GTID), kept on every\n"
              "# server, so any of them can feed replicas once promoted\n"
              "log_bin = %5-bin\n"
              "log_slave_updates = ON\n"
              "binlog_format = ROW\n"
              "gtid_strict_mode = ON\n"
              "sync_binlog = 1\n"
              "relay_log = %5-relay-bin\n")
              .arg(config.name, roleText(cluster, server), origin, config.address, server.fileBase,
                   QString::number(server.serverId), QString::number(config.port));
    if (server.isReplica())
        text
            += QStringLiteral("\n# A replica takes writes from replication only\nread_only = ON\n");
    if (cluster.semiSync && &server == &cluster.root()) {
        text += QStringLiteral(
                    "\n# Semi-synchronous replication: a commit returns once a replica has it "
                    "(AFTER_SYNC),\n"
                    "# or after rpl_semi_sync_master_timeout ms without one, asynchronously then\n"
                    "rpl_semi_sync_master_enabled = ON\n"
                    "rpl_semi_sync_master_wait_point = AFTER_SYNC\n"
                    "rpl_semi_sync_master_timeout = %1\n")
                    .arg(kSemiSyncTimeoutMs);
    } else if (cluster.semiSync && cluster.sourceOf(server) == &cluster.root()) {
        text
            += QStringLiteral(
                   "\n# Semi-synchronous replication: it tells %1 as soon as it has a transaction\n"
                   "rpl_semi_sync_slave_enabled = ON\n")
                   .arg(cluster.root().config.name);
    }
    return text;
}

// The account's hosts: every replica's address, or any host for a replica
// listening on every address.
QStringList accountHosts(const DatabaseCluster &cluster, QStringList &notes)
{
    QStringList hosts;
    for (const DatabaseServer &server : cluster.servers) {
        if (!cluster.sourceOf(server))
            continue;
        QString host = connectingAddress(server.config.address);
        if (isWildcardAddress(host)) {
            host = QStringLiteral("%");
            notes.append(
                QStringLiteral(
                    "%1 listens on every address (%2), so the replication account may log in from "
                    "any host ('%'): narrow it to %1's address in %3.sql")
                    .arg(server.config.name, server.config.address, cluster.root().fileBase));
        }
        if (!hosts.contains(host))
            hosts.append(host);
    }
    return hosts;
}

QString primarySql(const DatabaseCluster &cluster, const QStringList &hosts,
                   const QStringList &replicaFiles, const QString &origin)
{
    const DatabaseServer &root = cluster.root();
    QString text
        = QStringLiteral(
              "-- %1: the account its replicas log in with, written by Loadstar from %2.\n"
              "-- Run it once on %1, as root, before any replica's SQL: mariadb < %3.sql\n"
              "-- It replicates to every replica with the rest, so a promoted one has it too.\n"
              "-- !! %4 is a placeholder: put a password of your own in its place,\n"
              "-- !! the same here and in %5.\n")
              .arg(root.config.name, origin, root.fileBase, replicationPasswordPlaceholder(),
                   fileList(replicaFiles));
    // No replica is connected yet: a semi-sync primary would wait its
    // timeout for an acknowledgement nobody sends.
    if (cluster.semiSync) {
        text += QStringLiteral("-- No replica is connected yet to acknowledge these: semi-sync "
                               "waits for none meanwhile\n"
                               "SET GLOBAL rpl_semi_sync_master_enabled = OFF;\n");
    }
    const QString user = sqlString(replicationAccount());
    for (const QString &host : hosts) {
        text += QStringLiteral("CREATE USER %1@%2 IDENTIFIED BY %3;\n"
                               "GRANT REPLICATION SLAVE ON *.* TO %1@%2;\n")
                    .arg(user, sqlString(host), sqlString(replicationPasswordPlaceholder()));
    }
    if (cluster.semiSync)
        text += QStringLiteral("SET GLOBAL rpl_semi_sync_master_enabled = ON;\n");
    return text;
}

QString replicaSql(const DatabaseCluster &cluster, const DatabaseServer &server,
                   const QString &origin)
{
    const DatabaseServer &source = *cluster.sourceOf(server);
    const DatabaseServer &root = cluster.root();
    const QString after
        = &source == &root
              ? QStringLiteral("%1.sql has run on %2").arg(root.fileBase, root.config.name)
              : QStringLiteral("%1 replicates").arg(source.config.name);
    return QStringLiteral(
               "-- %1: starts replicating from %2, written by Loadstar from %3.\n"
               "-- Run it once on %1, as root, once %4: mariadb < %5.sql\n"
               "-- A fresh replica replays %2's whole binary log; one restored from a backup of\n"
               "-- %2 first sets gtid_slave_pos to the backup's position.\n"
               "-- !! %6 is a placeholder: put the password of %7.sql in its place.\n"
               "CHANGE MASTER TO\n"
               "    MASTER_HOST = %8,\n"
               "    MASTER_PORT = %9,\n")
               .arg(server.config.name, source.config.name, origin, after, server.fileBase,
                    replicationPasswordPlaceholder(), root.fileBase,
                    sqlString(source.config.address), QString::number(source.config.port))
           + QStringLiteral("    MASTER_USER = %1,\n"
                            "    MASTER_PASSWORD = %2,\n"
                            "    MASTER_USE_GTID = slave_pos;\n"
                            "START SLAVE;\n")
                 .arg(sqlString(replicationAccount()), sqlString(replicationPasswordPlaceholder()));
}

} // namespace

DatabaseClusterExport exportMariadbCluster(const DatabaseCluster &cluster, const QString &origin)
{
    DatabaseClusterExport result;
    const DatabaseServer &root = cluster.root();
    QStringList replicaFiles;
    for (const DatabaseServer &server : cluster.servers) {
        if (cluster.sourceOf(server))
            replicaFiles.append(server.fileBase + QStringLiteral(".sql"));
    }
    for (const DatabaseServer &server : cluster.servers) {
        result.files.append({server.fileBase + QStringLiteral(".cnf"),
                             optionFile(cluster, server, origin).toUtf8()});
        QString step = QStringLiteral("**%1** (%2): install %3.cnf and restart MariaDB")
                           .arg(server.config.name, databaseEndpoint(server), server.fileBase);
        if (&server == &root && !replicaFiles.isEmpty()) {
            const QString sql
                = primarySql(cluster, accountHosts(cluster, result.notes), replicaFiles, origin);
            result.files.append({root.fileBase + QStringLiteral(".sql"), sql.toUtf8(), true});
            step += QStringLiteral(", then run %1.sql as root").arg(root.fileBase);
        } else if (const DatabaseServer *source = cluster.sourceOf(server)) {
            result.files.append({server.fileBase + QStringLiteral(".sql"),
                                 replicaSql(cluster, server, origin).toUtf8(), true});
            step += QStringLiteral(", then run %1.sql as root: it replicates from %2")
                        .arg(server.fileBase, source->config.name);
        }
        result.steps.append(step + QLatin1Char('.'));
    }
    if (!replicaFiles.isEmpty()) {
        result.promotion = QStringLiteral(
            "To promote a replica when its primary is lost: on it, `STOP SLAVE; RESET SLAVE ALL;\n"
            "SET GLOBAL read_only = OFF;` (and remove read_only from its option file); on each\n"
            "other replica, `STOP SLAVE; CHANGE MASTER TO MASTER_HOST = '…', MASTER_PORT = …;\n"
            "START SLAVE;`. Keep the old primary from taking writes again: `read_only = ON`.");
    }
    result.notes += clusterNotes(
        cluster,
        {QStringLiteral(
             "%1 is a replica, but no replication link reaches it: %2.cnf says read_only "
             "and no replication SQL is written; draw the link from its source"),
         QStringLiteral("%1 asks for semi-sync replication but has no replica to wait for: written "
                        "without it"),
         QStringLiteral("MaxScale, orchestrator or MHA"),
         QStringLiteral("%1 replicates from %2, itself a replica: semi-sync covers %3's own "
                        "replicas, so %1 follows asynchronously"),
         QStringLiteral("%1 listens on every address (%2): put the address %3 reaches it on as "
                        "MASTER_HOST in %4.sql")});
    return result;
}

} // namespace Loadstar::Haproxy
