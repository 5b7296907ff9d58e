#include "TestTopologies.h"
#include "document/DefaultDocument.h"
#include "engine/EngineConfig.h"
#include "haproxy/ConfigExport.h"
#include "haproxy/HaproxyImport.h"
#include "model/Validator.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Haproxy;

namespace {

// A configuration as someone wrote it: lines joined, so a test can count
// them.
QByteArray config(std::initializer_list<const char *> lines)
{
    QByteArray text;
    for (const char *line : lines)
        text += QByteArray(line) + '\n';
    return text;
}

const Node &node(const Topology &topology, const char *name)
{
    const Node *found = topology.nodeByName(QString::fromLatin1(name));
    if (!found)
        qFatal("no node named %s", name);
    return *found;
}

QStringList serversOf(const Topology &topology, const char *lbName)
{
    QStringList names;
    for (const Link &link : topology.linksFrom(node(topology, lbName).id))
        names.append(topology.node(link.to)->name);
    return names;
}

QString lines(const Node &node, const char *key)
{
    return node.stringProperty(QString::fromLatin1(key));
}


QString haproxyBinary()
{
    return QStandardPaths::findExecutable(QStringLiteral("haproxy"), {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")});
}

// Every feature the HAProxy export writes, away from its defaults: TLS with
// a redirect and a virtual address, a firewall with deny and rate limit,
// two load balancers sharing a named backend, an https check with every
// option, tls, tcp, pgsql and redis checks, a MariaDB cluster reached by
// no load balancer (the export gives it write and read listeners), and
// lines kept from an earlier import.
Topology everyFeatureDocument()
{
    Topology t;
    auto add = [&](NodeKind kind, const char *name, std::initializer_list<std::pair<const char *, QVariant>> values) {
        Node node = Node::make(kind, QString::fromLatin1(name));
        for (const auto &[key, value] : values) {
            const QString error = node.setProperty(QString::fromLatin1(key), value);
            if (!error.isEmpty())
                qFatal("%s.%s: %s", name, key, qPrintable(error));
        }
        return t.addNode(node);
    };
    auto lb = [&](const char *name, const char *address, int redirect, const char *frontendLines) {
        return add(NodeKind::LoadBalancer, name,
                   {{"address", QString::fromLatin1(address)}, {"port", 8443}, {"tls", true},
                    {"virtual_address", QStringLiteral("127.0.0.50")}, {"http_redirect_port", redirect},
                    {"backend_name", QStringLiteral("be_web")}, {"balance", QStringLiteral("leastconn")},
                    {"allbackups", true}, {"retries", 5}, {"redispatch", true}, {"maxconn", 1000},
                    {"timeout_connect", 1500}, {"timeout_client", 40000}, {"timeout_server", 45000},
                    {"timeout_queue", 3000}, {"timeout_http_request", 7000}, {"timeout_http_keep_alive", 2500},
                    {"haproxy_global", QStringLiteral("tune.ssl.default-dh-param 2048")},
                    {"haproxy_defaults", QStringLiteral("option dontlognull")},
                    {"haproxy_frontend", QString::fromLatin1(frontendLines)},
                    {"haproxy_backend", QStringLiteral("http-reuse safe")},
                    {"haproxy_sections", QStringLiteral("userlist admins\n    user admin insecure-password 'se cret'")}});
    };
    const NodeId client = add(NodeKind::Client, "client", {});
    const NodeId firewall = add(NodeKind::Firewall, "edge",
                                {{"allow", QStringLiteral("10.0.0.0/8, 127.0.0.0/8, ::1/128")},
                                 {"deny", QStringLiteral("10.66.0.0/16")}, {"rate_limit", 100}});
    const NodeId lbA = lb("lb-a", "127.0.0.2", 8080, "http-request set-header X-Via loadstar\nacl api path_beg /api");
    const NodeId lbB = lb("lb-b", "127.0.0.3", 0, "");
    const QVariant httpsCheck = QStringLiteral("https");
    auto web = [&](const char *name, const char *address, bool backup) {
        return add(NodeKind::WebServer, name,
                   {{"address", QString::fromLatin1(address)}, {"port", 443}, {"embedded", false}, {"backup", backup},
                    {"weight", backup ? 1 : 3}, {"maxconn", backup ? 50 : 0}, {"check", httpsCheck},
                    {"check_method", QStringLiteral("HEAD")}, {"check_path", QStringLiteral("/health")},
                    {"check_status", QStringLiteral("200-204")}, {"check_host", QStringLiteral("example.org")},
                    {"check_body", QStringLiteral("all good")}, {"inter", 500}, {"fastinter", 1000},
                    {"downinter", 5000}, {"rise", 3}, {"fall", 2}, {"check_timeout", 1500},
                    {"observe", QStringLiteral("layer7")}, {"error_limit", 5},
                    {"on_error", QStringLiteral("sudden-death")},
                    {"haproxy_server", backup ? QString() : QStringLiteral("cookie w1 send-proxy-v2")}});
    };
    const NodeId web1 = web("web-01", "10.0.1.1", false);
    const NodeId web2 = web("web-02", "10.0.1.2", true);
    const NodeId lbApp = add(NodeKind::LoadBalancer, "lb-app",
                             {{"address", QStringLiteral("0.0.0.0")}, {"port", 9000}, {"mode", QStringLiteral("tcp")},
                              {"balance", QStringLiteral("source")}});
    const NodeId app1 = add(NodeKind::AppServer, "app-01",
                            {{"address", QStringLiteral("10.0.2.1")}, {"port", 9001}, {"embedded", false},
                             {"check", QStringLiteral("tls")}, {"check_timeout", 3000}});
    const NodeId app2 = add(NodeKind::AppServer, "app-02",
                            {{"address", QStringLiteral("::1")}, {"port", 9002}, {"embedded", false},
                             {"check", QStringLiteral("tcp")}, {"check_timeout", 3000}, {"observe", QStringLiteral("none")}});
    const NodeId app3 = add(NodeKind::AppServer, "app-03",
                            {{"address", QStringLiteral("10.0.2.3")}, {"port", 9003}, {"embedded", false},
                             {"check", QStringLiteral("none")}, {"weight", 0}});
    const NodeId lbPg = add(NodeKind::LoadBalancer, "lb-pg",
                            {{"address", QStringLiteral("127.0.0.1")}, {"port", 15432}, {"mode", QStringLiteral("tcp")},
                             {"balance", QStringLiteral("first")}});
    auto pg = [&](const char *name, const char *address, bool backup) {
        return add(NodeKind::Database, name,
                   {{"address", QString::fromLatin1(address)}, {"port", 5432}, {"engine", QStringLiteral("postgresql")},
                    {"check", QStringLiteral("pgsql")}, {"backup", backup}, {"check_timeout", 2000}});
    };
    const NodeId pg1 = pg("pg-01", "10.0.3.1", false);
    const NodeId pg2 = pg("pg-02", "10.0.3.2", true);
    const NodeId lbRedis = add(NodeKind::LoadBalancer, "lb-redis",
                               {{"address", QStringLiteral("127.0.0.1")}, {"port", 16379}, {"mode", QStringLiteral("tcp")},
                                {"balance", QStringLiteral("static-rr")}});
    const NodeId redis = add(NodeKind::Database, "redis-01",
                             {{"address", QStringLiteral("10.0.4.1")}, {"port", 6379}, {"engine", QStringLiteral("redis")},
                              {"check", QStringLiteral("redis")}});
    const NodeId primary = add(NodeKind::Database, "db-primary",
                               {{"address", QStringLiteral("10.0.5.1")}, {"port", 3306}, {"check", QStringLiteral("mysql")},
                                {"db_user", QStringLiteral("monitor")}});
    const NodeId replica = add(NodeKind::Database, "db-replica",
                               {{"address", QStringLiteral("10.0.5.2")}, {"port", 3306}, {"check", QStringLiteral("mysql")},
                                {"db_user", QStringLiteral("monitor")}, {"role", QStringLiteral("replica")}});
    t.connect(client, firewall);
    t.connect(firewall, lbA);
    t.connect(firewall, lbB);
    for (NodeId lbId : {lbA, lbB}) {
        t.connect(lbId, web1);
        t.connect(lbId, web2);
    }
    t.connect(lbApp, app1);
    t.connect(lbApp, app2);
    t.connect(lbApp, app3);
    t.connect(lbPg, pg1);
    t.connect(lbPg, pg2);
    t.connect(lbRedis, redis);
    t.connect(app1, primary);
    t.connect(primary, replica);
    return t;
}

// What a load balancer does as compiled, without what an HAProxy file does
// not carry or carries differently: whether Loadstar runs a server itself,
// the settings of checks that are off, the error handling of traffic that
// is not watched, a role the database must have (HAProxy's checks do not
// ask), one check timeout per backend, and the checks of servers the export
// said it had to change (HAProxy has one check protocol per backend).
Engine::FrontendConfig modelled(Engine::FrontendConfig frontend, const QStringList &warnings)
{
    int checkTimeout = 0;
    for (const Engine::ServerConfig &server : std::as_const(frontend.servers)) {
        if (server.check.type != QLatin1String("none"))
            checkTimeout = std::max(checkTimeout, server.check.timeout);
    }
    for (Engine::ServerConfig &server : frontend.servers) {
        server.embedded = false;
        // An HAProxy configuration does not say which databases a server queries.
        server.databases.clear();
        Engine::CheckConfig &check = server.check;
        const Engine::CheckConfig off;
        check.requireRole.clear();
        check.timeout = check.type == QLatin1String("none") ? off.timeout : checkTimeout;
        const bool changed = std::any_of(warnings.cbegin(), warnings.cend(), [&](const QString &warning) {
            return warning.contains(QStringLiteral("%1's").arg(server.name))
                   || warning.contains(QStringLiteral("/%1 ").arg(server.name));
        });
        if (changed)
            check = off;
        if (check.type == QLatin1String("none"))
            check.observe = off.observe;
        if (check.type == QLatin1String("none") || check.observe == QLatin1String("none")) {
            check.errorLimit = off.errorLimit;
            check.onError = off.onError;
        }
    }
    return frontend;
}

} // namespace

class TestHaproxyImport : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_files = 0;

    // Writes `text` to a file of its own and imports it, as a user would.
    ImportResult importText(const QByteArray &text)
    {
        const QString path = m_dir.filePath(QStringLiteral("haproxy-%1.cfg").arg(++m_files));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
            qFatal("cannot write %s", qPrintable(path));
        file.close();
        return importFile(path);
    }

    QString writeFile(const QByteArray &text)
    {
        const QString path = m_dir.filePath(QStringLiteral("check-%1.cfg").arg(++m_files));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
            qFatal("cannot write %s", qPrintable(path));
        return path;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void listenSectionsAreLoadBalancersWithTheirServers()
    {
        const ImportResult result = importText(config({
            "global",                                         // 1
            "    log /dev/log local0",                        // 2
            "defaults",                                       // 3
            "    timeout connect 3s",                         // 4
            "    timeout client 1m",                          // 5
            "    timeout server 1m",                          // 6
            "listen web",                                     // 7
            "    bind 127.0.0.1:8080",                        // 8
            "    mode http",                                  // 9
            "    balance leastconn",                          // 10
            "    option redispatch",                          // 11
            "    option allbackups",                          // 12
            "    retries 5",                                  // 13
            "    maxconn 500",                                // 14
            "    timeout http-request 4s",                    // 15
            "    timeout http-keep-alive 2s",                 // 16
            "    timeout queue 7s",                           // 17
            "    server web-01 10.0.0.11:8081 check weight 3 maxconn 40", // 18
            "    server web-02 10.0.0.12:8082 check backup",  // 19
            "listen db",                                      // 20
            "    bind 127.0.0.1:3307",                        // 21
            "    mode tcp",                                   // 22
            "    server db-01 10.0.0.21:3306 check",          // 23
        }));
        QVERIFY2(result.ok(), qPrintable(result.errors.value(0).text()));
        const Topology &t = result.topology;
        QCOMPARE(result.report.loadBalancers, 2);
        QCOMPARE(result.report.servers, 3);
        QCOMPARE(serversOf(t, "web"), (QStringList{"web-01", "web-02"}));
        QCOMPARE(serversOf(t, "db"), QStringList{"db-01"});

        const Node &web = node(t, "web");
        QCOMPARE(web.kind, NodeKind::LoadBalancer);
        QCOMPARE(web.stringProperty("address"), QStringLiteral("127.0.0.1"));
        QCOMPARE(web.intProperty("port"), 8080);
        QCOMPARE(web.stringProperty("mode"), QStringLiteral("http"));
        QCOMPARE(web.stringProperty("balance"), QStringLiteral("leastconn"));
        QCOMPARE(web.boolProperty("redispatch"), true);
        QCOMPARE(web.boolProperty("allbackups"), true);
        QCOMPARE(web.intProperty("retries"), 5);
        QCOMPARE(web.intProperty("maxconn"), 500);
        QCOMPARE(web.intProperty("timeout_connect"), 3000);
        QCOMPARE(web.intProperty("timeout_client"), 60000);
        QCOMPARE(web.intProperty("timeout_server"), 60000);
        QCOMPARE(web.intProperty("timeout_queue"), 7000);
        QCOMPARE(web.intProperty("timeout_http_request"), 4000);
        QCOMPARE(web.intProperty("timeout_http_keep_alive"), 2000);
        QCOMPARE(web.stringProperty("backend_name"), QString());

        const Node &web1 = node(t, "web-01");
        QCOMPARE(web1.kind, NodeKind::WebServer);
        QCOMPARE(web1.stringProperty("address"), QStringLiteral("10.0.0.11"));
        QCOMPARE(web1.intProperty("port"), 8081);
        QCOMPARE(web1.intProperty("weight"), 3);
        QCOMPARE(web1.intProperty("maxconn"), 40);
        QCOMPARE(web1.boolProperty("embedded"), false);
        QCOMPARE(web1.stringProperty("check"), QStringLiteral("tcp"));
        QCOMPARE(node(t, "web-02").boolProperty("backup"), true);

        // tcp with a database's port: a database; its load balancer's mode is tcp.
        QCOMPARE(node(t, "db").stringProperty("mode"), QStringLiteral("tcp"));
        QCOMPARE(node(t, "db-01").kind, NodeKind::Database);
        QCOMPARE(node(t, "db-01").stringProperty("engine"), QStringLiteral("mariadb"));

        // Nothing was left out, and the drawing runs as it is.
        QCOMPARE(result.report.keptLines, 0);
        QVERIFY(result.report.entries.isEmpty());
        QCOMPARE(validate(t).size(), 0);
        QCOMPARE(result.report.summary(QStringLiteral("haproxy.cfg")),
                 QStringLiteral("Imported haproxy.cfg: 2 load balancers, 3 servers, 0 lines kept"));
        // Laid out in tiers: the load balancers above their servers.
        QVERIFY(web.position.y() < web1.position.y());
    }

    void frontendsSharingABackendShareItsServers()
    {
        const ImportResult result = importText(config({
            "defaults",                                  // 1
            "    mode http",                             // 2
            "frontend fe_public",                        // 3
            "    bind :80",                              // 4
            "    default_backend be_app",                // 5
            "frontend fe_internal",                      // 6
            "    bind 10.1.0.1:8080",                    // 7
            "    default_backend be_app",                // 8
            "backend be_app",                            // 9
            "    balance source",                        // 10
            "    http-reuse safe",                       // 11
            "    server app1 10.0.0.11:80 check",        // 12
            "    server app2 10.0.0.12:80 check",        // 13
        }));
        QVERIFY(result.ok());
        const Topology &t = result.topology;
        QCOMPARE(result.report.loadBalancers, 2);
        QCOMPARE(result.report.servers, 2);
        QCOMPARE(t.nodes().size(), 4);
        QCOMPARE(serversOf(t, "fe_public"), (QStringList{"app1", "app2"}));
        QCOMPARE(serversOf(t, "fe_internal"), (QStringList{"app1", "app2"}));
        for (const char *lb : {"fe_public", "fe_internal"}) {
            QCOMPARE(node(t, lb).stringProperty("backend_name"), QStringLiteral("be_app"));
            QCOMPARE(node(t, lb).stringProperty("balance"), QStringLiteral("source"));
            QCOMPARE(lines(node(t, lb), "haproxy_backend"), QStringLiteral("http-reuse safe"));
        }
        QCOMPARE(node(t, "fe_public").stringProperty("address"), QStringLiteral("0.0.0.0"));
        QCOMPARE(result.report.lines(),
                 QStringList{"line 11: http-reuse safe — kept with fe_public, fe_internal (backend lines)"});
        QCOMPARE(validate(t).size(), 0);
    }

    void useBackendRulesAreKeptAndTheirBackendsKeptWhole()
    {
        const ImportResult result = importText(config({
            "defaults",                                   // 1
            "    mode http",                              // 2
            "frontend fe_main",                           // 3
            "    bind 0.0.0.0:8080",                      // 4
            "    acl is_api path_beg /api",               // 5
            "    use_backend be_api if is_api",           // 6
            "    default_backend be_web",                 // 7
            "backend be_web",                             // 8
            "    server web1 10.0.0.11:80 check",         // 9
            "backend be_api",                             // 10
            "    balance uri",                            // 11
            "    server api1 10.0.0.21:9000 check",       // 12
        }));
        QVERIFY(result.ok());
        const Topology &t = result.topology;
        QCOMPARE(t.nodes().size(), 2);
        QVERIFY(!t.nodeByName(QStringLiteral("api1")));
        const Node &fe = node(t, "fe_main");
        QCOMPARE(lines(fe, "haproxy_frontend"), QStringLiteral("acl is_api path_beg /api\nuse_backend be_api if is_api"));
        QCOMPARE(lines(fe, "haproxy_sections"),
                 QStringLiteral("backend be_api\n    # from the defaults at line 1\n    mode http\n"
                                "    balance uri\n    server api1 10.0.0.21:9000 check"));
        QCOMPARE(result.report.keptLines, 5);
        QCOMPARE(result.report.lines(),
                 (QStringList{
                     "line 5: acl is_api path_beg /api — kept with fe_main (frontend lines)",
                     "line 6: use_backend be_api if is_api — kept with fe_main (frontend lines)",
                     "lines 10–12: backend be_api — kept as a whole section with fe_main, not drawn: only "
                     "use_backend rules reach it, and Loadstar's engine does no content switching",
                 }));
        QCOMPARE(result.report.summary(QStringLiteral("haproxy.cfg")),
                 QStringLiteral("Imported haproxy.cfg: 1 load balancer, 1 server, 5 lines kept (listed below)"));
    }

    void unknownDirectivesAndSectionKindsAreKeptWithTheirLineNumbers()
    {
        const ImportResult result = importText(config({
            "global",                                         // 1
            "    log 127.0.0.1:514 local0",                   // 2
            "    ssl-default-bind-options no-sslv3",          // 3
            "defaults",                                       // 4
            "    mode http",                                  // 5
            "    option forwardfor",                          // 6
            "userlist admins",                                // 7
            "    user admin insecure-password 'se cret'",     // 8
            "resolvers dns",                                  // 9
            "    nameserver ns1 10.0.0.53:53",                // 10
            "peers mesh",                                     // 11
            "    peer lb1 10.0.0.1:10000",                    // 12
            "cache assets",                                   // 13
            "    total-max-size 64",                          // 14
            "program exporter",                               // 15
            "    command /usr/bin/exporter",                  // 16
            "mailers ops",                                    // 17
            "    mailer smtp1 10.0.0.25:25",                  // 18
            "frontend fe",                                    // 19
            "    bind :80",                                   // 20
            "    frobnicate the widgets   # not HAProxy's",   // 21
            "    default_backend be",                         // 22
            "backend be",                                     // 23
            "    server s1 10.0.0.11:80 check send-proxy-v2 cookie s1", // 24
            "listen stats",                                   // 25
            "    bind 127.0.0.1:8404",                        // 26
            "    stats enable",                               // 27
            "    stats uri /stats",                           // 28
            "    http-request use-service prometheus-exporter if { path /metrics }", // 29
        }));
        QVERIFY(result.ok());
        const Topology &t = result.topology;
        QCOMPARE(result.report.loadBalancers, 1);
        const Node &fe = node(t, "fe");
        QCOMPARE(lines(fe, "haproxy_global"), QStringLiteral("log 127.0.0.1:514 local0\nssl-default-bind-options no-sslv3"));
        QCOMPARE(lines(fe, "haproxy_defaults"), QStringLiteral("option forwardfor"));
        QCOMPARE(lines(fe, "haproxy_frontend"), QStringLiteral("frobnicate the widgets   # not HAProxy's"));
        QCOMPARE(node(t, "s1").stringProperty("haproxy_server"), QStringLiteral("send-proxy-v2 cookie s1"));
        const QString sections = lines(fe, "haproxy_sections");
        QVERIFY2(sections.startsWith(QStringLiteral("userlist admins\n    user admin insecure-password 'se cret'\n\n"
                                                    "resolvers dns\n")),
                 qPrintable(sections));
        for (const char *header : {"peers mesh", "cache assets", "program exporter", "mailers ops", "listen stats"})
            QVERIFY2(sections.contains(QString::fromLatin1(header)), header);
        QVERIFY(sections.endsWith(QStringLiteral("    http-request use-service prometheus-exporter if { path /metrics }")));

        const QStringList report = result.report.lines();
        QVERIFY(report.contains(QStringLiteral("line 2: log 127.0.0.1:514 local0 — kept with fe (global lines)")));
        QVERIFY(report.contains(QStringLiteral("line 6: option forwardfor — kept with fe (defaults lines)")));
        QVERIFY(report.contains(QStringLiteral("lines 7–8: userlist admins — kept as a whole section with fe, not drawn")));
        QVERIFY(report.contains(QStringLiteral("lines 17–18: mailers ops — kept as a whole section with fe, not drawn")));
        QVERIFY(report.contains(
            QStringLiteral("line 21: frobnicate the widgets   # not HAProxy's — kept with fe (frontend lines)")));
        QVERIFY(report.contains(QStringLiteral(
            "lines 25–29: listen stats — kept as a whole section with fe, not drawn: it only serves statistics")));
        // 2 global + 1 defaults + 1 frontend + 2 × 6 sections + 5 of the stats listener.
        QCOMPARE(result.report.keptLines, 2 + 1 + 1 + 12 + 5);
        QCOMPARE(validate(t).size(), 0);
    }

    void eachProxyTakesTheLastDefaultsBeforeIt()
    {
        const ImportResult result = importText(config({
            "defaults base",                       // 1
            "    mode http",                       // 2
            "    timeout connect 1s",              // 3
            "    balance static-rr",               // 4
            "    option redispatch",               // 5
            "frontend first",                      // 6
            "    bind :8001",                      // 7
            "    default_backend be_first",        // 8
            "backend be_first",                    // 9
            "    server a 10.0.0.1:80",            // 10
            "defaults",                            // 11
            "    mode tcp",                        // 12
            "    timeout connect 2500ms",          // 13
            "frontend second",                     // 14
            "    bind :8002",                      // 15
            "    default_backend be_second",       // 16
            "backend be_second",                   // 17
            "    no option redispatch",            // 18
            "    server b 10.0.0.2:9000",          // 19
            "listen third from base",              // 20
            "    bind :8003",                      // 21
            "    timeout connect 500us",           // 22
            "    server c 10.0.0.3:80",            // 23
        }));
        QVERIFY(result.ok());
        const Topology &t = result.topology;
        const Node &first = node(t, "first");
        QCOMPARE(first.stringProperty("mode"), QStringLiteral("http"));
        QCOMPARE(first.intProperty("timeout_connect"), 1000);
        QCOMPARE(first.stringProperty("balance"), QStringLiteral("static-rr"));
        QCOMPARE(first.boolProperty("redispatch"), true);
        QCOMPARE(node(t, "a").kind, NodeKind::WebServer);
        QCOMPARE(node(t, "a").stringProperty("check"), QStringLiteral("none"));

        // A new defaults section starts afresh: no balance, no redispatch.
        const Node &second = node(t, "second");
        QCOMPARE(second.stringProperty("mode"), QStringLiteral("tcp"));
        QCOMPARE(second.intProperty("timeout_connect"), 2500);
        QCOMPARE(second.stringProperty("balance"), QStringLiteral("roundrobin"));
        QCOMPARE(second.boolProperty("redispatch"), false);
        QCOMPARE(node(t, "b").kind, NodeKind::AppServer);

        // "from base" names the defaults; 500us rounds up to 1 ms.
        const Node &third = node(t, "third");
        QCOMPARE(third.stringProperty("mode"), QStringLiteral("http"));
        QCOMPARE(third.stringProperty("balance"), QStringLiteral("static-rr"));
        QCOMPARE(third.intProperty("timeout_connect"), 1);
        QCOMPARE(validate(t).size(), 0);
    }

    void defaultServerOptionsReachEveryServer()
    {
        const ImportResult result = importText(config({
            "defaults",                                                         // 1
            "    mode http",                                                    // 2
            "    default-server inter 5s rise 4 fall 5 send-proxy",             // 3
            "listen web",                                                       // 4
            "    bind :8080",                                                   // 5
            "    default-server check maxconn 100",                             // 6
            "    server w1 10.0.0.1:80",                                        // 7
            "    server w2 10.0.0.2:80 inter 1s fastinter 500ms rise 1 no-check", // 8
        }));
        QVERIFY(result.ok());
        const Node &w1 = node(result.topology, "w1");
        QCOMPARE(w1.stringProperty("check"), QStringLiteral("tcp"));
        QCOMPARE(w1.intProperty("inter"), 5000);
        QCOMPARE(w1.intProperty("fastinter"), 5000); // HAProxy: unset, it is inter
        QCOMPARE(w1.intProperty("downinter"), 5000);
        QCOMPARE(w1.intProperty("check_timeout"), 5000);
        QCOMPARE(w1.intProperty("rise"), 4);
        QCOMPARE(w1.intProperty("fall"), 5);
        QCOMPARE(w1.intProperty("maxconn"), 100);
        QCOMPARE(w1.stringProperty("haproxy_server"), QStringLiteral("send-proxy"));
        const Node &w2 = node(result.topology, "w2");
        QCOMPARE(w2.stringProperty("check"), QStringLiteral("none"));
        QCOMPARE(w2.intProperty("inter"), 1000);
        QCOMPARE(w2.intProperty("fastinter"), 500);
        QCOMPARE(w2.intProperty("downinter"), 1000);
        QCOMPARE(w2.intProperty("rise"), 1);
        QCOMPARE(w2.intProperty("maxconn"), 100);
        QVERIFY(result.report.lines().contains(
            QStringLiteral("line 6: default-server check maxconn 100 — applied to every server it covers; options "
                           "Loadstar does not model are kept on each server's line")));
    }

    void everyCheckKind_data()
    {
        QTest::addColumn<QByteArray>("backend");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QVariantMap>("expected");
        auto row = [](const char *name, const char *mode, QByteArray lines, const char *kind, QVariantMap expected) {
            QTest::newRow(name) << (QByteArray("    mode ") + mode + "\n" + lines) << QString::fromLatin1(kind) << expected;
        };
        row("no check", "http", "    server s 10.0.0.1:80\n", "web-server", {{"check", "none"}});
        row("tcp", "tcp", "    server s 10.0.0.1:9000 check\n", "app-server", {{"check", "tcp"}});
        row("http, default request", "http", "    option httpchk\n    server s 10.0.0.1:80 check\n", "web-server",
            {{"check", "http"}, {"check_method", "OPTIONS"}, {"check_path", "/"}, {"check_status", "200-399"}});
        row("http, uri only", "http", "    option httpchk /ping\n    server s 10.0.0.1:80 check\n", "web-server",
            {{"check", "http"}, {"check_method", "OPTIONS"}, {"check_path", "/ping"}});
        row("http send and expect", "http",
            "    option httpchk\n    http-check send meth HEAD uri /health ver HTTP/1.1 hdr Host example.org\n"
            "    http-check expect status 200-204\n    server s 10.0.0.1:80 check inter 3s\n",
            "web-server",
            {{"check", "http"}, {"check_method", "HEAD"}, {"check_path", "/health"}, {"check_host", "example.org"},
             {"check_status", "200-204"}, {"inter", 3000}});
        row("http expect string", "http",
            "    option httpchk GET /status\n    http-check expect string ready\n    server s 10.0.0.1:80 check\n",
            "web-server", {{"check", "http"}, {"check_method", "GET"}, {"check_path", "/status"}, {"check_body", "ready"}});
        row("http, host in the version (HAProxy < 2.2)", "http",
            "    option httpchk GET /health HTTP/1.1\\r\\nHost:\\ www.example.org\n    server s 10.0.0.1:80 check\n",
            "web-server", {{"check", "http"}, {"check_path", "/health"}, {"check_host", "www.example.org"}});
        row("https", "http",
            "    option httpchk GET /health\n    server s 10.0.0.1:443 check check-ssl verify none\n", "web-server",
            {{"check", "https"}, {"check_path", "/health"}, {"haproxy_server", ""}});
        row("tls", "tcp", "    server s 10.0.0.1:8443 check check-ssl verify none check-sni api.example.org\n",
            "app-server", {{"check", "tls"}, {"check_host", "api.example.org"}, {"haproxy_server", ""}});
        row("observe", "http",
            "    server s 10.0.0.1:80 check observe layer7 error-limit 5 on-error sudden-death\n", "web-server",
            {{"check", "tcp"}, {"observe", "layer7"}, {"error_limit", 5}, {"on_error", "sudden-death"}});
        row("observe, HAProxy's default action", "http", "    server s 10.0.0.1:80 check observe layer4\n",
            "web-server", {{"observe", "layer4"}, {"on_error", "fail-check"}});
        row("mysql", "tcp", "    option mysql-check user haproxy\n    server s 10.0.0.1:3306 check\n", "database",
            {{"check", "mysql"}, {"engine", "mariadb"}, {"db_user", "haproxy"}});
        row("mysql without user", "tcp", "    option mysql-check\n    server s 10.0.0.1:3316 check\n", "database",
            {{"check", "mysql"}, {"engine", "mariadb"}, {"db_user", ""}, {"port", 3316}});
        row("pgsql", "tcp", "    option pgsql-check user monitor\n    server s 10.0.0.1:5432 check\n", "database",
            {{"check", "pgsql"}, {"engine", "postgresql"}, {"db_user", "monitor"}});
        row("redis", "tcp", "    option redis-check\n    server s 10.0.0.1:6379 check\n", "database",
            {{"check", "redis"}, {"engine", "redis"}});
        row("postgresql by its port", "tcp", "    server s 10.0.0.1:5432 check\n", "database",
            {{"check", "tcp"}, {"engine", "postgresql"}});
    }

    void everyCheckKind()
    {
        QFETCH(QByteArray, backend);
        QFETCH(QString, kind);
        QFETCH(QVariantMap, expected);
        const ImportResult result = importText("listen lb\n    bind :7000\n" + backend);
        QVERIFY2(result.ok(), qPrintable(result.errors.value(0).text()));
        const Node &server = node(result.topology, "s");
        QCOMPARE(nodeKindId(server.kind), kind);
        for (auto it = expected.cbegin(); it != expected.cend(); ++it)
            QCOMPARE(server.property(it.key()).toString(), it.value().toString());
        QCOMPARE(server.boolProperty("embedded"), false);
        QCOMPARE(validate(result.topology).size(), 0);
    }

    void bindForms_data()
    {
        QTest::addColumn<QString>("bind");
        QTest::addColumn<QString>("address");
        QTest::addColumn<int>("port");
        QTest::newRow("*:80") << "*:80" << "0.0.0.0" << 80;
        QTest::newRow(":80") << ":80" << "0.0.0.0" << 80;
        QTest::newRow("[::]:443") << "[::]:443" << "::" << 443;
        QTest::newRow("[::1]:8443") << "[::1]:8443" << "::1" << 8443;
        QTest::newRow("ipv4@") << "ipv4@10.0.0.5:8080" << "10.0.0.5" << 8080;
        QTest::newRow("host name") << "lb.example.org:80" << "lb.example.org" << 80;
    }

    void bindForms()
    {
        QFETCH(QString, bind);
        QFETCH(QString, address);
        QFETCH(int, port);
        const ImportResult result = importText(
            QStringLiteral("listen lb\n    bind %1\n    server s 10.0.0.1:80\n").arg(bind).toUtf8());
        QVERIFY2(result.ok(), qPrintable(result.errors.value(0).text()));
        QCOMPARE(node(result.topology, "lb").stringProperty("address"), address);
        QCOMPARE(node(result.topology, "lb").intProperty("port"), port);
    }

    void tlsAndItsRedirectFrontend()
    {
        const ImportResult result = importText(config({
            "defaults",                                                        // 1
            "    mode http",                                                   // 2
            "frontend fe_https",                                               // 3
            "    bind 10.0.0.7:443 ssl crt /etc/haproxy/site.pem alpn h2,http/1.1", // 4
            "    bind 10.0.0.8:443 ssl crt /etc/haproxy/site.pem",             // 5
            "    default_backend be",                                          // 6
            "frontend fe_http",                                                // 7
            "    bind 10.0.0.7:80",                                            // 8
            "    http-request redirect scheme https code 301",                 // 9
            "backend be",                                                      // 10
            "    server s 10.0.0.1:80 check",                                  // 11
        }));
        QVERIFY(result.ok());
        const Topology &t = result.topology;
        QCOMPARE(result.report.loadBalancers, 1);
        const Node &lb = node(t, "fe_https");
        QCOMPARE(lb.boolProperty("tls"), true);
        QCOMPARE(lb.stringProperty("tls_certificate"), QStringLiteral("/etc/haproxy/site.pem"));
        QCOMPARE(lb.intProperty("http_redirect_port"), 80);
        QCOMPARE(lb.stringProperty("haproxy_bind"), QStringLiteral("alpn h2,http/1.1"));
        QCOMPARE(lines(lb, "haproxy_frontend"), QStringLiteral("bind 10.0.0.8:443 ssl crt /etc/haproxy/site.pem"));
        QCOMPARE(result.report.lines(),
                 (QStringList{"line 4: bind 10.0.0.7:443 ssl crt /etc/haproxy/site.pem alpn h2,http/1.1 — bind "
                              "options Loadstar does not model (alpn h2,http/1.1) kept on fe_https's listener",
                              "line 5: bind 10.0.0.8:443 ssl crt /etc/haproxy/site.pem — kept with fe_https "
                              "(frontend lines)"}));
    }

    void unmodelledValuesAreKeptAndSaidSo()
    {
        const ImportResult result = importText(config({
            "listen lb",                                    // 1
            "    bind :80",                                 // 2
            "    mode http",                                // 3
            "    balance hdr(host)",                        // 4
            "    timeout client 2d",                        // 5
            "    server s 10.0.0.1:80 weight 300 check",    // 6
        }));
        QVERIFY(result.ok());
        const Node &lb = node(result.topology, "lb");
        QCOMPARE(lb.stringProperty("balance"), QStringLiteral("roundrobin"));
        QCOMPARE(lines(lb, "haproxy_backend"), QStringLiteral("balance hdr(host)"));
        QCOMPARE(lines(lb, "haproxy_frontend"), QStringLiteral("timeout client 2d"));
        QCOMPARE(lb.intProperty("timeout_client"), 50000);
        const Node &s = node(result.topology, "s");
        QCOMPARE(s.intProperty("weight"), 1);
        QCOMPARE(s.stringProperty("haproxy_server"), QStringLiteral("weight 300"));
        const QStringList report = result.report.lines();
        QVERIFY2(report.contains(QStringLiteral(
                     "line 4: balance hdr(host) — Loadstar's engine balances roundrobin, static-rr, leastconn, "
                     "source, first or random: drawn as roundrobin, the line kept for HAProxy")),
                 qPrintable(report.join('\n')));
        QVERIFY(report.contains(QStringLiteral("line 4: balance hdr(host) — kept with lb (backend lines)")));
        QVERIFY(report.contains(QStringLiteral(
            "line 5: timeout client 2d — client timeout 172800000 is out of range (1–86400000) in Loadstar: kept for HAProxy")));
        QVERIFY(report.contains(
            QStringLiteral("line 6: server s 10.0.0.1:80 weight 300 check — weight 300 is out of range (0–256) in "
                           "Loadstar: kept for HAProxy")));
    }

    void aServerNameInTwoBackendsIsRenamed()
    {
        const ImportResult result = importText(config({
            "defaults",                       // 1
            "    mode http",                  // 2
            "frontend a",                     // 3
            "    bind :8001",                 // 4
            "    default_backend be_a",       // 5
            "frontend b",                     // 6
            "    bind :8002",                 // 7
            "    default_backend be_b",       // 8
            "backend be_a",                   // 9
            "    server s1 10.0.0.1:80",      // 10
            "    server shared 10.0.0.9:80",  // 11
            "backend be_b",                   // 12
            "    server s1 10.0.0.2:80",      // 13
            "    server shared 10.0.0.9:80",  // 14
        }));
        QVERIFY(result.ok());
        const Topology &t = result.topology;
        QCOMPARE(serversOf(t, "a"), (QStringList{"s1", "shared"}));
        // The same server line in two backends is one machine; another one
        // with the same name gets its backend's name in front.
        QCOMPARE(serversOf(t, "b"), (QStringList{"be_b-s1", "shared"}));
        QCOMPARE(node(t, "be_b-s1").stringProperty("address"), QStringLiteral("10.0.0.2"));
        QCOMPARE(result.report.servers, 3);
        QCOMPARE(result.report.lines(),
                 QStringList{"line 13: server s1 10.0.0.2:80 — another node is named “s1”: this server is drawn "
                             "as “be_b-s1”"});
        QCOMPARE(validate(t).size(), 0);
    }

    void tokenizerFollowsHaproxy_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QStringList>("words");
        QTest::newRow("comment") << "bind :80 # public" << QStringList{"bind", ":80"};
        QTest::newRow("double quotes") << "log-format \"%ci %s\"" << QStringList{"log-format", "%ci %s"};
        QTest::newRow("single quotes keep backslashes") << "acl x path_reg '^/a\\.b$'"
                                                        << QStringList{"acl", "x", "path_reg", "^/a\\.b$"};
        QTest::newRow("escaped space and hash") << "errorfile 503 /a\\ b\\#c" << QStringList{"errorfile", "503", "/a b#c"};
        QTest::newRow("quoted parts join") << "x \"a b\"'c d'e" << QStringList{"x", "a bc de"};
        QTest::newRow("hash inside quotes") << "x \"#not a comment\"" << QStringList{"x", "#not a comment"};
        QTest::newRow("a backslash at the end stays") << "x a\\" << QStringList{"x", "a\\"};
    }

    void tokenizerFollowsHaproxy()
    {
        QFETCH(QString, line);
        QFETCH(QStringList, words);
        QCOMPARE(tokenize(line).value_or(QStringList{"(error)"}), words);
    }

    void timesInEveryUnit()
    {
        auto ms = [](const char *word) { return parseTime(QString::fromLatin1(word)).value_or(-1); };
        QCOMPARE(ms("250"), qint64(250));
        QCOMPARE(ms("250ms"), qint64(250));
        QCOMPARE(ms("1500us"), qint64(2));
        QCOMPARE(ms("3s"), qint64(3000));
        QCOMPARE(ms("2m"), qint64(120000));
        QCOMPARE(ms("1h"), qint64(3600000));
        QCOMPARE(ms("1d"), qint64(86400000));
        QCOMPARE(ms("2x"), qint64(-1));
        QCOMPARE(ms("s"), qint64(-1));
        QCOMPARE(ms("-1s"), qint64(-1));
    }

    void malformedFilesSayWhichLine_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QStringList>("errors");
        QTest::newRow("directive before any section")
            << config({"# tuned", "maxconn 100", "global"})
            << QStringList{"line 2: “maxconn” comes before any section: put it under global, defaults, frontend, "
                           "backend or listen"};
        QTest::newRow("server without address")
            << config({"listen lb", "    bind :80", "    server web1"})
            << QStringList{"line 3: server “web1” has no address: write it as server web1 10.0.0.1:80"};
        QTest::newRow("bad port")
            << config({"listen lb", "    bind :80", "    server web1 10.0.0.1:99999 check"})
            << QStringList{"line 3: “99999” in “10.0.0.1:99999” is not a port (1–65535)"};
        QTest::newRow("bad time")
            << config({"listen lb", "    bind :80", "    server web1 10.0.0.1:80 check inter 2x"})
            << QStringList{"line 3: “2x” is not a time such as 2s or 500ms"};
        QTest::newRow("bad timeout")
            << config({"defaults", "    timeout connect 5sec"})
            << QStringList{"line 2: “5sec” is not a time such as 2s or 500ms"};
        QTest::newRow("bind without port")
            << config({"frontend fe", "    bind 10.0.0.1", "    default_backend be", "backend be"})
            << QStringList{"line 2: bind “10.0.0.1” has no port: write it as 10.0.0.1:80"};
        QTest::newRow("default_backend naming nothing")
            << config({"frontend fe", "    bind :80", "    default_backend nowhere"})
            << QStringList{"line 3: default_backend “nowhere” names no backend: add a section “backend nowhere” "
                           "or fix the name"};
        QTest::newRow("unclosed quote")
            << config({"global", "    log-tag \"loadstar"})
            << QStringList{"line 2: a quote (\") is not closed on this line"};
        QTest::newRow("binary") << QByteArray("global\n\x7f" "ELF\x02\x01\x01\x00\x00\x00\n", 18)
                                << QStringList{"line 2: the file is not a text configuration (binary data or text "
                                               "that is not UTF-8): choose an haproxy.cfg"};
        QTest::newRow("not UTF-8") << QByteArray("global\n    log-tag caf\xe9\n")
                                   << QStringList{"line 2: the file is not a text configuration (binary data or text "
                                                  "that is not UTF-8): choose an haproxy.cfg"};
        QTest::newRow("several mistakes, each with its line")
            << config({"listen lb", "    bind :80", "    timeout client forever", "    server a 10.0.0.1:0"})
            << QStringList{"line 3: “forever” is not a time such as 2s or 500ms",
                           "line 4: “0” in “10.0.0.1:0” is not a port (1–65535)"};
        QTest::newRow("nothing to draw")
            << config({"global", "    daemon", "backend be", "    server a 10.0.0.1:80"})
            << QStringList{"has no frontend or listen section with a bind line: there is no load balancer to draw"};
    }

