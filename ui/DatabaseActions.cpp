#include "DatabaseActions.h"

#include "ContextMenus.h"
#include "UserPrompts.h"

#include <QAction>
#include <QMenu>

namespace Loadstar::Ui {

Engine::DatabaseFault DatabaseActionRequest::applied(Engine::DatabaseFault current) const
{
    switch (kind) {
    case Kind::SetKilled:
        current.killed = value != 0;
        break;
    case Kind::SetHung:
        current.hung = value != 0;
        break;
    case Kind::SetReplicationStopped:
        current.replicationStopped = value != 0;
        break;
    case Kind::SetReplicationDelay:
        current.replicationDelaySeconds = std::max(value, 0);
        break;
    case Kind::Promote:
        break;
    }
    return current;
}

DatabaseActions::DatabaseActions(UserPrompts *prompts, QWidget *dialogParent, QObject *parent)
    : QObject(parent)
    , m_prompts(prompts)
    , m_dialogParent(dialogParent)
{
}

void DatabaseActions::addTo(QMenu *menu, const QString &node, const NodeLiveState &state)
{
    const DatabaseLiveState &database = state.database;
    if (!state.running || !database.demo)
        return;
    using Kind = DatabaseActionRequest::Kind;
    const auto request = [this, node](Kind kind) {
        return [this, node, kind](bool on) {
            emit actionRequested(node, {kind, on ? 1 : 0});
        };
    };
    const Engine::DatabaseFault &fault = database.fault;
    MenuSection section(menu, this);
    section.addToggle(fault.killed, {QStringLiteral("actionKill"), tr("Kill (SIGKILL)")},
                      {QStringLiteral("actionRevive"), tr("Revive")}, request(Kind::SetKilled));
    section.addToggle(fault.hung, {QStringLiteral("actionHang"), tr("Hang (SIGSTOP)")},
                      {QStringLiteral("actionResume"), tr("Resume")}, request(Kind::SetHung));

    // Replication and promotion are a replica's (a fenced old primary never
    // takes writes again, so it is not offered either).
    const bool replica
        = database.role == QLatin1String("replica")
          || (database.role.isEmpty() && database.replication != ReplicationState::None);
    if (replica) {
        section.addToggle(fault.replicationStopped,
                          {QStringLiteral("actionStopReplication"), tr("Stop Replication")},
                          {QStringLiteral("actionStartReplication"), tr("Start Replication")},
                          request(Kind::SetReplicationStopped));
        const int delay = fault.replicationDelaySeconds;
        section.add(QStringLiteral("actionReplicationDelay"),
                    delay > 0 ? tr("Replication Delay (%1 s)…").arg(delay)
                              : tr("Add Replication Delay…"),
                    [this, node, delay] { askDelay(node, delay); });
        section.add(QStringLiteral("actionPromote"), tr("Promote to Primary"), [this, node] {
            emit actionRequested(node, {Kind::Promote, 0});
        });
    }
    section.insertAtTop(tr("Database %1").arg(node));
}

void DatabaseActions::askDelay(const QString &node, int current)
{
    const std::optional<int> seconds = m_prompts->askInteger(
        m_dialogParent,
        {tr("Replication Delay"),
         tr("How far behind its primary %1 applies changes, on purpose (0 removes the delay):")
             .arg(node),
         current > 0 ? current : 30, 0, MaximumDelaySeconds, tr("s")});
    if (!seconds)
        return;
    emit actionRequested(node, {DatabaseActionRequest::Kind::SetReplicationDelay, *seconds});
}

} // namespace Loadstar::Ui
