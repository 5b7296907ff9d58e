#include "PostgresAdmin.h"

#include "DemoSchema.h"
#include "PostgresClient.h"
#include "PostgresServer.h"

#include <QDeadlineTimer>
#include <QThread>

#include <algorithm>

namespace Loadstar::Engine::detail {

namespace {

// One round trip: role, WAL receiver, how far WAL was received and
// replayed, the age of the last transaction replayed, and the load.
const char *const ReadingQuery = R"(
SELECT pg_is_in_recovery(),
       r.status, r.sender_host, r.sender_port,
       CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END,
       pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text,
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()),
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()),
       (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '%1'),
       current_setting('primary_conninfo')
FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS r ON true)";

const int PromoteTimeoutMs = 10000;

bool isTrue(const QString &value)
{
    return value == QLatin1String("t");
}

} // namespace

PostgresAdmin::PostgresAdmin(std::unique_ptr<PostgresClient> connection)
    : m_connection(std::move(connection))
{
}

PostgresAdmin::~PostgresAdmin() = default;

QString PostgresAdmin::run(const QStringList &statements, int timeoutMs)
{
    QString error;
    for (const QString &statement : statements) {
        if (!m_connection->exec(statement, &error, timeoutMs))
            return error;
    }
    return {};
}

bool PostgresAdmin::read(ServerReading *reading, QString *error)
{
    const auto rows = m_connection->query(
        QString::fromLatin1(ReadingQuery).arg(DemoSchema::databaseName()), error, 1000);
    if (!rows || rows->isEmpty())
        return false;
    const QStringList &row = rows->first();
    ServerReading fresh;
    fresh.readOnly = isTrue(row.at(0));
    fresh.replica = fresh.readOnly;
    const QString receiver = row.at(1);
    fresh.sourceAddress = row.at(2);
    fresh.sourcePort = row.at(3).toUShort();
    const bool paused = isTrue(row.at(4));
    const quint64 received = lsn(row.at(5));
    const quint64 replayed = lsn(row.at(6));
    fresh.connections = row.at(8).toInt();
    fresh.queries = row.at(9).toULongLong();
    const bool hasSource = !row.at(10).isEmpty();
    fresh.replicating = fresh.replica && receiver == QLatin1String("streaming") && !paused;
    if (fresh.replica && hasSource && !paused && receiver != QLatin1String("streaming")) {
        fresh.replicationError = receiver.isEmpty()
                                     ? QStringLiteral("no WAL receiver: its source does not answer")
                                     : QStringLiteral("WAL receiver %1").arg(receiver);
    }
    // The replay lag: 0 when everything received is replayed, else the age
    // of the last transaction replayed. WAL that arrived a moment ago (a
    // checkpoint, a snapshot of running transactions every 15 s) is not
    // lag: only WAL already received at the previous reading and still not
    // replayed is, or an idle replica would show a lag of the seconds since
    // the last write.
    if (fresh.replica) {
        const bool behind = replayed < m_receivedBefore && received > replayed;
        fresh.lagSeconds = !behind              ? 0
                           : row.at(7).isNull() ? -1
                                                : std::max(0.0, row.at(7).toDouble());
        m_receivedBefore = received;
    }
    *reading = fresh;
    return true;
}

QString PostgresAdmin::replicateFrom(const ServerPlan &plan, const ReplicationSource &source)
{
    const QString wanted = PostgresServer::conninfo(plan, source);
    QString error;
    const auto current
        = m_connection->value(QStringLiteral("SELECT current_setting('primary_conninfo')"), &error);
    if (!current)
        return error;
    if (*current == wanted)
        return {};
    // ALTER SYSTEM refuses to run inside a transaction: one statement each.
    return run({QStringLiteral("ALTER SYSTEM SET primary_conninfo = %1")
                    .arg(PostgresClient::quoted(wanted)),
                QStringLiteral("SELECT pg_reload_conf()")});
}

QString PostgresAdmin::setReplicationStopped(bool stopped)
{
    return run({stopped ? QStringLiteral("SELECT pg_wal_replay_pause()")
                        : QStringLiteral("SELECT pg_wal_replay_resume()")});
}

QString PostgresAdmin::setReplicationDelay(int seconds)
{
    const QString failed = run(
        {seconds > 0
             ? QStringLiteral("ALTER SYSTEM SET recovery_min_apply_delay = '%1s'").arg(seconds)
             : QStringLiteral("ALTER SYSTEM RESET recovery_min_apply_delay"),
         QStringLiteral("SELECT pg_reload_conf()")});
    if (!failed.isEmpty())
        return failed;
    // The reload reaches every process a moment later; once this session
    // sees the new value, the startup process (signalled with it) does too.
    const QString wanted = QString::number(seconds * 1000);
    const QString setting
        = QStringLiteral("SELECT setting FROM pg_settings WHERE name = 'recovery_min_apply_delay'");
    const QDeadlineTimer deadline(1000);
    QString error;
    while (!deadline.hasExpired()
           && m_connection->value(setting, &error).value_or(wanted) != wanted)
        QThread::msleep(2);
    return {};
}

quint64 PostgresAdmin::lsn(const QString &text)
{
    const QStringList parts = text.split(QLatin1Char('/'));
    if (parts.size() != 2)
        return 0;
    return (parts.at(0).toULongLong(nullptr, 16) << 32) | parts.at(1).toULongLong(nullptr, 16);
}

std::optional<quint64> PostgresAdmin::receivedPosition()
{
    QString error;
    const auto received = m_connection->value(
        QStringLiteral(
            "SELECT COALESCE(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text"),
        &error, 1000);
    if (!received)
        return std::nullopt;
    return lsn(*received);
}

QString PostgresAdmin::fence(QString *)
{
    return QStringLiteral("a PostgreSQL primary turns read-only only by restarting as a standby");
}

QString PostgresAdmin::promote(const ServerPlan &plan, const QString &)
{
    // A paused or delayed replay would hold the promotion back.
    QString ignored;
    if (m_connection->value(QStringLiteral("SELECT pg_is_wal_replay_paused()"), &ignored)
            .value_or(QString())
        == QLatin1String("t"))
        run({QStringLiteral("SELECT pg_wal_replay_resume()")});
    if (const QString failed = setReplicationDelay(0); !failed.isEmpty())
        return failed;
    // pg_promote(wait => true) looks ten times a second whether it is done:
    // asking every few milliseconds here takes writes that much sooner.
    QString error;
    if (!m_connection->exec(QStringLiteral("SELECT pg_promote(false)"), &error))
        return error;
    const QDeadlineTimer deadline(PromoteTimeoutMs);
    for (;;) {
        const auto recovering
            = m_connection->value(QStringLiteral("SELECT pg_is_in_recovery()"), &error);
        if (!recovering)
            return error;
        if (*recovering == QLatin1String("f"))
            break;
        if (deadline.hasExpired())
            return QStringLiteral("it was still recovering after %1 s")
                .arg(PromoteTimeoutMs / 1000);
        QThread::msleep(5);
    }
    QStringList statements{QStringLiteral("ALTER SYSTEM RESET primary_conninfo")};
    if (plan.semiSync && !plan.syncStandbys.isEmpty()) {
        statements << QStringLiteral("ALTER SYSTEM SET synchronous_standby_names = %1")
                          .arg(PostgresClient::quoted(
                              PostgresServer::syncStandbyNames(plan.syncStandbys)));
    }
    statements << QStringLiteral("SELECT pg_reload_conf()");
    return run(statements);
}

} // namespace Loadstar::Engine::detail
