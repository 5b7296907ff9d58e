#pragma once

#include "LibrarySocket.h"
#include "SqlConnection.h"

#include <array>
#include <memory>

struct st_mysql;
struct st_mysql_res;

namespace Loadstar::Engine::detail {

// A connection to MariaDB (or MySQL) through MariaDB Connector/C's
// non-blocking API: every call is a _start() or _cont() that returns what
// it waits for (MYSQL_WAIT_READ, _WRITE, _TIMEOUT), and the io_context
// calls it again when that has happened. It lives on the io_context's
// thread.
class MariaDbConnection final : public SqlConnection, public std::enable_shared_from_this<MariaDbConnection>
{
public:
    explicit MariaDbConnection(asio::io_context &io);
    ~MariaDbConnection() override;

    void connect(const DatabaseEndpoint &endpoint, Handler handler) override;
    void query(const std::string &sql, Handler handler) override;
    void abort() override;

private:
    enum class Step { Idle, Connect, Query, Store };

    // Goes on with the step from what the library returned: waits for
    // `status`, or finishes the step when it is 0.
    void proceed(int status);
    void resume(int events);
    void finishStep();
    void fail(SqlResult::Failure failure);
    void complete(SqlResult result);
    void close();

    LibrarySocket m_socket;
    asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>,
                               asio::io_context::executor_type>
        m_timer;
    st_mysql *m_mysql = nullptr;
    Step m_step = Step::Idle;
    // Each wait of the library's gets a new round; the completions of an
    // older one (the other of a read/write pair, a cancelled timer) are
    // stale.
    uint64_t m_round = 0;
    std::array<std::string, 4> m_login; // address, user, password, database
    std::string m_sql;
    st_mysql *m_connected = nullptr; // mysql_real_connect's result
    int m_queryStatus = 0;           // mysql_real_query's
    st_mysql_res *m_result = nullptr;
    Handler m_handler;
};

} // namespace Loadstar::Engine::detail
