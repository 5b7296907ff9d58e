#pragma once

// A closed-loop HTTP/1.1 keep-alive load for the database benchmark: each
// connection sends a request, reads the whole response, and sends the next,
// on a thread of its own (plain blocking sockets: simple, and the figures
// are Loadstar's, not this client's). Every response is kept as an outcome
// with its time, so a failover can be read off the timeline afterwards.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/syscall.h>

#include <atomic>
#include <chrono>
#include <set>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace Bench {

using Clock = std::chrono::steady_clock;

struct Outcome
{
    Clock::time_point at; // when the response (or the failure) came
    int status = 0;       // 0: no response (connection refused, reset, closed)
    std::string body;
};

class HttpLoad
{
public:
    struct Options
    {
        uint16_t port = 0;
        int connections = 20;
        std::string method = "GET";
        std::string client = "bench"; // X-Loadstar-Client
        bool keepBodies = false;      // bodies of 200s are kept (write ids)
    };

    explicit HttpLoad(Options options) : m_options(std::move(options)) {}
    ~HttpLoad() { stop(); }

    void start()
    {
        m_running = true;
        for (int i = 0; i < m_options.connections; ++i)
            m_threads.emplace_back([this, i] { loop(i); });
    }
    void stop()
    {
        m_running = false;
        for (std::thread &thread : m_threads)
            thread.join();
        m_threads.clear();
    }
    std::vector<Outcome> outcomes() const
    {
        std::lock_guard lock(m_mutex);
        return m_outcomes;
    }
    // The load's own threads, to leave out of Loadstar's CPU time.
    std::set<pid_t> threadIds() const
    {
        std::lock_guard lock(m_mutex);
        return m_tids;
    }
    // 200 responses so far (live, not only those kept in outcomes()).
    uint64_t succeeded() const { return m_succeeded.load(std::memory_order_relaxed); }

private:
    static int connectTo(uint16_t port)
    {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval timeout{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    }

    // One response, or status 0 when the connection failed.
    static Outcome exchange(int fd, const std::string &request)
    {
        Outcome outcome;
        if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size()))
            return outcome;
        std::string in;
        char buffer[4096];
        size_t headEnd = std::string::npos;
        size_t length = 0;
        for (;;) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0)
                return outcome;
            in.append(buffer, size_t(n));
            if (headEnd == std::string::npos) {
                headEnd = in.find("\r\n\r\n");
                if (headEnd == std::string::npos)
                    continue;
                outcome.status = std::atoi(in.c_str() + 9);
                const size_t field = in.find("Content-Length: ");
                length = field < headEnd ? size_t(std::atol(in.c_str() + field + 16)) : 0;
            }
            if (in.size() >= headEnd + 4 + length) {
                outcome.body = in.substr(headEnd + 4, length);
                return outcome;
            }
        }
    }

    void loop(int index)
    {
        {
            std::lock_guard lock(m_mutex);
            m_tids.insert(pid_t(::syscall(SYS_gettid)));
        }
        const bool write = m_options.method != "GET";
        const std::string request = m_options.method + " /visit HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Loadstar-Client: "
                                    + m_options.client + "-" + std::to_string(index) + "\r\n"
                                    + (write ? "Content-Length: 5\r\n\r\nvisit" : "\r\n");
        int fd = -1;
        std::vector<Outcome> local;
        while (m_running) {
            if (fd < 0 && (fd = connectTo(m_options.port)) < 0) {
                local.push_back({Clock::now(), 0, {}});
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                continue;
            }
            Outcome outcome = exchange(fd, request);
            outcome.at = Clock::now();
            if (outcome.status == 200)
                m_succeeded.fetch_add(1, std::memory_order_relaxed);
            if (outcome.status == 0) {
                ::close(fd);
                fd = -1;
            }
            if (!(m_options.keepBodies && outcome.status == 200))
                outcome.body.clear();
            local.push_back(std::move(outcome));
            if (local.size() >= 1024)
                flush(local);
        }
        if (fd >= 0)
            ::close(fd);
        flush(local);
    }

    void flush(std::vector<Outcome> &local)
    {
        std::lock_guard lock(m_mutex);
        m_outcomes.insert(m_outcomes.end(), std::make_move_iterator(local.begin()), std::make_move_iterator(local.end()));
        local.clear();
    }

    Options m_options;
    std::atomic<bool> m_running{false};
    std::atomic<uint64_t> m_succeeded{0};
    std::vector<std::thread> m_threads;
    mutable std::mutex m_mutex;
    std::vector<Outcome> m_outcomes;
    std::set<pid_t> m_tids;
};

} // namespace Bench
