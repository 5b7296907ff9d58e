#include "TestTopologies.h"

#include "document/DefaultDocument.h"
#include "model/Validator.h"

#include <QtTest>

#include <functional>

using namespace Loadstar;

namespace {

NodeId idOf(const Topology &t, const char *name)
{
    return t.nodeByName(QString::fromLatin1(name))->id;
}

void set(Topology &t, const char *name, const char *key, const QVariant &value)
{
    t.node(idOf(t, name))->properties.insert(QString::fromLatin1(key), value);
}

} // namespace

using Mutation = std::function<void(Topology &)>;
Q_DECLARE_METATYPE(Mutation)

class ValidationTest : public QObject
{
    Q_OBJECT

private slots:
    void cleanDocumentsHaveNoProblems()
    {
        QCOMPARE(validate(referenceDocument()).size(), 0);
        QCOMPARE(validate(Test::everyKind()).size(), 0);
        QCOMPARE(validate(Test::generated(5, 20)).size(), 0);
    }

    // Every message, exactly as a user reads it, with the nodes it names.
    void eachProblemIsReported_data()
    {
        QTest::addColumn<Mutation>("mutate");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QStringList>("nodes");

        QTest::newRow("duplicate name")
            << Mutation([](Topology &t) { t.node(idOf(t, "web-02"))->name = QStringLiteral("web-01"); })
            << "duplicate-name" << "2 nodes are named “web-01”: names must be unique, rename all but one"
            << QStringList{"web-01", "web-01"};
        QTest::newRow("empty name")
            << Mutation([](Topology &t) { t.node(idOf(t, "monitor"))->name = QString(); })
            << "empty-name" << "an unnamed monitor (id 9) has no name: give it one" << QStringList{""};
        QTest::newRow("bad name")
            << Mutation([](Topology &t) { t.node(idOf(t, "monitor"))->name = QStringLiteral("my monitor"); })
            << "bad-name" << "“my monitor”: a name may only contain letters, digits, “-”, “_”, “.” and “:”"
            << QStringList{"my monitor"};
        QTest::newRow("bad address")
            << Mutation([](Topology &t) { set(t, "web-01", "address", QStringLiteral("300.1.1.1")); })
            << "bad-address" << "web-01: address “300.1.1.1” is not an IP address or host name"
            << QStringList{"web-01"};
        QTest::newRow("bad port")
            << Mutation([](Topology &t) { set(t, "lb", "port", 0); })
            << "bad-port" << "lb: listen port 0 is out of range (1–65535)" << QStringList{"lb"};
        QTest::newRow("bad number")
            << Mutation([](Topology &t) { set(t, "web-01", "rise", QStringLiteral("often")); })
            << "bad-property" << "web-01: rise “often” is not a whole number" << QStringList{"web-01"};
        QTest::newRow("bad balance")
            << Mutation([](Topology &t) { set(t, "lb", "balance", QStringLiteral("roundrobbin")); })
            << "bad-property"
            << "lb: balance “roundrobbin” is not one of roundrobin, static-rr, leastconn, source, first, random"
            << QStringList{"lb"};
        QTest::newRow("path mix without a slash")
            << Mutation([](Topology &t) { set(t, "client", "path_mix", QStringLiteral("/ 80, api 15")); })
            << "bad-path-mix"
            << "client: path mix has “api 15”, which is not a path starting with “/” and a weight: "
               "write it as paths and weights, such as “/ 80, /api 15, /login 5”"
            << QStringList{"client"};
        QTest::newRow("path mix weight")
            << Mutation([](Topology &t) { set(t, "client", "path_mix", QStringLiteral("/ 80, /api 0")); })
            << "bad-path-mix" << "client: path mix gives “/api” the weight “0”: a weight is a whole number from 1 to 1000000"
            << QStringList{"client"};
        QTest::newRow("path mix empty entry")
            << Mutation([](Topology &t) { set(t, "client", "path_mix", QStringLiteral("/ 80,, /api")); })
            << "bad-path-mix"
            << "client: path mix has an empty entry between two commas: "
               "write it as paths and weights, such as “/ 80, /api 15, /login 5”"
            << QStringList{"client"};
        QTest::newRow("path mix twice")
            << Mutation([](Topology &t) { set(t, "client", "path_mix", QStringLiteral("/a 1, /b, /a 2")); })
            << "bad-path-mix" << "client: path mix lists “/a” twice: give each path once, with its whole weight"
            << QStringList{"client"};
        QTest::newRow("unknown property")
            << Mutation([](Topology &t) { set(t, "client", "colour", QStringLiteral("red")); })
            << "unknown-property" << "client: a client has no property “colour”" << QStringList{"client"};
        QTest::newRow("port conflict")
            << Mutation([](Topology &t) { set(t, "web-01", "port", 9443); })
            << "port-conflict" << "lb and web-01 both listen on 127.0.0.1:9443: give each its own port"
            << QStringList{"lb", "web-01"};
        QTest::newRow("virtual address taken")
            << Mutation([](Topology &t) { set(t, "lb", "virtual_address", "127.0.0.1"); })
            << "virtual-address-taken"
            << "lb: its virtual address 127.0.0.1:9443 is where lb listens: pick an address no node listens on"
            << QStringList{"lb"};
        QTest::newRow("redirect on the TLS port")
            << Mutation([](Topology &t) {
                   set(t, "lb", "tls", true);
                   set(t, "lb", "http_redirect_port", 9443);
               })
            << "port-conflict" << "lb and lb’s HTTP redirect both listen on 127.0.0.1:9443: give each its own port"
            << QStringList{"lb"};
        QTest::newRow("redirect on a server's port")
            << Mutation([](Topology &t) {
                   set(t, "lb", "tls", true);
                   set(t, "lb", "http_redirect_port", 8081);
               })
            << "port-conflict" << "lb’s HTTP redirect and web-01 both listen on 127.0.0.1:8081: give each its own port"
            << QStringList{"lb", "web-01"};
        QTest::newRow("redirect without TLS")
            << Mutation([](Topology &t) { set(t, "lb", "http_redirect_port", 8000); })
            << "redirect-without-tls"
            << "lb redirects HTTP from port 8000 to HTTPS, but TLS is off: turn TLS on or set the redirect port to 0"
            << QStringList{"lb"};
        QTest::newRow("TLS key without certificate")
            << Mutation([](Topology &t) {
                   set(t, "lb", "tls", true);
                   set(t, "lb", "tls_key", QStringLiteral("/etc/ssl/private/lb.key"));
               })
            << "tls-key-without-certificate"
            << "lb has a TLS private key but no certificate: choose the certificate too, or clear the key to use a self-signed certificate made at each run"
            << QStringList{"lb"};
        QTest::newRow("dangling link")
            << Mutation([](Topology &t) { t.addLink(Link{0, LinkKind::Http, idOf(t, "lb"), 99}); })
            << "dangling-link" << "link 11 points to node 99, which does not exist: delete the link"
            << QStringList{};
        QTest::newRow("self link")
            << Mutation([](Topology &t) { t.addLink(Link{0, LinkKind::Http, idOf(t, "lb"), idOf(t, "lb")}); })
            << "self-link" << "lb → lb: a node cannot send traffic to itself" << QStringList{"lb"};
        QTest::newRow("link not allowed")
            << Mutation([](Topology &t) {
                   t.addLink(Link{0, LinkKind::Http, idOf(t, "client"), idOf(t, "db-primary")});
               })
            << "link-not-allowed"
            << "client → db-primary: clients reach a database through a web or app server"
            << QStringList{"client", "db-primary"};
        QTest::newRow("replication not databases")
            << Mutation([](Topology &t) {
                   t.addLink(Link{0, LinkKind::Replication, idOf(t, "web-01"), idOf(t, "db-replica")});
               })
            << "replication-not-databases"
            << "web-01 → db-replica: a replication link must join two databases"
            << QStringList{"web-01", "db-replica"};
        QTest::newRow("databases joined by tcp")
            << Mutation([](Topology &t) {
                   t.addLink(Link{0, LinkKind::Tcp, idOf(t, "db-replica"), idOf(t, "db-primary")});
               })
            << "wrong-link-kind" << "db-replica → db-primary is drawn as TCP traffic but carries replication: redraw the link"
            << QStringList{"db-replica", "db-primary"};
        QTest::newRow("wrong link kind")
            << Mutation([](Topology &t) {
                   t.addLink(Link{0, LinkKind::Tcp, idOf(t, "client"), idOf(t, "lb")});
               })
            << "wrong-link-kind" << "client → lb is drawn as TCP traffic but carries HTTP traffic: redraw the link"
            << QStringList{"client", "lb"};
        QTest::newRow("replication into primary")
            << Mutation([](Topology &t) { set(t, "db-replica", "role", QStringLiteral("primary")); })
            << "replication-into-primary"
            << "db-primary → db-replica: replication flows from a primary to a replica, but db-replica is a primary: make it a replica or reverse the link"
            << QStringList{"db-primary", "db-replica"};
        QTest::newRow("replication engines differ")
            << Mutation([](Topology &t) { set(t, "db-replica", "engine", QStringLiteral("mariadb")); })
            << "replication-engines-differ"
            << "db-primary → db-replica: db-primary runs postgresql and db-replica runs mariadb; replication needs the same engine on both"
            << QStringList{"db-primary", "db-replica"};
        QTest::newRow("duplicate link")
            << Mutation([](Topology &t) { t.connect(idOf(t, "lb"), idOf(t, "web-01")); })
            << "duplicate-link" << "lb → web-01 is drawn more than once: delete the extra link"
            << QStringList{"lb", "web-01"};
        QTest::newRow("lb without servers")
            << Mutation([](Topology &t) {
                   t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb-2")));
                   set(t, "lb-2", "port", 9999);
               })
            << "lb-without-servers"
            << "lb-2 is a load balancer with no servers: link it to at least one web server, app server or database"
            << QStringList{"lb-2"};
        QTest::newRow("external HAProxy without stats")
            << Mutation([](Topology &t) {
                   Node external = Node::make(NodeKind::LoadBalancer, QStringLiteral("haproxy-01"));
                   external.setProperty(QStringLiteral("external"), true);
                   t.addNode(external);
               })
            << "external-without-stats" << "haproxy-01: an external HAProxy needs its stats URL or stats socket"
            << QStringList{"haproxy-01"};
        QTest::newRow("lb with only backups")
            << Mutation([](Topology &t) { set(t, "web-01", "backup", true); })
            << "lb-only-backups"
            << "lb has only backup servers: clear “Backup” on at least one so it has an active server"
            << QStringList{"lb"};
        QTest::newRow("lb mixing databases and web servers")
            << Mutation([](Topology &t) { t.connect(idOf(t, "lb"), idOf(t, "db-primary")); })
            << "lb-mixed-servers" << "lb balances both databases and HTTP servers: use one load balancer for each"
            << QStringList{"lb"};
        QTest::newRow("lb balancing databases in http mode")
            << Mutation([](Topology &t) {
                   Node dbLb = Node::make(NodeKind::LoadBalancer, QStringLiteral("db-lb"));
                   dbLb.setProperty(QStringLiteral("port"), 3300);
                   const NodeId lb = t.addNode(dbLb);
                   t.connect(lb, idOf(t, "db-primary"));
               })
            << "lb-http-to-database" << "db-lb balances databases in http mode: set its mode to tcp"
            << QStringList{"db-lb"};
        QTest::newRow("database route without databases")
            << Mutation([](Topology &t) { set(t, "lb", "db_route", QStringLiteral("primary")); })
            << "lb-route-without-databases"
            << "lb has the database route “primary” but links no database: link its databases or set the route to “any”"
            << QStringList{"lb"};
        QTest::newRow("database route in http mode")
            << Mutation([](Topology &t) {
                   Node dbLb = Node::make(NodeKind::LoadBalancer, QStringLiteral("db-lb"));
                   dbLb.setProperty(QStringLiteral("port"), 3300);
                   dbLb.setProperty(QStringLiteral("db_route"), QStringLiteral("replicas"));
                   t.connect(t.addNode(dbLb), idOf(t, "db-replica"));
               })
            << "lb-http-to-database" << "db-lb balances databases in http mode: set its mode to tcp"
            << QStringList{"db-lb"};
        QTest::newRow("backup without lb")
            << Mutation([](Topology &t) {
                   Node spare = Node::make(NodeKind::AppServer, QStringLiteral("app-spare"));
                   spare.setProperty(QStringLiteral("backup"), true);
                   spare.setProperty(QStringLiteral("port"), 9002);
                   t.addNode(spare);
               })
            << "backup-without-lb"
            << "app-spare is a backup server, but no load balancer sends traffic to it: link a load balancer to it or clear “Backup”"
            << QStringList{"app-spare"};
        QTest::newRow("two firewalls before one lb")
            << Mutation([](Topology &t) {
                   const NodeId other = t.addNode(Node::make(NodeKind::Firewall, QStringLiteral("fw-2")));
                   t.connect(other, idOf(t, "lb"));
               })
            << "lb-many-firewalls"
            << "lb is behind 2 firewalls (fw, fw-2): its listener enforces one set of rules, so merge them into one firewall"
            << QStringList{"lb", "fw", "fw-2"};
        QTest::newRow("firewall straight before a server")
            << Mutation([](Topology &t) { t.connect(idOf(t, "fw"), idOf(t, "web-02")); })
            << "firewall-before-server"
            << "fw → web-02: Loadstar enforces a firewall on a load balancer's listener, not on a server's: link fw to a load balancer in front of web-02"
            << QStringList{"fw", "web-02"};
        QTest::newRow("replica with two sources")
            << Mutation([](Topology &t) {
                   Node other = Node::make(NodeKind::Database, QStringLiteral("db-other"));
                   other.setProperty(QStringLiteral("engine"), QStringLiteral("postgresql"));
                   other.setProperty(QStringLiteral("port"), 5434);
                   t.connect(t.addNode(other), idOf(t, "db-replica"));
               })
            << "replica-many-sources" << "db-replica replicates from 2 databases: a replica follows exactly one source"
            << QStringList{"db-replica"};
    }

