#include "TestTopologies.h"

#include "analysis/DesignAnalysis.h"
#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "document/QuickFixCommand.h"
#include "model/Validator.h"

#include <QtTest>

using namespace Loadstar;

namespace {

Topology templateNamed(const QString &id)
{
    for (const DocumentTemplate &entry : documentTemplates()) {
        if (entry.id == id)
            return entry.topology;
    }
    return {};
}

NodeId idOf(const Topology &topology, const QString &name)
{
    const Node *node = topology.nodeByName(name);
    return node ? node->id : 0;
}

QStringList namesOf(const Topology &topology, const QList<NodeId> &ids)
{
    QStringList names;
    for (NodeId id : ids)
        names.append(topology.node(id) ? topology.node(id)->name : QStringLiteral("?"));
    names.sort();
    return names;
}

QStringList namesOf(const Topology &topology, const QSet<NodeId> &ids)
{
    return namesOf(topology, QList<NodeId>(ids.begin(), ids.end()));
}

// "spof lb", "no-tls lb": what a finding is about, in one comparable word pair.
QStringList summaryOf(const Topology &topology, const QList<Finding> &findings)
{
    QStringList lines;
    for (const Finding &finding : findings)
        lines.append(finding.code + QLatin1Char(' ') + namesOf(topology, finding.nodes).join(QLatin1Char(',')));
    lines.sort();
    return lines;
}

const Finding *findingFor(const QList<Finding> &findings, const QString &code, NodeId node)
{
    for (const Finding &finding : findings) {
        if (finding.code == code && !finding.nodes.isEmpty() && finding.nodes.first() == node)
            return &finding;
    }
    return nullptr;
}

Node node(NodeKind kind, const QString &name, int port = 0)
{
    Node n = Node::make(kind, name);
    if (port)
        n.setProperty(QStringLiteral("port"), port);
    return n;
}

} // namespace

class TestAnalysis : public QObject
{
    Q_OBJECT

private slots:
    void referenceDesignHasExactlyTheFourKnownWeaknesses()
    {
        const Topology reference = referenceDocument();
        const QList<Finding> findings = analyze(reference);
        QCOMPARE(summaryOf(reference, findings),
                 (QStringList{QStringLiteral("no-firewall lb"), QStringLiteral("no-tls lb"),
                              QStringLiteral("spof db-primary"), QStringLiteral("spof lb")}));
        for (const Finding &finding : findings) {
            QCOMPARE(finding.severity, Severity::Warning);
            QVERIFY2(finding.fix != QuickFix::None, qPrintable(finding.code));
            QVERIFY(!finding.fixLabel.isEmpty());
        }

        const Finding *lb = findingFor(findings, QStringLiteral("spof"), idOf(reference, QStringLiteral("lb")));
        QVERIFY(lb);
        QCOMPARE(lb->message, QStringLiteral("lb is a single point of failure: if it fails, client loses every "
                                             "web server and every database"));
        QCOMPARE(namesOf(reference, lb->cutOff),
                 (QStringList{QStringLiteral("db-primary"), QStringLiteral("db-replica"), QStringLiteral("web-01"),
                              QStringLiteral("web-02")}));
        QCOMPARE(lb->fix, QuickFix::AddLoadBalancer);

        const Finding *db
            = findingFor(findings, QStringLiteral("spof"), idOf(reference, QStringLiteral("db-primary")));
        QVERIFY(db);
        QVERIFY2(db->message.contains(QStringLiteral("only database taking writes")), qPrintable(db->message));
        QCOMPARE(db->fix, QuickFix::AddReplica);

        const Finding *firewall
            = findingFor(findings, QStringLiteral("no-firewall"), idOf(reference, QStringLiteral("lb")));
        QVERIFY(firewall);
        QCOMPARE(firewall->links.size(), 1); // the link client → lb
        QCOMPARE(reference.link(firewall->links.first())->from, idOf(reference, QStringLiteral("client")));
    }

    void hardenedTemplateHasNoFindings()
    {
        const Topology hardened = templateNamed(QStringLiteral("hardened"));
        QVERIFY(!hardened.isEmpty());
        const QList<Finding> findings = analyze(hardened);
        QVERIFY2(findings.isEmpty(), qPrintable(summaryOf(hardened, findings).join(QLatin1Char('\n'))));
    }

