#include "LiveSample.h"

#include "LiveDatabases.h"

#include "engine/EngineConfig.h"
#include "engine/LiveSession.h"
#include "engine/external/ExternalServers.h"

#include <QCoreApplication>
#include <QSet>

#include <algorithm>

namespace Loadstar::Ui {

namespace {

// Of two views of one server (it sits behind two load balancers), the one
// a user must see: a server that is down, or failing, behind any of them.
bool worse(const Health::ServerHealth &candidate, const Health::ServerHealth &current)
{
    if (candidate.up != current.up)
        return !candidate.up;
    // A monitor's probe of a server drawn without a check says more than
    // the load balancer's "no check".
    if (candidate.checked != current.checked)
        return candidate.checked;
    return candidate.status.size() > current.status.size(); // "UP 1/3" over "UP"
}

NodeLiveState serverState(const Health::ServerHealth &health)
{
    NodeLiveState state;
    state.running = true;
    state.status = health.status;
    state.up = health.up;
    if (health.checked && health.rise > 0) {
        state.healthCount = health.health;
        state.rise = health.rise;
        state.fall = health.fall;
    }
    if (health.changed)
        state.changedAt = health.lastChange;
    const Health::CheckResult &check = health.lastCheck;
    if (check.code == Health::CheckCode::Unknown) {
        // No verdict: not checked yet, or a probe that cannot run (a missing
        // plugin), which says why in place of the status.
        state.message = check.reason;
        return state;
    }
    // The database probes' word for a replica's delay (plugins/mariadb,
    // plugins/postgresql).
    const QVariant lag = check.details.value(QStringLiteral("lag_ms"));
    if (lag.isValid())
        state.replicationLagMs = lag.toDouble();
    state.checkCode = Health::checkCodeName(check.code);
    state.checkDurationMs = check.durationMs;
    // A passing check needs no sentence; a database's role is worth one.
    state.reason = check.passed() ? check.details.value(QStringLiteral("role")).toString() : check.reason;
    return state;
}

// A firewall's connections and refusals, over the load balancers it guards.
struct FirewallFigures
{
    quint64 connRate = 0, denied = 0, rateLimited = 0;

