#include "TrafficGenerator.h"

#include "engine/Counters.h"
#include "engine/HttpParser.h"
#include "engine/IoThread.h"

#include <asio.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

namespace Loadstar::Engine {

namespace detail {

using asio::ip::tcp;

namespace {

constexpr auto Timeout = std::chrono::milliseconds(TrafficGenerator::TimeoutMs);
constexpr auto ReconnectDelay = std::chrono::milliseconds(TrafficGenerator::ReconnectDelayMs);
constexpr int64_t NanosecondsPerSecond = 1000000000;

// The rest of a write's head after the client field, and its small body.
constexpr const char *WriteBody = "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                                  "Content-Length: 9\r\n\r\nvisited=1";

// A node name as a header value: control characters would end the field.
std::string clientFieldValue(const QString &name)
{
    std::string value = name.toStdString();
    for (char &c : value) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = '?';
    }
    return value;
}

std::string hostField(const ClientConfig &config)
{
    const std::string address = config.address.toStdString();
    const bool ipv6 = address.find(':') != std::string::npos;
    return (ipv6 ? '[' + address + ']' : address) + ':' + std::to_string(config.port);
}

} // namespace

// Written on the worker thread, read by stats() on any thread.
struct TrafficCounters
{
    Counter sent;
    Counter responses[5];
    Counter connectErrors;
    Counter timeouts;
    Counter brokenResponses;
    RateCounter requestRate;
    LatencyWindow latency;
    std::atomic<int> connections{0};
};

// One client's connections and schedule. It lives on the worker thread;
// pending operations own it, and the generator until it is removed.
class TrafficClient : public std::enable_shared_from_this<TrafficClient>
{
public:
    TrafficClient(asio::io_context &io, const ClientConfig &config, tcp::endpoint endpoint,
                  std::shared_ptr<TrafficCounters> counters)
        : m_io(io)
        , m_endpoint(std::move(endpoint))
        , m_counters(std::move(counters))
        , m_pacer(io)
        , m_host(hostField(config))
        , m_clientField("\r\nX-Loadstar-Client: " + clientFieldValue(config.name))
    {
        configure(config);
    }

    void start() { pump(); }

    // A new rate restarts the schedule from now; requests overdue under the
    // old rate are not sent.
    void reconfigure(const ClientConfig &config)
    {
        const bool newRate = config.rate != m_rate;
        const bool newPaths = config.paths != m_paths;
        configure(config);
        if (newRate)
            restartSchedule();
        if (newPaths)
            m_current.assign(size_t(m_paths.size()), 0);
        pump();
    }

    void shutdown()
    {
        m_stopped = true;
        m_pacer.cancel();
        for (const std::unique_ptr<Connection> &connection : m_connections)
            close(*connection);
    }

private:
    enum class State { Closed, Connecting, Idle, Busy };

    struct Connection
    {
        explicit Connection(asio::io_context &io)
            : socket(io)
            , deadline(io)
        {}

        tcp::socket socket;
        asio::steady_timer deadline; // the connect's or the request's timeout
        State state = State::Closed;
        // Changes at every close, so a handler that completes afterwards
        // knows its connection is gone.
        uint64_t generation = 0;
        uint64_t requests = 0; // sent on this connection, so a late timeout knows its request
        std::string request;
        Clock::time_point due; // when the request in flight was due
        // The response being read.
        char in[16 * 1024];
        size_t inSize = 0;
        bool headDone = false;
        int status = 0;
        bool keepAlive = true;
        Http::Framing framing = Http::Framing::None;
        uint64_t bodyLeft = 0;
        Http::ChunkedDecoder chunked;
    };

    void configure(const ClientConfig &config)
    {
        const int writeRatio = std::clamp(config.writeRatio, 0, 100);
        if (writeRatio != m_writeRatio)
            m_writeAccumulator = 0;
        m_writeRatio = writeRatio;
        m_rate = std::max(0, config.rate);
        m_concurrency = std::max(1, config.concurrency);
        m_paths = config.paths;
        if (m_paths.isEmpty())
            m_paths.append({QStringLiteral("/"), 1});
        m_pathTargets.clear();
        for (const PathShare &share : m_paths)
            m_pathTargets.push_back(share.path.toStdString());
        if (m_current.size() != size_t(m_paths.size()))
            m_current.assign(size_t(m_paths.size()), 0);
    }

    void restartSchedule()
    {
        m_start = Clock::now();
        m_next = 0;
    }

