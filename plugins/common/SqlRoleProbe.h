#pragma once

#include "engine/health/Probe.h"

#include <QElapsedTimer>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>

namespace Loadstar::Health {

// What a database probe's blocking half reports back: the verdict, and
// whether the connection was established before it (so a timeout can tell
// L4TOUT from L7TOUT).
struct SqlCheckProgress
{
    std::atomic_bool connected = false;
};

// The common half of the database role probes: a driver's blocking calls
// run on a thread of their own, one at a time per probe, so a hung database
// never blocks the health monitor's thread. The probe enforces the check's
// timeout itself and ignores an answer that comes after it.
class SqlRoleProbe : public Probe
{
    Q_OBJECT
public:
    // Runs on the worker thread with a connection name no other thread uses;
    // must remove its QSqlDatabase connection before returning.
    using Check = std::function<CheckResult(const ProbeTarget &target, const QString &connectionName,
                                            SqlCheckProgress &progress)>;

    SqlRoleProbe(Check check, QObject *parent);
    ~SqlRoleProbe() override;

    void start(const ProbeTarget &target) override;
    void cancel() override;

private:
    struct Shared;

    void deliver(quint64 generation, CheckResult result);
    void timeOut();

    Check m_check;
    std::shared_ptr<Shared> m_shared;
    QTimer m_timer;
    QElapsedTimer m_clock;
    ProbeTarget m_target;
    quint64 m_generation = 0;
    bool m_running = false;
    std::shared_ptr<SqlCheckProgress> m_progress;
};

// "10 s", or "1500 ms" when not whole seconds.
QString formatDuration(qint64 ms);

} // namespace Loadstar::Health
