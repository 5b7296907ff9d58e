#pragma once

#include "diagram/LiveState.h"

#include <QHash>
#include <QObject>
#include <QPointer>

class QMenu;
class QWidget;

namespace Loadstar::Ui {

class UserPrompts;

// Fault injection into an embedded demo backend, from its card's context
// menu while the document runs: kill or revive it, hang or resume it, add
// latency, make a share of requests fail. It is runtime state, not an edit:
// nothing goes on the undo stack. Each request carries the node's whole set
// of faults, starting from the last set asked for, so "Kill" keeps the
// latency added before.
class FaultActions final : public QObject
{
    Q_OBJECT

public:
    static constexpr int MaximumLatencyMs = 10000;

    // `prompts` asks for the latency and the error rate, over `dialogParent`.
    FaultActions(UserPrompts *prompts, QWidget *dialogParent, QObject *parent = nullptr);

    // Puts the fault entries for `node` at the top of `menu`; nothing unless
    // `state` says it is running and embedded.
    void addTo(QMenu *menu, const QString &node, const NodeLiveState &state);

    // The faults last asked for on `node` (none before the first request).
    DemoFaultRequest faults(const QString &node) const { return m_faults.value(node); }
    // A stopped run takes its faults with it.
    void forgetFaults() { m_faults.clear(); }

signals:
    void faultRequested(const QString &node, const Loadstar::Ui::DemoFaultRequest &request);

private:
    void request(const QString &node, const DemoFaultRequest &faults);
    void askLatency(const QString &node);
    void askErrorRate(const QString &node);

    UserPrompts *m_prompts;
    QPointer<QWidget> m_dialogParent;
    QHash<QString, DemoFaultRequest> m_faults;
};

} // namespace Loadstar::Ui
