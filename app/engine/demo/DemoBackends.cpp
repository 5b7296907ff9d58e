#include "DemoBackends.h"

#include "DataTier.h"
#include "DemoBackend.h"
#include "engine/IoThread.h"

#include <QSet>

#include <cerrno>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

namespace Loadstar::Engine {

using asio::ip::tcp;

namespace detail {

// What the facade keeps: the backends, and the worker thread they run on.
// The mutex guards everything here; backends themselves are touched only on
// the worker thread, except their counters.
class DemoBackendsCore : public IoThread
{
public:
    struct Entry
    {
        ServerConfig config;
        std::shared_ptr<DemoBackend> backend;
        DemoFault fault;   // a copy, for reading without the worker
        quint16 port = 0;  // the port listened on
    };

    Entry *find(const QString &name)
    {
        for (Entry &entry : entries) {
            if (entry.config.name == name)
                return &entry;
        }
        return nullptr;
    }

    mutable std::mutex mutex;
    std::vector<Entry> entries; // in configuration order
    // The data tier of the run, touched on the worker only; its figures
    // stay readable after the run.
    std::unique_ptr<DataTier> dataTier;
    std::shared_ptr<DatabaseFigures> figures = std::make_shared<DatabaseFigures>();
    ObservationHub observations;

    // Routing arrives from the database servers' thread at any time, even
    // while start() or stop() holds the mutex above (and waits for the
    // worker): it has a mutex of its own, and is posted, never waited for.
    std::mutex routingMutex;
    QList<ClusterRouting> routing; // the latest
    DataTier *routeTo = nullptr;   // while the worker runs

