#include "MariaDbAdmin.h"

#include "DemoSchema.h"
#include "MariaDbClient.h"

namespace Loadstar::Engine::detail {

namespace {

// Threads that are no client: replication's own and the server's daemons.
bool isClient(const MariaDbClient::Row &thread, unsigned long self)
{
    const QString command = thread.value(QStringLiteral("Command"));
    return thread.value(QStringLiteral("Id")).toULong() != self
           && thread.value(QStringLiteral("User")) != QLatin1String("system user")
           && !command.startsWith(QLatin1String("Binlog Dump"))
           && command != QLatin1String("Daemon");
}

} // namespace

MariaDbAdmin::MariaDbAdmin(std::unique_ptr<MariaDbClient> connection)
    : m_connection(std::move(connection))
{
}

MariaDbAdmin::~MariaDbAdmin() = default;

QString MariaDbAdmin::run(const QStringList &statements, int timeoutMs)
{
    QString error;
    for (const QString &statement : statements) {
        if (!m_connection->exec(statement, &error, timeoutMs))
            return error;
    }
    return {};
}

bool MariaDbAdmin::read(ServerReading *reading, QString *error)
{
    // Statements the applications sent: our own SHOW statements are not
    // among them, so an idle server reads 0 queries/s.
    const auto counters = m_connection->query(
        QStringLiteral("SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_select', 'Com_insert', "
                       "'Com_update', 'Com_delete')"),
        error, 1000);
    if (!counters)
        return false;
    const auto readOnly = m_connection->query(
        QStringLiteral("SHOW GLOBAL VARIABLES WHERE Variable_name = 'read_only'"), error, 1000);
    if (!readOnly)
        return false;
    const auto slave = m_connection->query(QStringLiteral("SHOW SLAVE STATUS"), error, 1000);
    if (!slave)
        return false;
    const auto threads = m_connection->query(QStringLiteral("SHOW PROCESSLIST"), error, 1000);
    if (!threads)
        return false;

    ServerReading fresh;
    for (const MariaDbClient::Row &counter : *counters)
        fresh.queries += counter.value(QStringLiteral("Value")).toULongLong();
    fresh.readOnly = !readOnly->isEmpty()
                     && readOnly->first().value(QStringLiteral("Value")) == QLatin1String("ON");
    fresh.connections = 0;
    for (const MariaDbClient::Row &thread : *threads) {
        if (isClient(thread, m_connection->threadId()))
            ++fresh.connections;
    }
    if (!slave->isEmpty()) {
        const MariaDbClient::Row &row = slave->first();
        fresh.replica = true;
        fresh.sourceAddress = row.value(QStringLiteral("Master_Host"));
        fresh.sourcePort = row.value(QStringLiteral("Master_Port")).toUShort();
        fresh.replicating
            = row.value(QStringLiteral("Slave_IO_Running")) == QLatin1String("Yes")
              && row.value(QStringLiteral("Slave_SQL_Running")) == QLatin1String("Yes");
        const QString lag = row.value(QStringLiteral("Seconds_Behind_Master"));
        fresh.lagSeconds = lag.isNull() ? -1 : lag.toDouble();
        fresh.replicationError = row.value(QStringLiteral("Last_IO_Error"));
        if (fresh.replicationError.isEmpty())
            fresh.replicationError = row.value(QStringLiteral("Last_SQL_Error"));
    }
    *reading = fresh;
    return true;
}

QString MariaDbAdmin::replicateFrom(const ServerPlan &plan, const ReplicationSource &source)
{
    QString ignored;
    m_connection->exec(QStringLiteral("STOP SLAVE"), &ignored);
    return run(
        {QStringLiteral(
             "CHANGE MASTER TO MASTER_HOST=%1, MASTER_PORT=%2, MASTER_USER=%3, MASTER_PASSWORD=%4, "
             "MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1")
             .arg(MariaDbClient::quoted(source.address))
             .arg(source.port)
             .arg(MariaDbClient::quoted(DemoSchema::replicationUser()),
                  MariaDbClient::quoted(plan.secrets.replicationPassword)),
         QStringLiteral("START SLAVE")});
}

QString MariaDbAdmin::setReplicationStopped(bool stopped)
{
    return run({stopped ? QStringLiteral("STOP SLAVE") : QStringLiteral("START SLAVE")});
}

QString MariaDbAdmin::setReplicationDelay(int seconds)
{
    // CHANGE MASTER needs both replication threads stopped; the ones that
    // ran run again after.
    QString error;
    const auto slave = m_connection->query(QStringLiteral("SHOW SLAVE STATUS"), &error);
    if (!slave)
        return error;
    if (slave->isEmpty())
        return QStringLiteral("it does not replicate");
    const bool receiving
        = slave->first().value(QStringLiteral("Slave_IO_Running")) != QLatin1String("No");
    const bool applying
        = slave->first().value(QStringLiteral("Slave_SQL_Running")) == QLatin1String("Yes");
    QStringList statements{QStringLiteral("STOP SLAVE"),
                           QStringLiteral("CHANGE MASTER TO MASTER_DELAY=%1").arg(seconds)};
    if (receiving && applying)
        statements << QStringLiteral("START SLAVE");
    else if (receiving)
        statements << QStringLiteral("START SLAVE IO_THREAD");
    else if (applying)
        statements << QStringLiteral("START SLAVE SQL_THREAD");
    return run(statements);
}

quint64 MariaDbAdmin::sequence(const QString &gtidPosition)
{
    quint64 total = 0;
    for (const QString &gtid : gtidPosition.split(QLatin1Char(','), Qt::SkipEmptyParts))
        total += gtid.trimmed().section(QLatin1Char('-'), 2, 2).toULongLong();
    return total;
}

std::optional<quint64> MariaDbAdmin::receivedPosition()
{
    QString error;
    const auto slave = m_connection->query(QStringLiteral("SHOW SLAVE STATUS"), &error, 1000);
    const auto applied
        = m_connection->value(QStringLiteral("SELECT @@GLOBAL.gtid_slave_pos"), &error, 1000);
    if (!slave || !applied)
        return std::nullopt;
    const quint64 received
        = slave->isEmpty() ? 0 : sequence(slave->first().value(QStringLiteral("Gtid_IO_Pos")));
    return std::max(received, sequence(*applied));
}

QString MariaDbAdmin::fence(QString *position)
{
    if (const QString failed = run({QStringLiteral("SET GLOBAL read_only = ON")}, 1000);
        !failed.isEmpty())
        return failed;
    QString error;
    const auto written
        = m_connection->value(QStringLiteral("SELECT @@GLOBAL.gtid_binlog_pos"), &error, 1000);
    if (position)
        *position = written.value_or(QString());
    return {};
}

QString MariaDbAdmin::promote(const ServerPlan &plan, const QString &catchUpTo)
{
    QString error;
    auto slave = m_connection->query(QStringLiteral("SHOW SLAVE STATUS"), &error);
    if (!slave)
        return error;
    QString target = catchUpTo;
    if (!slave->isEmpty()) {
        if (target.isEmpty()) {
            // The old primary is gone: what was received is all there is.
            if (const QString failed = run({QStringLiteral("STOP SLAVE IO_THREAD")});
                !failed.isEmpty())
                return failed;
            slave = m_connection->query(QStringLiteral("SHOW SLAVE STATUS"), &error);
            if (!slave || slave->isEmpty())
                return error;
            target = slave->first().value(QStringLiteral("Gtid_IO_Pos"));
        } else if (slave->first().value(QStringLiteral("Slave_IO_Running"))
                   != QLatin1String("Yes")) {
            run({QStringLiteral("START SLAVE IO_THREAD")});
        }
        // A delayed or stopped SQL thread would never catch up.
        const MariaDbClient::Row &row = slave->first();
        if (row.value(QStringLiteral("SQL_Delay")).toInt() > 0) {
            if (const QString failed = setReplicationDelay(0); !failed.isEmpty())
                return failed;
        }
        if (row.value(QStringLiteral("Slave_SQL_Running")) != QLatin1String("Yes"))
            run({QStringLiteral("START SLAVE SQL_THREAD")});
        if (!target.isEmpty()) {
            // Bounded: what did not arrive in 2 s is lost (async replication).
            m_connection->value(QStringLiteral("SELECT MASTER_GTID_WAIT(%1, 2)")
                                    .arg(MariaDbClient::quoted(target)),
                                &error, 3000);
            if (!m_connection->isOpen())
                return error;
        }
    }
    QStringList statements{QStringLiteral("STOP SLAVE"), QStringLiteral("RESET SLAVE ALL")};
    // With no replica left to acknowledge, every write would wait out the
    // semi-sync timeout before committing alone: only wait for one that exists.
    if (plan.semiSync && !plan.syncStandbys.isEmpty())
        statements << QStringLiteral("SET GLOBAL rpl_semi_sync_master_enabled = ON");
    statements << QStringLiteral("SET GLOBAL read_only = OFF");
    return run(statements);
}

} // namespace Loadstar::Engine::detail
