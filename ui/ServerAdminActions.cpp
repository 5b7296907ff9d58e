#include "ServerAdminActions.h"

#include "ContextMenus.h"
#include "UserPrompts.h"

#include <QAction>
#include <QActionGroup>
#include <QMenu>

namespace Loadstar::Ui {

ServerAdminActions::ServerAdminActions(UserPrompts *prompts, QWidget *dialogParent, QObject *parent)
    : QObject(parent)
    , m_prompts(prompts)
    , m_dialogParent(dialogParent)
{
}

void ServerAdminActions::addTo(QMenu *menu, const QString &node, const NodeLiveState &state)
{
    if (!state.running || !state.balanced)
        return;
    using State = ServerAdminRequest::State;
    QList<QAction *> entries;
    // The three states are one choice: the current one is checked.
    auto *group = new QActionGroup(menu);
    const auto addState = [&](const char *objectName, const QString &text, State target, bool current) {
        auto *action = new QAction(text, menu);
        action->setObjectName(QLatin1String(objectName));
        action->setCheckable(true);
        action->setChecked(current);
        group->addAction(action);
        connect(action, &QAction::triggered, this, [this, node, target] {
            ServerAdminRequest request;
            request.state = target;
            emit adminRequested(node, request);
        });
        entries.append(action);
    };
    addState("actionReady", tr("Ready"), State::Ready, state.admin.isEmpty());
    addState("actionDrain", tr("Drain"), State::Drain, state.admin == QLatin1String("DRAIN"));
    addState("actionMaint", tr("Maintenance"), State::Maint, state.admin == QLatin1String("MAINT"));

    auto *weight = new QAction(state.weight >= 0 ? tr("Weight (%1)…").arg(state.weight) : tr("Weight…"), menu);
    weight->setObjectName(QStringLiteral("actionWeight"));
    connect(weight, &QAction::triggered, this, [this, node, current = state.weight] {
        const std::optional<int> value = m_prompts->askInteger(
            m_dialogParent, {tr("Server Weight"),
                             tr("Share of new traffic %1 takes, relative to the other servers (0 takes none):").arg(node),
                             current >= 0 ? current : 1, 0, 256, QString()});
        if (!value)
            return;
        ServerAdminRequest request;
        request.weight = *value;
        emit adminRequested(node, request);
    });
    entries.append(weight);

    // A real HAProxy without a stats socket can only be watched: the entries
    // stay, disabled, and say why.
    if (!state.adminUnavailable.isEmpty()) {
        for (QAction *entry : std::as_const(entries)) {
            entry->setEnabled(false);
            entry->setToolTip(state.adminUnavailable);
        }
        menu->setToolTipsVisible(true);
    }
    insertSectionAtTop(menu, entries, tr("Server %1").arg(node));
}

} // namespace Loadstar::Ui
