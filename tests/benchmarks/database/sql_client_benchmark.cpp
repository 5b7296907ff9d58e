// The demo backends' SQL client, chosen by measurement (issue 16): the same
// queries against the same MariaDB, sent from one Asio thread either by the
// non-blocking client (ConnectionPool over MariaDB Connector/C's
// non-blocking API, what the demo backends use) or handed to a small pool
// of worker threads that use the blocking API and post each answer back to
// the Asio thread. Both keep the same number of connections. For reads
// (the latest visit) and writes (a visit row), with 1, 8 and 32 queries in
// flight, it prints queries per second and the CPU this process spent per
// query (utime + stime from /proc/self/stat), then the ratio.
//
//   tests/benchmarks/database/run.sh [BUILD_DIR]      starts a MariaDB, runs this
//   sql_client_benchmark --port P --user U --password W [--database D]
//                        [--seconds S] [--connections N] [--repeat N]
//                        [--queries read|write] [--in-flight N]
//
// Each figure is the median of `repeat` runs, the two clients' runs
// alternating, so a neighbour's burst of CPU does not decide the ratio.

#include "engine/database/ConnectionPool.h"
#include "engine/database/DemoSchema.h"

#include <mysql.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace Loadstar::Engine;
using namespace std::chrono;

namespace {

struct Options
{
    DatabaseEndpoint endpoint;
    double seconds = 2;
    int connections = 4; // the demo backends' pool size
    int repeat = 3;      // runs of each, alternating, for the median
    std::vector<bool> kinds{false, true}; // reads, writes
    std::vector<int> inFlight{1, 8, 32};
};

// CPU time of this process so far, in microseconds.
double cpuMicroseconds()
{
    std::ifstream stat("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces), from field 3.
    const size_t close = text.rfind(')');
    std::vector<std::string> fields;
    size_t at = close + 2;
    while (at < text.size()) {
        const size_t end = text.find(' ', at);
        fields.push_back(text.substr(at, end == std::string::npos ? std::string::npos : end - at));
        if (end == std::string::npos)
            break;
        at = end + 1;
    }
    const double ticks = double(sysconf(_SC_CLK_TCK));
    const double utime = std::stod(fields[11]); // field 14
    const double stime = std::stod(fields[12]); // field 15
    return (utime + stime) / ticks * 1e6;
}

// Every query of a run: reads all the latest row, writes each a new row.
class Workload
{
public:
    explicit Workload(bool writes)
        : m_writes(writes)
    {}
    std::string next()
    {
        if (!m_writes)
            return DemoSchema::latestStatement().toStdString();
        const uint64_t now = uint64_t(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
        m_lastId = std::max(m_lastId + 1, now);
        return DemoSchema::insertStatement(m_lastId, QStringLiteral("bench"), QStringLiteral("/"),
                                           QStringLiteral("sql_client_benchmark"))
            .toStdString();
    }

private:
    bool m_writes;
    static inline uint64_t m_lastId = 0; // shared by every run: ids stay unique
};

struct Figures
{
    double perSecond = 0;
    double cpuPerQuery = 0; // µs
    uint64_t failed = 0;
};

// Keeps `inFlight` queries going until the time is up, then waits for the
// last ones. `submit(sql, done)` starts one; `done(ok)` is called on the
// io_context.
Figures closedLoop(asio::io_context &io, int inFlight, double seconds, bool writes,
                   const std::function<void(std::string, std::function<void(bool)>)> &submit)
{
    Workload workload(writes);
    // Answers from worker threads arrive as posts: the loop waits for them.
    const auto busy = asio::make_work_guard(io);
    uint64_t done = 0;
    uint64_t failed = 0;
    int running = 0;
    bool measuring = false;
    steady_clock::time_point end;
    std::function<void()> start;
    start = [&] {
        ++running;
        submit(workload.next(), [&](bool ok) {
            --running;
            if (measuring) {
                ++done;
                failed += ok ? 0 : 1;
            }
            if (steady_clock::now() < end)
                start();
            else if (running == 0)
                io.stop();
        });
    };
    // Warming up: connections open, caches fill.
    end = steady_clock::now() + milliseconds(500);
    for (int i = 0; i < inFlight; ++i)
        start();
    io.restart();
    io.run();

    measuring = true;
    const double cpuBefore = cpuMicroseconds();
    const steady_clock::time_point began = steady_clock::now();
    end = began + duration_cast<steady_clock::duration>(duration<double>(seconds));
    for (int i = 0; i < inFlight; ++i)
        start();
    io.restart();
    io.run();
    const double elapsed = duration<double>(steady_clock::now() - began).count();
    const double cpu = cpuMicroseconds() - cpuBefore;
    return {double(done) / elapsed, done ? cpu / double(done) : 0, failed};
}

Figures nonBlocking(const Options &options, int inFlight, bool writes)
{
    asio::io_context io(1);
    detail::ConnectionPool::Options poolOptions;
    poolOptions.maxConnections = options.connections;
    poolOptions.maxQueued = 1024;
    auto pool = std::make_shared<detail::ConnectionPool>(io, options.endpoint, poolOptions);
    const Figures figures = closedLoop(io, inFlight, options.seconds, writes,
                                       [&](std::string sql, std::function<void(bool)> done) {
                                           pool->query(std::move(sql), seconds(10),
                                                       [done = std::move(done)](detail::SqlResult result) {
                                                           if (!result.ok())
                                                               std::fprintf(stderr, "%s\n", qPrintable(result.error));
                                                           done(result.ok());
                                                       });
                                       });
    pool->abort();
    io.restart();
    io.run();
    return figures;
}

// The alternative: threads with a blocking connection each, taking queries
// from a queue and posting each answer back to the io_context.
class BlockingPool
{
public:
    BlockingPool(asio::io_context &io, const Options &options)
        : m_io(io)
    {
        for (int i = 0; i < options.connections; ++i)
            m_threads.emplace_back([this, &options] { work(options.endpoint); });
    }
    ~BlockingPool()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_wake.notify_all();
        for (std::thread &thread : m_threads)
            thread.join();
    }

    void query(std::string sql, std::function<void(bool)> done)
    {
        {
            std::lock_guard lock(m_mutex);
            m_queue.push_back({std::move(sql), std::move(done)});
        }
        m_wake.notify_one();
    }

private:
    struct Job
    {
        std::string sql;
        std::function<void(bool)> done;
    };

    void work(const DatabaseEndpoint &endpoint)
    {
        MYSQL *mysql = mysql_init(nullptr);
        const std::string address = endpoint.address.toStdString(), user = endpoint.user.toStdString(),
                          password = endpoint.password.toStdString(), database = endpoint.database.toStdString();
        const bool connected = mysql_real_connect(mysql, address.c_str(), user.c_str(), password.c_str(),
                                                  database.c_str(), endpoint.port, nullptr, 0)
                               != nullptr;
        if (!connected)
            std::fprintf(stderr, "blocking connect failed: %s\n", mysql_error(mysql));
        for (;;) {
            Job job;
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
                if (m_queue.empty())
                    break;
                job = std::move(m_queue.front());
                m_queue.pop_front();
            }
            bool ok = connected && mysql_real_query(mysql, job.sql.data(), job.sql.size()) == 0;
            if (ok) {
                MYSQL_RES *result = mysql_store_result(mysql);
                ok = result || mysql_field_count(mysql) == 0;
                if (result) {
                    while (mysql_fetch_row(result)) {
                    }
                    mysql_free_result(result);
                }
            }
            asio::post(m_io, [done = std::move(job.done), ok] { done(ok); });
        }
        mysql_close(mysql);
    }

    asio::io_context &m_io;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_queue;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

Figures blocking(const Options &options, int inFlight, bool writes)
{
    asio::io_context io(1);
    BlockingPool pool(io, options);
    return closedLoop(io, inFlight, options.seconds, writes, [&](std::string sql, std::function<void(bool)> done) {
        pool.query(std::move(sql), std::move(done));
    });
}

// Each figure's own median.
Figures median(std::vector<Figures> runs)
{
    Figures middle;
    const size_t half = runs.size() / 2;
    std::nth_element(runs.begin(), runs.begin() + long(half), runs.end(),
                     [](const Figures &a, const Figures &b) { return a.perSecond < b.perSecond; });
    middle.perSecond = runs[half].perSecond;
    std::nth_element(runs.begin(), runs.begin() + long(half), runs.end(),
                     [](const Figures &a, const Figures &b) { return a.cpuPerQuery < b.cpuPerQuery; });
    middle.cpuPerQuery = runs[half].cpuPerQuery;
    return middle;
}

bool parse(int argc, char **argv, Options &options)
{
    options.endpoint.name = QStringLiteral("bench-db");
    options.endpoint.engine = QStringLiteral("mariadb");
    options.endpoint.address = QStringLiteral("127.0.0.1");
    options.endpoint.user = DemoSchema::applicationUser();
    options.endpoint.database = DemoSchema::databaseName();
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        const QString value = QString::fromLocal8Bit(argv[i + 1]);
        if (key == "--port")
            options.endpoint.port = quint16(value.toUInt());
        else if (key == "--user")
            options.endpoint.user = value;
        else if (key == "--password")
            options.endpoint.password = value;
        else if (key == "--database")
            options.endpoint.database = value;
        else if (key == "--seconds")
            options.seconds = value.toDouble();
        else if (key == "--connections")
            options.connections = value.toInt();
        else if (key == "--repeat")
            options.repeat = value.toInt();
        else if (key == "--queries" && (value == "read" || value == "write"))
            options.kinds = {value == "write"};
        else if (key == "--in-flight")
            options.inFlight = {value.toInt()};
        else
            return false;
    }
    return options.endpoint.port != 0 && options.seconds > 0 && options.connections > 0 && options.repeat > 0
           && options.inFlight.front() > 0;
}

} // namespace

