#include "ProxySession.h"

#include <algorithm>

namespace Loadstar::Engine::detail {

ProxySession::ProxySession(Worker &worker, std::shared_ptr<Listener> listener, Socket client)
    : Session(worker)
    , m_listener(std::move(listener))
    , m_client(std::move(client))
    , m_backend(m_listener->backend())
{
    asio::error_code error;
    const tcp::endpoint peer = m_client.remote_endpoint(error);
    if (!error)
        m_sourceHash = sourceHash(peer.address());
    m_client.set_option(tcp::no_delay(true), error);
    m_client.non_blocking(true, error);
    CounterBlock &frontend = frontendCounters();
    frontend.stot.add();
    frontend.scur.increment();
    frontend.rate.add(coarseNow());
}

ProxySession::~ProxySession()
{
    if (m_step == ConnectStep::Queued)
        m_backend->unqueue(m_queueId);
    if (m_server >= 0)
        releaseServer(false);
    frontendCounters().scur.decrement();
    m_listener->frontend().connections.fetch_sub(1, std::memory_order_relaxed);
    m_listener->connectionClosed();
}

uint64_t ProxySession::millisecondsSince(Clock::time_point start)
{
    return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

void ProxySession::requestServer(bool allowReuse)
{
    m_retriesLeft = m_backend->config().retries;
    m_avoid = -1;
    takeServer(allowReuse);
}

void ProxySession::takeServer(bool allowReuse)
{
    int server = -1;
    switch (m_backend->take(m_sourceHash, server, shared_from_this(), m_queueId, m_avoid)) {
    case Backend::Take::Assigned:
        backendCounters().qtime.add(0);
        assigned(server);
        connect(allowReuse);
        return;
    case Backend::Take::Queued:
        m_step = ConnectStep::Queued;
        m_queuedAt = Clock::now();
        setDeadline(m_backend->config().timeoutQueue);
        holdWhileWaiting();
        return;
    case Backend::Take::NoServer:
        serverUnavailable();
        return;
    }
}

void ProxySession::onDequeued(int server)
{
    stopWaiting();
    if (m_closed || m_step != ConnectStep::Queued) {
        m_backend->release(server);
        return;
    }
    m_step = ConnectStep::None;
    backendCounters().qtime.add(millisecondsSince(m_queuedAt));
    assigned(server);
    connect(true);
}

void ProxySession::assigned(int server)
{
    m_server = server;
    for (CounterBlock *counters : {&serverCounters(), &backendCounters()}) {
        counters->stot.add();
        counters->lbtot.add();
        counters->scur.increment();
        counters->rate.add(coarseNow());
    }
}

void ProxySession::connect(bool allowReuse)
{
    const ServerRuntime &server = m_backend->servers()[size_t(m_server)];
    if (allowReuse) {
        if (auto idle = m_worker.takeIdle(server.endpoint)) {
            m_connection = std::move(idle);
            m_reused = true;
            m_step = ConnectStep::None;
            serverCounters().ctime.add(0);
            serverReady();
            return;
        }
    }
    m_reused = false;
    m_connection = std::make_shared<ServerConnection>(m_worker.io(), server.endpoint);
    m_step = ConnectStep::Connecting;
    m_connectStart = Clock::now();
    setDeadline(m_backend->config().timeoutConnect);
    m_connection->socket.async_connect(
        server.endpoint, [self = std::static_pointer_cast<ProxySession>(shared_from_this()),
                          connection = m_connection](const asio::error_code &error) {
            self->onConnected(error, connection);
        });
}

void ProxySession::reconnect()
{
    closeServerConnection();
    connect(false);
}

void ProxySession::onConnected(const asio::error_code &error, const std::shared_ptr<ServerConnection> &connection)
{
    if (m_closed || connection != m_connection || m_step != ConnectStep::Connecting)
        return; // timed out and replaced, or the session ended
    if (error) {
        connectFailed(error == asio::error::connection_refused ? "connection refused" : "connection failed");
        return;
    }
    m_backend->observe(m_server, Backend::Observed::ConnectOk);
    asio::error_code ignored;
    connection->socket.set_option(tcp::no_delay(true), ignored);
    connection->socket.non_blocking(true, ignored);
    m_step = ConnectStep::None;
    const uint64_t ctime = millisecondsSince(m_connectStart);
    serverCounters().ctime.add(ctime);
    backendCounters().ctime.add(ctime);
    serverReady();
}

void ProxySession::connectFailed(const char *what)
{
    closeServerConnection();
    serverCounters().econ.add();
    backendCounters().econ.add();
    m_backend->observe(m_server, Backend::Observed::ConnectError, what);
    if (m_retriesLeft <= 0) {
        m_step = ConnectStep::None;
        releaseServer(false);
        serverUnavailable();
        return;
    }
    --m_retriesLeft;
    serverCounters().wretr.add();
    backendCounters().wretr.add();
    // option redispatch: the next attempt goes wherever the balancer says,
    // without waiting — to another server when there is one. A server that
    // left rotation meanwhile (marked down by this very error) is not
    // waited for either.
    if (m_backend->config().redispatch || !m_backend->usable(m_server)) {
        if (m_backend->config().redispatch)
            m_avoid = m_server;
        redispatch();
        return;
    }
    // HAProxy's turn-around: a server that is restarting gets a moment
    // before the same server is tried again.
    m_step = ConnectStep::RetryWait;
    setDeadline(std::min(m_backend->config().timeoutConnect, 1000));
    holdWhileWaiting();
}

void ProxySession::redispatch()
{
    serverCounters().wredis.add();
    backendCounters().wredis.add();
    m_step = ConnectStep::None;
    releaseServer(false);
    takeServer(false);
}

bool ProxySession::retryElsewhere()
{
    if (m_retriesLeft <= 0 || m_server < 0)
        return false;
    --m_retriesLeft;
    serverCounters().wretr.add();
    backendCounters().wretr.add();
    m_avoid = m_server;
    redispatch();
    return true;
}

// A timer that never fires by itself (the worker's tick enforces the
// deadline): its pending wait owns the session, as a pending read or write
// does otherwise. Cancelled when the wait ends; destroyed with the
// io_context, and the session with it, when the engine stops.
void ProxySession::holdWhileWaiting()
{
    if (!m_waiting)
        m_waiting = std::make_unique<asio::steady_timer>(m_worker.io());
    m_waiting->expires_at(asio::steady_timer::time_point::max());
    m_waiting->async_wait([self = shared_from_this()](const asio::error_code &) {});
}

void ProxySession::stopWaiting()
{
    if (m_waiting)
        m_waiting->cancel();
}

void ProxySession::onDeadline()
{
    switch (m_step) {
    case ConnectStep::Queued:
        clearDeadline();
        if (m_backend->unqueue(m_queueId)) {
            stopWaiting();
            m_step = ConnectStep::None;
            backendCounters().qtime.add(millisecondsSince(m_queuedAt));
            serverUnavailable();
        }
        // Otherwise a slot is on its way; onDequeued() follows.
        return;
    case ConnectStep::Connecting:
        clearDeadline();
        connectFailed("connect timeout");
        return;
    case ConnectStep::RetryWait:
        clearDeadline();
        stopWaiting();
        if (m_backend->usable(m_server))
            connect(false);
        else
            redispatch(); // it left rotation while we waited
        return;
    case ConnectStep::None:
        phaseDeadline();
        return;
    }
}

void ProxySession::releaseServer(bool keepIdle)
{
    if (m_connection) {
        if (keepIdle && !m_closed)
            m_worker.putIdle(std::move(m_connection));
        closeServerConnection();
    }
    if (m_server < 0)
        return;
    serverCounters().scur.decrement();
    backendCounters().scur.decrement();
    const int server = m_server;
    m_server = -1;
    m_backend->release(server);
}

void ProxySession::closeServerConnection()
{
    if (!m_connection)
        return;
    asio::error_code ignored;
    m_connection->socket.close(ignored);
    m_connection.reset();
}

} // namespace Loadstar::Engine::detail
