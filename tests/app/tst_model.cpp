#include "TestTopologies.h"

#include "document/DefaultDocument.h"
#include "engine/EngineConfig.h"
#include "model/PropertySchema.h"

#include <QtTest>

using namespace Loadstar;

class ModelTest : public QObject
{
    Q_OBJECT

private slots:
    void healthCheckDefaultsAreHaproxys()
    {
        // HAProxy's defaults: inter 2000, fastinter/downinter follow inter, rise 2, fall 3.
        for (NodeKind kind : {NodeKind::WebServer, NodeKind::AppServer, NodeKind::Database}) {
            const Node node = Node::make(kind, QStringLiteral("s"));
            QCOMPARE(node.intProperty(QStringLiteral("inter")), 2000);
            QCOMPARE(node.intProperty(QStringLiteral("fastinter")), 2000);
            QCOMPARE(node.intProperty(QStringLiteral("downinter")), 2000);
            QCOMPARE(node.intProperty(QStringLiteral("rise")), 2);
            QCOMPARE(node.intProperty(QStringLiteral("fall")), 3);
            QCOMPARE(node.intProperty(QStringLiteral("weight")), 1);
            QCOMPARE(node.boolProperty(QStringLiteral("backup")), false);
        }
        const Node lb = Node::make(NodeKind::LoadBalancer, QStringLiteral("lb"));
        QCOMPARE(lb.stringProperty(QStringLiteral("balance")), QStringLiteral("roundrobin"));
        QCOMPARE(lb.intProperty(QStringLiteral("retries")), 3);
    }

    void everyKindHasEverySchemaProperty()
    {
        for (NodeKind kind : allNodeKinds()) {
            const Node node = Node::make(kind, QStringLiteral("n"));
            QCOMPARE(node.properties.size(), PropertySchema::forKind(kind).size());
            for (const PropertySpec &spec : PropertySchema::forKind(kind)) {
                QVERIFY2(node.properties.contains(spec.key), qPrintable(spec.key));
                // Every default passes its own conversion unchanged.
                const auto converted = PropertySchema::convert(spec, spec.defaultValue);
                QVERIFY2(converted.error.isEmpty(), qPrintable(spec.key + converted.error));
                QCOMPARE(converted.value, spec.defaultValue);
            }
        }
    }

    void kindIdsRoundTrip()
    {
        for (NodeKind kind : allNodeKinds())
            QCOMPARE(nodeKindFromId(nodeKindId(kind)), kind);
        for (LinkKind kind : allLinkKinds())
            QCOMPARE(linkKindFromId(linkKindId(kind)), kind);
        QVERIFY(!nodeKindFromId(QStringLiteral("toaster")));
    }

