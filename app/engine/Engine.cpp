#include "Engine.h"

#include "EngineCore.h"
#include "StatsListener.h"

#include <QStringList>

#include <cerrno>
#include <future>
#include <cstring>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Loadstar::Engine {

using detail::Backend;
using detail::FrontendShared;
using detail::StatsNode;
using detail::tcp;

namespace {

QString endpointText(const QString &address, quint16 port)
{
    return address.contains(QLatin1Char(':')) ? QStringLiteral("[%1]:%2").arg(address).arg(port)
                                              : QStringLiteral("%1:%2").arg(address).arg(port);
}

// A literal address, or a host name looked up once (this blocks: callers
// keep it off the GUI thread).
bool resolve(const QString &host, quint16 port, tcp::endpoint &endpoint, QString *error, const QString &what)
{
    asio::error_code code;
    const std::string text = host.toStdString();
    const asio::ip::address address = asio::ip::make_address(text, code);
    if (!code) {
        endpoint = tcp::endpoint(address, port);
        return true;
    }
    asio::io_context io;
    tcp::resolver resolver(io);
    const auto results = resolver.resolve(text, std::to_string(port), code);
    if (code || results.empty()) {
        if (error)
            *error = QStringLiteral("Cannot find the address “%1” of %2.").arg(host, what);
        return false;
    }
    endpoint = *results.begin();
    return true;
}

// A listening socket, bound here so the caller learns at once why it can't be.
int bindListener(tcp::endpoint &endpoint, const QString &what, const QString &address, QString *error)
{
    const int fd = ::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        if (error)
            *error = QStringLiteral("Cannot listen for %1: %2.").arg(what, QString::fromLocal8Bit(std::strerror(errno)));
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, endpoint.data(), socklen_t(endpoint.size())) != 0 || ::listen(fd, SOMAXCONN) != 0) {
        const int code = errno;
        ::close(fd);
        if (error) {
            const QString where = endpointText(address, endpoint.port());
            switch (code) {
            case EADDRINUSE:
                *error = QStringLiteral("Cannot listen on %1 for %2: the port is already in use.").arg(where, what);
                break;
            case EADDRNOTAVAIL:
                *error = QStringLiteral("Cannot listen on %1 for %2: %3 is not an address of this machine.")
                             .arg(where, what, address);
                break;
            case EACCES:
                *error = QStringLiteral("Cannot listen on %1 for %2: ports below 1024 need administrator rights.")
                             .arg(where, what);
                break;
            default:
                *error = QStringLiteral("Cannot listen on %1 for %2: %3.")
                             .arg(where, what, QString::fromLocal8Bit(std::strerror(code)));
                break;
            }
        }
        return -1;
    }
    sockaddr_storage bound{};
    socklen_t size = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &size) == 0) {
        std::memcpy(endpoint.data(), &bound, std::min<size_t>(size, endpoint.capacity()));
        endpoint.resize(size);
    }
    return fd;
}

// Each worker knows its own run of responses; the server's run is the
// latest one, extended back through every worker's run that overlaps it or
// ends less than a gap before it.
void servingTimes(const StatsNode &node, StatsRow &row)
{
    for (int w = 0; w < node.workers(); ++w)
        row.lastResponseMs = std::max(row.lastResponseMs, node.at(w).serving.last());
    if (row.lastResponseMs == 0)
        return;
    int64_t since = row.lastResponseMs;
    for (bool extended = true; extended;) {
        extended = false;
        for (int w = 0; w < node.workers(); ++w) {
            const detail::ServingTimes &serving = node.at(w).serving;
            if (serving.last() != 0 && serving.since() < since
                && serving.last() > since - detail::ServingTimes::GapMs) {
                since = serving.since();
                extended = true;
            }
        }
    }
    row.servingSinceMs = since;
}

