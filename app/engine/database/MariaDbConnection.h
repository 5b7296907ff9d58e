#pragma once

#include <QHash>
#include <QList>
#include <QString>

#include <optional>

struct st_mysql;

namespace Loadstar::Engine::detail {

// One connection to a MariaDB server. Statements go through Connector/C's
// non-blocking API, so each has a deadline in milliseconds (the library's
// own timeouts count in seconds): a server that hangs costs its caller at
// most the timeout. Connecting uses the library's timeouts, rounded up to
// seconds (see open()). Blocking for its caller; one thread at a time.
class MariaDbConnection
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

    MariaDbConnection() = default;
    ~MariaDbConnection();
    MariaDbConnection(const MariaDbConnection &) = delete;
    MariaDbConnection &operator=(const MariaDbConnection &) = delete;

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
