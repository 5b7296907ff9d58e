#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace Loadstar::Monitor {

// What a monitor node tells its people: a watched node went DOWN or came
// back, or a certificate is about to expire or was renewed. One alert per
// transition; a retried delivery carries the same id.
struct Alert
{
    enum class Kind {
        Down,                // a watched node went DOWN
        Resolved,            // it is UP again
        CertificateExpiring, // its certificate has fewer than cert_warn_days left
        CertificateRenewed,  // it has enough days left again
    };

    QString id;      // unique; the webhook's Idempotency-Key
    QString monitor; // the monitor node's name
    QString node;    // the watched node it is about
    Kind kind = Kind::Down;
    QString reason;  // the check that decided it: "L4CON: Connection refused"
    QString message; // HAProxy's log line for a health change; a sentence for a certificate
    // Watched nodes that went DOWN with `node` because they depend on it
    // (for Resolved: the nodes that group held), reported in this alert
    // instead of in alerts of their own.
    QStringList unreachable;
    int certDaysLeft = 0; // certificate alerts
    QDateTime timestamp;  // UTC: when the transition happened
    bool notify = true;   // the monitor wants a desktop notification

    // "DOWN", "UP", "EXPIRING", "OK", and the state it left.
    QString state() const;
    QString previous() const;
    bool isProblem() const { return kind == Kind::Down || kind == Kind::CertificateExpiring; }
    // One line for people: "web-01 DOWN (L4CON: Connection refused); web-02
    // unreachable because of web-01".
    QString summary() const;
    // The webhook's body, as JSON.
    QByteArray toJson(const QString &document) const;
};

// Something a monitor noticed that is not worth an alert of its own, for
// the Events panel: a dependent going DOWN behind a node whose alert is
// already out, a webhook that could not be delivered.
struct MonitorNote
{
    QDateTime timestamp; // UTC
    QString monitor;
    QString node;        // the node it is about; empty: the monitor itself
    QString text;
    bool problem = false; // worth a warning colour
};

// What a monitor's card shows while running.
struct MonitorStatus
{
    QString monitor;
    int watched = 0;  // nodes it watches
    int firing = 0;   // alerts sent and not resolved
    QString last;     // the last alert in short: "web-01 DOWN"

    // "2 alerts firing · last: web-01 DOWN", "watching 6 nodes · no alert firing"
    QString text() const;
};

} // namespace Loadstar::Monitor

Q_DECLARE_METATYPE(Loadstar::Monitor::Alert)
Q_DECLARE_METATYPE(Loadstar::Monitor::MonitorNote)
