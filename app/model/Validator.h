#pragma once

#include "Topology.h"

#include <QList>
#include <QString>

namespace Loadstar {

// One thing wrong with a drawing: what, about which nodes and links, and what
// to do. `code` is stable (tests and the UI key on it); `message` is the
// sentence shown to users.
struct Problem
{
    QString code;
    QString message;
    QList<NodeId> nodes;
    QList<LinkId> links;
};

// Checks a topology for everything that would stop it from running as drawn:
// names, addresses and ports, property values, links that make no sense,
// load balancers and backups that cannot work. Returns every problem found,
// in a stable order (by node, then by link), never stopping at the first.
QList<Problem> validate(const Topology &topology);

} // namespace Loadstar
