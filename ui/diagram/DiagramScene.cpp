#include "DiagramScene.h"

#include "DiagramView.h"
#include "LinkItem.h"
#include "NodeItem.h"
#include "Overlays.h"
#include "document/Clipboard.h"
#include "document/Commands.h"
#include "document/Document.h"

#include <QApplication>
#include <QClipboard>
#include <QEvent>
#include <QGraphicsPathItem>
#include <QGraphicsSceneMouseEvent>
#include <QGraphicsView>
#include <QKeyEvent>
#include <QMimeData>
#include <QPainter>
#include <QSet>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <utility>

namespace Loadstar::Ui {

namespace {

// Alignment guides catch a card this many pixels (on screen) from alignment.
constexpr qreal GuideTolerance = 6.0;
// Cards further away than this (scene units) are not considered for guides,
// so a drag on a large drawing looks at a band of cards, not all of them.
constexpr qreal GuideReach = 2500.0;
// Extra pixels around a port that still count as pointing at it.
constexpr qreal PortSlack = 4.0;
// How long a refusal stays next to the cursor after the button is released.
constexpr int RefusalShownMs = 2500;
// Moving traffic: about 30 frames a second, fewer when frames are costly.
constexpr int FlowFrameMs = 33;
constexpr int SlowestFlowFrameMs = 250;

QGraphicsView *viewOf(const QGraphicsSceneEvent *event)
{
    QWidget *widget = event->widget();
    return widget ? qobject_cast<QGraphicsView *>(widget->parentWidget()) : nullptr;
}

qreal zoomOf(const QGraphicsView *view)
{
    return view ? std::max<qreal>(view->transform().m11(), 0.01) : 1.0;
}

} // namespace

DiagramScene::DiagramScene(QObject *parent)
    : QGraphicsScene(parent)
    , m_colors(DiagramStyle::Colors::fromPalette(palette()))
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
    m_flowTimer = new QTimer(this);
    m_flowTimer->setInterval(FlowFrameMs);
    connect(m_flowTimer, &QTimer::timeout, this, &DiagramScene::animateFlow);

    // The drawing changes one item at a time; a BSP index keeps lookups fast
    // on large drawings.
    setItemIndexMethod(BspTreeIndex);

    QPen guidePen(m_colors.guide, 1.0);
    guidePen.setCosmetic(true);
    m_guides = new QGraphicsPathItem;
    m_guides->setPen(guidePen);
    m_guides->setZValue(5.0);
    m_guides->setAcceptedMouseButtons(Qt::NoButton);
    m_guides->hide();

    QPen draftPen(m_colors.selection, 1.5, Qt::DashLine);
    draftPen.setCosmetic(true);
    m_linkDraft = new QGraphicsPathItem;
    m_linkDraft->setPen(draftPen);
    m_linkDraft->setZValue(5.0);
    m_linkDraft->setAcceptedMouseButtons(Qt::NoButton);
    m_linkDraft->hide();

    m_hint = new HintItem;
    m_hint->hide();
    m_hintTimer = new QTimer(this);
    m_hintTimer->setSingleShot(true);
    connect(m_hintTimer, &QTimer::timeout, this, &DiagramScene::hideHint);
}

DiagramScene::~DiagramScene()
{
    // Overlays not in the scene are not deleted with it.
    const QList<QGraphicsItem *> overlays{m_guides, m_linkDraft, m_hint};
    for (QGraphicsItem *overlay : overlays) {
        if (!overlay->scene())
            delete overlay;
    }
}

void DiagramScene::attachOverlays()
{
    // Only while the user edits: the scene's items are the drawing otherwise.
    const QList<QGraphicsItem *> overlays{m_guides, m_linkDraft, m_hint};
    for (QGraphicsItem *overlay : overlays) {
        if (!overlay->scene())
            addItem(overlay);
    }
}

