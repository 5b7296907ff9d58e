#include "LiveDatabases.h"

#include "engine/database/DatabaseControlPages.h"

#include <QCoreApplication>

#include <algorithm>

namespace Loadstar::Ui {

namespace {

using Engine::DatabaseServerStatus;
using Engine::DatabaseTrafficStats;

QString tr(const char *text)
{
    return QCoreApplication::translate("Loadstar::Ui::LiveSample", text);
}

double secondsBetween(const RunSample *previous, const RunSample &sample)
{
    if (!previous || !previous->time.isValid() || !sample.time.isValid())
        return 0;
    return double(previous->time.msecsTo(sample.time)) / 1000.0;
}

// Counters restart with a revived server or a new run: never a negative rate.
double growth(quint64 now, quint64 before, double seconds)
{
    return now >= before ? double(now - before) / seconds : 0.0;
}

const DatabaseServerStatus *statusNamed(const QList<DatabaseServerStatus> &databases,
                                        const QString &name)
{
    const auto found
        = std::find_if(databases.cbegin(), databases.cend(),
                       [&](const DatabaseServerStatus &status) { return status.name == name; });
    return found == databases.cend() ? nullptr : &*found;
}

const DatabaseTrafficStats *queriesOf(const QList<DatabaseTrafficStats> &queries,
                                      const DatabaseTrafficStats &like)
{
    const auto found
        = std::find_if(queries.cbegin(), queries.cend(), [&](const DatabaseTrafficStats &q) {
              return q.backend == like.backend && q.database == like.database;
          });
    return found == queries.cend() ? nullptr : &*found;
}

// A status that names no role yet but replicates from somewhere is a replica.
bool isReplica(const DatabaseServerStatus &status)
{
    return status.role == QLatin1String("replica")
           || (status.role.isEmpty() && !status.source.isEmpty());
}

ReplicationState replicationOf(const DatabaseServerStatus &status)
{
    if (status.state != DatabaseServerStatus::State::Running || !isReplica(status))
        return ReplicationState::None;
    if (status.replicating)
        return ReplicationState::Running;
    if (!status.fault.replicationStopped && !status.replicationError.isEmpty())
        return ReplicationState::Broken;
    return ReplicationState::Stopped;
}

// A database's servers either run it (and say how it goes) or say why they
// can't; a database that is not a demo one is left to its probe.
bool isDemo(const DatabaseServerStatus &status)
{
    return status.state != DatabaseServerStatus::State::Failed;
}

// The queries each demo backend sent each database since `previous`, per second.
QHash<QString, QHash<QString, QueryRates>> queryRates(const RunSample &sample,
                                                      const RunSample *previous)
{
    QHash<QString, QHash<QString, QueryRates>> rates; // database → backend → rates
    const double seconds = secondsBetween(previous, sample);
    for (const DatabaseTrafficStats &now : sample.queries) {
        QueryRates &rate = rates[now.database][now.backend];
        const DatabaseTrafficStats *before
            = seconds > 0 ? queriesOf(previous->queries, now) : nullptr;
        if (!before)
            continue;
        rate.reads = growth(now.reads, before->reads, seconds);
        rate.writes = growth(now.writes, before->writes, seconds);
        rate.failed = growth(now.failed, before->failed, seconds);
    }
    return rates;
}

// What the queries sent to each database add up to.
struct QueryTotals
{
    quint64 staleReads = 0;
    int connections = 0;
};

QHash<QString, QueryTotals> queryTotals(const RunSample &sample)
{
    QHash<QString, QueryTotals> totals;
    for (const DatabaseTrafficStats &queries : sample.queries) {
        QueryTotals &total = totals[queries.database];
        total.staleReads += queries.staleReads;
        total.connections += queries.connections;
    }
    return totals;
}

double queriesPerSecond(const DatabaseServerStatus &status, const RunSample &sample,
                        const RunSample *previous)
{
    const double seconds = secondsBetween(previous, sample);
    const DatabaseServerStatus *before
        = seconds > 0 ? statusNamed(previous->databases, status.name) : nullptr;
    if (!before || status.state != DatabaseServerStatus::State::Running)
        return before ? 0.0 : -1.0;
    // The servers are read on a clock of their own: the counters grew
    // between two of their readings, not between two samples.
    const qint64 ms = before->sampledAt.isValid() && status.sampledAt.isValid()
                          ? before->sampledAt.msecsTo(status.sampledAt)
                          : 0;
    return growth(status.queries, before->queries, ms > 0 ? double(ms) / 1000.0 : seconds);
}

void applyStatus(NodeLiveState &state, const DatabaseServerStatus &status)
{
    switch (status.state) {
    case DatabaseServerStatus::State::Failed:
        // It can't run at all: the sentence says why and what to do.
        state.message = status.message;
        return;
    case DatabaseServerStatus::State::Starting:
        // Not DOWN: on its way up, the checks' failures are expected.
        state.status = tr("starting");
        state.up = false;
        state.checkCode.clear();
        state.reason.clear();
        state.healthCount = -1;
        break;
    case DatabaseServerStatus::State::Stopped:
        if (!status.fault.killed && !status.message.isEmpty())
            state.reason = status.message; // it exited by itself: why
        break;
    case DatabaseServerStatus::State::Running:
        break;
    }
    DatabaseLiveState &database = state.database;
    database.demo = true;
    database.role = status.role;
    database.connections = status.connections;
    database.replication = replicationOf(status);
    database.source = status.source;
    database.replicationError = status.replicationError;
    database.fault = status.fault;
    // The words of `loadstar run`'s fault page; nothing when healthy.
    state.fault = status.fault.any() ? Engine::describeDatabaseFault(status.fault) : QString();
    if (status.lagSeconds >= 0 && isReplica(status))
        state.replicationLagMs = status.lagSeconds * 1000.0;
}

} // namespace

void addDatabaseStates(QHash<QString, NodeLiveState> &states, const RunSample &sample,
                       const RunSample *previous)
{
    const QHash<QString, QHash<QString, QueryRates>> rates = queryRates(sample, previous);
    const QHash<QString, QueryTotals> totals = queryTotals(sample);
    for (const DatabaseServerStatus &status : sample.databases) {
        if (!isDemo(status) && status.message.isEmpty())
            continue; // not a demo database: its probe says it all
        NodeLiveState &state = states[status.name];
        state.running = true;
        applyStatus(state, status);
        if (!isDemo(status))
            continue;
        DatabaseLiveState &database = state.database;
        const QueryTotals total = totals.value(status.name);
        database.staleReads = total.staleReads;
        if (database.connections < 0 && totals.contains(status.name))
            database.connections = total.connections;
        database.queriesPerSecond = queriesPerSecond(status, sample, previous);
        database.queriesFrom = rates.value(status.name);
    }
    for (const Engine::DatabasePromotion &promotion : sample.promotions) {
        auto state = states.find(promotion.newPrimary);
        if (state != states.end() && state->database.role == QLatin1String("primary"))
            state->database.promotedAt = promotion.promotedAt;
    }
}

void addDatabaseMetrics(QHash<QString, NodeMetrics> &metrics, const RunSample &sample,
                        const RunSample *previous)
{
    const auto node = [&](const QString &name) -> NodeMetrics & {
        NodeMetrics &m = metrics[name];
        m.node = name;
        m.time = sample.time;
        return m;
    };
    const double seconds = secondsBetween(previous, sample);
    const QHash<QString, QHash<QString, QueryRates>> rates = queryRates(sample, previous);
    const QHash<QString, QueryTotals> totals = queryTotals(sample);
    QHash<QString, quint64> staleBefore;
    if (seconds > 0) {
        for (const DatabaseTrafficStats &queries : previous->queries)
            staleBefore[queries.database] += queries.staleReads;
    }
    for (const DatabaseServerStatus &status : sample.databases) {
        if (!isDemo(status))
            continue;
        NodeMetrics &m = node(status.name);
        m.queriesPerSecond = queriesPerSecond(status, sample, previous);
        m.connections
            = status.connections >= 0 ? status.connections : totals.value(status.name).connections;
        if (isReplica(status) && status.lagSeconds >= 0)
            m.lagSeconds = status.lagSeconds;
        if (seconds <= 0)
            continue;
        QueryRates sum;
        const QHash<QString, QueryRates> from = rates.value(status.name);
        for (const QueryRates &rate : from) {
            sum.reads += rate.reads;
            sum.writes += rate.writes;
        }
        m.readsPerSecond = sum.reads;
        m.writesPerSecond = sum.writes;
        if (isReplica(status))
            m.staleReadsPerSecond = growth(totals.value(status.name).staleReads,
                                           staleBefore.value(status.name), seconds);
    }
}

} // namespace Loadstar::Ui
