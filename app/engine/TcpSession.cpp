#include "TcpSession.h"

#include <algorithm>

namespace Loadstar::Engine::detail {

TcpSession::TcpSession(Worker &worker, std::shared_ptr<Listener> listener, Socket client)
    : ProxySession(worker, std::move(listener), std::move(client))
    , m_start(Clock::now())
{}

TcpSession::~TcpSession()
{
    m_worker.buffers().put(m_up.buffer);
    m_worker.buffers().put(m_down.buffer);
    if (m_connected && m_server >= 0) {
        const uint64_t ttime = millisecondsSince(m_start);
        serverCounters().ttime.add(ttime);
        backendCounters().ttime.add(ttime);
    }
}

void TcpSession::start()
{
    requestServer(false); // a TCP connection is never shared
}

void TcpSession::abort()
{
    m_closed = true;
    asio::error_code ignored;
    m_client.close(ignored);
    closeServerConnection();
}

void TcpSession::serverReady()
{
    m_connected = true;
    touch();
    pump(true);
    pump(false);
}

void TcpSession::serverUnavailable()
{
    // TCP has no way to say why: the client sees its connection closed.
    abort();
}

void TcpSession::touch()
{
    const FrontendConfig &config = m_backend->config();
    setDeadline(std::min(config.timeoutClient, config.timeoutServer));
}

// Reads what one side sent and writes it to the other; when nothing is
// there, waits without a buffer (idle database connections hold none). The
// read right before the wait matters: epoll is edge-triggered.
void TcpSession::pump(bool upstream)
{
    if (m_closed)
        return;
    Pipe &pipe = upstream ? m_up : m_down;
    if (pipe.buffer.isNull())
        pipe.buffer = m_worker.buffers().get();
    asio::error_code error;
    const size_t bytes = source(upstream).read_some(pipe.buffer.tail(), error);
    if (error == asio::error::would_block) {
        m_worker.buffers().put(pipe.buffer);
        source(upstream).async_wait(tcp::socket::wait_read,
                                    [self = std::static_pointer_cast<TcpSession>(shared_from_this()),
                                     upstream](const asio::error_code &e) {
                                        if (self->m_closed)
                                            return;
                                        if (e) {
                                            self->abort();
                                            return;
                                        }
                                        self->pump(upstream);
                                    });
        return;
    }
    if (error) {
        m_worker.buffers().put(pipe.buffer);
        if (error == asio::error::eof)
            halfClose(upstream);
        else
            abort(); // reset: pass it on as a close of both sides
        return;
    }
    touch();
    pipe.buffer.produced(bytes);
    if (upstream) {
        frontendCounters().bin.add(bytes);
        backendCounters().bin.add(bytes);
        serverCounters().bin.add(bytes);
    } else {
        frontendCounters().bout.add(bytes);
        backendCounters().bout.add(bytes);
        serverCounters().bout.add(bytes);
    }
    asio::async_write(sink(upstream), asio::buffer(pipe.buffer.view()),
                      [self = std::static_pointer_cast<TcpSession>(shared_from_this()),
                       upstream](const asio::error_code &e, size_t n) { self->onWritten(upstream, e, n); });
}

void TcpSession::onWritten(bool upstream, const asio::error_code &error, size_t bytes)
{
    if (m_closed)
        return;
    if (error) {
        abort();
        return;
    }
    Pipe &pipe = upstream ? m_up : m_down;
    pipe.buffer.consume(bytes);
    touch();
    pump(upstream);
}

void TcpSession::halfClose(bool upstream)
{
    Pipe &pipe = upstream ? m_up : m_down;
    pipe.done = true;
    asio::error_code ignored;
    sink(upstream).shutdown(tcp::socket::shutdown_send, ignored);
    if (m_up.done && m_down.done)
        abort();
}

void TcpSession::phaseDeadline()
{
    // No byte either way for the whole timeout.
    abort();
}

} // namespace Loadstar::Engine::detail
