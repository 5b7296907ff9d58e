#pragma once

#include "DiagramStyle.h"
#include "document/Document.h"
#include "model/Topology.h"

#include <QGraphicsScene>
#include <QHash>
#include <QPointer>

namespace Loadstar::Ui {

class LinkItem;
class NodeItem;

// The drawing as graphics items: one NodeItem per node, one LinkItem per link.
// It observes a Document and adds, removes and updates items one by one as
// the document's signals say, so an edit on a large drawing touches only what
// changed. It never edits the document; the views send commands.
class DiagramScene final : public QGraphicsScene
{
    Q_OBJECT

public:
    explicit DiagramScene(QObject *parent = nullptr);

    // Shows `document` (may be null); the scene does not own it.
    void setDocument(Document *document);
    Document *document() const { return m_document; }

    NodeItem *nodeItem(NodeId id) const { return m_nodes.value(id); }
    LinkItem *linkItem(LinkId id) const { return m_links.value(id); }
    QList<NodeItem *> nodeItems() const { return m_nodes.values(); }
    QList<LinkItem *> linkItems() const { return m_links.values(); }
    NodeItem *nodeItemNamed(const QString &name) const;

    // The rectangle the drawing covers (cards, links and labels).
    QRectF contentsRect() const;

    const DiagramStyle::Colors &colors() const { return m_colors; }

signals:
    // Items were added, removed or moved; the drawing's extent may differ.
    void contentsChanged();

protected:
    bool event(QEvent *event) override;
    void drawBackground(QPainter *painter, const QRectF &rect) override;

private:
    void rebuild();
    void clearItems();
    void addNode(NodeId id);
    void removeNode(NodeId id);
    void updateNode(NodeId id);
    void addLink(LinkId id);
    void removeLink(LinkId id);
    void spreadParallelLinks(NodeId a, NodeId b);

    QPointer<Document> m_document;
    QHash<NodeId, NodeItem *> m_nodes;
    QHash<LinkId, LinkItem *> m_links;
    DiagramStyle::Colors m_colors;
};

} // namespace Loadstar::Ui
