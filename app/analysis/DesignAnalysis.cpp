#include "DesignAnalysis.h"

#include "model/Validator.h"

#include <QHash>
#include <QObject>

#include <algorithm>

namespace Loadstar {

QString severityId(Severity severity)
{
    switch (severity) {
    case Severity::Info:
        return QStringLiteral("info");
    case Severity::Warning:
        return QStringLiteral("warning");
    case Severity::Error:
        return QStringLiteral("error");
    }
    return {};
}

QString severityName(Severity severity)
{
    switch (severity) {
    case Severity::Info:
        return QObject::tr("Info");
    case Severity::Warning:
        return QObject::tr("Warning");
    case Severity::Error:
        return QObject::tr("Error");
    }
    return {};
}

namespace {

bool isWebTier(NodeKind kind)
{
    return kind == NodeKind::WebServer || kind == NodeKind::AppServer;
}

// The traffic graph: nodes by dense index, edges along the links that carry
// requests (not replication, not a monitor's checks).
class TrafficGraph
{
public:
    explicit TrafficGraph(const Topology &topology)
        : m_topology(topology)
    {
        const QList<Node> &nodes = topology.nodes();
        m_successors.resize(nodes.size());
        m_predecessors.resize(nodes.size());
        for (int i = 0; i < nodes.size(); ++i)
            m_index.insert(nodes.at(i).id, i);
        for (const Link &link : topology.links()) {
            if (link.kind == LinkKind::Replication)
                continue;
            const int from = m_index.value(link.from, -1);
            const int to = m_index.value(link.to, -1);
            if (from < 0 || to < 0 || from == to || nodes.at(from).kind == NodeKind::Monitor)
                continue;
            m_successors[from].append(to);
            m_predecessors[to].append(from);
        }
        for (int i = 0; i < nodes.size(); ++i) {
            if (nodes.at(i).kind == NodeKind::Client)
                m_clients.append(i);
        }
    }

    int size() const { return int(m_successors.size()); }
    const Node &node(int i) const { return m_topology.nodes().at(i); }
    int indexOf(NodeId id) const { return m_index.value(id, -1); }
    const QList<int> &clients() const { return m_clients; }
    const QList<int> &successors(int i) const { return m_successors.at(i); }

    // Nodes reached from `start` without entering a node of `blocked`, in
    // breadth-first order (start first); `through` limits which nodes
    // traffic may pass on from.
    template<typename Through>
    QList<int> reach(int start, const QList<bool> &blocked, Through through) const
    {
        QList<int> order{start};
        QList<bool> seen(size(), false);
        seen[start] = true;
        for (int head = 0; head < order.size(); ++head) {
            const int at = order.at(head);
            if (head > 0 && !through(at))
                continue;
            for (int next : m_successors.at(at)) {
                if (!seen.at(next) && !blocked.at(next)) {
                    seen[next] = true;
                    order.append(next);
                }
            }
        }
        return order;
    }
    QList<int> reach(int start, const QList<bool> &blocked) const
    {
        return reach(start, blocked, [](int) { return true; });
    }

    // Immediate dominators of the nodes `order` reaches from its first node
    // (Cooper, Harvey and Kennedy's iterative algorithm): idom[n] is the last
    // node every path from the client to n passes; -1 outside `order`.
    QList<int> dominators(const QList<int> &order) const
    {
        QList<int> position(size(), -1); // reverse postorder number
        const QList<int> postorder = postorderFrom(order.first(), order);
        for (int i = 0; i < postorder.size(); ++i)
            position[postorder.at(i)] = postorder.size() - 1 - i;
        QList<int> idom(size(), -1);
        const int root = order.first();
        idom[root] = root;
        auto intersect = [&](int a, int b) {
            while (a != b) {
                while (position.at(a) > position.at(b))
                    a = idom.at(a);
                while (position.at(b) > position.at(a))
                    b = idom.at(b);
            }
            return a;
        };
        for (bool changed = true; changed;) {
            changed = false;
            for (int i = postorder.size() - 1; i >= 0; --i) {
                const int n = postorder.at(i);
                if (n == root)
                    continue;
                int chosen = -1;
                for (int p : m_predecessors.at(n)) {
                    if (position.at(p) < 0 || idom.at(p) < 0)
                        continue;
                    chosen = chosen < 0 ? p : intersect(p, chosen);
                }
                if (chosen >= 0 && idom.at(n) != chosen) {
                    idom[n] = chosen;
                    changed = true;
                }
            }
        }
        return idom;
    }

private:
    QList<int> postorderFrom(int root, const QList<int> &reached) const
    {
        QList<bool> inside(size(), false);
        for (int n : reached)
            inside[n] = true;
        QList<bool> visited(size(), false);
        QList<int> postorder;
        // Iterative depth-first search: a drawing of thousands of nodes in
        // a chain must not overflow the stack.
        QList<QPair<int, int>> stack{{root, 0}};
        visited[root] = true;
        while (!stack.isEmpty()) {
            auto &[at, next] = stack.last();
            const QList<int> &successors = m_successors.at(at);
            if (next < successors.size()) {
                const int child = successors.at(next++);
                if (inside.at(child) && !visited.at(child)) {
                    visited[child] = true;
                    stack.append({child, 0});
                }
            } else {
                postorder.append(at);
                stack.removeLast();
            }
        }
        return postorder;
    }

