#include "MariaDbConnection.h"

#include <mysql.h>

#include <mutex>

namespace Loadstar::Engine::detail {

namespace {

// Client-side errors (CR_*, 2000–2999, and Connector/C's own from 5000)
// mean the connection failed or broke; the server's (ER_*) mean a live
// server refused the statement.
SqlResult::Failure failureOf(unsigned int code)
{
    return (code >= 2000 && code < 3000) || code >= 5000 ? SqlResult::Failure::Connection
                                                        : SqlResult::Failure::Statement;
}

} // namespace

MariaDbConnection::MariaDbConnection(asio::io_context &io)
    : m_socket(io)
    , m_timer(io.get_executor())
{
    // Not thread-safe on its own, and mysql_init() would call it; the
    // health probes' Qt driver may use the same library on another thread.
    static std::once_flag initialised;
    std::call_once(initialised, [] { mysql_library_init(0, nullptr, nullptr); });
}

MariaDbConnection::~MariaDbConnection()
{
    close();
}

void MariaDbConnection::close()
{
    ++m_round;
    m_timer.cancel();
    m_step = Step::Idle;
    if (m_result) {
        mysql_free_result(m_result);
        m_result = nullptr;
    }
    if (!m_mysql)
        return;
    m_socket.release();
    // Sends COM_QUIT: a few bytes into an empty socket buffer, or nothing
    // once the socket is shut down.
    mysql_close(m_mysql);
    m_mysql = nullptr;
}

void MariaDbConnection::connect(const DatabaseEndpoint &endpoint, Handler handler)
{
    close();
    m_handler = std::move(handler);
    const std::optional<std::string> address = literalAddress(endpoint.address);
    if (!address) {
        SqlResult result;
        result.failure = SqlResult::Failure::Connection;
        result.error = QStringLiteral("%1 is not an IP address").arg(endpoint.address);
        return complete(std::move(result));
    }
    m_mysql = mysql_init(nullptr);
    if (!m_mysql) {
        SqlResult result;
        result.failure = SqlResult::Failure::Connection;
        result.error = QStringLiteral("out of memory");
        return complete(std::move(result));
    }
    mysql_options(m_mysql, MYSQL_OPT_NONBLOCK, nullptr);
    m_step = Step::Connect;
    // The library reads these until the connect is done, not only in _start().
    m_login = {*address, endpoint.user.toStdString(), endpoint.password.toStdString(),
               endpoint.database.toStdString()};
    proceed(mysql_real_connect_start(&m_connected, m_mysql, m_login[0].c_str(), m_login[1].c_str(),
                                     m_login[2].c_str(), m_login[3].c_str(), endpoint.port, nullptr, 0));
}

void MariaDbConnection::query(const std::string &sql, Handler handler)
{
    m_handler = std::move(handler);
    if (!m_mysql || m_step != Step::Idle) {
        SqlResult result;
        result.failure = SqlResult::Failure::Connection;
        result.error = QStringLiteral("not connected");
        return complete(std::move(result));
    }
    m_sql = sql;
    m_step = Step::Query;
    proceed(mysql_real_query_start(&m_queryStatus, m_mysql, m_sql.data(), m_sql.size()));
}

void MariaDbConnection::abort()
{
    m_handler = nullptr;
    if (m_mysql)
        m_socket.track(int(mysql_get_socket(m_mysql)));
    m_socket.shutdownAndRelease();
    close();
}

void MariaDbConnection::proceed(int status)
{
    // Right after the call: the library may have closed its socket.
    m_socket.track(int(mysql_get_socket(m_mysql)));
    if (status == 0)
        return finishStep();
    const uint64_t round = ++m_round;
    auto waiter = [self = shared_from_this(), round](int events) {
        return [self, round, events](const asio::error_code &error) {
            if (round == self->m_round && error != asio::error::operation_aborted)
                self->resume(events);
        };
    };
    if (status & (MYSQL_WAIT_READ | MYSQL_WAIT_EXCEPT))
        m_socket.wait(false, waiter(MYSQL_WAIT_READ));
    if (status & MYSQL_WAIT_WRITE)
        m_socket.wait(true, waiter(MYSQL_WAIT_WRITE));
    if (status & MYSQL_WAIT_TIMEOUT) {
        m_timer.expires_after(std::chrono::milliseconds(mysql_get_timeout_value_ms(m_mysql)));
        m_timer.async_wait(waiter(MYSQL_WAIT_TIMEOUT));
    }
}

void MariaDbConnection::resume(int events)
{
    // The other waits of this round are stale now.
    ++m_round;
    m_socket.cancel();
    m_timer.cancel();
    int status = 0;
    switch (m_step) {
    case Step::Connect:
        status = mysql_real_connect_cont(&m_connected, m_mysql, events);
        break;
    case Step::Query:
        status = mysql_real_query_cont(&m_queryStatus, m_mysql, events);
        break;
    case Step::Store:
        status = mysql_store_result_cont(&m_result, m_mysql, events);
        break;
    case Step::Idle:
        return;
    }
    proceed(status);
}

void MariaDbConnection::finishStep()
{
    switch (m_step) {
    case Step::Connect:
        if (!m_connected)
            return fail(failureOf(mysql_errno(m_mysql)));
        m_step = Step::Idle;
        return complete({});
    case Step::Query:
        if (m_queryStatus != 0)
            return fail(failureOf(mysql_errno(m_mysql)));
        m_step = Step::Store;
        return proceed(mysql_store_result_start(&m_result, m_mysql));
    case Step::Store: {
        if (!m_result && mysql_field_count(m_mysql) != 0)
            return fail(failureOf(mysql_errno(m_mysql)));
        SqlResult result;
        if (m_result) {
            const unsigned int columns = mysql_num_fields(m_result);
            result.rows.reserve(size_t(mysql_num_rows(m_result)));
            while (MYSQL_ROW row = mysql_fetch_row(m_result)) {
                const unsigned long *lengths = mysql_fetch_lengths(m_result);
                std::vector<std::string> &values = result.rows.emplace_back();
                values.reserve(columns);
                for (unsigned int i = 0; i < columns; ++i)
                    values.emplace_back(row[i] ? std::string(row[i], lengths[i]) : std::string());
            }
            mysql_free_result(m_result);
            m_result = nullptr;
        }
        m_step = Step::Idle;
        return complete(std::move(result));
    }
    case Step::Idle:
        return;
    }
}

void MariaDbConnection::fail(SqlResult::Failure failure)
{
    SqlResult result;
    result.failure = failure;
    result.error = firstLine(mysql_error(m_mysql));
    // A connection that failed, broke or was refused the login is not used again.
    if (failure == SqlResult::Failure::Connection || m_step == Step::Connect)
        close();
    m_step = Step::Idle;
    complete(std::move(result));
}

void MariaDbConnection::complete(SqlResult result)
{
    Handler handler = std::move(m_handler);
    m_handler = nullptr;
    if (handler)
        handler(std::move(result));
}

} // namespace Loadstar::Engine::detail
