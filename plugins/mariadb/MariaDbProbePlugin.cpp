#include "MariaDbProbePlugin.h"

#include "SqlRoleProbe.h"

#include <QFile>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>

namespace Loadstar::Health {

namespace {

const QString typeName = QStringLiteral("mysql-role");

struct Credentials
{
    QString user;
    QString password;
    QString error; // why the file could not be read
};

// The user and password of a MariaDB option file's client groups, as the
// mariadb client reads them. Qt 6.4's QMYSQL has no MYSQL_READ_DEFAULT_FILE
// connect option, so the probe reads the file itself; the password stays in
// memory for the one connection.
Credentials readOptionFile(const QString &path)
{
    Credentials credentials;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        credentials.error = QStringLiteral("cannot read the credentials file %1: %2").arg(path, file.errorString());
        return credentials;
    }
    static const QStringList clientGroups = {QStringLiteral("client"), QStringLiteral("client-server"),
                                             QStringLiteral("client-mariadb")};
    bool inClientGroup = false;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')) || line.startsWith(QLatin1Char(';')))
            continue;
        if (line.startsWith(QLatin1Char('[')) && line.endsWith(QLatin1Char(']'))) {
            inClientGroup = clientGroups.contains(line.mid(1, line.size() - 2).trimmed());
            continue;
        }
        const qsizetype equals = line.indexOf(QLatin1Char('='));
        if (!inClientGroup || equals < 0)
            continue;
        const QString key = line.left(equals).trimmed().replace(QLatin1Char('_'), QLatin1Char('-'));
        QString value = line.mid(equals + 1).trimmed();
        if (value.size() >= 2 && (value.front() == QLatin1Char('"') || value.front() == QLatin1Char('\''))
            && value.back() == value.front()) {
            value = value.mid(1, value.size() - 2);
        }
        if (key == QLatin1String("user"))
            credentials.user = value;
        else if (key == QLatin1String("password"))
            credentials.password = value;
    }
    return credentials;
}

CheckResult failed(CheckCode code, QString reason)
{
    CheckResult result;
    result.code = code;
    result.reason = std::move(reason);
    return result;
}

// A failed connection in HAProxy's words. QMYSQL reports the client
// library's error number: 2002/2003 no TCP connection, 2005 unknown host,
// 2006/2013/2027 the peer is not speaking the protocol, below 2000 the
// server refused (access denied, unknown database…).
CheckResult connectionFailure(const QSqlError &error)
{
    const int number = error.nativeErrorCode().toInt();
    const QString text = error.databaseText();
    // "Can't connect to server on '127.0.0.1' (111 "Connection refused")"; with
    // a connect timeout the library's non-blocking connect reports a refusal
    // as bare "(115)" (EINPROGRESS).
    static const QRegularExpression systemError(QStringLiteral("\\((\\d+)(?: \"([^\"]+)\")?\\)"));
    const auto match = systemError.match(text);
    const int systemNumber = match.hasMatch() ? match.captured(1).toInt() : 0;
    const bool timedOut = systemNumber == 110 || text.contains(QLatin1String("timeout"), Qt::CaseInsensitive)
                          || text.contains(QLatin1String("timed out"), Qt::CaseInsensitive);
    if (number == 2002 || number == 2003) {
        if (timedOut)
            return failed(CheckCode::L4TOUT, QStringLiteral("Connection timed out"));
        if (systemNumber == 111 || systemNumber == 115)
            return failed(CheckCode::L4CON, QStringLiteral("Connection refused"));
        return failed(CheckCode::L4CON, match.captured(2).isEmpty() ? text : match.captured(2));
    }
    if (number == 2005)
        return failed(CheckCode::L4CON, text);
    if (number > 0 && number < 2000)
        return failed(CheckCode::L7STS, text);
    if (timedOut)
        return failed(CheckCode::L7TOUT, text);
    return failed(CheckCode::L7RSP, QStringLiteral("not a MariaDB/MySQL server: %1").arg(text));
}

