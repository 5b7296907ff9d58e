#pragma once

#include "model/Topology.h"

#include <QList>
#include <QSet>
#include <QString>

namespace Loadstar {

enum class Severity { Info, Warning, Error };
QString severityId(Severity severity);   // "info", "warning", "error" (lint --json)
QString severityName(Severity severity); // "Info", "Warning", "Error" (panels)

// The edits a finding can offer; QuickFixCommand (document/) makes each an
// undoable step.
enum class QuickFix {
    None,
    AddLoadBalancer, // a second load balancer sharing a virtual address with the first
    AddReplica,      // a standby replica of a primary, linked like the primary
    AddFirewall,     // a firewall between the clients and a load balancer
    EnableTls,       // TLS on a load balancer the clients reach
    AddHealthCheck,  // the kind's default check on a server or database
};

// One weakness of a drawing. `code` is stable (tests, lint --json and the UI
// key on it); `message` is one line that says what and why.
struct Finding
{
    QString code;
    Severity severity = Severity::Warning;
    QString message;
    QList<NodeId> nodes;  // the nodes it concerns; the first is the one to fix
    QList<LinkId> links;  // the links it concerns
    QList<NodeId> cutOff; // single points of failure: what their failure cuts off from the clients
    QuickFix fix = QuickFix::None;
    QString fixLabel;     // "Add a second load balancer"; empty when fix is None

    bool operator==(const Finding &) const = default;
};

// Every finding of a drawing, in a stable order: the validator's problems
// first (severity Error, with their own codes: the drawing cannot run as
// drawn), then the weaknesses of a design that runs (severity Warning):
//   "spof"                 a node whose failure disconnects a client from
//                          every web/app server or every database it
//                          reaches (a dominator of them in the traffic
//                          graph: a tier of one, or the one load balancer),
//                          or a primary database clients write to that has
//                          no standby replica to take over
//   "no-tls"               a client reaches an http load balancer without TLS
//   "no-firewall"          a client reaches a listener (load balancer, web
//                          or app server) with no firewall in front
//   "database-exposed"     a client reaches a database without passing a web
//                          or app server
//   "no-health-check"      a server or database with check "none": nothing
//                          notices when it dies
//   "replica-without-source" a replica no replication link feeds
// Firewalls are rules on the listeners they guard, not boxes that fail, and
// monitors carry no traffic: neither is ever a single point of failure.
// Pure and thread-safe: large drawings are analysed off the GUI thread.
QList<Finding> analyze(const Topology &topology);

// What failing some nodes does, without any traffic: the nodes and links no
// client reaches any more, and the clients that lose service (every web/app
// server, or every database, they reached before).
struct WhatIf
{
    QSet<NodeId> failed;
    QSet<NodeId> unreachable; // not counting the failed nodes themselves
    QSet<LinkId> deadLinks;   // links from or into a failed or unreachable node
    QList<NodeId> clientsLosingService;
    QString summary;          // "client loses service: no web server is reachable"
};
WhatIf whatIf(const Topology &topology, const QSet<NodeId> &failed);

} // namespace Loadstar