    void eachProblemIsReported()
    {
        QFETCH(Mutation, mutate);
        QFETCH(QString, code);
        QFETCH(QString, message);
        QFETCH(QStringList, nodes);

        Topology t = Test::everyKind();
        mutate(t);
        const QList<Problem> problems = validate(t);
        QStringList messages;
        for (const Problem &p : problems)
            messages.append(p.code + QLatin1String(": ") + p.message);
        QVERIFY2(problems.size() == 1, qPrintable(messages.join(QLatin1Char('\n'))));
        QCOMPARE(problems.first().code, code);
        QCOMPARE(problems.first().message, message);
        QStringList names;
        for (NodeId id : problems.first().nodes)
            names.append(t.node(id) ? t.node(id)->name : QString());
        QCOMPARE(names, nodes);
    }

    // A real HAProxy is watched, not run: no linked servers needed, and its
    // address and port are where it listens, not something Loadstar binds.
    void externalHaproxyNeedsOnlyItsStats()
    {
        Topology t = Test::everyKind();
        for (const char *name : {"haproxy-01", "haproxy-02"}) {
            Node external = Node::make(NodeKind::LoadBalancer, QString::fromLatin1(name));
            external.setProperty(QStringLiteral("external"), true);
            external.setProperty(QStringLiteral("port"), t.nodeByName(QStringLiteral("lb"))->intProperty(QStringLiteral("port")));
            t.addNode(external);
        }
        set(t, "haproxy-01", "stats_url", QStringLiteral("http://127.0.0.1:8404/stats;csv"));
        set(t, "haproxy-02", "stats_socket", QStringLiteral("/run/haproxy/admin.sock"));
        QStringList messages;
        for (const Problem &p : validate(t))
            messages.append(p.message);
        QCOMPARE(messages, QStringList());
    }

    void everyProblemIsReportedNotJustTheFirst()
    {
        Topology t = Test::everyKind();
        set(t, "lb", "port", 0);
        set(t, "web-01", "address", QStringLiteral("bad address"));
        t.node(idOf(t, "web-02"))->name = QStringLiteral("web-01");
        QCOMPARE(validate(t).size(), 3);
    }
};

QTEST_GUILESS_MAIN(ValidationTest)
#include "tst_validation.moc"
