#include "MariaDbClient.h"

#include <QDeadlineTimer>

#include <mysql.h>

#include <algorithm>
#include <mutex>

#include <poll.h>

namespace Loadstar::Engine::detail {

namespace {

void initLibrary()
{
    static std::once_flag once;
    std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

QString lastError(MYSQL *mysql)
{
    return QString::fromUtf8(mysql_error(mysql));
}

} // namespace

MariaDbClient::~MariaDbClient()
{
    close();
}

void MariaDbClient::close()
{
    if (m_mysql) {
        mysql_close(m_mysql);
        m_mysql = nullptr;
    }
}

template<typename Continue>
bool MariaDbClient::drive(int status, qint64 deadline, Continue next, QString *error)
{
    while (status != 0) {
        const qint64 left = deadline - QDeadlineTimer::current().deadline();
        if (left <= 0) {
            if (error)
                *error = QStringLiteral("the server did not answer in time");
            close();
            return false;
        }
        pollfd socket{mysql_get_socket(m_mysql), 0, 0};
        if (status & MYSQL_WAIT_READ)
            socket.events |= POLLIN;
        if (status & MYSQL_WAIT_WRITE)
            socket.events |= POLLOUT;
        if (status & MYSQL_WAIT_EXCEPT)
            socket.events |= POLLPRI;
        qint64 wait = left;
        if (status & MYSQL_WAIT_TIMEOUT)
            wait = std::min<qint64>(wait, mysql_get_timeout_value_ms(m_mysql));
        const int ready = ::poll(&socket, 1, static_cast<int>(wait));
        int happened = 0;
        if (ready == 0) {
            if (wait == left)
                continue; // our deadline: said above
            happened = MYSQL_WAIT_TIMEOUT;
        } else if (ready > 0) {
            if (socket.revents & (POLLIN | POLLHUP | POLLERR))
                happened |= MYSQL_WAIT_READ;
            if (socket.revents & POLLOUT)
                happened |= MYSQL_WAIT_WRITE;
            if (socket.revents & POLLPRI)
                happened |= MYSQL_WAIT_EXCEPT;
        }
        status = next(happened);
    }
    return true;
}

bool MariaDbClient::open(const Target &target, int timeoutMs, QString *error)
{
    close();
    initLibrary();
    m_mysql = mysql_init(nullptr);
    if (!m_mysql) {
        if (error)
            *error = QStringLiteral("out of memory");
        return false;
    }
    // Connecting blocks, within the library's own timeouts (whole seconds):
    // Connector/C's non-blocking connect closes a socket that failed to
    // connect twice, which can close a file another thread just opened.
    const unsigned int seconds = static_cast<unsigned int>(std::max(1, (timeoutMs + 999) / 1000));
    mysql_options(m_mysql, MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
    mysql_options(m_mysql, MYSQL_OPT_READ_TIMEOUT, &seconds);
    mysql_options(m_mysql, MYSQL_OPT_WRITE_TIMEOUT, &seconds);
    mysql_options(m_mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const QByteArray socket = target.socket.toLocal8Bit();
    const QByteArray host
        = target.socket.isEmpty() ? target.host.toUtf8() : QByteArrayLiteral("localhost");
    const QByteArray user = target.user.toUtf8();
    const QByteArray password = target.password.toUtf8();
    const QByteArray database = target.database.toUtf8();
    if (!mysql_real_connect(m_mysql, host.constData(), user.constData(), password.constData(),
                            database.isEmpty() ? nullptr : database.constData(), target.port,
                            socket.isEmpty() ? nullptr : socket.constData(), 0)) {
        if (error)
            *error = lastError(m_mysql);
        close();
        return false;
    }
    mysql_options(m_mysql, MYSQL_OPT_NONBLOCK, nullptr);
    return true;
}

bool MariaDbClient::run(const QString &sql, QString *error, int timeoutMs, Rows *rows)
{
    if (!m_mysql) {
        if (error)
            *error = QStringLiteral("not connected");
        return false;
    }
    const qint64 deadline = QDeadlineTimer::current().deadline() + timeoutMs;
    const QByteArray statement = sql.toUtf8();
    MYSQL *mysql = m_mysql;
    int failed = 0;
    int status = mysql_real_query_start(&failed, mysql, statement.constData(),
                                        static_cast<unsigned long>(statement.size()));
    if (!drive(
            status, deadline,
            [&](int ready) { return mysql_real_query_cont(&failed, mysql, ready); }, error))
        return false;
    if (failed) {
        if (error)
            *error = lastError(m_mysql);
        return false;
    }
    MYSQL_RES *result = nullptr;
    status = mysql_store_result_start(&result, mysql);
    if (!drive(
            status, deadline,
            [&](int ready) { return mysql_store_result_cont(&result, mysql, ready); }, error))
        return false;
    if (!result) {
        if (mysql_field_count(m_mysql) == 0)
            return true;
        if (error)
            *error = lastError(m_mysql);
        return false;
    }
    if (rows) {
        const unsigned int columns = mysql_num_fields(result);
        const MYSQL_FIELD *fields = mysql_fetch_fields(result);
        while (MYSQL_ROW row = mysql_fetch_row(result)) {
            const unsigned long *lengths = mysql_fetch_lengths(result);
            Row values;
            for (unsigned int i = 0; i < columns; ++i) {
                values.insert(QString::fromUtf8(fields[i].name),
                              row[i] ? QString::fromUtf8(row[i], static_cast<qsizetype>(lengths[i]))
                                     : QString());
            }
            rows->append(values);
        }
    }
    mysql_free_result(result);
    return true;
}

bool MariaDbClient::exec(const QString &sql, QString *error, int timeoutMs)
{
    return run(sql, error, timeoutMs, nullptr);
}

std::optional<MariaDbClient::Rows> MariaDbClient::query(const QString &sql, QString *error,
                                                                int timeoutMs)
{
    Rows rows;
    if (!run(sql, error, timeoutMs, &rows))
        return std::nullopt;
    return rows;
}

std::optional<QString> MariaDbClient::value(const QString &sql, QString *error, int timeoutMs)
{
    const std::optional<Rows> rows = query(sql, error, timeoutMs);
    if (!rows)
        return std::nullopt;
    if (rows->isEmpty() || rows->first().isEmpty())
        return QString();
    // QHash has no column order: a one-column query is asked for here.
    return rows->first().begin().value();
}

unsigned long MariaDbClient::threadId() const
{
    return m_mysql ? mysql_thread_id(m_mysql) : 0;
}

QString MariaDbClient::quoted(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('\''), QLatin1String("\\'"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}

} // namespace Loadstar::Engine::detail
