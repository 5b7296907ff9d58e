#include "ConnectionPool.h"

namespace Loadstar::Engine::detail {

using Timer = asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>,
                                         asio::io_context::executor_type>;

// A query from the moment it is given to the moment its handler is called.
struct ConnectionPool::Pending
{
    explicit Pending(asio::io_context &io)
        : deadline(io.get_executor())
    {}

    std::string sql;
    Handler handler;
    std::chrono::milliseconds timeout{0};
    Timer deadline;
    std::shared_ptr<SqlConnection> connection; // while it runs
    bool finished = false;
};

QString durationText(std::chrono::milliseconds duration)
{
    const qint64 ms = duration.count();
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    return QStringLiteral("%1 s").arg(QString::number(double(ms) / 1000.0, 'g', 3));
}

ConnectionPool::ConnectionPool(asio::io_context &io, DatabaseEndpoint endpoint, Options options,
                               std::shared_ptr<std::atomic<int>> open)
    : m_io(io)
    , m_endpoint(std::move(endpoint))
    , m_options(options)
    , m_open(std::move(open))
{}

ConnectionPool::~ConnectionPool()
{
    abort();
}

void ConnectionPool::query(std::string sql, std::chrono::milliseconds deadline, Handler handler)
{
    auto pending = std::make_shared<Pending>(m_io);
    pending->sql = std::move(sql);
    pending->handler = std::move(handler);
    pending->timeout = deadline;
    if (m_queue.size() >= m_options.maxQueued) {
        SqlResult result;
        result.failure = SqlResult::Failure::Statement;
        result.error = QStringLiteral("%1 queries already wait for a connection to %2")
                           .arg(m_queue.size())
                           .arg(m_endpoint.name);
        pending->finished = true;
        return deliver(pending, std::move(result));
    }
    pending->deadline.expires_after(deadline);
    pending->deadline.async_wait([self = shared_from_this(), pending](const asio::error_code &error) {
        if (!error)
            self->expired(pending);
    });
    m_queue.push_back(std::move(pending));
    pump();
}

void ConnectionPool::pump()
{
    while (!m_queue.empty() && !m_aborted) {
        std::shared_ptr<SqlConnection> connection;
        bool fresh = false;
        if (!m_idle.empty()) {
            connection = std::move(m_idle.back());
            m_idle.pop_back();
        } else if (m_connections < m_options.maxConnections) {
            connection = SqlConnection::create(m_io, m_endpoint.engine);
            fresh = true;
        } else {
            return;
        }
        std::shared_ptr<Pending> pending = std::move(m_queue.front());
        m_queue.pop_front();
        if (!connection) {
            SqlResult result;
            result.failure = SqlResult::Failure::Statement;
            result.error = QStringLiteral("Loadstar has no client for %1").arg(m_endpoint.engine);
            pending->finished = true;
            pending->deadline.cancel();
            deliver(pending, std::move(result));
            continue;
        }
        if (fresh)
            ++m_connections;
        run(pending, std::move(connection), fresh);
    }
}

void ConnectionPool::run(const std::shared_ptr<Pending> &pending, std::shared_ptr<SqlConnection> connection,
                         bool fresh)
{
    pending->connection = connection;
    m_running.insert(pending);
    SqlConnection *raw = connection.get();
    auto answered = [self = shared_from_this(), pending, connection](SqlResult result) {
        self->done(pending, connection, std::move(result));
    };
    if (!fresh)
        return raw->query(pending->sql, std::move(answered));
    raw->connect(m_endpoint, [self = shared_from_this(), pending, connection,
                              answered = std::move(answered)](SqlResult result) mutable {
        if (!result.ok())
            return self->done(pending, connection, std::move(result));
        self->m_loggedIn.insert(connection.get());
        if (self->m_open)
            self->m_open->fetch_add(1, std::memory_order_relaxed);
        connection->query(pending->sql, std::move(answered));
    });
}

void ConnectionPool::done(const std::shared_ptr<Pending> &pending, const std::shared_ptr<SqlConnection> &connection,
                          SqlResult result)
{
    m_running.erase(pending);
    pending->finished = true;
    pending->connection.reset();
    pending->deadline.cancel();
    // A connection that failed, or never logged in, is closed already; one
    // of a retired pool closes once nothing waits for it.
    if (result.failure == SqlResult::Failure::Connection || !m_loggedIn.count(connection.get())
        || (m_retired && m_queue.empty()))
        forget(connection);
    else
        m_idle.push_back(connection);
    deliver(pending, std::move(result));
    pump();
}

void ConnectionPool::expired(const std::shared_ptr<Pending> &pending)
{
    if (pending->finished)
        return;
    pending->finished = true;
    if (const std::shared_ptr<SqlConnection> connection = std::exchange(pending->connection, nullptr)) {
        m_running.erase(pending);
        connection->abort();
        forget(connection);
    } else {
        std::erase(m_queue, pending);
    }
    SqlResult result;
    result.failure = SqlResult::Failure::Timeout;
    result.error = QStringLiteral("%1 did not answer within %2").arg(m_endpoint.name, durationText(pending->timeout));
    deliver(pending, std::move(result));
    pump();
}

void ConnectionPool::deliver(const std::shared_ptr<Pending> &pending, SqlResult result)
{
    asio::post(m_io, [self = shared_from_this(), handler = std::move(pending->handler),
                      result = std::move(result)]() mutable {
        if (!self->m_aborted)
            handler(std::move(result));
    });
}

void ConnectionPool::forget(const std::shared_ptr<SqlConnection> &connection)
{
    --m_connections;
    if (m_loggedIn.erase(connection.get()) && m_open)
        m_open->fetch_sub(1, std::memory_order_relaxed);
}

void ConnectionPool::retire()
{
    m_retired = true;
    for (const std::shared_ptr<SqlConnection> &connection : m_idle)
        forget(connection);
    m_idle.clear(); // closing gracefully: nothing waits on an idle connection
}

void ConnectionPool::abort()
{
    if (m_aborted)
        return;
    m_aborted = true;
    for (const std::shared_ptr<Pending> &pending : m_queue)
        pending->deadline.cancel();
    m_queue.clear();
    const std::unordered_set<std::shared_ptr<Pending>> running = std::move(m_running);
    m_running.clear();
    for (const std::shared_ptr<Pending> &pending : running) {
        pending->deadline.cancel();
        if (const std::shared_ptr<SqlConnection> connection = std::exchange(pending->connection, nullptr)) {
            connection->abort();
            forget(connection);
        }
    }
    for (const std::shared_ptr<SqlConnection> &connection : m_idle) {
        connection->abort();
        forget(connection);
    }
    m_idle.clear();
}

} // namespace Loadstar::Engine::detail
