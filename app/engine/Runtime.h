#pragma once

// The engine's insides, shared by its sessions, listeners and the facade.
// Everything here runs on the worker threads, except where a comment says
// a lock guards it.

#include "Counters.h"
#include "EngineConfig.h"
#include "Firewall.h"
#include "Observation.h"
#include "ServerPool.h"

#include <asio.hpp>

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace Loadstar::Engine {
class EngineCore;
}

namespace Loadstar::Engine::detail {

using asio::ip::tcp;
// Sockets bound to an io_context's own executor rather than the type-erased
// default: smaller sockets and smaller pending operations, per connection.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;

// A 16 KiB I/O buffer (HAProxy's bufsize) with a read and a write position.
class Buffer
{
public:
    static constexpr size_t Size = 16 * 1024;

    Buffer() = default;
    explicit Buffer(char *data) : m_data(data) {}
    bool isNull() const { return !m_data; }
    char *release()
    {
        char *data = m_data;
        m_data = nullptr;
        m_begin = m_end = 0;
        return data;
    }

    std::string_view view() const { return {m_data + m_begin, m_end - m_begin}; }
    bool empty() const { return m_begin == m_end; }
    size_t size() const { return m_end - m_begin; }
    bool full() const { return m_begin == 0 && m_end == Size; }
    // Room after the data, moving the data to the front first.
    asio::mutable_buffer tail()
    {
        if (m_begin == m_end) {
            m_begin = m_end = 0;
        } else if (m_begin > 0 && m_end == Size) {
            std::memmove(m_data, m_data + m_begin, m_end - m_begin);
            m_end -= m_begin;
            m_begin = 0;
        }
        return {m_data + m_end, Size - m_end};
    }
    void produced(size_t n) { m_end += n; }
    void consume(size_t n)
    {
        m_begin += n;
        if (m_begin == m_end)
            m_begin = m_end = 0;
    }
    void clear() { m_begin = m_end = 0; }
    // Appending, for heads built in an output buffer.
    void append(std::string_view text)
    {
        const size_t n = std::min(text.size(), Size - m_end);
        std::memcpy(m_data + m_end, text.data(), n);
        m_end += n;
    }
    size_t room() const { return Size - m_end; }

private:
    char *m_data = nullptr;
    size_t m_begin = 0;
    size_t m_end = 0;
};

// Buffers are lent to connections only while they move data, so an idle
// keep-alive connection holds none (HAProxy does the same).
class BufferPool
{
public:
    ~BufferPool();
    Buffer get();
    void put(Buffer &buffer);
    // Frees the buffers that sat unused since the last call (all but a few),
    // and says whether any memory went back to the allocator.
    bool shrink();

private:
    std::vector<char *> m_free;
    size_t m_fewestFree = 0; // since the last shrink()
    size_t m_released = 0;
};

class Session;
class Worker;

// A connection to a server, lent to one request at a time and kept idle
// between them for reuse (HAProxy's http-reuse).
struct ServerConnection
{
    ServerConnection(asio::io_context &io, const tcp::endpoint &to) : socket(io), endpoint(to) {}
    Socket socket;
    tcp::endpoint endpoint;
    uint64_t idleToken = 0; // changes whenever it leaves the idle list
    Clock::time_point idleSince;
    char probe[16];         // what an idle connection reads: only a close is expected
};

class Backend;
class Listener;
struct FrontendShared;

// One thread and its io_context. Sessions, listeners and idle server
// connections belong to exactly one worker and are touched only by its thread.
class Worker
{
public:
    // `idleLimit`: idle server connections this worker keeps at most.
    Worker(EngineCore &core, int index, size_t idleLimit);
    ~Worker();

    asio::io_context &io() { return *m_io; }
    int index() const { return m_index; }
    EngineCore &core() { return m_core; }
    BufferPool &buffers() { return m_buffers; }

    void start();
    // Stops the loop and joins the thread; destroy() then frees what is left.
    void join();
    void destroy();
    bool stopping() const { return m_stopping.load(std::memory_order_relaxed); }
    // Runs `task` on this worker's thread; dropped once the worker stops.
    template<typename Task>
    void post(Task &&task)
    {
        if (!stopping())
            asio::post(*m_io, std::forward<Task>(task));
    }

    // Sessions register for the tick that enforces their deadlines.
    void link(Session *session);
    void unlink(Session *session);

    std::shared_ptr<ServerConnection> takeIdle(const tcp::endpoint &endpoint);
    void putIdle(std::shared_ptr<ServerConnection> connection);

