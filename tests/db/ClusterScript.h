#pragma once

#include "../engine/FreePorts.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace Loadstar::Test {

// Where the four instances of tests/db/cluster.sh listen.
struct ClusterPorts
{
    quint16 mariadbPrimary = 0;
    quint16 mariadbReplica = 0;
    quint16 pgPrimary = 0;
    quint16 pgReplica = 0;
};

// Runs tests/db/cluster.sh with `arguments` ("start DIR", "sql DIR
// INSTANCE SQL"…) and the ports in its environment; true when it succeeded.
// `output` gets what it printed, errors included.
bool runClusterScript(const ClusterPorts &ports, const QStringList &arguments, QString *output = nullptr);

} // namespace Loadstar::Test
