#pragma once

#include <QList>
#include <QString>

#include <optional>

namespace Loadstar {

// The kinds of node a user can draw. Their string ids are written into
// documents, so they never change once released.
enum class NodeKind { Client, LoadBalancer, WebServer, AppServer, Database, Firewall, Monitor };

// What travels over a link. It follows from the kinds of the two nodes it joins
// (see linkKindFor), so a user never picks it by hand.
enum class LinkKind { Http, Tcp, Replication };

QList<NodeKind> allNodeKinds();
QList<LinkKind> allLinkKinds();

QString nodeKindId(NodeKind kind);              // "load-balancer"
QString nodeKindName(NodeKind kind);            // "load balancer", for messages
std::optional<NodeKind> nodeKindFromId(const QString &id);
QString nodeNameBase(NodeKind kind);            // "web": new nodes become web-01, web-02…

QString linkKindId(LinkKind kind);              // "replication"
QString linkKindName(LinkKind kind);            // "replication", for messages
std::optional<LinkKind> linkKindFromId(const QString &id);

// Servers are what a load balancer balances across.
bool isServerKind(NodeKind kind);

// The link a user gets when connecting `from` to `to`, or the reason no link
// makes sense there (one short sentence, shown next to the cursor).
struct LinkRule
{
    std::optional<LinkKind> kind;
    QString refusal;
};
LinkRule linkKindFor(NodeKind from, NodeKind to);

} // namespace Loadstar