    void eachQuickFixRemovesItsFindingAndUndoBringsItBack_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("node");
        QTest::addColumn<QString>("text");
        QTest::newRow("second load balancer") << "spof" << "lb" << "Add a second load balancer";
        QTest::newRow("standby replica") << "spof" << "db-primary" << "Add a standby replica with automatic failover";
        QTest::newRow("firewall") << "no-firewall" << "lb" << "Put a firewall in front";
        QTest::newRow("tls") << "no-tls" << "lb" << "Turn on TLS";
    }

    void eachQuickFixRemovesItsFindingAndUndoBringsItBack()
    {
        QFETCH(QString, code);
        QFETCH(QString, node);
        QFETCH(QString, text);
        Document document;
        document.resetTopology(referenceDocument());
        const Topology before = document.topology();
        const QList<Finding> findings = analyze(before);
        const Finding *finding = findingFor(findings, code, idOf(before, node));
        QVERIFY(finding);

        auto command = QuickFixCommand::create(&document, *finding);
        QVERIFY(command);
        QCOMPARE(command->text(), text);
        document.undoStack()->push(command.release());
        QCOMPARE(document.undoStack()->count(), 1); // one step

        const QList<Finding> after = analyze(document.topology());
        QVERIFY2(!findingFor(after, code, idOf(before, node)), qPrintable(summaryOf(document.topology(), after).join(QLatin1Char('\n'))));
        QVERIFY2(validate(document.topology()).isEmpty(), "a quick fix leaves a drawing that runs");
        // The other weaknesses are still there: a fix does only what it says.
        for (const Finding &other : findings) {
            if (other.code != code || other.nodes != finding->nodes)
                QVERIFY2(findingFor(after, other.code, other.nodes.first()), qPrintable(other.message));
        }

        document.undoStack()->undo();
        QCOMPARE(document.topology(), before);
        QCOMPARE(analyze(document.topology()), findings);
        document.undoStack()->redo();
        QVERIFY(!findingFor(analyze(document.topology()), code, idOf(before, node)));
    }

    void secondLoadBalancerSharesAVirtualAddressAndTheTraffic()
    {
        Document document;
        document.resetTopology(referenceDocument());
        const QList<Finding> findings = analyze(document.topology());
        const Finding *spof
            = findingFor(findings, QStringLiteral("spof"), idOf(document.topology(), QStringLiteral("lb")));
        document.undoStack()->push(QuickFixCommand::create(&document, *spof).release());

        const Topology &t = document.topology();
        const Node *first = t.nodeByName(QStringLiteral("lb"));
        const Node *second = t.nodeByName(QStringLiteral("lb-01"));
        QVERIFY(second);
        QCOMPARE(second->stringProperty(QStringLiteral("virtual_address")), QStringLiteral("127.0.0.10"));
        QCOMPARE(first->stringProperty(QStringLiteral("virtual_address")), QStringLiteral("127.0.0.10"));
        QVERIFY(second->endpoint() != first->endpoint());
        QCOMPARE(second->stringProperty(QStringLiteral("balance")), first->stringProperty(QStringLiteral("balance")));
        QCOMPARE(t.linksTo(second->id).size(), 1); // from the client
        QCOMPARE(t.linksFrom(second->id).size(), 2); // to web-01 and web-02
        // Failing either load balancer now leaves the client served.
        QVERIFY(whatIf(t, {first->id}).clientsLosingService.isEmpty());
        QVERIFY(whatIf(t, {second->id}).clientsLosingService.isEmpty());
    }

    void standbyReplicaFollowsThePrimary()
    {
        Document document;
        document.resetTopology(referenceDocument());
        const NodeId primary = idOf(document.topology(), QStringLiteral("db-primary"));
        const QList<Finding> findings = analyze(document.topology());
        const Finding *spof = findingFor(findings, QStringLiteral("spof"), primary);
        QVERIFY(spof);
        const Finding copy = *spof;
        document.undoStack()->push(QuickFixCommand::create(&document, copy).release());
        const Topology &t = document.topology();
        const Node *standby = t.nodeByName(QStringLiteral("db-primary-standby"));
        QVERIFY(standby);
        QCOMPARE(standby->stringProperty(QStringLiteral("role")), QStringLiteral("replica"));
        QVERIFY(standby->boolProperty(QStringLiteral("standby")));
        bool replicated = false;
        for (const Link &link : t.linksTo(standby->id))
            replicated = replicated || (link.kind == LinkKind::Replication && link.from == primary);
        QVERIFY(replicated);
        QCOMPARE(t.linksTo(standby->id).size(), 3); // web-01, web-02 and the replication
        // Something promotes it: the primary fails over by itself now.
        QVERIFY(t.nodeByName(QStringLiteral("db-primary"))->boolProperty(QStringLiteral("auto_failover")));
        QVERIFY(!standby->boolProperty(QStringLiteral("auto_failover")));
        QVERIFY(!findingFor(analyze(t), QStringLiteral("spof"), primary));
    }

    // A standby nobody promotes still leaves the primary a single point of
    // failure; the fix then only turns automatic failover on.
    void aStandbyWithoutAutomaticFailoverIsStillASinglePoint()
    {
        Document document;
        Topology drawn = templateNamed(QStringLiteral("hardened"));
        drawn.node(idOf(drawn, QStringLiteral("db-primary")))->setProperty(QStringLiteral("auto_failover"), false);
        document.resetTopology(drawn);
        const NodeId primary = idOf(drawn, QStringLiteral("db-primary"));
        const QList<Finding> findings = analyze(drawn);
        const Finding *spof = findingFor(findings, QStringLiteral("spof"), primary);
        QVERIFY(spof);
        QVERIFY2(spof->message.contains(QStringLiteral("waits for someone to promote it")), qPrintable(spof->message));
        QCOMPARE(spof->fixLabel, QStringLiteral("Turn on automatic failover"));
        const Finding copy = *spof;
        document.undoStack()->push(QuickFixCommand::create(&document, copy).release());
        QCOMPARE(document.topology().nodes().size(), drawn.nodes().size()); // no second standby
        QVERIFY(analyze(document.topology()).isEmpty());
        document.undoStack()->undo();
        QCOMPARE(document.topology(), drawn);
    }

    void firewallFixReusesTheFirewallAlreadyInFront()
    {
        // The hardened design with one client bypassing the firewall.
        Topology t = templateNamed(QStringLiteral("hardened"));
        const NodeId client = idOf(t, QStringLiteral("client"));
        const NodeId lb = idOf(t, QStringLiteral("lb-a"));
        t.connect(client, lb);
        Document document;
        document.resetTopology(t);
        const QList<Finding> findings = analyze(document.topology());
        const Finding *open = findingFor(findings, QStringLiteral("no-firewall"), lb);
        QVERIFY(open);
        document.undoStack()->push(QuickFixCommand::create(&document, *open).release());
        QCOMPARE(document.topology().nodes().size(), t.nodes().size()); // no second firewall
        QVERIFY2(analyze(document.topology()).isEmpty(), "back to the hardened design");
        QVERIFY(validate(document.topology()).isEmpty());
    }

    void serversClientsReachStraightGetNoFirewallFix()
    {
        // Firewalls guard load balancers' listeners; a server gets one by
        // going behind a load balancer, which the finding says.
        Topology t;
        const NodeId client = t.addNode(node(NodeKind::Client, QStringLiteral("client")));
        const NodeId web = t.addNode(node(NodeKind::WebServer, QStringLiteral("web-01")));
        t.connect(client, web);
        const QList<Finding> findings = analyze(t);
        const Finding *open = findingFor(findings, QStringLiteral("no-firewall"), web);
        QVERIFY(open);
        QCOMPARE(open->fix, QuickFix::None);
        QCOMPARE(open->message, QStringLiteral("web-01 takes connections from clients with no firewall in front: put "
                                               "it behind a load balancer with a firewall"));
    }

    void healthCheckFixSetsTheKindsCheck()
    {
        Topology t;
        const NodeId client = t.addNode(node(NodeKind::Client, QStringLiteral("client")));
        const NodeId web = t.addNode(node(NodeKind::WebServer, QStringLiteral("web-01")));
        Node db = node(NodeKind::Database, QStringLiteral("db"));
        db.setProperty(QStringLiteral("engine"), QStringLiteral("postgresql"));
        db.setProperty(QStringLiteral("port"), 5432);
        db.setProperty(QStringLiteral("check"), QStringLiteral("none"));
        const NodeId database = t.addNode(db);
        t.node(web)->setProperty(QStringLiteral("check"), QStringLiteral("none"));
        t.connect(client, web);
        t.connect(web, database);
        Document document;
        document.resetTopology(t);

        for (const auto &[id, check] : {std::pair{web, QStringLiteral("http")}, std::pair{database, QStringLiteral("pgsql")}}) {
            const QList<Finding> findings = analyze(document.topology());
            const Finding *finding = findingFor(findings, QStringLiteral("no-health-check"), id);
            QVERIFY(finding);
            QCOMPARE(finding->fix, QuickFix::AddHealthCheck);
            const Finding copy = *finding;
            document.undoStack()->push(QuickFixCommand::create(&document, copy).release());
            QCOMPARE(document.topology().node(id)->stringProperty(QStringLiteral("check")), check);
            QVERIFY(!findingFor(analyze(document.topology()), QStringLiteral("no-health-check"), id));
        }
        document.undoStack()->undo();
        QVERIFY(findingFor(analyze(document.topology()), QStringLiteral("no-health-check"), database));
    }

    void whatIfTheLoadBalancerFailsEveryClientLosesService()
    {
        Topology t = referenceDocument();
        const NodeId second = t.addNode(node(NodeKind::Client, QStringLiteral("client-2")));
        t.connect(second, idOf(t, QStringLiteral("lb")));
        const WhatIf result = whatIf(t, {idOf(t, QStringLiteral("lb"))});
        QCOMPARE(namesOf(t, result.clientsLosingService), (QStringList{QStringLiteral("client"), QStringLiteral("client-2")}));
        QCOMPARE(namesOf(t, result.unreachable),
                 (QStringList{QStringLiteral("db-primary"), QStringLiteral("db-replica"), QStringLiteral("web-01"),
                              QStringLiteral("web-02")}));
        QCOMPARE(result.deadLinks.size(), t.links().size()); // nothing carries traffic any more
        QCOMPARE(result.summary, QStringLiteral("client loses service: no web or app server is reachable and no "
                                                "database is reachable; client-2 loses service: no web or app "
                                                "server is reachable and no database is reachable"));
    }

    void whatIfOneWebServerFailsNobodyLosesService()
    {
        const Topology t = referenceDocument();
        const WhatIf result = whatIf(t, {idOf(t, QStringLiteral("web-01"))});
        QVERIFY(result.clientsLosingService.isEmpty());
        QVERIFY(result.unreachable.isEmpty());
        QCOMPARE(result.deadLinks.size(), 3); // lb → web-01, web-01 → both databases
        QCOMPARE(result.summary,
                 QStringLiteral("No client loses service: every server and database is still reachable"));
    }

    void whatIfBothDatabasesFailTheClientLosesItsData()
    {
        const Topology t = referenceDocument();
        const WhatIf result
            = whatIf(t, {idOf(t, QStringLiteral("db-primary")), idOf(t, QStringLiteral("db-replica"))});
        QCOMPARE(namesOf(t, result.clientsLosingService), QStringList{QStringLiteral("client")});
        QCOMPARE(result.summary, QStringLiteral("client loses service: no database is reachable"));
    }

    void aTierOfOneIsASinglePointOfFailure()
    {
        Topology t;
        const NodeId client = t.addNode(node(NodeKind::Client, QStringLiteral("client")));
        const NodeId lb = t.addNode(node(NodeKind::LoadBalancer, QStringLiteral("lb"), 8080));
        const NodeId web = t.addNode(node(NodeKind::WebServer, QStringLiteral("web-01"), 8081));
        t.connect(client, lb);
        t.connect(lb, web);
        const QList<Finding> findings = analyze(t);
        const Finding *spof = findingFor(findings, QStringLiteral("spof"), web);
        QVERIFY(spof);
        QCOMPARE(spof->message, QStringLiteral("web-01 is a single point of failure: if it fails, client loses its "
                                               "web server"));
        QVERIFY(spof->cutOff.isEmpty());
        QCOMPARE(spof->fix, QuickFix::None);
        QVERIFY(findingFor(findings, QStringLiteral("spof"), lb));
    }

    void parallelPathsHaveNoSinglePoint()
    {
        // Two load balancers, each to both web servers: no node cuts the
        // client off; the firewall in front is rules, not a box that fails.
        Topology t;
        const NodeId client = t.addNode(node(NodeKind::Client, QStringLiteral("client")));
        const NodeId fw = t.addNode(node(NodeKind::Firewall, QStringLiteral("fw")));
        const NodeId a = t.addNode(node(NodeKind::LoadBalancer, QStringLiteral("lb-a"), 8080));
        const NodeId b = t.addNode(node(NodeKind::LoadBalancer, QStringLiteral("lb-b"), 8090));
        const NodeId w1 = t.addNode(node(NodeKind::WebServer, QStringLiteral("web-01"), 8081));
        const NodeId w2 = t.addNode(node(NodeKind::WebServer, QStringLiteral("web-02"), 8082));
        t.connect(client, fw);
        for (NodeId lb : {a, b}) {
            t.node(lb)->setProperty(QStringLiteral("tls"), true);
            t.connect(fw, lb);
            t.connect(lb, w1);
            t.connect(lb, w2);
        }
        QCOMPARE(summaryOf(t, analyze(t)), QStringList());
        // Both load balancers at once cut the client off.
        const WhatIf both = whatIf(t, {a, b});
        QCOMPARE(namesOf(t, both.clientsLosingService), QStringList{QStringLiteral("client")});
        QCOMPARE(namesOf(t, both.unreachable), (QStringList{QStringLiteral("web-01"), QStringLiteral("web-02")}));
    }

    void databaseBehindALoadBalancerOnlyIsExposed()
    {
        Topology t;
        const NodeId client = t.addNode(node(NodeKind::Client, QStringLiteral("client")));
        Node lbNode = node(NodeKind::LoadBalancer, QStringLiteral("lb"), 8080);
        lbNode.setProperty(QStringLiteral("mode"), QStringLiteral("tcp"));
        const NodeId lb = t.addNode(lbNode);
        const NodeId db = t.addNode(node(NodeKind::Database, QStringLiteral("db"), 3306));
        t.connect(client, lb);
        t.connect(lb, db);
        const QList<Finding> findings = analyze(t);
        const Finding *exposed = findingFor(findings, QStringLiteral("database-exposed"), db);
        QVERIFY(exposed);
        QCOMPARE(exposed->message,
                 QStringLiteral("db can be reached from the client side without passing a web or app server"));
        // A tcp listener carries no HTTP, so TLS is not asked for here.
        QVERIFY(!findingFor(findings, QStringLiteral("no-tls"), lb));
    }

    void replicaWithoutReplicationAndProblemsAreFound()
    {
        Topology t;
        Node replica = node(NodeKind::Database, QStringLiteral("db-replica"), 3307);
        replica.setProperty(QStringLiteral("role"), QStringLiteral("replica"));
        const NodeId id = t.addNode(replica);
        Node backup = node(NodeKind::WebServer, QStringLiteral("web-02"), 8082);
        backup.setProperty(QStringLiteral("backup"), true);
        const NodeId web = t.addNode(backup);
        const NodeId lb = t.addNode(node(NodeKind::LoadBalancer, QStringLiteral("lb"), 8080));
        t.connect(lb, web);
        const QList<Finding> findings = analyze(t);
        QVERIFY(findingFor(findings, QStringLiteral("replica-without-source"), id));
        // A backup with no active server: the validator's problem, an error.
        const Finding *onlyBackups = findingFor(findings, QStringLiteral("lb-only-backups"), lb);
        QVERIFY(onlyBackups);
        QCOMPARE(onlyBackups->severity, Severity::Error);
        QCOMPARE(findings.first().severity, Severity::Error); // problems come first
    }

    void largeDrawingsAreAnalysed()
    {
        // 20 load balancers of 100 servers each, a client in front of each:
        // every load balancer is a single point of failure for its client.
        Topology t = Test::generated(20, 100);
        QList<NodeId> lbs;
        for (const Node &n : t.nodes()) {
            if (n.kind == NodeKind::LoadBalancer)
                lbs.append(n.id);
        }
        for (NodeId lb : lbs) {
            const NodeId client = t.addNode(node(NodeKind::Client, t.uniqueName(QStringLiteral("client"))));
            t.connect(client, lb);
        }
        const QList<Finding> findings = analyze(t);
        int spofs = 0;
        for (const Finding &finding : findings) {
            if (finding.code == QLatin1String("spof")) {
                ++spofs;
                QCOMPARE(finding.cutOff.size(), 100);
            }
        }
        QCOMPARE(spofs, lbs.size());
    }
};

QTEST_GUILESS_MAIN(TestAnalysis)
#include "tst_analysis.moc"