    void malformedFilesSayWhichLine()
    {
        QFETCH(QByteArray, text);
        QFETCH(QStringList, errors);
        const ImportResult result = importText(text);
        QVERIFY(!result.ok());
        QStringList said;
        for (const ConfigError &error : result.errors)
            said.append(error.text());
        QCOMPARE(said, errors);
        QVERIFY(result.topology.isEmpty());
    }

    void aMissingFileSaysSo()
    {
        const ImportResult result = importFile(m_dir.filePath(QStringLiteral("nowhere.cfg")));
        QCOMPARE(result.errors.size(), 1);
        QCOMPARE(result.errors.first().line, 0);
        QCOMPARE(result.errors.first().text(),
                 QStringLiteral("cannot be read (No such file or directory): choose an existing haproxy.cfg"));
    }

    void aDrawingThatDoesNotValidateIsStillReturnedWithItsProblems()
    {
        const ImportResult result = importText(config({
            "frontend only_rules",               // 1
            "    bind :80",                      // 2
            "    mode http",                     // 3
            "    use_backend be if { path /a }", // 4
            "backend be",                        // 5
            "    mode http",                     // 6
            "    server s 10.0.0.1:80",          // 7
        }));
        QVERIFY(result.ok());
        QCOMPARE(result.report.loadBalancers, 1);
        QCOMPARE(result.report.problems.size(), 1);
        QCOMPARE(result.report.problems.first().code, QStringLiteral("lb-without-servers"));
        QVERIFY(result.report.lines().constLast().startsWith(
            QStringLiteral("the drawing: only_rules is a load balancer with no servers")));
    }

