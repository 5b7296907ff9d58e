#include "LiveSample.h"

#include "engine/EngineConfig.h"
#include "engine/LiveSession.h"

namespace Loadstar::Ui {

namespace {

// Of two views of one server (it sits behind two load balancers), the one
// a user must see: a server that is down, or failing, behind any of them.
bool worse(const Health::ServerHealth &candidate, const Health::ServerHealth &current)
{
    if (candidate.up != current.up)
        return !candidate.up;
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

} // namespace

RunSample takeSample(LiveSession &session)
{
    RunSample sample;
    sample.health = session.monitor().snapshot();
    sample.stats = session.engine().stats();
    sample.demo = session.demoBackends().stats();
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

QHash<QString, NodeLiveState> liveStatesOf(const RunSample &sample, const QHash<QString, bool> &embedded)
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
    for (const Engine::StatsRow &row : sample.stats.rows) {
        const QString proxy = QString::fromStdString(row.pxname);
        if (row.type == Engine::StatsRow::Type::Frontend) {
            NodeLiveState &state = states[proxy];
            state.running = true;
            // HTTP counts requests, TCP connections.
            state.requestsPerSecond = double(row.reqTot > 0 ? row.reqRate : row.rate);
            state.sessions = int(row.scur);
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
    for (const Engine::DemoBackendStats &backend : sample.demo) {
        auto state = states.find(backend.name);
        if (state != states.end())
            state->fault = describeFaults(backend.fault);
    }
    return states;
}

} // namespace Loadstar::Ui
