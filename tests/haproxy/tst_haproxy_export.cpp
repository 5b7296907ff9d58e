// The drawing as production configuration: every export is accepted by the
// real tool it is for (haproxy -c, nginx -t, keepalived -t), says what the
// drawing says, is stable, and a real HAProxy running the exported
// configuration balances exactly as the embedded engine does.

#include "TestBackend.h"
#include "TestClient.h"
#include "TestTopologies.h"
#include "document/DefaultDocument.h"
#include "engine/EngineConfig.h"
#include "engine/LiveSession.h"
#include "engine/tls/TlsIdentity.h"
#include "haproxy/ConfigExport.h"

#include <QFile>
#include <QNetworkInterface>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace Loadstar;
using namespace Loadstar::Haproxy;

namespace {

struct ToolRun
{
    int exitCode = -1;
    QString output; // stdout and stderr together
};

// Runs one of the real tools on a file, bounded.
ToolRun runTool(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        return {-1, QStringLiteral("%1 did not finish").arg(program)};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromLocal8Bit(process.readAll())};
}

QString tool(const char *name)
{
    QString path = QStandardPaths::findExecutable(QString::fromLatin1(name));
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(QString::fromLatin1(name), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    return path;
}

QString text(const ConfigExport &exported)
{
    return QString::fromUtf8(exported.text);
}

// The section of a configuration that starts with `header`, up to the next
// blank line.
QString sectionOf(const QString &config, const QString &header)
{
    const qsizetype start = config.indexOf(QLatin1Char('\n') + header + QLatin1Char('\n'));
    if (start < 0)
        return {};
    const qsizetype end = config.indexOf(QStringLiteral("\n\n"), start + 1);
    return config.mid(start + 1, end < 0 ? -1 : end - start - 1);
}

// The first network interface that is up and not loopback: keepalived
// refuses to speak VRRP on lo.
QString realInterface()
{
    for (const QNetworkInterface &interface : QNetworkInterface::allInterfaces()) {
        const auto flags = interface.flags();
        if (flags.testFlag(QNetworkInterface::IsUp) && !flags.testFlag(QNetworkInterface::IsLoopBack))
            return interface.name();
    }
    return {};
}

// A real HAProxy on the exported configuration, in the foreground, for as
// long as this lives.
class HaproxyProcess
{
public:
    ~HaproxyProcess() { stop(); }
    bool start(const QString &config)
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(tool("haproxy"), {QStringLiteral("-db"), QStringLiteral("-f"), config});
        return m_process.waitForStarted(10000);
    }
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(10000)) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }
    bool isRunning() const { return m_process.state() == QProcess::Running; }
    QString output() { return QString::fromLocal8Bit(m_process.readAll()); }

private:
    QProcess m_process;
};

// Which server answered each of `count` requests, each on a connection of
// its own so every request is balanced.
QMap<QString, int> distribution(quint16 port, int count)
{
    QMap<QString, int> served;
    for (int i = 0; i < count; ++i) {
        Test::TestClient client;
        if (!client.connectTo(port)) {
            served[QStringLiteral("(refused)")]++;
            continue;
        }
        const Test::HttpResponse response =
            client.request("GET / HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n");
        served[response.status == 200 ? response.server() : QStringLiteral("(status %1)").arg(response.status)]++;
    }
    return served;
}

} // namespace

