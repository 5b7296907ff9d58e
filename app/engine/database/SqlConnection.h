#pragma once

#include "DatabaseRouting.h"

#include <asio.hpp>

#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace Loadstar::Engine::detail {

// What came of a connect or a query.
struct SqlResult
{
    enum class Failure {
        None,
        // The server could not be reached, or the connection broke: what
        // HAProxy's layer4 observation counts (L4CON).
        Connection,
        // The server answered with an error (read_only, access denied…):
        // it is alive, the statement failed.
        Statement,
        // No answer within the deadline (L4TOUT); set by the pool, which
        // owns the deadline.
        Timeout,
    };

    bool ok() const { return failure == Failure::None; }

    Failure failure = Failure::None;
    // The client library's or the server's own sentence, first line only:
    // "Can't connect to server on '127.0.0.1' (111)".
    QString error;
    std::vector<std::vector<std::string>> rows; // text values; a NULL is empty
};

// One client connection to a database server that never blocks its
// thread: the client library is driven by readiness of its socket on the
// thread's io_context (MariaDB Connector/C's non-blocking API, libpq's
// asynchronous one). It lives on that thread. One operation at a time;
// its handler is called exactly once, unless abort() came first.
//
// Handlers may destroy the connection; implementations call them last.
class SqlConnection
{
public:
    using Handler = std::function<void(SqlResult)>;

    virtual ~SqlConnection() = default;

    // Connects and logs in to endpoint.database as endpoint.user.
    virtual void connect(const DatabaseEndpoint &endpoint, Handler handler) = 0;
    // One statement on a connected connection; rows of its result, if any.
    virtual void query(const std::string &sql, Handler handler) = 0;
    // Drops the connection now, whatever it is doing (a hung server never
    // answers): shuts the socket down so nothing waits on it, closes it,
    // and forgets the pending handler.
    virtual void abort() = 0;

    // A connection of `engine` ("mariadb" or "postgresql"); null for an
    // engine Loadstar has no client for.
    static std::shared_ptr<SqlConnection> create(asio::io_context &io, const QString &engine);
};

// Where a client library connects for `address`: a literal IPv4 or IPv6
// address as written, "localhost" as 127.0.0.1 (over TCP, not the Unix
// socket the libraries would take it for); nothing for a host name, whose
// look-up would block the thread.
std::optional<std::string> literalAddress(const QString &address);

// A library's message as one sentence: its first line, trimmed.
QString firstLine(const char *text);

} // namespace Loadstar::Engine::detail
