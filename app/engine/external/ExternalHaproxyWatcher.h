#pragma once

#include "HaproxyStats.h"
#include "engine/EngineConfig.h"

#include <QDateTime>
#include <QMetaType>
#include <QMutex>
#include <QObject>
#include <QSet>
#include <QThread>

namespace Loadstar::External {

// The last read of one external HAProxy's statistics.
struct ExternalSnapshot
{
    QString loadBalancer; // the load balancer's node name
    QString source;       // where the statistics come from, as a card names it: "127.0.0.1:8404", the socket
    bool runtimeApi = false; // a stats socket is set: runtime actions can go there
    bool read = false;       // a read has ended (connected or lost); false: the first is under way
    bool connected = false;  // the last read worked
    QString lostReason;      // why it did not: "Connection refused", "HTTP 404 Not Found"
    HaproxyStats stats;      // the last read's; empty while lost
    QDateTime time;          // UTC, of the last read
    QDateTime watchingSince; // UTC, when the watcher started
    QSet<QString> changed;   // "backend/server" that went UP⇄DOWN while watched

    // "stats lost: Connection refused".
    QString lostText() const;
};

// Watches one real HAProxy: every stats_refresh it reads the statistics
// (the stats URL over HTTP, CSV or Prometheus text, or `show stat` on the
// stats socket) on a thread of its own, and publishes what it read, or why
// it could not, as a snapshot. Every method is thread-safe and returns at
// once, but stop(), which waits for a read under way (bounded by its
// timeout).
class ExternalHaproxyWatcher : public QObject
{
    Q_OBJECT

public:
    explicit ExternalHaproxyWatcher(Engine::ExternalHaproxyConfig config, QObject *parent = nullptr);
    ~ExternalHaproxyWatcher() override; // stops

    const Engine::ExternalHaproxyConfig &config() const { return m_config; }

    void start();
    void stop();
    bool isRunning() const { return m_thread.isRunning(); }

    ExternalSnapshot latest() const;

    // How long one read may take before it counts as lost.
    static int readTimeoutMs(int refreshMs);

signals:
    // After every read, from the watcher's thread (queue it).
    void snapshotTaken(const Loadstar::External::ExternalSnapshot &snapshot);

private:
    class Poller;
    void publish(const ExternalSnapshot &snapshot);

    const Engine::ExternalHaproxyConfig m_config;
    QThread m_thread;
    mutable QMutex m_mutex;
    ExternalSnapshot m_latest;
};

} // namespace Loadstar::External

Q_DECLARE_METATYPE(Loadstar::External::ExternalSnapshot)