// Sums one counter block over the workers into a stats row.
void addCounters(const StatsNode &node, StatsRow &row, detail::Clock::time_point now)
{
    uint64_t sums[4] = {};
    uint64_t counts[4] = {};
    int64_t scur = 0;
    detail::LatencyWindow::Histogram rtimes{};
    for (int w = 0; w < node.workers(); ++w) {
        const detail::CounterBlock &block = node.at(w);
        block.rtimeWindow.collect(now, rtimes);
        row.stot += block.stot.value();
        row.bin += block.bin.value();
        row.bout += block.bout.value();
        row.ereq += block.ereq.value();
        row.econ += block.econ.value();
        row.eresp += block.eresp.value();
        row.wretr += block.wretr.value();
        row.wredis += block.wredis.value();
        row.lbtot += block.lbtot.value();
        row.reqTot += block.reqTot.value();
        row.cliAbrt += block.cliAbrt.value();
        row.srvAbrt += block.srvAbrt.value();
        row.connTot += block.connTot.value();
        row.dcon += block.dcon.value();
        row.dconRateLimited += block.dconRateLimited.value();
        row.connRate += block.connRate.perSecond(now);
        row.connRateMax += block.connRate.max();
        for (int i = 0; i < 6; ++i)
            row.hrsp[i] += block.hrsp[i].value();
        scur += block.scur.value();
        row.smax += uint64_t(std::max<int64_t>(0, block.scur.max()));
        row.rate += block.rate.perSecond(now);
        row.rateMax += block.rate.max();
        row.reqRate += block.reqRate.perSecond(now);
        const detail::SlidingAverage *averages[4] = {&block.qtime, &block.ctime, &block.rtime, &block.ttime};
        for (int i = 0; i < 4; ++i) {
            sums[i] += averages[i]->sum();
            counts[i] += std::min(averages[i]->count(), detail::SlidingAverage::Window);
        }
    }
    row.scur = uint64_t(std::max<int64_t>(0, scur));
    uint64_t *times[4] = {&row.qtime, &row.ctime, &row.rtime, &row.ttime};
    for (int i = 0; i < 4; ++i)
        *times[i] = counts[i] ? sums[i] / counts[i] : 0;
    row.rtimeP50 = detail::LatencyWindow::percentileMs(rtimes, 0.50);
    row.rtimeP95 = detail::LatencyWindow::percentileMs(rtimes, 0.95);
    row.rtimeP99 = detail::LatencyWindow::percentileMs(rtimes, 0.99);
    servingTimes(node, row);
}

} // namespace

EngineCore::EngineCore(int threads)
    : m_threads(std::max(1, threads))
{}

EngineCore::~EngineCore()
{
    stop();
}

template<typename Task>
void EngineCore::onEveryWorker(Task task)
{
    for (const auto &worker : m_workers)
        worker->post([w = worker.get(), task] { task(*w); });
}

bool EngineCore::start(const EngineConfig &config, QString *error)
{
    stop();
    {
        std::lock_guard lock(m_mutex);
        // A proxy needs two descriptors per connection: take all the system
        // allows (HAProxy does the same), and keep at most a quarter of them
        // for idle server connections (HAProxy's pool-high-fd-ratio).
        rlimit files{};
        if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
            files.rlim_cur = files.rlim_max;
            ::setrlimit(RLIMIT_NOFILE, &files);
        }
        const size_t idleLimit = std::max<size_t>(16, size_t(files.rlim_cur) / 4 / size_t(m_threads));
        for (int i = 0; i < m_threads; ++i)
            m_workers.push_back(std::make_unique<detail::Worker>(*this, i, idleLimit));
        for (const auto &worker : m_workers)
            worker->start();
    }
    if (!apply(config, error)) {
        stop();
        return false;
    }
    return true;
}

std::shared_ptr<StatsNode> EngineCore::statsNode(const std::string &proxy, const std::string &server)
{
    auto &node = m_statsNodes[{proxy, server}];
    if (!node)
        node = std::make_shared<StatsNode>(m_threads);
    return node;
}

