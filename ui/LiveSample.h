#pragma once

#include "diagram/LiveState.h"
#include "engine/Stats.h"
#include "engine/database/DatabaseServerStatus.h"
#include "engine/database/DatabaseTraffic.h"
#include "engine/demo/DemoBackends.h"
#include "engine/external/ExternalHaproxyWatcher.h"
#include "engine/health/HealthMonitor.h"
#include "engine/monitor/Alert.h"
#include "engine/traffic/TrafficGenerator.h"
#include "history/NodeMetrics.h"

#include <QHash>
#include <QList>

namespace Loadstar {
class LiveSession;
namespace Engine {
struct EngineConfig;
}
} // namespace Loadstar

namespace Loadstar::Ui {

// What one sample of a running document brings back from the session's
// thread: the monitor's view of every server, the engine's counters and
// the demo backends' faults, the clients' traffic, what the monitor nodes
// have firing, and the database tier: its servers, the queries sent to
// them, its promotions and write outages. Plain data, taken on any thread.
struct RunSample
{
    quint64 generation = 0;
    QDateTime time; // UTC
    QList<Health::ServerHealth> health;
    Engine::StatsSnapshot stats;
    QList<Engine::DemoBackendStats> demo;
    QList<Engine::TrafficClientStats> traffic;
    QList<Monitor::MonitorStatus> monitors;
    // Each virtual address shared by load balancers, and the one holding it
    // (empty: none answers).
    QHash<QString, QString> masters;
    // Each external HAProxy's last read, and the server nodes whose state
    // comes from one (node → load balancer); their health and stats rows
    // are in `health` and `stats` above like any other server's, except a
    // server also behind an embedded load balancer: the embedded probe wins.
    QList<External::ExternalSnapshot> external;
    QHash<QString, QString> externalLoadBalancerOf;
    // The demo databases as their servers last read them (real role, lag,
    // load), in the drawing's order.
    QList<Engine::DatabaseServerStatus> databases;
    // The queries each demo backend sent each database, as counters stand.
    QList<Engine::DatabaseTrafficStats> queries;
    // Every promotion of this run, and every stretch of refused writes that
    // has ended, oldest first.
    QList<Engine::DatabasePromotion> promotions;
    QList<Engine::WriteOutage> writeOutages;
};

// Takes a sample of a running session (thread-safe: each part answers from
// its own thread's last state).
RunSample takeSample(LiveSession &session);

// Which of the servers a configuration runs are demo backends (true) or
// real servers (false); every server it runs is listed.
QHash<QString, bool> embeddedServers(const Engine::EngineConfig &config);

// What each card shows for a sample, by node name: the GUI's Run and
// `loadstar export --live` draw the same thing. Queries per second come from
// the counters' growth since `previous` (null: unknown until the next one).
QHash<QString, NodeLiveState> liveStatesOf(const RunSample &sample,
                                           const QHash<QString, bool> &embedded,
                                           const RunSample *previous = nullptr);

// Every node's figures for the charts and the metrics history. Responses
// per second come from the counters' growth since `previous` (null: the
// first sample, without them).
QList<NodeMetrics> metricsOf(const RunSample &sample, const RunSample *previous);

} // namespace Loadstar::Ui
