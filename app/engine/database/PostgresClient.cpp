#include "PostgresClient.h"

#include <QDeadlineTimer>

#include <libpq-fe.h>

#include <poll.h>

namespace Loadstar::Engine::detail {

namespace {

QString connectionError(PGconn *conn)
{
    return QString::fromUtf8(PQerrorMessage(conn)).trimmed();
}

QByteArray option(const QString &value)
{
    QString escaped = value;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('\''), QLatin1String("\\'"));
    return (QLatin1Char('\'') + escaped + QLatin1Char('\'')).toUtf8();
}

} // namespace

PostgresClient::~PostgresClient()
{
    close();
}

void PostgresClient::close()
{
    if (m_conn) {
        PQfinish(m_conn);
        m_conn = nullptr;
    }
}

bool PostgresClient::waitFor(bool writing, qint64 deadline, QString *error)
{
    const qint64 left = deadline - QDeadlineTimer::current().deadline();
    pollfd socket{PQsocket(m_conn), static_cast<short>(writing ? POLLOUT : POLLIN), 0};
    if (left > 0 && ::poll(&socket, 1, static_cast<int>(left)) > 0)
        return true;
    if (error)
        *error = QStringLiteral("the server did not answer in time");
    close();
    return false;
}

bool PostgresClient::open(const QString &host, quint16 port, const QString &user,
                              const QString &password, const QString &database, int timeoutMs,
                              QString *error)
{
    close();
    const QByteArray info = "host=" + option(host) + " port=" + QByteArray::number(port)
                            + " user=" + option(user) + " password=" + option(password) + " dbname="
                            + option(database) + " application_name=loadstar sslmode=disable";
    const qint64 deadline = QDeadlineTimer::current().deadline() + timeoutMs;
    m_conn = PQconnectStart(info.constData());
    if (!m_conn || PQstatus(m_conn) == CONNECTION_BAD) {
        if (error)
            *error = m_conn ? connectionError(m_conn) : QStringLiteral("out of memory");
        close();
        return false;
    }
    PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
    while (polling != PGRES_POLLING_OK) {
        if (polling == PGRES_POLLING_FAILED) {
            if (error)
                *error = connectionError(m_conn);
            close();
            return false;
        }
        if (!waitFor(polling == PGRES_POLLING_WRITING, deadline, error))
            return false;
        polling = PQconnectPoll(m_conn);
    }
    PQsetnonblocking(m_conn, 1);
    // Notices (and the FATAL of a server shutting down while this session is
    // idle) are the server's business, not lines on Loadstar's stderr.
    PQsetNoticeProcessor(
        m_conn, [](void *, const char *) {}, nullptr);
    return true;
}

bool PostgresClient::run(const QString &sql, QString *error, int timeoutMs, Rows *rows)
{
    if (!m_conn) {
        if (error)
            *error = QStringLiteral("not connected");
        return false;
    }
    const qint64 deadline = QDeadlineTimer::current().deadline() + timeoutMs;
    if (!PQsendQuery(m_conn, sql.toUtf8().constData())) {
        if (error)
            *error = connectionError(m_conn);
        return false;
    }
    for (;;) {
        const int flushed = PQflush(m_conn);
        if (flushed == 0)
            break;
        if (flushed < 0 || !waitFor(true, deadline, error)) {
            if (flushed < 0 && error)
                *error = connectionError(m_conn);
            return false;
        }
    }
    QString failure;
    for (;;) {
        while (PQisBusy(m_conn)) {
            if (!waitFor(false, deadline, error))
                return false;
            if (!PQconsumeInput(m_conn)) {
                if (error)
                    *error = connectionError(m_conn);
                close();
                return false;
            }
        }
        PGresult *result = PQgetResult(m_conn);
        if (!result)
            break;
        const ExecStatusType status = PQresultStatus(result);
        if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE
            || status == PGRES_NONFATAL_ERROR) {
            if (failure.isEmpty())
                failure = QString::fromUtf8(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
        } else if (status == PGRES_TUPLES_OK && rows) {
            rows->clear();
            for (int row = 0; row < PQntuples(result); ++row) {
                Row values;
                for (int column = 0; column < PQnfields(result); ++column) {
                    values << (PQgetisnull(result, row, column)
                                   ? QString()
                                   : QString::fromUtf8(PQgetvalue(result, row, column)));
                }
                rows->append(values);
            }
        }
        PQclear(result);
    }
    if (!failure.isEmpty()) {
        if (error)
            *error = failure;
        return false;
    }
    return true;
}

bool PostgresClient::exec(const QString &sql, QString *error, int timeoutMs)
{
    return run(sql, error, timeoutMs, nullptr);
}

std::optional<PostgresClient::Rows> PostgresClient::query(const QString &sql,
                                                                  QString *error, int timeoutMs)
{
    Rows rows;
    if (!run(sql, error, timeoutMs, &rows))
        return std::nullopt;
    return rows;
}

std::optional<QString> PostgresClient::value(const QString &sql, QString *error, int timeoutMs)
{
    const std::optional<Rows> rows = query(sql, error, timeoutMs);
    if (!rows)
        return std::nullopt;
    if (rows->isEmpty() || rows->first().isEmpty())
        return QString();
    return rows->first().first();
}

QString PostgresClient::quoted(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\''), QLatin1String("''"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}

QString PostgresClient::quotedIdentifier(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

} // namespace Loadstar::Engine::detail