bool EngineCore::apply(const EngineConfig &config, QString *error)
{
    std::lock_guard lock(m_mutex);
    if (m_workers.empty()) {
        if (error)
            *error = QStringLiteral("The engine is not running.");
        return false;
    }
    std::vector<Frontend> next;
    std::vector<int> newFds(size_t(config.frontends.size()), -1);
    std::vector<bool> oldKept(m_frontends.size(), false);
    auto fail = [&newFds] {
        for (int fd : newFds) {
            if (fd >= 0)
                ::close(fd);
        }
        return false;
    };

    for (qsizetype f = 0; f < config.frontends.size(); ++f) {
        const FrontendConfig &fc = config.frontends[f];
        const std::string proxy = fc.name.toStdString();
        if (const QString problem = FirewallRules::problemOf(fc.firewall); !problem.isEmpty()) {
            if (error)
                *error = problem;
            return fail();
        }
        std::vector<detail::ServerRuntime> servers;
        for (const ServerConfig &sc : fc.servers) {
            detail::ServerRuntime server;
            server.name = sc.name.toStdString();
            if (!resolve(sc.address, sc.port, server.endpoint, error, sc.name))
                return fail();
            server.stats = statsNode(proxy, server.name);
            servers.push_back(std::move(server));
        }
        auto backend = std::make_shared<Backend>(fc, std::move(servers), statsNode(proxy, "FRONTEND"),
                                                 statsNode(proxy, "BACKEND"), m_observations);
        Frontend frontend{fc.name, fc.bindAddress, fc.port, {}, backend};

        // Operator and health state of servers that were already running.
        for (const Frontend &old : m_frontends) {
            if (old.name == fc.name)
                backend->restoreState(old.backend->poolState());
        }
        // Same address and port: keep the listening socket, so no connection
        // attempt is refused while the configuration changes. A frontend of
        // the same name still on port 0 ("any free port") keeps the port it got.
        for (size_t o = 0; o < m_frontends.size(); ++o) {
            const Frontend &old = m_frontends[o];
            if (!oldKept[o] && old.bindAddress == fc.bindAddress && old.configuredPort == fc.port
                && (fc.port != 0 || old.name == fc.name)) {
                oldKept[o] = true;
                frontend.shared = old.shared;
                frontend.shared->maxconn.store(fc.maxconn);
                break;
            }
        }
        if (!frontend.shared) {
            tcp::endpoint bind;
            if (!resolve(fc.bindAddress, fc.port, bind, error, fc.name))
                return fail();
            const int fd = bindListener(bind, fc.name, fc.bindAddress, error);
            if (fd < 0)
                return fail();
            newFds[size_t(f)] = fd;
            frontend.shared = std::make_shared<FrontendShared>();
            frontend.shared->name = proxy;
            frontend.shared->bind = bind;
            frontend.shared->maxconn.store(fc.maxconn);
        }
        next.push_back(std::move(frontend));
    }

    // Everything could bind: switch over. The firewalls' rules first, so
    // they hold for the next connection whatever backend it meets.
    for (qsizetype f = 0; f < config.frontends.size(); ++f) {
        const FirewallConfig &firewall = config.frontends[f].firewall;
        FrontendShared &shared = *next[size_t(f)].shared;
        shared.firewall.setConfig(firewall);
        // Behind a TLS relay the relay asks the rules (admitRelayed); the
        // listener would only see the relay's loopback address.
        const bool relayed = config.frontends[f].tls.enabled;
        shared.relayed.store(relayed, std::memory_order_release);
        shared.guarded.store(!firewall.name.isEmpty() && !relayed, std::memory_order_release);
    }
    for (size_t o = 0; o < m_frontends.size(); ++o) {
        if (!oldKept[o]) {
            onEveryWorker([shared = m_frontends[o].shared](detail::Worker &w) { w.closeListener(shared.get()); });
        }
    }
    for (size_t f = 0; f < next.size(); ++f) {
        const Frontend &frontend = next[f];
        const int fd = newFds[f];
        if (fd < 0) {
            onEveryWorker([shared = frontend.shared, backend = frontend.backend](detail::Worker &w) {
                w.setBackend(shared.get(), backend);
            });
            continue;
        }
        for (const auto &worker : m_workers) {
            const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
            worker->post([w = worker.get(), shared = frontend.shared, backend = frontend.backend, own] {
                w->addListener(std::make_shared<detail::Listener>(*w, shared, own, backend));
            });
        }
        ::close(fd);
    }
    m_frontends = std::move(next);
    return true;
}

