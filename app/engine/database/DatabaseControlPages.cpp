#include "DatabaseControlPages.h"

#include "DatabaseServers.h"

#include "engine/FaultState.h"

#include <QUrlQuery>

namespace Loadstar::Engine {

bool isDemoDatabase(const DatabaseServers &servers, const QString &name)
{
    for (const DatabaseServerStatus &status : servers.status()) {
        // A database Loadstar does not run is listed as Failed with no message.
        if (status.name == name)
            return status.state != DatabaseServerStatus::State::Failed || !status.message.isEmpty();
    }
    return false;
}

QString describeDatabaseFault(const DatabaseFault &fault)
{
    QStringList parts;
    if (fault.killed)
        parts << QStringLiteral("killed");
    if (fault.hung)
        parts << QStringLiteral("hung");
    if (fault.replicationStopped)
        parts << QStringLiteral("replication stopped");
    if (fault.replicationDelaySeconds > 0)
        parts << QStringLiteral("replication delayed %1 s").arg(fault.replicationDelaySeconds);
    return parts.isEmpty() ? QStringLiteral("healthy") : parts.join(QStringLiteral(" · "));
}

Engine::ControlReply databaseFaultPage(DatabaseServers &servers, const QString &database, const QUrlQuery &query)
{
    DatabaseFault fault = servers.fault(database);
    const QString state = query.queryItemValue(QStringLiteral("state"));
    if (state == QLatin1String("stop-replication") || state == QLatin1String("start-replication"))
        fault.replicationStopped = state.startsWith(QLatin1String("stop"));
    else if (!state.isEmpty() && !applyProcessState(fault, state))
        return {400, QStringLiteral("state is kill, revive, hang, resume, stop-replication or start-replication for a "
                                    "database, not “%1”.").arg(state)};
    const QString delay = query.queryItemValue(QStringLiteral("delay"));
    if (!delay.isEmpty()) {
        bool ok = false;
        const int seconds = delay.toInt(&ok);
        if (!ok || seconds < 0 || seconds > 86400)
            return {400, QStringLiteral("delay takes seconds from 0 to 86400.")};
        fault.replicationDelaySeconds = seconds;
    }
    const QString error = servers.setFault(database, fault);
    if (!error.isEmpty())
        return {409, error};
    return {200, QStringLiteral("%1 is now %2.").arg(database, describeDatabaseFault(fault))};
}

Engine::ControlReply promotePage(DatabaseServers &servers, const QString &method, const QUrlQuery &query)
{
    if (method != QLatin1String("POST"))
        return {405, QStringLiteral("Use POST /promote?server=NAME to promote a replica.")};
    const QString database = query.queryItemValue(QStringLiteral("server"), QUrl::FullyDecoded);
    if (database.isEmpty())
        return {400, QStringLiteral("Say which replica: /promote?server=NAME.")};
    if (!isDemoDatabase(servers, database))
        return {404, QStringLiteral("There is no demo database named %1.").arg(database)};
    const QString error = servers.promote(database);
    if (!error.isEmpty())
        return {409, error};
    return {200, QStringLiteral("%1 is now the primary.").arg(database)};
}

QStringList databaseFaultLines(const DatabaseServers &servers)
{
    QStringList lines;
    for (const DatabaseServerStatus &status : servers.status()) {
        if (!isDemoDatabase(servers, status.name))
            continue;
        lines << QStringLiteral("%1 on %2:%3: %4").arg(status.name, status.address).arg(status.port)
                     .arg(describeDatabaseFault(status.fault));
    }
    return lines;
}

} // namespace Loadstar::Engine