class HaproxyExportTest : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;

    ConfigExport exported(ConfigFormat format, const Topology &topology, const QString &folder = {})
    {
        ExportOptions options;
        options.source = QStringLiteral("test.loadstar");
        options.outputFolder = folder.isEmpty() ? m_dir->path() : folder;
        options.statsSocket = m_dir->filePath(QStringLiteral("admin.sock"));
        return exportConfiguration(format, topology, options);
    }

    // Exports and writes `topology`, returning the configuration's path.
    QString written(ConfigFormat format, const Topology &topology, const QString &name)
    {
        const ConfigExport result = exported(format, topology);
        const QString path = m_dir->filePath(name);
        QString error;
        if (!writeConfiguration(result, path, &error))
            qWarning("%s", qPrintable(error));
        return path;
    }

    static QList<std::pair<QString, Topology>> everyDrawing()
    {
        QList<std::pair<QString, Topology>> drawings;
        for (const DocumentTemplate &documentTemplate : documentTemplates())
            drawings.append({documentTemplate.id, documentTemplate.topology});
        drawings.append({QStringLiteral("every feature"), Test::everyFeature()});
        drawings.append({QStringLiteral("every kind"), Test::everyKind()});
        drawings.append({QStringLiteral("200 servers"), Test::generated(4, 50)});
        return drawings;
    }

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void haproxyAcceptsEveryExport_data()
    {
        QTest::addColumn<Topology>("topology");
        for (const auto &[name, topology] : everyDrawing())
            QTest::newRow(qPrintable(name)) << topology;
    }

    void haproxyAcceptsEveryExport()
    {
        QFETCH(Topology, topology);
        const QString haproxy = tool("haproxy");
        if (haproxy.isEmpty())
            QSKIP("haproxy is not installed (packaging/install-deps installs it)");
        const QString path = written(ConfigFormat::Haproxy, topology, QStringLiteral("haproxy.cfg"));
        const ToolRun check = runTool(haproxy, {QStringLiteral("-c"), QStringLiteral("-f"), path});
        QVERIFY2(check.exitCode == 0, qPrintable(check.output));
        QVERIFY2(check.output.contains(QLatin1String("Configuration file is valid")), qPrintable(check.output));
        // Not even a warning: what we write is what HAProxy's manual advises.
        QVERIFY2(!check.output.contains(QLatin1String("[WARNING]")), qPrintable(check.output));
    }

    void nginxAcceptsEveryExport_data() { haproxyAcceptsEveryExport_data(); }

    void nginxAcceptsEveryExport()
    {
        QFETCH(Topology, topology);
        const QString nginx = tool("nginx");
        if (nginx.isEmpty())
            QSKIP("nginx is not installed (packaging/install-deps installs it)");
        const QString path = written(ConfigFormat::Nginx, topology, QStringLiteral("nginx.conf"));
        const ToolRun check = runTool(nginx, {QStringLiteral("-t"), QStringLiteral("-q"), QStringLiteral("-e"),
                                              QStringLiteral("stderr"), QStringLiteral("-c"), path});
        QVERIFY2(check.exitCode == 0, qPrintable(check.output + QString::fromUtf8(exported(ConfigFormat::Nginx, topology).text)));
    }

    void keepalivedAcceptsThePairOnEachMachine()
    {
        const QString keepalived = tool("keepalived");
        if (keepalived.isEmpty())
            QSKIP("keepalived is not installed (packaging/install-deps installs it)");
        const QString interface = realInterface();
        if (interface.isEmpty())
            QSKIP("no network interface but loopback, and keepalived won't speak VRRP on lo");
        for (const auto &[name, drawn] : everyDrawing()) {
            Topology topology = drawn;
            QStringList members;
            for (const Node &node : drawn.nodes()) {
                if (node.kind == NodeKind::LoadBalancer && !node.stringProperty(QStringLiteral("virtual_address")).isEmpty()) {
                    QCOMPARE(topology.node(node.id)->setProperty(QStringLiteral("vrrp_interface"), interface), QString());
                    members.append(node.name);
                }
            }
            if (members.isEmpty()) {
                QVERIFY2(exported(ConfigFormat::Keepalived, topology).error.contains(QLatin1String("share a virtual address")),
                         qPrintable(name));
                continue;
            }
            const QString path = written(ConfigFormat::Keepalived, topology, QStringLiteral("keepalived.conf"));
            for (const QString &member : std::as_const(members)) {
                const ToolRun check = runTool(keepalived, {QStringLiteral("-t"), QStringLiteral("-f"), path,
                                                           QStringLiteral("-i"), member});
                QVERIFY2(check.exitCode == 0, qPrintable(name + QLatin1Char(' ') + member + QLatin1Char(' ') + check.output));
            }
        }
    }

    void keepalivedGivesTheAddressToTheFirstMember()
    {
        const QString config = text(exported(ConfigFormat::Keepalived, Test::everyFeature()));
        QVERIFY2(config.contains(QLatin1String("@www-a state MASTER\n@www-a priority 101\n")), qPrintable(config));
        QVERIFY(config.contains(QLatin1String("@www-b state BACKUP\n@www-b priority 100\n")));
        QVERIFY(config.contains(QLatin1String("virtual_ipaddress {\n        127.0.0.10\n    }")));
        QVERIFY(config.contains(QLatin1String("track_process {\n        haproxy\n    }")));
        Topology topology = Test::everyFeature();
        topology.node(topology.nodeByName(QStringLiteral("www-b"))->id)->setProperty(QStringLiteral("vrrp_interface"), QString());
        QCOMPARE(exported(ConfigFormat::Keepalived, topology).error,
                 QStringLiteral("www-b: “” is not a network interface; name the one keepalived speaks VRRP on, such as eth0"));
    }

    void referenceDesignSaysWhatIsDrawn()
    {
        const ConfigExport result = exported(ConfigFormat::Haproxy, referenceDocument());
        QVERIFY(result.error.isEmpty());
        const QString config = text(result);
        QCOMPARE(sectionOf(config, QStringLiteral("frontend lb")),
                 QStringLiteral("frontend lb\n"
                                "    bind 127.0.0.1:8080\n"
                                "    mode http\n"
                                "    option httplog\n"
                                "    timeout client 50s\n"
                                "    timeout http-request 10s\n"
                                "    timeout http-keep-alive 10s\n"
                                "    default_backend lb"));
        const QString backend = sectionOf(config, QStringLiteral("backend lb"));
        QVERIFY2(backend.contains(QLatin1String("    balance roundrobin\n")), qPrintable(backend));
        QVERIFY(backend.contains(QLatin1String("    option httpchk\n    http-check send meth GET uri /\n"
                                               "    http-check expect status 200-399\n")));
        QVERIFY(backend.contains(QLatin1String("    server web-01 127.0.0.1:8081 check observe layer4 error-limit 10 "
                                               "on-error mark-down\n")));
        QVERIFY(backend.endsWith(QLatin1String("    server web-02 127.0.0.1:8082 check backup observe layer4 "
                                               "error-limit 10 on-error mark-down")));
        // The primary/replica cluster the web servers reach directly gets
        // its write and read listeners, checked as MariaDB.
        const QString writes = sectionOf(config, QStringLiteral("backend db-primary-write"));
        QVERIFY2(writes.contains(QLatin1String("    mode tcp\n")), qPrintable(writes));
        QVERIFY(writes.contains(QLatin1String("    option mysql-check\n")));
        QVERIFY(writes.contains(QLatin1String("server db-primary 127.0.0.11:3306 check observe")));
        QVERIFY(writes.contains(QLatin1String("server db-replica 127.0.0.12:3307 check backup observe")));
        const QString reads = sectionOf(config, QStringLiteral("backend db-primary-read"));
        QVERIFY(reads.contains(QLatin1String("server db-primary 127.0.0.11:3306 check backup observe")));
        QVERIFY(reads.contains(QLatin1String("server db-replica 127.0.0.12:3307 check observe")));
        QVERIFY(sectionOf(config, QStringLiteral("frontend db-primary-write")).contains(QLatin1String("bind 127.0.0.1:13306")));
        QVERIFY(sectionOf(config, QStringLiteral("frontend db-primary-read")).contains(QLatin1String("bind 127.0.0.1:13307")));
        QVERIFY(result.warnings.contains(QStringLiteral("db-primary's cluster gets a write listener, db-primary-write on "
                                                        "127.0.0.1:13306; point the applications at it")));
        // Stats for an external load balancer to watch, and the Runtime API.
        const QString stats = sectionOf(config, QStringLiteral("listen stats"));
        QVERIFY(stats.contains(QLatin1String("bind 127.0.0.1:8404\n")));
        QVERIFY(stats.contains(QLatin1String("http-request use-service prometheus-exporter if { path /metrics }")));
        QVERIFY(config.contains(QStringLiteral("stats socket %1 mode 660 level admin").arg(m_dir->filePath(QStringLiteral("admin.sock")))));
        QCOMPARE(result.summary, QStringLiteral("3 frontends, 3 backends, stats on 127.0.0.1:8404"));
    }

    void everyFeatureIsWritten()
    {
        const ConfigExport result = exported(ConfigFormat::Haproxy, Test::everyFeature());
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        const QString config = text(result);
        const QString pem = m_dir->filePath(QStringLiteral("www-a.pem"));
        const QString front = sectionOf(config, QStringLiteral("frontend www-a"));
        QVERIFY2(front.contains(QStringLiteral("    bind 127.0.0.2:8443 ssl crt %1 alpn h2,http/1.1\n").arg(pem)), qPrintable(front));
        QVERIFY(front.contains(QStringLiteral("    bind 127.0.0.10:8443 name virtual-address ssl crt %1\n").arg(pem)));
        QVERIFY(front.contains(QLatin1String("    maxconn 2000\n    timeout client 30s\n    timeout http-request 5s\n"
                                             "    timeout http-keep-alive 2s\n")));
        // The firewall: allow, deny (deny wins), and the per-source rate.
        QVERIFY(front.contains(QLatin1String("    acl fw_allow src 10.0.0.0/8 127.0.0.0/8 ::1/128\n"
                                             "    tcp-request connection reject if !fw_allow\n"
                                             "    acl fw_deny src 10.66.0.0/16\n"
                                             "    tcp-request connection reject if fw_deny\n")));
        QVERIFY(front.contains(QLatin1String("tcp-request connection reject if { sc_conn_rate(0) gt 50 }")));
        // Kept lines go back where they came from, before default_backend.
        QVERIFY(front.endsWith(QLatin1String("    http-request set-header X-Forwarded-Proto https\n"
                                             "    use_backend api if { path_beg /api }\n"
                                             "    default_backend web")));
        QVERIFY(sectionOf(config, QStringLiteral("frontend www-a-redirect"))
                    .contains(QLatin1String("    bind 127.0.0.2:8000\n")));
        QVERIFY(config.contains(QLatin1String("    tune.ssl.default-dh-param 2048\n    ssl-server-verify none\n")));
        QCOMPARE(config.count(QLatin1String("tune.ssl.default-dh-param")), 1);
        QVERIFY(config.contains(QLatin1String("    option dontlognull\n")));
        QCOMPARE(config.count(QLatin1String("\nbackend api\n")), 1);
        // Both load balancers name the backend "web": it is written once.
        QCOMPARE(config.count(QLatin1String("\nbackend web\n")), 1);
        QVERIFY(sectionOf(config, QStringLiteral("frontend www-b")).endsWith(QLatin1String("default_backend web")));
        const QString web = sectionOf(config, QStringLiteral("backend web"));
        QVERIFY2(web.contains(QLatin1String("    balance roundrobin\n    option allbackups\n    retries 2\n"
                                            "    option redispatch\n    timeout connect 1500ms\n"
                                            "    timeout server 45s\n    timeout queue 2500ms\n"
                                            "    timeout check 2s\n    option httpchk\n"
                                            "    http-check send meth HEAD uri /health ver HTTP/1.1 hdr Host www.example.org\n"
                                            "    http-check expect status 200-204\n"
                                            "    http-check expect string \"all good\"\n"
                                            "    cookie SERVERID insert indirect nocache\n")),
                 qPrintable(web));
        QVERIFY(web.contains(QLatin1String("    server web-01 127.0.0.1:8081 check weight 3 maxconn 100 inter 500ms "
                                           "fastinter 250ms downinter 1s rise 3 fall 2 observe layer7 error-limit 5 "
                                           "on-error sudden-death cookie w1\n")));
        QVERIFY(web.contains(QLatin1String("    server web-02 127.0.0.1:8082 check backup observe layer4")));
        QVERIFY(web.endsWith(QLatin1String("    server web-03 127.0.0.1:8083 weight 0")));
        QVERIFY(sectionOf(config, QStringLiteral("backend app-lb"))
                    .contains(QLatin1String("server app-01 127.0.0.1:9001 check check-ssl verify none")));
        QVERIFY(sectionOf(config, QStringLiteral("backend static-lb")).contains(QLatin1String("balance static-rr")));
        QVERIFY(sectionOf(config, QStringLiteral("backend static-lb"))
                    .contains(QLatin1String("server static-01 127.0.0.1:9011 check check-ssl verify none check-sni static.internal")));
        const QString mysql = sectionOf(config, QStringLiteral("backend mysql-write"));
        QVERIFY(mysql.contains(QLatin1String("    balance first\n")));
        QVERIFY(mysql.contains(QLatin1String("    option mysql-check user haproxy\n")));
        QVERIFY(mysql.contains(QLatin1String("server mysql-02 127.0.0.1:3307 check backup")));
        const QString pg = sectionOf(config, QStringLiteral("backend pg-read"));
        QVERIFY(pg.contains(QLatin1String("    balance source\n")));
        QVERIFY(pg.contains(QLatin1String("    option pgsql-check user monitor\n")));
        QVERIFY(pg.contains(QLatin1String("server pg-01 127.0.0.1:5432 check backup")));
        QVERIFY(pg.contains(QLatin1String("server pg-02 [::1]:5433 check observe")));
        const QString redis = sectionOf(config, QStringLiteral("backend cache"));
        QVERIFY(redis.contains(QLatin1String("    balance random\n")));
        QVERIFY(redis.contains(QLatin1String("    option redis-check\n")));
        QVERIFY(config.contains(QLatin1String("\nfrontend orders-primary-write\n")));
        // What HAProxy cannot say as drawn is said, not silently changed.
        QVERIFY2(result.warnings.contains(QStringLiteral("static-lb: static-02's http check becomes static-01's tls check in "
                                                         "HAProxy, which has one check protocol per backend")),
                 qPrintable(result.warnings.join(QLatin1Char('\n'))));
    }

    void theSameDrawingGivesTheSameBytes()
    {
        const Topology topology = Test::everyFeature();
        const QByteArray first = exported(ConfigFormat::Haproxy, topology).text;
        QCOMPARE(exported(ConfigFormat::Haproxy, topology).text, first);
        Topology moved = topology;
        for (const Node &node : topology.nodes())
            moved.node(node.id)->position += QPointF(37, -12);
        QCOMPARE(exported(ConfigFormat::Haproxy, moved).text, first);
        QCOMPARE(exported(ConfigFormat::Nginx, moved).text, exported(ConfigFormat::Nginx, topology).text);
        Topology changed = topology;
        changed.node(changed.nodeByName(QStringLiteral("web-02"))->id)->setProperty(QStringLiteral("weight"), 7);
        const QString after = text(exported(ConfigFormat::Haproxy, changed));
        QVERIFY(after.contains(QLatin1String("server web-02 127.0.0.1:8082 check backup weight 7")));
        QCOMPARE(after.size() - QString::fromUtf8(first).size(), qsizetype(QStringLiteral(" weight 7").size()));
    }

    void certificatesAreMadeBesideTheConfiguration()
    {
        const QString path = written(ConfigFormat::Haproxy, Test::everyFeature(), QStringLiteral("haproxy.cfg"));
        QVERIFY(QFile::exists(path));
        const QString pem = m_dir->filePath(QStringLiteral("www-a.pem"));
        QFile file(pem);
        QCOMPARE(file.permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                 QFile::Permissions());
        QString error;
        const auto identity = Engine::loadTlsIdentity(QStringLiteral("www-a"), pem, QString(), &error);
        QVERIFY2(identity, qPrintable(error));
        QCOMPARE(identity->certificate().subjectInfo(QSslCertificate::CommonName), QStringList{QStringLiteral("www-a")});
        // Exporting again keeps the certificate browsers may have accepted.
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray before = file.readAll();
        file.close();
        written(ConfigFormat::Haproxy, Test::everyFeature(), QStringLiteral("haproxy.cfg"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), before);
    }

    void drawnCertificateAndKeyAreJoinedForHaproxy()
    {
        const auto pair = Engine::makeSelfSignedCertificate(QStringLiteral("lb"), {QStringLiteral("127.0.0.1")}, 30);
        QVERIFY(pair);
        const QString certificate = m_dir->filePath(QStringLiteral("lb.crt"));
        const QString key = m_dir->filePath(QStringLiteral("lb.key"));
        QVERIFY(Engine::writePemPair(*pair, certificate, key));
        Topology topology = referenceDocument();
        Node *lb = topology.node(topology.nodeByName(QStringLiteral("lb"))->id);
        lb->setProperty(QStringLiteral("tls"), true);
        lb->setProperty(QStringLiteral("tls_certificate"), certificate);
        lb->setProperty(QStringLiteral("tls_key"), key);
        const QString out = QDir(m_dir->path()).filePath(QStringLiteral("out"));
        QVERIFY(QDir().mkpath(out));
        const ConfigExport result = exported(ConfigFormat::Haproxy, topology, out);
        QCOMPARE(result.certificates.size(), 1);
        QString error;
        QStringList files;
        QVERIFY2(writeConfiguration(result, out + QStringLiteral("/haproxy.cfg"), &error, &files), qPrintable(error));
        QCOMPARE(files, (QStringList{out + QStringLiteral("/haproxy.cfg"), out + QStringLiteral("/lb.pem")}));
        QFile pem(out + QStringLiteral("/lb.pem"));
        QVERIFY(pem.open(QIODevice::ReadOnly));
        QCOMPARE(pem.readAll(), pair->certificate + pair->key);
        // A drawn key that does not belong to the certificate stops the export.
        const auto other = Engine::makeSelfSignedCertificate(QStringLiteral("x"), {}, 30);
        QVERIFY(Engine::writePemPair(*other, m_dir->filePath(QStringLiteral("x.crt")), key));
        QVERIFY(!writeConfiguration(exported(ConfigFormat::Haproxy, topology, out), out + QStringLiteral("/haproxy.cfg"), &error));
        QVERIFY2(error.startsWith(QLatin1String("lb: ")), qPrintable(error));
    }

    void whatCannotBeExportedSaysWhy()
    {
        Topology broken = referenceDocument();
        broken.node(broken.nodeByName(QStringLiteral("web-02"))->id)->setProperty(QStringLiteral("port"), 8081);
        const ConfigExport result = exported(ConfigFormat::Haproxy, broken);
        QVERIFY(result.text.isEmpty());
        QVERIFY2(result.error.startsWith(QLatin1String("The drawing can't be exported as it is: ")), qPrintable(result.error));
        QVERIFY(result.error.contains(QLatin1String("8081")));
        QString error;
        const QString path = m_dir->filePath(QStringLiteral("never.cfg"));
        QVERIFY(!writeConfiguration(result, path, &error));
        QCOMPARE(error, result.error);
        QVERIFY(!QFile::exists(path));

        // Two load balancers naming one backend must balance the same servers.
        Topology shared = Test::everyFeature();
        shared.node(shared.nodeByName(QStringLiteral("www-b"))->id)->setProperty(QStringLiteral("balance"), QStringLiteral("leastconn"));
        QCOMPARE(exported(ConfigFormat::Haproxy, shared).error,
                 QStringLiteral("Load balancers naming the backend “web” link to different servers or balance "
                                "differently; give www-b a backend name of its own"));
        QVERIFY(exported(ConfigFormat::Nginx, Topology()).error.contains(QLatin1String("no load balancer")));
        QVERIFY(!writeConfiguration(exported(ConfigFormat::Haproxy, referenceDocument()),
                                    QStringLiteral("/nonexistent-dir/haproxy.cfg"), &error));
        QCOMPARE(error, QStringLiteral("Can't write “/nonexistent-dir/haproxy.cfg”: No such file or directory"));
    }

    // The test: the reference design's balancing, once in the
    // embedded engine and once in a real HAProxy running the exported
    // configuration, against the same real backends on loopback.
    void realHaproxyBalancesAsTheEngineDoes()
    {
        if (tool("haproxy").isEmpty())
            QSKIP("haproxy is not installed (packaging/install-deps installs it)");
        Test::TestBackend web1(QStringLiteral("web-01")), web2(QStringLiteral("web-02")), web3(QStringLiteral("web-03"));
        QVERIFY(web1.listen() && web2.listen() && web3.listen());
        Test::RefusingPort lbPort, statsPort;
        lbPort.release();
        statsPort.release();

        // The reference design with a third server: web-01 twice web-02's
        // weight, web-03 the backup; checks every 100 ms.
        Topology topology = referenceDocument();
        Node *lb = topology.node(topology.nodeByName(QStringLiteral("lb"))->id);
        lb->setProperty(QStringLiteral("port"), lbPort.port());
        Node web3Node = Node::make(NodeKind::WebServer, QStringLiteral("web-03"));
        const NodeId web3Id = topology.addNode(web3Node);
        topology.connect(lb->id, web3Id);
        const QList<std::pair<Test::TestBackend *, int>> servers{{&web1, 2}, {&web2, 1}, {&web3, 1}};
        for (const auto &[backend, weight] : servers) {
            Node *node = topology.node(topology.nodeByName(backend->name())->id);
            QCOMPARE(node->setProperty(QStringLiteral("port"), backend->port()), QString());
            node->setProperty(QStringLiteral("embedded"), false);
            node->setProperty(QStringLiteral("weight"), weight);
            node->setProperty(QStringLiteral("backup"), backend == &web3);
            for (const char *key : {"inter", "fastinter", "downinter"})
                node->setProperty(QString::fromLatin1(key), 100);
            node->setProperty(QStringLiteral("fall"), 2);
            node->setProperty(QStringLiteral("rise"), 1);
        }
        // Only the test's requests: the drawn client would send its own
        // through the embedded engine.
        topology.node(topology.nodeByName(QStringLiteral("client"))->id)->setProperty(QStringLiteral("rate"), 0);
        for (const char *database : {"db-primary", "db-replica"})
            topology.node(topology.nodeByName(QString::fromLatin1(database))->id)->setProperty(QStringLiteral("check"), QStringLiteral("none"));

        const quint16 web1Port = web1.port(), web2Port = web2.port();
        // QTRY_* return from the lambda when they fail: the caller checks.
        const auto measure = [&](quint16 port, QList<QMap<QString, int>> &phases) {
            // Every active server UP: the weights' ratio, exactly, over ten rounds.
            // (Waiting for two rounds in the ratio: a server just UP may
            // take a round to fall into step.)
            const QMap<QString, int> twoRounds{{QStringLiteral("web-01"), 4}, {QStringLiteral("web-02"), 2}};
            QTRY_COMPARE_WITH_TIMEOUT(distribution(port, 6), twoRounds, 10000);
            phases.append(distribution(port, 30));
            // The active servers stopped: the backup takes every request.
            web1.stop();
            web2.stop();
            QTRY_COMPARE_WITH_TIMEOUT(distribution(port, 1).firstKey(), QStringLiteral("web-03"), 10000);
            phases.append(distribution(port, 10));
            // Back: the backup is idle again.
            if (!web1.listen(web1Port) || !web2.listen(web2Port))
                qWarning("a test backend could not listen again");
            QTRY_COMPARE_WITH_TIMEOUT(distribution(port, 6), twoRounds, 10000);
            phases.append(distribution(port, 30));
        };
        // Once in the embedded engine…
        const Engine::CompileResult compiled = Engine::compile(topology);
        QVERIFY2(compiled.problems.isEmpty(), qPrintable(compiled.problems.value(0).message));
        QList<QMap<QString, int>> embedded;
        {
            LiveSession session;
            QString error;
            QVERIFY2(session.start(compiled.config, &error), qPrintable(error));
            measure(lbPort.port(), embedded);
            session.stop();
        }
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(web1.port(), web1Port);
        QCOMPARE(web2.port(), web2Port);

        // …and once in HAProxy with the exported configuration.
        ExportOptions options;
        options.outputFolder = m_dir->path();
        options.statsBind = QStringLiteral("127.0.0.1:%1").arg(statsPort.port());
        options.statsSocket = m_dir->filePath(QStringLiteral("admin.sock"));
        const ConfigExport config = exportConfiguration(ConfigFormat::Haproxy, topology, options);
        QString error;
        const QString path = m_dir->filePath(QStringLiteral("haproxy.cfg"));
        QVERIFY2(writeConfiguration(config, path, &error), qPrintable(error));
        HaproxyProcess haproxy;
        QVERIFY(haproxy.start(path));
        QTRY_VERIFY_WITH_TIMEOUT(Test::TestClient().connectTo(lbPort.port(), {}, 500) || !haproxy.isRunning(), 10000);
        QVERIFY2(haproxy.isRunning(), qPrintable(haproxy.output()));
        QList<QMap<QString, int>> real;
        measure(lbPort.port(), real);
        if (QTest::currentTestFailed())
            return;

        // The same servers in each phase, in the weights' ratio. HAProxy
        // may shift its round by one request when a server it saw come back
        // passes its next check, so a count may be one off in 30.
        const QMap<QString, int> ratio{{QStringLiteral("web-01"), 20}, {QStringLiteral("web-02"), 10}};
        const QMap<QString, int> backup{{QStringLiteral("web-03"), 10}};
        const QList<QMap<QString, int>> expected{ratio, backup, ratio};
        for (const QList<QMap<QString, int>> &phases : {embedded, real}) {
            QCOMPARE(phases.size(), expected.size());
            for (int phase = 0; phase < expected.size(); ++phase) {
                QCOMPARE(phases[phase].keys(), expected[phase].keys());
                for (const QString &server : expected[phase].keys()) {
                    QVERIFY2(qAbs(phases[phase][server] - expected[phase][server]) <= 1,
                             qPrintable(QStringLiteral("phase %1: %2 served %3, expected %4")
                                            .arg(phase + 1).arg(server).arg(phases[phase][server]).arg(expected[phase][server])));
                }
            }
        }
        QCOMPARE(embedded[1], backup);
        QCOMPARE(real[1], backup);
    }
};

QTEST_MAIN(HaproxyExportTest)
#include "tst_haproxy_export.moc"
