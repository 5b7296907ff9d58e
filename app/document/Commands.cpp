#include "Commands.h"

#include "Document.h"
#include "model/PropertySchema.h"

#include <QCoreApplication>
#include <QSet>

namespace Loadstar {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Loadstar::Commands", text);
}

QString itemsText(const char *verb, qsizetype nodes, qsizetype links)
{
    if (nodes == 1 && links == 0)
        return tr("%1 node").arg(QString::fromLatin1(verb));
    if (nodes == 0 && links == 1)
        return tr("%1 link").arg(QString::fromLatin1(verb));
    return tr("%1 %2 nodes and %3 links").arg(QString::fromLatin1(verb)).arg(nodes).arg(links);
}

} // namespace

AddItemsCommand::AddItemsCommand(Document *document, QList<Node> nodes, QList<Link> links,
                                 QUndoCommand *parent)
    : QUndoCommand(parent)
    , m_document(document)
    , m_nodes(std::move(nodes))
    , m_links(std::move(links))
{
    if (m_nodes.size() == 1 && m_links.isEmpty()) {
        setText(tr("Add %1").arg(m_nodes.first().name));
    } else if (m_nodes.isEmpty() && m_links.size() == 1) {
        const Node *from = document->topology().node(m_links.first().from);
        const Node *to = document->topology().node(m_links.first().to);
        setText(from && to ? tr("Link %1 → %2").arg(from->name, to->name) : itemsText("Add", 0, 1));
    } else {
        setText(itemsText("Add", m_nodes.size(), m_links.size()));
    }
}

void AddItemsCommand::redo()
{
    for (const Node &node : std::as_const(m_nodes))
        m_document->insertNode(node);
    for (const Link &link : std::as_const(m_links))
        m_document->insertLink(link);
}

void AddItemsCommand::undo()
{
    for (const Link &link : std::as_const(m_links))
        m_document->removeLink(link.id);
    for (const Node &node : std::as_const(m_nodes))
        m_document->removeNode(node.id);
}

RemoveItemsCommand::RemoveItemsCommand(Document *document, const QList<NodeId> &nodes,
                                       const QList<LinkId> &links, QUndoCommand *parent)
    : QUndoCommand(parent)
    , m_document(document)
{
    const Topology &topology = document->topology();
    for (NodeId id : nodes) {
        if (const Node *node = topology.node(id))
            m_nodes.append(*node);
    }
    for (const Link &link : topology.links()) {
        const bool touchesRemoved = nodes.contains(link.from) || nodes.contains(link.to);
        if (touchesRemoved || links.contains(link.id))
            m_links.append(link);
    }
    setText(itemsText("Delete", m_nodes.size(), m_links.size()));
}

void RemoveItemsCommand::redo()
{
    for (const Link &link : std::as_const(m_links))
        m_document->removeLink(link.id);
    for (const Node &node : std::as_const(m_nodes))
        m_document->removeNode(node.id);
}

void RemoveItemsCommand::undo()
{
    for (const Node &node : std::as_const(m_nodes))
        m_document->insertNode(node);
    for (const Link &link : std::as_const(m_links))
        m_document->insertLink(link);
}

MoveNodesCommand::MoveNodesCommand(Document *document, QHash<NodeId, QPointF> from,
                                   QHash<NodeId, QPointF> to, bool mergeable, QUndoCommand *parent)
    : QUndoCommand(from.size() == 1 ? tr("Move node") : tr("Move %1 nodes").arg(from.size()), parent)
    , m_document(document)
    , m_from(std::move(from))
    , m_to(std::move(to))
    , m_mergeable(mergeable)
{}

void MoveNodesCommand::redo()
{
    for (auto it = m_to.cbegin(); it != m_to.cend(); ++it)
        m_document->setNodePosition(it.key(), it.value());
}

void MoveNodesCommand::undo()
{
    for (auto it = m_from.cbegin(); it != m_from.cend(); ++it)
        m_document->setNodePosition(it.key(), it.value());
}

bool MoveNodesCommand::mergeWith(const QUndoCommand *other)
{
    const auto *move = static_cast<const MoveNodesCommand *>(other);
    const QSet<NodeId> mine(m_to.keyBegin(), m_to.keyEnd());
    const QSet<NodeId> theirs(move->m_to.keyBegin(), move->m_to.keyEnd());
    if (mine != theirs)
        return false;
    m_to = move->m_to;
    return true;
}

SetPropertyCommand::SetPropertyCommand(Document *document, const QList<NodeId> &nodes,
                                       const QString &key, const QVariant &value, QUndoCommand *parent)
    : QUndoCommand(parent)
    , m_document(document)
    , m_key(key)
    , m_value(value)
{
    QString label = key;
    QString name;
    for (NodeId id : nodes) {
        if (const Node *node = document->topology().node(id)) {
            m_previous.insert(id, node->property(key));
            name = node->name;
            if (const PropertySpec *spec = PropertySchema::find(node->kind, key))
                label = spec->label;
        }
    }
    setText(m_previous.size() == 1 ? tr("Set %1 of %2").arg(label, name)
                                   : tr("Set %1 of %2 nodes").arg(label).arg(m_previous.size()));
}

void SetPropertyCommand::redo()
{
    for (auto it = m_previous.cbegin(); it != m_previous.cend(); ++it)
        m_document->setNodeProperty(it.key(), m_key, m_value);
}

void SetPropertyCommand::undo()
{
    for (auto it = m_previous.cbegin(); it != m_previous.cend(); ++it)
        m_document->setNodeProperty(it.key(), m_key, it.value());
}

RenameNodeCommand::RenameNodeCommand(Document *document, NodeId node, const QString &name,
                                     QUndoCommand *parent)
    : QUndoCommand(tr("Rename to %1").arg(name), parent)
    , m_document(document)
    , m_node(node)
    , m_name(name)
{
    if (const Node *n = document->topology().node(node))
        m_previous = n->name;
}

void RenameNodeCommand::redo()
{
    m_document->setNodeName(m_node, m_name);
}

void RenameNodeCommand::undo()
{
    m_document->setNodeName(m_node, m_previous);
}

} // namespace Loadstar
