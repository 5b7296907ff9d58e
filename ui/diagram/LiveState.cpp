#include "LiveState.h"

#include <QCoreApplication>
#include <QLocale>

#include <algorithm>
#include <cmath>

namespace Loadstar::Ui {

QString describeFaults(const DemoFaultRequest &faults)
{
    return Engine::describeFault(faults, QStringLiteral(" · "));
}

QString perSecondText(double perSecond)
{
    return perSecond < 10.0 && perSecond != std::floor(perSecond)
               ? QLocale().toString(perSecond, 'f', 1)
               : QLocale().toString(qRound64(perSecond));
}

QString lagText(double ms)
{
    const double seconds = ms / 1000.0;
    return QCoreApplication::translate("Loadstar::Ui::LiveState", "lag %1 s")
        .arg(seconds < 10.0 ? QLocale().toString(seconds, 'f', 1)
                            : QLocale().toString(qRound64(seconds)));
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
