#pragma once

#include <QMetaType>
#include <QString>

namespace Loadstar::Health {

// What a server does when live traffic shows error-limit consecutive errors
// (HAProxy's on-error). Every action also brings the next check forward to
// fastinter.
enum class OnError {
    FastInter,   // only check again sooner
    FailCheck,   // count one failed check
    SuddenDeath, // as if all but one of fall checks had failed
    MarkDown,    // DOWN at once
};

// "fastinter", "fail-check", "sudden-death", "mark-down"; fastinter for
// anything else, as HAProxy's default.
OnError onErrorFromName(const QString &name);

// A server's health as the stats page shows it.
struct HealthStatus
{
    bool up = true;
    bool checked = true; // false for a server with check type "none"
    int health = 0;      // 0 … rise+fall-1
    int rise = 0;
    int fall = 0;
    QString text;        // "UP", "UP 2/3", "DOWN 1/2", "DOWN", "no check"
};

// HAProxy's health counter for one checked server. health runs from 0 to
// rise+fall-1 and the server is UP iff health >= rise. A passed check adds
// one; reaching rise makes the server UP with full health at once. A failed
// check takes one away; dropping below rise makes it DOWN with health 0 at
// once. So an UP server goes DOWN after exactly `fall` failed checks in a
// row ("UP 2/3", "UP 1/3", "DOWN") and a DOWN one comes back after exactly
// `rise` passed checks ("DOWN 1/2", "UP").
class HealthState
{
public:
    enum class Initial { Up, Down };

    // HAProxy starts servers UP with full health.
    explicit HealthState(int rise = 2, int fall = 3, Initial initial = Initial::Up);

    // Counts one check; true when the server went UP⇄DOWN with it.
    bool record(bool passed);
    // Applies an on-error action; true when the server went DOWN with it.
    bool applyOnError(OnError action);

    bool isUp() const { return m_health >= m_rise; }
    int health() const { return m_health; }
    int rise() const { return m_rise; }
    int fall() const { return m_fall; }
    // Neither fully UP nor fully DOWN: a check result would move it.
    bool isTransitioning() const { return m_health > 0 && m_health < maxHealth(); }

    QString statusText() const;
    HealthStatus status() const;

    // The delay before the next check (HAProxy's srv_getinter): inter when
    // fully UP, downinter when fully DOWN, fastinter in between and after an
    // on-error action until the next check is recorded. A zero fastinter or
    // downinter means inter.
    int nextInterval(int inter, int fastinter, int downinter) const;

private:
    int maxHealth() const { return m_rise + m_fall - 1; }

    int m_rise;
    int m_fall;
    int m_health;
    bool m_fastinterRequested = false;
};

} // namespace Loadstar::Health

Q_DECLARE_METATYPE(Loadstar::Health::HealthStatus)
