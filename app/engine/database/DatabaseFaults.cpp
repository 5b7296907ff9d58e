// Faults on demo databases, as runtime actions from a card's menu: the part
// of DatabaseServersCore that kills, hangs and revives servers and stops or
// delays their replication.

#include "DatabaseServersCore.h"

namespace Loadstar::Engine::detail {

namespace {

using State = DatabaseServerStatus::State;

} // namespace

QString DatabaseServersCore::revive(DemoDatabase &server)
{
    const ServerPlan plan = currentPlan(server);
    server.setPlan(plan);
    QString error = server.engine()->prepare(plan);
    if (error.isEmpty())
        server.launch(&error);
    if (!error.isEmpty())
        return QStringLiteral("%1 can't start again: %2").arg(plan.config.name, error);
    if (!server.waitUntilRunning(m_options.startTimeoutMs)) {
        const DatabaseServerStatus status = server.status();
        return status.message.isEmpty()
                   ? QStringLiteral("%1 did not accept connections within %2 s.")
                         .arg(plan.config.name)
                         .arg(m_options.startTimeoutMs / 1000)
                   : status.message;
    }
    // It replicates from its source now, which a promotion may have changed.
    if (plan.source)
        link(server);
    return {};
}

QString DatabaseServersCore::applyReplicationFault(DemoDatabase &server,
                                                   const DatabaseFault &wanted,
                                                   const std::optional<DatabaseFault> &current)
{
    const bool delay
        = !current || current->replicationDelaySeconds != wanted.replicationDelaySeconds;
    const bool stopped = current ? current->replicationStopped != wanted.replicationStopped
                                 : wanted.replicationStopped;
    if (!delay && !stopped)
        return {};
    QString error;
    const std::unique_ptr<AdminSession> admin = server.admin(DemoDatabase::AdminTimeoutMs, &error);
    if (admin && delay)
        error = admin->setReplicationDelay(wanted.replicationDelaySeconds);
    if (admin && error.isEmpty() && stopped)
        error = admin->setReplicationStopped(wanted.replicationStopped);
    server.refresh();
    return error.isEmpty() ? QString()
                           : QStringLiteral("%1's replication could not be changed: %2")
                                 .arg(server.name(), error);
}

QString DatabaseServersCore::setFault(const QString &database, const DatabaseFault &wanted)
{
    DemoDatabasePtr target;
    DatabaseServerStatus status;
    bool replica = false;
    {
        std::lock_guard lock(m_mutex);
        if (!m_running)
            return QStringLiteral("The demo databases are not running: press Run first.");
        target = serverLocked(database);
        if (!target || !target->isDemo())
            return QStringLiteral("%1 is not a demo database Loadstar runs.").arg(database);
        status = statusLocked(*target);
        replica = !m_cluster.source(database).isEmpty() && !m_cluster.isFenced(database);
    }
    if (status.state == State::Failed)
        return status.message;
    DatabaseFault current = target->fault();
    const bool replicationChanges
        = wanted.replicationStopped != current.replicationStopped
          || wanted.replicationDelaySeconds != current.replicationDelaySeconds;
    if (replicationChanges && !replica
        && (wanted.replicationStopped || wanted.replicationDelaySeconds > 0))
        return QStringLiteral("%1 is not a replica: it has no replication to stop or delay.")
            .arg(database);

    if (wanted.killed) {
        if (status.state != State::Stopped)
            target->kill();
        target->setFault(wanted);
        publishRouting();
        return {};
    }
    std::optional<DatabaseFault> known = current;
    if (status.state == State::Stopped) {
        if (const QString error = revive(*target); !error.isEmpty()) {
            current.killed = true;
            target->setFault(current);
            return error;
        }
        known.reset(); // a fresh process: replication as its files say
        current = DatabaseFault{};
    }
    QString error;
    if (current.hung && !wanted.hung && !target->setHung(false))
        error = QStringLiteral("%1 is not running.").arg(database);
    if (error.isEmpty() && replica && (replicationChanges || !known)) {
        if (target->isHung())
            error = QStringLiteral("%1 is hung: resume it before changing its replication.")
                        .arg(database);
        else
            error = applyReplicationFault(*target, wanted, known);
    }
    if (error.isEmpty() && wanted.hung && !current.hung && !target->setHung(true))
        error = QStringLiteral("%1 is not running.").arg(database);
    DatabaseFault now = wanted;
    if (!error.isEmpty()) {
        now.hung = target->isHung();
        now.replicationStopped = current.replicationStopped;
        now.replicationDelaySeconds = current.replicationDelaySeconds;
    }
    target->setFault(now);
    publishRouting();
    return error;
}

} // namespace Loadstar::Engine::detail
