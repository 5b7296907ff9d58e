#pragma once

#include "Topology.h"

#include <QHash>
#include <QPointF>

namespace Loadstar {

// Arranges a drawing in tiers, top to bottom in the order traffic flows:
// clients, firewalls, load balancers, web servers, app servers, databases;
// monitors stand in a column to the right. Within a tier, nodes are ordered
// by where their upstream nodes sit (the barycenter heuristic), so links
// cross as little as a cheap method can manage, and long tiers wrap into
// rows. Returns the new centre of every node; the caller makes it one undo
// step (MoveNodesCommand).
QHash<NodeId, QPointF> arrangeInTiers(const Topology &topology);

// Spacing used by the layout; the canvas's grid divides both.
// A card is 220 wide: 30 between two cards of a tier.
constexpr double kTierColumnSpacing = 250;
constexpr double kTierRowSpacing = 140;
constexpr int kMaxNodesPerRow = 12;

} // namespace Loadstar