    // Listeners, by the frontend they belong to; called on this worker's thread.
    void addListener(std::shared_ptr<Listener> listener);
    void setBackend(const FrontendShared *frontend, const std::shared_ptr<Backend> &backend);
    void closeListener(const FrontendShared *frontend);
    // Ends every session (the engine stops), or those of one frontend.
    void abortSessions();
    void abortSessions(const FrontendShared *frontend);

private:
    void tick();
    void watchIdle(const std::shared_ptr<ServerConnection> &connection);
    void dropIdle(const ServerConnection *connection);
    void purgeIdle(Clock::time_point now);

    EngineCore &m_core;
    int m_index;
    std::unique_ptr<asio::io_context> m_io;
    std::unique_ptr<asio::steady_timer> m_ticker;
    std::thread m_thread;
    std::atomic<bool> m_stopping{false};
    BufferPool m_buffers;
    Session *m_sessions = nullptr; // intrusive list through Session::m_prev/m_next
    std::map<tcp::endpoint, std::vector<std::shared_ptr<ServerConnection>>> m_idle;
    size_t m_idleCount = 0;
    size_t m_idleLimit;
    std::vector<std::shared_ptr<Listener>> m_listeners;
    unsigned m_ticks = 0;
};

// What a client connection is doing; a worker's tick calls onDeadline() when
// the deadline passes, so a session needs no timer of its own.
class Session : public std::enable_shared_from_this<Session>
{
public:
    explicit Session(Worker &worker) : m_worker(worker) { worker.link(this); }
    virtual ~Session() { m_worker.unlink(this); }
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    // The deadline of the current step has passed.
    virtual void onDeadline() = 0;
    // A server slot freed up for this session's queued request.
    virtual void onDequeued(int server) = 0;
    // Close everything now (the engine stops).
    virtual void abort() = 0;
    // The frontend whose listener accepted this client, if any.
    virtual const FrontendShared *frontend() const { return nullptr; }

    Clock::time_point deadline() const { return m_deadline; }
    Worker &worker() { return m_worker; }

protected:
    void setDeadline(int milliseconds)
    {
        m_deadline = milliseconds > 0 ? coarseNow() + std::chrono::milliseconds(milliseconds)
                                      : Clock::time_point::max();
    }
    void clearDeadline() { m_deadline = Clock::time_point::max(); }

    Worker &m_worker;

private:
    friend class Worker;
    Clock::time_point m_deadline = Clock::time_point::max();
    Session *m_prev = nullptr;
    Session *m_next = nullptr;
};

// A server as the data path needs it.
struct ServerRuntime
{
    std::string name;
    tcp::endpoint endpoint;
    std::shared_ptr<StatsNode> stats;
};

// A lock for critical sections of a few dozen instructions (HAProxy uses
// the same kind): a worker that finds it taken spins for the moment it takes
// instead of sleeping in the kernel and waking up late.
class SpinLock
{
public:
    void lock() noexcept
    {
        while (m_taken.exchange(true, std::memory_order_acquire)) {
            while (m_taken.load(std::memory_order_relaxed)) {
#if defined(__x86_64__) || defined(__i386__)
                __builtin_ia32_pause();
#endif
            }
        }
    }
    void unlock() noexcept { m_taken.store(false, std::memory_order_release); }

private:
    std::atomic<bool> m_taken{false};
};

// One load balancer's backend for one configuration: its servers, HAProxy's
// rules for choosing among them (ServerPool) and the queue of requests
// waiting for a server slot. Shared by every worker; the mutex guards the
// pool and the queue.
class Backend : public std::enable_shared_from_this<Backend>
{
public:
    enum class Take { Assigned, Queued, NoServer };

    Backend(const FrontendConfig &config, std::vector<ServerRuntime> servers, std::shared_ptr<StatsNode> frontend,
            std::shared_ptr<StatsNode> backend, std::shared_ptr<const ObservationHub> observations = {});

    const std::string &name() const { return m_name; }
    const FrontendConfig &config() const { return m_config; }
    const std::vector<ServerRuntime> &servers() const { return m_servers; }
    StatsNode &frontendStats() { return *m_frontendStats; }
    StatsNode &backendStats() { return *m_backendStats; }

    // A server slot for a request or connection: assigned now, queued (every
    // usable server is at its maxconn; onDequeued() follows) or refused.
    // `avoid`: a server that just failed this request (see ServerPool::pick).
    Take take(uint32_t sourceHash, int &server, const std::shared_ptr<Session> &session, uint64_t &queueId,
              int avoid = -1);
    // Gives a slot back, and passes it on to the oldest queued request.
    void release(int server);
    // A queued request gave up (timeout queue). False when a slot is already
    // on its way to it.
    bool unqueue(uint64_t queueId);
    // Servers became usable or gained room: hand slots to queued requests.
    void dispatch();

