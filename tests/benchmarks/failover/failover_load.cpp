// The client of the failover benchmark (run.sh): CONNECTIONS keep-alive
// connections to HOST:PORT, each sending `GET / HTTP/1.1` back to back for
// DURATION, while it runs the failure command (kill or stop web-01) and the
// recovery command (restart or continue it) at the given offsets, so that
// their moments are measured on the same clock as the responses. Every
// response is recorded with its time, status and the server that answered
// (the X-Served-By header); from those it computes the switch and failback
// times defined in README.md. Plain sockets and epoll, Linux only.
//   failover_load [--connections N] [--duration T] [--limit T]
//                 [--fail-at T COMMAND] [--recover-at T COMMAND] [--timeline FILE] HOST:PORT
// Times are "250ms", "1.5s" or plain milliseconds. The last line is
// machine-readable: "result key=value …", "-" for a time never reached.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spawn.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

extern char **environ;

namespace {

using Micros = int64_t;
constexpr Micros Ms = 1000;
constexpr Micros Second = 1000 * Ms;
constexpr Micros Window = 100 * Ms;    // the resolution of the switch and failback times
constexpr Micros WarmUp = Second;      // not part of the pre-failure rate
constexpr double SwitchedShare = 0.25; // of the pre-failure rate, for the switch
constexpr Micros ConnectBackoff
    = 10 * Ms; // after a refused connect: no busy loop if the proxy is gone
constexpr std::string_view Request
    = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: failover_load\r\n\r\n";

enum class Outcome : uint8_t { Primary, Backup, Other, Status, Closed, Timeout };

bool failed(Outcome outcome)
{
    return outcome >= Outcome::Status;
}

struct Record
{
    Micros end;
    Micros latency;
    Outcome outcome;
};

struct Event
{
    explicit Event(const char *eventName)
        : name(eventName)
    {
    }

