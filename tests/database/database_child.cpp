// Runs a MariaDB primary and its replica as demo databases until killed:
//   database_child CACHE_DIRECTORY PRIMARY_PORT REPLICA_PORT
// prints "ready PID PID" once both run, then waits.

#include "engine/database/DatabaseServers.h"

#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

using namespace Loadstar::Engine;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    if (arguments.size() != 4) {
        std::fprintf(stderr, "usage: database_child CACHE_DIRECTORY PRIMARY_PORT REPLICA_PORT\n");
        return 2;
    }
    DatabaseServers::Options options;
    options.cacheDirectory = arguments.at(1);
    QList<DatabaseConfig> databases(2);
    databases[0].name = QStringLiteral("db-primary");
    databases[0].address = QStringLiteral("127.0.0.1");
    databases[0].port = arguments.at(2).toUShort();
    databases[0].embedded = true;
    databases[1] = databases[0];
    databases[1].name = QStringLiteral("db-replica");
    databases[1].port = arguments.at(3).toUShort();
    databases[1].role = QStringLiteral("replica");
    databases[1].source = QStringLiteral("db-primary");
    DatabaseServers servers(options);
    servers.start(databases);
    QTextStream out(stdout);
    out << "ready";
    for (const DatabaseServerStatus &status : servers.status())
        out << ' ' << status.pid;
    out << Qt::endl;
    return app.exec();
}
