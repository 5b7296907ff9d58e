#pragma once

#include "diagram/LiveState.h"

#include <QObject>
#include <QPointer>

#include <optional>

class QMenu;
class QWidget;

namespace Loadstar::Ui {

class UserPrompts;

// What the user asks of a running server behind a load balancer, as with
// HAProxy's "set server": an administrative state or a weight.
struct ServerAdminRequest
{
    enum class State { Ready, Drain, Maint };
    std::optional<State> state;
    std::optional<int> weight; // 0–256

    bool operator==(const ServerAdminRequest &) const = default;
};

// The administrative entries of a running server's context menu: Ready,
// Drain (no new sessions, the current ones finish), Maintenance (out of
// rotation, health checks go on) and Weight…. Runtime state, not an edit of
// the drawing: nothing goes on the undo stack.
class ServerAdminActions final : public QObject
{
    Q_OBJECT

public:
    // `prompts` asks for the weight, over `dialogParent`.
    ServerAdminActions(UserPrompts *prompts, QWidget *dialogParent, QObject *parent = nullptr);

    // Puts the entries for `node` at the top of `menu`; nothing unless
    // `state` says it runs behind a load balancer.
    void addTo(QMenu *menu, const QString &node, const NodeLiveState &state);

signals:
    void adminRequested(const QString &node, const Loadstar::Ui::ServerAdminRequest &request);

private:
    UserPrompts *m_prompts;
    QPointer<QWidget> m_dialogParent;
};

} // namespace Loadstar::Ui

Q_DECLARE_METATYPE(Loadstar::Ui::ServerAdminRequest)
