#pragma once

#include "ExternalHaproxyWatcher.h"
#include "engine/health/HealthMonitor.h"
#include "model/Topology.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <vector>

namespace Loadstar::External {

// The one rule matching a server of HAProxy's statistics to a drawn node,
// for watching and for importing alike: the node is named as the server
// (svname), or "<backend>-<svname>" when servers of that name sit in
// several backends.
QString serverNodeName(const HaproxyStats &stats, const QString &backend, const QString &server);

// A drawn server as HAProxy names it: where runtime actions go.
struct HaproxyServerRef
{
    QString backend;
    QString server;

    bool operator==(const HaproxyServerRef &) const = default;
};

// The drawn servers (node names) found in the statistics, and what HAProxy
// calls them.
QHash<QString, HaproxyServerRef> matchedServers(const HaproxyStats &stats, const QStringList &drawn);

// An external HAProxy's servers in the words the embedded engine uses, so
// their cards read exactly as an embedded server's in the same state: each
// drawn server's health as the health monitor reports one (frontend the
// load balancer's node name, server the node's), and stats rows as the
// engine writes them (pxname the load balancer's node name, svname the
// server's node name; a FRONTEND row carrying the load balancer's traffic).
// While the statistics are lost, or not read yet, the servers' state is
// unknown — never DOWN — and there are no rows.
struct ExternalView
{
    QList<Health::ServerHealth> health;
    std::vector<Engine::StatsRow> rows;
};
ExternalView externalViewOf(const ExternalSnapshot &snapshot, const QStringList &drawnServers);

// Whether HAProxy's status is a server taking (or finishing) traffic: UP,
// "UP 1/3", DRAIN, NOLB, "no check".
bool isUp(const QString &status);

// HAProxy's status word as a card shows it: "MAINT (via bk/s1)" and
// "MAINT (resolution)" are MAINT.
QString cardStatusOf(const QString &haproxyStatus);

// What importing an external HAProxy's servers adds to a drawing: a node
// for each server of its statistics no drawn node matches (a web server for
// an http backend, an app server otherwise), placed below the load balancer,
// and a link from the load balancer to each (a node of that name already
// drawn elsewhere is linked, not added again).
struct ExternalImport
{
    QList<Node> nodes;
    QList<Link> links;
    int backends = 0; // backends that brought a node or a link
    int servers = 0;  // servers that did

    bool isEmpty() const { return links.isEmpty(); }
    // "Imported 2 backends, 4 servers from haproxy-01".
    QString summary(const QString &loadBalancer) const;
};
ExternalImport externalImportOf(const HaproxyStats &stats, const Topology &topology, NodeId loadBalancer);

} // namespace Loadstar::External
