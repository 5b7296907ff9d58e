#pragma once

#include "Runtime.h"

namespace Loadstar::Engine::detail {

// What HTTP and TCP sessions share: a client connection accepted by a
// listener, and getting a server for it — a slot from the backend (or a
// place in its queue), then a connection, with HAProxy's retries, turn-around
// delay and redispatch when connecting fails.
class ProxySession : public Session
{
public:
    ProxySession(Worker &worker, std::shared_ptr<Listener> listener, Socket client);
    ~ProxySession() override;

    void onDeadline() override;
    void onDequeued(int server) override;
    const FrontendShared *frontend() const override { return &m_listener->frontend(); }

protected:
    // Asks m_backend for a server, then connects; ends in serverReady() or
    // serverUnavailable(). `allowReuse`: an idle connection may be used.
    void requestServer(bool allowReuse);
    // Connects again to the same server on a fresh connection.
    void reconnect();
    // The request failed on its server before any answer: if a retry is
    // left, it goes to the balancer again, avoiding that server. False when
    // the retries are spent.
    bool retryElsewhere();
    // The request or connection is done with its server: the slot goes back,
    // and the connection is closed unless `keepIdle`.
    void releaseServer(bool keepIdle);
    void closeServerConnection();

    virtual void serverReady() = 0;
    // No server could take it (none usable, queue timeout, retries spent).
    virtual void serverUnavailable() = 0;
    // A deadline passed outside the connect steps.
    virtual void phaseDeadline() = 0;

    CounterBlock &frontendCounters() { return m_backend->frontendStats().at(m_worker.index()); }
    CounterBlock &backendCounters() { return m_backend->backendStats().at(m_worker.index()); }
    CounterBlock &serverCounters() { return m_backend->servers()[size_t(m_server)].stats->at(m_worker.index()); }
    static uint64_t millisecondsSince(Clock::time_point start);

    std::shared_ptr<Listener> m_listener;
    Socket m_client;
    uint32_t m_sourceHash = 0;
    std::shared_ptr<Backend> m_backend; // for the current request (HTTP) or connection (TCP)
    int m_server = -1;                  // holds a slot of this server while >= 0
    std::shared_ptr<ServerConnection> m_connection;
    bool m_reused = false;              // m_connection came from the idle list
    bool m_closed = false;

private:
    enum class ConnectStep { None, Queued, Connecting, RetryWait };

    void takeServer(bool allowReuse);
    void assigned(int server);
    void connect(bool allowReuse);
    void onConnected(const asio::error_code &error, const std::shared_ptr<ServerConnection> &connection);
    void connectFailed(const char *what);
    // Counts a retry; the next attempt asks the balancer again.
    void redispatch();
    // Keeps the session alive while it waits in the queue or for the
    // turn-around, when no socket operation is pending to own it.
    void holdWhileWaiting();
    void stopWaiting();

    ConnectStep m_step = ConnectStep::None;
    uint64_t m_queueId = 0;
    int m_retriesLeft = 0;
    int m_avoid = -1; // a server that failed the current request
    Clock::time_point m_queuedAt;
    Clock::time_point m_connectStart;
    std::unique_ptr<asio::steady_timer> m_waiting;
};

} // namespace Loadstar::Engine::detail
