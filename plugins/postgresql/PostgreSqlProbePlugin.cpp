#include "PostgreSqlProbePlugin.h"

#include "SqlRoleProbe.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace Loadstar::Health {

namespace {

const QString typeName = QStringLiteral("pgsql-role");

CheckResult failed(CheckCode code, QString reason)
{
    CheckResult result;
    result.code = code;
    result.reason = std::move(reason);
    return result;
}

// A value for a libpq connection string: quoted, with ' and \ escaped.
QString conninfoValue(QString value)
{
    value.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('\''), QLatin1String("\\'"));
    return QLatin1Char('\'') + value + QLatin1Char('\'');
}

// A failed connection in HAProxy's words. QPSQL gives libpq's message and
// no error code, so the message is read: "Connection refused", "timeout
// expired", a server's FATAL (authentication, unknown database), or an
// answer that is not PostgreSQL's protocol.
CheckResult connectionFailure(const QSqlError &error)
{
    QString text = error.databaseText().trimmed();
    // "connection to server at "127.0.0.1", port 5432 failed: FATAL:  password…"
    const qsizetype failedAt = text.indexOf(QLatin1String("failed: "));
    if (failedAt >= 0)
        text = text.mid(failedAt + 8);
    text = text.section(QLatin1Char('\n'), 0, 0).trimmed();
    if (text.startsWith(QLatin1String("FATAL:")))
        return failed(CheckCode::L7STS, text.mid(6).trimmed());
    if (text.contains(QLatin1String("timeout expired")))
        return failed(CheckCode::L4TOUT, text);
    if (text.contains(QLatin1String("Connection refused")) || text.contains(QLatin1String("No route to host"))
        || text.contains(QLatin1String("could not translate host name"))
        || text.contains(QLatin1String("Network is unreachable"))) {
        return failed(CheckCode::L4CON, text);
    }
    return failed(CheckCode::L7RSP, QStringLiteral("not a PostgreSQL server: %1").arg(text));
}

CheckResult inspect(QSqlDatabase &db, const ProbeTarget &target)
{
    // A standby whose received WAL is all replayed is caught up (lag 0) even
    // when the primary has been idle for a while; otherwise the lag is the
    // age of the last replayed transaction.
    QSqlQuery query(db);
    const QString sql = QStringLiteral(
        "SELECT pg_is_in_recovery(), current_setting('server_version'),"
        " CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
        "      ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 0)::bigint END,"
        " (SELECT status FROM pg_stat_wal_receiver LIMIT 1)");
    if (!query.exec(sql) || !query.next())
        return failed(CheckCode::L7STS, query.lastError().databaseText());
    const bool standby = query.value(0).toBool();
    const qint64 lagMs = query.value(2).toLongLong();
    const QString receiver = query.value(3).toString();

    CheckResult result;
    result.details.insert(QStringLiteral("role"), standby ? QStringLiteral("replica") : QStringLiteral("primary"));
    result.details.insert(QStringLiteral("in_recovery"), standby);
    result.details.insert(QStringLiteral("read_only"), standby);
    result.details.insert(QStringLiteral("server_version"), query.value(1).toString());
    result.details.insert(QStringLiteral("lag_ms"), lagMs);
    if (standby)
        result.details.insert(QStringLiteral("wal_receiver"), receiver.isEmpty() ? QStringLiteral("none") : receiver);

    const QString broken = standby && receiver != QLatin1String("streaming")
                               ? QStringLiteral("replication stopped: WAL receiver %1")
                                     .arg(receiver.isEmpty() ? QStringLiteral("not running") : receiver)
                               : QString();
    const QString &require = target.check.requireRole;
    result.code = CheckCode::L7OK;
    if (require == QLatin1String("primary") && standby) {
        result.code = CheckCode::L7STS;
        result.reason = QStringLiteral("%1 is a replica (in recovery)").arg(target.name);
    } else if (require == QLatin1String("replica") && !standby) {
        result.code = CheckCode::L7STS;
        result.reason = QStringLiteral("%1 is the primary").arg(target.name);
    } else if (require == QLatin1String("replica") && !broken.isEmpty()) {
        result.code = CheckCode::L7STS;
        result.reason = broken;
    } else if (require == QLatin1String("replica") && lagMs > target.check.maxLagMs) {
        result.code = CheckCode::L7STS;
        result.reason = QStringLiteral("lag %1 > %2").arg(formatDuration(lagMs), formatDuration(target.check.maxLagMs));
    } else if (!standby) {
        result.reason = QStringLiteral("primary (not in recovery)");
    } else {
        result.reason = broken.isEmpty() ? QStringLiteral("replica, lag %1").arg(formatDuration(lagMs))
                                         : QStringLiteral("replica, %1").arg(broken);
    }
    return result;
}

CheckResult check(const ProbeTarget &target, const QString &connectionName, SqlCheckProgress &progress)
{
    const QString driver = QStringLiteral("QPSQL");
    if (!QSqlDatabase::isDriverAvailable(driver)) {
        return failed(CheckCode::Unknown,
                      QStringLiteral("Qt's PostgreSQL driver (QPSQL, Debian package libqt6sql6-psql) is not installed"));
    }
    const QString &passfile = target.check.credentialsFile;
    QString user = target.check.dbUser;
    if (!passfile.isEmpty()) {
        QFile file(passfile);
        if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
            return failed(CheckCode::Unknown,
                          QStringLiteral("cannot read the credentials file %1: %2").arg(passfile, file.errorString()));
        }
        // No user given: the passfile's first entry names it
        // (host:port:database:user:password).
        while (user.isEmpty() && !file.atEnd()) {
            const QString line = QString::fromUtf8(file.readLine()).trimmed();
            if (!line.isEmpty() && !line.startsWith(QLatin1Char('#')))
                user = line.section(QLatin1Char(':'), 3, 3);
        }
    }
    CheckResult result;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(driver, connectionName);
        db.setHostName(target.address);
        db.setPort(target.port);
        db.setUserName(user);
        db.setDatabaseName(target.check.database.isEmpty() ? QStringLiteral("postgres") : target.check.database);
        // libpq reads the password from the passfile; connect_timeout counts
        // whole seconds (at least 2), statement_timeout bounds a slow query,
        // and the probe's own timer keeps the exact limit.
        const int seconds = std::max(2, (target.check.timeout + 999) / 1000);
        QStringList options = {QStringLiteral("connect_timeout=%1").arg(seconds),
                               QStringLiteral("options=%1").arg(conninfoValue(
                                   QStringLiteral("-c statement_timeout=%1").arg(std::max(1, target.check.timeout)))),
                               QStringLiteral("application_name=loadstar")};
        if (!passfile.isEmpty())
            options.append(QStringLiteral("passfile=%1").arg(conninfoValue(passfile)));
        db.setConnectOptions(options.join(QLatin1Char(';')));
        if (db.open()) {
            progress.connected = true;
            result = inspect(db, target);
        } else {
            result = connectionFailure(db.lastError());
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connectionName);
    return result;
}

} // namespace

QStringList PostgreSqlProbePlugin::checkTypes() const
{
    return {typeName};
}

Probe *PostgreSqlProbePlugin::createProbe(const QString &type, QObject *parent)
{
    return type == typeName ? new SqlRoleProbe(check, parent) : nullptr;
}

} // namespace Loadstar::Health
