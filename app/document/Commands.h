#pragma once

#include "model/Topology.h"

#include <QHash>
#include <QUndoCommand>

namespace Loadstar {

class Document;

// Merge ids of the commands that merge (QUndoCommand::id()), in one place.
enum class CommandId { MoveNodes = 1 };

// Adds nodes and links (a drop from the palette, a new link, a paste).
class AddItemsCommand : public QUndoCommand
{
public:
    AddItemsCommand(Document *document, QList<Node> nodes, QList<Link> links,
                    QUndoCommand *parent = nullptr);
    void redo() override;
    void undo() override;

private:
    Document *m_document;
    QList<Node> m_nodes;
    QList<Link> m_links;
};

// Removes nodes and links; links touching a removed node go with it, and all
// come back on undo with their ids.
class RemoveItemsCommand : public QUndoCommand
{
public:
    RemoveItemsCommand(Document *document, const QList<NodeId> &nodes, const QList<LinkId> &links,
                       QUndoCommand *parent = nullptr);
    void redo() override;
    void undo() override;

private:
    Document *m_document;
    QList<Node> m_nodes;
    QList<Link> m_links;
};

// Moves nodes; successive moves of the same nodes marked mergeable (arrow-key
// nudges) become one undo step.
class MoveNodesCommand : public QUndoCommand
{
public:
    MoveNodesCommand(Document *document, QHash<NodeId, QPointF> from, QHash<NodeId, QPointF> to,
                     bool mergeable = false, QUndoCommand *parent = nullptr);
    void redo() override;
    void undo() override;
    int id() const override { return m_mergeable ? int(CommandId::MoveNodes) : -1; }
    bool mergeWith(const QUndoCommand *other) override;

private:
    Document *m_document;
    QHash<NodeId, QPointF> m_from;
    QHash<NodeId, QPointF> m_to;
    bool m_mergeable;
};

// Sets one property on one or more nodes (a multi-selection edit is one step).
// The value must already be converted with PropertySchema::convert.
class SetPropertyCommand : public QUndoCommand
{
public:
    SetPropertyCommand(Document *document, const QList<NodeId> &nodes, const QString &key,
                       const QVariant &value, QUndoCommand *parent = nullptr);
    void redo() override;
    void undo() override;

private:
    Document *m_document;
    QString m_key;
    QVariant m_value;
    QHash<NodeId, QVariant> m_previous;
};

class RenameNodeCommand : public QUndoCommand
{
public:
    RenameNodeCommand(Document *document, NodeId node, const QString &name,
                      QUndoCommand *parent = nullptr);
    void redo() override;
    void undo() override;

private:
    Document *m_document;
    NodeId m_node;
    QString m_name;
    QString m_previous;
};

} // namespace Loadstar