    void add(const Engine::StatsRow &frontend)
    {
        connRate += frontend.connRate;
        denied += frontend.dcon - frontend.dconRateLimited;
        rateLimited += frontend.dconRateLimited;
    }
    // "40 conn/s · refused 12 · rate-limited 3", the refusals when there are any.
    QString text() const
    {
        QStringList parts{QCoreApplication::translate("Loadstar::Ui::LiveSample", "%1 conn/s").arg(connRate)};
        if (denied > 0)
            parts.append(QCoreApplication::translate("Loadstar::Ui::LiveSample", "refused %1").arg(denied));
        if (rateLimited > 0)
            parts.append(QCoreApplication::translate("Loadstar::Ui::LiveSample", "rate-limited %1").arg(rateLimited));
        return parts.join(QStringLiteral(" · "));
    }
};

// The external HAProxy instances' servers join the sample as the engine's
// and the monitor's would, so their cards read the same.
void addExternalHaproxies(RunSample &sample, const External::ExternalHaproxies &haproxies)
{
    QSet<QString> probed;
    for (const Health::ServerHealth &server : std::as_const(sample.health))
        probed.insert(server.server);
    const QList<Engine::ExternalHaproxyConfig> configs = haproxies.configs();
    sample.external = haproxies.snapshots();
    for (const External::ExternalSnapshot &snapshot : std::as_const(sample.external)) {
        const auto config = std::find_if(configs.begin(), configs.end(), [&](const Engine::ExternalHaproxyConfig &c) {
            return c.name == snapshot.loadBalancer;
        });
        if (config == configs.end())
            continue;
        const External::ExternalView view = External::externalViewOf(snapshot, config->servers);
        for (const Health::ServerHealth &server : view.health) {
            if (probed.contains(server.server))
                continue;
            sample.health.append(server);
            sample.externalLoadBalancerOf.insert(server.server, snapshot.loadBalancer);
        }
        for (const Engine::StatsRow &row : view.rows) {
            if (row.type != Engine::StatsRow::Type::Server || !probed.contains(QString::fromStdString(row.svname)))
                sample.stats.rows.push_back(row);
        }
    }
}

} // namespace

RunSample takeSample(LiveSession &session)
{
    RunSample sample;
    sample.health = session.monitor().snapshot();
    sample.stats = session.engine().stats();
    sample.demo = session.demoBackends().stats();
    sample.traffic = session.traffic().stats();
    sample.monitors = session.alerts().statuses();
    sample.masters = session.virtualAddresses().masters();
    addExternalHaproxies(sample, session.externalHaproxies());
    sample.databases = session.databaseServers().status();
    sample.queries = session.demoBackends().databaseStats();
    sample.promotions = session.databaseServers().promotions();
    sample.writeOutages = session.demoBackends().writeOutages();
    sample.time = QDateTime::currentDateTimeUtc();
    return sample;
}

QHash<QString, bool> embeddedServers(const Engine::EngineConfig &config)
{
    QHash<QString, bool> embedded;
    for (const Health::MonitoredServer &server : LiveSession::monitoredServers(config))
        embedded[server.target.name] = false;
    const auto mark = [&](const Engine::ServerConfig &server) {
        embedded[server.name] = embedded.value(server.name) || server.embedded;
    };
    for (const Engine::FrontendConfig &frontend : config.frontends) {
        for (const Engine::ServerConfig &server : frontend.servers)
            mark(server);
    }
    for (const Engine::ServerConfig &server : config.watched)
        mark(server);
    return embedded;
}

namespace {

// An external HAProxy's card says where its statistics come from, or that
// they are lost (its servers then show "unknown", never DOWN); its servers'
// runtime actions need its stats socket.
void addExternalHaproxyStates(QHash<QString, NodeLiveState> &states, const RunSample &sample)
{
    const auto tr = [](const char *text) { return QCoreApplication::translate("Loadstar::Ui::LiveSample", text); };
    for (const External::ExternalSnapshot &haproxy : sample.external) {
        NodeLiveState &state = states[haproxy.loadBalancer];
        state.running = true;
        if (haproxy.connected) {
            const qsizetype backends = haproxy.stats.backends.size();
            const QString stats = backends == 1 ? tr("stats: %1 · 1 backend").arg(haproxy.source)
                                                : tr("stats: %1 · %2 backends").arg(haproxy.source).arg(backends);
            state.figures = tr("%1 req/s · %2").arg(qRound(std::max(0.0, state.requestsPerSecond))).arg(stats);
        } else {
            state.status = haproxy.read ? tr("stats lost") : tr("unknown");
            state.message = haproxy.read ? haproxy.lostText() : tr("reading stats from %1…").arg(haproxy.source);
        }
    }
    for (auto it = sample.externalLoadBalancerOf.cbegin(); it != sample.externalLoadBalancerOf.cend(); ++it) {
        const auto haproxy = std::find_if(sample.external.cbegin(), sample.external.cend(),
                                          [&](const External::ExternalSnapshot &s) { return s.loadBalancer == it.value(); });
        if (haproxy != sample.external.cend() && !haproxy->runtimeApi) {
            states[it.key()].adminUnavailable
                = tr("%1 has no stats socket: set its Stats socket (level admin) to drain or stop its servers")
                      .arg(it.value());
        }
    }
}

} // namespace

QHash<QString, NodeLiveState> liveStatesOf(const RunSample &sample,
                                           const QHash<QString, bool> &embedded,
                                           const RunSample *previous)
{
    QHash<QString, Health::ServerHealth> health;
    for (const Health::ServerHealth &server : sample.health) {
        auto it = health.find(server.server);
        if (it == health.end())
            health.insert(server.server, server);
        else if (worse(server, *it))
            *it = server;
    }

    QHash<QString, NodeLiveState> states;
    for (auto it = health.cbegin(); it != health.cend(); ++it) {
        NodeLiveState state = serverState(*it);
        state.embedded = embedded.value(it.key());
        states.insert(it.key(), state);
    }
    QHash<QString, FirewallFigures> firewalls;
    for (const Engine::StatsRow &row : sample.stats.rows) {
        const QString proxy = QString::fromStdString(row.pxname);
        if (row.type == Engine::StatsRow::Type::Frontend) {
            NodeLiveState &state = states[proxy];
            state.running = true;
            // HTTP counts requests, TCP connections.
            state.requestsPerSecond = double(row.reqTot > 0 ? row.reqRate : row.rate);
            state.sessions = int(row.scur);
            if (row.status != "OPEN") {
                // Failed on purpose (what-if): its port refuses connections.
                state.status = QString::fromStdString(row.status);
                state.up = false;
                state.message = QCoreApplication::translate("Loadstar::Ui::LiveSample", "%1: not listening")
                                    .arg(state.status);
            }
            if (!row.firewall.empty())
                firewalls[QString::fromStdString(row.firewall)].add(row);
        } else if (row.type == Engine::StatsRow::Type::Server) {
            auto state = states.find(QString::fromStdString(row.svname));
            if (state == states.end())
                continue;
            state->requestsPerSecond = std::max(0.0, state->requestsPerSecond) + double(row.rate);
            state->sessions = std::max(0, state->sessions) + int(row.scur);
            state->balanced = true;
            state->weight = int(row.weight);
            // HAProxy's status column: an administrative state outranks health.
            const QString status = QString::fromStdString(row.status);
            if (status == QLatin1String("MAINT") || status == QLatin1String("DRAIN")) {
                state->admin = status;
                state->status = status;
                state->up = status == QLatin1String("DRAIN") && state->up;
            }
        }
    }
    for (auto it = firewalls.cbegin(); it != firewalls.cend(); ++it) {
        NodeLiveState &state = states[it.key()];
        state.running = true;
        state.requestsPerSecond = double(it->connRate);
        state.figures = it->text();
    }
    for (const Engine::DemoBackendStats &backend : sample.demo) {
        auto state = states.find(backend.name);
        if (state != states.end())
            state->fault = describeFaults(backend.fault);
    }
    addDatabaseStates(states, sample, previous);
    for (const Engine::TrafficClientStats &client : sample.traffic) {
        // A client linked to two load balancers is one card.
        NodeLiveState &state = states[client.name];
        state.running = true;
        state.requestsPerSecond = std::max(0.0, state.requestsPerSecond) + double(client.requestRate);
        state.sessions = std::max(0, state.sessions) + client.connections;
        const quint64 failed = client.failed() + client.responses[4];
        QStringList line;
        if (client.answered() > 0)
            line.append(QCoreApplication::translate("Loadstar::Ui::LiveSample", "p95 %1 ms").arg(qRound(client.p95Ms)));
        if (failed > 0)
            line.append(QCoreApplication::translate("Loadstar::Ui::LiveSample", "%1 failed").arg(failed));
        state.message = line.join(QStringLiteral(" · "));
    }
    for (const Monitor::MonitorStatus &monitor : sample.monitors) {
        NodeLiveState &state = states[monitor.monitor];
        state.running = true;
        state.message = monitor.text();
    }
    addExternalHaproxyStates(states, sample);
    return states;
}

namespace {

// Responses by class so far, for rates between two samples.
struct ResponseCounts
{
    quint64 ok = 0, clientErrors = 0, serverErrors = 0; // 2xx, 4xx, 5xx
};

QHash<QString, ResponseCounts> responseCounts(const RunSample &sample)
{
    QHash<QString, ResponseCounts> counts;
    for (const Engine::StatsRow &row : sample.stats.rows) {
        if (row.type == Engine::StatsRow::Type::Backend)
            continue;
        ResponseCounts &c = counts[QString::fromStdString(
            row.type == Engine::StatsRow::Type::Frontend ? row.pxname : row.svname)];
        c.ok += row.hrsp[1];
        c.clientErrors += row.hrsp[3];
        c.serverErrors += row.hrsp[4];
    }
    for (const Engine::TrafficClientStats &client : sample.traffic) {
        ResponseCounts &c = counts[client.name];
        c.ok += client.responses[1];
        c.clientErrors += client.responses[3];
        // What a user of the client sees fail: 5xx, and no answer at all.
        c.serverErrors += client.responses[4] + client.failed();
    }
    return counts;
}

double orUnknown(double value)
{
    return value > 0 ? value : -1;
}

void worstLatency(NodeMetrics &m, double p50, double p95, double p99)
{
    m.p50Ms = std::max(m.p50Ms, orUnknown(p50));
    m.p95Ms = std::max(m.p95Ms, orUnknown(p95));
    m.p99Ms = std::max(m.p99Ms, orUnknown(p99));
}

} // namespace

QList<NodeMetrics> metricsOf(const RunSample &sample, const RunSample *previous)
{
    QHash<QString, NodeMetrics> metrics;
    const auto node = [&](const QString &name) -> NodeMetrics & {
        NodeMetrics &m = metrics[name];
        m.node = name;
        m.time = sample.time;
        return m;
    };
    for (const Health::ServerHealth &server : sample.health) {
        NodeMetrics &m = node(server.server);
        m.up = m.up && server.up; // down behind any load balancer
        if (server.lastCheck.code != Health::CheckCode::Unknown)
            m.checkDurationMs = std::max(m.checkDurationMs, server.lastCheck.durationMs);
    }
    for (const Engine::StatsRow &row : sample.stats.rows) {
        if (row.type == Engine::StatsRow::Type::Frontend) {
            NodeMetrics &m = node(QString::fromStdString(row.pxname));
            m.requestsPerSecond = double(row.reqTot > 0 ? row.reqRate : row.rate);
            m.sessions = int(row.scur);
            if (!row.firewall.empty()) {
                // A firewall's rate is the connections it judged.
                NodeMetrics &firewall = node(QString::fromStdString(row.firewall));
                firewall.requestsPerSecond = std::max(0.0, firewall.requestsPerSecond) + double(row.connRate);
            }
        } else if (row.type == Engine::StatsRow::Type::Backend) {
            // The load balancer's latency: its servers' responses together.
            worstLatency(node(QString::fromStdString(row.pxname)), row.rtimeP50, row.rtimeP95, row.rtimeP99);
        } else {
            NodeMetrics &m = node(QString::fromStdString(row.svname));
            m.requestsPerSecond = std::max(0.0, m.requestsPerSecond) + double(row.rate);
            m.sessions = std::max(0, m.sessions) + int(row.scur);
            worstLatency(m, row.rtimeP50, row.rtimeP95, row.rtimeP99);
        }
    }
    for (const Engine::TrafficClientStats &client : sample.traffic) {
        NodeMetrics &m = node(client.name);
        m.requestsPerSecond = std::max(0.0, m.requestsPerSecond) + double(client.requestRate);
        m.sessions = std::max(0, m.sessions) + client.connections;
        worstLatency(m, client.p50Ms, client.p95Ms, client.p99Ms);
    }

    const double seconds = previous && previous->time.isValid()
                               ? double(previous->time.msecsTo(sample.time)) / 1000.0
                               : 0.0;
    if (seconds > 0) {
        const QHash<QString, ResponseCounts> now = responseCounts(sample);
        const QHash<QString, ResponseCounts> before = responseCounts(*previous);
        for (auto it = now.cbegin(); it != now.cend(); ++it) {
            const auto then = before.constFind(it.key());
            if (then == before.cend() || !metrics.contains(it.key()))
                continue;
            // Counters restart with a new run of a changed drawing: never a
            // negative rate.
            const auto rate = [seconds](quint64 a, quint64 b) { return a >= b ? double(a - b) / seconds : 0.0; };
            NodeMetrics &m = metrics[it.key()];
            m.rate2xx = rate(it->ok, then->ok);
            m.rate4xx = rate(it->clientErrors, then->clientErrors);
            m.rate5xx = rate(it->serverErrors, then->serverErrors);
        }
    }
    addDatabaseMetrics(metrics, sample, previous);
    QList<NodeMetrics> list = metrics.values();
    std::sort(list.begin(), list.end(), [](const NodeMetrics &a, const NodeMetrics &b) { return a.node < b.node; });
    return list;
}

} // namespace Loadstar::Ui