void DiagramScene::detachOverlays()
{
    const QList<QGraphicsItem *> overlays{m_guides, m_linkDraft, m_hint};
    for (QGraphicsItem *overlay : overlays) {
        overlay->hide();
        if (overlay->scene() == this)
            removeItem(overlay);
    }
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

void DiagramScene::setLiveStates(const QHash<QString, NodeLiveState> &states)
{
    const NodeLiveState stopped;
    const QDateTime now = m_clock();
    for (NodeItem *item : std::as_const(m_nodes)) {
        const auto found = states.constFind(item->displayName());
        item->setLiveState(found != states.cend() ? *found : stopped, now);
    }
    updateLinkLiveStates();
}

namespace {

// Every item's mark, from the findings that concern it: the worst severity,
// the messages worst first.
template<typename Id>
QHash<Id, FindingMark> marksOf(const QList<Finding> &findings, QList<Id> Finding::*items)
{
    QHash<Id, FindingMark> marks;
    for (Severity severity : {Severity::Error, Severity::Warning, Severity::Info}) {
        for (const Finding &finding : findings) {
            if (finding.severity != severity)
                continue;
            for (Id id : finding.*items) {
                FindingMark &mark = marks[id];
                if (mark.isEmpty())
                    mark.severity = severity;
                const QString line = SeverityMark::tooltipLine(finding);
                if (!mark.messages.contains(line))
                    mark.messages.append(line);
            }
        }
    }
    return marks;
}

} // namespace

void DiagramScene::setFindings(const QList<Finding> &findings)
{
    if (findings == m_findings)
        return;
    m_findings = findings;
    QHash<NodeId, FindingMark> nodeMarks = marksOf(findings, &Finding::nodes);
    QHash<LinkId, FindingMark> linkMarks = marksOf(findings, &Finding::links);
    // Only the items whose mark appears, changes or goes are touched.
    for (auto it = m_nodeMarks.cbegin(); it != m_nodeMarks.cend(); ++it) {
        if (!nodeMarks.contains(it.key()))
            nodeMarks.insert(it.key(), FindingMark());
    }
    for (auto it = m_linkMarks.cbegin(); it != m_linkMarks.cend(); ++it) {
        if (!linkMarks.contains(it.key()))
            linkMarks.insert(it.key(), FindingMark());
    }
    for (auto it = nodeMarks.cbegin(); it != nodeMarks.cend(); ++it) {
        if (NodeItem *item = m_nodes.value(it.key()))
            item->setFindingMark(it.value());
    }
    for (auto it = linkMarks.cbegin(); it != linkMarks.cend(); ++it) {
        if (LinkItem *item = m_links.value(it.key()))
            item->setFindingMark(it.value());
    }
    nodeMarks.removeIf([](const auto &entry) { return entry.value().isEmpty(); });
    linkMarks.removeIf([](const auto &entry) { return entry.value().isEmpty(); });
    m_nodeMarks = std::move(nodeMarks);
    m_linkMarks = std::move(linkMarks);
}

void DiagramScene::setWhatIf(const WhatIf &whatIf)
{
    const WhatIf old = std::exchange(m_whatIf, whatIf);
    // The cards and links either value greys: the rest are left alone.
    QSet<NodeId> nodes = old.failed + old.unreachable;
    nodes += whatIf.failed + whatIf.unreachable;
    for (NodeId id : std::as_const(nodes)) {
        if (NodeItem *item = m_nodes.value(id))
            applyAnalysis(item);
    }
    const QSet<LinkId> links = old.deadLinks + whatIf.deadLinks;
    for (LinkId id : links) {
        if (LinkItem *item = m_links.value(id))
            applyAnalysis(item);
    }
}

void DiagramScene::applyAnalysis(NodeItem *item) const
{
    const NodeId id = item->nodeId();
    item->setFindingMark(m_nodeMarks.value(id));
    if (m_whatIf.failed.contains(id))
        item->setWhatIfRole(NodeItem::WhatIfRole::Failed);
    else if (m_whatIf.unreachable.contains(id))
        item->setWhatIfRole(NodeItem::WhatIfRole::Unreachable);
    else
        item->setWhatIfRole(NodeItem::WhatIfRole::None);
}

void DiagramScene::applyAnalysis(LinkItem *item) const
{
    item->setFindingMark(m_linkMarks.value(item->linkId()));
    item->setCutOff(m_whatIf.deadLinks.contains(item->linkId()));
}

void DiagramScene::clearLiveStates()
{
    setLiveStates({});
}

QHash<QString, NodeLiveState> DiagramScene::liveStates() const
{
    QHash<QString, NodeLiveState> states;
    for (const NodeItem *item : m_nodes) {
        if (item->liveState().running)
            states.insert(item->displayName(), item->liveState());
    }
    return states;
}

void DiagramScene::setClock(Clock clock)
{
    m_clock = std::move(clock);
}

bool DiagramScene::isAnimating() const
{
    return m_flowTimer->isActive();
}

namespace {

// Whether traffic can reach the node of this state: not when it is DOWN or
// in MAINT. A node without a health of its own lets everything through.
bool letsThrough(const NodeLiveState &state)
{
    return !state.running || (state.up && state.admin != QLatin1String("MAINT"));
}

// A replication link as the replica's real replication has it: stopped or
// broken passes nothing; a replica promoted, or repointed to another source,
// no longer replicates along this link.
void replicationOf(LinkLiveState &live, const QString &source, const DatabaseLiveState &replica)
{
    if (!replica.demo)
        return;
    live.replication = replica.replication;
    if (!replica.role.isEmpty() && replica.role != QLatin1String("replica"))
        live.replicationEnded = true;
    else if (!replica.source.isEmpty() && replica.source != source)
        live.replicatesFrom = replica.source;
    if (live.replication == ReplicationState::Stopped
        || live.replication == ReplicationState::Broken)
        live.passable = false;
    if (live.replicationEnded || !live.replicatesFrom.isEmpty())
        live.lagMs = -1; // the lag is another link's
}

} // namespace

// Each link's live state, from the live states of the cards it joins.
void DiagramScene::updateLinkLiveStates()
{
    // A load balancer with no server left to send to passes nothing either.
    QSet<const NodeItem *> usable;
    for (const LinkItem *link : std::as_const(m_links)) {
        const NodeItem *from = link->fromItem();
        const NodeItem *to = link->toItem();
        if (from->node().kind == NodeKind::LoadBalancer && isServerKind(to->node().kind)
            && letsThrough(to->liveState()))
            usable.insert(from);
    }

    m_flowing.clear();
    for (LinkItem *link : std::as_const(m_links)) {
        const NodeItem *fromItem = link->fromItem();
        const NodeItem *toItem = link->toItem();
        const NodeLiveState &from = fromItem->liveState();
        const NodeLiveState &to = toItem->liveState();
        LinkLiveState live;
        live.running = from.running || to.running;
        if (live.running) {
            live.passable = letsThrough(to);
            if (link->link().kind == LinkKind::Replication) {
                live.passable = letsThrough(from) && letsThrough(to);
                live.lagMs = to.replicationLagMs >= 0 ? to.replicationLagMs : from.replicationLagMs;
                replicationOf(live, fromItem->displayName(), to.database);
            } else if (toItem->node().kind == NodeKind::Database && to.database.demo) {
                // The queries this server sends the database, reads and writes.
                const QueryRates rates = to.database.queriesFrom.value(fromItem->displayName());
                live.readsPerSecond = rates.reads;
                live.writesPerSecond = rates.writes;
                live.requestsPerSecond = rates.reads + rates.writes;
            } else if (toItem->node().kind == NodeKind::LoadBalancer) {
                // What enters the load balancer: the sender's rate if it has
                // one, else the load balancer's own (its frontend).
                live.requestsPerSecond = std::max(from.requestsPerSecond >= 0 ? from.requestsPerSecond
                                                                             : to.requestsPerSecond,
                                                  0.0);
                live.passable = live.passable && usable.contains(toItem);
            } else if (fromItem->node().kind == NodeKind::LoadBalancer) {
                live.requestsPerSecond = std::max(to.requestsPerSecond, 0.0);
                live.passable = live.passable && usable.contains(fromItem);
            }
        }
        // The target's health colours the traffic; without traffic it shows
        // nothing, so it changes nothing (and repaints nothing).
        if (live.requestsPerSecond > 0 && isServerKind(toItem->node().kind))
            live.tone = healthToneOf(to);
        link->setLiveState(live);
        if (link->isFlowing())
            m_flowing.append(link);
    }

    if (m_flowing.isEmpty()) {
        m_flowTimer->stop();
        m_flowClock.invalidate();
    } else if (!m_flowTimer->isActive()) {
        m_flowTimer->start();
    }
}

void DiagramScene::animateFlow()
{
    // In an overview on screen (below SimplifiedBelowZoom) links are drawn
    // without moving dashes: repainting them would show nothing new.
    const QList<QGraphicsView *> shownIn = views();
    const bool dashesShown = shownIn.isEmpty()
                             || std::any_of(shownIn.cbegin(), shownIn.cend(), [](const QGraphicsView *view) {
                                    return view->transform().m11() >= DiagramStyle::SimplifiedBelowZoom;
                                });
    if (!dashesShown)
        return;
    const int interval = flowFrameInterval(lastFrameNs());
    m_flowTimer->setInterval(interval > 0 ? interval : SlowestFlowFrameMs);
    if (interval == 0) { // frames too costly to move: the traffic stands still until they are cheaper
        m_flowClock.invalidate();
        return;
    }
    // The dashes move by the time that passed, so their pace does not
    // depend on the frame rate.
    const qint64 elapsedMs = m_flowClock.isValid() ? m_flowClock.restart() : FlowFrameMs;
    if (!m_flowClock.isValid())
        m_flowClock.start();
    const qreal seconds = qreal(std::clamp<qint64>(elapsedMs, 1, SlowestFlowFrameMs)) / 1000.0;
    // Each flowing link repaints only its own rectangle.
    for (LinkItem *link : std::as_const(m_flowing))
        link->advanceFlow(seconds);
}

qint64 DiagramScene::lastFrameNs() const
{
    qint64 frameNs = 0;
    for (const QGraphicsView *view : views()) {
        if (const auto *diagram = qobject_cast<const DiagramView *>(view))
            frameNs = std::max(frameNs, diagram->lastFrameNs());
    }
    return frameNs;
}

int DiagramScene::flowFrameInterval(qint64 frameNs)
{
    // A frame budget: moving traffic takes at most a quarter of the GUI
    // thread, so a large drawing whose frames cost 16 ms moves at 15 frames
    // a second and the window still answers at once.
    const qint64 budgetMs = 4 * frameNs / 1'000'000;
    if (budgetMs > SlowestFlowFrameMs)
        return 0; // fewer than 4 frames a second: a stutter, not motion
    return int(std::max<qint64>(budgetMs, FlowFrameMs));
}

QRectF DiagramScene::contentsRect() const
{
    // Worked out once per change: views and the minimap ask often.
    if (!m_contentsRect) {
        QRectF rect;
        for (const NodeItem *item : m_nodes)
            rect |= item->sceneBoundingRect();
        for (const LinkItem *item : m_links)
            rect |= item->sceneBoundingRect();
        m_contentsRect = rect;
    }
    return *m_contentsRect;
}

void DiagramScene::announceContentsChanged()
{
    m_contentsRect.reset();
    if (!m_rebuilding)
        emit contentsChanged();
}

void DiagramScene::clearItems()
{
    cancelInteraction();
    detachOverlays();
    // Links first: they point at the cards.
    m_flowing.clear();
    m_flowTimer->stop();
    qDeleteAll(m_links);
    m_links.clear();
    qDeleteAll(m_nodes);
    m_nodes.clear();
}

void DiagramScene::rebuild()
{
    clearItems();
    // Another drawing: the old one's findings and what-if mean nothing here
    // (the analysis of the new one follows).
    m_findings.clear();
    m_nodeMarks.clear();
    m_linkMarks.clear();
    m_whatIf = WhatIf();
    m_rebuilding = true; // one announcement at the end, not one per item
    if (m_document) {
        const Topology &topology = m_document->topology();
        for (const Node &node : topology.nodes()) {
            auto *item = new NodeItem(node);
            applyAnalysis(item);
            m_nodes.insert(node.id, item);
            addItem(item);
        }
        for (const Link &link : topology.links())
            addLink(link.id);
    }
    m_rebuilding = false;
    announceContentsChanged();
}

void DiagramScene::addNode(NodeId id)
{
    const Node *node = m_document ? m_document->topology().node(id) : nullptr;
    if (!node || m_nodes.contains(id))
        return;
    auto *item = new NodeItem(*node);
    applyAnalysis(item);
    m_nodes.insert(id, item);
    addItem(item);
    announceContentsChanged();
}

void DiagramScene::removeNode(NodeId id)
{
    NodeItem *item = m_nodes.value(id);
    if (!item)
        return;
    if (m_mode != Mode::Idle)
        cancelInteraction();
    m_nodes.remove(id);
    // The document announces the node's links first; drop any left over.
    const QList<LinkItem *> links = item->links();
    for (LinkItem *link : links)
        removeLink(link->linkId());
    delete item;
    announceContentsChanged();
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
        announceContentsChanged();
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
    item->setOrthogonal(m_orthogonalLinks);
    applyAnalysis(item);
    from->addLink(item);
    to->addLink(item);
    m_links.insert(id, item);
    addItem(item);
    spreadParallelLinks(link->from, link->to);
    announceContentsChanged();
}

void DiagramScene::removeLink(LinkId id)
{
    LinkItem *item = m_links.take(id);
    if (!item)
        return;
    m_flowing.removeOne(item);
    if (m_flowing.isEmpty())
        m_flowTimer->stop();
    NodeItem *from = item->fromItem();
    NodeItem *to = item->toItem();
    from->removeLink(item);
    to->removeLink(item);
    delete item;
    spreadParallelLinks(from->nodeId(), to->nodeId());
    announceContentsChanged();
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
    const QTransform transform = painter->worldTransform();
    const qreal zoom = transform.m11();
    if (zoom * DiagramStyle::GridSpacing < 9.0)
        return;
    const qreal step = DiagramStyle::GridSpacing;
    // Dots centred just outside `rect` still reach into it (the clip keeps
    // them in), so a partial repaint leaves no half dots at its edges.
    const qreal reach = 2.0 / zoom;
    const QRectF area = rect.adjusted(-reach, -reach, reach, reach);
    const qreal left = std::floor(area.left() / step) * step;
    const qreal top = std::floor(area.top() / step) * step;
    // Each dot is a round dot 1.6 pixels wide. Stroking thousands of them
    // cost a fifth of a frame, so they are stamped instead: the dot is
    // stroked once for each sub-pixel offset in use at this zoom (a handful),
    // then copied to where it belongs. Stamps are stroked exactly as the dots
    // were (same pen, same scale), so the grid looks the same pixel for pixel.
    const qreal ratio = painter->device()->devicePixelRatioF();
    constexpr int Phases = 64;
    constexpr int Side = 5; // pixels of a stamp; the dot's centre is near (2, 2)
    const int side = int(std::ceil(Side * ratio));
    const qreal centre = std::floor(side / 2.0);
    if (m_dotsColor != m_colors.grid || m_dotsRatio != ratio || m_dotsZoom != zoom) {
        m_dots.clear();
        m_dotsColor = m_colors.grid;
        m_dotsRatio = ratio;
        m_dotsZoom = zoom;
    }
    const auto stamp = [&](int phase) -> const QImage & {
        auto found = m_dots.find(phase);
        if (found != m_dots.end())
            return *found;
        QImage dot(side, side, QImage::Format_ARGB32_Premultiplied);
        dot.fill(Qt::transparent);
        // Aliased, as the dots have always looked: QGraphicsView paints its
        // background cache with a painter of its own, without antialiasing.
        QPainter stroker(&dot);
        stroker.scale(zoom * ratio, zoom * ratio);
        QPen pen(m_colors.grid, 1.6 / zoom);
        pen.setCapStyle(Qt::RoundCap);
        stroker.setPen(pen);
        stroker.drawPoint(QPointF((centre + qreal(phase % Phases) / Phases) / (zoom * ratio),
                                  (centre + qreal(phase / Phases) / Phases) / (zoom * ratio)));
        stroker.end();
        dot.setDevicePixelRatio(ratio);
        return *m_dots.insert(phase, dot);
    };
    // Device pixel (whole) and phase (a fraction) of each column and row.
    const auto split = [&](qreal device, int *pixel, int *phase) {
        const qreal fractions = std::round(device * Phases);
        *pixel = int(std::floor(fractions / Phases));
        *phase = int(fractions) - *pixel * Phases;
        *pixel -= int(centre);
    };
    QList<QPair<int, int>> columns, rows;
    for (qreal x = left; x < area.right(); x += step) {
        int pixel, phase;
        split((x * transform.m11() + transform.dx()) * ratio, &pixel, &phase);
        columns.append({pixel, phase});
    }
    for (qreal y = top; y < area.bottom(); y += step) {
        int pixel, phase;
        split((y * transform.m22() + transform.dy()) * ratio, &pixel, &phase);
        rows.append({pixel, phase});
    }
    painter->save();
    painter->resetTransform();
    for (const auto &[y, phaseY] : std::as_const(rows)) {
        for (const auto &[x, phaseX] : std::as_const(columns))
            painter->drawImage(QPointF(x / ratio, y / ratio), stamp(phaseY * Phases + phaseX));
    }
    painter->restore();
}

} // namespace Loadstar::Ui

