#include "CheckScheduler.h"

#include "ProbeFactory.h"
#include "engine/Engine.h"

#include <algorithm>

namespace Loadstar::Health {

namespace {

// Checks due this soon start with the ones due now: one wake-up for a few
// checks instead of one each (1,000 servers a second would be 1,000 wake-ups).
constexpr qint64 BatchMs = 5;

bool sameCheck(const MonitoredServer &a, const MonitoredServer &b)
{
    return a.frontend == b.frontend && a.target.name == b.target.name && a.target.address == b.target.address
        && a.target.port == b.target.port && a.target.check == b.target.check;
}

QDateTime nowUtc()
{
    return QDateTime::currentDateTimeUtc();
}

} // namespace

CheckScheduler::CheckScheduler(HealthMonitor *monitor)
    : m_monitor(monitor)
    , m_factory(&createProbe)
    , m_timer(this) // a child, so it moves to the monitor's thread with the scheduler
{
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &CheckScheduler::onTimer);
    m_clock.start();
}

CheckScheduler::~CheckScheduler()
{
    for (auto &[id, entry] : m_entries)
        dropProbe(*entry);
}

QString CheckScheduler::keyOf(const QString &frontend, const QString &server)
{
    return frontend + QChar(u'\x1f') + server;
}

bool CheckScheduler::isProbed(const Entry &entry)
{
    return entry.server.target.check.type != QLatin1String("none");
}

CheckScheduler::Entry *CheckScheduler::find(const QString &frontend, const QString &server)
{
    const auto key = m_byKey.constFind(keyOf(frontend, server));
    if (key == m_byKey.constEnd())
        return nullptr;
    const auto entry = m_entries.find(*key);
    return entry == m_entries.end() ? nullptr : entry->second.get();
}

void CheckScheduler::setServers(const QList<MonitoredServer> &servers)
{
    std::unordered_map<quint64, std::unique_ptr<Entry>> kept;
    QHash<QString, quint64> byKey;
    QList<quint64> order;
    QList<Entry *> added;
    for (const MonitoredServer &server : servers) {
        const QString key = keyOf(server.frontend, server.target.name);
        if (byKey.contains(key))
            continue; // one entry per frontend and name
        std::unique_ptr<Entry> entry;
        // A server whose check changed keeps its verdict until the new check
        // gives one: the engine still has it UP or DOWN, and the two must agree.
        bool wasUp = true;
        if (const auto old = m_byKey.constFind(key); old != m_byKey.constEnd()) {
            auto found = m_entries.find(*old);
            if (found != m_entries.end() && sameCheck(found->second->server, server)) {
                entry = std::move(found->second);
                entry->server.backup = server.backup;
                m_entries.erase(found);
            } else if (found != m_entries.end()) {
                wasUp = found->second->state.isUp();
            }
        }
        if (!entry) {
            const Engine::CheckConfig &check = server.target.check;
            entry = std::make_unique<Entry>();
            entry->id = m_nextId++;
            entry->server = server;
            entry->state = HealthState(check.rise, check.fall, wasUp ? HealthState::Initial::Up : HealthState::Initial::Down);
            entry->health.frontend = server.frontend;
            entry->health.server = server.target.name;
            entry->health.checked = isProbed(*entry);
            entry->health.status = entry->health.checked ? entry->state.statusText() : QStringLiteral("no check");
            entry->health.up = entry->state.isUp() || !entry->health.checked;
            if (entry->health.checked) {
                entry->health.health = entry->state.health();
                entry->health.rise = entry->state.rise();
                entry->health.fall = entry->state.fall();
            }
            entry->health.lastChange = nowUtc();
            added << entry.get();
        }
        entry->index = int(order.size());
        order << entry->id;
        byKey.insert(key, entry->id);
        kept.emplace(entry->id, std::move(entry));
    }
    // What is left was removed or changed.
    for (auto &[id, entry] : m_entries) {
        unschedule(*entry);
        dropProbe(*entry);
    }
    m_entries = std::move(kept);
    m_byKey = std::move(byKey);
    m_order = std::move(order);
    // The engine follows the new entries' first verdicts (UP for a new
    // server, the old one for a changed check, UP once unchecked).
    if (Engine::Engine *engine = m_monitor->m_engine.load()) {
        for (const Entry *entry : std::as_const(added)) {
            if (!entry->server.frontend.isEmpty())
                engine->setServerHealth(entry->server.frontend, entry->server.target.name, entry->health.up);
        }
    }

    if (m_running) {
        // Spread the new servers' first checks over their interval.
        const qint64 now = m_clock.elapsed();
        int nth = 0;
        for (Entry *entry : std::as_const(added)) {
            if (isProbed(*entry))
                schedule(*entry, now + qint64(entry->server.target.check.inter) * nth / added.size());
            ++nth;
        }
        rearm();
    }
    publishSnapshot();
}

