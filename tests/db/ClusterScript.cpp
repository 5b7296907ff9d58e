#include "ClusterScript.h"

#include <QProcess>
#include <QTcpServer>

#include <memory>

namespace Loadstar::Test {

bool runClusterScript(const ClusterPorts &ports, const QStringList &arguments, QString *output)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LOADSTAR_MARIADB_PRIMARY_PORT"), QString::number(ports.mariadbPrimary));
    env.insert(QStringLiteral("LOADSTAR_MARIADB_REPLICA_PORT"), QString::number(ports.mariadbReplica));
    env.insert(QStringLiteral("LOADSTAR_PG_PRIMARY_PORT"), QString::number(ports.pgPrimary));
    env.insert(QStringLiteral("LOADSTAR_PG_REPLICA_PORT"), QString::number(ports.pgReplica));
    process.setProcessEnvironment(env);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral(CLUSTER_SCRIPT), arguments);
    // The script bounds its own waits (60 s each); this only guards against a bug in it.
    const bool finished = process.waitForFinished(150000);
    if (output)
        *output = QString::fromLocal8Bit(process.readAll());
    return finished && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

} // namespace Loadstar::Test
