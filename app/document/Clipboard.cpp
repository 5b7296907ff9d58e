#include "Clipboard.h"

#include "JsonFormat.h"

#include <QHash>
#include <QRegularExpression>
#include <QSet>

namespace Loadstar::Clipboard {

QByteArray encode(const Topology &topology, const QList<NodeId> &nodes)
{
    const QSet<NodeId> chosen(nodes.cbegin(), nodes.cend());
    Topology part;
    for (const Node &node : topology.nodes()) {
        if (chosen.contains(node.id))
            part.addNode(node);
    }
    for (const Link &link : topology.links()) {
        if (chosen.contains(link.from) && chosen.contains(link.to))
            part.addLink(link);
    }
    return JsonFormat::write(part);
}

std::optional<Items> decode(const QByteArray &data, const Topology &target, QPointF offset, QString *error)
{
    const auto part = JsonFormat::read(data, error);
    if (!part)
        return std::nullopt;

    // Names taken so far, in the target and by items pasted before.
    Topology names = target;
    QHash<NodeId, NodeId> newIds;
    NodeId nextNode = target.nextNodeId();
    Items items;
    static const QRegularExpression numbered(QStringLiteral("^(.*?)-?\\d+$"));
    for (Node node : part->nodes()) {
        newIds.insert(node.id, nextNode);
        node.id = nextNode++;
        node.position += offset;
        if (names.nodeByName(node.name)) {
            const auto match = numbered.match(node.name);
            const QString base = match.hasMatch() && !match.captured(1).isEmpty() ? match.captured(1) : node.name;
            node.name = names.uniqueName(base);
        }
        names.assignFreePort(node);
        names.addNode(node);
        items.nodes.append(node);
    }
    LinkId nextLink = target.nextLinkId();
    for (Link link : part->links()) {
        if (!newIds.contains(link.from) || !newIds.contains(link.to))
            continue;
        link.id = nextLink++;
        link.from = newIds.value(link.from);
        link.to = newIds.value(link.to);
        items.links.append(link);
    }
    return items;
}

} // namespace Loadstar::Clipboard
