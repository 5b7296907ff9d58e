#pragma once

#include <QHash>
#include <QList>
#include <QString>

#include <optional>

struct st_mysql;

namespace Loadstar::Engine::detail {

// One blocking connection to a MariaDB server, for the demo databases'
// control plane (root's admin sessions on their own threads): unlike
// MariaDbConnection, the demo backends' client driven by an io_context, it
// waits for its answer. Statements go through Connector/C's non-blocking
// API all the same, so each has a deadline in milliseconds (the library's
// own timeouts count in seconds): a server that hangs costs its caller at
// most the timeout. Connecting uses the library's timeouts, rounded up to
// seconds (see open()). One thread at a time.
class MariaDbClient
{
public:
    struct Target
    {
        QString socket; // a Unix socket; empty: TCP to host:port
        QString host;
        quint16 port = 0;
        QString user;
        QString password;
        QString database;
    };
    using Row = QHash<QString, QString>; // column → value; a NULL is a null QString
    using Rows = QList<Row>;

    MariaDbClient() = default;
    ~MariaDbClient();
    MariaDbClient(const MariaDbClient &) = delete;
    MariaDbClient &operator=(const MariaDbClient &) = delete;

    bool open(const Target &target, int timeoutMs, QString *error);
    bool isOpen() const { return m_mysql != nullptr; }
    void close();

    // One statement; false with the server's message. A timeout closes the
    // connection (it can't be used half way through a reply).
    bool exec(const QString &sql, QString *error, int timeoutMs = 2000);
    std::optional<Rows> query(const QString &sql, QString *error, int timeoutMs = 2000);
    // The first column of the first row; null when there is none.
    std::optional<QString> value(const QString &sql, QString *error, int timeoutMs = 2000);
    unsigned long threadId() const;

    // 'text' as a quoted SQL string literal.
    static QString quoted(const QString &text);

private:
    template<typename Continue>
    bool drive(int status, qint64 deadline, Continue next, QString *error);
    bool run(const QString &sql, QString *error, int timeoutMs, Rows *rows);

    st_mysql *m_mysql = nullptr;
};

} // namespace Loadstar::Engine::detail
