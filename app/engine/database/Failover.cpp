// Promotion and automatic failover: the part of DatabaseServersCore that
// turns a replica into its cluster's primary and fences the old one.

#include "DatabaseServersCore.h"

namespace Loadstar::Engine::detail {

namespace {

using State = DatabaseServerStatus::State;

} // namespace

QString DatabaseServersCore::fence(DemoDatabase &old, QString *catchUpTo)
{
    // One that answers is made read-only (MariaDB) and tells what it wrote,
    // for the new primary to catch up to. PostgreSQL can't: it is killed,
    // and revived as a standby.
    if (old.isRunning() && !old.isHung()) {
        QString error;
        const std::unique_ptr<AdminSession> admin = old.admin(DemoDatabase::AdminTimeoutMs, &error);
        if (admin && admin->fence(catchUpTo).isEmpty()) {
            {
                std::lock_guard lock(m_mutex);
                m_cluster.setFenced(old.name());
            }
            old.noteReadOnly(true);
            old.setPlan(currentPlan(old));
            return QStringLiteral("read_only");
        }
    }
    const State state = old.status().state;
    if (state == State::Running || state == State::Starting) {
        old.kill();
        DatabaseFault fault = old.fault();
        fault.killed = true;
        fault.hung = false;
        old.setFault(fault);
    }
    {
        std::lock_guard lock(m_mutex);
        m_cluster.setFenced(old.name());
    }
    old.setPlan(currentPlan(old));
    return QStringLiteral("killed");
}

QString DatabaseServersCore::promote(const QString &replicaName, bool automatic)
{
    DemoDatabasePtr replica;
    DemoDatabasePtr old;
    QString cluster;
    QString oldName;
    QDateTime downAt;
    QStringList others;
    {
        std::lock_guard lock(m_mutex);
        if (!m_running)
            return QStringLiteral("The demo databases are not running: press Run first.");
        replica = serverLocked(replicaName);
        if (!replica || !replica->isDemo())
            return QStringLiteral("%1 is not a demo database Loadstar runs.").arg(replicaName);
        const DatabaseServerStatus status = statusLocked(*replica);
        if (status.state != State::Running)
            return QStringLiteral("%1 is not running: revive it before promoting it.")
                .arg(replicaName);
        if (status.role == QLatin1String("fenced"))
            return QStringLiteral("%1 is a fenced old primary: it may never take writes again.")
                .arg(replicaName);
        if (status.role == QLatin1String("primary"))
            return QStringLiteral("%1 is its cluster's primary already.").arg(replicaName);
        cluster = m_cluster.clusterOf(replicaName);
        if (!m_cluster.promoting(cluster).isEmpty())
            return QStringLiteral("%1 is being promoted: wait for it.")
                .arg(m_cluster.promoting(cluster));
        oldName = m_cluster.primary(cluster);
        old = oldName == replicaName ? nullptr : serverLocked(oldName);
        downAt = automatic ? m_cluster.downAt(oldName) : QDateTime();
        for (const QString &member : m_cluster.members(cluster)) {
            const DatabaseConfig *config = m_cluster.config(member);
            if (member != replicaName && member != oldName && !m_cluster.isFenced(member) && config
                && config->embedded && config->engine == replica->plan().config.engine) {
                others << member;
            }
        }
        m_cluster.setPromoting(cluster, replicaName);
    }
    const auto abandon = [&](const QString &why) {
        {
            std::lock_guard lock(m_mutex);
            m_cluster.setPromoting(cluster, {});
        }
        publishRouting();
        return why;
    };
    if (replica->isHung())
        return abandon(
            QStringLiteral("%1 is hung: resume it before promoting it.").arg(replicaName));
    publishRouting(); // no more writes to the old primary

    QString catchUpTo;
    const QString fencing = old && old->isDemo() ? fence(*old, &catchUpTo) : QString();

    ServerPlan plan = currentPlan(*replica);
    plan.readOnly = false;
    plan.source.reset();
    plan.syncStandbys = others;
    QString error;
    const std::unique_ptr<AdminSession> admin
        = replica->admin(DemoDatabase::AdminTimeoutMs, &error);
    if (admin)
        error = admin->promote(plan, catchUpTo);
    if (!admin || !error.isEmpty())
        return abandon(QStringLiteral("%1 could not be promoted: %2").arg(replicaName, error));
    const QDateTime promotedAt = QDateTime::currentDateTimeUtc();

    replica->noteReadOnly(false);
    DatabaseFault fault = replica->fault();
    fault.replicationStopped = false;
    fault.replicationDelaySeconds = 0;
    replica->setFault(fault);
    {
        std::lock_guard lock(m_mutex);
        m_cluster.setPrimary(cluster, replicaName);
        m_cluster.setPromoting(cluster, {});
        for (const QString &member : std::as_const(others))
            m_cluster.setSource(member, replicaName);
        m_cluster.recordPromotion(DatabasePromotion{cluster, oldName, replicaName, automatic,
                                                    downAt, promotedAt,
                                                    m_cluster.replication(cluster), fencing});
    }
    replica->setPlan(currentPlan(*replica));
    publishRouting(); // writes go to the new primary from here

    // The cluster's other replicas follow the new primary.
    for (const QString &member : std::as_const(others)) {
        const DemoDatabasePtr follower = server(member);
        if (!follower)
            continue;
        follower->setPlan(currentPlan(*follower));
        if (!follower->isRunning() || follower->isHung())
            continue; // a revive links it to the new primary
        link(*follower);
        if (follower->fault().replicationStopped)
            applyReplicationFault(*follower, follower->fault(), DatabaseFault{});
    }
    return {};
}

void DatabaseServersCore::failOver(const QString &primary)
{
    QString cluster;
    QStringList members;
    {
        std::lock_guard lock(m_mutex);
        cluster = m_cluster.clusterOf(primary);
        if (!m_running || m_cluster.healthUp(primary) || m_cluster.primary(cluster) != primary
            || !m_cluster.promoting(cluster).isEmpty())
            return; // UP again, or promoted meanwhile
        members = m_cluster.members(cluster);
    }
    QList<PromotionCandidate> candidates;
    for (const QString &member : std::as_const(members)) {
        const DemoDatabasePtr candidate = server(member);
        if (member == primary || !candidate || !candidate->isDemo() || !candidate->isRunning()
            || candidate->isHung())
            continue;
        bool replica;
        {
            std::lock_guard lock(m_mutex);
            replica = statusLocked(*candidate).role == QLatin1String("replica");
        }
        QString error;
        const std::unique_ptr<AdminSession> admin
            = replica ? candidate->admin(DemoDatabase::AdminTimeoutMs, &error) : nullptr;
        const std::optional<quint64> received = admin ? admin->receivedPosition() : std::nullopt;
        if (received)
            candidates << PromotionCandidate{member, *received, candidate->plan().config.standby};
    }
    std::optional<QString> chosen;
    {
        std::lock_guard lock(m_mutex);
        chosen = m_cluster.mostAdvanced(candidates);
    }
    if (chosen)
        promote(*chosen, true);
}

} // namespace Loadstar::Engine::detail