    // Request n of the schedule is due at start + n/rate.
    Clock::time_point dueTime(uint64_t n) const
    {
        const int64_t whole = int64_t(n / uint64_t(m_rate));
        const int64_t part = int64_t(n % uint64_t(m_rate)) * NanosecondsPerSecond / m_rate;
        return m_start + std::chrono::seconds(whole) + std::chrono::nanoseconds(part);
    }

    // How many requests are due by `now`.
    uint64_t dueBy(Clock::time_point now) const
    {
        if (now < m_start)
            return 0;
        const int64_t elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - m_start).count();
        return uint64_t(elapsed / NanosecondsPerSecond) * uint64_t(m_rate)
               + uint64_t((elapsed % NanosecondsPerSecond) * m_rate / NanosecondsPerSecond) + 1;
    }

    // nginx's smooth weighted round robin: exact shares, evenly spread.
    const std::string &nextPath()
    {
        int total = 0;
        size_t best = 0;
        for (size_t i = 0; i < m_current.size(); ++i) {
            m_current[i] += m_paths[qsizetype(i)].weight;
            total += m_paths[qsizetype(i)].weight;
            if (m_current[i] > m_current[best])
                best = i;
        }
        m_current[best] -= total;
        return m_pathTargets[best];
    }

    // writeRatio percent of requests are writes, as DemoFault::errorPercent
    // injects errors: an accumulator, so 25 % is exactly one in every 4.
    bool nextIsWrite()
    {
        m_writeAccumulator += m_writeRatio;
        if (m_writeAccumulator < 100)
            return false;
        m_writeAccumulator -= 100;
        return true;
    }

    int openConnections() const
    {
        int open = 0;
        for (const std::unique_ptr<Connection> &connection : m_connections)
            open += connection->state != State::Closed ? 1 : 0;
        return open;
    }

    // Sends what is due on idle connections, opens connections for what
    // still waits, and sets the pacer for the next due request.
    void pump()
    {
        if (m_stopped || m_rate == 0) {
            m_pacer.cancel();
            m_pacerAt = {};
            return;
        }
        if (!m_started) {
            m_started = true;
            restartSchedule();
        }
        const Clock::time_point now = Clock::now();
        const uint64_t due = dueBy(now);
        // A request that could not even be sent within the timeout counts
        // as one: it stays bounded, and a burst does not follow an outage.
        const uint64_t expired = dueBy(now - Timeout);
        if (m_next < expired) {
            m_counters->timeouts.add(expired - m_next);
            m_next = expired;
        }
        for (const std::unique_ptr<Connection> &connection : m_connections) {
            if (m_next >= due)
                break;
            if (connection->state == State::Idle)
                send(*connection, dueTime(m_next++));
        }
        if (m_next < due && now >= m_reconnectAt) {
            int connecting = 0;
            for (const std::unique_ptr<Connection> &connection : m_connections)
                connecting += connection->state == State::Connecting ? 1 : 0;
            int wanted = int(std::min<uint64_t>(due - m_next, uint64_t(m_concurrency))) - connecting;
            for (int open = openConnections(); wanted > 0 && open < m_concurrency; --wanted, ++open)
                connect(freeConnection());
        }
        Clock::time_point wake = dueTime(due);
        if (m_next < due && now < m_reconnectAt && openConnections() == 0)
            wake = m_reconnectAt;
        if (wake != m_pacerAt) {
            m_pacerAt = wake;
            m_pacer.expires_at(wake);
            m_pacer.async_wait([self = shared_from_this()](const asio::error_code &error) {
                if (!error) {
                    self->m_pacerAt = {};
                    self->pump();
                }
            });
        }
    }

    Connection &freeConnection()
    {
        for (const std::unique_ptr<Connection> &connection : m_connections) {
            if (connection->state == State::Closed)
                return *connection;
        }
        m_connections.push_back(std::make_unique<Connection>(m_io));
        return *m_connections.back();
    }

    void connect(Connection &connection)
    {
        connection.state = State::Connecting;
        m_counters->connections.fetch_add(1, std::memory_order_relaxed);
        const uint64_t generation = connection.generation;
        connection.deadline.expires_after(Timeout);
        connection.deadline.async_wait([self = shared_from_this(), &connection, generation](const asio::error_code &error) {
            if (!error && connection.generation == generation && connection.state == State::Connecting)
                self->failed(connection, self->m_counters->connectErrors);
        });
        connection.socket.async_connect(m_endpoint, [self = shared_from_this(), &connection,
                                                     generation](const asio::error_code &error) {
            if (connection.generation != generation)
                return;
            if (error) {
                self->failed(connection, self->m_counters->connectErrors);
                return;
            }
            connection.deadline.cancel();
            asio::error_code ignored;
            connection.socket.set_option(tcp::no_delay(true), ignored);
            connection.state = State::Idle;
            self->read(connection);
            self->pump();
        });
    }

