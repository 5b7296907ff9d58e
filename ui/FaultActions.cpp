#include "FaultActions.h"

#include "ContextMenus.h"
#include "UserPrompts.h"

#include <QAction>
#include <QMenu>

namespace Loadstar::Ui {

FaultActions::FaultActions(UserPrompts *prompts, QWidget *dialogParent, QObject *parent)
    : QObject(parent)
    , m_prompts(prompts)
    , m_dialogParent(dialogParent)
{
}

void FaultActions::addTo(QMenu *menu, const QString &node, const NodeLiveState &state)
{
    if (!state.running || !state.embedded)
        return;
    const DemoFaultRequest current = faults(node);
    MenuSection section(menu, this);
    section.addToggle(current.killed, {QStringLiteral("actionKill"), tr("Kill")},
                      {QStringLiteral("actionRevive"), tr("Revive")}, [this, node](bool killed) {
                          DemoFaultRequest next = faults(node);
                          next.killed = killed;
                          request(node, next);
                      });
    section.addToggle(current.hung, {QStringLiteral("actionHang"), tr("Hang")},
                      {QStringLiteral("actionResume"), tr("Resume")}, [this, node](bool hung) {
                          DemoFaultRequest next = faults(node);
                          next.hung = hung;
                          request(node, next);
                      });
    section.add(QStringLiteral("actionAddLatency"),
                current.latencyMs > 0 ? tr("Latency (+%1 ms)…").arg(current.latencyMs)
                                      : tr("Add Latency…"),
                [this, node] { askLatency(node); });
    section.add(QStringLiteral("actionErrorRate"),
                current.errorPercent > 0 ? tr("Error Rate (%1 %)…").arg(current.errorPercent)
                                         : tr("Error Rate…"),
                [this, node] { askErrorRate(node); });
    QAction *clear = section.add(QStringLiteral("actionClearFaults"), tr("Clear Faults"),
                                 [this, node] { request(node, DemoFaultRequest()); });
    clear->setEnabled(current.any());

    // Says whose faults these are.
    section.insertAtTop(tr("Inject Fault into %1").arg(node));
}

void FaultActions::request(const QString &node, const DemoFaultRequest &faults)
{
    m_faults.insert(node, faults);
    emit faultRequested(node, faults);
}

void FaultActions::askLatency(const QString &node)
{
    DemoFaultRequest next = faults(node);
    const std::optional<int> latency = m_prompts->askInteger(
        m_dialogParent,
        {tr("Add Latency"),
         tr("Delay before each response of %1 (0 removes it):").arg(node),
         next.latencyMs > 0 ? next.latencyMs : 200, 0, MaximumLatencyMs, tr("ms")});
    if (!latency)
        return;
    next.latencyMs = *latency;
    request(node, next);
}

void FaultActions::askErrorRate(const QString &node)
{
    DemoFaultRequest next = faults(node);
    const std::optional<int> percent = m_prompts->askInteger(
        m_dialogParent,
        {tr("Error Rate"),
         tr("Share of requests %1 answers with a server error (5xx):").arg(node),
         next.errorPercent > 0 ? next.errorPercent : 25, 0, 100, tr("%")});
    if (!percent)
        return;
    next.errorPercent = *percent;
    request(node, next);
}

} // namespace Loadstar::Ui