void CheckScheduler::resume()
{
    if (m_running)
        return;
    m_running = true;
    // HAProxy's start_checks(): the first check of the n-th of N servers
    // comes n/N of an interval after the start, so they never fire at once.
    const qint64 now = m_clock.elapsed();
    const qsizetype count = std::max<qsizetype>(1, m_order.size());
    for (qsizetype i = 0; i < m_order.size(); ++i) {
        Entry &entry = *m_entries.at(m_order.at(i));
        if (isProbed(entry) && !entry.inFlight)
            schedule(entry, now + qint64(entry.server.target.check.inter) * i / count);
    }
    rearm();
}

void CheckScheduler::halt()
{
    m_running = false;
    m_timer.stop();
    m_armedFor = -1;
    m_queue.clear();
    for (auto &[id, entry] : m_entries) {
        entry->due = -1;
        if (entry->inFlight)
            entry->probe->cancel();
        entry->inFlight = false;
    }
}

void CheckScheduler::schedule(Entry &entry, qint64 due)
{
    unschedule(entry);
    entry.due = due;
    m_queue.emplace(due, entry.id);
}

void CheckScheduler::unschedule(Entry &entry)
{
    if (entry.due >= 0)
        m_queue.erase({entry.due, entry.id});
    entry.due = -1;
}

void CheckScheduler::rearm()
{
    if (!m_running || m_queue.empty()) {
        m_timer.stop();
        m_armedFor = -1;
        return;
    }
    const qint64 first = m_queue.begin()->first;
    if (m_timer.isActive() && m_armedFor == first)
        return;
    m_armedFor = first;
    m_timer.start(int(std::max<qint64>(0, first - m_clock.elapsed())));
}

void CheckScheduler::onTimer()
{
    m_armedFor = -1;
    const qint64 now = m_clock.elapsed();
    while (!m_queue.empty() && m_queue.begin()->first <= now + BatchMs) {
        const quint64 id = m_queue.begin()->second;
        m_queue.erase(m_queue.begin());
        Entry &entry = *m_entries.at(id);
        entry.due = -1;
        startCheck(entry);
    }
    rearm();
}

void CheckScheduler::startCheck(Entry &entry)
{
    if (!entry.probe) {
        entry.probe = m_factory(entry.server.target.check.type, this);
        const quint64 id = entry.id;
        connect(entry.probe, &Probe::finished, this, [this, id](const CheckResult &result) { onFinished(id, result); });
    }
    entry.inFlight = true;
    entry.startedAt = m_clock.elapsed();
    entry.probe->start(entry.server.target);
}

void CheckScheduler::onFinished(quint64 id, const CheckResult &result)
{
    const auto found = m_entries.find(id);
    if (found == m_entries.end() || !found->second->inFlight)
        return;
    Entry &entry = *found->second;
    entry.inFlight = false;
    // UNK: the probe could not run at all (a plugin or credentials file is
    // missing). That says nothing about the server, so it keeps its state,
    // and the reason shows on its node.
    const bool flipped = result.code != CheckCode::Unknown && entry.state.record(result.passed());
    report(entry, result, flipped);

    // As HAProxy: the next check is an interval after the start of this one
    // (not its end), so a slow server does not slow the pace down.
    const Engine::CheckConfig &check = entry.server.target.check;
    const qint64 interval = std::max(1, entry.state.nextInterval(check.inter, check.fastinter, check.downinter));
    const qint64 now = m_clock.elapsed();
    qint64 due = entry.startedAt + interval;
    if (due <= now)
        due += ((now - due) / interval + 1) * interval;
    if (m_running) {
        schedule(entry, due);
        rearm();
    }
}

