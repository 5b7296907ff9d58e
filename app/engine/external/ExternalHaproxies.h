#pragma once

#include "ExternalHaproxyWatcher.h"

#include <QList>
#include <QMutex>
#include <QObject>

#include <memory>

namespace Loadstar::External {

// Every external HAProxy of a running document, each watched by a watcher
// of its own, so several real HAProxy instances are watched at once.
// Thread-safe.
class ExternalHaproxies : public QObject
{
    Q_OBJECT

public:
    explicit ExternalHaproxies(QObject *parent = nullptr);
    ~ExternalHaproxies() override; // stops

    // Watches these: a load balancer whose statistics source and refresh are
    // unchanged keeps its watcher (and its last snapshot); the others start
    // or stop.
    void apply(const QList<Engine::ExternalHaproxyConfig> &configs);
    void stop();

    // The last snapshot of each, in the configuration's order.
    QList<ExternalSnapshot> snapshots() const;
    QList<Engine::ExternalHaproxyConfig> configs() const;

signals:
    // Any watcher read its HAProxy, from that watcher's thread.
    void snapshotTaken(const Loadstar::External::ExternalSnapshot &snapshot);

private:
    mutable QMutex m_mutex;
    QList<Engine::ExternalHaproxyConfig> m_configs;
    QList<std::shared_ptr<ExternalHaproxyWatcher>> m_watchers; // one per configuration, same order
};

} // namespace Loadstar::External