    void send(Connection &connection, Clock::time_point due)
    {
        connection.state = State::Busy;
        ++connection.requests;
        connection.due = due;
        connection.headDone = false;
        connection.request.clear();
        const bool write = nextIsWrite();
        connection.request += write ? "POST " : "GET ";
        connection.request += nextPath();
        connection.request += " HTTP/1.1\r\nHost: ";
        connection.request += m_host;
        connection.request += "\r\nUser-Agent: Loadstar";
        connection.request += m_clientField;
        connection.request += write ? WriteBody : "\r\n\r\n";
        const uint64_t generation = connection.generation;
        connection.deadline.expires_after(Timeout);
        connection.deadline.async_wait([self = shared_from_this(), &connection, generation,
                                        request = connection.requests](const asio::error_code &error) {
            if (!error && connection.generation == generation && connection.requests == request
                && connection.state == State::Busy)
                self->failed(connection, self->m_counters->timeouts);
        });
        asio::async_write(connection.socket, asio::buffer(connection.request),
                          [self = shared_from_this(), &connection, generation](const asio::error_code &error, size_t) {
                              // Written whole is sent, even when the connection
                              // was closed since: the frontend has the request.
                              if (!error) {
                                  self->m_counters->sent.add();
                                  self->m_counters->requestRate.add(coarseNow());
                              }
                              if (connection.generation != generation)
                                  return;
                              if (error)
                                  self->failed(connection, self->m_counters->brokenResponses);
                          });
    }

    // One read always pending while connected: between requests it only
    // notices the frontend closing an idle connection.
    void read(Connection &connection)
    {
        const uint64_t generation = connection.generation;
        connection.socket.async_read_some(
            asio::buffer(connection.in + connection.inSize, sizeof connection.in - connection.inSize),
            [self = shared_from_this(), &connection, generation](const asio::error_code &error, size_t n) {
                if (connection.generation != generation)
                    return;
                self->received(connection, error, n);
            });
    }

    void received(Connection &connection, const asio::error_code &error, size_t n)
    {
        if (connection.state != State::Busy) {
            // Closed or answered out of turn while idle: a fresh connection
            // will carry the next request, no harm done.
            close(connection);
            pump();
            return;
        }
        if (error) {
            if (error == asio::error::eof && connection.headDone && connection.framing == Http::Framing::UntilClose) {
                answered(connection);
                close(connection);
                pump();
                return;
            }
            failed(connection, m_counters->brokenResponses);
            return;
        }
        connection.inSize += n;
        if (!connection.headDone) {
            Http::Head head;
            const Http::ParseOutcome outcome =
                Http::parseResponse(std::string_view(connection.in, connection.inSize), "GET", head);
            if (outcome.result == Http::Result::Error
                || (outcome.result == Http::Result::Incomplete && connection.inSize == sizeof connection.in)) {
                failed(connection, m_counters->brokenResponses);
                return;
            }
            if (outcome.result == Http::Result::Incomplete) {
                read(connection);
                return;
            }
            connection.headDone = true;
            connection.status = head.status;
            connection.keepAlive = head.keepAlive;
            connection.framing = head.framing;
            connection.bodyLeft = head.contentLength;
            connection.chunked = {};
            std::memmove(connection.in, connection.in + head.size, connection.inSize - head.size);
            connection.inSize -= head.size;
        }
        if (consumeBody(connection))
            read(connection);
        pump();
    }

    // Takes the body bytes read so far; false when the connection is closed
    // (answered without keep-alive, or failed).
    bool consumeBody(Connection &connection)
    {
        const std::string_view data(connection.in, connection.inSize);
        connection.inSize = 0;
        bool done = false;
        size_t used = data.size();
        switch (connection.framing) {
        case Http::Framing::None:
            done = true;
            used = 0;
            break;
        case Http::Framing::ContentLength:
            used = size_t(std::min<uint64_t>(connection.bodyLeft, data.size()));
            connection.bodyLeft -= used;
            done = connection.bodyLeft == 0;
            break;
        case Http::Framing::Chunked: {
            const Http::ChunkedDecoder::Step step = connection.chunked.feed(data);
            if (step.error) {
                failed(connection, m_counters->brokenResponses);
                return false;
            }
            used = step.consumed;
            done = step.done;
            break;
        }
        case Http::Framing::UntilClose:
            break;
        }
        if (!done)
            return true;
        answered(connection);
        // Bytes after the response that nobody asked for: not HTTP.
        if (used != data.size()) {
            failed(connection, m_counters->brokenResponses);
            return false;
        }
        if (!connection.keepAlive || openConnections() > m_concurrency) {
            close(connection);
            return false;
        }
        connection.state = State::Idle;
        return true;
    }

