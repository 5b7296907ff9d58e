#include "AutoLayout.h"

#include <QMap>

#include <algorithm>

namespace Loadstar {

namespace {

int tierOf(NodeKind kind)
{
    switch (kind) {
    case NodeKind::Client:
        return 0;
    case NodeKind::Firewall:
        return 1;
    case NodeKind::LoadBalancer:
        return 2;
    case NodeKind::WebServer:
        return 3;
    case NodeKind::AppServer:
        return 4;
    case NodeKind::Database:
        return 5;
    case NodeKind::Monitor:
        return -1;
    }
    return -1;
}

} // namespace

QHash<NodeId, QPointF> arrangeInTiers(const Topology &topology)
{
    QMap<int, QList<const Node *>> tiers;
    QList<const Node *> monitors;
    for (const Node &node : topology.nodes()) {
        const int tier = tierOf(node.kind);
        if (tier < 0)
            monitors.append(&node);
        else
            tiers[tier].append(&node);
    }

    QHash<NodeId, QList<NodeId>> upstream;
    for (const Link &link : topology.links())
        upstream[link.to].append(link.from);

    QHash<NodeId, double> slot; // order within the tier already placed
    QHash<NodeId, QPointF> positions;
    double y = 0;
    double widest = 0;
    for (auto it = tiers.begin(); it != tiers.end(); ++it) {
        QList<const Node *> &nodes = it.value();
        // Where the user had them, as the tie-breaker and for tiers with no
        // placed upstream nodes.
        std::stable_sort(nodes.begin(), nodes.end(), [](const Node *a, const Node *b) {
            return a->position.x() < b->position.x();
        });
        QHash<NodeId, double> key;
        for (qsizetype i = 0; i < nodes.size(); ++i) {
            double sum = 0;
            int count = 0;
            for (NodeId from : upstream.value(nodes[i]->id)) {
                if (slot.contains(from)) {
                    sum += slot.value(from);
                    ++count;
                }
            }
            key.insert(nodes[i]->id, count ? sum / count : double(i) / std::max<qsizetype>(1, nodes.size()));
        }
        std::stable_sort(nodes.begin(), nodes.end(), [&](const Node *a, const Node *b) {
            return key.value(a->id) < key.value(b->id);
        });

        const int perRow = std::min<int>(kMaxNodesPerRow, int(nodes.size()));
        for (qsizetype i = 0; i < nodes.size(); ++i) {
            const int row = int(i / perRow);
            const int column = int(i % perRow);
            const int inThisRow = std::min<int>(perRow, int(nodes.size() - row * perRow));
            const double x = (column - (inThisRow - 1) / 2.0) * kTierColumnSpacing;
            positions.insert(nodes[i]->id, QPointF(x, y + row * kTierRowSpacing));
            slot.insert(nodes[i]->id, nodes.size() > 1 ? double(i) / double(nodes.size() - 1) : 0.5);
            widest = std::max(widest, x);
        }
        y += ((nodes.size() - 1) / perRow + 1) * kTierRowSpacing;
    }
    for (qsizetype i = 0; i < monitors.size(); ++i)
        positions.insert(monitors[i]->id, QPointF(widest + kTierColumnSpacing * 1.5, i * kTierRowSpacing));
    return positions;
}

} // namespace Loadstar
