#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

struct pg_conn;

namespace Loadstar::Engine::detail {

// One blocking connection to a PostgreSQL server, for the demo databases'
// control plane (postgres's admin sessions on their own threads): unlike
// PostgresConnection, the demo backends' client driven by an io_context, it
// waits for its answer. It uses libpq's asynchronous API all the same, so
// connecting and every statement have a deadline in milliseconds (libpq has
// no read timeout, and counts its connect timeout in seconds): a server
// that hangs costs its caller at most the timeout. One thread at a time.
class PostgresClient
{
public:
    using Row = QStringList; // a NULL is a null QString
    using Rows = QList<Row>;

    PostgresClient() = default;
    ~PostgresClient();
    PostgresClient(const PostgresClient &) = delete;
    PostgresClient &operator=(const PostgresClient &) = delete;

    // `host` is an address or a socket directory.
    bool open(const QString &host, quint16 port, const QString &user, const QString &password,
              const QString &database, int timeoutMs, QString *error);
    bool isOpen() const { return m_conn != nullptr; }
    void close();

    // One or more statements; false with the server's message. A timeout
    // closes the connection.
    bool exec(const QString &sql, QString *error, int timeoutMs = 2000);
    std::optional<Rows> query(const QString &sql, QString *error, int timeoutMs = 2000);
    std::optional<QString> value(const QString &sql, QString *error, int timeoutMs = 2000);

    static QString quoted(const QString &text); // a SQL string literal
    static QString quotedIdentifier(const QString &text);

private:
    bool waitFor(bool writing, qint64 deadline, QString *error);
    bool run(const QString &sql, QString *error, int timeoutMs, Rows *rows);

    pg_conn *m_conn = nullptr;
};

} // namespace Loadstar::Engine::detail
