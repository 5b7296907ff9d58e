#include "LiveState.h"

#include <algorithm>

namespace Loadstar::Ui {

QString describeFaults(const DemoFaultRequest &faults)
{
    return Engine::describeFault(faults, QStringLiteral(" · "));
}

RiseFallProgress riseFallProgressOf(const NodeLiveState &state)
{
    // MAINT stops the checks' say; a message replaces the status.
    if (!state.running || state.healthCount < 0 || state.rise <= 0 || state.fall <= 0
        || !state.message.isEmpty() || state.admin == QLatin1String("MAINT"))
        return {};
    // The same counts as the status text (HealthState::statusText()).
    if (state.healthCount >= state.rise)
        return {std::min(state.healthCount - state.rise + 1, state.fall), state.fall};
    return {state.healthCount, state.rise};
}

HealthTone healthToneOf(const NodeLiveState &state)
{
    if (!state.running || !state.message.isEmpty())
        return HealthTone::Neutral;
    const QString status = state.status.trimmed();
    // "UP 2/3" is still UP but failing checks; "DOWN 1/2" is DOWN but passing.
    if (status.startsWith(QLatin1String("UP ")))
        return HealthTone::GoingDown;
    if (status.startsWith(QLatin1String("DOWN ")))
        return HealthTone::GoingUp;
    if (status == QLatin1String("UP"))
        return HealthTone::Up;
    if (status == QLatin1String("DOWN"))
        return HealthTone::Down;
    return HealthTone::Neutral; // "no check", MAINT, anything unknown
}

} // namespace Loadstar::Ui