void EngineCore::stop()
{
    std::vector<std::unique_ptr<detail::Worker>> workers;
    std::vector<Frontend> frontends;
    {
        std::lock_guard lock(m_mutex);
        workers.swap(m_workers);
        frontends.swap(m_frontends);
        m_statsPort = 0;
    }
    // Workers are joined outside the lock: a stats request on a worker may
    // be waiting for it.
    for (const Frontend &frontend : frontends)
        frontend.backend->shutdown();
    for (const auto &worker : workers)
        worker->join();
    for (const auto &worker : workers)
        worker->destroy();
}

bool EngineCore::isRunning() const
{
    std::lock_guard lock(m_mutex);
    return !m_workers.empty();
}

bool EngineCore::setFrontendListening(const QString &name, bool listening, QString *error)
{
    std::vector<std::future<void>> closed;
    {
        std::lock_guard lock(m_mutex);
        const auto frontend = std::find_if(m_frontends.begin(), m_frontends.end(),
                                           [&name](const Frontend &f) { return f.name == name; });
        if (frontend == m_frontends.end()) {
            if (error)
                *error = QStringLiteral("There is no load balancer named “%1” running.").arg(name);
            return false;
        }
        const std::shared_ptr<FrontendShared> shared = frontend->shared;
        if (shared->listening == listening)
            return true;
        if (listening) {
            // Back on the very address and port it had (the port it got,
            // for one configured as 0). The kernel queues connections from
            // the moment it listens; the workers accept them once posted.
            tcp::endpoint bind = shared->bind;
            const int fd = bindListener(bind, name, frontend->bindAddress, error);
            if (fd < 0)
                return false;
            shared->listening = true;
            for (const auto &worker : m_workers) {
                const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
                worker->post([w = worker.get(), shared, backend = frontend->backend, own] {
                    w->addListener(std::make_shared<detail::Listener>(*w, shared, own, backend));
                });
            }
            ::close(fd);
            return true;
        }
        // A failed box has no sockets: the listener and every client
        // connection it accepted go.
        shared->listening = false;
        for (const auto &worker : m_workers) {
            auto done = std::make_shared<std::promise<void>>();
            closed.push_back(done->get_future());
            worker->post([w = worker.get(), shared, done] {
                w->closeListener(shared.get());
                w->abortSessions(shared.get());
                done->set_value();
            });
        }
    }
    // Returns once the port refuses connections: every worker closed its
    // copy of the listening socket. Waited for outside the lock, which a
    // worker may need meanwhile (a stats request); a worker that stops
    // first drops the task, and its promise with it.
    for (std::future<void> &future : closed)
        future.wait();
    return true;
}

bool EngineCore::admitRelayed(const QString &frontend, const QHostAddress &source)
{
    std::shared_ptr<FrontendShared> shared;
    {
        std::lock_guard lock(m_mutex);
        for (const Frontend &f : m_frontends) {
            if (f.name == frontend)
                shared = f.shared;
        }
    }
    if (!shared || !shared->relayed.load(std::memory_order_acquire)
        || shared->firewall.config().name.isEmpty()) {
        return true;
    }
    const FirewallRules::Verdict verdict = shared->firewall.check(source);
    if (verdict == FirewallRules::Verdict::Allowed)
        return true; // counted in conn_tot by the listener it reaches
    shared->relayedConnTot.add();
    shared->relayedConnRate.add(detail::coarseNow());
    if (verdict == FirewallRules::Verdict::RateLimited)
        shared->relayedDconRateLimited.add();
    shared->relayedDcon.add();
    return false;
}

quint16 EngineCore::listenPort(const QString &frontend) const
{
    std::lock_guard lock(m_mutex);
    for (const Frontend &f : m_frontends) {
        if (f.name == frontend)
            return f.shared->bind.port();
    }
    return 0;
}

