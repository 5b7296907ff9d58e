#include "RealHaproxy.h"
#include "TestBackend.h"

#include "engine/external/ExternalHaproxies.h"
#include "engine/external/ExternalServers.h"
#include "engine/external/RuntimeApiClient.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QtTest>

#include <memory>

using namespace Loadstar;
using namespace Loadstar::External;
using Loadstar::Test::RealHaproxy;
using Loadstar::Test::TestBackend;

namespace {

constexpr int Timeout = 10000;

// One HTTP GET, the event loop spinning meanwhile (the test backends answer
// HAProxy's checks on this thread).
QByteArray fetch(const QString &url, int *status = nullptr)
{
    QNetworkAccessManager network;
    std::unique_ptr<QNetworkReply> reply(network.get(QNetworkRequest(QUrl(url))));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!finished.wait(Timeout))
        return {};
    if (status)
        *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    return reply->readAll();
}

const HaproxyServer *serverIn(const std::optional<HaproxyStats> &stats, const char *backend, const char *server)
{
    return stats ? stats->server(QString::fromLatin1(backend), QString::fromLatin1(server)) : nullptr;
}

QString statusOf(const std::optional<HaproxyStats> &stats, const char *backend, const char *server)
{
    const HaproxyServer *line = serverIn(stats, backend, server);
    return line ? QString::fromStdString(line->row.status) : QStringLiteral("(absent)");
}

QString checkOf(const std::optional<HaproxyStats> &stats, const char *backend, const char *server)
{
    const HaproxyServer *line = serverIn(stats, backend, server);
    return line ? line->checkStatus : QStringLiteral("(absent)");
}

std::optional<HaproxyStats> statsOf(const ExternalHaproxyWatcher &watcher)
{
    const ExternalSnapshot snapshot = watcher.latest();
    return snapshot.connected ? std::optional<HaproxyStats>(snapshot.stats) : std::nullopt;
}

Engine::ExternalHaproxyConfig configFor(const QString &name, const QString &url, const QString &socket,
                                        QStringList servers, int refreshMs = 300)
{
    Engine::ExternalHaproxyConfig config;
    config.name = name;
    config.statsUrl = url;
    config.statsSocket = socket;
    config.refreshMs = refreshMs;
    config.servers = std::move(servers);
    return config;
}

// The card state of one drawn server, as the window would get it.
Health::ServerHealth healthOf(const ExternalHaproxyWatcher &watcher, const QString &node)
{
    const ExternalView view = externalViewOf(watcher.latest(), watcher.config().servers);
    for (const Health::ServerHealth &health : view.health) {
        if (health.server == node)
            return health;
    }
    return {};
}

} // namespace

