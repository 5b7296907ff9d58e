#include "PostgresConnection.h"

#include <libpq-fe.h>

namespace Loadstar::Engine::detail {

PostgresConnection::PostgresConnection(asio::io_context &io)
    : m_socket(io)
{}

PostgresConnection::~PostgresConnection()
{
    close();
}

void PostgresConnection::close()
{
    ++m_round;
    m_step = Step::Idle;
    if (!m_conn)
        return;
    m_socket.release();
    // Sends Terminate: a few bytes into an empty socket buffer, or nothing
    // once the socket is shut down.
    PQfinish(m_conn);
    m_conn = nullptr;
}

void PostgresConnection::connect(const DatabaseEndpoint &endpoint, Handler handler)
{
    close();
    m_handler = std::move(handler);
    const std::optional<std::string> address = literalAddress(endpoint.address);
    if (!address)
        return fail(SqlResult::Failure::Connection, QStringLiteral("%1 is not an IP address").arg(endpoint.address));
    const std::string port = std::to_string(endpoint.port);
    const std::string user = endpoint.user.toStdString();
    const std::string password = endpoint.password.toStdString();
    const std::string database = endpoint.database.toStdString();
    // hostaddr: no name look-up. No TLS or GSSAPI negotiation on loopback:
    // a Kerberos credential look-up could block.
    const char *keys[] = {"hostaddr", "port", "user", "password", "dbname", "sslmode", "gssencmode",
                          "application_name", nullptr};
    const char *values[] = {address->c_str(), port.c_str(), user.c_str(), password.c_str(), database.c_str(),
                            "disable", "disable", "loadstar", nullptr};
    m_conn = PQconnectStartParams(keys, values, 0);
    if (!m_conn)
        return fail(SqlResult::Failure::Connection, QStringLiteral("out of memory"));
    if (PQstatus(m_conn) == CONNECTION_BAD)
        return failConnection();
    m_step = Step::Connect;
    m_socket.track(PQsocket(m_conn));
    // As libpq says: before the first PQconnectPoll, wait as if it had
    // returned PGRES_POLLING_WRITING.
    waitFor(true);
}

void PostgresConnection::query(const std::string &sql, Handler handler)
{
    m_handler = std::move(handler);
    if (!m_conn || m_step != Step::Idle || PQstatus(m_conn) != CONNECTION_OK)
        return fail(SqlResult::Failure::Connection, QStringLiteral("not connected"));
    m_result = {};
    if (!PQsendQuery(m_conn, sql.c_str()))
        return failConnection();
    m_step = Step::Flush;
    flushStep();
}

void PostgresConnection::abort()
{
    m_handler = nullptr;
    if (m_conn)
        m_socket.track(PQsocket(m_conn));
    m_socket.shutdownAndRelease();
    close();
}

void PostgresConnection::waitFor(bool write)
{
    const uint64_t round = ++m_round;
    auto waiter = [self = shared_from_this(), round](bool writable) {
        return [self, round, writable](const asio::error_code &error) {
            if (round == self->m_round && error != asio::error::operation_aborted)
                self->ready(writable);
        };
    };
    if (write)
        m_socket.wait(true, waiter(true));
    // While flushing, libpq also wants to read what the server sends meanwhile.
    if (!write || m_step == Step::Flush)
        m_socket.wait(false, waiter(false));
}

void PostgresConnection::ready(bool writable)
{
    ++m_round;
    m_socket.cancel();
    switch (m_step) {
    case Step::Connect:
        return connectStep();
    case Step::Flush:
        if (!writable && !PQconsumeInput(m_conn))
            return failConnection();
        return flushStep();
    case Step::Read:
        return readStep();
    case Step::Idle:
        return;
    }
}

void PostgresConnection::connectStep()
{
    const PostgresPollingStatusType status = PQconnectPoll(m_conn);
    // Right after the call: libpq may have closed its socket and opened
    // another (the next address).
    m_socket.track(PQsocket(m_conn));
    switch (status) {
    case PGRES_POLLING_READING:
        return waitFor(false);
    case PGRES_POLLING_WRITING:
        return waitFor(true);
    case PGRES_POLLING_OK:
        if (PQsetnonblocking(m_conn, 1) != 0)
            return failConnection();
        m_step = Step::Idle;
        return complete({});
    case PGRES_POLLING_FAILED:
    case PGRES_POLLING_ACTIVE:
        break;
    }
    // The server answered and refused the login (FATAL: password
    // authentication failed, the database system is starting up): it is
    // alive, which is what layer 4 cares about.
    const QString error = firstLine(PQerrorMessage(m_conn));
    fail(error.contains(QLatin1String("FATAL:")) ? SqlResult::Failure::Statement : SqlResult::Failure::Connection,
         error);
}

void PostgresConnection::flushStep()
{
    const int flushed = PQflush(m_conn);
    if (flushed < 0)
        return failConnection();
    if (flushed > 0)
        return waitFor(true);
    m_step = Step::Read;
    waitFor(false);
}

void PostgresConnection::readStep()
{
    if (!PQconsumeInput(m_conn))
        return failConnection();
    while (!PQisBusy(m_conn)) {
        PGresult *result = PQgetResult(m_conn);
        if (!result) {
            m_step = Step::Idle;
            if (PQstatus(m_conn) == CONNECTION_BAD)
                return failConnection();
            SqlResult done = std::move(m_result);
            m_result = {};
            return complete(std::move(done));
        }
        take(result);
        PQclear(result);
    }
    waitFor(false);
}

void PostgresConnection::take(pg_result *result)
{
    switch (PQresultStatus(result)) {
    case PGRES_TUPLES_OK: {
        const int rows = PQntuples(result);
        const int columns = PQnfields(result);
        m_result.rows.reserve(m_result.rows.size() + size_t(rows));
        for (int row = 0; row < rows; ++row) {
            std::vector<std::string> &values = m_result.rows.emplace_back();
            values.reserve(size_t(columns));
            for (int column = 0; column < columns; ++column)
                values.emplace_back(PQgetvalue(result, row, column), size_t(PQgetlength(result, row, column)));
        }
        return;
    }
    case PGRES_COMMAND_OK:
    case PGRES_EMPTY_QUERY:
        return;
    default:
        if (m_result.ok()) {
            m_result.failure = SqlResult::Failure::Statement;
            const char *primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
            m_result.error = firstLine(primary ? primary : PQresultErrorMessage(result));
        }
        return;
    }
}

void PostgresConnection::failConnection()
{
    fail(SqlResult::Failure::Connection, firstLine(m_conn ? PQerrorMessage(m_conn) : ""));
}

void PostgresConnection::fail(SqlResult::Failure failure, QString error)
{
    SqlResult result;
    result.failure = failure;
    result.error = error.isEmpty() ? QStringLiteral("the connection failed") : std::move(error);
    // A connection that failed or broke is not used again.
    close();
    complete(std::move(result));
}

void PostgresConnection::complete(SqlResult result)
{
    Handler handler = std::move(m_handler);
    m_handler = nullptr;
    if (handler)
        handler(std::move(result));
}

} // namespace Loadstar::Engine::detail
