#pragma once

#include <asio.hpp>

#include <sys/socket.h>

namespace Loadstar::Engine::detail {

// The socket a database client library owns (it opens and closes it),
// watched for readiness on an io_context so the library is only called
// when it can go on without blocking. Asio must let go of the descriptor
// before the library closes it: release() deregisters it from the reactor
// without closing it. It lives on the io_context's thread.
class LibrarySocket
{
public:
    using Descriptor = asio::posix::basic_stream_descriptor<asio::io_context::executor_type>;

    explicit LibrarySocket(asio::io_context &io)
        : m_descriptor(io.get_executor())
    {}
    ~LibrarySocket() { release(); }
    LibrarySocket(const LibrarySocket &) = delete;
    LibrarySocket &operator=(const LibrarySocket &) = delete;

    // Watches `fd`, the library's socket now (-1: none). A library may close
    // its socket and open another while connecting: call this after every
    // call into it, before anything else can open a descriptor.
    void track(int fd)
    {
        if (fd == m_fd)
            return;
        release();
        if (fd < 0)
            return;
        asio::error_code error;
        m_descriptor.assign(fd, error);
        if (!error)
            m_fd = fd;
    }

    // Calls handler(error) once the socket is readable, or writable; the
    // handler gets operation_aborted after cancel() or release().
    template<typename Handler>
    void wait(bool write, Handler handler)
    {
        m_descriptor.async_wait(write ? Descriptor::wait_write : Descriptor::wait_read, std::move(handler));
    }
    void cancel()
    {
        asio::error_code ignored;
        m_descriptor.cancel(ignored);
    }

    // Stops watching, leaving the descriptor open for the library to close.
    void release()
    {
        if (m_fd < 0)
            return;
        m_descriptor.release();
        m_fd = -1;
    }

    // For dropping a connection whose server does not answer: after this,
    // nothing the library does on the socket can wait (reads end, writes
    // fail at once), so closing the connection cannot block.
    void shutdownAndRelease()
    {
        if (m_fd >= 0)
            ::shutdown(m_fd, SHUT_RDWR);
        release();
    }

private:
    Descriptor m_descriptor;
    int m_fd = -1;
};

} // namespace Loadstar::Engine::detail
