#pragma once

#include "SqlConnection.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <unordered_set>
#include <vector>

namespace Loadstar::Engine::detail {

// The connections one demo backend keeps to one database server: a few,
// opened when queries need them and kept for the next ones, with a bounded
// queue of queries waiting for one. Every query has a deadline covering its
// wait, the connect and the answer; past it the query fails and its
// connection is dropped at once (a hung server never answers), and the
// next query opens a fresh one: that is how the pool reconnects. It lives
// on the io_context's thread.
class ConnectionPool : public std::enable_shared_from_this<ConnectionPool>
{
public:
    using Handler = SqlConnection::Handler;

    struct Options
    {
        int maxConnections = 4;
        size_t maxQueued = 256; // more waiting queries fail at once
    };

    // `open` (may be null) follows the number of connections logged in,
    // for readers on other threads.
    ConnectionPool(asio::io_context &io, DatabaseEndpoint endpoint, Options options,
                   std::shared_ptr<std::atomic<int>> open = nullptr);
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool &) = delete;
    ConnectionPool &operator=(const ConnectionPool &) = delete;

    // Runs `sql` on the first free connection. The handler is called once,
    // from the io_context (never from within query()): the rows, the
    // server's or library's error, or Timeout ("db-primary did not answer
    // within 2 s").
    void query(std::string sql, std::chrono::milliseconds deadline, Handler handler);

    // The server is no longer routed here: queries already given still run,
    // then every connection closes.
    void retire();
    bool retired() const { return m_retired; }
    // Drops every connection at once and forgets every query without
    // calling its handler (the run stops).
    void abort();
    // No connection open or opening, no query waiting.
    bool empty() const { return m_connections == 0 && m_queue.empty(); }

    const DatabaseEndpoint &endpoint() const { return m_endpoint; }

private:
    struct Pending;

    void pump();
    void run(const std::shared_ptr<Pending> &pending, std::shared_ptr<SqlConnection> connection, bool fresh);
    void done(const std::shared_ptr<Pending> &pending, const std::shared_ptr<SqlConnection> &connection,
              SqlResult result);
    void expired(const std::shared_ptr<Pending> &pending);
    void deliver(const std::shared_ptr<Pending> &pending, SqlResult result);
    void forget(const std::shared_ptr<SqlConnection> &connection);

    asio::io_context &m_io;
    DatabaseEndpoint m_endpoint;
    Options m_options;
    std::shared_ptr<std::atomic<int>> m_open;
    int m_connections = 0; // open or opening, idle or busy
    std::unordered_set<SqlConnection *> m_loggedIn;
    std::vector<std::shared_ptr<SqlConnection>> m_idle;
    std::deque<std::shared_ptr<Pending>> m_queue;
    std::unordered_set<std::shared_ptr<Pending>> m_running;
    bool m_retired = false;
    bool m_aborted = false;
};

// "2 s", "1.5 s", "250 ms": a deadline as the sentences say it.
QString durationText(std::chrono::milliseconds duration);

} // namespace Loadstar::Engine::detail