    void postRouting()
    {
        if (routeTo)
            asio::post(*io, [tier = routeTo, routing = routing] { tier->setRouting(routing); });
    }
};

} // namespace detail

using detail::DemoBackend;
using Entry = detail::DemoBackendsCore::Entry;

namespace {

QString endpointText(const QString &address, quint16 port)
{
    return address.contains(QLatin1Char(':')) ? QStringLiteral("[%1]:%2").arg(address).arg(port)
                                              : QStringLiteral("%1:%2").arg(address).arg(port);
}

// Demo backends serve this machine only: a literal loopback address, or
// "localhost" (no name look-up, which could block).
bool loopbackEndpoint(const ServerConfig &server, tcp::endpoint &endpoint, QString *error)
{
    asio::error_code code;
    asio::ip::address address;
    if (server.address.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        address = asio::ip::address_v4::loopback();
    else
        address = asio::ip::make_address(server.address.toStdString(), code);
    if (code || !address.is_loopback()) {
        if (error)
            *error = QStringLiteral("%1 can't be a demo backend on %2: demo backends listen only on loopback "
                                    "addresses (127.0.0.0/8 or ::1).")
                         .arg(server.name, server.address);
        return false;
    }
    endpoint = tcp::endpoint(address, server.port);
    return true;
}

QString listenError(const ServerConfig &server, quint16 port, int code)
{
    const QString where = endpointText(server.address, port);
    switch (code) {
    case EADDRINUSE:
        return QStringLiteral("%1 can't listen on %2: the port is in use.").arg(server.name, where);
    case EADDRNOTAVAIL:
        return QStringLiteral("%1 can't listen on %2: %3 is not an address of this machine.")
            .arg(server.name, where, server.address);
    case EACCES:
        return QStringLiteral("%1 can't listen on %2: ports below 1024 need administrator rights.")
            .arg(server.name, where);
    default:
        return QStringLiteral("%1 can't listen on %2: %3.")
            .arg(server.name, where, QString::fromLocal8Bit(std::strerror(code)));
    }
}

// The embedded servers and their endpoints, or false with the first
// problem in *error.
bool embeddedEndpoints(const EngineConfig &config, QList<ServerConfig> &servers, std::vector<tcp::endpoint> &endpoints,
                       QString *error)
{
    servers = DemoBackends::embeddedServers(config);
    endpoints.resize(size_t(servers.size()));
    for (qsizetype i = 0; i < servers.size(); ++i) {
        if (!loopbackEndpoint(servers[i], endpoints[size_t(i)], error))
            return false;
    }
    return true;
}

DemoFault bounded(DemoFault fault)
{
    fault.latencyMs = std::max(0, fault.latencyMs);
    fault.errorPercent = std::clamp(fault.errorPercent, 0, 100);
    return fault;
}

} // namespace

DemoBackends::DemoBackends()
    : m_core(std::make_unique<detail::DemoBackendsCore>())
{}

DemoBackends::~DemoBackends()
{
    stop();
}

QList<ServerConfig> DemoBackends::embeddedServers(const EngineConfig &config)
{
    QList<ServerConfig> servers;
    QSet<QString> seen;
    auto add = [&](const ServerConfig &server) {
        // The same server linked from two load balancers runs once, as first seen.
        if (server.embedded && !seen.contains(server.name)) {
            seen.insert(server.name);
            servers.append(server);
        }
    };
    for (const FrontendConfig &frontend : config.frontends) {
        for (const ServerConfig &server : frontend.servers)
            add(server);
    }
    for (const ServerConfig &server : config.watched)
        add(server);
    return servers;
}

bool DemoBackends::start(const EngineConfig &config, QString *error)
{
    stop();
    QList<ServerConfig> servers;
    std::vector<tcp::endpoint> endpoints;
    if (!embeddedEndpoints(config, servers, endpoints, error))
        return false;

    std::lock_guard lock(m_core->mutex);
    detail::DemoBackendsCore &core = *m_core;
    core.createIo();
    core.figures = std::make_shared<detail::DatabaseFigures>();
    core.dataTier = std::make_unique<detail::DataTier>(*core.io, core.figures, &core.observations);
    core.dataTier->configure(servers, config.databases);
    // Everything listens before the worker starts, so a port in use stops
    // the whole start with nothing left behind.
    std::vector<Entry> entries;
    for (qsizetype i = 0; i < servers.size(); ++i) {
        const ServerConfig &server = servers[i];
        auto backend = std::make_shared<DemoBackend>(*core.io, server.name.toStdString(), endpoints[size_t(i)],
                                                     core.dataTier.get());
        if (const int code = backend->listen()) {
            if (error)
                *error = listenError(server, server.port, code);
            backend->shutdown();
            for (const Entry &entry : entries)
                entry.backend->shutdown();
            entries.clear();
            backend.reset();
            core.io->run(); // the aborted accepts release their backends
            core.dataTier.reset();
            core.io.reset();
            return false;
        }
        entries.push_back({server, backend, {}, backend->endpoint().port()});
    }
    core.entries = std::move(entries);
    core.startThread();
    std::lock_guard routingLock(core.routingMutex);
    core.routeTo = core.dataTier.get();
    core.postRouting();
    return true;
}

bool DemoBackends::apply(const EngineConfig &config, QString *error)
{
    if (!isRunning())
        return start(config, error);
    QList<ServerConfig> servers;
    std::vector<tcp::endpoint> endpoints;
    if (!embeddedEndpoints(config, servers, endpoints, error))
        return false;

    std::lock_guard lock(m_core->mutex);
    detail::DemoBackendsCore &core = *m_core;
    if (!core.threadRunning()) {
        if (error)
            *error = QStringLiteral("The demo backends were stopped meanwhile.");
        return false;
    }

    // Kept: same name, address and configured port.
    std::vector<Entry> next(size_t(servers.size()));
    std::vector<bool> fresh(next.size(), true);
    std::vector<bool> kept(core.entries.size(), false);
    for (size_t i = 0; i < next.size(); ++i) {
        const ServerConfig &server = servers[qsizetype(i)];
        next[i].config = server;
        for (size_t o = 0; o < core.entries.size(); ++o) {
            const ServerConfig &old = core.entries[o].config;
            if (!kept[o] && old.name == server.name && old.address == server.address && old.port == server.port) {
                kept[o] = true;
                fresh[i] = false;
                next[i].backend = core.entries[o].backend;
                next[i].fault = core.entries[o].fault;
                next[i].port = core.entries[o].port;
                break;
            }
        }
    }
    std::vector<std::shared_ptr<DemoBackend>> removed;
    for (size_t o = 0; o < core.entries.size(); ++o) {
        if (!kept[o])
            removed.push_back(core.entries[o].backend);
    }

    // New backends listen first, so a port in use changes nothing; those
    // that take over the port of one going away listen once it has gone.
    auto heldByRemoved = [&](const tcp::endpoint &endpoint) {
        for (const auto &backend : removed) {
            if (endpoint.port() != 0 && backend->endpoint() == endpoint)
                return true;
        }
        return false;
    };
    QString failure;
    const bool changed = core.run([&] {
        auto open = [&](size_t i) {
            auto backend = std::make_shared<DemoBackend>(*core.io, next[i].config.name.toStdString(), endpoints[i],
                                                         core.dataTier.get());
            if (const int code = backend->listen()) {
                if (failure.isEmpty())
                    failure = listenError(next[i].config, next[i].config.port, code);
                return false;
            }
            next[i].backend = backend;
            next[i].port = backend->endpoint().port();
            return true;
        };
        for (size_t i = 0; i < next.size(); ++i) {
            if (fresh[i] && !heldByRemoved(endpoints[i]) && !open(i)) {
                for (size_t j = 0; j < i; ++j) {
                    if (fresh[j] && next[j].backend)
                        next[j].backend->shutdown();
                }
                return false;
            }
        }
        for (const auto &backend : removed)
            backend->shutdown();
        for (size_t i = 0; i < next.size(); ++i) {
            if (fresh[i] && !next[i].backend)
                open(i);
        }
        core.dataTier->configure(servers, config.databases);
        return true;
    });
    if (changed) {
        // A backend that could not take over a port stays out.
        std::erase_if(next, [](const Entry &entry) { return !entry.backend; });
        core.entries = std::move(next);
    }
    if (!failure.isEmpty() && error)
        *error = failure;
    return failure.isEmpty();
}

void DemoBackends::stop()
{
    std::lock_guard lock(m_core->mutex);
    detail::DemoBackendsCore &core = *m_core;
    if (!core.io)
        return;
    {
        std::lock_guard routingLock(core.routingMutex);
        core.routeTo = nullptr;
    }
    core.stopThread([&core] {
        for (const Entry &entry : core.entries)
            entry.backend->shutdown();
        core.dataTier->shutdown();
    });
    core.entries.clear();
    core.dataTier.reset();
    core.io.reset();
}

bool DemoBackends::isRunning() const
{
    std::lock_guard lock(m_core->mutex);
    return m_core->threadRunning();
}

QStringList DemoBackends::names() const
{
    std::lock_guard lock(m_core->mutex);
    QStringList names;
    for (const Entry &entry : m_core->entries)
        names.append(entry.config.name);
    return names;
}

quint16 DemoBackends::port(const QString &name) const
{
    std::lock_guard lock(m_core->mutex);
    const Entry *entry = m_core->find(name);
    return entry ? entry->port : 0;
}

bool DemoBackends::setFault(const QString &name, const DemoFault &fault, QString *error)
{
    std::lock_guard lock(m_core->mutex);
    Entry *entry = m_core->find(name);
    if (!entry) {
        if (error)
            *error = QStringLiteral("There is no demo backend named %1.").arg(name);
        return false;
    }
    const DemoFault wanted = bounded(fault);
    const std::shared_ptr<DemoBackend> backend = entry->backend;
    const int code = m_core->run([&] { return backend->setFault(wanted); });
    entry->fault = wanted;
    if (code) {
        entry->fault.killed = true;
        if (error)
            *error = listenError(entry->config, entry->port, code);
        return false;
    }
    return true;
}

DemoFault DemoBackends::fault(const QString &name) const
{
    std::lock_guard lock(m_core->mutex);
    const Entry *entry = m_core->find(name);
    return entry ? entry->fault : DemoFault{};
}

bool DemoBackends::setKilled(const QString &name, bool killed, QString *error)
{
    DemoFault changed = fault(name);
    changed.killed = killed;
    return setFault(name, changed, error);
}

bool DemoBackends::setHung(const QString &name, bool hung, QString *error)
{
    DemoFault changed = fault(name);
    changed.hung = hung;
    return setFault(name, changed, error);
}

bool DemoBackends::setLatency(const QString &name, int milliseconds, QString *error)
{
    DemoFault changed = fault(name);
    changed.latencyMs = milliseconds;
    return setFault(name, changed, error);
}

bool DemoBackends::setErrorPercent(const QString &name, int percent, QString *error)
{
    DemoFault changed = fault(name);
    changed.errorPercent = percent;
    return setFault(name, changed, error);
}

QList<DemoBackendStats> DemoBackends::stats() const
{
    std::lock_guard lock(m_core->mutex);
    QList<DemoBackendStats> rows;
    for (const Entry &entry : m_core->entries) {
        const detail::DemoCounters &counters = entry.backend->counters();
        DemoBackendStats row;
        row.name = entry.config.name;
        row.address = entry.config.address;
        row.port = entry.port;
        row.fault = entry.fault;
        row.answered = counters.answered.load(std::memory_order_relaxed);
        row.errors = counters.errors.load(std::memory_order_relaxed);
        row.connections = std::max(0, counters.connections.load(std::memory_order_relaxed));
        rows.append(row);
    }
    return rows;
}

void DemoBackends::setDatabaseRouting(const QList<ClusterRouting> &routing)
{
    std::lock_guard lock(m_core->routingMutex);
    m_core->routing = routing;
    m_core->postRouting();
}

QList<DatabaseTrafficStats> DemoBackends::databaseStats() const
{
    std::shared_ptr<detail::DatabaseFigures> figures;
    {
        std::lock_guard lock(m_core->mutex);
        figures = m_core->figures;
    }
    return figures->stats();
}

QList<WriteOutage> DemoBackends::writeOutages() const
{
    std::shared_ptr<detail::DatabaseFigures> figures;
    {
        std::lock_guard lock(m_core->mutex);
        figures = m_core->figures;
    }
    return figures->outages();
}

void DemoBackends::setDatabaseObservationHandler(std::function<void(const QString &, const QString &)> handler)
{
    if (!handler) {
        m_core->observations.setHandler({});
        return;
    }
    m_core->observations.setHandler(
        [handler = std::move(handler)](const QString &, const QString &database, const QString &reason) {
            handler(database, reason);
        });
}

} // namespace Loadstar::Engine
