#include "DiagramScene.h"

#include "LinkItem.h"
#include "NodeItem.h"
#include "document/Document.h"

#include <QEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace Loadstar::Ui {

DiagramScene::DiagramScene(QObject *parent)
    : QGraphicsScene(parent)
    , m_colors(DiagramStyle::Colors::fromPalette(palette()))
{
    // The drawing changes one item at a time; a BSP index keeps lookups fast
    // on large drawings.
    setItemIndexMethod(BspTreeIndex);
}

void DiagramScene::setDocument(Document *document)
{
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    if (document) {
        connect(document, &Document::nodeAdded, this, &DiagramScene::addNode);
        connect(document, &Document::nodeAboutToBeRemoved, this, &DiagramScene::removeNode);
        connect(document, &Document::nodeChanged, this, &DiagramScene::updateNode);
        connect(document, &Document::linkAdded, this, &DiagramScene::addLink);
        connect(document, &Document::linkAboutToBeRemoved, this, &DiagramScene::removeLink);
        connect(document, &Document::topologyReset, this, &DiagramScene::rebuild);
    }
    rebuild();
}

NodeItem *DiagramScene::nodeItemNamed(const QString &name) const
{
    for (NodeItem *item : m_nodes) {
        if (item->displayName() == name)
            return item;
    }
    return nullptr;
}

QRectF DiagramScene::contentsRect() const
{
    QRectF rect;
    for (const NodeItem *item : m_nodes)
        rect |= item->sceneBoundingRect();
    for (const LinkItem *item : m_links)
        rect |= item->sceneBoundingRect();
    return rect;
}

void DiagramScene::clearItems()
{
    // Links first: they point at the cards.
    qDeleteAll(m_links);
    m_links.clear();
    qDeleteAll(m_nodes);
    m_nodes.clear();
}

void DiagramScene::rebuild()
{
    clearItems();
    if (m_document) {
        const Topology &topology = m_document->topology();
        for (const Node &node : topology.nodes()) {
            auto *item = new NodeItem(node);
            m_nodes.insert(node.id, item);
            addItem(item);
        }
        for (const Link &link : topology.links())
            addLink(link.id);
    }
    emit contentsChanged();
}

void DiagramScene::addNode(NodeId id)
{
    const Node *node = m_document ? m_document->topology().node(id) : nullptr;
    if (!node || m_nodes.contains(id))
        return;
    auto *item = new NodeItem(*node);
    m_nodes.insert(id, item);
    addItem(item);
    emit contentsChanged();
}

void DiagramScene::removeNode(NodeId id)
{
    NodeItem *item = m_nodes.take(id);
    if (!item)
        return;
    // The document announces the node's links first; drop any left over.
    const QList<LinkItem *> links = item->links();
    for (LinkItem *link : links)
        removeLink(link->linkId());
    delete item;
    emit contentsChanged();
}

void DiagramScene::updateNode(NodeId id)
{
    NodeItem *item = m_nodes.value(id);
    const Node *node = m_document ? m_document->topology().node(id) : nullptr;
    if (!item || !node)
        return;
    const bool moved = item->pos() != node->position;
    item->setNode(*node);
    // Links show the names of their ends in their tooltips.
    for (LinkItem *link : item->links())
        link->updateGeometry();
    if (moved)
        emit contentsChanged();
}

void DiagramScene::addLink(LinkId id)
{
    const Link *link = m_document ? m_document->topology().link(id) : nullptr;
    if (!link || m_links.contains(id))
        return;
    NodeItem *from = m_nodes.value(link->from);
    NodeItem *to = m_nodes.value(link->to);
    if (!from || !to)
        return; // a dangling link; validation reports it
    auto *item = new LinkItem(*link, from, to);
    from->addLink(item);
    to->addLink(item);
    m_links.insert(id, item);
    addItem(item);
    spreadParallelLinks(link->from, link->to);
    emit contentsChanged();
}

void DiagramScene::removeLink(LinkId id)
{
    LinkItem *item = m_links.take(id);
    if (!item)
        return;
    NodeItem *from = item->fromItem();
    NodeItem *to = item->toItem();
    from->removeLink(item);
    to->removeLink(item);
    delete item;
    spreadParallelLinks(from->nodeId(), to->nodeId());
    emit contentsChanged();
}

void DiagramScene::spreadParallelLinks(NodeId a, NodeId b)
{
    NodeItem *item = m_nodes.value(a);
    if (!item)
        return;
    QList<LinkItem *> between;
    for (LinkItem *link : item->links()) {
        const Link &l = link->link();
        if ((l.from == a && l.to == b) || (l.from == b && l.to == a))
            between.append(link);
    }
    std::sort(between.begin(), between.end(),
              [](const LinkItem *x, const LinkItem *y) { return x->linkId() < y->linkId(); });
    // Side by side, centred on the line between the two cards. Offsets are
    // measured along the pair's normal (see LinkItem), whatever each link's
    // direction, so every link keeps a track of its own.
    const qreal middle = qreal(between.size() - 1) / 2.0;
    for (qsizetype i = 0; i < between.size(); ++i)
        between.at(i)->setParallelOffset((qreal(i) - middle) * DiagramStyle::ParallelLinkSpacing);
}

bool DiagramScene::event(QEvent *event)
{
    const bool result = QGraphicsScene::event(event);
    if (event->type() == QEvent::PaletteChange) {
        m_colors = DiagramStyle::Colors::fromPalette(palette());
        invalidate(sceneRect(), AllLayers);
        update();
    }
    return result;
}

void DiagramScene::drawBackground(QPainter *painter, const QRectF &rect)
{
    painter->fillRect(rect, m_colors.canvas);
    // A quiet dot grid; hidden when zoomed out so far that it would be noise.
    const qreal zoom = painter->worldTransform().m11();
    if (zoom * DiagramStyle::GridSpacing < 9.0)
        return;
    const qreal step = DiagramStyle::GridSpacing;
    const qreal left = std::floor(rect.left() / step) * step;
    const qreal top = std::floor(rect.top() / step) * step;
    QList<QPointF> dots;
    dots.reserve(qsizetype((rect.width() / step + 2) * (rect.height() / step + 2)));
    for (qreal x = left; x < rect.right(); x += step) {
        for (qreal y = top; y < rect.bottom(); y += step)
            dots.append(QPointF(x, y));
    }
    QPen pen(m_colors.grid, 1.6 / zoom);
    pen.setCapStyle(Qt::RoundCap);
    painter->setPen(pen);
    painter->drawPoints(dots.constData(), int(dots.size()));
}

} // namespace Loadstar::Ui
