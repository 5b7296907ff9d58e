#include "DatabaseExport.h"

#include <QHostAddress>

namespace Loadstar::Haproxy {

namespace {

// WAL senders for standbys and base backups, and the WAL a primary keeps
// for a standby that falls behind or restarts (no replication slots: a
// standby gone for good never fills the primary's disk).
constexpr int kWalSenders = 10;
const QString kWalKeep = QStringLiteral("1GB");

// 'text' as a postgresql.conf string.
QString confString(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\''), QStringLiteral("''"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}

QString roleText(const DatabaseCluster &cluster, const DatabaseServer &server)
{
    const DatabaseServer *source = cluster.sourceOf(server);
    const QString standby
        = server.config.standby ? QStringLiteral(" (kept ready for promotion)") : QString();
    if (source)
        return QStringLiteral("a PostgreSQL 15 standby%1 of %2 (%3)")
            .arg(standby, source->config.name, databaseEndpoint(*source));
    if (server.isReplica())
        return QStringLiteral("a PostgreSQL 15 replica%1 with no source drawn").arg(standby);
    return QStringLiteral("the PostgreSQL 15 primary of its cluster");
}

QString primaryConninfo(const DatabaseServer &source, const DatabaseServer &server)
{
    return QStringLiteral("host=%1 port=%2 user=%3 password=%4 application_name=%5")
        .arg(source.config.address, QString::number(source.config.port), replicationAccount(),
             replicationPasswordPlaceholder(), server.config.name);
}

QString settingsFile(const DatabaseCluster &cluster, const DatabaseServer &server,
                     const QString &origin)
{
    const Engine::DatabaseConfig &config = server.config;
    QString text
        = QStringLiteral(
              "# %1: %2, written by Loadstar from %3.\n"
              "# On %1's machine (%4), put it in /etc/postgresql/15/main/conf.d/ (Debian) or\n"
              "# include it at the end of postgresql.conf, and restart PostgreSQL.\n"
              "listen_addresses = %5\n"
              "port = %6\n"
              "\n"
              "# Streaming replication, on every server, so any of them can feed standbys once\n"
              "# promoted; WAL is kept a while for a standby that falls behind\n"
              "wal_level = replica\n"
              "max_wal_senders = %7\n"
              "wal_keep_size = %8\n"
              "hot_standby = on\n")
              .arg(config.name, roleText(cluster, server), origin, config.address,
                   confString(config.address), QString::number(config.port),
                   QString::number(kWalSenders), kWalKeep);
    if (cluster.semiSync && &server == &cluster.root()) {
        QStringList names;
        for (const DatabaseServer *replica : cluster.replicasOf(server))
            names.append(QStringLiteral("\"%1\"").arg(replica->config.name));
        text
            += QStringLiteral(
                   "\n# Synchronous replication: a commit returns once a standby has flushed it. "
                   "With\n"
                   "# every standby down, commits wait: empty synchronous_standby_names to go on.\n"
                   "synchronous_standby_names = %1\n"
                   "synchronous_commit = on\n")
                   .arg(confString(
                       QStringLiteral("ANY 1 (%1)").arg(names.join(QStringLiteral(", ")))));
    }
    if (const DatabaseServer *source = cluster.sourceOf(server)) {
        text += QStringLiteral(
                    "\n# Where it streams from, named %1 there (standby.signal, made by %2.sh,\n"
                    "# makes it a standby)\n"
                    "# !! %3 is a placeholder: put the password of %4.sql in its place.\n"
                    "primary_conninfo = %5\n")
                    .arg(config.name, server.fileBase, replicationPasswordPlaceholder(),
                         cluster.root().fileBase, confString(primaryConninfo(*source, server)));
    }
    return text;
}

// "127.0.0.1/32"; a host name as it is; every address for a wildcard.
QString hbaAddress(const QString &address)
{
    if (isWildcardAddress(address))
        return QStringLiteral("all");
    const QHostAddress host(address);
    if (host.isNull())
        return address;
    return QStringLiteral("%1/%2").arg(
        host.toString(), host.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("128")
                                                                          : QStringLiteral("32"));
}

QString hbaFile(const DatabaseCluster &cluster, const DatabaseServer &server, const QString &origin)
{
    QString text
        = QStringLiteral("# %1: the standbys that stream from it, written by Loadstar from %2.\n"
                         "# Add these lines to %1's pg_hba.conf (Debian: "
                         "/etc/postgresql/15/main/pg_hba.conf)\n"
                         "# and reload PostgreSQL.\n"
                         "# TYPE  DATABASE     USER           ADDRESS          METHOD\n")
              .arg(server.config.name, origin);
    QStringList addresses;
    for (const DatabaseServer *replica : cluster.replicasOf(server)) {
        const QString address = hbaAddress(connectingAddress(replica->config.address));
        if (addresses.contains(address))
            continue;
        addresses.append(address);
        text += QStringLiteral("host    replication  %1  %2  scram-sha-256\n")
                    .arg(replicationAccount(), address.leftJustified(15));
    }
    return text;
}

QString primarySql(const DatabaseCluster &cluster, const QStringList &standbyFiles,
                   const QString &origin)
{
    const DatabaseServer &root = cluster.root();
    QString text
        = QStringLiteral(
              "-- %1: the role its standbys stream as, written by Loadstar from %2.\n"
              "-- Run it once on %1 as the postgres user, before making a standby: psql -f %3.sql\n"
              "-- !! %4 is a placeholder: put a password of your own in its place,\n"
              "-- !! the same here and in %5.\n")
              .arg(root.config.name, origin, root.fileBase, replicationPasswordPlaceholder(),
                   fileList(standbyFiles));
    if (cluster.semiSync) {
        text += QStringLiteral(
            "-- No standby streams yet to wait for: this commit does not wait for one\n"
            "SET synchronous_commit = local;\n");
    }
    return text
           + QStringLiteral("CREATE ROLE %1 WITH REPLICATION LOGIN PASSWORD %2;\n")
                 .arg(replicationAccount(), sqlString(replicationPasswordPlaceholder()));
}

QString standbyScript(const DatabaseCluster &cluster, const DatabaseServer &server,
                      const QString &origin)
{
    const DatabaseServer &source = *cluster.sourceOf(server);
    const DatabaseServer &root = cluster.root();
    const QString after = &source == &root
                              ? QStringLiteral("%1 runs with %2.conf, %2.pg_hba.conf and %2.sql")
                                    .arg(root.config.name, root.fileBase)
                              : QStringLiteral("%1 streams and takes %2.pg_hba.conf")
                                    .arg(source.config.name, source.fileBase);
    return QStringLiteral(
               "#!/bin/sh\n"
               "# %1: made a streaming standby of %2 (%3) from a base backup,\n"
               "# written by Loadstar from %4.\n"
               "# Run it on %1's machine as the postgres user, with PostgreSQL stopped there and\n"
               "# PGDATA naming its data directory, empty (Debian: /var/lib/postgresql/15/main),\n"
               "# once %5.\n"
               "# Then start PostgreSQL with %6.conf included.\n"
               "set -eu\n"
               ": \"${PGDATA:?set PGDATA to %1's data directory}\"\n"
               "# !! %7 is a placeholder: put the password of %8.sql in its place.\n"
               "PGPASSWORD=%9\n"
               "export PGPASSWORD\n")
               .arg(server.config.name, source.config.name, databaseEndpoint(source), origin, after,
                    server.fileBase, replicationPasswordPlaceholder(), root.fileBase,
                    confString(replicationPasswordPlaceholder()))
           + QStringLiteral(
                 "pg_basebackup --host=%1 --port=%2 --username=%3 \\\n"
                 "    --pgdata=\"$PGDATA\" --wal-method=stream --checkpoint=fast\n"
                 "# A standby; %4.conf says where it streams from (not pg_basebackup -R, which\n"
                 "# would leave out the name %5 is waited for by)\n"
                 "touch \"$PGDATA/standby.signal\"\n")
                 .arg(source.config.address, QString::number(source.config.port),
                      replicationAccount(), server.fileBase, server.config.name);
}

// A standby listening on every address is let in from any.
void addWildcardStandbyNotes(const DatabaseCluster &cluster, QStringList &notes)
{
    for (const DatabaseServer &server : cluster.servers) {
        const DatabaseServer *source = cluster.sourceOf(server);
        if (source && isWildcardAddress(server.config.address)) {
            notes.append(
                QStringLiteral("%1 listens on every address (%2), so %3.pg_hba.conf lets the "
                               "replication role in from any address: narrow it to %1's "
                               "address")
                    .arg(server.config.name, server.config.address, source->fileBase));
        }
    }
}

} // namespace

DatabaseClusterExport exportPostgresqlCluster(const DatabaseCluster &cluster, const QString &origin)
{
    DatabaseClusterExport result;
    const DatabaseServer &root = cluster.root();
    QStringList standbyFiles;
    for (const DatabaseServer &server : cluster.servers) {
        if (cluster.sourceOf(server))
            standbyFiles << server.fileBase + QStringLiteral(".conf")
                         << server.fileBase + QStringLiteral(".sh");
    }
    for (const DatabaseServer &server : cluster.servers) {
        const DatabaseServer *source = cluster.sourceOf(server);
        result.files.append({server.fileBase + QStringLiteral(".conf"),
                             settingsFile(cluster, server, origin).toUtf8(), source != nullptr});
        const bool feeds = !cluster.replicasOf(server).isEmpty();
        if (feeds)
            result.files.append({server.fileBase + QStringLiteral(".pg_hba.conf"),
                                 hbaFile(cluster, server, origin).toUtf8()});
        QString step
            = QStringLiteral("**%1** (%2): ").arg(server.config.name, databaseEndpoint(server));
        if (source) {
            result.files.append({server.fileBase + QStringLiteral(".sh"),
                                 standbyScript(cluster, server, origin).toUtf8(), true, true});
            step += QStringLiteral("with PostgreSQL stopped and its data directory empty, run "
                                   "%1.sh as postgres "
                                   "(a base backup of %2); include %1.conf")
                        .arg(server.fileBase, source->config.name);
        } else {
            step += QStringLiteral("include %1.conf").arg(server.fileBase);
        }
        if (feeds)
            step += QStringLiteral(", add %1.pg_hba.conf to pg_hba.conf").arg(server.fileBase);
        step += source ? QStringLiteral(" and start PostgreSQL")
                       : QStringLiteral(" and restart PostgreSQL");
        if (&server == &root && !standbyFiles.isEmpty()) {
            result.files.append({root.fileBase + QStringLiteral(".sql"),
                                 primarySql(cluster, standbyFiles, origin).toUtf8(), true});
            step += QStringLiteral(", then run %1.sql as postgres").arg(root.fileBase);
        }
        result.steps.append(step + QLatin1Char('.'));
    }
    if (!standbyFiles.isEmpty()) {
        result.promotion = QStringLiteral(
            "To promote a standby when its primary is lost: on it, `SELECT pg_promote();`; point\n"
            "the other standbys' primary_conninfo at it and reload them. Keep the old primary "
            "from\n"
            "taking writes again: leave it stopped, or make it a standby of the new one "
            "(pg_rewind).");
    }
    result.notes += clusterNotes(
        cluster,
        {QStringLiteral("%1 is a replica, but no replication link reaches it: %2.conf is written "
                        "for a server of its own, with no primary_conninfo; draw the link from its "
                        "source"),
         QStringLiteral("%1 asks for semi-sync replication but has no standby to wait for: written "
                        "without synchronous_standby_names"),
         QStringLiteral("Patroni or repmgr"),
         QStringLiteral("%1 streams from %2, itself a standby: only %3's own standbys can be "
                        "synchronous, so %1 follows asynchronously"),
         QStringLiteral(
             "%1 listens on every address (%2): put the address %3 reaches it on as host "
             "in %4.conf and %4.sh")});
    addWildcardStandbyNotes(cluster, result.notes);
    return result;
}

} // namespace Loadstar::Haproxy
