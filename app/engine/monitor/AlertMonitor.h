#pragma once

#include "Alert.h"
#include "WebhookSender.h"

#include <QList>
#include <QMutex>
#include <QObject>
#include <QThread>

#include <functional>

namespace Loadstar::Engine {
struct MonitorConfig;
}
namespace Loadstar::Health {
class HealthMonitor;
}

namespace Loadstar::Monitor {

class AlertWorker;

// The monitor nodes of a running document: hears every UP/DOWN transition
// and every certificate the health monitor sees, lets each monitor's
// AlertPolicy decide what is worth an alert, and sends those to the
// monitor's webhook. A node behind several load balancers is DOWN while any
// of them sees it DOWN.
//
// Policies, timers and webhooks run on a thread of their own (never the
// GUI's); every method is thread-safe and returns at once (stop() waits for
// the thread). alerted() and noted() are emitted on that thread: connect
// with a queued connection to show them in a window.
class AlertMonitor : public QObject
{
    Q_OBJECT
public:
    explicit AlertMonitor(Health::HealthMonitor &health, QObject *parent = nullptr);
    ~AlertMonitor() override; // stops

    // The monitors to run. A monitor of the same name keeps its alerts and
    // what its nodes' states were.
    void setMonitors(const QList<Engine::MonitorConfig> &monitors);
    // The document's name, in each webhook body.
    void setDocumentName(const QString &name);
    // How webhooks are retried (tests shorten the pauses).
    void setWebhookRetry(const WebhookRetry &retry);

    void start();
    void stop(); // forgets every state, drops alerts not sent yet, joins the thread
    bool isRunning() const;

    // What each monitor's card shows, in the order they were set.
    QList<MonitorStatus> statuses() const;

signals:
    void alerted(const Loadstar::Monitor::Alert &alert);
    void noted(const Loadstar::Monitor::MonitorNote &note);

private:
    friend class AlertWorker;

    // Runs `work` on the worker: queued to its thread while running,
    // directly (under m_control) while it is not.
    void onWorker(std::function<void()> work);

    mutable QMutex m_control;
    QThread m_thread;
    AlertWorker *m_worker;
    mutable QMutex m_statusMutex;
    QList<MonitorStatus> m_statuses; // written by the worker
};

} // namespace Loadstar::Monitor