    // Runtime state, by server index; each locks.
    void setAdmin(int server, AdminState state);
    void setWeight(int server, int weight);
    void setUp(int server, bool up);
    // May the server take new traffic (up, ready, weight > 0)?
    bool usable(int server) const;
    int indexOf(std::string_view name) const;

    // What live traffic showed of a server, for passive observation.
    enum class Observed {
        ConnectOk,    // layer 4: a connection was established
        ConnectError, // layer 4: refused, reset or timed out while connecting
        ResponseOk,   // layer 7: a response that is not a server error
        ResponseError // layer 7: 5xx (not 501/505), broken, invalid or timed out
    };
    // Counts consecutive errors per the server's check (observe, error-limit);
    // at the limit it applies on-error mark-down itself and tells the hub.
    // `what` says what went wrong, for the reason ("connection refused").
    void observe(int server, Observed observed, const char *what = nullptr);
    // The state of every server, for stats and for carrying over to the next
    // configuration.
    std::vector<PoolServer> poolState() const;
    void restoreState(const std::vector<PoolServer> &previous);
    size_t queueLength() const;
    size_t queueMax() const;

    // No more dispatching: the engine is being torn down.
    void shutdown();

private:
    struct Waiter
    {
        std::weak_ptr<Session> session;
        Worker *worker;
        uint64_t id;
        uint32_t hash;
    };
    void dispatchLocked(std::unique_lock<SpinLock> &lock);

    // A server's observation settings, and its run of consecutive errors.
    struct ObserveRule
    {
        enum Layer { None, Layer4, Layer7 } layer = None;
        int errorLimit = 10;
        bool markDown = false;
    };

    std::string m_name;
    FrontendConfig m_config;
    std::vector<ServerRuntime> m_servers;
    std::shared_ptr<StatsNode> m_frontendStats;
    std::shared_ptr<StatsNode> m_backendStats;
    std::shared_ptr<const ObservationHub> m_observations;
    std::vector<ObserveRule> m_observeRules;
    std::unique_ptr<std::atomic<int>[]> m_consecutiveErrors;

    mutable SpinLock m_mutex;
    ServerPool m_pool;
    std::deque<Waiter> m_queue;
    size_t m_queueMax = 0;
    uint64_t m_nextQueueId = 1;
    bool m_shutdown = false;
};

// What a frontend's listeners share across workers.
struct FrontendShared
{
    std::string name;
    tcp::endpoint bind;
    std::atomic<int> maxconn{0};
    std::atomic<int> connections{0};
    // The firewall node in front, checked on every accepted connection
    // while `guarded`; a new configuration changes its rules in place, so
    // they hold from the next connection on.
    FirewallRules firewall;
    std::atomic<bool> guarded{false};
    // A TLS relay in front accepts the connections (TlsOffload): the
    // listener sees only the relay's, so the relay has `firewall` judge each
    // real source (Engine::admitRelayed) and what it refuses is counted here
    // — by the relay's thread alone, the one writer these counters allow.
    std::atomic<bool> relayed{false};
    Counter relayedConnTot, relayedDcon, relayedDconRateLimited;
    RateCounter relayedConnRate;
    // False while the load balancer is failed on purpose (what-if): no
    // listener, and the port refuses connections. Under EngineCore's mutex.
    bool listening = true;
};

// A frontend's listening socket on one worker (every worker accepts on its
// own duplicate of the same socket). Worker-thread only.
class Listener : public std::enable_shared_from_this<Listener>
{
public:
    Listener(Worker &worker, std::shared_ptr<FrontendShared> frontend, int fd, std::shared_ptr<Backend> backend);

    void start();
    void close();
    bool isClosed() const { return m_closed; }
    // The backend new requests go to; replaced when a configuration applies.
    const std::shared_ptr<Backend> &backend() const { return m_backend; }
    void setBackend(std::shared_ptr<Backend> backend) { m_backend = std::move(backend); }
    FrontendShared &frontend() { return *m_frontend; }
    // A client connection ended: below maxconn again, accept again.
    void connectionClosed();

private:
    void accept();
    void onAccepted(const asio::error_code &error, Socket socket);
    // The firewall's verdict on a new connection, counted; a refused one is
    // closed here, before a byte is read (HAProxy: tcp-request connection reject).
    bool admit(Socket &socket);

    Worker &m_worker;
    std::shared_ptr<FrontendShared> m_frontend;
    Acceptor m_acceptor;
    std::shared_ptr<Backend> m_backend;
    bool m_closed = false;
    bool m_accepting = false;
    std::unique_ptr<asio::steady_timer> m_backoff;
};

// A 32-bit hash of a client's address, for balance source.
uint32_t sourceHash(const asio::ip::address &address);

} // namespace Loadstar::Engine::detail
