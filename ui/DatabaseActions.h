#pragma once

#include "diagram/LiveState.h"
#include "engine/database/DatabaseServerStatus.h"

#include <QMetaType>
#include <QObject>
#include <QPointer>

class QMenu;
class QWidget;

namespace Loadstar::Ui {

class UserPrompts;

// What the user asks of a running demo database from its card's menu: one
// part of its faults set or taken off, or its promotion to primary.
struct DatabaseActionRequest
{
    enum class Kind {
        SetKilled,             // SIGKILL of the server process / revive it
        SetHung,               // SIGSTOP / SIGCONT
        SetReplicationStopped, // STOP SLAVE / START SLAVE, pause / resume WAL replay
        SetReplicationDelay,   // MASTER_DELAY / recovery_min_apply_delay, in seconds
        Promote,               // make this replica the primary of its cluster
    };
    Kind kind = Kind::Promote;
    int value = 0; // 1 sets the fault, 0 takes it off; the delay's seconds

    // `current` with this request's part changed, the others kept (a Kill
    // keeps the replication delay added before). Promote changes nothing.
    Engine::DatabaseFault applied(Engine::DatabaseFault current) const;

    bool operator==(const DatabaseActionRequest &) const = default;
};

// The runtime entries of a running demo database's context menu: Kill or
// Revive, Hang or Resume, and on a replica Stop or Start Replication,
// Replication Delay… and Promote to Primary. Runtime state, not an edit of
// the drawing: nothing goes on the undo stack. A request names only the part
// it changes; whoever carries it out applies it to the database's faults as
// they stand then, so two requests in quick succession never undo each
// other. Lives on the GUI thread.
class DatabaseActions final : public QObject
{
    Q_OBJECT

public:
    static constexpr int MaximumDelaySeconds = 3600;

    // `prompts` asks for the replication delay, over `dialogParent`.
    DatabaseActions(UserPrompts *prompts, QWidget *dialogParent, QObject *parent = nullptr);

    // Puts the entries for `node` at the top of `menu`; nothing unless
    // `state` says it is a demo database of the running document.
    void addTo(QMenu *menu, const QString &node, const NodeLiveState &state);

signals:
    void actionRequested(const QString &node, const Loadstar::Ui::DatabaseActionRequest &request);

private:
    void askDelay(const QString &node, int current);

    UserPrompts *m_prompts;
    QPointer<QWidget> m_dialogParent;
};

} // namespace Loadstar::Ui

Q_DECLARE_METATYPE(Loadstar::Ui::DatabaseActionRequest)