std::shared_ptr<Backend> EngineCore::findBackend(const QString &frontend, const QString &server, int &index,
                                                 QString *error) const
{
    for (const Frontend &f : m_frontends) {
        if (f.name != frontend)
            continue;
        index = f.backend->indexOf(server.toStdString());
        if (index < 0) {
            if (error)
                *error = QStringLiteral("%1 has no server named “%2”.").arg(frontend, server);
            return {};
        }
        return f.backend;
    }
    if (error)
        *error = QStringLiteral("There is no load balancer named “%1” running.").arg(frontend);
    return {};
}

bool EngineCore::setServerState(const QString &frontend, const QString &server, AdminState state, QString *error)
{
    std::lock_guard lock(m_mutex);
    int index = -1;
    const auto backend = findBackend(frontend, server, index, error);
    if (backend)
        backend->setAdmin(index, state);
    return bool(backend);
}

bool EngineCore::setServerWeight(const QString &frontend, const QString &server, int weight, QString *error)
{
    std::lock_guard lock(m_mutex);
    int index = -1;
    const auto backend = findBackend(frontend, server, index, error);
    if (backend)
        backend->setWeight(index, weight);
    return bool(backend);
}

bool EngineCore::setServerHealth(const QString &frontend, const QString &server, bool up, QString *error)
{
    std::lock_guard lock(m_mutex);
    int index = -1;
    const auto backend = findBackend(frontend, server, index, error);
    if (backend)
        backend->setUp(index, up);
    return bool(backend);
}

StatsSnapshot EngineCore::stats() const
{
    std::lock_guard lock(m_mutex);
    const detail::Clock::time_point now = detail::Clock::now();
    StatsSnapshot snapshot;
    for (const Frontend &frontend : m_frontends) {
        const Backend &backend = *frontend.backend;
        const std::string proxy = frontend.name.toStdString();

        StatsRow front;
        front.pxname = proxy;
        front.svname = "FRONTEND";
        front.type = StatsRow::Type::Frontend;
        // HAProxy's word for a frontend that does not accept connections.
        front.status = frontend.shared->listening ? "OPEN" : "STOP";
        front.slim = uint64_t(frontend.shared->maxconn.load());
        addCounters(*m_statsNodes.at({proxy, "FRONTEND"}), front, now);
        if (frontend.shared->guarded.load(std::memory_order_acquire))
            front.firewall = frontend.shared->firewall.config().name.toStdString();
        if (frontend.shared->relayed.load(std::memory_order_acquire)) {
            const FrontendShared &shared = *frontend.shared;
            front.firewall = shared.firewall.config().name.toStdString();
            front.connTot += shared.relayedConnTot.value();
            front.connRate += shared.relayedConnRate.perSecond(now);
            front.dcon += shared.relayedDcon.value();
            front.dconRateLimited += shared.relayedDconRateLimited.value();
        }
        snapshot.rows.push_back(std::move(front));

        StatsRow back;
        back.pxname = proxy;
        back.svname = "BACKEND";
        back.type = StatsRow::Type::Backend;
        addCounters(*m_statsNodes.at({proxy, "BACKEND"}), back, now);

        const std::vector<PoolServer> pool = backend.poolState();
        bool anyActive = false;
        for (const PoolServer &s : pool)
            anyActive = anyActive || (!s.backup && s.usable());
        bool firstBackupTaken = false;
        for (size_t i = 0; i < pool.size(); ++i) {
            const PoolServer &s = pool[i];
            StatsRow row;
            row.pxname = proxy;
            row.svname = backend.servers()[i].name;
            row.type = StatsRow::Type::Server;
            if (!s.up)
                row.status = "DOWN";
            else if (s.admin == AdminState::Maint)
                row.status = "MAINT";
            else if (s.admin == AdminState::Drain)
                row.status = "DRAIN";
            else
                row.status = "UP";
            row.weight = uint64_t(s.weight);
            row.act = s.backup ? 0 : 1;
            row.bck = s.backup ? 1 : 0;
            row.slim = uint64_t(s.maxconn);
            addCounters(*backend.servers()[i].stats, row, now);
            // The backend's weight and counts are those of the servers that
            // take traffic now: the active ones, or the backups in use.
            if (s.usable()) {
                if (!s.backup) {
                    ++back.act;
                    back.weight += uint64_t(s.weight);
                } else {
                    ++back.bck;
                    if (!anyActive && (backend.config().allbackups || !firstBackupTaken))
                        back.weight += uint64_t(s.weight);
                    firstBackupTaken = true;
                }
            }
            snapshot.rows.push_back(std::move(row));
        }
        back.status = back.act + back.bck > 0 ? "UP" : "DOWN";
        back.qcur = backend.queueLength();
        back.qmax = backend.queueMax();
        back.slim = 0;
        snapshot.rows.push_back(std::move(back));
    }
    return snapshot;
}