    void answered(Connection &connection)
    {
        const Clock::time_point now = Clock::now();
        const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(now - connection.due).count();
        m_counters->latency.add(now, uint64_t(std::max<int64_t>(0, latency)));
        const int klass = connection.status / 100;
        if (klass >= 1 && klass <= 5)
            m_counters->responses[klass - 1].add();
        connection.deadline.cancel();
    }

    // Counts the failure, closes, and waits a moment before connecting again.
    void failed(Connection &connection, Counter &counter)
    {
        if (connection.state == State::Closed)
            return;
        counter.add();
        close(connection);
        m_reconnectAt = Clock::now() + ReconnectDelay;
        pump();
    }

    void close(Connection &connection)
    {
        if (connection.state == State::Closed)
            return;
        connection.state = State::Closed;
        ++connection.generation;
        connection.inSize = 0;
        connection.deadline.cancel();
        asio::error_code ignored;
        connection.socket.shutdown(tcp::socket::shutdown_both, ignored);
        connection.socket.close(ignored);
        m_counters->connections.fetch_sub(1, std::memory_order_relaxed);
    }

    asio::io_context &m_io;
    tcp::endpoint m_endpoint;
    std::shared_ptr<TrafficCounters> m_counters;
    asio::steady_timer m_pacer;
    Clock::time_point m_pacerAt; // when the pacer is set to fire, or the epoch when it is not set
    std::string m_host;
    std::string m_clientField; // the X-Loadstar-Client field, with the CRLF before it
    int m_rate = 0;
    int m_writeRatio = 0;       // percent of requests sent as POST
    int m_writeAccumulator = 0; // percent points; a write each time it reaches 100
    int m_concurrency = 1;
    QList<PathShare> m_paths;
    std::vector<std::string> m_pathTargets;
    std::vector<int> m_current; // smooth weighted round robin's running weights
    bool m_started = false;
    bool m_stopped = false;
    Clock::time_point m_start; // when request 0 was due
    uint64_t m_next = 0;       // the next request of the schedule to send
    Clock::time_point m_reconnectAt;
    // Stable addresses: handlers refer to their connection.
    std::vector<std::unique_ptr<Connection>> m_connections;
};

// What the facade keeps: the clients, and the worker thread they run on.
// The mutex guards everything here.
class TrafficGeneratorCore : public IoThread
{
public:
    struct Entry
    {
        ClientConfig config;
        std::shared_ptr<TrafficClient> client;
        std::shared_ptr<TrafficCounters> counters;
    };

    mutable std::mutex mutex;
    std::vector<Entry> entries; // in configuration order
};

} // namespace detail

using detail::TrafficClient;
using detail::TrafficCounters;
using Entry = detail::TrafficGeneratorCore::Entry;
using asio::ip::tcp;

namespace {

bool sameTarget(const ClientConfig &a, const ClientConfig &b)
{
    return a.name == b.name && a.frontend == b.frontend && a.address == b.address && a.port == b.port;
}

// A literal address, or a name looked up once (this blocks, as the engine's
// own start does).
bool endpointsOf(const QList<ClientConfig> &clients, std::vector<tcp::endpoint> &endpoints, QString *error)
{
    endpoints.clear();
    for (const ClientConfig &client : clients) {
        asio::error_code code;
        const asio::ip::address address = asio::ip::make_address(client.address.toStdString(), code);
        if (!code) {
            endpoints.emplace_back(address, client.port);
            continue;
        }
        asio::io_context io;
        tcp::resolver resolver(io);
        const auto results = resolver.resolve(client.address.toStdString(), std::to_string(client.port), code);
        if (code || results.empty()) {
            if (error)
                *error = QStringLiteral("%1 can't send traffic to %2: %3 does not resolve to an address.")
                             .arg(client.name, client.frontend, client.address);
            return false;
        }
        endpoints.push_back(results.begin()->endpoint());
    }
    return true;
}

} // namespace

TrafficGenerator::TrafficGenerator()
    : m_core(std::make_unique<detail::TrafficGeneratorCore>())
{}

TrafficGenerator::~TrafficGenerator()
{
    stop();
}

