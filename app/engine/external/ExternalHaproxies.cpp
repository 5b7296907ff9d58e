#include "ExternalHaproxies.h"

#include <algorithm>
#include <utility>

namespace Loadstar::External {

namespace {

// What a watcher reads, and how often: the drawn servers are not its business.
bool sameSource(const Engine::ExternalHaproxyConfig &a, const Engine::ExternalHaproxyConfig &b)
{
    return a.name == b.name && a.statsUrl == b.statsUrl && a.statsSocket == b.statsSocket
           && a.refreshMs == b.refreshMs;
}

} // namespace

ExternalHaproxies::ExternalHaproxies(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<ExternalSnapshot>();
}

ExternalHaproxies::~ExternalHaproxies()
{
    stop();
}

void ExternalHaproxies::apply(const QList<Engine::ExternalHaproxyConfig> &configs)
{
    QList<std::shared_ptr<ExternalHaproxyWatcher>> previous;
    {
        QMutexLocker lock(&m_mutex);
        previous = std::exchange(m_watchers, {});
    }
    QList<std::shared_ptr<ExternalHaproxyWatcher>> watchers;
    for (const Engine::ExternalHaproxyConfig &config : configs) {
        auto kept = std::find_if(previous.begin(), previous.end(), [&](const auto &watcher) {
            return watcher && sameSource(watcher->config(), config);
        });
        if (kept != previous.end()) {
            watchers.append(std::exchange(*kept, nullptr));
            continue;
        }
        auto watcher = std::make_shared<ExternalHaproxyWatcher>(config);
        connect(watcher.get(), &ExternalHaproxyWatcher::snapshotTaken, this, &ExternalHaproxies::snapshotTaken,
                Qt::DirectConnection);
        watcher->start();
        watchers.append(watcher);
    }
    {
        QMutexLocker lock(&m_mutex);
        m_watchers = watchers;
        m_configs = configs;
    }
    // Those no longer drawn stop outside the lock: stopping waits for a read.
    for (const auto &watcher : std::as_const(previous)) {
        if (watcher)
            watcher->stop();
    }
}

void ExternalHaproxies::stop()
{
    apply({});
}

QList<ExternalSnapshot> ExternalHaproxies::snapshots() const
{
    QMutexLocker lock(&m_mutex);
    QList<ExternalSnapshot> snapshots;
    for (const auto &watcher : m_watchers)
        snapshots.append(watcher->latest());
    return snapshots;
}

QList<Engine::ExternalHaproxyConfig> ExternalHaproxies::configs() const
{
    QMutexLocker lock(&m_mutex);
    return m_configs;
}

} // namespace Loadstar::External