    void setPropertyConvertsAndRefuses_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QVariant>("value");
        QTest::addColumn<QVariant>("stored");
        QTest::addColumn<QString>("error");
        QTest::newRow("text digits") << "weight" << QVariant(QStringLiteral(" 12 ")) << QVariant(12) << QString();
        QTest::newRow("json double") << "port" << QVariant(8088.0) << QVariant(8088) << QString();
        QTest::newRow("not a number") << "weight" << QVariant(QStringLiteral("abc")) << QVariant(1)
                                      << QStringLiteral("“abc” is not a whole number");
        QTest::newRow("fraction") << "port" << QVariant(80.5) << QVariant(8081)
                                  << QStringLiteral("“80.5” is not a whole number");
        QTest::newRow("port range") << "port" << QVariant(70000) << QVariant(8081)
                                    << QStringLiteral("70000 is out of range (1–65535)");
        QTest::newRow("weight range") << "weight" << QVariant(257) << QVariant(1)
                                      << QStringLiteral("257 is out of range (0–256)");
        QTest::newRow("bool words") << "backup" << QVariant(QStringLiteral("yes")) << QVariant(true) << QString();
        QTest::newRow("bool junk") << "backup" << QVariant(QStringLiteral("maybe")) << QVariant(false)
                                   << QStringLiteral("“maybe” is not yes or no");
        QTest::newRow("bad ip") << "address" << QVariant(QStringLiteral("300.1.1.1")) << QVariant(QStringLiteral("127.0.0.1"))
                                << QStringLiteral("“300.1.1.1” is not an IP address or host name");
        QTest::newRow("host name") << "address" << QVariant(QStringLiteral("web-01.example")) << QVariant(QStringLiteral("web-01.example")) << QString();
        QTest::newRow("ipv6") << "address" << QVariant(QStringLiteral("::1")) << QVariant(QStringLiteral("::1")) << QString();
        QTest::newRow("path") << "check_path" << QVariant(QStringLiteral("health")) << QVariant(QStringLiteral("/"))
                              << QStringLiteral("“health” is not a request path; it starts with “/” and has no spaces");
        QTest::newRow("status range") << "check_status" << QVariant(QStringLiteral("399-200")) << QVariant(QStringLiteral("200-399"))
                                      << QStringLiteral("“399-200” is not an HTTP status or range such as 200 or 200-399");
        QTest::newRow("choice") << "check" << QVariant(QStringLiteral("ping")) << QVariant(QStringLiteral("http"))
                                << QStringLiteral("“ping” is not one of none, tcp, http, https, tls");
        QTest::newRow("unknown") << "colour" << QVariant(1) << QVariant()
                                 << QStringLiteral("a web server has no property “colour”");
    }

    void setPropertyConvertsAndRefuses()
    {
        QFETCH(QString, key);
        QFETCH(QVariant, value);
        QFETCH(QVariant, stored);
        QFETCH(QString, error);
        Node node = Node::make(NodeKind::WebServer, QStringLiteral("web"));
        QCOMPARE(node.setProperty(key, value), error);
        QCOMPARE(node.properties.value(key), stored);
    }

    void firewallNetworksAreNormalised()
    {
        Node fw = Node::make(NodeKind::Firewall, QStringLiteral("fw"));
        QCOMPARE(fw.setProperty(QStringLiteral("allow"), QStringLiteral("10.0.0.0/8,192.168.1.0/24")), QString());
        QCOMPARE(fw.stringProperty(QStringLiteral("allow")), QStringLiteral("10.0.0.0/8, 192.168.1.0/24"));
        QCOMPARE(fw.setProperty(QStringLiteral("deny"), QStringLiteral("10.0.0.0/33")),
                 QStringLiteral("“10.0.0.0/33” is not a network such as 10.0.0.0/8"));
    }

    void linkKindFollowsNodeKinds_data()
    {
        QTest::addColumn<NodeKind>("from");
        QTest::addColumn<NodeKind>("to");
        QTest::addColumn<int>("kind"); // -1: refused
        QTest::newRow("client→lb") << NodeKind::Client << NodeKind::LoadBalancer << int(LinkKind::Http);
        QTest::newRow("lb→web") << NodeKind::LoadBalancer << NodeKind::WebServer << int(LinkKind::Http);
        QTest::newRow("lb→db") << NodeKind::LoadBalancer << NodeKind::Database << int(LinkKind::Tcp);
        QTest::newRow("web→db") << NodeKind::WebServer << NodeKind::Database << int(LinkKind::Tcp);
        QTest::newRow("web→app") << NodeKind::WebServer << NodeKind::AppServer << int(LinkKind::Http);
        QTest::newRow("db→db") << NodeKind::Database << NodeKind::Database << int(LinkKind::Replication);
        QTest::newRow("client→fw") << NodeKind::Client << NodeKind::Firewall << int(LinkKind::Http);
        QTest::newRow("monitor→web") << NodeKind::Monitor << NodeKind::WebServer << int(LinkKind::Tcp);
        QTest::newRow("client→db") << NodeKind::Client << NodeKind::Database << -1;
        QTest::newRow("web→client") << NodeKind::WebServer << NodeKind::Client << -1;
        QTest::newRow("db→web") << NodeKind::Database << NodeKind::WebServer << -1;
        QTest::newRow("lb→lb") << NodeKind::LoadBalancer << NodeKind::LoadBalancer << -1;
        QTest::newRow("web→web") << NodeKind::WebServer << NodeKind::WebServer << -1;
    }

    void linkKindFollowsNodeKinds()
    {
        QFETCH(NodeKind, from);
        QFETCH(NodeKind, to);
        QFETCH(int, kind);
        const LinkRule rule = linkKindFor(from, to);
        if (kind < 0) {
            QVERIFY(!rule.kind);
            QVERIFY2(rule.refusal.size() > 10, "a refused link says why");
        } else {
            QCOMPARE(rule.kind, LinkKind(kind));
            QVERIFY(rule.refusal.isEmpty());
        }
    }

    void topologyKeepsIdsAndRemovesAttachedLinks()
    {
        Topology t = Test::everyKind();
        const NodeId lb = t.nodeByName(QStringLiteral("lb"))->id;
        const auto before = t.links().size();
        const QList<Link> removed = t.removeNode(lb);
        QCOMPARE(removed.size(), 4); // fw→lb, lb→web-01, lb→web-02, monitor→lb
        QCOMPARE(t.links().size(), before - 4);
        QVERIFY(!t.node(lb));
        // Re-inserting with the old id keeps nodes ordered by id.
        Node again = Node::make(NodeKind::LoadBalancer, QStringLiteral("lb"));
        again.id = lb;
        t.addNode(again);
        for (qsizetype i = 1; i < t.nodes().size(); ++i)
            QVERIFY(t.nodes().at(i - 1).id < t.nodes().at(i).id);
        QCOMPARE(t.node(lb)->name, QStringLiteral("lb"));
        QCOMPARE(t.uniqueName(QStringLiteral("web")), QStringLiteral("web-03"));
    }

    void endpointFormatsIpv6()
    {
        Node db = Node::make(NodeKind::Database, QStringLiteral("db"));
        db.setProperty(QStringLiteral("address"), QStringLiteral("::1"));
        QCOMPARE(db.endpoint(), QStringLiteral("[::1]:3306"));
        QCOMPARE(Node::make(NodeKind::Client, QStringLiteral("c")).endpoint(), QString());
    }

    void referenceDocumentCompilesToOneBalancedFrontend()
    {
        const Topology reference = referenceDocument();
        const Engine::CompileResult result = Engine::compile(reference);
        QVERIFY(result.problems.isEmpty());
        QCOMPARE(result.config.frontends.size(), 1);
        const Engine::FrontendConfig &lb = result.config.frontends.first();
        QCOMPARE(lb.name, QStringLiteral("lb"));
        QCOMPARE(lb.port, quint16(8080));
        QCOMPARE(lb.balance, QStringLiteral("roundrobin"));
        QCOMPARE(lb.servers.size(), 2);
        QCOMPARE(lb.servers.at(0).name, QStringLiteral("web-01"));
        QCOMPARE(lb.servers.at(0).backup, false);
        QCOMPARE(lb.servers.at(1).name, QStringLiteral("web-02"));
        QCOMPARE(lb.servers.at(1).backup, true);
        QCOMPARE(lb.servers.at(0).check.type, QStringLiteral("http"));
        QCOMPARE(lb.servers.at(0).check.expectLow, 200);
        QCOMPARE(lb.servers.at(0).check.expectHigh, 399);
        QCOMPARE(lb.timeoutQueue, 5000);
        QCOMPARE(lb.timeoutHttpRequest, 10000);
        QCOMPARE(lb.timeoutHttpKeepAlive, 10000);
    }

    // The reference design's database tier: two demo databases forming one
    // cluster, web servers querying both, the client writing a share.
    void referenceDocumentCompilesItsDatabaseCluster()
    {
        const Engine::CompileResult result = Engine::compile(referenceDocument());
        QVERIFY(result.problems.isEmpty());
        QCOMPARE(result.config.databases.size(), 2);
        const Engine::DatabaseConfig &primary = result.config.databases.at(0);
        const Engine::DatabaseConfig &replica = result.config.databases.at(1);
        QCOMPARE(primary.name, QStringLiteral("db-primary"));
        QCOMPARE(primary.engine, QStringLiteral("mariadb"));
        QCOMPARE(primary.role, QStringLiteral("primary"));
        QVERIFY(primary.embedded);
        QCOMPARE(primary.source, QString());
        QCOMPARE(primary.replication, QStringLiteral("async"));
        QVERIFY(!primary.autoFailover);
        QCOMPARE(replica.name, QStringLiteral("db-replica"));
        QCOMPARE(replica.role, QStringLiteral("replica"));
        QCOMPARE(replica.source, QStringLiteral("db-primary"));
        QCOMPARE(replica.port, quint16(3307));
        QCOMPARE(Engine::clusterOf(result.config.databases, QStringLiteral("db-replica")), QStringLiteral("db-primary"));
        QCOMPARE(Engine::clusterOf(result.config.databases, QStringLiteral("db-primary")), QStringLiteral("db-primary"));
        const QStringList both{QStringLiteral("db-primary"), QStringLiteral("db-replica")};
        QCOMPARE(result.config.frontends.first().servers.at(0).databases, both);
        QCOMPARE(result.config.frontends.first().servers.at(1).databases, both);
        QCOMPARE(result.config.clients.first().writeRatio, 10);
    }

    // A chain of replicas belongs to the cluster at its root; two demo
    // databases on one port cannot both run.
    void replicaChainsAndDemoDatabasePorts()
    {
        Topology topology;
        Node primary = Node::make(NodeKind::Database, QStringLiteral("a"));
        Node middle = Node::make(NodeKind::Database, QStringLiteral("b"));
        middle.setProperty(QStringLiteral("role"), QStringLiteral("replica"));
        middle.setProperty(QStringLiteral("port"), 3307);
        Node leaf = Node::make(NodeKind::Database, QStringLiteral("c"));
        leaf.setProperty(QStringLiteral("role"), QStringLiteral("replica"));
        leaf.setProperty(QStringLiteral("port"), 3308);
        const NodeId a = topology.addNode(primary);
        const NodeId b = topology.addNode(middle);
        const NodeId c = topology.addNode(leaf);
        topology.connect(a, b);
        topology.connect(b, c);
        const Engine::CompileResult result = Engine::compile(topology);
        QVERIFY(result.problems.isEmpty());
        QCOMPARE(result.config.databases.at(2).source, QStringLiteral("b"));
        QCOMPARE(Engine::clusterOf(result.config.databases, QStringLiteral("c")), QStringLiteral("a"));

        topology.node(c)->setProperty(QStringLiteral("port"), 3306);
        const QList<Problem> problems = validate(topology);
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().message.contains(QStringLiteral("3306")), qPrintable(problems.first().message));
        // Not a demo database: it runs elsewhere, so the port is not taken here.
        topology.node(c)->setProperty(QStringLiteral("embedded"), false);
        QVERIFY(validate(topology).isEmpty());
    }

    void httpTimeoutsReachTheEngine()
    {
        Topology reference = referenceDocument();
        Node *lb = reference.node(reference.nodeByName(QStringLiteral("lb"))->id);
        QCOMPARE(lb->setProperty(QStringLiteral("timeout_http_request"), 3000), QString());
        QCOMPARE(lb->setProperty(QStringLiteral("timeout_http_keep_alive"), QStringLiteral("750")), QString());
        QVERIFY(!lb->setProperty(QStringLiteral("timeout_http_request"), 0).isEmpty());

        const Engine::CompileResult result = Engine::compile(reference);
        QVERIFY(result.problems.isEmpty());
        QCOMPARE(result.config.frontends.first().timeoutHttpRequest, 3000);
        QCOMPARE(result.config.frontends.first().timeoutHttpKeepAlive, 750);
    }

    void httpCheckSettingsReachTheEngine()
    {
        Topology reference = referenceDocument();
        Node *web = reference.node(reference.nodeByName(QStringLiteral("web-01"))->id);
        QCOMPARE(web->setProperty(QStringLiteral("check_method"), QStringLiteral("HEAD")), QString());
        QCOMPARE(web->setProperty(QStringLiteral("check_host"), QStringLiteral("www.example.org")), QString());
        QCOMPARE(web->setProperty(QStringLiteral("check_body"), QStringLiteral("ready")), QString());
        QCOMPARE(web->setProperty(QStringLiteral("check"), QStringLiteral("https")), QString());
        QCOMPARE(web->setProperty(QStringLiteral("cert_min_days"), 14), QString());
        // A Host field is a host name, never a way to add header lines.
        QVERIFY(!web->setProperty(QStringLiteral("check_host"), QStringLiteral("a\r\nX-Evil: 1")).isEmpty());
        QVERIFY(!web->setProperty(QStringLiteral("check_method"), QStringLiteral("DELETE")).isEmpty());

        const Engine::CompileResult result = Engine::compile(reference);
        QVERIFY(result.problems.isEmpty());
        const Engine::CheckConfig &check = result.config.frontends.first().servers.first().check;
        QCOMPARE(check.type, QStringLiteral("https"));
        QCOMPARE(check.httpMethod, QStringLiteral("HEAD"));
        QCOMPARE(check.httpHost, QStringLiteral("www.example.org"));
        QCOMPARE(check.expectBody, QStringLiteral("ready"));
        QCOMPARE(check.certMinDays, 14);
        // web-02 keeps the defaults: GET, its own address, any body.
        const Engine::CheckConfig &other = result.config.frontends.first().servers.at(1).check;
        QCOMPARE(other.httpMethod, QStringLiteral("GET"));
        QCOMPARE(other.httpHost, QString());
        QCOMPARE(other.expectBody, QString());
        QCOMPARE(other.certMinDays, 0);
    }

    void databaseRoutesSetBackupsAndRoleChecks()
    {
        // A MariaDB primary and replica behind a write and a read listener.
        Topology t;
        auto add = [&](NodeKind kind, const char *name, const char *key, const QVariant &value, int port) {
            Node node = Node::make(kind, QString::fromLatin1(name));
            node.setProperty(QStringLiteral("port"), port);
            if (kind == NodeKind::LoadBalancer)
                node.setProperty(QStringLiteral("mode"), QStringLiteral("tcp"));
            if (key)
                node.setProperty(QString::fromLatin1(key), value);
            return t.addNode(node);
        };
        const NodeId primary = add(NodeKind::Database, "db-01", nullptr, {}, 3306);
        const NodeId replica = add(NodeKind::Database, "db-02", "role", QStringLiteral("replica"), 3307);
        for (const NodeId id : {primary, replica}) {
            QCOMPARE(t.node(id)->setProperty(QStringLiteral("check"), QStringLiteral("mysql-role")), QString());
            QCOMPARE(t.node(id)->setProperty(QStringLiteral("credentials_file"), QStringLiteral("/etc/loadstar/probe.cnf")), QString());
            QCOMPARE(t.node(id)->setProperty(QStringLiteral("db_user"), QStringLiteral("monitor")), QString());
        }
        QCOMPARE(t.node(replica)->setProperty(QStringLiteral("max_lag"), 5000), QString());
        const NodeId writes = add(NodeKind::LoadBalancer, "db-write", "db_route", QStringLiteral("primary"), 3300);
        const NodeId reads = add(NodeKind::LoadBalancer, "db-read", "db_route", QStringLiteral("replicas"), 3301);
        for (const NodeId lb : {writes, reads}) {
            t.connect(lb, primary);
            t.connect(lb, replica);
        }
        t.connect(primary, replica);

        const Engine::CompileResult result = Engine::compile(t);
        QVERIFY(result.problems.isEmpty());
        QCOMPARE(result.config.frontends.size(), 2);
        const Engine::FrontendConfig &write = result.config.frontends.at(0);
        QCOMPARE(write.mode, Engine::FrontendConfig::Mode::Tcp);
        QCOMPARE(write.servers.at(0).backup, false);
        QCOMPARE(write.servers.at(1).backup, true);
        for (const Engine::ServerConfig &server : write.servers) {
            QCOMPARE(server.check.type, QStringLiteral("mysql-role"));
            QCOMPARE(server.check.requireRole, QString());
            QCOMPARE(server.check.dbUser, QStringLiteral("monitor"));
            QCOMPARE(server.check.credentialsFile, QStringLiteral("/etc/loadstar/probe.cnf"));
        }
        const Engine::FrontendConfig &read = result.config.frontends.at(1);
        QCOMPARE(read.servers.at(0).backup, true);
        QCOMPARE(read.servers.at(0).check.requireRole, QString());
        QCOMPARE(read.servers.at(1).backup, false);
        QCOMPARE(read.servers.at(1).check.requireRole, QStringLiteral("replica"));
        QCOMPARE(read.servers.at(1).check.maxLagMs, 5000);
    }

    void documentsWithoutDatabaseRoutesGetDefaults()
    {
        // A database and a load balancer saved before the role checks existed.
        Node db = Node::make(NodeKind::Database, QStringLiteral("db"));
        Node lb = Node::make(NodeKind::LoadBalancer, QStringLiteral("lb"));
        for (const char *key : {"db_user", "credentials_file", "database", "max_lag"})
            QVERIFY(db.properties.remove(QString::fromLatin1(key)));
        QVERIFY(lb.properties.remove(QStringLiteral("db_route")));
        QCOMPARE(db.stringProperty(QStringLiteral("credentials_file")), QString());
        QCOMPARE(db.intProperty(QStringLiteral("max_lag")), 10000);
        QCOMPARE(lb.stringProperty(QStringLiteral("db_route")), QStringLiteral("any"));
    }

    void clientsCompileToTrafficTowardsTheirLoadBalancer()
    {
        Topology reference = referenceDocument();
        Engine::CompileResult result = Engine::compile(reference);
        QVERIFY(result.problems.isEmpty());
        QCOMPARE(result.config.clients.size(), 1);
        const Engine::ClientConfig client = result.config.clients.first();
        QCOMPARE(client.name, QStringLiteral("client"));
        QCOMPARE(client.frontend, QStringLiteral("lb"));
        QCOMPARE(client.address, QStringLiteral("127.0.0.1"));
        QCOMPARE(client.port, quint16(8080));
        QCOMPARE(client.rate, 20);
        QCOMPARE(client.concurrency, 4);
        // No path mix: only the request path.
        QCOMPARE(client.paths, (QList<PathShare>{{QStringLiteral("/"), 1}}));

        Node *node = reference.node(reference.nodeByName(QStringLiteral("client"))->id);
        QCOMPARE(node->setProperty(QStringLiteral("path_mix"), QStringLiteral("/ 80, /api 15,/login")), QString());
        Node *lb = reference.node(reference.nodeByName(QStringLiteral("lb"))->id);
        QCOMPARE(lb->setProperty(QStringLiteral("address"), QStringLiteral("0.0.0.0")), QString());
        result = Engine::compile(reference);
        QVERIFY(result.problems.isEmpty());
        QCOMPARE(result.config.clients.first().paths,
                 (QList<PathShare>{{QStringLiteral("/"), 80}, {QStringLiteral("/api"), 15}, {QStringLiteral("/login"), 1}}));
        // A frontend on every address is reached on loopback.
        QCOMPARE(result.config.clients.first().address, QStringLiteral("127.0.0.1"));
        QCOMPARE(lb->setProperty(QStringLiteral("address"), QStringLiteral("::")), QString());
        QCOMPARE(Engine::compile(reference).config.clients.first().address, QStringLiteral("::1"));

        // A second load balancer the client links to gets traffic of its own.
        Node other = Node::make(NodeKind::LoadBalancer, QStringLiteral("lb-2"));
        QCOMPARE(other.setProperty(QStringLiteral("port"), 8090), QString());
        const NodeId otherId = reference.addNode(other);
        reference.connect(otherId, reference.nodeByName(QStringLiteral("web-01"))->id);
        reference.connect(node->id, otherId);
        result = Engine::compile(reference);
        QVERIFY(result.problems.isEmpty());
        QCOMPARE(result.config.clients.size(), 2);
        QCOMPARE(result.config.clients.at(1).frontend, QStringLiteral("lb-2"));
        QCOMPARE(result.config.clients.at(1).port, quint16(8090));
    }

    void clientsReachLoadBalancersThroughFirewallsAndSharedAddresses()
    {
        // The hardened template: client → firewall → lb-a and lb-b, which
        // share 127.0.0.10. The client sends once, to the shared address.
        Topology hardened;
        for (const DocumentTemplate &entry : documentTemplates()) {
            if (entry.id == QLatin1String("hardened"))
                hardened = entry.topology;
        }
        const Engine::CompileResult result = Engine::compile(hardened);
        QVERIFY(result.problems.isEmpty());
        QCOMPARE(result.config.clients.size(), 1);
        const Engine::ClientConfig client = result.config.clients.first();
        QCOMPARE(client.frontend, QStringLiteral("lb-a"));
        QCOMPARE(client.address, QStringLiteral("127.0.0.10"));
        QCOMPARE(client.port, quint16(8443));
        QCOMPARE(result.config.virtualAddresses.size(), 1);
        const Engine::VirtualAddressConfig shared = result.config.virtualAddresses.first();
        QCOMPARE(shared.address, QStringLiteral("127.0.0.10"));
        QCOMPARE(shared.port, quint16(8443));
        QCOMPARE(shared.members,
                 (QList<Engine::VirtualAddressConfig::Member>{{QStringLiteral("lb-a"), QStringLiteral("127.0.0.2"), 8443},
                                                              {QStringLiteral("lb-b"), QStringLiteral("127.0.0.3"), 8443}}));

        // Without the shared address each load balancer gets the client's
        // traffic, through the firewall all the same.
        for (const QString &name : {QStringLiteral("lb-a"), QStringLiteral("lb-b")})
            QCOMPARE(hardened.node(hardened.nodeByName(name)->id)->setProperty(QStringLiteral("virtual_address"), QString()), QString());
        const Engine::CompileResult apart = Engine::compile(hardened);
        QVERIFY(apart.config.virtualAddresses.isEmpty());
        QCOMPARE(apart.config.clients.size(), 2);
        QCOMPARE(apart.config.clients.at(0).address, QStringLiteral("127.0.0.2"));
        QCOMPARE(apart.config.clients.at(1).address, QStringLiteral("127.0.0.3"));
    }

    void documentsWithoutAPathMixSendTheirPath()
    {
        // A client saved before the path mix existed.
        Topology reference = referenceDocument();
        Node *client = reference.node(reference.nodeByName(QStringLiteral("client"))->id);
        QVERIFY(client->properties.remove(QStringLiteral("path_mix")));
        QCOMPARE(client->setProperty(QStringLiteral("path"), QStringLiteral("/shop")), QString());
        const Engine::CompileResult result = Engine::compile(reference);
        QVERIFY(result.problems.isEmpty());
        QCOMPARE(result.config.clients.first().paths, (QList<PathShare>{{QStringLiteral("/shop"), 1}}));
    }

    // A firewall in front of a load balancer puts its rules on that
    // load balancer's listener, and a client behind the firewall sends its
    // traffic through it.
    void firewallRulesGoToTheLoadBalancerBehindIt()
    {
        Topology t = Test::everyKind();
        const auto result = Engine::compile(t);
        QVERIFY(result.problems.isEmpty());
        QCOMPARE(result.config.frontends.size(), 1);
        const Engine::FirewallConfig &firewall = result.config.frontends.first().firewall;
        QCOMPARE(firewall.name, QStringLiteral("fw"));
        QCOMPARE(firewall.allow, (QStringList{QStringLiteral("10.0.0.0/8"), QStringLiteral("192.168.0.0/16")}));
        QCOMPARE(firewall.deny, QStringList{QStringLiteral("10.66.0.0/16")});
        QCOMPARE(firewall.rateLimit, 100);
        QCOMPARE(result.config.clients.size(), 1);
        QCOMPARE(result.config.clients.first().name, QStringLiteral("client"));
        QCOMPARE(result.config.clients.first().frontend, QStringLiteral("lb"));
        QCOMPARE(result.config.clients.first().port, quint16(9443));

        // An empty allow list stays empty: the firewall lets no one through.
        const NodeId fw = t.nodeByName(QStringLiteral("fw"))->id;
        QCOMPARE(t.node(fw)->setProperty(QStringLiteral("allow"), QString()), QString());
        QCOMPARE(Engine::compile(t).config.frontends.first().firewall.allow, QStringList());

        // Without a firewall in front, no rules, and the client behind a
        // firewall that guards nothing sends nothing.
        for (const Link &link : t.linksFrom(fw))
            t.removeLink(link.id);
        const auto unguarded = Engine::compile(t);
        QVERIFY(unguarded.problems.isEmpty());
        QCOMPARE(unguarded.config.frontends.first().firewall, Engine::FirewallConfig());
        QVERIFY(unguarded.config.clients.isEmpty());
    }

    void aMonitorWebhookIsAnHttpUrl_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("error");
        QTest::newRow("none") << QString() << QString();
        QTest::newRow("https") << "https://hooks.example.com/services/T0/B0/x" << QString();
        QTest::newRow("http with port") << "http://127.0.0.1:9000/alerts" << QString();
        QTest::newRow("other scheme") << "ftp://hooks.example.com/"
                                      << QStringLiteral("“ftp://hooks.example.com/” is not an http:// or https:// URL");
        QTest::newRow("no scheme") << "hooks.example.com/alerts"
                                   << QStringLiteral("“hooks.example.com/alerts” is not an http:// or https:// URL");
        QTest::newRow("no host") << "http:///alerts"
                                 << QStringLiteral("“http:///alerts” names no host; write it as http://host:port/path");
    }

    void aMonitorWebhookIsAnHttpUrl()
    {
        QFETCH(QString, value);
        QFETCH(QString, error);
        Node monitor = Node::make(NodeKind::Monitor, QStringLiteral("monitor"));
        QCOMPARE(monitor.setProperty(QStringLiteral("webhook"), value), error);
        QCOMPARE(monitor.stringProperty(QStringLiteral("webhook")), error.isEmpty() ? value : QString());
    }

    void monitorsCompileToWhatTheyWatch()
    {
        Topology t;
        const NodeId client = t.addNode(Node::make(NodeKind::Client, QStringLiteral("client")));
        const NodeId lb = t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb")));
        Node web1 = Node::make(NodeKind::WebServer, QStringLiteral("web-01"));
        QCOMPARE(web1.setProperty(QStringLiteral("check"), QStringLiteral("none")), QString());
        const NodeId web1Id = t.addNode(web1);
        Node web2 = Node::make(NodeKind::WebServer, QStringLiteral("web-02"));
        QCOMPARE(web2.setProperty(QStringLiteral("port"), 8082), QString());
        const NodeId web2Id = t.addNode(web2);
        Node monitor = Node::make(NodeKind::Monitor, QStringLiteral("monitor"));
        QCOMPARE(monitor.setProperty(QStringLiteral("inter"), 5000), QString());
        QCOMPARE(monitor.setProperty(QStringLiteral("webhook"), QStringLiteral("https://hooks.example.com/a")), QString());
        QCOMPARE(monitor.setProperty(QStringLiteral("cert_warn_days"), 30), QString());
        QCOMPARE(monitor.setProperty(QStringLiteral("notify"), false), QString());
        const NodeId monitorId = t.addNode(monitor);
        t.connect(client, lb);
        t.connect(lb, web1Id);
        t.connect(lb, web2Id);
        t.connect(monitorId, lb);
        t.connect(monitorId, web1Id);
        t.connect(monitorId, web2Id);

        const Engine::CompileResult result = Engine::compile(t);
        QVERIFY(result.problems.isEmpty());
        QCOMPARE(result.config.monitors.size(), 1);
        const Engine::MonitorConfig &m = result.config.monitors.first();
        QCOMPARE(m.name, QStringLiteral("monitor"));
        QCOMPARE(m.webhook, QStringLiteral("https://hooks.example.com/a"));
        QCOMPARE(m.certWarnDays, 30);
        QCOMPARE(m.notify, false);
        QCOMPARE(m.groupWait, 2000);
        QCOMPARE(m.watched, (QStringList{"lb", "web-01", "web-02"}));
        // The load balancer cuts both servers off from the client.
        QCOMPARE(m.dependsOn.value(QStringLiteral("web-01")), QStringList{"lb"});
        QCOMPARE(m.dependsOn.value(QStringLiteral("web-02")), QStringList{"lb"});
        QVERIFY(m.dependsOn.value(QStringLiteral("lb")).isEmpty());
        // The monitor probes what has no check of its own: the listener,
        // and web-01 drawn without one; web-02's http check is enough.
        QCOMPARE(m.probes.size(), 2);
        QCOMPARE(m.probes.at(0).name, QStringLiteral("lb"));
        QCOMPARE(m.probes.at(0).address, QStringLiteral("127.0.0.1"));
        QCOMPARE(m.probes.at(0).port, quint16(8080));
        QCOMPARE(m.probes.at(0).check.type, QStringLiteral("tcp"));
        QCOMPARE(m.probes.at(0).check.inter, 5000);
        QCOMPARE(m.probes.at(1).name, QStringLiteral("web-01"));
        QCOMPARE(m.probes.at(1).port, quint16(8081));
        QCOMPARE(m.probes.at(1).check.type, QStringLiteral("tcp"));
        QCOMPARE(m.probes.at(1).check.downinter, 5000);

        // A load balancer terminating TLS is probed with a handshake, which
        // also sees its certificate.
        QCOMPARE(t.node(lb)->setProperty(QStringLiteral("tls"), true), QString());
        QCOMPARE(Engine::compile(t).config.monitors.first().probes.first().check.type, QStringLiteral("tls"));
    }

    void invalidTopologyDoesNotCompile()
    {
        Topology t;
        t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lonely")));
        const auto result = Engine::compile(t);
        QVERIFY(result.config.frontends.isEmpty());
        QCOMPARE(result.problems.size(), 1);
        QCOMPARE(result.problems.first().code, QStringLiteral("lb-without-servers"));
    }
};

QTEST_GUILESS_MAIN(ModelTest)
#include "tst_model.moc"