class ExternalHaproxyTest : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        if (RealHaproxy::executable().isEmpty())
            QSKIP("HAProxy is not installed at /usr/sbin/haproxy (apt-get install haproxy)");
        m_s1 = std::make_unique<TestBackend>(QStringLiteral("s1"));
        m_s2 = std::make_unique<TestBackend>(QStringLiteral("s2"));
        m_db = std::make_unique<TestBackend>(QStringLiteral("api"));
        QVERIFY(m_s1->listen() && m_s2->listen() && m_db->listen());
        m_haproxy = std::make_unique<RealHaproxy>();
        m_haproxy->addBackend({QStringLiteral("bk"),
                               {{QStringLiteral("s1"), m_s1->port(), false}, {QStringLiteral("s2"), m_s2->port(), true}}});
        m_haproxy->addBackend({QStringLiteral("api"), {{QStringLiteral("a1"), m_db->port(), false}}});
        QString error;
        QVERIFY2(m_haproxy->start(&error), qPrintable(error));
    }

    void cleanup()
    {
        m_haproxy.reset();
        m_s1.reset();
        m_s2.reset();
        m_db.reset();
    }

    // What HAProxy 2.6 writes at /stats;csv, read by column name.
    void csvReaderReadsRealHaproxy()
    {
        std::optional<HaproxyStats> stats;
        QString error;
        const auto read = [&] {
            stats = parseStatsCsv(fetch(m_haproxy->csvUrl()), &error);
            return stats.has_value();
        };
        QTRY_VERIFY_WITH_TIMEOUT(read() && checkOf(stats, "bk", "s1") == QLatin1String("L7OK")
                                     && checkOf(stats, "bk", "s2") == QLatin1String("L7OK")
                                     && checkOf(stats, "api", "a1") == QLatin1String("L7OK"),
                                 Timeout);
        QCOMPARE(stats->backends.size(), 2); // the stats frontend has no servers: not a backend
        QCOMPARE(stats->backends.at(0).name, QStringLiteral("bk"));
        QCOMPARE(stats->backends.at(0).mode, QStringLiteral("http"));
        QCOMPARE(statusOf(stats, "bk", "s1"), QStringLiteral("UP"));
        QCOMPARE(statusOf(stats, "bk", "s2"), QStringLiteral("UP"));
        const HaproxyServer *s1 = serverIn(stats, "bk", "s1");
        const HaproxyServer *s2 = serverIn(stats, "bk", "s2");
        QCOMPARE(s1->checkCode, 200);
        QVERIFY(s1->checkDurationMs >= 0);
        QCOMPARE(s1->rise, 2);
        QCOMPARE(s1->fall, 2);
        QCOMPARE(s1->health, 3); // rise + fall - 1: fully UP
        QCOMPARE(int(s1->row.bck), 0);
        QCOMPARE(int(s2->row.bck), 1);
        QCOMPARE(int(s1->row.weight), 1);
        // Traffic through HAProxy shows in the sessions of the active server.
        for (int i = 0; i < 5; ++i)
            QCOMPARE(fetch(QStringLiteral("http://127.0.0.1:%1/").arg(m_haproxy->frontendPort(QStringLiteral("bk")))),
                     QByteArray("s1"));
        QTRY_COMPARE_WITH_TIMEOUT((read(), int(serverIn(stats, "bk", "s1")->row.stot)), 5, Timeout);
        QCOMPARE(int(serverIn(stats, "bk", "s1")->row.hrsp[1]), 5);
    }

    // What HAProxy 2.6's own Prometheus exporter writes at /metrics.
    void prometheusReaderReadsRealHaproxy()
    {
        std::optional<HaproxyStats> stats;
        const auto read = [&] {
            stats = parsePrometheus(fetch(m_haproxy->metricsUrl()));
            return stats.has_value();
        };
        QTRY_VERIFY_WITH_TIMEOUT(read() && checkOf(stats, "bk", "s1") == QLatin1String("L7OK")
                                     && checkOf(stats, "bk", "s2") == QLatin1String("L7OK"),
                                 Timeout);
        QCOMPARE(statusOf(stats, "bk", "s1"), QStringLiteral("UP"));
        QCOMPARE(statusOf(stats, "bk", "s2"), QStringLiteral("UP"));
        QCOMPARE(statusOf(stats, "api", "a1"), QStringLiteral("UP"));
        QCOMPARE(stats->backends.at(0).mode, QStringLiteral("http"));
        QCOMPARE(serverIn(stats, "bk", "s1")->checkCode, 200);
        QVERIFY(!stats->ratesKnown);
        for (int i = 0; i < 3; ++i)
            fetch(QStringLiteral("http://127.0.0.1:%1/").arg(m_haproxy->frontendPort(QStringLiteral("bk"))));
        QTRY_COMPARE_WITH_TIMEOUT((read(), int(serverIn(stats, "bk", "s1")->row.stot)), 3, Timeout);
        QCOMPARE(int(serverIn(stats, "bk", "s1")->row.hrsp[1]), 3);
        QCOMPARE(int(serverIn(stats, "bk", "s1")->row.scur), 0);
    }

    // `show stat` on the admin socket: the same CSV, with the servers' addresses.
    void socketShowStat()
    {
        QString error;
        const std::optional<QByteArray> csv = RuntimeApiClient(m_haproxy->socketPath()).showStat(&error);
        QVERIFY2(csv, qPrintable(error));
        const std::optional<HaproxyStats> stats = parseStatsCsv(*csv, &error);
        QVERIFY2(stats, qPrintable(error));
        QCOMPARE(stats->serverCount(), 3);
        QCOMPARE(serverIn(stats, "bk", "s2")->address, QStringLiteral("127.0.0.1:%1").arg(m_s2->port()));
    }

    // The issue's own test: `disable server bk/s1` on the socket is MAINT on
    // the card within one refresh.
    void disabledServerShowsMaintWithinOneRefresh()
    {
        constexpr int RefreshMs = 500;
        ExternalHaproxyWatcher watcher(configFor(QStringLiteral("haproxy-01"), QString(), m_haproxy->socketPath(),
                                                 {QStringLiteral("s1"), QStringLiteral("s2")}, RefreshMs));
        watcher.start();
        QTRY_COMPARE_WITH_TIMEOUT(healthOf(watcher, QStringLiteral("s1")).status, QStringLiteral("UP"), Timeout);
        QString error;
        QVERIFY2(RuntimeApiClient(m_haproxy->socketPath()).disableServer(QStringLiteral("bk"), QStringLiteral("s1"), &error),
                 qPrintable(error));
        // The next read at the latest, however long that read may take.
        QTRY_COMPARE_WITH_TIMEOUT(healthOf(watcher, QStringLiteral("s1")).status, QStringLiteral("MAINT"),
                                  RefreshMs + ExternalHaproxyWatcher::readTimeoutMs(RefreshMs));
        QVERIFY(!healthOf(watcher, QStringLiteral("s1")).up);
        const ExternalView view = externalViewOf(watcher.latest(), watcher.config().servers);
        const auto row = std::find_if(view.rows.begin(), view.rows.end(),
                                      [](const Engine::StatsRow &r) { return r.svname == "s1"; });
        QVERIFY(row != view.rows.end());
        QCOMPARE(row->status, std::string("MAINT")); // what marks the card's admin state
        QCOMPARE(row->pxname, std::string("haproxy-01"));
        QVERIFY(RuntimeApiClient(m_haproxy->socketPath()).enableServer(QStringLiteral("bk"), QStringLiteral("s1"), &error));
        QTRY_VERIFY_WITH_TIMEOUT(healthOf(watcher, QStringLiteral("s1")).status != QLatin1String("MAINT"), Timeout);
    }

    void killedBackendIsDownWithL4Con()
    {
        ExternalHaproxyWatcher watcher(configFor(QStringLiteral("haproxy-01"), m_haproxy->csvUrl(), QString(),
                                                 {QStringLiteral("s1"), QStringLiteral("s2")}));
        watcher.start();
        QTRY_COMPARE_WITH_TIMEOUT(checkOf(statsOf(watcher), "bk", "s1"), QStringLiteral("L7OK"), Timeout);
        m_s1->stop();
        QTRY_COMPARE_WITH_TIMEOUT(statusOf(statsOf(watcher), "bk", "s1"), QStringLiteral("DOWN"), Timeout);
        const Health::ServerHealth health = healthOf(watcher, QStringLiteral("s1"));
        QCOMPARE(health.status, QStringLiteral("DOWN"));
        QVERIFY(!health.up);
        QCOMPARE(health.lastCheck.code, Health::CheckCode::L4CON);
        QCOMPARE(health.lastCheck.reason, QStringLiteral("Connection refused"));
        QCOMPARE(health.health, 0);
        QVERIFY(health.changed); // it went DOWN while watched
        QCOMPARE(healthOf(watcher, QStringLiteral("s2")).status, QStringLiteral("UP"));
    }

    void drainAndReadyThroughTheRuntimeApi()
    {
        ExternalHaproxyWatcher watcher(configFor(QStringLiteral("haproxy-01"), m_haproxy->metricsUrl(),
                                                 m_haproxy->socketPath(), {QStringLiteral("s1")}));
        watcher.start();
        QTRY_COMPARE_WITH_TIMEOUT(healthOf(watcher, QStringLiteral("s1")).status, QStringLiteral("UP"), Timeout);
        const RuntimeApiClient api(m_haproxy->socketPath());
        QString error;
        QVERIFY2(api.setServerState(QStringLiteral("bk"), QStringLiteral("s1"), RuntimeApiClient::State::Drain, &error),
                 qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(healthOf(watcher, QStringLiteral("s1")).status, QStringLiteral("DRAIN"), Timeout);
        QVERIFY(healthOf(watcher, QStringLiteral("s1")).up); // draining, not down
        QVERIFY(api.setServerState(QStringLiteral("bk"), QStringLiteral("s1"), RuntimeApiClient::State::Ready, &error));
        QTRY_COMPARE_WITH_TIMEOUT(healthOf(watcher, QStringLiteral("s1")).status, QStringLiteral("UP"), Timeout);

        // HAProxy's own answer is the error, in one sentence.
        QVERIFY(!api.setServerState(QStringLiteral("bk"), QStringLiteral("nope"), RuntimeApiClient::State::Maint, &error));
        QCOMPARE(error, QStringLiteral("HAProxy refused “set server bk/nope state maint”: No such server."));
        QVERIFY(!RuntimeApiClient(m_haproxy->socketPath() + QStringLiteral(".missing"))
                     .setServerState(QStringLiteral("bk"), QStringLiteral("s1"), RuntimeApiClient::State::Drain, &error));
        QCOMPARE(error, QStringLiteral("“set server bk/s1 state drain” did not reach HAProxy: No such socket (HAProxy's stats socket %1.missing).")
                            .arg(m_haproxy->socketPath()));
    }

    // A lost stats connection is "stats lost", the servers unknown — never
    // DOWN — and watching resumes when HAProxy is back.
    void haproxyKilledIsStatsLostThenRecovers()
    {
        ExternalHaproxyWatcher watcher(configFor(QStringLiteral("haproxy-01"), m_haproxy->csvUrl(), QString(),
                                                 {QStringLiteral("s1"), QStringLiteral("s2")}));
        watcher.start();
        QTRY_COMPARE_WITH_TIMEOUT(healthOf(watcher, QStringLiteral("s1")).status, QStringLiteral("UP"), Timeout);
        m_haproxy->kill();
        QTRY_VERIFY_WITH_TIMEOUT(!watcher.latest().connected, Timeout);
        QCOMPARE(watcher.latest().lostText(), QStringLiteral("stats lost: Connection refused"));
        for (const QString &server : {QStringLiteral("s1"), QStringLiteral("s2")}) {
            const Health::ServerHealth health = healthOf(watcher, server);
            QCOMPARE(health.status, QStringLiteral("unknown"));
            QVERIFY(health.up);
            QCOMPARE(health.lastCheck.code, Health::CheckCode::Unknown);
            QCOMPARE(health.lastCheck.reason, QStringLiteral("unknown: stats lost: Connection refused"));
        }
        QVERIFY(externalViewOf(watcher.latest(), watcher.config().servers).rows.empty());

        QString error;
        QVERIFY2(m_haproxy->start(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(watcher.latest().connected, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(healthOf(watcher, QStringLiteral("s1")).status, QStringLiteral("UP"), Timeout);
    }

    void badSourcesSayWhy_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("reason");
        QTest::newRow("no page there") << "/nope" << "HTTP 503 Service Unavailable";
        QTest::newRow("html page") << "/stats" << "the answer is not HAProxy's stats CSV (no “# pxname,svname,…” header)";
    }

    void badSourcesSayWhy()
    {
        QFETCH(QString, path);
        QFETCH(QString, reason);
        ExternalHaproxyWatcher watcher(configFor(QStringLiteral("haproxy-01"),
                                                 QStringLiteral("http://127.0.0.1:%1%2").arg(m_haproxy->statsPort()).arg(path),
                                                 QString(), {}));
        watcher.start();
        QTRY_VERIFY_WITH_TIMEOUT(watcher.latest().read, Timeout);
        QVERIFY(!watcher.latest().connected);
        QCOMPARE(watcher.latest().lostReason, reason);
    }

    // A stats source that takes connections and never answers is lost
    // after the read's timeout, over HTTP and over a TCP stats socket.
    void silentSourcesTimeOut()
    {
        TestBackend silent(QStringLiteral("silent"));
        QVERIFY(silent.listen());
        silent.setMode(TestBackend::Mode::Hold);
        const QString address = QStringLiteral("127.0.0.1:%1").arg(silent.port());
        ExternalHaproxyWatcher http(configFor(QStringLiteral("haproxy-01"), QStringLiteral("http://%1/stats;csv").arg(address),
                                              QString(), {}, 1000));
        http.start();
        QTRY_VERIFY_WITH_TIMEOUT(http.latest().read, Timeout);
        QCOMPARE(http.latest().lostText(), QStringLiteral("stats lost: No answer within 1000 ms"));

        QString error;
        QVERIFY(!RuntimeApiClient(address, 500).showStat(&error));
        QCOMPARE(error, QStringLiteral("No answer within 500 ms (HAProxy's stats socket %1)").arg(address));
    }

    // A stats page behind a login: refused without it, read with it given
    // in the URL.
    void statsBehindALogin()
    {
        RealHaproxy guarded;
        guarded.setStatsAuth(QStringLiteral("admin:s3cret"));
        guarded.addBackend({QStringLiteral("bk"), {{QStringLiteral("s1"), m_s1->port(), false}}});
        QString error;
        QVERIFY2(guarded.start(&error), qPrintable(error));
        ExternalHaproxyWatcher refused(configFor(QStringLiteral("haproxy-01"), guarded.csvUrl(), QString(), {}));
        refused.start();
        QTRY_VERIFY_WITH_TIMEOUT(refused.latest().read, Timeout);
        QCOMPARE(refused.latest().lostText(), QStringLiteral("stats lost: HTTP 401 Unauthorized"));

        ExternalHaproxyWatcher metricsRefused(configFor(QStringLiteral("haproxy-01"), guarded.metricsUrl(), QString(), {}));
        metricsRefused.start();
        QTRY_VERIFY_WITH_TIMEOUT(metricsRefused.latest().read, Timeout);
        QCOMPARE(metricsRefused.latest().lostReason, QStringLiteral("HTTP 401 Unauthorized"));

        QString url = guarded.metricsUrl();
        url.replace(QStringLiteral("http://"), QStringLiteral("http://admin:s3cret@"));
        ExternalHaproxyWatcher allowed(configFor(QStringLiteral("haproxy-01"), url, QString(), {QStringLiteral("s1")}));
        allowed.start();
        QTRY_COMPARE_WITH_TIMEOUT(healthOf(allowed, QStringLiteral("s1")).status, QStringLiteral("UP"), Timeout);
    }

    // Several HAProxy instances, each watched on its own.
    void twoInstancesAtOnce()
    {
        TestBackend other(QStringLiteral("other"));
        QVERIFY(other.listen());
        RealHaproxy second;
        second.addBackend({QStringLiteral("shop"), {{QStringLiteral("shop-1"), other.port(), false}}});
        QString error;
        QVERIFY2(second.start(&error), qPrintable(error));

        ExternalHaproxies watched;
        watched.apply({configFor(QStringLiteral("haproxy-01"), m_haproxy->csvUrl(), QString(), {QStringLiteral("s1")}),
                       configFor(QStringLiteral("haproxy-02"), QString(), second.socketPath(), {QStringLiteral("shop-1")})});
        const auto statusIn = [&](int index, const QString &server) {
            const QList<ExternalSnapshot> snapshots = watched.snapshots();
            const ExternalView view = externalViewOf(snapshots.value(index), watched.configs().value(index).servers);
            for (const Health::ServerHealth &health : view.health) {
                if (health.server == server)
                    return health.status;
            }
            return QString();
        };
        QTRY_COMPARE_WITH_TIMEOUT(statusIn(0, QStringLiteral("s1")), QStringLiteral("UP"), Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(statusIn(1, QStringLiteral("shop-1")), QStringLiteral("UP"), Timeout);
        QCOMPARE(watched.snapshots().at(1).stats.backends.size(), 1);
        QCOMPARE(watched.snapshots().at(1).source, second.socketPath());
        QCOMPARE(watched.snapshots().at(0).source, QStringLiteral("127.0.0.1:%1").arg(m_haproxy->statsPort()));

        // One of them lost: the other goes on.
        second.kill();
        QTRY_VERIFY_WITH_TIMEOUT(!watched.snapshots().at(1).connected, Timeout);
        QCOMPARE(statusIn(1, QStringLiteral("shop-1")), QStringLiteral("unknown"));
        QVERIFY(watched.snapshots().at(0).connected);

        // A changed drawing keeps the watcher whose source did not change.
        const QDateTime since = watched.snapshots().at(0).watchingSince;
        watched.apply({configFor(QStringLiteral("haproxy-01"), m_haproxy->csvUrl(), QString(),
                                 {QStringLiteral("s1"), QStringLiteral("s2")})});
        QCOMPARE(watched.snapshots().size(), 1);
        QCOMPARE(watched.snapshots().at(0).watchingSince, since);
        QCOMPARE(watched.configs().at(0).servers.size(), 2);
    }

    // Servers of the same name in two backends are told apart by backend.
    void matchRuleAndImport()
    {
        TestBackend third(QStringLiteral("s1-again"));
        QVERIFY(third.listen());
        RealHaproxy haproxy;
        haproxy.addBackend({QStringLiteral("bk1"), {{QStringLiteral("s1"), m_s1->port(), false}}});
        haproxy.addBackend({QStringLiteral("bk2"),
                            {{QStringLiteral("s1"), third.port(), false}, {QStringLiteral("s9"), m_s2->port(), true}}});
        QString error;
        QVERIFY2(haproxy.start(&error), qPrintable(error));
        const std::optional<QByteArray> csv = RuntimeApiClient(haproxy.socketPath()).showStat(&error);
        QVERIFY2(csv, qPrintable(error));
        const HaproxyStats stats = *parseStatsCsv(*csv);
        QCOMPARE(serverNodeName(stats, QStringLiteral("bk1"), QStringLiteral("s1")), QStringLiteral("bk1-s1"));
        QCOMPARE(serverNodeName(stats, QStringLiteral("bk2"), QStringLiteral("s9")), QStringLiteral("s9"));

        Topology topology;
        Node lb = Node::make(NodeKind::LoadBalancer, QStringLiteral("haproxy-01"), {0, 0});
        lb.setProperty(QStringLiteral("external"), true);
        const NodeId lbId = topology.addNode(lb);
        // s9 is drawn and linked already; bk1-s1 is drawn but not linked.
        const NodeId s9 = topology.addNode(Node::make(NodeKind::WebServer, QStringLiteral("s9"), {0, 170}));
        topology.connect(lbId, s9);
        topology.addNode(Node::make(NodeKind::AppServer, QStringLiteral("bk1-s1"), {600, 600}));

        const ExternalImport import = externalImportOf(stats, topology, lbId);
        QCOMPARE(import.nodes.size(), 1);
        QCOMPARE(import.nodes.first().name, QStringLiteral("bk2-s1"));
        QCOMPARE(import.nodes.first().kind, NodeKind::WebServer); // an http backend
        QCOMPARE(import.nodes.first().stringProperty(QStringLiteral("address")), QStringLiteral("127.0.0.1"));
        QCOMPARE(import.nodes.first().intProperty(QStringLiteral("port")), int(third.port()));
        QVERIFY(!import.nodes.first().boolProperty(QStringLiteral("embedded")));
        QVERIFY(import.nodes.first().position.y() > lb.position.y()); // below the load balancer
        QCOMPARE(import.links.size(), 2); // bk2-s1 added, bk1-s1 linked
        QCOMPARE(import.summary(QStringLiteral("haproxy-01")), QStringLiteral("Imported 2 backends, 2 servers from haproxy-01"));
    }

    // Loadstar's own stats (Stats.cpp, written to HAProxy's formats) read
    // back as a real HAProxy's, and a field HAProxy quotes because it holds
    // a comma.
    void readersReadLoadstarsOwnStatsAndQuotedFields()
    {
        Engine::StatsSnapshot ours;
        Engine::StatsRow frontend;
        frontend.pxname = "lb";
        frontend.svname = "FRONTEND";
        frontend.type = Engine::StatsRow::Type::Frontend;
        frontend.status = "OPEN";
        Engine::StatsRow web;
        web.pxname = "lb";
        web.svname = "web-02";
        web.status = "DRAIN";
        web.weight = 3;
        web.bck = 1;
        web.stot = 42;
        Engine::StatsRow backend = frontend;
        backend.svname = "BACKEND";
        backend.type = Engine::StatsRow::Type::Backend;
        backend.status = "UP";
        ours.rows = {frontend, web, backend};

        const std::optional<HaproxyStats> csv = parseStatsCsv(QByteArray::fromStdString(Engine::formatStatsCsv(ours)));
        QVERIFY(csv);
        QCOMPARE(statusOf(csv, "lb", "web-02"), QStringLiteral("DRAIN"));
        QCOMPARE(int(serverIn(csv, "lb", "web-02")->row.weight), 3);
        QCOMPARE(int(serverIn(csv, "lb", "web-02")->row.bck), 1);
        const std::optional<HaproxyStats> prometheus
            = parsePrometheus(QByteArray::fromStdString(Engine::formatPrometheus(ours)));
        QVERIFY(prometheus);
        QCOMPARE(statusOf(prometheus, "lb", "web-02"), QStringLiteral("DRAIN"));
        QCOMPARE(int(serverIn(prometheus, "lb", "web-02")->row.stot), 42);

        const QByteArray quoted = "# pxname,svname,status,check_status,last_chk,type\n"
                                  "bk,s1,DOWN,* L7STS,\"HTTP status 503, \"\"Service Unavailable\"\"\",2\n";
        const std::optional<HaproxyStats> stats = parseStatsCsv(quoted);
        QVERIFY(stats);
        QCOMPARE(checkOf(stats, "bk", "s1"), QStringLiteral("L7STS")); // the "* " of a check under way dropped
        QCOMPARE(serverIn(stats, "bk", "s1")->checkInfo, QStringLiteral("HTTP status 503, \"Service Unavailable\""));
        QString error;
        QVERIFY(!parseHaproxyStats("<html><body>Statistics Report</body></html>", &error));
        QCOMPARE(error, QStringLiteral("the answer is not HAProxy's stats CSV (no “# pxname,svname,…” header)"));
    }

private:
    std::unique_ptr<TestBackend> m_s1, m_s2, m_db;
    std::unique_ptr<RealHaproxy> m_haproxy;
};

QTEST_GUILESS_MAIN(ExternalHaproxyTest)
#include "tst_external_haproxy.moc"
