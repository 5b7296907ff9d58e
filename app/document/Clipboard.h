#pragma once

#include "model/Topology.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace Loadstar::Clipboard {

// Mime type of copied nodes and links: the JSON interchange format of just
// the copied part, so a copy travels between windows and processes, and a
// paste into a text editor shows readable JSON.
inline constexpr char kMimeType[] = "application/x-loadstar-items";

// The nodes `nodes` and the links among them.
QByteArray encode(const Topology &topology, const QList<NodeId> &nodes);

struct Items
{
    QList<Node> nodes;
    QList<Link> links;
};

// Makes copied items ready to add to `target`: fresh ids after the target's,
// names made unique ("web-01" becomes "web-03" when web-01 and web-02
// exist), servers moved to free ports, positions moved by `offset`.
std::optional<Items> decode(const QByteArray &data, const Topology &target, QPointF offset,
                            QString *error);

} // namespace Loadstar::Clipboard
