#pragma once

#include <QString>

namespace Loadstar::Engine::DemoSchema {

// The demo schema every demo database holds, made once in the template
// data directory: one table of visits, a row per write. The demo backends
// write a row for each write request and read the latest row for each read,
// so replication lag shows as stale reads. Ids come from the demo backends
// (increasing over a run), not from the server, so a row acknowledged by one
// primary can be looked for on another after a failover.
//
// Accounts, made with the template (passwords are random per template and
// kept beside it, mode 0600):
//   application user  "loadstar_app": reads and writes the demo table only
//   replication user  "loadstar_repl": REPLICATION SLAVE / REPLICATION
//   the admin is root (MariaDB) or postgres (PostgreSQL) over the server's
//   Unix socket, never over TCP

inline QString databaseName() { return QStringLiteral("loadstar_demo"); }
inline QString applicationUser() { return QStringLiteral("loadstar_app"); }
inline QString replicationUser() { return QStringLiteral("loadstar_repl"); }

// "mariadb" or "postgresql".
QString createStatements(const QString &engine); // the table, run in databaseName() by the admin

// A value the demo backends put in a row, made safe to quote in SQL
// whatever a client sent: letters, digits and "-_./:" kept, anything else
// '_', at most 64 characters.
QString sanitized(const QString &value);

// One write: the row with this id.
QString insertStatement(quint64 id, const QString &client, const QString &path, const QString &backend);
// One read: the id of the latest row visible here (no row: an empty result).
QString latestStatement();
// After a failover: every id from `from` on, to find acknowledged writes
// the new primary does not have.
QString idsFromStatement(quint64 from);

} // namespace Loadstar::Engine::DemoSchema