void CheckScheduler::observedErrors(const QString &frontend, const QString &server, const QString &reason)
{
    Entry *entry = find(frontend, server);
    // As HAProxy, observing needs checks: they bring the server back.
    if (!entry || !isProbed(*entry))
        return;
    const Engine::CheckConfig &check = entry->server.target.check;
    const OnError action = onErrorFromName(check.onError);
    const bool flipped = entry->state.applyOnError(action);
    if (action != OnError::FastInter) {
        CheckResult result;
        result.code = CheckCode::Unknown;
        result.reason = reason;
        result.details.insert(QStringLiteral("observed"), true);
        report(*entry, result, flipped);
    }
    // Every action checks again within fastinter.
    if (m_running && !entry->inFlight) {
        const qint64 soon = m_clock.elapsed() + entry->state.nextInterval(check.inter, check.fastinter, check.downinter);
        if (entry->due < 0 || soon < entry->due)
            schedule(*entry, soon);
        rearm();
    }
}

void CheckScheduler::report(Entry &entry, const CheckResult &result, bool flipped)
{
    ServerHealth &health = entry.health;
    health.status = entry.state.statusText();
    health.up = entry.state.isUp();
    health.health = entry.state.health();
    health.rise = entry.state.rise();
    health.fall = entry.state.fall();
    health.lastCheck = result;
    if (flipped) {
        health.lastChange = nowUtc();
        health.changed = true;
    }
    {
        QMutexLocker lock(&m_monitor->m_snapshotMutex);
        if (entry.index < m_monitor->m_snapshot.size())
            m_monitor->m_snapshot[entry.index] = health;
    }
    const MonitoredServer &server = entry.server;
    if (flipped && !server.frontend.isEmpty()) {
        if (Engine::Engine *engine = m_monitor->m_engine.load())
            engine->setServerHealth(server.frontend, server.target.name, health.up);
    }
    emit m_monitor->checked(server.frontend, server.target.name, result, entry.state.status());
    if (flipped) {
        HealthEvent event;
        event.timestamp = health.lastChange;
        event.frontend = server.frontend;
        event.server = server.target.name;
        event.up = health.up;
        event.status = health.up ? QStringLiteral("UP") : QStringLiteral("DOWN");
        event.cause = result;
        event.message = messageFor(entry, result);
        emit m_monitor->transition(event);
    }
}

QString CheckScheduler::messageFor(const Entry &entry, const CheckResult &result) const
{
    const MonitoredServer &server = entry.server;
    const bool up = entry.state.isUp();
    const bool observed = result.details.value(QStringLiteral("observed")).toBool();
    QString message = QStringLiteral("%1 %2 is %3, reason: %4")
                          .arg(server.backup ? QStringLiteral("Backup Server") : QStringLiteral("Server"),
                               server.frontend.isEmpty() ? server.target.name
                                                         : server.frontend + QLatin1Char('/') + server.target.name,
                               up ? QStringLiteral("UP") : QStringLiteral("DOWN"),
                               observed ? QStringLiteral("Health analyze") : checkCodeDescription(result.code));
    if (result.httpStatus > 0)
        message += QStringLiteral(", code: %1").arg(result.httpStatus);
    if (!result.reason.isEmpty())
        message += QStringLiteral(", info: \"%1\"").arg(result.reason);
    if (!observed)
        message += QStringLiteral(", check duration: %1ms").arg(result.durationMs);
    message += QLatin1Char('.');
    if (server.frontend.isEmpty())
        return message;

    int active = 0;
    int backup = 0;
    for (const auto &[id, other] : m_entries) {
        if (other->server.frontend == server.frontend && other->state.isUp())
            ++(other->server.backup ? backup : active);
    }
    message += QStringLiteral(" %1 active and %2 backup servers %3.")
                   .arg(active)
                   .arg(backup)
                   .arg(up ? QStringLiteral("online") : QStringLiteral("left"));
    if (active == 0 && backup > 0)
        message += QStringLiteral(" Running on backup.");
    return message;
}

void CheckScheduler::publishSnapshot()
{
    QList<ServerHealth> snapshot;
    snapshot.reserve(m_order.size());
    for (const quint64 id : std::as_const(m_order))
        snapshot << m_entries.at(id)->health;
    QMutexLocker lock(&m_monitor->m_snapshotMutex);
    m_monitor->m_snapshot = std::move(snapshot);
}

void CheckScheduler::dropProbe(Entry &entry)
{
    if (!entry.probe)
        return;
    entry.probe->cancel();
    entry.probe->disconnect(this);
    entry.probe->deleteLater();
    entry.probe = nullptr;
    entry.inFlight = false;
}

} // namespace Loadstar::Health
