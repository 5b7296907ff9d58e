#pragma once

#include "Alert.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>

namespace Loadstar::Monitor {

// Decides which health changes and certificate checks of one monitor's
// watched nodes become alerts — plain logic, driven by the times it is
// given, so it is tested without waiting.
//
// One alert per transition: a DOWN, then one "resolved" when it is back UP;
// nothing while a state stays. No alert storm: a transition waits a group
// window (Alertmanager's group_wait) before it is reported, and a node that
// went DOWN because a node it depends on is DOWN is folded into that node's
// alert ("web-01, web-02 unreachable because of lb") instead of getting its
// own; one going DOWN after that alert was sent gets a note, not an alert.
// Recovery mirrors it: one "resolved" for the group. A node DOWN and UP
// again within the group window was a blip: a note, no alert.
//
// A certificate alert fires once when a watched node's certificate has
// fewer than certWarnDays left, and once more when it is renewed.
class AlertPolicy
{
public:
    struct Settings
    {
        QString monitor;
        QStringList watched;
        // For each watched node, the watched nodes whose failure cuts it off.
        QHash<QString, QStringList> dependsOn;
        int groupWaitMs = 2000;
        int certWarnDays = 14;
        bool notify = true;
    };

    struct Output
    {
        QList<Alert> alerts;
        QList<MonitorNote> notes;
    };

    AlertPolicy() = default;
    explicit AlertPolicy(Settings settings);

    // A changed monitor while running: nodes still watched keep their state
    // and their alerts; nodes no longer watched are forgotten.
    void setSettings(Settings settings);
    const Settings &settings() const { return m_settings; }

    // A watched node went DOWN (up = false) or UP at `when`; `reason` is the
    // check's code and sentence, `message` HAProxy's log line. Nodes that
    // are not watched, and changes to the state a node already has, are
    // ignored.
    void healthChanged(const QString &node, bool up, const QDateTime &when, const QString &reason,
                       const QString &message);
    // A check of a watched node saw its certificate with `daysLeft` days left.
    void certificateChecked(const QString &node, qint64 daysLeft, const QDateTime &when);

    // Everything due at `now`: alerts whose group window has passed,
    // certificate alerts, notes. Call it after each input and at
    // nextDeadline().
    Output take(const QDateTime &now);
    // When take() next has something to send; nothing: no transition waits.
    std::optional<QDateTime> nextDeadline() const;

    // Alerts sent and not resolved: DOWN nodes (a group counts once) and
    // expiring certificates.
    int firing() const;
    // The last alert in short ("web-01 DOWN"); empty before the first.
    QString last() const { return m_last; }

private:
    struct NodeState
    {
        bool down = false;
        QDateTime changedAt;
        QString reason;
        QString message;
        // A transition waiting for its group window: DOWN not yet alerted,
        // or the way back UP of a node whose DOWN alert is out.
        bool pending = false;
        QDateTime deadline;
        bool alerted = false;  // its own DOWN alert is out and not resolved
        QString coveredBy;     // the node whose DOWN alert (sent or pending) reports it
        QStringList group;     // dependents its DOWN alert reports
        bool certWarned = false;
    };

    // The DOWN node highest up the dependencies that `node` depends on, if any.
    QString rootCause(const QString &node) const;
    Alert makeAlert(const QString &node, Alert::Kind kind, const QDateTime &when);
    void emitAlert(Alert alert);
    void note(const QDateTime &when, const QString &node, const QString &text, bool problem);
    void sendDown(const QString &node);
    void sendResolved(const QString &node);
    // Reports a dependent whose cause no longer covers it.
    void uncover(const QString &node, const QDateTime &now);

    Settings m_settings;
    QSet<QString> m_watched;
    QHash<QString, NodeState> m_nodes;
    Output m_out;
    QString m_last;
};

} // namespace Loadstar::Monitor