    const char *name;
    Micros at = -1; // -1: not given
    std::string command;
    pid_t pid = 0;
    Micros ran = -1; // when the command was started: the event's moment
    Micros done = -1;
    int status = 0;
};

struct Options
{
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    int connections = 20;
    Micros duration = 12 * Second;
    Micros limit = 5 * Second;
    std::string primary = "web-01";
    std::string backup = "web-02";
    std::string timeline;
};

struct Connection
{
    int fd = -1;
    bool connecting = false;
    Micros started = 0; // when the request in flight began, its connect included
    Micros retryAt = 0; // without a socket: when to open the next one
    size_t sent = 0;
    std::string received;
};

struct Response
{
    int status = 0;
    std::string server;
    bool close = false;
};

Micros now()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::optional<Micros> parseTime(std::string_view text)
{
    char *end = nullptr;
    const std::string copy(text);
    const double value = std::strtod(copy.c_str(), &end);
    const std::string_view unit(end);
    if (end == copy.c_str() || value < 0)
        return std::nullopt;
    if (unit.empty() || unit == "ms")
        return Micros(value * Ms);
    if (unit == "s")
        return Micros(value * Second);
    return std::nullopt;
}

std::string headerValue(std::string_view line)
{
    line.remove_prefix(line.find(':') + 1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
        line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t'))
        line.remove_suffix(1);
    return std::string(line);
}

bool startsWithNoCase(std::string_view text, std::string_view prefix)
{
    return text.size() >= prefix.size()
           && strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

// The length of the whole response at the start of `text`, 0 while more is
// needed, -1 when it is not HTTP. A response without Content-Length or
// chunked encoding ends when the connection does (`eof`).
long parseResponse(std::string_view text, bool eof, Response &response)
{
    const size_t headerEnd = text.find("\r\n\r\n");
    if (headerEnd == std::string_view::npos)
        return 0;
    if (!startsWithNoCase(text, "HTTP/1.") || text.size() < 12)
        return -1;
    response.status = std::atoi(std::string(text.substr(9, 3)).c_str());
    std::optional<size_t> length;
    bool chunked = false;
    for (size_t line = text.find("\r\n") + 2; line < headerEnd;) {
        const size_t next = text.find("\r\n", line);
        const std::string_view header = text.substr(line, next - line);
        if (startsWithNoCase(header, "content-length:"))
            length = std::strtoul(headerValue(header).c_str(), nullptr, 10);
        else if (startsWithNoCase(header, "transfer-encoding:"))
            chunked = strcasecmp(headerValue(header).c_str(), "chunked") == 0;
        else if (startsWithNoCase(header, "connection:"))
            response.close = strcasecmp(headerValue(header).c_str(), "close") == 0;
        else if (startsWithNoCase(header, "x-served-by:"))
            response.server = headerValue(header);
        line = next + 2;
    }
    size_t position = headerEnd + 4;
    if (response.status == 204 || response.status == 304)
        return long(position);
    if (chunked) {
        for (;;) {
            const size_t lineEnd = text.find("\r\n", position);
            if (lineEnd == std::string_view::npos)
                return 0;
            const size_t size = std::strtoul(
                std::string(text.substr(position, lineEnd - position)).c_str(), nullptr, 16);
            position = lineEnd + 2;
            if (size == 0)
                break;
            if (text.size() < position + size + 2)
                return 0;
            position += size + 2;
        }
        for (;;) { // trailers, up to the empty line
            const size_t lineEnd = text.find("\r\n", position);
            if (lineEnd == std::string_view::npos)
                return 0;
            if (lineEnd == position)
                return long(position + 2);
            position = lineEnd + 2;
        }
    }
    if (length)
        return text.size() >= position + *length ? long(position + *length) : 0;
    response.close = true;
    return eof ? long(text.size()) : 0;
}

class LoadGenerator
{
public:
    explicit LoadGenerator(const Options &options)
        : m_options(options)
        , m_connections(size_t(options.connections))
    {
        m_address.sin_family = AF_INET;
        m_address.sin_port = htons(options.port);
        inet_pton(AF_INET, options.host.c_str(), &m_address.sin_addr);
        m_records.reserve(1 << 20);
    }

    void run(std::vector<Event *> events)
    {
        m_epoll = epoll_create1(EPOLL_CLOEXEC);
        m_origin = ::now();
        for (Connection &connection : m_connections)
            open(connection);
        epoll_event ready[64];
        while ((m_now = ::now() - m_origin) < m_options.duration) {
            // 2 ms at most between two looks at the clock: the events' moments
            // and the per-request limit are that precise.
            const int count = epoll_wait(m_epoll, ready, 64, 2);
            m_now = ::now() - m_origin;
            for (int i = 0; i < count; ++i)
                handle(m_connections[ready[i].data.u32], ready[i].events);
            for (Connection &connection : m_connections) {
                if (connection.fd >= 0 && m_now - connection.started > m_options.limit)
                    fail(connection, Outcome::Timeout);
                else if (connection.fd < 0 && connection.retryAt <= m_now)
                    open(connection);
            }
            for (Event *event : events)
                step(*event);
        }
        for (Connection &connection : m_connections) {
            if (connection.fd >= 0) {
                ++m_unfinished;
                close(connection.fd);
            }
        }
        for (Event *event : events) {
            if (event->pid > 0 && waitpid(event->pid, &event->status, 0) == event->pid)
                event->done = ::now() - m_origin;
        }
    }

    const std::vector<Record> &records() const { return m_records; }
    int unfinished() const { return m_unfinished; }

private:
    void open(Connection &connection)
    {
        connection.received.clear();
        connection.sent = 0;
        connection.started = m_now;
        connection.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const int one = 1;
        setsockopt(connection.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        epoll_event watch{};
        watch.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        watch.data.u32 = uint32_t(&connection - m_connections.data());
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, connection.fd, &watch);
        connection.connecting = true;
        if (connect(connection.fd, reinterpret_cast<const sockaddr *>(&m_address), sizeof m_address)
            == 0) {
            connection.connecting = false;
            send(connection);
        } else if (errno != EINPROGRESS) {
            fail(connection, Outcome::Closed);
        }
    }

    void send(Connection &connection)
    {
        while (connection.sent < Request.size()) {
            const ssize_t wrote = ::send(connection.fd, Request.data() + connection.sent,
                                         Request.size() - connection.sent, MSG_NOSIGNAL);
            if (wrote < 0) {
                if (errno != EAGAIN && errno != EINTR)
                    fail(connection, Outcome::Closed);
                return;
            }
            connection.sent += size_t(wrote);
        }
    }

    void handle(Connection &connection, uint32_t events)
    {
        if (connection.fd < 0)
            return;
        if (connection.connecting) {
            int error = 0;
            socklen_t size = sizeof error;
            getsockopt(connection.fd, SOL_SOCKET, SO_ERROR, &error, &size);
            if (error)
                return fail(connection, Outcome::Closed);
            if (!(events & EPOLLOUT))
                return;
            connection.connecting = false;
        }
        send(connection);
        if (connection.fd < 0 || !(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
            return;
        bool eof = false;
        char buffer[16384];
        for (;;) {
            const ssize_t got = read(connection.fd, buffer, sizeof buffer);
            if (got > 0) {
                connection.received.append(buffer, size_t(got));
                continue;
            }
            if (got == 0)
                eof = true;
            else if (errno == EINTR)
                continue;
            else if (errno != EAGAIN)
                return fail(connection, Outcome::Closed);
            break;
        }
        Response response;
        const long length = parseResponse(connection.received, eof, response);
        if (length <= 0) {
            if (eof || length < 0)
                fail(connection, Outcome::Closed);
            return;
        }
        Outcome outcome = Outcome::Status;
        if (response.status >= 200 && response.status < 300) {
            outcome = response.server == m_options.primary  ? Outcome::Primary
                      : response.server == m_options.backup ? Outcome::Backup
                                                            : Outcome::Other;
        }
        m_records.push_back({m_now, m_now - connection.started, outcome});
        if (response.close || eof) {
            close(connection.fd);
            connection.fd = -1;
            connection.retryAt = m_now;
            return;
        }
        connection.received.clear();
        connection.sent = 0;
        connection.started = m_now;
        send(connection);
    }

    // Counts the request in flight as failed and reconnects.
    void fail(Connection &connection, Outcome outcome)
    {
        m_records.push_back({m_now, m_now - connection.started, outcome});
        close(connection.fd);
        connection.fd = -1;
        connection.retryAt = m_now + (connection.connecting ? ConnectBackoff : 0);
    }

    void step(Event &event)
    {
        if (event.at >= 0 && event.ran < 0 && m_now >= event.at) {
            const char *argv[] = {"sh", "-c", event.command.c_str(), nullptr};
            event.ran = ::now() - m_origin;
            if (posix_spawn(&event.pid, "/bin/sh", nullptr, nullptr, const_cast<char **>(argv),
                            environ)
                != 0)
                event.pid = -1;
        }
        if (event.pid > 0 && event.done < 0
            && waitpid(event.pid, &event.status, WNOHANG) == event.pid)
            event.done = ::now() - m_origin;
    }

    const Options &m_options;
    sockaddr_in m_address{};
    std::vector<Connection> m_connections;
    std::vector<Record> m_records; // in the order they ended, so sorted by time
    int m_epoll = -1;
    Micros m_origin = 0;
    Micros m_now = 0;
    int m_unfinished = 0;
};

struct Counts
{
    int primary = 0;
    int backup = 0;
    int other = 0;
    int failed = 0;
    int total() const { return primary + backup + other + failed; }
};

// What the records say about [from, to).
Counts countBetween(const std::vector<Record> &records, Micros from, Micros to)
{
    auto at = std::lower_bound(records.begin(), records.end(), from,
                               [](const Record &record, Micros time) { return record.end < time; });
    Counts counts;
    for (; at != records.end() && at->end < to; ++at) {
        switch (at->outcome) {
        case Outcome::Primary:
            ++counts.primary;
            break;
        case Outcome::Backup:
            ++counts.backup;
            break;
        case Outcome::Other:
            ++counts.other;
            break;
        default:
            ++counts.failed;
            break;
        }
    }
    return counts;
}

// From the failure to the end of the first window that served at least a
// quarter of the pre-failure rate from the backup, after which nothing came
// from the primary (or another server) and nothing failed until the
// recovery. -1: never before the recovery. A proxy still waiting out retries
// on the dead server serves almost nothing (one request per connection every
// few seconds); a quarter, not a half, because the rate of this shared
// machine alone swings by 2x from one second to the next.
Micros switchTime(const std::vector<Record> &records, Micros failure, Micros recovery,
                  double perWindow)
{
    std::vector<Counts> windows;
    for (Micros start = failure; start + Window <= recovery; start += Window)
        windows.push_back(countBetween(records, start, start + Window));
    Micros found = -1;
    for (size_t i = windows.size(); i-- > 0;) {
        const Counts &window = windows[i];
        if (window.primary + window.other + window.failed > 0)
            break;
        if (window.backup >= SwitchedShare * perWindow)
            found = Micros(i + 1) * Window;
    }
    return found;
}

// From the recovery to the end of the first window from which the primary
// served at least 90 % of the requests of every window until the end.
Micros failbackTime(const std::vector<Record> &records, Micros recovery, Micros end)
{
    Micros found = -1;
    std::vector<Counts> windows;
    for (Micros start = recovery; start + Window <= end; start += Window)
        windows.push_back(countBetween(records, start, start + Window));
    for (size_t i = windows.size(); i-- > 0;) {
        if (windows[i].total() == 0 || windows[i].primary < 0.9 * windows[i].total())
            break;
        found = Micros(i + 1) * Window;
    }
    return found;
}

std::string seconds(Micros time)
{
    if (time < 0)
        return "-";
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", double(time) / Second);
    return text;
}

void writeTimeline(const std::string &path, const std::vector<Record> &records, Micros end)
{
    FILE *file = std::fopen(path.c_str(), "w");
    if (!file) {
        std::fprintf(stderr, "failover_load: cannot write %s: %s\n", path.c_str(),
                     std::strerror(errno));
        return;
    }
    std::fprintf(file, "# window_start_s primary backup other failed (%lld ms windows)\n",
                 static_cast<long long>(Window / Ms));
    for (Micros start = 0; start < end; start += Window) {
        const Counts counts = countBetween(records, start, start + Window);
        std::fprintf(file, "%.1f %d %d %d %d\n", double(start) / Second, counts.primary,
                     counts.backup, counts.other, counts.failed);
    }
    std::fclose(file);
}

void report(const Options &options, const LoadGenerator &generator, const Event &failure,
            const Event &recovery)
{
    const std::vector<Record> &records = generator.records();
    int byOutcome[6] = {};
    int failedCount = 0;
    for (const Record &record : records) {
        ++byOutcome[int(record.outcome)];
        failedCount += failed(record.outcome);
    }
    std::printf(
        "failover_load: %d connections to %s:%u for %s s; a request fails when slower than %s s\n",
        options.connections, options.host.c_str(), options.port, seconds(options.duration).c_str(),
        seconds(options.limit).c_str());
    for (const Event *event : {&failure, &recovery}) {
        if (event->at < 0)
            continue;
        std::printf("  %-8s at %s s: %s", event->name, seconds(event->ran).c_str(),
                    event->command.c_str());
        if (event->pid <= 0 || event->done < 0)
            std::printf("  (DID NOT RUN)\n");
        else
            std::printf("  (%s, took %.1f ms)\n",
                        WIFEXITED(event->status) && WEXITSTATUS(event->status) == 0 ? "ok"
                                                                                    : "FAILED",
                        double(event->done - event->ran) / Ms);
    }
    std::printf(
        "  requests %zu: %s %d, %s %d, other %d; failed %d (status %d, closed %d, timeout %d); "
        "%d unfinished at the end\n",
        records.size(), options.primary.c_str(), byOutcome[int(Outcome::Primary)],
        options.backup.c_str(), byOutcome[int(Outcome::Backup)], byOutcome[int(Outcome::Other)],
        failedCount, byOutcome[int(Outcome::Status)], byOutcome[int(Outcome::Closed)],
        byOutcome[int(Outcome::Timeout)], generator.unfinished());

    const Micros failAt = failure.ran >= 0 ? failure.ran : options.duration;
    const Micros recoverAt = recovery.ran >= 0 ? recovery.ran : options.duration;
    const Counts before = countBetween(records, WarmUp, failAt);
    const double perWindow = failAt > WarmUp ? (before.primary + before.backup) * double(Window)
                                                   / double(failAt - WarmUp)
                                             : 0;
    Micros maxLatency = 0;
    for (const Record &record : records) {
        if (record.end >= failAt)
            maxLatency = std::max(maxLatency, record.latency);
    }
    const Counts down = countBetween(records, failAt, recoverAt);
    const Micros switched
        = failure.ran >= 0 ? switchTime(records, failAt, recoverAt, perWindow) : -1;
    const Micros failedBack
        = recovery.ran >= 0 ? failbackTime(records, recoverAt, options.duration) : -1;
    std::printf("  before the %s (from %s s): %.0f req/s, %s served %.0f %%, %d failed\n",
                failure.name, seconds(WarmUp).c_str(), perWindow * Second / Window,
                options.primary.c_str(),
                before.total() ? 100.0 * before.primary / before.total() : 0.0, before.failed);
    std::printf(
        "  switch   %s s: from the %s to the end of the first %lld ms window with >= 25 %% of that "
        "rate from %s, after which nothing came from %s and nothing failed until the %s\n",
        seconds(switched).c_str(), failure.name, static_cast<long long>(Window / Ms),
        options.backup.c_str(), options.primary.c_str(), recovery.name);
    std::printf(
        "  failback %s s: from the %s to the end of the first %lld ms window from which %s served "
        ">= 90 %% of every window\n",
        seconds(failedBack).c_str(), recovery.name, static_cast<long long>(Window / Ms),
        options.primary.c_str());
    std::printf("  while %s was down: %s %d, %s %d, failed %d\n", options.primary.c_str(),
                options.primary.c_str(), down.primary, options.backup.c_str(), down.backup,
                down.failed);
    std::printf("  max latency of the requests that ended after the %s: %.1f ms\n", failure.name,
                double(maxLatency) / Ms);
    std::printf("result requests=%zu failed=%d status=%d closed=%d timeout=%d rate=%.0f switch=%s "
                "failback=%s "
                "max_ms=%.1f backup_while_down=%d events_ok=%d\n",
                records.size(), failedCount, byOutcome[int(Outcome::Status)],
                byOutcome[int(Outcome::Closed)], byOutcome[int(Outcome::Timeout)],
                perWindow * Second / Window, seconds(switched).c_str(), seconds(failedBack).c_str(),
                double(maxLatency) / Ms, down.backup,
                int(failure.done >= 0 && recovery.done >= 0 && failure.status == 0
                    && recovery.status == 0));
}

int usage(const char *why)
{
    std::fprintf(
        stderr,
        "failover_load: %s\n"
        "usage: failover_load [--connections N] [--duration T] [--limit T] [--fail-at T COMMAND]\n"
        "                     [--recover-at T COMMAND] [--primary NAME] [--backup NAME]\n"
        "                     [--timeline FILE] HOST:PORT\n",
        why);
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    Options options;
    Event failure("failure");
    Event recovery("recovery");
    std::optional<std::string> target;
    for (int i = 1; i < argc; ++i) {
        const std::string_view argument = argv[i];
        auto value = [&](int offset = 1) -> const char * {
            return i + offset < argc ? argv[i + offset] : nullptr;
        };
        auto timeArg = [&]() -> std::optional<Micros> {
            return value() ? parseTime(value()) : std::nullopt;
        };
        if (argument == "--connections" && value() && std::atoi(value()) > 0) {
            options.connections = std::atoi(value());
        } else if ((argument == "--duration" || argument == "--limit") && timeArg()) {
            (argument == "--duration" ? options.duration : options.limit) = *timeArg();
        } else if ((argument == "--fail-at" || argument == "--recover-at") && timeArg()
                   && value(2)) {
            Event &event = argument == "--fail-at" ? failure : recovery;
            event.at = *timeArg();
            event.command = value(2);
            ++i;
        } else if ((argument == "--primary" || argument == "--backup" || argument == "--timeline")
                   && value()) {
            (argument == "--primary"  ? options.primary
             : argument == "--backup" ? options.backup
                                      : options.timeline)
                = value();
        } else if (!argument.starts_with("--") && !target) {
            target = argument;
            continue;
        } else {
            return usage(("bad or incomplete option: " + std::string(argument)).c_str());
        }
        ++i;
    }
    const size_t colon = target ? target->rfind(':') : std::string::npos;
    if (colon == std::string::npos)
        return usage("HOST:PORT is required");
    options.host = target->substr(0, colon);
    options.port = uint16_t(std::atoi(target->c_str() + colon + 1));
    in_addr check{};
    if (options.port == 0 || inet_pton(AF_INET, options.host.c_str(), &check) != 1)
        return usage("HOST:PORT takes an IPv4 address and a port");
    if (recovery.at >= 0 && recovery.at <= failure.at)
        return usage("--recover-at must come after --fail-at");

    LoadGenerator generator(options);
    generator.run({&failure, &recovery});
    report(options, generator, failure, recovery);
    if (!options.timeline.empty())
        writeTimeline(options.timeline, generator.records(), options.duration);
    return 0;
}