    void exportImportExportIsExact_data()
    {
        QTest::addColumn<Topology>("document");
        for (const DocumentTemplate &entry : documentTemplates())
            QTest::newRow(qPrintable(entry.id)) << entry.topology;
        QTest::newRow("every feature") << everyFeatureDocument();
        QTest::newRow("every feature (export tests)") << Test::everyFeature();
    }

    // export → import → export writes the same bytes, the imported drawing
    // balances as the drawn one (what compile() gives the engine), and
    // HAProxy accepts the file.
    void exportImportExportIsExact()
    {
        QFETCH(Topology, document);
        QTemporaryDir out;
        ExportOptions options;
        options.source = QStringLiteral("design.loadstar");
        options.outputFolder = out.path();
        const ConfigExport first = exportConfiguration(ConfigFormat::Haproxy, document, options);
        QVERIFY2(first.error.isEmpty(), qPrintable(first.error));
        const QString exported = out.filePath(QStringLiteral("haproxy.cfg"));
        QString error;
        QVERIFY2(writeConfiguration(first, exported, &error), qPrintable(error));

        const ImportResult imported = importFile(exported);
        QVERIFY2(imported.ok(), qPrintable(imported.errors.value(0).text()));
        QVERIFY2(imported.report.problems.isEmpty(), qPrintable(imported.report.lines().join('\n')));

        const ConfigExport second = exportConfiguration(ConfigFormat::Haproxy, imported.topology, options);
        QVERIFY2(second.error.isEmpty(), qPrintable(second.error));
        QCOMPARE(QString::fromUtf8(second.text), QString::fromUtf8(first.text));
        QCOMPARE(second.text, first.text);

        const Engine::CompileResult drawn = Engine::compile(document);
        const Engine::CompileResult back = Engine::compile(imported.topology);
        QVERIFY(drawn.problems.isEmpty() && back.problems.isEmpty());
        for (Engine::FrontendConfig frontend : drawn.config.frontends) {
            const auto match = std::find_if(back.config.frontends.cbegin(), back.config.frontends.cend(),
                                            [&](const Engine::FrontendConfig &f) { return f.name == frontend.name; });
            QVERIFY2(match != back.config.frontends.cend(), qPrintable(frontend.name));
            // A certificate made for the run becomes the PEM file the export made.
            if (frontend.tls.enabled && frontend.tls.certificateFile.isEmpty()) {
                QCOMPARE(match->tls.certificateFile, out.filePath(frontend.name + QStringLiteral(".pem")));
                frontend.tls.certificateFile = match->tls.certificateFile;
            }
            QCOMPARE(modelled(*match, first.warnings), modelled(frontend, first.warnings));
        }
        // The rest are a cluster's write and read listeners the export added.
        for (const Engine::FrontendConfig &frontend : back.config.frontends) {
            const bool drawnOne = std::any_of(drawn.config.frontends.cbegin(), drawn.config.frontends.cend(),
                                              [&](const Engine::FrontendConfig &f) { return f.name == frontend.name; });
            QVERIFY2(drawnOne || frontend.name.endsWith(QLatin1String("-write")) || frontend.name.endsWith(QLatin1String("-read")),
                     qPrintable(frontend.name));
        }

        const QString haproxy = haproxyBinary();
        if (haproxy.isEmpty())
            QSKIP("haproxy is not installed (apt-get install haproxy)");
        const QString reexported = out.filePath(QStringLiteral("again.cfg"));
        QVERIFY2(writeConfiguration(second, reexported, &error), qPrintable(error));
        QProcess process;
        process.start(haproxy, {QStringLiteral("-c"), QStringLiteral("-f"), reexported});
        QVERIFY(process.waitForFinished(30000));
        QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
    }

