#pragma once

#include "Kinds.h"

#include <QList>
#include <QPointF>
#include <QString>
#include <QVariantMap>

namespace Loadstar {

using NodeId = quint32;
using LinkId = quint32;

// A node the user drew. Its properties always hold every key of its kind's
// schema, in the schema's canonical types, so two equal drawings compare
// equal and every reader finds every value.
struct Node
{
    NodeId id = 0;
    NodeKind kind = NodeKind::WebServer;
    QString name;
    QPointF position;
    QVariantMap properties;

    // A node of `kind` with every property at its default.
    static Node make(NodeKind kind, const QString &name, QPointF position = {});

    QVariant property(const QString &key) const;
    int intProperty(const QString &key) const { return property(key).toInt(); }
    bool boolProperty(const QString &key) const { return property(key).toBool(); }
    QString stringProperty(const QString &key) const { return property(key).toString(); }

    // Sets a property after converting it with the schema; returns the error
    // message and leaves the node unchanged when the value does not fit.
    QString setProperty(const QString &key, const QVariant &value);

    // Sets a property read from a file. A value that does not convert is kept
    // as it was read, so nothing in a file is lost and validation reports it.
    void restoreProperty(const QString &key, const QVariant &value);

    // "127.0.0.1:8081" for nodes with an address and port, else empty.
    QString endpoint() const;

    bool operator==(const Node &other) const = default;
};

struct Link
{
    LinkId id = 0;
    LinkKind kind = LinkKind::Http;
    NodeId from = 0;
    NodeId to = 0;

    bool operator==(const Link &other) const = default;
};

// The drawing as a plain value: nodes and links, ordered by id. It does no
// I/O and knows nothing of undo; the Document edits it and views observe the
// Document.
class Topology
{
public:
    const QList<Node> &nodes() const { return m_nodes; }
    const QList<Link> &links() const { return m_links; }
    bool isEmpty() const { return m_nodes.isEmpty() && m_links.isEmpty(); }

    const Node *node(NodeId id) const;
    Node *node(NodeId id);
    const Node *nodeByName(const QString &name) const;
    const Link *link(LinkId id) const;

    // Inserts a node, giving it a fresh id when its id is 0. Returns the id.
    NodeId addNode(Node node);
    // Inserts a link, giving it a fresh id when its id is 0. Returns the id.
    LinkId addLink(Link link);
    // Adds a link of the kind that fits its two nodes (see linkKindFor).
    LinkId connect(NodeId from, NodeId to);

    // Removes a node and every link touching it; returns those links.
    QList<Link> removeNode(NodeId id);
    bool removeLink(LinkId id);

    QList<Link> linksFrom(NodeId id) const;
    QList<Link> linksTo(NodeId id) const;

    // "web-03" when "web-01" and "web-02" exist and base is "web".
    QString uniqueName(const QString &base) const;
    // Moves a node with a port to the next port no node here listens on at
    // its address, so a new or pasted server runs beside the others.
    void assignFreePort(Node &node) const;
    // The first spot at `start` or further along `step` with no node's centre
    // within `minimumDistance`, so a new node does not land on top of another.
    QPointF freeSpot(QPointF start, QPointF step, qreal minimumDistance = 110) const;
    // A node of `kind` ready to add: next id, unique name, free port.
    Node makeNewNode(NodeKind kind, QPointF position) const;

    NodeId nextNodeId() const;
    LinkId nextLinkId() const;

    bool operator==(const Topology &other) const = default;

private:
    QList<Node> m_nodes;
    QList<Link> m_links;
};

} // namespace Loadstar
