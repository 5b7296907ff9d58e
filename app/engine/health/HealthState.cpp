#include "HealthState.h"

#include <algorithm>

namespace Loadstar::Health {

OnError onErrorFromName(const QString &name)
{
    if (name == QLatin1String("fail-check"))
        return OnError::FailCheck;
    if (name == QLatin1String("sudden-death"))
        return OnError::SuddenDeath;
    if (name == QLatin1String("mark-down"))
        return OnError::MarkDown;
    return OnError::FastInter;
}

HealthState::HealthState(int rise, int fall, Initial initial)
    : m_rise(std::max(1, rise))
    , m_fall(std::max(1, fall))
    , m_health(initial == Initial::Up ? m_rise + m_fall - 1 : 0)
{
}

bool HealthState::record(bool passed)
{
    const bool wasUp = isUp();
    // As set_server_check_status(): a failure at health 0 and a success at
    // full health change nothing.
    if (passed) {
        if (m_health < maxHealth()) {
            ++m_health;
            if (m_health >= m_rise)
                m_health = maxHealth();
        }
    } else if (m_health > 0) {
        --m_health;
        if (m_health < m_rise)
            m_health = 0;
    }
    // The check that fastinter was asked for has run.
    m_fastinterRequested = false;
    return wasUp != isUp();
}

bool HealthState::applyOnError(OnError action)
{
    const bool wasUp = isUp();
    m_fastinterRequested = true;
    switch (action) {
    case OnError::FastInter:
        return false;
    case OnError::SuddenDeath:
        // A pre-fatal failed check: one more failure after this one is fatal.
        if (m_health > m_rise)
            m_health = m_rise + 1;
        break;
    case OnError::FailCheck:
        break;
    case OnError::MarkDown:
        m_health = m_rise;
        break;
    }
    if (m_health > 0) {
        --m_health;
        if (m_health < m_rise)
            m_health = 0;
    }
    return wasUp != isUp();
}

QString HealthState::statusText() const
{
    if (isUp()) {
        if (m_health == maxHealth())
            return QStringLiteral("UP");
        return QStringLiteral("UP %1/%2").arg(m_health - m_rise + 1).arg(m_fall);
    }
    if (m_health == 0)
        return QStringLiteral("DOWN");
    return QStringLiteral("DOWN %1/%2").arg(m_health).arg(m_rise);
}

HealthStatus HealthState::status() const
{
    HealthStatus status;
    status.up = isUp();
    status.health = m_health;
    status.rise = m_rise;
    status.fall = m_fall;
    status.text = statusText();
    return status;
}

int HealthState::nextInterval(int inter, int fastinter, int downinter) const
{
    if (!m_fastinterRequested && m_health == maxHealth())
        return inter;
    if (m_health == 0)
        return downinter > 0 ? downinter : inter;
    return fastinter > 0 ? fastinter : inter;
}

} // namespace Loadstar::Health
