#pragma once

#include "ProxySession.h"

namespace Loadstar::Engine::detail {

// A client connection in TCP mode: one server for the whole connection,
// bytes copied both ways until both sides have closed, HAProxy's client and
// server timeouts as inactivity limits.
class TcpSession final : public ProxySession
{
public:
    TcpSession(Worker &worker, std::shared_ptr<Listener> listener, Socket client);
    ~TcpSession() override;

    void start();
    void abort() override;

private:
    // One direction of the connection.
    struct Pipe
    {
        Buffer buffer;
        bool done = false; // the sender closed and everything was passed on
    };

    void serverReady() override;
    void serverUnavailable() override;
    void phaseDeadline() override;

    void pump(bool upstream);
    void onWritten(bool upstream, const asio::error_code &error, size_t bytes);
    void halfClose(bool upstream);
    void touch();
    Socket &source(bool upstream) { return upstream ? m_client : m_connection->socket; }
    Socket &sink(bool upstream) { return upstream ? m_connection->socket : m_client; }

    Pipe m_up;   // client → server
    Pipe m_down; // server → client
    bool m_connected = false;
    Clock::time_point m_start;
};

} // namespace Loadstar::Engine::detail
