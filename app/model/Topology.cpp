#include "Topology.h"

#include "PropertySchema.h"

#include <QLineF>
#include <QSet>

#include <algorithm>

namespace Loadstar {

namespace {

template<typename Item, typename Id>
auto findById(QList<Item> &items, Id id)
{
    return std::lower_bound(items.begin(), items.end(), id,
                            [](const Item &item, Id value) { return item.id < value; });
}

template<typename Item, typename Id>
auto findById(const QList<Item> &items, Id id)
{
    return std::lower_bound(items.cbegin(), items.cend(), id,
                            [](const Item &item, Id value) { return item.id < value; });
}

template<typename Item>
quint32 nextId(const QList<Item> &items)
{
    return items.isEmpty() ? 1 : items.last().id + 1;
}

} // namespace

Node Node::make(NodeKind kind, const QString &name, QPointF position)
{
    Node node;
    node.kind = kind;
    node.name = name;
    node.position = position;
    for (const PropertySpec &spec : PropertySchema::forKind(kind))
        node.properties.insert(spec.key, spec.defaultValue);
    return node;
}

QVariant Node::property(const QString &key) const
{
    const auto it = properties.constFind(key);
    if (it != properties.cend())
        return it.value();
    if (const PropertySpec *spec = PropertySchema::find(kind, key))
        return spec->defaultValue;
    return {};
}

QString Node::setProperty(const QString &key, const QVariant &value)
{
    const PropertySpec *spec = PropertySchema::find(kind, key);
    if (!spec)
        return QStringLiteral("a %1 has no property “%2”").arg(nodeKindName(kind), key);
    auto converted = PropertySchema::convert(*spec, value);
    if (!converted.error.isEmpty())
        return converted.error;
    properties.insert(key, converted.value);
    return {};
}

void Node::restoreProperty(const QString &key, const QVariant &value)
{
    if (!setProperty(key, value).isEmpty())
        properties.insert(key, value);
}

QString Node::endpoint() const
{
    if (!PropertySchema::find(kind, QStringLiteral("port")))
        return {};
    const QString address = stringProperty(QStringLiteral("address"));
    const QString port = QString::number(intProperty(QStringLiteral("port")));
    if (address.contains(QLatin1Char(':')))
        return QStringLiteral("[%1]:%2").arg(address, port);
    return address + QLatin1Char(':') + port;
}

const Node *Topology::node(NodeId id) const
{
    const auto it = findById(m_nodes, id);
    return it != m_nodes.cend() && it->id == id ? &*it : nullptr;
}

Node *Topology::node(NodeId id)
{
    const auto it = findById(m_nodes, id);
    return it != m_nodes.end() && it->id == id ? &*it : nullptr;
}

const Node *Topology::nodeByName(const QString &name) const
{
    for (const Node &n : m_nodes) {
        if (n.name == name)
            return &n;
    }
    return nullptr;
}

const Link *Topology::link(LinkId id) const
{
    const auto it = findById(m_links, id);
    return it != m_links.cend() && it->id == id ? &*it : nullptr;
}

NodeId Topology::addNode(Node node)
{
    if (node.id == 0)
        node.id = nextNodeId();
    const auto it = findById(m_nodes, node.id);
    Q_ASSERT(it == m_nodes.end() || it->id != node.id);
    const NodeId id = node.id;
    m_nodes.insert(it, std::move(node));
    return id;
}

LinkId Topology::addLink(Link link)
{
    if (link.id == 0)
        link.id = nextLinkId();
    const auto it = findById(m_links, link.id);
    Q_ASSERT(it == m_links.end() || it->id != link.id);
    const LinkId id = link.id;
    m_links.insert(it, link);
    return id;
}

LinkId Topology::connect(NodeId from, NodeId to)
{
    const Node *source = node(from);
    const Node *target = node(to);
    Q_ASSERT(source && target);
    const LinkRule rule = linkKindFor(source->kind, target->kind);
    Q_ASSERT(rule.kind);
    return addLink(Link{0, rule.kind.value_or(LinkKind::Tcp), from, to});
}

QList<Link> Topology::removeNode(NodeId id)
{
    QList<Link> removed;
    m_links.removeIf([&](const Link &l) {
        if (l.from != id && l.to != id)
            return false;
        removed.append(l);
        return true;
    });
    const auto it = findById(m_nodes, id);
    if (it != m_nodes.end() && it->id == id)
        m_nodes.erase(it);
    return removed;
}

bool Topology::removeLink(LinkId id)
{
    const auto it = findById(m_links, id);
    if (it == m_links.end() || it->id != id)
        return false;
    m_links.erase(it);
    return true;
}

QList<Link> Topology::linksFrom(NodeId id) const
{
    QList<Link> result;
    for (const Link &l : m_links) {
        if (l.from == id)
            result.append(l);
    }
    return result;
}

QList<Link> Topology::linksTo(NodeId id) const
{
    QList<Link> result;
    for (const Link &l : m_links) {
        if (l.to == id)
            result.append(l);
    }
    return result;
}

QString Topology::uniqueName(const QString &base) const
{
    QSet<QString> taken;
    for (const Node &n : m_nodes)
        taken.insert(n.name);
    for (int i = 1;; ++i) {
        const QString candidate = QStringLiteral("%1-%2").arg(base).arg(i, 2, 10, QLatin1Char('0'));
        if (!taken.contains(candidate))
            return candidate;
    }
}

void Topology::assignFreePort(Node &node) const
{
    const QString portKey = QStringLiteral("port");
    if (!node.properties.contains(portKey))
        return;
    QSet<QString> taken;
    for (const Node &other : m_nodes)
        taken.insert(other.endpoint());
    while (taken.contains(node.endpoint()) && node.intProperty(portKey) < 65535)
        node.properties.insert(portKey, node.intProperty(portKey) + 1);
}

QPointF Topology::freeSpot(QPointF start, QPointF step, qreal minimumDistance) const
{
    for (QPointF spot = start;; spot += step) {
        const bool taken = std::any_of(m_nodes.begin(), m_nodes.end(), [&](const Node &node) {
            return QLineF(node.position, spot).length() < minimumDistance;
        });
        if (!taken)
            return spot;
    }
}

Node Topology::makeNewNode(NodeKind kind, QPointF position) const
{
    Node node = Node::make(kind, uniqueName(nodeNameBase(kind)), position);
    node.id = nextNodeId();
    assignFreePort(node);
    return node;
}

NodeId Topology::nextNodeId() const
{
    return nextId(m_nodes);
}

LinkId Topology::nextLinkId() const
{
    return nextId(m_links);
}

} // namespace Loadstar
