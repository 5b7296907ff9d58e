#pragma once

#include "model/Topology.h"

#include <QObject>
#include <QUndoStack>

namespace Loadstar {

// The single source of truth for one open drawing: the topology, the undo
// stack every edit goes through, and where it lives on disk. Views observe
// its signals; they never change the topology themselves. The mutators below
// are for QUndoCommands only (see Commands.h): editing through them directly
// would bypass undo.
class Document : public QObject
{
    Q_OBJECT

public:
    explicit Document(QObject *parent = nullptr);
    Document(Topology topology, const QString &filePath, QObject *parent = nullptr);
    ~Document() override;

    const Topology &topology() const { return m_topology; }
    QUndoStack *undoStack() { return &m_undoStack; }

    QString filePath() const { return m_filePath; }
    void setFilePath(const QString &path);
    // File name without folder, or "Untitled" for a document never saved.
    QString displayName() const;

    bool isModified() const { return !m_undoStack.isClean(); }
    // Marks the document saved at undo index `index` (the index it had when
    // the saved copy was taken). Edits made since keep it modified.
    void markSaved(int index);
    // Marks content that is not on disk as modified although no edit made it
    // so (a recovered autosave copy), until it is saved.
    void markModified() { m_undoStack.resetClean(); }

    // Replaces the whole topology, clearing undo (used when loading).
    void resetTopology(Topology topology);

    // For undo commands.
    void insertNode(const Node &node);
    void removeNode(NodeId id);
    void insertLink(const Link &link);
    void removeLink(LinkId id);
    void setNodePosition(NodeId id, QPointF position);
    void setNodeName(NodeId id, const QString &name);
    void setNodeProperty(NodeId id, const QString &key, const QVariant &value);

signals:
    void nodeAdded(Loadstar::NodeId id);
    void nodeAboutToBeRemoved(Loadstar::NodeId id);
    void nodeChanged(Loadstar::NodeId id);
    void linkAdded(Loadstar::LinkId id);
    void linkAboutToBeRemoved(Loadstar::LinkId id);
    void topologyReset();
    void modifiedChanged(bool modified);
    void filePathChanged(const QString &path);

private:
    Topology m_topology;
    QUndoStack m_undoStack;
    QString m_filePath;
};

} // namespace Loadstar