    const Topology &m_topology;
    QHash<NodeId, int> m_index;
    QList<QList<int>> m_successors;
    QList<QList<int>> m_predecessors;
    QList<int> m_clients;
};

QString namesOf(const TrafficGraph &graph, const QList<int> &nodes)
{
    QStringList names;
    for (int n : nodes)
        names.append(graph.node(n).name);
    if (names.size() <= 1)
        return names.join(QString());
    const QString last = names.takeLast();
    return QObject::tr("%1 and %2").arg(names.join(QStringLiteral(", ")), last);
}

QList<NodeId> idsOf(const TrafficGraph &graph, QList<int> nodes)
{
    std::sort(nodes.begin(), nodes.end());
    QList<NodeId> ids;
    for (int n : nodes)
        ids.append(graph.node(n).id);
    return ids;
}

bool canFail(NodeKind kind)
{
    return kind != NodeKind::Client && kind != NodeKind::Firewall && kind != NodeKind::Monitor;
}

bool isPrimary(const Node &node)
{
    return node.kind == NodeKind::Database && node.stringProperty(QStringLiteral("role")) != QLatin1String("replica");
}

bool isStandby(const Node &node)
{
    return node.kind == NodeKind::Database && !isPrimary(node) && node.boolProperty(QStringLiteral("standby"));
}

class Analyzer
{
public:
    explicit Analyzer(const Topology &topology)
        : m_topology(topology)
        , m_graph(topology)
    {}

    QList<Finding> run()
    {
        for (const Problem &problem : validate(m_topology)) {
            m_findings.append({problem.code, Severity::Error, problem.message, problem.nodes, problem.links, {},
                               QuickFix::None, {}});
        }
        findSinglePoints();
        for (int n = 0; n < m_graph.size(); ++n) {
            const Node &node = m_graph.node(n);
            if (node.kind == NodeKind::LoadBalancer || isWebTier(node.kind))
                checkPublicListener(n);
        }
        findExposedDatabases();
        for (const Node &node : m_topology.nodes()) {
            if (isServerKind(node.kind) && node.stringProperty(QStringLiteral("check")) == QLatin1String("none"))
                addNoHealthCheck(node);
            if (node.kind == NodeKind::Database && !isPrimary(node))
                checkReplicaSource(node);
        }
        return m_findings;
    }

private:
    // A node dominating, for some client, every web/app server or every
    // database that client reaches; and the only primary a client writes to.
    void findSinglePoints()
    {
        const int count = m_graph.size();
        QList<QList<int>> cutOff(count);       // per candidate: what it cuts off
        QList<QList<int>> loses(count);        // per candidate: the clients losing service
        QList<QStringList> whatLost(count);    // per candidate: "every web server"…
        for (int client : m_graph.clients()) {
            const QList<int> order = m_graph.reach(client, QList<bool>(count, false));
            const QList<int> idom = m_graph.dominators(order);
            QList<int> web, databases;
            for (int n : order) {
                if (isWebTier(m_graph.node(n).kind))
                    web.append(n);
                else if (m_graph.node(n).kind == NodeKind::Database)
                    databases.append(n);
            }
            auto dominates = [&](int a, int b) {
                for (int n = b;; n = idom.at(n)) {
                    if (n == a)
                        return true;
                    if (n == client || idom.at(n) < 0)
                        return false;
                }
            };
            auto dominatesAll = [&](int candidate, const QList<int> &tier) {
                return !tier.isEmpty()
                       && std::all_of(tier.begin(), tier.end(), [&](int n) { return dominates(candidate, n); });
            };
            for (int candidate : order) {
                if (!canFail(m_graph.node(candidate).kind))
                    continue;
                QStringList lost;
                if (dominatesAll(candidate, web))
                    lost.append(webTierWords(web));
                if (dominatesAll(candidate, databases))
                    lost.append(databases.size() == 1 ? QObject::tr("its database") : QObject::tr("every database"));
                if (lost.isEmpty())
                    continue;
                loses[candidate].append(client);
                for (const QString &words : lost) {
                    if (!whatLost[candidate].contains(words))
                        whatLost[candidate].append(words);
                }
                for (int n : order) {
                    if (n != candidate && !cutOff[candidate].contains(n) && dominates(candidate, n))
                        cutOff[candidate].append(n);
                }
            }
        }
        for (int n = 0; n < count; ++n) {
            const Node &node = m_graph.node(n);
            if (!loses.at(n).isEmpty()) {
                addSinglePoint(n, QObject::tr("%1 is a single point of failure: if it fails, %2 %3 %4")
                                      .arg(node.name, namesOf(m_graph, loses.at(n)),
                                           loses.at(n).size() == 1 ? QObject::tr("loses") : QObject::tr("lose"),
                                           whatLost.at(n).join(QObject::tr(" and "))),
                               cutOff.at(n));
            } else if (isPrimary(node) && reachedByClient(n) && !hasStandby(node)) {
                addSinglePoint(n, QObject::tr("%1 is a single point of failure: it is the only database taking "
                                              "writes, and no standby replica is ready to take over")
                                      .arg(node.name),
                               {});
            } else if (isPrimary(node) && reachedByClient(n) && !node.boolProperty(QStringLiteral("auto_failover"))) {
                addSinglePoint(n, QObject::tr("%1 is a single point of failure: it is the only database taking "
                                              "writes, and its standby waits for someone to promote it")
                                      .arg(node.name),
                               {});
            }
        }
    }

