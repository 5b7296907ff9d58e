#pragma once

#include "LibrarySocket.h"
#include "SqlConnection.h"

#include <memory>

struct pg_conn;
struct pg_result;

namespace Loadstar::Engine::detail {

// A connection to PostgreSQL through libpq's asynchronous API
// (PQconnectStart/PQconnectPoll, PQsendQuery, PQflush, PQconsumeInput,
// PQisBusy, PQgetResult): libpq is called when its socket is ready, so it
// never waits. It lives on the io_context's thread.
class PostgresConnection final : public SqlConnection, public std::enable_shared_from_this<PostgresConnection>
{
public:
    explicit PostgresConnection(asio::io_context &io);
    ~PostgresConnection() override;

    void connect(const DatabaseEndpoint &endpoint, Handler handler) override;
    void query(const std::string &sql, Handler handler) override;
    void abort() override;

private:
    enum class Step {
        Idle,
        Connect, // PQconnectPoll until OK or FAILED
        Flush,   // the query is not all sent yet
        Read,    // reading results until PQgetResult says there are no more
    };

    void waitFor(bool write);
    void ready(bool writable);
    void connectStep();
    void flushStep();
    void readStep();
    void take(pg_result *result);
    void fail(SqlResult::Failure failure, QString error);
    void failConnection();
    void complete(SqlResult result);
    void close();

    LibrarySocket m_socket;
    pg_conn *m_conn = nullptr;
    Step m_step = Step::Idle;
    uint64_t m_round = 0; // as MariaDbConnection's: completions of older waits are stale
    SqlResult m_result;   // what the results of the query in progress said so far
    Handler m_handler;
};

} // namespace Loadstar::Engine::detail
