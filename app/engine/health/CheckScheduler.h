#pragma once

#include "HealthMonitor.h"

#include <QElapsedTimer>
#include <QHash>
#include <QTimer>

#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

namespace Loadstar::Health {

// The health monitor's thread side: one entry per watched server with its
// HealthState and probe, and one queue of due times served by one timer.
// Every method runs on the monitor's thread (or while that thread is not
// running).
class CheckScheduler : public QObject
{
public:
    explicit CheckScheduler(HealthMonitor *monitor);
    ~CheckScheduler() override;

    void setServers(const QList<MonitoredServer> &servers);
    void setProbeFactory(HealthMonitor::ProbeFactory factory) { m_factory = std::move(factory); }
    void resume(); // start checking, spread over each server's interval
    void halt();   // cancel checks in progress, schedule nothing
    void observedErrors(const QString &frontend, const QString &server, const QString &reason);

private:
    struct Entry
    {
        quint64 id = 0;
        int index = 0; // in the snapshot
        MonitoredServer server;
        HealthState state;
        ServerHealth health;
        Probe *probe = nullptr;
        bool inFlight = false;
        qint64 due = -1; // in the queue when >= 0
        qint64 startedAt = 0;
    };

    static QString keyOf(const QString &frontend, const QString &server);
    static bool isProbed(const Entry &entry);
    Entry *find(const QString &frontend, const QString &server);

    void schedule(Entry &entry, qint64 due);
    void unschedule(Entry &entry);
    void rearm();
    void onTimer();
    void startCheck(Entry &entry);
    void onFinished(quint64 id, const CheckResult &result);
    // After the counter moved: snapshot, engine, signals.
    void report(Entry &entry, const CheckResult &result, bool flipped);
    QString messageFor(const Entry &entry, const CheckResult &result) const;
    void publishSnapshot();
    void dropProbe(Entry &entry);

    HealthMonitor *m_monitor;
    HealthMonitor::ProbeFactory m_factory;
    std::unordered_map<quint64, std::unique_ptr<Entry>> m_entries;
    QHash<QString, quint64> m_byKey;
    QList<quint64> m_order;
    std::set<std::pair<qint64, quint64>> m_queue; // (due, id)
    QTimer m_timer;
    qint64 m_armedFor = -1;
    QElapsedTimer m_clock;
    quint64 m_nextId = 1;
    bool m_running = false;
};

} // namespace Loadstar::Health