    QString webTierWords(const QList<int> &web) const
    {
        const bool allWeb = std::all_of(web.begin(), web.end(),
                                        [&](int n) { return m_graph.node(n).kind == NodeKind::WebServer; });
        if (web.size() == 1)
            return allWeb ? QObject::tr("its web server") : QObject::tr("its server");
        return allWeb ? QObject::tr("every web server") : QObject::tr("every web and app server");
    }

    void addSinglePoint(int n, const QString &message, const QList<int> &cutOff)
    {
        const Node &node = m_graph.node(n);
        Finding finding{QStringLiteral("spof"), Severity::Warning, message, {node.id}, {}, idsOf(m_graph, cutOff),
                        QuickFix::None, {}};
        if (node.kind == NodeKind::LoadBalancer) {
            finding.fix = QuickFix::AddLoadBalancer;
            finding.fixLabel = QObject::tr("Add a second load balancer");
        } else if (node.kind == NodeKind::Database && isPrimary(node)) {
            // Both halves of a failover: a replica ready to take over and
            // something that promotes it.
            finding.fix = QuickFix::AddReplica;
            finding.fixLabel = hasStandby(node) ? QObject::tr("Turn on automatic failover")
                                                : QObject::tr("Add a standby replica with automatic failover");
        }
        m_findings.append(finding);
    }

    bool reachedByClient(int n) const
    {
        for (int client : m_graph.clients()) {
            if (m_graph.reach(client, QList<bool>(m_graph.size(), false)).contains(n))
                return true;
        }
        return false;
    }

    bool hasStandby(const Node &primary) const
    {
        for (const Link &link : m_topology.linksFrom(primary.id)) {
            const Node *replica = m_topology.node(link.to);
            if (link.kind == LinkKind::Replication && replica && isStandby(*replica))
                return true;
        }
        return false;
    }

    // The links into a listener straight from clients: nothing filters them.
    void checkPublicListener(int n)
    {
        const Node &listener = m_graph.node(n);
        QList<LinkId> fromClients;
        QList<LinkId> public_;
        for (const Link &link : m_topology.linksTo(listener.id)) {
            const Node *from = m_topology.node(link.from);
            if (!from)
                continue;
            if (from->kind == NodeKind::Client)
                fromClients.append(link.id);
            if (from->kind == NodeKind::Client || from->kind == NodeKind::Firewall)
                public_.append(link.id);
        }
        if (!fromClients.isEmpty()) {
            // Firewalls are rules on a load balancer's listener: a server
            // clients reach straight gets one by going behind a load balancer.
            const bool lb = listener.kind == NodeKind::LoadBalancer;
            m_findings.append({QStringLiteral("no-firewall"), Severity::Warning,
                               lb ? QObject::tr("%1 takes connections from clients with no firewall in front: "
                                                "any source may connect, at any rate")
                                        .arg(listener.name)
                                  : QObject::tr("%1 takes connections from clients with no firewall in front: put "
                                                "it behind a load balancer with a firewall")
                                        .arg(listener.name),
                               {listener.id}, fromClients, {}, lb ? QuickFix::AddFirewall : QuickFix::None,
                               lb ? QObject::tr("Put a firewall in front") : QString()});
        }
        if (!public_.isEmpty() && listener.kind == NodeKind::LoadBalancer
            && listener.stringProperty(QStringLiteral("mode")) == QLatin1String("http")
            && !listener.boolProperty(QStringLiteral("tls"))) {
            m_findings.append({QStringLiteral("no-tls"), Severity::Warning,
                               QObject::tr("%1 serves clients plain HTTP: requests and answers cross the wire "
                                           "unencrypted")
                                   .arg(listener.name),
                               {listener.id}, public_, {}, QuickFix::EnableTls, QObject::tr("Turn on TLS")});
        }
    }