bool TrafficGenerator::start(const QList<ClientConfig> &clients, QString *error)
{
    stop();
    std::vector<tcp::endpoint> endpoints;
    if (!endpointsOf(clients, endpoints, error))
        return false;
    std::lock_guard lock(m_core->mutex);
    detail::TrafficGeneratorCore &core = *m_core;
    core.entries.clear();
    core.createIo();
    for (qsizetype i = 0; i < clients.size(); ++i) {
        auto counters = std::make_shared<TrafficCounters>();
        auto client = std::make_shared<TrafficClient>(*core.io, clients[i], endpoints[size_t(i)], counters);
        core.entries.push_back({clients[i], client, counters});
    }
    core.startThread();
    core.run([&core] {
        for (const Entry &entry : core.entries)
            entry.client->start();
    });
    return true;
}

bool TrafficGenerator::apply(const QList<ClientConfig> &clients, QString *error)
{
    if (!isRunning())
        return start(clients, error);
    std::vector<tcp::endpoint> endpoints;
    if (!endpointsOf(clients, endpoints, error))
        return false;
    std::lock_guard lock(m_core->mutex);
    detail::TrafficGeneratorCore &core = *m_core;
    if (!core.threadRunning()) {
        if (error)
            *error = QStringLiteral("The traffic generator was stopped meanwhile.");
        return false;
    }
    std::vector<Entry> next;
    std::vector<bool> kept(core.entries.size(), false);
    for (qsizetype i = 0; i < clients.size(); ++i) {
        Entry entry{clients[i], nullptr, nullptr};
        for (size_t o = 0; o < core.entries.size(); ++o) {
            if (!kept[o] && sameTarget(core.entries[o].config, clients[i])) {
                kept[o] = true;
                entry.client = core.entries[o].client;
                entry.counters = core.entries[o].counters;
                break;
            }
        }
        if (!entry.client) {
            entry.counters = std::make_shared<TrafficCounters>();
            entry.client = std::make_shared<TrafficClient>(*core.io, clients[i], endpoints[size_t(i)], entry.counters);
        }
        next.push_back(std::move(entry));
    }
    std::vector<std::shared_ptr<TrafficClient>> removed;
    for (size_t o = 0; o < core.entries.size(); ++o) {
        if (!kept[o])
            removed.push_back(core.entries[o].client);
    }
    std::vector<Entry> previous = std::move(core.entries);
    core.run([&] {
        for (const auto &client : removed)
            client->shutdown();
        for (const Entry &entry : next) {
            const bool old = std::any_of(previous.begin(), previous.end(),
                                         [&](const Entry &p) { return p.client == entry.client; });
            if (old)
                entry.client->reconfigure(entry.config);
            else
                entry.client->start();
        }
    });
    core.entries = std::move(next);
    return true;
}

void TrafficGenerator::stop()
{
    std::lock_guard lock(m_core->mutex);
    detail::TrafficGeneratorCore &core = *m_core;
    if (!core.io)
        return;
    core.stopThread([&core] {
        for (const Entry &entry : core.entries)
            entry.client->shutdown();
    });
    // The counters stay, for the figures of the run that ended.
    for (Entry &entry : core.entries)
        entry.client.reset();
    core.io.reset();
}

bool TrafficGenerator::isRunning() const
{
    std::lock_guard lock(m_core->mutex);
    return m_core->threadRunning();
}

QList<TrafficClientStats> TrafficGenerator::stats() const
{
    std::lock_guard lock(m_core->mutex);
    const detail::Clock::time_point now = detail::Clock::now();
    QList<TrafficClientStats> rows;
    for (const Entry &entry : m_core->entries) {
        const TrafficCounters &counters = *entry.counters;
        TrafficClientStats row;
        row.name = entry.config.name;
        row.frontend = entry.config.frontend;
        row.sent = counters.sent.value();
        for (int i = 0; i < 5; ++i)
            row.responses[i] = counters.responses[i].value();
        row.connectErrors = counters.connectErrors.value();
        row.timeouts = counters.timeouts.value();
        row.brokenResponses = counters.brokenResponses.value();
        row.requestRate = counters.requestRate.perSecond(now);
        detail::LatencyWindow::Histogram latencies{};
        counters.latency.collect(now, latencies);
        row.p50Ms = detail::LatencyWindow::percentileMs(latencies, 0.50);
        row.p95Ms = detail::LatencyWindow::percentileMs(latencies, 0.95);
        row.p99Ms = detail::LatencyWindow::percentileMs(latencies, 0.99);
        row.connections = std::max(0, counters.connections.load(std::memory_order_relaxed));
        rows.append(row);
    }
    return rows;
}

} // namespace Loadstar::Engine
