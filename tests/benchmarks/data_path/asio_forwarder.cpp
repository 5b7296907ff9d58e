// A naive one-thread TCP forwarder on standalone Asio, round robin over the
// backends given on the command line. It exists only to decide, by
// measurement, which socket layer the engine's data path is built on (issue 4).
//   asio_forwarder LISTEN_PORT BACKEND_PORT [BACKEND_PORT…]   (all on 127.0.0.1)
#include <asio.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

using asio::ip::tcp;

namespace {

// One direction of a connection: read into a buffer, write it all, repeat.
class Pipe : public std::enable_shared_from_this<Pipe>
{
public:
    Pipe(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to)
        : m_from(std::move(from)), m_to(std::move(to))
    {}
    void start() { read(); }

private:
    void read()
    {
        m_from->async_read_some(asio::buffer(m_buffer), [self = shared_from_this()](std::error_code ec, size_t n) {
            if (ec) {
                std::error_code ignored;
                self->m_to->shutdown(tcp::socket::shutdown_send, ignored);
                return;
            }
            asio::async_write(*self->m_to, asio::buffer(self->m_buffer, n),
                              [self](std::error_code wec, size_t) {
                                  if (wec) {
                                      std::error_code ignored;
                                      self->m_from->close(ignored);
                                      return;
                                  }
                                  self->read();
                              });
        });
    }

    std::shared_ptr<tcp::socket> m_from;
    std::shared_ptr<tcp::socket> m_to;
    std::array<char, 16384> m_buffer;
};

class Forwarder
{
public:
    Forwarder(asio::io_context &io, unsigned short port, std::vector<unsigned short> backends)
        : m_io(io), m_acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)),
          m_backends(std::move(backends))
    {
        accept();
    }

private:
    void accept()
    {
        m_acceptor.async_accept([this](std::error_code ec, tcp::socket client) {
            if (!ec)
                connect(std::make_shared<tcp::socket>(std::move(client)));
            accept();
        });
    }

    void connect(std::shared_ptr<tcp::socket> client)
    {
        client->set_option(tcp::no_delay(true));
        auto server = std::make_shared<tcp::socket>(m_io);
        const tcp::endpoint backend(asio::ip::make_address("127.0.0.1"), m_backends[m_next++ % m_backends.size()]);
        server->async_connect(backend, [client, server](std::error_code ec) {
            if (ec)
                return;
            server->set_option(tcp::no_delay(true));
            std::make_shared<Pipe>(client, server)->start();
            std::make_shared<Pipe>(server, client)->start();
        });
    }

    asio::io_context &m_io;
    tcp::acceptor m_acceptor;
    std::vector<unsigned short> m_backends;
    size_t m_next = 0;
};

} // namespace

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: asio_forwarder LISTEN_PORT BACKEND_PORT...\n");
        return 2;
    }
    std::vector<unsigned short> backends;
    for (int i = 2; i < argc; ++i)
        backends.push_back(static_cast<unsigned short>(std::atoi(argv[i])));
    asio::io_context io(1);
    Forwarder forwarder(io, static_cast<unsigned short>(std::atoi(argv[1])), backends);
    io.run();
}
