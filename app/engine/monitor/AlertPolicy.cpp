#include "AlertPolicy.h"

#include <QUuid>

#include <algorithm>

namespace Loadstar::Monitor {

AlertPolicy::AlertPolicy(Settings settings)
{
    setSettings(std::move(settings));
}

void AlertPolicy::setSettings(Settings settings)
{
    m_settings = std::move(settings);
    m_watched = QSet<QString>(m_settings.watched.cbegin(), m_settings.watched.cend());
    for (auto it = m_nodes.begin(); it != m_nodes.end();) {
        if (m_watched.contains(it.key()))
            ++it;
        else
            it = m_nodes.erase(it);
    }
}

void AlertPolicy::healthChanged(const QString &node, bool up, const QDateTime &when, const QString &reason,
                                const QString &message)
{
    if (!m_watched.contains(node))
        return;
    NodeState &state = m_nodes[node];
    if (state.down == !up)
        return;
    state.down = !up;
    state.changedAt = when;
    state.reason = reason;
    state.message = message;

    if (!up) {
        if (state.pending) {
            // Its way back UP was not reported yet: the DOWN alert still holds.
            state.pending = false;
            note(when, node, QStringLiteral("%1 DOWN again before its recovery was reported: its alert stands").arg(node),
                 true);
            return;
        }
        state.pending = true;
        state.deadline = when.addMSecs(m_settings.groupWaitMs);
        return;
    }

    if (state.pending) {
        // DOWN and back within the group window: a blip, not worth waking anyone.
        state.pending = false;
        note(when, node, QStringLiteral("%1 DOWN and UP again within %2 ms: no alert").arg(node).arg(m_settings.groupWaitMs),
             false);
        // Dependents waiting to be reported with it are reported on their own.
        const QStringList group = std::exchange(state.group, {});
        for (const QString &member : group) {
            NodeState &dependent = m_nodes[member];
            if (dependent.coveredBy != node)
                continue;
            dependent.coveredBy.clear();
            if (dependent.down) {
                dependent.pending = true;
                dependent.deadline = when;
            }
        }
        return;
    }
    if (state.alerted) {
        state.pending = true;
        state.deadline = when.addMSecs(m_settings.groupWaitMs);
        return;
    }
    if (!state.coveredBy.isEmpty()) {
        note(when, node, QStringLiteral("%1 UP again; its DOWN was reported with %2's alert").arg(node, state.coveredBy),
             false);
        state.coveredBy.clear();
    }
}

void AlertPolicy::certificateChecked(const QString &node, qint64 daysLeft, const QDateTime &when)
{
    if (!m_watched.contains(node))
        return;
    NodeState &state = m_nodes[node];
    const bool expiring = daysLeft < m_settings.certWarnDays;
    if (expiring == state.certWarned)
        return;
    state.certWarned = expiring;
    Alert alert = makeAlert(node, expiring ? Alert::Kind::CertificateExpiring : Alert::Kind::CertificateRenewed, when);
    alert.certDaysLeft = int(std::clamp<qint64>(daysLeft, -100000, 100000));
    alert.reason = QStringLiteral("%1 days left, warned under %2").arg(daysLeft).arg(m_settings.certWarnDays);
    alert.message = alert.summary();
    emitAlert(alert);
}

QString AlertPolicy::rootCause(const QString &node) const
{
    const auto isDown = [this](const QString &name) { return m_nodes.value(name).down; };
    QString fallback;
    for (const QString &cause : m_settings.dependsOn.value(node)) {
        if (cause == node || !isDown(cause))
            continue;
        const QStringList causesOfCause = m_settings.dependsOn.value(cause);
        const bool itselfCutOff = std::any_of(causesOfCause.cbegin(), causesOfCause.cend(), [&](const QString &c) {
            return c != node && c != cause && isDown(c);
        });
        if (!itselfCutOff)
            return cause;
        if (fallback.isEmpty())
            fallback = cause;
    }
    return fallback;
}

AlertPolicy::Output AlertPolicy::take(const QDateTime &now)
{
    QStringList waitingDown;
    QStringList dueUp;
    for (auto it = m_nodes.cbegin(); it != m_nodes.cend(); ++it) {
        if (!it->pending)
            continue;
        if (it->down)
            waitingDown.append(it.key());
        else if (it->deadline <= now)
            dueUp.append(it.key());
    }
    const auto byTime = [this](const QString &a, const QString &b) {
        const NodeState &x = m_nodes[a];
        const NodeState &y = m_nodes[b];
        return x.changedAt != y.changedAt ? x.changedAt < y.changedAt : a < b;
    };
    std::sort(waitingDown.begin(), waitingDown.end(), byTime);
    std::sort(dueUp.begin(), dueUp.end(), byTime);

    // First the dependents, whether their own window has passed or not:
    // each joins the alert of the node it is cut off by.
    for (const QString &node : std::as_const(waitingDown)) {
        const QString cause = rootCause(node);
        if (cause.isEmpty())
            continue;
        NodeState &state = m_nodes[node];
        NodeState &causeState = m_nodes[cause];
        state.pending = false;
        state.coveredBy = cause;
        if (!causeState.group.contains(node))
            causeState.group.append(node);
        if (causeState.alerted) {
            note(state.changedAt, node,
                 QStringLiteral("%1 DOWN: unreachable because of %2, whose alert is out").arg(node, cause), true);
        }
    }
    for (const QString &node : std::as_const(waitingDown)) {
        const NodeState &state = m_nodes[node];
        if (state.pending && state.deadline <= now)
            sendDown(node);
    }
    for (const QString &node : std::as_const(dueUp))
        sendResolved(node);
    return std::exchange(m_out, {});
}

std::optional<QDateTime> AlertPolicy::nextDeadline() const
{
    std::optional<QDateTime> next;
    for (const NodeState &state : m_nodes) {
        if (state.pending && (!next || state.deadline < *next))
            next = state.deadline;
    }
    return next;
}

int AlertPolicy::firing() const
{
    int count = 0;
    for (const NodeState &state : m_nodes)
        count += (state.alerted ? 1 : 0) + (state.certWarned ? 1 : 0);
    return count;
}

Alert AlertPolicy::makeAlert(const QString &node, Alert::Kind kind, const QDateTime &when)
{
    Alert alert;
    alert.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    alert.monitor = m_settings.monitor;
    alert.node = node;
    alert.kind = kind;
    alert.timestamp = when.toUTC();
    alert.notify = m_settings.notify;
    return alert;
}

void AlertPolicy::emitAlert(Alert alert)
{
    m_last = alert.kind == Alert::Kind::CertificateExpiring || alert.kind == Alert::Kind::CertificateRenewed
                 ? QStringLiteral("%1 certificate %2").arg(alert.node, alert.state())
                 : QStringLiteral("%1 %2").arg(alert.node, alert.state());
    m_out.alerts.append(std::move(alert));
}

void AlertPolicy::note(const QDateTime &when, const QString &node, const QString &text, bool problem)
{
    m_out.notes.append({when.toUTC(), m_settings.monitor, node, text, problem});
}

void AlertPolicy::sendDown(const QString &node)
{
    NodeState &state = m_nodes[node];
    state.pending = false;
    state.alerted = true;
    Alert alert = makeAlert(node, Alert::Kind::Down, state.changedAt);
    alert.reason = state.reason;
    alert.message = state.message;
    for (const QString &member : std::as_const(state.group)) {
        const NodeState &dependent = m_nodes.value(member);
        if (dependent.down && dependent.coveredBy == node)
            alert.unreachable.append(member);
    }
    emitAlert(alert);
}

void AlertPolicy::sendResolved(const QString &node)
{
    NodeState &state = m_nodes[node];
    state.pending = false;
    state.alerted = false;
    const QStringList group = std::exchange(state.group, {});
    QStringList stillDown;
    Alert alert = makeAlert(node, Alert::Kind::Resolved, state.changedAt);
    alert.reason = state.reason;
    alert.message = state.message;
    for (const QString &member : group) {
        if (!m_nodes.contains(member))
            continue;
        if (m_nodes[member].down && m_nodes[member].coveredBy == node)
            stillDown.append(member);
        else
            alert.unreachable.append(member);
    }
    emitAlert(alert);
    for (const QString &member : std::as_const(stillDown))
        uncover(member, state.changedAt);
}

void AlertPolicy::uncover(const QString &node, const QDateTime &now)
{
    NodeState &state = m_nodes[node];
    state.coveredBy.clear();
    const QString cause = rootCause(node);
    if (cause.isEmpty()) {
        // Its cause is back and it is still DOWN: a failure of its own.
        sendDown(node);
        return;
    }
    state.coveredBy = cause;
    NodeState &causeState = m_nodes[cause];
    if (!causeState.group.contains(node))
        causeState.group.append(node);
    if (causeState.alerted) {
        note(now, node, QStringLiteral("%1 still DOWN: unreachable because of %2, whose alert is out").arg(node, cause),
             true);
    }
}

} // namespace Loadstar::Monitor
