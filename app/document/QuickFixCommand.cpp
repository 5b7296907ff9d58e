#include "QuickFixCommand.h"

#include "Commands.h"
#include "Document.h"

#include <QHostAddress>
#include <QSet>

namespace Loadstar {

namespace {

// Every link into and out of `original`, drawn again for `copy` (a second
// instance of the same tier takes the same traffic).
QList<Link> linksLike(const Topology &topology, const Node &original, NodeId copy, LinkId &nextLink,
                      bool withReplication)
{
    QList<Link> links;
    for (const Link &link : topology.links()) {
        if (link.kind == LinkKind::Replication && !withReplication)
            continue;
        if (link.to == original.id)
            links.append({nextLink++, link.kind, link.from, copy});
        else if (link.from == original.id)
            links.append({nextLink++, link.kind, copy, link.to});
    }
    return links;
}

// A virtual address both load balancers can share (VRRP): the first's own,
// or the first free .10, .11… of its IPv4 network. Empty for host names and
// IPv6, where only the user knows a sensible one.
QString sharedVirtualAddress(const Topology &topology, const Node &lb)
{
    const QString existing = lb.stringProperty(QStringLiteral("virtual_address"));
    if (!existing.isEmpty())
        return existing;
    const QHostAddress address(lb.stringProperty(QStringLiteral("address")));
    if (address.protocol() != QAbstractSocket::IPv4Protocol || address == QHostAddress::AnyIPv4)
        return {};
    QSet<QString> used;
    for (const Node &node : topology.nodes()) {
        used.insert(node.stringProperty(QStringLiteral("address")));
        used.insert(node.stringProperty(QStringLiteral("virtual_address")));
    }
    const quint32 network = address.toIPv4Address() & 0xFFFFFF00u;
    for (quint32 host = 10; host < 255; ++host) {
        const QString candidate = QHostAddress(network | host).toString();
        if (!used.contains(candidate))
            return candidate;
    }
    return {};
}

// Whether a replica marked standby follows `primary` through a replication link.
bool hasStandby(const Topology &topology, const Node &primary)
{
    for (const Link &link : topology.linksFrom(primary.id)) {
        const Node *replica = topology.node(link.to);
        if (link.kind == LinkKind::Replication && replica && replica->boolProperty(QStringLiteral("standby")))
            return true;
    }
    return false;
}

QString defaultCheckFor(const Node &node)
{
    if (node.kind != NodeKind::Database)
        return QStringLiteral("http");
    const QString engine = node.stringProperty(QStringLiteral("engine"));
    if (engine == QLatin1String("postgresql"))
        return QStringLiteral("pgsql");
    return engine == QLatin1String("redis") ? QStringLiteral("redis") : QStringLiteral("mysql");
}

} // namespace

QuickFixCommand::QuickFixCommand(const QString &text)
    : QUndoCommand(text)
{}

std::unique_ptr<QuickFixCommand> QuickFixCommand::create(Document *document, const Finding &finding)
{
    const Topology &topology = document->topology();
    const Node *target = finding.nodes.isEmpty() ? nullptr : topology.node(finding.nodes.first());
    if (finding.fix == QuickFix::None || !target)
        return nullptr;
    std::unique_ptr<QuickFixCommand> command(new QuickFixCommand(finding.fixLabel));
    LinkId nextLink = topology.nextLinkId();

    switch (finding.fix) {
    case QuickFix::None:
        return nullptr;
    case QuickFix::AddLoadBalancer: {
        Node second = *target;
        second.id = topology.nextNodeId();
        second.name = topology.uniqueName(target->name);
        second.position = topology.freeSpot(target->position + QPointF(220, 0), QPointF(160, 0));
        topology.assignFreePort(second);
        const QString shared = sharedVirtualAddress(topology, *target);
        second.setProperty(QStringLiteral("virtual_address"), shared);
        const QList<Link> links = linksLike(topology, *target, second.id, nextLink, false);
        if (!shared.isEmpty() && target->stringProperty(QStringLiteral("virtual_address")) != shared)
            new SetPropertyCommand(document, {target->id}, QStringLiteral("virtual_address"), shared, command.get());
        new AddItemsCommand(document, {second}, links, command.get());
        break;
    }
    case QuickFix::AddReplica: {
        if (!target->boolProperty(QStringLiteral("auto_failover")))
            new SetPropertyCommand(document, {target->id}, QStringLiteral("auto_failover"), true, command.get());
        if (hasStandby(topology, *target))
            break;
        Node standby = *target;
        standby.id = topology.nextNodeId();
        const QString name = target->name + QStringLiteral("-standby");
        standby.name = topology.nodeByName(name) ? topology.uniqueName(name) : name;
        standby.position = topology.freeSpot(target->position + QPointF(0, 150), QPointF(160, 0));
        standby.setProperty(QStringLiteral("role"), QStringLiteral("replica"));
        standby.setProperty(QStringLiteral("standby"), true);
        standby.setProperty(QStringLiteral("auto_failover"), false);
        topology.assignFreePort(standby);
        QList<Link> links = linksLike(topology, *target, standby.id, nextLink, false);
        links.append({nextLink++, LinkKind::Replication, target->id, standby.id});
        new AddItemsCommand(document, {standby}, links, command.get());
        break;
    }
    case QuickFix::AddFirewall: {
        QList<NodeId> clients;
        QPointF centre;
        for (LinkId id : finding.links) {
            const Link *link = topology.link(id);
            const Node *client = link ? topology.node(link->from) : nullptr;
            if (client) {
                clients.append(client->id);
                centre += client->position;
            }
        }
        if (clients.isEmpty())
            return nullptr;
        centre /= clients.size();
        // A load balancer has one set of rules: clients that bypass its
        // firewall are sent through it rather than through a second one.
        const Node *existing = nullptr;
        for (const Link &link : topology.linksTo(target->id)) {
            const Node *from = topology.node(link.from);
            if (from && from->kind == NodeKind::Firewall)
                existing = from;
        }
        QList<Node> nodes;
        if (!existing) {
            Node firewall = topology.makeNewNode(NodeKind::Firewall, {});
            firewall.position = topology.freeSpot((centre + target->position) / 2, QPointF(-160, 0));
            nodes.append(firewall);
        }
        const NodeId firewall = existing ? existing->id : nodes.first().id;
        QList<Link> links;
        for (NodeId client : clients) {
            const QList<Link> out = topology.linksFrom(client);
            if (std::none_of(out.begin(), out.end(), [&](const Link &link) { return link.to == firewall; }))
                links.append({nextLink++, LinkKind::Http, client, firewall});
        }
        if (!existing)
            links.append({nextLink++, LinkKind::Http, firewall, target->id});
        new RemoveItemsCommand(document, {}, finding.links, command.get());
        new AddItemsCommand(document, nodes, links, command.get());
        break;
    }
    case QuickFix::EnableTls:
        new SetPropertyCommand(document, {target->id}, QStringLiteral("tls"), true, command.get());
        break;
    case QuickFix::AddHealthCheck:
        new SetPropertyCommand(document, {target->id}, QStringLiteral("check"), defaultCheckFor(*target),
                               command.get());
        break;
    }
    return command;
}

} // namespace Loadstar