bool EngineCore::startStats(const QString &address, quint16 port, QString *error)
{
    std::lock_guard lock(m_mutex);
    if (m_workers.empty()) {
        if (error)
            *error = QStringLiteral("The engine is not running.");
        return false;
    }
    tcp::endpoint bind;
    if (!resolve(address, port, bind, error, QStringLiteral("the stats listener")))
        return false;
    const int fd = bindListener(bind, QStringLiteral("the stats listener"), address, error);
    if (fd < 0)
        return false;
    m_statsPort = bind.port();
    detail::Worker *worker = m_workers.front().get();
    worker->post([worker, this, fd, bind] {
        std::make_shared<detail::StatsListener>(*worker, *this, fd, bind)->start();
    });
    return true;
}

quint16 EngineCore::statsPort() const
{
    std::lock_guard lock(m_mutex);
    return m_statsPort;
}

Engine::Engine(int threads)
    : m_core(std::make_unique<EngineCore>(threads))
{}

Engine::~Engine() = default;

bool Engine::start(const EngineConfig &config, QString *error)
{
    return m_core->start(config, error);
}

bool Engine::apply(const EngineConfig &config, QString *error)
{
    return m_core->apply(config, error);
}

void Engine::stop()
{
    m_core->stop();
}

bool Engine::isRunning() const
{
    return m_core->isRunning();
}

quint16 Engine::listenPort(const QString &frontend) const
{
    return m_core->listenPort(frontend);
}

bool Engine::admitRelayed(const QString &frontend, const QHostAddress &source)
{
    return m_core->admitRelayed(frontend, source);
}

bool Engine::setFrontendListening(const QString &frontend, bool listening, QString *error)
{
    return m_core->setFrontendListening(frontend, listening, error);
}

bool Engine::setServerState(const QString &frontend, const QString &server, AdminState state, QString *error)
{
    return m_core->setServerState(frontend, server, state, error);
}

bool Engine::setServerWeight(const QString &frontend, const QString &server, int weight, QString *error)
{
    return m_core->setServerWeight(frontend, server, weight, error);
}

void Engine::addControlPage(const QString &path, ControlHandler handler)
{
    m_core->addControlPage(path, std::move(handler));
}

void EngineCore::addControlPage(const QString &path, Engine::ControlHandler handler)
{
    std::lock_guard lock(m_mutex);
    m_controlPages[path] = std::move(handler);
}

Engine::ControlHandler EngineCore::controlPage(const QString &path) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_controlPages.find(path);
    return it == m_controlPages.end() ? Engine::ControlHandler() : it->second;
}

void Engine::setObservationHandler(ObservationHandler handler)
{
    m_core->setObservationHandler(std::move(handler));
}

bool Engine::setServerHealth(const QString &frontend, const QString &server, bool up, QString *error)
{
    return m_core->setServerHealth(frontend, server, up, error);
}

StatsSnapshot Engine::stats() const
{
    return m_core->stats();
}

bool Engine::startStats(const QString &address, quint16 port, QString *error)
{
    return m_core->startStats(address, port, error);
}

quint16 Engine::statsPort() const
{
    return m_core->statsPort();
}

} // namespace Loadstar::Engine
