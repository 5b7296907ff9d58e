// The client side of the memory row in run.sh: opens COUNT TCP connections to
// 127.0.0.1:PORT and holds them, idle, until it is killed, so that the
// proxy's resident memory can be read with that many connections open. With
// --request, each connection first makes one keep-alive HTTP/1.1 request and
// reads the whole response before going idle: the usual idle keep-alive
// connection of a browser or an HTTP client pool.
//   idle_connections PORT COUNT [--request]
// Prints "ready OPEN FAILED" once every connection is open or has failed
// (failures are described on stderr), then "closed N" each time the far end
// has closed some of them (N in all). Plain sockets and epoll, Linux only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

enum class State { Unused, Connecting, Reading, Idle };

struct Connection
{
    State state = State::Unused;
    std::string received; // the response so far (--request only)
};

constexpr int MaxInFlight = 256; // connects and requests at once: keeps the listen backlog short
constexpr auto SetupTimeout = std::chrono::seconds(60);
constexpr std::string_view Request
    = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: idle_connections\r\n\r\n";

int s_failed = 0;
std::string s_firstFailure;

void fail(const std::string &why)
{
    if (s_failed++ == 0)
        s_firstFailure = why;
}

// True once `text` holds a whole response; *ok tells whether it was a 200.
bool responseComplete(const std::string &text, bool *ok)
{
    const size_t headerEnd = text.find("\r\n\r\n");
    if (headerEnd == std::string::npos)
        return false;
    size_t length = 0;
    for (size_t line = text.find("\r\n") + 2; line < headerEnd;
         line = text.find("\r\n", line) + 2) {
        if (strncasecmp(text.c_str() + line, "content-length:", 15) == 0)
            length = std::strtoul(text.c_str() + line + 15, nullptr, 10);
    }
    *ok = text.compare(0, 12, "HTTP/1.1 200") == 0;
    return text.size() >= headerEnd + 4 + length;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (argc == 4 && std::strcmp(argv[3], "--request") != 0)) {
        std::fprintf(stderr, "usage: idle_connections PORT COUNT [--request]\n");
        return 2;
    }
    const int port = std::atoi(argv[1]);
    const int count = std::atoi(argv[2]);
    const bool request = argc == 4;

    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < rlim_t(count) + 16) {
        std::fprintf(
            stderr,
            "idle_connections: %d connections need %d file descriptors, the limit is %llu\n", count,
            count + 16, static_cast<unsigned long long>(limit.rlim_cur));
        return 1;
    }

    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    const int epoll = epoll_create1(0);
    std::vector<Connection> connections(limit.rlim_cur);
    int started = 0, inFlight = 0, open = 0, closed = 0;
    bool ready = false;
    const auto deadline = std::chrono::steady_clock::now() + SetupTimeout;

    auto watch = [&](int fd, uint32_t events, int op) {
        epoll_event event{};
        event.events = events;
        event.data.fd = fd;
        epoll_ctl(epoll, op, fd, &event);
    };
    auto drop = [&](int fd) {
        connections[fd] = Connection{};
        close(fd);
    };
    auto goIdle = [&](int fd) {
        connections[fd].state = State::Idle;
        connections[fd].received.clear();
        connections[fd].received.shrink_to_fit();
        --inFlight;
        ++open;
        watch(fd, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
    };
    auto connected = [&](int fd) {
        if (!request)
            return goIdle(fd);
        if (write(fd, Request.data(), Request.size()) != ssize_t(Request.size())) {
            fail(std::string("write: ") + std::strerror(errno));
            --inFlight;
            return drop(fd);
        }
        connections[fd].state = State::Reading;
        watch(fd, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
    };

    epoll_event events[256];
    for (;;) {
        while (!ready && started < count && inFlight < MaxInFlight) {
            ++started;
            const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                fail(std::string("socket: ") + std::strerror(errno));
                continue;
            }
            ++inFlight;
            connections[fd].state = State::Connecting;
            watch(fd, EPOLLOUT, EPOLL_CTL_ADD);
            if (connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0) {
                connected(fd);
            } else if (errno != EINPROGRESS) {
                fail(std::string("connect: ") + std::strerror(errno));
                --inFlight;
                drop(fd);
            }
        }
        if (!ready
            && ((started == count && inFlight == 0)
                || std::chrono::steady_clock::now() > deadline)) {
            for (size_t fd = 0; fd < connections.size(); ++fd) {
                const State state = connections[fd].state;
                if (state == State::Connecting || state == State::Reading) {
                    fail(state == State::Connecting ? "connect: timed out" : "response: timed out");
                    drop(int(fd));
                }
            }
            s_failed += count - started; // never started: out of time
            ready = true;
            if (s_failed)
                std::fprintf(stderr, "idle_connections: %d of %d connections failed (first: %s)\n",
                             s_failed, count, s_firstFailure.c_str());
            std::printf("ready %d %d\n", open, s_failed);
            std::fflush(stdout);
        }

        const int n = epoll_wait(epoll, events, 256, 1000);
        const int closedBefore = closed;
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            Connection &connection = connections[fd];
            if (connection.state == State::Connecting) {
                int error = 0;
                socklen_t size = sizeof error;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
                if (error) {
                    fail(std::string("connect: ") + std::strerror(error));
                    --inFlight;
                    drop(fd);
                } else {
                    connected(fd);
                }
                continue;
            }
            char buffer[4096];
            const ssize_t got = read(fd, buffer, sizeof buffer);
            if (got < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (connection.state == State::Reading) {
                bool ok = false;
                if (got > 0) {
                    connection.received.append(buffer, size_t(got));
                    if (!responseComplete(connection.received, &ok))
                        continue;
                    if (ok)
                        goIdle(fd);
                    else {
                        fail("response: "
                             + connection.received.substr(0, connection.received.find('\r')));
                        --inFlight;
                        drop(fd);
                    }
                } else {
                    fail(got == 0 ? "response: connection closed"
                                  : std::string("read: ") + std::strerror(errno));
                    --inFlight;
                    drop(fd);
                }
            } else if (got <= 0) { // idle: closed by the far end
                ++closed;
                --open;
                drop(fd);
            }
        }
        if (ready && closed != closedBefore) {
            std::printf("closed %d\n", closed);
            std::fflush(stdout);
        }
    }
}