int main(int argc, char **argv)
{
    Options options;
    if (!parse(argc, argv, options)) {
        std::fprintf(stderr, "usage: %s --port P --user U --password W [--database D] [--seconds S] "
                             "[--connections N] [--repeat N] [--queries read|write] [--in-flight N]\n",
                     argv[0]);
        return 2;
    }
    mysql_library_init(0, nullptr, nullptr); // before any thread uses the library

    std::printf("MariaDB on 127.0.0.1:%u, %d connections each, median of %d runs of %.1f s\n\n",
                options.endpoint.port, options.connections, options.repeat, options.seconds);
    std::printf("%-6s %9s | %26s | %26s | %17s\n", "", "", "non-blocking, 1 thread", "blocking, worker threads",
                "non-blocking / blocking");
    std::printf("%-6s %9s | %12s %13s | %12s %13s | %8s %8s\n", "query", "in flight", "queries/s", "CPU µs/query",
                "queries/s", "CPU µs/query", "q/s", "CPU");
    bool failures = false;
    for (const bool writes : options.kinds) {
        for (const int inFlight : options.inFlight) {
            std::vector<Figures> as, bs;
            for (int run = 0; run < options.repeat; ++run) {
                as.push_back(nonBlocking(options, inFlight, writes));
                bs.push_back(blocking(options, inFlight, writes));
                failures = failures || as.back().failed || bs.back().failed;
            }
            const Figures a = median(as);
            const Figures b = median(bs);
            std::printf("%-6s %9d | %12.0f %13.1f | %12.0f %13.1f | %7.2f× %7.2f×\n", writes ? "write" : "read",
                        inFlight, a.perSecond, a.cpuPerQuery, b.perSecond, b.cpuPerQuery,
                        b.perSecond > 0 ? a.perSecond / b.perSecond : 0,
                        b.cpuPerQuery > 0 ? a.cpuPerQuery / b.cpuPerQuery : 0);
            std::fflush(stdout);
        }
    }
    if (failures)
        std::printf("\nSome queries failed: the figures above are not comparable.\n");
    mysql_library_end();
    return failures ? 1 : 0;
}