CheckResult inspect(QSqlDatabase &db, const ProbeTarget &target)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT @@read_only, @@version, @@server_id")) || !query.next())
        return failed(CheckCode::L7STS, query.lastError().databaseText());
    CheckResult result;
    const bool readOnly = query.value(0).toInt() != 0;
    result.details.insert(QStringLiteral("read_only"), readOnly);
    result.details.insert(QStringLiteral("server_version"), query.value(1).toString());
    result.details.insert(QStringLiteral("server_id"), query.value(2).toInt());

    // A server with a replication source is a replica, and so is one that
    // refuses writes; anything else takes writes and is the primary.
    QString io;
    QString sql;
    QVariant secondsBehind;
    if (!query.exec(QStringLiteral("SHOW SLAVE STATUS")))
        return failed(CheckCode::L7STS, query.lastError().databaseText());
    const bool hasSource = query.next();
    if (hasSource) {
        const QSqlRecord row = query.record();
        io = row.value(QStringLiteral("Slave_IO_Running")).toString();
        sql = row.value(QStringLiteral("Slave_SQL_Running")).toString();
        secondsBehind = row.value(QStringLiteral("Seconds_Behind_Master"));
        result.details.insert(QStringLiteral("replica_io_running"), io);
        result.details.insert(QStringLiteral("replica_sql_running"), sql);
        result.details.insert(QStringLiteral("last_io_error"), row.value(QStringLiteral("Last_IO_Error")).toString());
        result.details.insert(QStringLiteral("last_sql_error"), row.value(QStringLiteral("Last_SQL_Error")).toString());
        // NULL while replication is broken: then there is no lag to report.
        if (!secondsBehind.isNull()) {
            result.details.insert(QStringLiteral("seconds_behind"), secondsBehind.toLongLong());
            result.details.insert(QStringLiteral("lag_ms"), secondsBehind.toLongLong() * 1000);
        }
    }
    const bool replica = hasSource || readOnly;
    result.details.insert(QStringLiteral("role"), replica ? QStringLiteral("replica") : QStringLiteral("primary"));
    const QString readOnlyText = readOnly ? QStringLiteral("read_only=ON") : QStringLiteral("read_only=OFF");

    // Why replication is not working, empty when it is.
    QString broken;
    if (hasSource && io != QLatin1String("Yes"))
        broken = QStringLiteral("replication stopped: Slave_IO_Running=%1").arg(io);
    else if (hasSource && sql != QLatin1String("Yes"))
        broken = QStringLiteral("replication stopped: Slave_SQL_Running=%1").arg(sql);
    else if (hasSource && secondsBehind.isNull())
        broken = QStringLiteral("replication broken: Seconds_Behind_Master is NULL");

    const QString &require = target.check.requireRole;
    result.code = CheckCode::L7OK;
    if (require == QLatin1String("primary")) {
        if (readOnly) {
            result.code = CheckCode::L7STS;
            result.reason = QStringLiteral("%1 is a replica (%2)").arg(target.name, readOnlyText);
        } else {
            result.reason = QStringLiteral("primary (%1)").arg(readOnlyText);
        }
    } else if (require == QLatin1String("replica")) {
        const qint64 lagMs = secondsBehind.toLongLong() * 1000;
        result.code = CheckCode::L7STS;
        if (!replica)
            result.reason = QStringLiteral("%1 is the primary").arg(target.name);
        else if (!hasSource)
            result.reason = QStringLiteral("%1 is read-only but replicates from no source").arg(target.name);
        else if (!broken.isEmpty())
            result.reason = broken;
        else if (lagMs > target.check.maxLagMs)
            result.reason = QStringLiteral("lag %1 > %2").arg(formatDuration(lagMs), formatDuration(target.check.maxLagMs));
        else {
            result.code = CheckCode::L7OK;
            result.reason = QStringLiteral("replica, lag %1").arg(formatDuration(lagMs));
        }
    } else if (!replica) {
        result.reason = QStringLiteral("primary (%1)").arg(readOnlyText);
    } else {
        result.reason = broken.isEmpty()
                            ? QStringLiteral("replica, lag %1").arg(formatDuration(secondsBehind.toLongLong() * 1000))
                            : QStringLiteral("replica, %1").arg(broken);
    }
    return result;
}

CheckResult check(const ProbeTarget &target, const QString &connectionName, SqlCheckProgress &progress)
{
    const QString driver = QStringLiteral("QMYSQL");
    if (!QSqlDatabase::isDriverAvailable(driver)) {
        return failed(CheckCode::Unknown,
                      QStringLiteral("Qt's MySQL driver (QMYSQL, Debian package libqt6sql6-mysql) is not installed"));
    }
    Credentials credentials;
    if (!target.check.credentialsFile.isEmpty()) {
        credentials = readOptionFile(target.check.credentialsFile);
        if (!credentials.error.isEmpty())
            return failed(CheckCode::Unknown, credentials.error);
    }
    CheckResult result;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(driver, connectionName);
        db.setHostName(target.address);
        db.setPort(target.port);
        db.setUserName(target.check.dbUser.isEmpty() ? credentials.user : target.check.dbUser);
        db.setPassword(credentials.password);
        db.setDatabaseName(target.check.database);
        // The client library counts whole seconds; the probe's own timer
        // keeps the exact limit.
        const int seconds = std::max(1, (target.check.timeout + 999) / 1000);
        db.setConnectOptions(QStringLiteral("MYSQL_OPT_CONNECT_TIMEOUT=%1;MYSQL_OPT_READ_TIMEOUT=%1;MYSQL_OPT_WRITE_TIMEOUT=%1")
                                 .arg(seconds));
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

QStringList MariaDbProbePlugin::checkTypes() const
{
    return {typeName};
}

Probe *MariaDbProbePlugin::createProbe(const QString &type, QObject *parent)
{
    return type == typeName ? new SqlRoleProbe(check, parent) : nullptr;
}

} // namespace Loadstar::Health
