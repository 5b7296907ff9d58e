#pragma once

#include "CheckResult.h"
#include "HealthState.h"
#include "Probe.h"

#include <QDateTime>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QThread>

#include <atomic>
#include <functional>

namespace Loadstar::Engine {
class Engine;
}

namespace Loadstar::Health {

class CheckScheduler;

// One server the monitor watches.
struct MonitoredServer
{
    QString frontend; // the load balancer it belongs to; empty when none links to it
    ProbeTarget target;
    bool backup = false; // a backup server of its frontend, for the "servers left" count
};

// A server went UP or DOWN.
struct HealthEvent
{
    QDateTime timestamp; // UTC, milliseconds
    QString frontend;
    QString server;
    bool up = false;
    QString status;     // "UP", "DOWN"
    CheckResult cause;  // the check (or observed errors: details "observed") that decided it
    // As HAProxy logs it: Server lb-01/web-01 is DOWN, reason: Layer4
    // connection problem, info: "Connection refused", check duration: 1ms.
    // 0 active and 1 backup servers left. Running on backup.
    QString message;
};

// One line of the monitor's snapshot.
struct ServerHealth
{
    QString frontend;
    QString server;
    QString status; // "UP", "UP 1/3", "DOWN 1/2", "DOWN", "no check"
    bool up = true;
    bool checked = true; // false for check type "none"
    // HAProxy's health counter behind the status (see HealthState): UP iff
    // health >= rise; 0 for a server that is not checked.
    int health = 0;
    int rise = 0;
    int fall = 0;
    CheckResult lastCheck;
    QDateTime lastChange; // UTC; when it was added if it never changed
    bool changed = false; // it crossed between UP and DOWN since it was added
};

// Watches every server with its probe, HAProxy-style: rise/fall counters,
// inter/fastinter/downinter, checks of many servers spread over the
// interval, on-error actions for errors the proxy observes. All probes and
// timers live on a thread of the monitor's own; every method is thread-safe
// and returns at once (stop() waits for the thread).
class HealthMonitor : public QObject
{
    Q_OBJECT
public:
    using ProbeFactory = std::function<Probe *(const QString &type, QObject *parent)>;

    explicit HealthMonitor(QObject *parent = nullptr);
    ~HealthMonitor() override; // stops

    // The servers to watch. Servers whose frontend, name, address, port and
    // check are unchanged keep their state; check type "none" is listed as
    // "no check" and never probed.
    void setServers(const QList<MonitoredServer> &servers);
    // UP/DOWN changes of servers with a frontend go to this engine's
    // setServerHealth(), from the monitor's thread. Null: none.
    void setEngine(Engine::Engine *engine);
    // Where probes come from (default: createProbe(), the built-in ones);
    // takes effect for servers added afterwards.
    void setProbeFactory(ProbeFactory factory);

    void start();
    void stop(); // cancels checks in progress and joins the thread
    bool isRunning() const;

    // A server reached its error-limit of consecutive errors on live traffic:
    // applies its check's on-error action. Callable from any thread.
    void observedErrors(const QString &frontend, const QString &server, const QString &reason);

    QList<ServerHealth> snapshot() const;

signals:
    // After every check (and every on-error action that moved the counter).
    void checked(const QString &frontend, const QString &server,
                 const Loadstar::Health::CheckResult &result, const Loadstar::Health::HealthStatus &status);
    void transition(const Loadstar::Health::HealthEvent &event);

private:
    friend class CheckScheduler;

    // Runs `work` on the scheduler: queued to its thread while running,
    // directly (under m_control) while it is not.
    void onScheduler(std::function<void()> work);

    mutable QMutex m_control; // start, stop and work on a stopped scheduler
    QThread m_thread;
    CheckScheduler *m_scheduler;
    std::atomic<Engine::Engine *> m_engine{nullptr};
    mutable QMutex m_snapshotMutex;
    QList<ServerHealth> m_snapshot; // written by the scheduler
};

// HAProxy's words for a check code in its logs: "Layer4 connection problem".
QString checkCodeDescription(CheckCode code);

} // namespace Loadstar::Health

Q_DECLARE_METATYPE(Loadstar::Health::HealthEvent)
Q_DECLARE_METATYPE(Loadstar::Health::ServerHealth)
