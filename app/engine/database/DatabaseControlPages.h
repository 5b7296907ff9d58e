#pragma once

#include "DatabaseServerStatus.h"

#include "engine/Engine.h"

#include <QStringList>

namespace Loadstar::Engine {

class DatabaseServers;

// The stats listener's pages for the demo databases, so headless runs
// (`loadstar run --stats`) can fail and promote them as the cards' menus do:
//   POST /fault?server=DB&state=kill|revive|hang|resume|stop-replication|start-replication
//   POST /fault?server=DB&delay=SECONDS      replication delay of a replica
//   POST /promote?server=DB                  promote a replica to primary
// GET /fault lists them (databaseFaultLines).
bool isDemoDatabase(const DatabaseServers &servers, const QString &name);
Engine::ControlReply databaseFaultPage(DatabaseServers &servers, const QString &database, const QUrlQuery &query);
Engine::ControlReply promotePage(DatabaseServers &servers, const QString &method, const QUrlQuery &query);
QStringList databaseFaultLines(const DatabaseServers &servers);

// A database's faults in words: "killed · replication stopped · replication
// delayed 30 s"; "healthy" when there are none.
QString describeDatabaseFault(const DatabaseFault &fault);

} // namespace Loadstar::Engine