    // The configurations these tests import are ones HAProxy itself accepts.
    void haproxyAcceptsTheHandWrittenConfigurations()
    {
        const QString haproxy = haproxyBinary();
        if (haproxy.isEmpty())
            QSKIP("haproxy is not installed (apt-get install haproxy)");
        const QString path = writeFile(config({
            "global", "    log /dev/log local0", "defaults", "    mode http", "    timeout connect 5s",
            "    timeout client 30s", "    timeout server 30s", "    default-server inter 5s rise 4 fall 5",
            "frontend fe_public", "    bind 127.0.0.1:18080", "    acl is_api path_beg /api",
            "    use_backend be_api if is_api", "    default_backend be_app", "frontend fe_internal",
            "    bind 127.0.0.1:18081", "    default_backend be_app", "backend be_app", "    balance source",
            "    option httpchk", "    http-check send meth HEAD uri /health ver HTTP/1.1 hdr Host example.org",
            "    http-check expect status 200-204", "    server app1 10.0.0.11:80 check observe layer7 error-limit 5 on-error sudden-death",
            "    server app2 10.0.0.12:80 check backup", "backend be_api", "    balance uri",
            "    server api1 10.0.0.21:9000 check", "listen db", "    bind 127.0.0.1:13306", "    mode tcp",
            "    option mysql-check user haproxy", "    server db1 10.0.0.31:3306 check",
            "userlist admins", "    user admin insecure-password secret",
        }));
        QProcess process;
        process.start(haproxy, {QStringLiteral("-c"), QStringLiteral("-f"), path});
        QVERIFY(process.waitForFinished(30000));
        QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
        const ImportResult result = importFile(path);
        QVERIFY(result.ok());
        QCOMPARE(result.report.loadBalancers, 3);
        QCOMPARE(result.report.servers, 3);
        QCOMPARE(validate(result.topology).size(), 0);

        // Exported again, it still runs: the backend kept whole takes along
        // the defaults it relied on (mode http, the timeouts).
        ExportOptions options;
        options.statsBind = QStringLiteral("none");
        const ConfigExport again = exportConfiguration(ConfigFormat::Haproxy, result.topology, options);
        QVERIFY2(again.error.isEmpty(), qPrintable(again.error));
        const QString reexported = writeFile(again.text);
        process.start(haproxy, {QStringLiteral("-c"), QStringLiteral("-f"), reexported});
        QVERIFY(process.waitForFinished(30000));
        const QByteArray output = process.readAll();
        QVERIFY2(process.exitCode() == 0, output.constData());
        QVERIFY2(!output.contains("[WARNING]"), output.constData());
    }
};

QTEST_GUILESS_MAIN(TestHaproxyImport)
#include "tst_haproxy_import.moc"