namespace Loadstar::Ui {

// --- Selection ---------------------------------------------------------------

QList<NodeId> DiagramScene::selectedNodeIds() const
{
    QList<NodeId> ids;
    for (QGraphicsItem *item : selectedItems()) {
        if (auto *node = qgraphicsitem_cast<NodeItem *>(item))
            ids.append(node->nodeId());
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

QList<LinkId> DiagramScene::selectedLinkIds() const
{
    QList<LinkId> ids;
    for (QGraphicsItem *item : selectedItems()) {
        if (auto *link = qgraphicsitem_cast<LinkItem *>(item))
            ids.append(link->linkId());
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

void DiagramScene::selectNodes(const QList<NodeId> &nodes)
{
    selectItems(nodes, {});
}

void DiagramScene::selectItems(const QList<NodeId> &nodes, const QList<LinkId> &links)
{
    // One selectionChanged for the whole change.
    QSignalBlocker blocker(this);
    clearSelection();
    for (NodeId id : nodes) {
        if (NodeItem *item = m_nodes.value(id))
            item->setSelected(true);
    }
    for (LinkId id : links) {
        if (LinkItem *item = m_links.value(id))
            item->setSelected(true);
    }
    blocker.unblock();
    emit selectionChanged();
}

void DiagramScene::selectAllItems()
{
    selectItems(m_nodes.keys(), m_links.keys());
}

// --- New nodes -----------------------------------------------------------------

QPointF DiagramScene::snapToGrid(QPointF position)
{
    const qreal step = DiagramStyle::SnapSpacing;
    return QPointF(std::round(position.x() / step) * step, std::round(position.y() / step) * step);
}

NodeId DiagramScene::addNodeAt(NodeKind kind, QPointF position)
{
    if (!m_document)
        return 0;
    const Node node = m_document->topology().makeNewNode(kind, snapToGrid(position));
    m_document->undoStack()->push(new AddItemsCommand(m_document, {node}, {}));
    selectNodes({node.id});
    return node.id;
}

// --- Edits of the selection ------------------------------------------------------

void DiagramScene::deleteSelection()
{
    const QList<NodeId> nodes = selectedNodeIds();
    const QList<LinkId> links = selectedLinkIds();
    if (!m_document || (nodes.isEmpty() && links.isEmpty()))
        return;
    m_document->undoStack()->push(new RemoveItemsCommand(m_document, nodes, links));
}

void DiagramScene::copySelection()
{
    const QList<NodeId> nodes = selectedNodeIds();
    if (!m_document || nodes.isEmpty())
        return;
    const QByteArray data = Clipboard::encode(m_document->topology(), nodes);
    auto *mime = new QMimeData;
    mime->setData(QString::fromLatin1(Clipboard::kMimeType), data);
    mime->setText(QString::fromUtf8(data));
    QGuiApplication::clipboard()->setMimeData(mime);
    m_lastPasted = data;
    m_pasteCount = 0;
}

void DiagramScene::cutSelection()
{
    if (selectedNodeIds().isEmpty())
        return;
    copySelection();
    const QList<NodeId> nodes = selectedNodeIds();
    const QList<LinkId> links = selectedLinkIds();
    auto *command = new RemoveItemsCommand(m_document, nodes, links);
    command->setText(command->text().replace(tr("Delete"), tr("Cut")));
    m_document->undoStack()->push(command);
}

bool DiagramScene::clipboardHasItems()
{
    const QMimeData *mime = QGuiApplication::clipboard()->mimeData();
    if (!mime)
        return false;
    if (mime->hasFormat(QString::fromLatin1(Clipboard::kMimeType)))
        return true;
    return mime->text().trimmed().startsWith(QLatin1Char('{'));
}

bool DiagramScene::paste()
{
    const QMimeData *mime = QGuiApplication::clipboard()->mimeData();
    if (!m_document || !mime)
        return false;
    QByteArray data = mime->data(QString::fromLatin1(Clipboard::kMimeType));
    if (data.isEmpty())
        data = mime->text().trimmed().toUtf8();
    if (data.isEmpty()) {
        emit statusMessage(tr("Nothing to paste: the clipboard holds no nodes."));
        return false;
    }
    if (data == m_lastPasted) {
        ++m_pasteCount;
    } else {
        m_lastPasted = data;
        m_pasteCount = 1;
    }
    const qreal step = 2 * DiagramStyle::SnapSpacing * m_pasteCount;
    return pasteData(data, QPointF(step, step), tr("Paste"));
}

void DiagramScene::duplicateSelection()
{
    const QList<NodeId> nodes = selectedNodeIds();
    if (!m_document || nodes.isEmpty())
        return;
    const qreal step = 2 * DiagramStyle::SnapSpacing;
    pasteData(Clipboard::encode(m_document->topology(), nodes), QPointF(step, step),
              tr("Duplicate"));
}

bool DiagramScene::pasteData(const QByteArray &data, QPointF offset, const QString &commandText)
{
    QString error;
    const auto items = Clipboard::decode(data, m_document->topology(), offset, &error);
    if (!items) {
        emit statusMessage(tr("Nothing pasted: the clipboard does not hold Loadstar nodes (%1).")
                               .arg(error));
        return false;
    }
    if (items->nodes.isEmpty())
        return false;
    auto *command = new AddItemsCommand(m_document, items->nodes, items->links);
    command->setText(commandText + command->text().mid(command->text().indexOf(QLatin1Char(' '))));
    m_document->undoStack()->push(command);
    QList<NodeId> nodes;
    for (const Node &node : items->nodes)
        nodes.append(node.id);
    QList<LinkId> links;
    for (const Link &link : items->links)
        links.append(link.id);
    selectItems(nodes, links);
    return true;
}

void DiagramScene::nudgeSelection(QPointF delta)
{
    const QList<NodeId> nodes = selectedNodeIds();
    if (!m_document || nodes.isEmpty())
        return;
    QHash<NodeId, QPointF> from;
    QHash<NodeId, QPointF> to;
    for (NodeId id : nodes) {
        const QPointF position = m_document->topology().node(id)->position;
        from.insert(id, position);
        to.insert(id, position + delta);
    }
    m_document->undoStack()->push(new MoveNodesCommand(m_document, from, to, true));
}

QString DiagramScene::nameRefusal(NodeId id, const QString &name) const
{
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty())
        return tr("A node needs a name.");
    if (!m_document)
        return {};
    const Node *other = m_document->topology().nodeByName(trimmed);
    if (other && other->id != id)
        return tr("“%1” is taken: another node has that name.").arg(trimmed);
    return {};
}

QString DiagramScene::renameNode(NodeId id, const QString &name)
{
    const QString refusal = nameRefusal(id, name);
    if (!refusal.isEmpty())
        return refusal;
    const Node *node = m_document ? m_document->topology().node(id) : nullptr;
    if (node && node->name != name.trimmed())
        m_document->undoStack()->push(new RenameNodeCommand(m_document, id, name.trimmed()));
    return {};
}

void DiagramScene::setOrthogonalLinks(bool orthogonal)
{
    if (m_orthogonalLinks == orthogonal)
        return;
    m_orthogonalLinks = orthogonal;
    for (LinkItem *link : std::as_const(m_links))
        link->setOrthogonal(orthogonal);
    announceContentsChanged();
}

QString DiagramScene::linkHint() const
{
    return m_hint->isVisible() ? m_hint->text() : QString();
}

bool DiagramScene::linkHintIsRefusal() const
{
    return m_hint->isVisible() && m_hint->isRefusal();
}

QList<QLineF> DiagramScene::guideLines() const
{
    return m_guides->isVisible() ? m_guideLines : QList<QLineF>();
}

// --- Mouse and keyboard ------------------------------------------------------------

NodeItem *DiagramScene::nodeAt(QPointF scenePos, const QGraphicsView *view) const
{
    const QList<QGraphicsItem *> found
        = items(scenePos, Qt::IntersectsItemShape, Qt::DescendingOrder,
                view ? view->transform() : QTransform());
    for (QGraphicsItem *item : found) {
        if (auto *node = qgraphicsitem_cast<NodeItem *>(item))
            return node;
    }
    return nullptr;
}

NodeItem *DiagramScene::portNodeAt(QPointF scenePos, qreal tolerance, QPointF *port) const
{
    const QRectF area(scenePos - QPointF(tolerance, tolerance), QSizeF(2 * tolerance, 2 * tolerance));
    for (QGraphicsItem *item : items(area, Qt::IntersectsItemBoundingRect, Qt::DescendingOrder)) {
        auto *node = qgraphicsitem_cast<NodeItem *>(item);
        if (!node)
            continue;
        if (const auto hit = node->portAt(scenePos, tolerance)) {
            *port = *hit;
            return node;
        }
    }
    return nullptr;
}

void DiagramScene::mousePressEvent(QGraphicsSceneMouseEvent *event)
{
    const QGraphicsView *view = viewOf(event);
    const qreal zoom = zoomOf(view);
    const QPointF pos = event->scenePos();
    m_hintTimer->stop();
    hideHint();
    if (m_mode != Mode::Idle)
        cancelInteraction();
    attachOverlays();

    if (event->button() == Qt::LeftButton && m_document) {
        QPointF port;
        const qreal tolerance = (DiagramStyle::PortRadius + PortSlack) / zoom;
        if (NodeItem *source = portNodeAt(pos, tolerance, &port)) {
            m_mode = Mode::DrawingLink;
            m_anchor = source;
            m_linkStart = port;
            updateLinkDraft(pos, view);
            event->accept();
            return;
        }
    }

    QGraphicsItem *item = nullptr;
    for (QGraphicsItem *candidate :
         items(pos, Qt::IntersectsItemShape, Qt::DescendingOrder,
               view ? view->transform() : QTransform())) {
        if (candidate->type() == NodeItem::Type || candidate->type() == LinkItem::Type) {
            item = candidate;
            break;
        }
    }
    if (!item) {
        // Empty canvas: the view draws a rubber band (Ctrl adds to the selection).
        if (event->button() == Qt::RightButton && !(event->modifiers() & Qt::ControlModifier))
            clearSelection();
        event->ignore();
        return;
    }

    event->accept();
    const bool toggle = event->modifiers() & (Qt::ControlModifier | Qt::ShiftModifier);
    if (event->button() == Qt::RightButton) {
        if (!item->isSelected()) {
            clearSelection();
            item->setSelected(true);
        }
        return;
    }
    if (event->button() != Qt::LeftButton)
        return;
    m_reduceSelectionOnRelease = false;
    if (toggle) {
        item->setSelected(!item->isSelected());
    } else if (item->isSelected()) {
        // Maybe the start of a drag of the whole selection; a click without
        // a drag selects just this item on release.
        m_reduceSelectionOnRelease = selectedItems().size() > 1;
    } else {
        QSignalBlocker blocker(this);
        clearSelection();
        blocker.unblock();
        item->setSelected(true);
    }

    auto *node = qgraphicsitem_cast<NodeItem *>(item);
    if (node && node->isSelected()) {
        m_mode = Mode::PressedNode;
        m_anchor = node;
        m_pressScenePos = pos;
        m_pressScreenPos = event->screenPos();
    } else if (m_reduceSelectionOnRelease) {
        m_mode = Mode::PressedNode; // a link of the selection: reduce on release
        m_anchor = nullptr;
        m_pressScenePos = pos;
        m_pressScreenPos = event->screenPos();
    }
    if (m_mode == Mode::PressedNode)
        m_dragStart.clear();
    m_pressed = item;
}

void DiagramScene::mouseMoveEvent(QGraphicsSceneMouseEvent *event)
{
    const QGraphicsView *view = viewOf(event);
    switch (m_mode) {
    case Mode::Idle: {
        QGraphicsScene::mouseMoveEvent(event); // hover
        if (QWidget *viewport = event->widget()) {
            QPointF port;
            const qreal tolerance = (DiagramStyle::PortRadius + PortSlack) / zoomOf(view);
            if (m_document && !(event->buttons() & ~Qt::NoButton)
                && portNodeAt(event->scenePos(), tolerance, &port)) {
                viewport->setCursor(Qt::CrossCursor);
                viewport->setToolTip(tr("Drag to another node to connect"));
            } else if (viewport->cursor().shape() == Qt::CrossCursor) {
                viewport->unsetCursor();
                viewport->setToolTip(QString());
            }
        }
        return;
    }
    case Mode::PressedNode:
        if (!m_anchor)
            return;
        if ((event->screenPos() - m_pressScreenPos).manhattanLength()
            < QApplication::startDragDistance())
            return;
        m_mode = Mode::MovingNodes;
        m_reduceSelectionOnRelease = false;
        m_dragStart.clear();
        for (QGraphicsItem *item : selectedItems()) {
            if (auto *node = qgraphicsitem_cast<NodeItem *>(item))
                m_dragStart.insert(node->nodeId(), node->pos());
        }
        [[fallthrough]];
    case Mode::MovingNodes:
        moveDragged(event->scenePos(), event->modifiers(), zoomOf(view));
        return;
    case Mode::DrawingLink:
        updateLinkDraft(event->scenePos(), view);
        return;
    }
}

void DiagramScene::mouseReleaseEvent(QGraphicsSceneMouseEvent *event)
{
    if (event->button() != Qt::LeftButton) {
        QGraphicsScene::mouseReleaseEvent(event);
        return;
    }
    switch (m_mode) {
    case Mode::Idle:
        QGraphicsScene::mouseReleaseEvent(event);
        return;
    case Mode::PressedNode:
        if (m_reduceSelectionOnRelease && m_pressed) {
            QSignalBlocker blocker(this);
            clearSelection();
            blocker.unblock();
            m_pressed->setSelected(true);
        }
        break;
    case Mode::MovingNodes:
        finishMove();
        break;
    case Mode::DrawingLink:
        finishLink();
        break;
    }
    m_mode = Mode::Idle;
    m_anchor = nullptr;
    m_pressed = nullptr;
    m_reduceSelectionOnRelease = false;
    event->accept();
}

void DiagramScene::mouseDoubleClickEvent(QGraphicsSceneMouseEvent *event)
{
    if (event->button() == Qt::LeftButton) {
        if (NodeItem *node = nodeAt(event->scenePos(), viewOf(event))) {
            cancelInteraction();
            emit renameRequested(node->nodeId());
            event->accept();
            return;
        }
    }
    QGraphicsScene::mouseDoubleClickEvent(event);
}

void DiagramScene::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Escape) {
        if (m_mode != Mode::Idle) {
            cancelInteraction();
        } else {
            clearSelection();
        }
        event->accept();
        return;
    }
    QPointF direction;
    switch (event->key()) {
    case Qt::Key_Left:
        direction = QPointF(-1, 0);
        break;
    case Qt::Key_Right:
        direction = QPointF(1, 0);
        break;
    case Qt::Key_Up:
        direction = QPointF(0, -1);
        break;
    case Qt::Key_Down:
        direction = QPointF(0, 1);
        break;
    default:
        QGraphicsScene::keyPressEvent(event);
        return;
    }
    if (m_mode != Mode::Idle || selectedNodeIds().isEmpty()) {
        event->ignore(); // the view scrolls
        return;
    }
    // One grid step; with Alt one unit, for fine placement.
    const qreal step = (event->modifiers() & Qt::AltModifier) ? 1.0 : DiagramStyle::SnapSpacing;
    nudgeSelection(direction * step);
    event->accept();
}

// --- Dragging cards ------------------------------------------------------------------

void DiagramScene::moveDragged(QPointF scenePos, Qt::KeyboardModifiers modifiers, qreal zoom)
{
    if (!m_anchor || !m_dragStart.contains(m_anchor->nodeId()))
        return;
    const QPointF anchorStart = m_dragStart.value(m_anchor->nodeId());
    const QPointF raw = anchorStart + (scenePos - m_pressScenePos);
    QPointF target = raw;
    m_guideLines.clear();
    if (!(modifiers & Qt::AltModifier)) {
        target = snapToGrid(raw);
        // Alignment with nearby cards wins over the grid. Cards are all the
        // same size, so centres aligned means edges aligned too. Only cards in
        // a band around the dragged one are looked at.
        const qreal tolerance = GuideTolerance / zoom;
        const QSizeF card = DiagramStyle::CardSize;
        const auto nearest = [&](const QRectF &band, bool vertical) -> NodeItem * {
            NodeItem *best = nullptr;
            qreal bestDistance = tolerance;
            qreal bestReach = 0;
            for (QGraphicsItem *item : items(band, Qt::IntersectsItemBoundingRect)) {
                auto *node = qgraphicsitem_cast<NodeItem *>(item);
                if (!node || m_dragStart.contains(node->nodeId()))
                    continue;
                const qreal distance = vertical ? std::abs(node->pos().x() - raw.x())
                                                : std::abs(node->pos().y() - raw.y());
                const qreal reach = QLineF(node->pos(), raw).length();
                if (distance < bestDistance || (distance == bestDistance && reach < bestReach)) {
                    best = node;
                    bestDistance = distance;
                    bestReach = reach;
                }
            }
            return best;
        };
        const QRectF column(raw.x() - tolerance - card.width() / 2, raw.y() - GuideReach,
                            2 * tolerance + card.width(), 2 * GuideReach);
        const QRectF row(raw.x() - GuideReach, raw.y() - tolerance - card.height() / 2,
                         2 * GuideReach, 2 * tolerance + card.height());
        if (NodeItem *other = nearest(column, true)) {
            target.setX(other->pos().x());
            const qreal top = std::min(other->pos().y(), target.y()) - card.height() / 2;
            const qreal bottom = std::max(other->pos().y(), target.y()) + card.height() / 2;
            m_guideLines.append(QLineF(target.x(), top, target.x(), bottom));
        }
        if (NodeItem *other = nearest(row, false)) {
            target.setY(other->pos().y());
            const qreal left = std::min(other->pos().x(), target.x()) - card.width() / 2;
            const qreal right = std::max(other->pos().x(), target.x()) + card.width() / 2;
            m_guideLines.append(QLineF(left, target.y(), right, target.y()));
        }
    }
    const QPointF delta = target - anchorStart;
    for (auto it = m_dragStart.cbegin(); it != m_dragStart.cend(); ++it) {
        if (NodeItem *item = m_nodes.value(it.key()))
            item->setPos(it.value() + delta);
    }
    QPainterPath path;
    for (const QLineF &line : std::as_const(m_guideLines)) {
        path.moveTo(line.p1());
        path.lineTo(line.p2());
    }
    m_guides->setPath(path);
    m_guides->setVisible(!m_guideLines.isEmpty());
}

void DiagramScene::finishMove()
{
    m_guides->hide();
    m_guideLines.clear();
    QHash<NodeId, QPointF> from;
    QHash<NodeId, QPointF> to;
    for (auto it = m_dragStart.cbegin(); it != m_dragStart.cend(); ++it) {
        NodeItem *item = m_nodes.value(it.key());
        if (!item || item->pos() == it.value())
            continue;
        from.insert(it.key(), it.value());
        to.insert(it.key(), item->pos());
    }
    m_dragStart.clear();
    if (!to.isEmpty() && m_document) {
        m_document->undoStack()->push(new MoveNodesCommand(m_document, from, to));
        announceContentsChanged();
    }
}

void DiagramScene::cancelInteraction()
{
    if (m_mode == Mode::MovingNodes) {
        for (auto it = m_dragStart.cbegin(); it != m_dragStart.cend(); ++it) {
            if (NodeItem *item = m_nodes.value(it.key()))
                item->setPos(it.value());
        }
    }
    m_dragStart.clear();
    m_guides->hide();
    m_guideLines.clear();
    m_linkDraft->hide();
    setLinkTarget(nullptr);
    hideHint();
    m_mode = Mode::Idle;
    m_anchor = nullptr;
    m_pressed = nullptr;
    m_reduceSelectionOnRelease = false;
}

// --- Drawing links --------------------------------------------------------------------

void DiagramScene::updateLinkDraft(QPointF scenePos, const QGraphicsView *view)
{
    NodeItem *target = nodeAt(scenePos, view);
    if (target == m_anchor)
        target = nullptr;
    setLinkTarget(target);

    QPainterPath path;
    path.moveTo(m_linkStart);
    path.lineTo(scenePos);
    m_linkDraft->setPath(path);
    m_linkDraft->show();

    if (!target || !m_document) {
        hideHint();
        return;
    }
    const NodeKind fromKind = m_anchor->node().kind;
    const NodeKind toKind = target->node().kind;
    const LinkRule rule = linkKindFor(fromKind, toKind);
    QString refusal = rule.refusal;
    if (rule.kind) {
        for (const Link &link : m_document->topology().linksFrom(m_anchor->nodeId())) {
            if (link.to == target->nodeId()) {
                refusal = tr("already linked");
                break;
            }
        }
    }
    if (!refusal.isEmpty()) {
        target->setTargetState(NodeItem::TargetState::Refused);
        showHint(refusal, true, scenePos, view);
    } else {
        target->setTargetState(NodeItem::TargetState::Accepted);
        showHint(linkKindName(*rule.kind), false, scenePos, view);
    }
}

void DiagramScene::finishLink()
{
    m_linkDraft->hide();
    NodeItem *target = m_linkTarget;
    const bool refused = m_hint->isVisible() && m_hint->isRefusal();
    setLinkTarget(nullptr);
    if (!target || !m_anchor || !m_document) {
        hideHint();
        return;
    }
    if (refused) {
        // The reason stays a moment, so the user can read it.
        m_hintTimer->start(RefusalShownMs);
        return;
    }
    hideHint();
    const LinkRule rule = linkKindFor(m_anchor->node().kind, target->node().kind);
    if (!rule.kind)
        return;
    Link link;
    link.id = m_document->topology().nextLinkId();
    link.kind = *rule.kind;
    link.from = m_anchor->nodeId();
    link.to = target->nodeId();
    auto *command = new AddItemsCommand(m_document, {}, {link});
    command->setText(tr("Connect %1 to %2").arg(m_anchor->displayName(), target->displayName()));
    m_document->undoStack()->push(command);
}

void DiagramScene::setLinkTarget(NodeItem *target)
{
    if (m_linkTarget == target)
        return;
    if (m_linkTarget)
        m_linkTarget->setTargetState(NodeItem::TargetState::None);
    m_linkTarget = target;
}

void DiagramScene::showHint(const QString &text, bool refusal, QPointF scenePos,
                            const QGraphicsView *view)
{
    if (m_hint->text() != text || m_hint->isRefusal() != refusal)
        m_hint->setHint(text, refusal);
    // Below and right of the cursor, a constant distance on screen.
    const qreal zoom = zoomOf(view);
    m_hint->setPos(scenePos + QPointF(16.0 / zoom, 20.0 / zoom));
    m_hint->show();
}

void DiagramScene::hideHint()
{
    m_hint->hide();
}

} // namespace Loadstar::Ui