    // A database a client reaches while passing only firewalls and load
    // balancers: anyone who can send a request can speak to the database.
    void findExposedDatabases()
    {
        QList<int> exposed;
        for (int client : m_graph.clients()) {
            const QList<int> reached = m_graph.reach(client, QList<bool>(m_graph.size(), false), [&](int n) {
                const NodeKind kind = m_graph.node(n).kind;
                return kind == NodeKind::Firewall || kind == NodeKind::LoadBalancer;
            });
            for (int n : reached) {
                if (m_graph.node(n).kind == NodeKind::Database && !exposed.contains(n))
                    exposed.append(n);
            }
        }
        std::sort(exposed.begin(), exposed.end());
        for (int n : exposed) {
            const Node &database = m_graph.node(n);
            m_findings.append({QStringLiteral("database-exposed"), Severity::Warning,
                               QObject::tr("%1 can be reached from the client side without passing a web or "
                                           "app server")
                                   .arg(database.name),
                               {database.id}, {}, {}, QuickFix::None, {}});
        }
    }

    void addNoHealthCheck(const Node &server)
    {
        m_findings.append({QStringLiteral("no-health-check"), Severity::Warning,
                           QObject::tr("%1 has no health check: nobody notices when it stops answering")
                               .arg(server.name),
                           {server.id}, {}, {}, QuickFix::AddHealthCheck, QObject::tr("Add a health check")});
    }

    void checkReplicaSource(const Node &replica)
    {
        for (const Link &link : m_topology.linksTo(replica.id)) {
            if (link.kind == LinkKind::Replication)
                return;
        }
        m_findings.append({QStringLiteral("replica-without-source"), Severity::Warning,
                           QObject::tr("%1 is a replica, but no replication link feeds it: its data goes stale")
                               .arg(replica.name),
                           {replica.id}, {}, {}, QuickFix::None, {}});
    }

    const Topology &m_topology;
    TrafficGraph m_graph;
    QList<Finding> m_findings;
};

} // namespace

QList<Finding> analyze(const Topology &topology)
{
    return Analyzer(topology).run();
}

WhatIf whatIf(const Topology &topology, const QSet<NodeId> &failed)
{
    const TrafficGraph graph(topology);
    WhatIf result;
    result.failed = failed;
    QList<bool> blocked(graph.size(), false);
    for (NodeId id : failed) {
        if (const int n = graph.indexOf(id); n >= 0)
            blocked[n] = true;
    }
    QSet<int> before, after;
    QStringList losses;
    for (int client : graph.clients()) {
        if (blocked.at(client))
            continue;
        const QList<int> was = graph.reach(client, QList<bool>(graph.size(), false));
        const QList<int> is = graph.reach(client, blocked);
        before.unite(QSet<int>(was.begin(), was.end()));
        after.unite(QSet<int>(is.begin(), is.end()));
        auto count = [&](const QList<int> &nodes, auto predicate) {
            return std::count_if(nodes.begin(), nodes.end(), [&](int n) { return predicate(graph.node(n).kind); });
        };
        const auto web = [](NodeKind kind) { return isWebTier(kind); };
        const auto database = [](NodeKind kind) { return kind == NodeKind::Database; };
        QStringList lost;
        if (count(was, web) > 0 && count(is, web) == 0)
            lost.append(QObject::tr("no web or app server is reachable"));
        if (count(was, database) > 0 && count(is, database) == 0)
            lost.append(QObject::tr("no database is reachable"));
        if (!lost.isEmpty()) {
            result.clientsLosingService.append(graph.node(client).id);
            losses.append(QObject::tr("%1 loses service: %2").arg(graph.node(client).name, lost.join(QObject::tr(" and "))));
        }
    }
    QList<int> unreachable;
    for (int n : before) {
        if (!after.contains(n) && !blocked.at(n))
            unreachable.append(n);
    }
    std::sort(unreachable.begin(), unreachable.end());
    for (int n : unreachable)
        result.unreachable.insert(graph.node(n).id);
    for (const Link &link : topology.links()) {
        const bool from = failed.contains(link.from) || result.unreachable.contains(link.from);
        const bool to = failed.contains(link.to) || result.unreachable.contains(link.to);
        if (from || to)
            result.deadLinks.insert(link.id);
    }
    if (!losses.isEmpty()) {
        result.summary = losses.join(QStringLiteral("; "));
    } else if (!unreachable.isEmpty()) {
        result.summary = QObject::tr("No client loses service; %1 can no longer be reached")
                             .arg(namesOf(graph, unreachable));
    } else {
        result.summary = QObject::tr("No client loses service: every server and database is still reachable");
    }
    return result;
}

} // namespace Loadstar
