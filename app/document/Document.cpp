#include "Document.h"

#include <QFileInfo>

namespace Loadstar {

Document::Document(QObject *parent)
    : Document(Topology(), QString(), parent)
{}

Document::Document(Topology topology, const QString &filePath, QObject *parent)
    : QObject(parent)
    , m_topology(std::move(topology))
    , m_filePath(filePath)
{
    connect(&m_undoStack, &QUndoStack::cleanChanged, this,
            [this](bool clean) { emit modifiedChanged(!clean); });
}

Document::~Document()
{
    // The undo stack announces "clean" while it is destroyed; observers must
    // not hear from a document that is half gone.
    m_undoStack.disconnect(this);
}

void Document::setFilePath(const QString &path)
{
    if (m_filePath == path)
        return;
    m_filePath = path;
    emit filePathChanged(path);
}

QString Document::displayName() const
{
    return m_filePath.isEmpty() ? tr("Untitled") : QFileInfo(m_filePath).fileName();
}

void Document::markSaved(int index)
{
    if (m_undoStack.index() == index)
        m_undoStack.setClean();
}

void Document::resetTopology(Topology topology)
{
    m_topology = std::move(topology);
    m_undoStack.clear();
    emit topologyReset();
}

void Document::insertNode(const Node &node)
{
    m_topology.addNode(node);
    emit nodeAdded(node.id);
}

void Document::removeNode(NodeId id)
{
    for (const Link &link : m_topology.links()) {
        if (link.from == id || link.to == id)
            emit linkAboutToBeRemoved(link.id);
    }
    emit nodeAboutToBeRemoved(id);
    m_topology.removeNode(id);
}

void Document::insertLink(const Link &link)
{
    m_topology.addLink(link);
    emit linkAdded(link.id);
}

void Document::removeLink(LinkId id)
{
    emit linkAboutToBeRemoved(id);
    m_topology.removeLink(id);
}

void Document::setNodePosition(NodeId id, QPointF position)
{
    if (Node *node = m_topology.node(id)) {
        node->position = position;
        emit nodeChanged(id);
    }
}

void Document::setNodeName(NodeId id, const QString &name)
{
    if (Node *node = m_topology.node(id)) {
        node->name = name;
        emit nodeChanged(id);
    }
}

void Document::setNodeProperty(NodeId id, const QString &key, const QVariant &value)
{
    if (Node *node = m_topology.node(id)) {
        node->properties.insert(key, value);
        emit nodeChanged(id);
    }
}

} // namespace Loadstar
