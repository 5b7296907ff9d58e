#include "Runtime.h"

#include "HttpSession.h"
#include "TcpSession.h"

#include <algorithm>
#include <cstdlib>
#include <malloc.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
// A buffer in the pool is nobody's: AddressSanitizer reports any read or
// write into it (a socket read still pending on a released buffer, say).
#define LOADSTAR_POOLED(data) ASAN_POISON_MEMORY_REGION(data, Buffer::Size)
#define LOADSTAR_LENT(data) ASAN_UNPOISON_MEMORY_REGION(data, Buffer::Size)
#else
#define LOADSTAR_POOLED(data) ((void)(data))
#define LOADSTAR_LENT(data) ((void)(data))
#endif

namespace Loadstar::Engine::detail {

namespace {

// Free buffers kept per worker; beyond this they go back to the allocator.
constexpr size_t MaxFreeBuffers = 256;
constexpr auto TickInterval = std::chrono::milliseconds(100);
// Idle server connections older than this are closed (nginx keeps them 75 s).
constexpr auto IdleServerLifetime = std::chrono::seconds(15);

} // namespace

void RateCounter::add(Clock::time_point now) noexcept
{
    const int64_t second = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const int64_t current = m_second.load(std::memory_order_relaxed);
    if (second != current) {
        m_previous.store(second == current + 1 ? m_current.load(std::memory_order_relaxed) : 0,
                         std::memory_order_relaxed);
        m_current.store(0, std::memory_order_relaxed);
        m_second.store(second, std::memory_order_relaxed);
    }
    const uint64_t count = m_current.load(std::memory_order_relaxed) + 1;
    m_current.store(count, std::memory_order_relaxed);
    if (count > m_max.load(std::memory_order_relaxed))
        m_max.store(count, std::memory_order_relaxed);
}

uint64_t RateCounter::perSecond(Clock::time_point now) const noexcept
{
    const auto sinceEpoch = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const int64_t second = sinceEpoch / 1000;
    const uint64_t left = uint64_t(1000 - sinceEpoch % 1000);
    const int64_t stored = m_second.load(std::memory_order_relaxed);
    const uint64_t current = m_current.load(std::memory_order_relaxed);
    if (second == stored)
        return current + m_previous.load(std::memory_order_relaxed) * left / 1000;
    if (second == stored + 1)
        return current * left / 1000;
    return 0;
}

BufferPool::~BufferPool()
{
    for (char *data : m_free) {
        LOADSTAR_LENT(data);
        std::free(data);
    }
}

Buffer BufferPool::get()
{
    if (m_free.empty()) {
        m_fewestFree = 0;
        return Buffer(static_cast<char *>(std::malloc(Buffer::Size)));
    }
    char *data = m_free.back();
    m_free.pop_back();
    m_fewestFree = std::min(m_fewestFree, m_free.size());
    LOADSTAR_LENT(data);
    return Buffer(data);
}

bool BufferPool::shrink()
{
    constexpr size_t Kept = 16;
    while (m_fewestFree > Kept && !m_free.empty()) {
        LOADSTAR_LENT(m_free.back());
        std::free(m_free.back());
        m_free.pop_back();
        --m_fewestFree;
        ++m_released;
    }
    m_fewestFree = m_free.size();
    return std::exchange(m_released, 0) > 0;
}

void BufferPool::put(Buffer &buffer)
{
    if (buffer.isNull())
        return;
    char *data = buffer.release();
    if (m_free.size() < MaxFreeBuffers) {
        LOADSTAR_POOLED(data);
        m_free.push_back(data);
    } else {
        std::free(data);
        ++m_released;
    }
}

Worker::Worker(EngineCore &core, int index, size_t idleLimit)
    : m_core(core)
    , m_index(index)
    , m_io(std::make_unique<asio::io_context>(1))
    , m_ticker(std::make_unique<asio::steady_timer>(*m_io))
    , m_idleLimit(idleLimit)
{}

Worker::~Worker()
{
    destroy();
}

void Worker::start()
{
    tick();
    m_thread = std::thread([this] { m_io->run(); });
}

void Worker::join()
{
    if (!m_io)
        return;
    m_stopping.store(true);
    m_io->stop();
    if (m_thread.joinable())
        m_thread.join();
}

void Worker::destroy()
{
    join();
    // Pending handlers own the sessions; destroying the io_context destroys
    // them, and their destructors still need this worker's lists and pool.
    m_listeners.clear();
    m_idle.clear();
    m_idleCount = 0;
    m_ticker.reset();
    m_io.reset();
}

void Worker::link(Session *session)
{
    session->m_next = m_sessions;
    if (m_sessions)
        m_sessions->m_prev = session;
    m_sessions = session;
}

void Worker::unlink(Session *session)
{
    if (session->m_prev)
        session->m_prev->m_next = session->m_next;
    else if (m_sessions == session)
        m_sessions = session->m_next;
    if (session->m_next)
        session->m_next->m_prev = session->m_prev;
    session->m_prev = session->m_next = nullptr;
}

void Worker::tick()
{
    const Clock::time_point now = coarseNow();
    // Collect first: onDeadline() may end a session and unlink it.
    std::vector<std::shared_ptr<Session>> due;
    for (Session *session = m_sessions; session; session = session->m_next) {
        if (session->deadline() <= now) {
            if (auto owner = session->weak_from_this().lock())
                due.push_back(std::move(owner));
        }
    }
    for (const auto &session : due) {
        if (session->deadline() <= now)
            session->onDeadline();
    }
    ++m_ticks;
    // After a burst, buffers nobody needed for 300 ms go back, and the pages
    // freed in the middle of the heap go back to the system.
    if (m_ticks % 3 == 0 && m_buffers.shrink())
        malloc_trim(0);
    if (m_ticks % 10 == 0) {
        purgeIdle(now);
        for (const auto &listener : m_listeners)
            listener->connectionClosed(); // resumes a listener paused at maxconn
    }
    m_ticker->expires_after(TickInterval);
    m_ticker->async_wait([this](const asio::error_code &error) {
        if (!error)
            tick();
    });
}

std::shared_ptr<ServerConnection> Worker::takeIdle(const tcp::endpoint &endpoint)
{
    const auto it = m_idle.find(endpoint);
    if (it == m_idle.end() || it->second.empty())
        return {};
    std::shared_ptr<ServerConnection> connection = std::move(it->second.back());
    it->second.pop_back();
    --m_idleCount;
    ++connection->idleToken;
    asio::error_code ignored;
    connection->socket.cancel(ignored); // the watch for a close while idle
    return connection;
}

void Worker::putIdle(std::shared_ptr<ServerConnection> connection)
{
    if (m_idleCount >= m_idleLimit)
        return; // closed: idle connections may not starve clients of descriptors
    ++m_idleCount;
    connection->idleSince = coarseNow();
    watchIdle(connection);
    m_idle[connection->endpoint].push_back(std::move(connection));
}

// A read, not a readiness wait: Asio re-arms epoll (a system call) for each
// wait, while a read costs nothing until the server sends or closes.
void Worker::watchIdle(const std::shared_ptr<ServerConnection> &connection)
{
    const uint64_t token = connection->idleToken;
    connection->socket.async_read_some(
        asio::buffer(connection->probe), [this, weak = std::weak_ptr(connection), token](const asio::error_code &error, size_t) {
            const auto idle = weak.lock();
            if (error == asio::error::operation_aborted || !idle || idle->idleToken != token)
                return;
            dropIdle(idle.get()); // closed by the server, or bytes out of turn
        });
}

void Worker::dropIdle(const ServerConnection *connection)
{
    const auto it = m_idle.find(connection->endpoint);
    if (it == m_idle.end())
        return;
    auto &list = it->second;
    const auto kept = std::remove_if(list.begin(), list.end(),
                                     [connection](const auto &idle) { return idle.get() == connection; });
    m_idleCount -= size_t(list.end() - kept);
    list.erase(kept, list.end());
}

void Worker::purgeIdle(Clock::time_point now)
{
    for (auto it = m_idle.begin(); it != m_idle.end();) {
        auto &list = it->second;
        const auto kept = std::remove_if(list.begin(), list.end(),
                                         [now](const auto &idle) { return now - idle->idleSince > IdleServerLifetime; });
        m_idleCount -= size_t(list.end() - kept);
        list.erase(kept, list.end());
        it = list.empty() ? m_idle.erase(it) : std::next(it);
    }
}

void Worker::addListener(std::shared_ptr<Listener> listener)
{
    m_listeners.push_back(listener);
    listener->start();
}

void Worker::setBackend(const FrontendShared *frontend, const std::shared_ptr<Backend> &backend)
{
    for (const auto &listener : m_listeners) {
        if (&listener->frontend() == frontend)
            listener->setBackend(backend);
    }
}

void Worker::closeListener(const FrontendShared *frontend)
{
    for (const auto &listener : m_listeners) {
        if (&listener->frontend() == frontend)
            listener->close();
    }
    m_listeners.erase(std::remove_if(m_listeners.begin(), m_listeners.end(),
                                     [frontend](const auto &l) { return &l->frontend() == frontend; }),
                      m_listeners.end());
}

void Worker::abortSessions(const FrontendShared *frontend)
{
    std::vector<std::shared_ptr<Session>> sessions;
    for (Session *session = m_sessions; session; session = session->m_next) {
        if (session->frontend() != frontend)
            continue;
        if (auto owner = session->weak_from_this().lock())
            sessions.push_back(std::move(owner));
    }
    for (const auto &session : sessions)
        session->abort();
}

void Worker::abortSessions()
{
    std::vector<std::shared_ptr<Session>> sessions;
    for (Session *session = m_sessions; session; session = session->m_next) {
        if (auto owner = session->weak_from_this().lock())
            sessions.push_back(std::move(owner));
    }
    for (const auto &session : sessions)
        session->abort();
    for (const auto &listener : m_listeners)
        listener->close();
    m_listeners.clear();
    m_idle.clear();
    m_idleCount = 0;
}

Backend::Backend(const FrontendConfig &config, std::vector<ServerRuntime> servers,
                 std::shared_ptr<StatsNode> frontend, std::shared_ptr<StatsNode> backend,
                 std::shared_ptr<const ObservationHub> observations)
    : m_name(config.name.toStdString())
    , m_config(config)
    , m_servers(std::move(servers))
    , m_frontendStats(std::move(frontend))
    , m_backendStats(std::move(backend))
    , m_observations(std::move(observations))
    , m_consecutiveErrors(new std::atomic<int>[size_t(config.servers.size())]())
    , m_pool(config)
{
    for (const ServerConfig &server : config.servers) {
        ObserveRule rule;
        // HAProxy observes only servers that are checked: a server marked
        // down by its traffic needs checks to come back.
        if (server.check.type != QLatin1String("none") && !server.check.type.isEmpty()) {
            if (server.check.observe == QLatin1String("layer4"))
                rule.layer = ObserveRule::Layer4;
            else if (server.check.observe == QLatin1String("layer7"))
                rule.layer = ObserveRule::Layer7;
        }
        rule.errorLimit = std::max(1, server.check.errorLimit);
        rule.markDown = server.check.onError == QLatin1String("mark-down");
        m_observeRules.push_back(rule);
    }
}

void Backend::observe(int server, Observed observed, const char *what)
{
    const ObserveRule &rule = m_observeRules[size_t(server)];
    if (rule.layer == ObserveRule::None)
        return;
    const bool layer7 = rule.layer == ObserveRule::Layer7;
    std::atomic<int> &errors = m_consecutiveErrors[size_t(server)];
    switch (observed) {
    // HAProxy's table: a connection is a success only to layer4, a good
    // response only to layer7; a connection error fails both.
    case Observed::ConnectOk:
    case Observed::ResponseOk:
        if ((observed == Observed::ConnectOk) != layer7 && errors.load(std::memory_order_relaxed) != 0)
            errors.store(0, std::memory_order_relaxed);
        return;
    case Observed::ResponseError:
        if (!layer7)
            return;
        break;
    case Observed::ConnectError:
        break;
    }
    if (errors.fetch_add(1, std::memory_order_relaxed) + 1 < rule.errorLimit)
        return;
    errors.store(0, std::memory_order_relaxed);
    if (rule.markDown)
        setUp(server, false);
    if (m_observations) {
        const QString reason = QStringLiteral("%1 consecutive errors in live traffic (last: %2)")
                                   .arg(rule.errorLimit)
                                   .arg(QLatin1String(what ? what : "error"));
        m_observations->notify(m_config.name, m_config.servers[server].name, reason);
    }
}

bool Backend::usable(int server) const
{
    std::lock_guard lock(m_mutex);
    return m_pool.servers()[server].usable();
}

Backend::Take Backend::take(uint32_t sourceHash, int &server, const std::shared_ptr<Session> &session,
                            uint64_t &queueId, int avoid)
{
    std::lock_guard lock(m_mutex);
    if (m_shutdown || m_pool.candidates().isEmpty())
        return Take::NoServer;
    // Requests already waiting go first, as in HAProxy's queue; a request
    // that must avoid a failed server goes on at once, or it could wait for
    // the very server that failed it.
    server = m_queue.empty() || avoid >= 0 ? m_pool.pick(sourceHash, avoid) : -1;
    if (server >= 0) {
        m_pool.connectionOpened(server);
        return Take::Assigned;
    }
    queueId = m_nextQueueId++;
    m_queue.push_back({session, &session->worker(), queueId, sourceHash});
    m_queueMax = std::max(m_queueMax, m_queue.size());
    return Take::Queued;
}

void Backend::release(int server)
{
    std::unique_lock lock(m_mutex);
    m_pool.connectionClosed(server);
    dispatchLocked(lock);
}

bool Backend::unqueue(uint64_t queueId)
{
    std::lock_guard lock(m_mutex);
    const auto it = std::find_if(m_queue.begin(), m_queue.end(), [queueId](const Waiter &w) { return w.id == queueId; });
    if (it == m_queue.end())
        return false;
    m_queue.erase(it);
    return true;
}

void Backend::dispatch()
{
    std::unique_lock lock(m_mutex);
    dispatchLocked(lock);
}

void Backend::dispatchLocked(std::unique_lock<SpinLock> &lock)
{
    struct Handoff
    {
        Waiter waiter;
        int server;
    };
    std::vector<Handoff> handoffs;
    while (!m_shutdown && !m_queue.empty()) {
        const int server = m_pool.pick(m_queue.front().hash);
        if (server < 0)
            break;
        m_pool.connectionOpened(server);
        handoffs.push_back({m_queue.front(), server});
        m_queue.pop_front();
    }
    lock.unlock();
    for (Handoff &handoff : handoffs) {
        // The waiter lives on its own worker's thread; if it is gone by the
        // time the slot arrives, the slot goes back.
        handoff.waiter.worker->post(
                   [weak = std::move(handoff.waiter.session), server = handoff.server,
                    self = shared_from_this()] {
                       if (const auto session = weak.lock())
                           session->onDequeued(server);
                       else
                           self->release(server);
                   });
    }
}

void Backend::setAdmin(int server, AdminState state)
{
    std::unique_lock lock(m_mutex);
    m_pool.setAdmin(server, state);
    dispatchLocked(lock);
}

void Backend::setWeight(int server, int weight)
{
    std::unique_lock lock(m_mutex);
    m_pool.setWeight(server, weight);
    dispatchLocked(lock);
}

void Backend::setUp(int server, bool up)
{
    std::unique_lock lock(m_mutex);
    m_pool.setUp(server, up);
    dispatchLocked(lock);
}

int Backend::indexOf(std::string_view name) const
{
    for (size_t i = 0; i < m_servers.size(); ++i) {
        if (m_servers[i].name == name)
            return int(i);
    }
    return -1;
}

std::vector<PoolServer> Backend::poolState() const
{
    std::lock_guard lock(m_mutex);
    return {m_pool.servers().begin(), m_pool.servers().end()};
}

void Backend::restoreState(const std::vector<PoolServer> &previous)
{
    std::lock_guard lock(m_mutex);
    for (const PoolServer &old : previous) {
        const int i = m_pool.indexOf(old.name);
        if (i < 0)
            continue;
        m_pool.setAdmin(i, old.admin);
        m_pool.setUp(i, old.up);
        // An operator's weight stays while the configured weight is the same.
        if (old.configWeight == m_pool.servers()[i].configWeight)
            m_pool.setWeight(i, old.weight);
    }
}

size_t Backend::queueLength() const
{
    std::lock_guard lock(m_mutex);
    return m_queue.size();
}

size_t Backend::queueMax() const
{
    std::lock_guard lock(m_mutex);
    return m_queueMax;
}

void Backend::shutdown()
{
    std::lock_guard lock(m_mutex);
    m_shutdown = true;
    m_queue.clear();
}

Listener::Listener(Worker &worker, std::shared_ptr<FrontendShared> frontend, int fd, std::shared_ptr<Backend> backend)
    : m_worker(worker)
    , m_frontend(std::move(frontend))
    , m_acceptor(worker.io())
    , m_backend(std::move(backend))
{
    asio::error_code error;
    m_acceptor.assign(m_frontend->bind.protocol(), fd, error);
    if (error)
        m_closed = true;
}

void Listener::start()
{
    if (!m_closed)
        accept();
}

void Listener::close()
{
    m_closed = true;
    asio::error_code ignored;
    m_acceptor.close(ignored);
    if (m_backoff)
        m_backoff->cancel();
}

void Listener::connectionClosed()
{
    const int maxconn = m_frontend->maxconn.load(std::memory_order_relaxed);
    if (m_worker.stopping())
        return;
    if (!m_closed && !m_accepting && (maxconn == 0 || m_frontend->connections.load() < maxconn))
        accept();
}

void Listener::accept()
{
    const int maxconn = m_frontend->maxconn.load(std::memory_order_relaxed);
    if (maxconn > 0 && m_frontend->connections.load() >= maxconn) {
        m_accepting = false; // resumed by connectionClosed()
        return;
    }
    m_accepting = true;
    m_acceptor.async_accept(m_worker.io(), [self = shared_from_this()](const asio::error_code &error, Socket socket) {
        self->onAccepted(error, std::move(socket));
    });
}

void Listener::onAccepted(const asio::error_code &error, Socket socket)
{
    m_accepting = false;
    if (m_closed)
        return;
    if (error) {
        // Out of file descriptors or memory: wait a little instead of
        // spinning on an accept that keeps failing.
        if (!m_backoff)
            m_backoff = std::make_unique<asio::steady_timer>(m_worker.io());
        m_backoff->expires_after(std::chrono::milliseconds(100));
        m_accepting = true;
        m_backoff->async_wait([self = shared_from_this()](const asio::error_code &e) {
            self->m_accepting = false;
            if (!e && !self->m_closed)
                self->accept();
        });
        return;
    }
    if (!admit(socket)) {
        accept();
        return;
    }
    m_frontend->connections.fetch_add(1, std::memory_order_relaxed);
    auto self = shared_from_this();
    if (m_backend->config().mode == FrontendConfig::Mode::Tcp)
        std::make_shared<TcpSession>(m_worker, self, std::move(socket))->start();
    else
        std::make_shared<HttpSession>(m_worker, self, std::move(socket))->start();
    accept();
}

bool Listener::admit(Socket &socket)
{
    CounterBlock &counters = m_backend->frontendStats().at(m_worker.index());
    counters.connTot.add();
    counters.connRate.add(coarseNow());
    if (!m_frontend->guarded.load(std::memory_order_acquire))
        return true;
    asio::error_code error;
    const tcp::endpoint peer = socket.remote_endpoint(error);
    if (error) {
        socket.close(error); // gone already: nothing to decide
        return false;
    }
    switch (m_frontend->firewall.check(peer.address())) {
    case FirewallRules::Verdict::Allowed:
        return true;
    case FirewallRules::Verdict::RateLimited:
        counters.dconRateLimited.add();
        [[fallthrough]];
    case FirewallRules::Verdict::Denied:
        counters.dcon.add();
        break;
    }
    socket.close(error);
    return false;
}

uint32_t sourceHash(const asio::ip::address &address)
{
    // A 32-bit mix (Murmur3's finaliser) of the address, so neighbouring
    // addresses land on different servers.
    uint64_t value = 0;
    if (address.is_v4()) {
        value = address.to_v4().to_uint();
    } else {
        for (unsigned char byte : address.to_v6().to_bytes())
            value = value * 131 + byte;
    }
    uint32_t h = uint32_t(value ^ (value >> 32));
    h ^= h >> 16;
    h *= 0x85ebca6bU;
    h ^= h >> 13;
    h *= 0xc2b2ae35U;
    h ^= h >> 16;
    return h;
}

} // namespace Loadstar::Engine::detail
