// Monitor nodes end to end on loopback: real servers checked by the real
// health monitor, alerts posted to a real HTTP receiver — exactly one POST
// per transition, retried on 5xx with the same key, a delivery that fails
// for good shown as an event, failures that explain others folded into one
// POST, a certificate near expiry alerted once — and a drawn document whose
// monitor watches its nodes while it runs.

#include "ScriptServer.h"
#include "WebhookReceiver.h"

#include "engine/EngineConfig.h"
#include "engine/LiveSession.h"
#include "engine/health/HealthMonitor.h"
#include "engine/monitor/AlertMonitor.h"
#include "model/Topology.h"

#include <QJsonArray>
#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Test;
using Health::CheckResult;
using Health::HealthMonitor;
using Health::HealthStatus;
using Health::MonitoredServer;
using Monitor::Alert;
using Monitor::AlertMonitor;
using Monitor::MonitorNote;

namespace {

constexpr int Timeout = 15000;

MonitoredServer checked(const QString &name, quint16 port, const QString &type = QStringLiteral("tcp"))
{
    MonitoredServer server;
    server.frontend = QStringLiteral("lb");
    server.target.name = name;
    server.target.address = QStringLiteral("127.0.0.1");
    server.target.port = port;
    server.target.check.type = type;
    server.target.check.inter = server.target.check.fastinter = server.target.check.downinter = 100;
    server.target.check.rise = 2;
    server.target.check.fall = 2;
    server.target.check.timeout = 1000;
    return server;
}

Engine::MonitorConfig monitorOf(const QStringList &watched, const QUrl &webhook, int groupWaitMs = 300)
{
    Engine::MonitorConfig monitor;
    monitor.name = QStringLiteral("monitor");
    monitor.watched = watched;
    monitor.webhook = webhook.toString();
    monitor.groupWait = groupWaitMs;
    return monitor;
}

// A port nothing listens on.
quint16 closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

// The health monitor and the monitor nodes, with what they said, in the
// test's thread (queued, as a window gets them).
class Rig : public QObject
{
public:
    Rig()
    {
        connect(&alerts, &AlertMonitor::alerted, this, [this](const Alert &alert) { alerted << alert; });
        connect(&alerts, &AlertMonitor::noted, this, [this](const MonitorNote &note) { notes << note; });
        connect(&health, &HealthMonitor::checked, this,
                [this](const QString &, const QString &server, const CheckResult &, const HealthStatus &) {
                    ++checks[server];
                });
        alerts.setDocumentName(QStringLiteral("site"));
        alerts.setWebhookRetry({3, 50, 2000});
    }
    ~Rig() override
    {
        health.stop();
        alerts.stop();
    }

    void start(const QList<MonitoredServer> &servers, const Engine::MonitorConfig &monitor)
    {
        health.setServers(servers);
        alerts.setMonitors({monitor});
        alerts.start();
        health.start();
    }

    QStringList noteTexts() const
    {
        QStringList texts;
        for (const MonitorNote &note : notes)
            texts << note.text;
        return texts;
    }

    HealthMonitor health;
    AlertMonitor alerts{health};
    QList<Alert> alerted;
    QList<MonitorNote> notes;
    QHash<QString, int> checks;
};

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

QStringList strings(const QJsonArray &array)
{
    QStringList list;
    for (const QJsonValue &value : array)
        list << value.toString();
    return list;
}

} // namespace

class TestAlerts : public QObject
{
    Q_OBJECT

private slots:
    void aServerGoingDownAndUpPostsOncePerTransition()
    {
        WebhookReceiver receiver;
        QVERIFY(receiver.start());
        ScriptServer web;
        QVERIFY(web.start());
        const quint16 port = web.serverPort();
        Rig rig;
        rig.start({checked(QStringLiteral("web-01"), port)}, monitorOf({QStringLiteral("web-01")}, receiver.url()));
        QTRY_VERIFY_WITH_TIMEOUT(rig.checks.value(QStringLiteral("web-01")) >= 2, Timeout);
        QCOMPARE(receiver.count(), 0); // UP from the start is no news

        web.close();
        QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 1, Timeout);
        const WebhookReceiver::Request &post = receiver.requests().first();
        QCOMPARE(post.method, QByteArray("POST"));
        QCOMPARE(post.path, QByteArray("/hook"));
        QCOMPARE(post.headers.value("content-type"), QByteArray("application/json"));
        const QJsonObject body = post.json;
        QCOMPARE(post.headers.value("idempotency-key"), body.value("id").toString().toUtf8());
        QCOMPARE(body.value("monitor").toString(), QStringLiteral("monitor"));
        QCOMPARE(body.value("node").toString(), QStringLiteral("web-01"));
        QCOMPARE(body.value("kind").toString(), QStringLiteral("health"));
        QCOMPARE(body.value("state").toString(), QStringLiteral("DOWN"));
        QCOMPARE(body.value("previous").toString(), QStringLiteral("UP"));
        QCOMPARE(body.value("reason").toString(), QStringLiteral("L4CON: Connection refused"));
        QVERIFY2(body.value("message").toString().startsWith(QStringLiteral("Server lb/web-01 is DOWN, reason: Layer4 connection problem")),
                 qPrintable(body.value("message").toString()));
        QCOMPARE(body.value("unreachable").toArray(), QJsonArray());
        QCOMPARE(body.value("document").toString(), QStringLiteral("site"));
        const QDateTime when = QDateTime::fromString(body.value("timestamp").toString(), Qt::ISODateWithMs);
        QVERIFY(when.isValid());
        QCOMPARE(when.timeSpec(), Qt::UTC);
        QVERIFY(qAbs(when.secsTo(QDateTime::currentDateTimeUtc())) < 60);
        QCOMPARE(rig.alerted.size(), 1);
        QCOMPARE(rig.alerts.statuses().value(0).firing, 1);
        QCOMPARE(rig.alerts.statuses().value(0).text(), QStringLiteral("1 alert firing · last: web-01 DOWN"));

        QVERIFY(web.listen(QHostAddress::LocalHost, port));
        QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 2, Timeout);
        QCOMPARE(receiver.field(QStringLiteral("state")), (QStringList{"DOWN", "UP"}));
        QCOMPARE(receiver.field(QStringLiteral("node")), (QStringList{"web-01", "web-01"}));
        QVERIFY(receiver.requests().at(1).json.value("id") != body.value("id"));

        // No POST more while the state stays: twenty more checks (well past
        // the group window) bring nothing.
        const int checks = rig.checks.value(QStringLiteral("web-01"));
        QTRY_VERIFY_WITH_TIMEOUT(rig.checks.value(QStringLiteral("web-01")) >= checks + 20, Timeout);
        QCOMPARE(receiver.count(), 2);
        QCOMPARE(rig.alerted.size(), 2);
        QCOMPARE(rig.alerts.statuses().value(0).firing, 0);
        QVERIFY2(rig.notes.isEmpty(), qPrintable(rig.noteTexts().join(QLatin1Char('\n'))));
    }

    void serverErrorsAreRetriedAsTheSameAlert()
    {
        WebhookReceiver receiver;
        QVERIFY(receiver.start());
        receiver.setStatuses({500, 500});
        ScriptServer web;
        QVERIFY(web.start());
        const quint16 port = web.serverPort();
        Rig rig;
        rig.start({checked(QStringLiteral("web-01"), port)}, monitorOf({QStringLiteral("web-01")}, receiver.url()));
        QTRY_VERIFY_WITH_TIMEOUT(rig.checks.value(QStringLiteral("web-01")) >= 1, Timeout);

        web.close();
        QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 3, Timeout);
        const QString id = receiver.requests().first().json.value("id").toString();
        for (const WebhookReceiver::Request &attempt : receiver.requests()) {
            QCOMPARE(attempt.headers.value("idempotency-key"), id.toUtf8());
            QCOMPARE(attempt.body, receiver.requests().first().body);
        }
        // The recovery goes out once the DOWN was delivered, in one attempt.
        QVERIFY(web.listen(QHostAddress::LocalHost, port));
        QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 4, Timeout);
        QCOMPARE(receiver.field(QStringLiteral("state")), (QStringList{"DOWN", "DOWN", "DOWN", "UP"}));
        QCOMPARE(rig.alerted.size(), 2);
        QVERIFY2(rig.notes.isEmpty(), qPrintable(rig.noteTexts().join(QLatin1Char('\n'))));
    }

    void aRefusedAlertIsNotRetried()
    {
        WebhookReceiver receiver;
        QVERIFY(receiver.start());
        receiver.setStatuses({404});
        ScriptServer web;
        QVERIFY(web.start());
        const quint16 port = web.serverPort();
        Rig rig;
        rig.start({checked(QStringLiteral("web-01"), port)}, monitorOf({QStringLiteral("web-01")}, receiver.url()));
        QTRY_VERIFY_WITH_TIMEOUT(rig.checks.value(QStringLiteral("web-01")) >= 1, Timeout);

        web.close();
        QTRY_COMPARE_WITH_TIMEOUT(rig.notes.size(), 1, Timeout);
        QCOMPARE(rig.notes.first().text,
                 QStringLiteral("webhook %1: refused with HTTP 404 Not Found; check its URL (alert: web-01 DOWN)")
                     .arg(receiver.url().toString()));
        QVERIFY(rig.notes.first().problem);
        QVERIFY(web.listen(QHostAddress::LocalHost, port));
        QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 2, Timeout);
        QCOMPARE(receiver.field(QStringLiteral("state")), (QStringList{"DOWN", "UP"}));
    }

    void aWebhookNobodyAnswersBecomesAVisibleEvent()
    {
        const QUrl nowhere(QStringLiteral("http://127.0.0.1:%1/hook").arg(closedPort()));
        ScriptServer web;
        QVERIFY(web.start());
        Rig rig;
        rig.start({checked(QStringLiteral("web-01"), web.serverPort())}, monitorOf({QStringLiteral("web-01")}, nowhere));
        QTRY_VERIFY_WITH_TIMEOUT(rig.checks.value(QStringLiteral("web-01")) >= 1, Timeout);

        web.close();
        QTRY_COMPARE_WITH_TIMEOUT(rig.notes.size(), 1, Timeout);
        QCOMPARE(rig.notes.first().text,
                 QStringLiteral("webhook %1: delivery failed after 3 attempts: Connection refused (alert: web-01 DOWN)")
                     .arg(nowhere.toString()));
        QCOMPARE(rig.notes.first().monitor, QStringLiteral("monitor"));
        QCOMPARE(rig.alerted.size(), 1); // the alert itself still reached the window
    }

    void aWebhookThatNeverAnswersTimesOut()
    {
        ScriptServer silent; // accepts the POST and never answers
        QVERIFY(silent.start());
        const QUrl url(QStringLiteral("http://127.0.0.1:%1/hook").arg(silent.serverPort()));
        ScriptServer web;
        QVERIFY(web.start());
        Rig rig;
        rig.alerts.setWebhookRetry({2, 50, 300});
        rig.start({checked(QStringLiteral("web-01"), web.serverPort())}, monitorOf({QStringLiteral("web-01")}, url));
        QTRY_VERIFY_WITH_TIMEOUT(rig.checks.value(QStringLiteral("web-01")) >= 1, Timeout);

        web.close();
        QTRY_COMPARE_WITH_TIMEOUT(rig.notes.size(), 1, Timeout);
        QCOMPARE(rig.notes.first().text,
                 QStringLiteral("webhook %1: delivery failed after 2 attempts: no answer within 300 ms (alert: web-01 DOWN)")
                     .arg(url.toString()));
        QCOMPARE(silent.connections(), 2);
        QVERIFY(silent.received().startsWith("POST /hook HTTP/1.1"));
    }

    void failuresThatExplainOthersMakeOnePost()
    {
        WebhookReceiver receiver;
        QVERIFY(receiver.start());
        ScriptServer lb, web1, web2;
        QVERIFY(lb.start() && web1.start() && web2.start());
        const quint16 ports[] = {lb.serverPort(), web1.serverPort(), web2.serverPort()};
        Engine::MonitorConfig monitor = monitorOf({"lb", "web-01", "web-02"}, receiver.url(), 2000);
        monitor.dependsOn = {{"web-01", {"lb"}}, {"web-02", {"lb"}}};
        Rig rig;
        rig.start({checked("lb", ports[0]), checked("web-01", ports[1]), checked("web-02", ports[2])}, monitor);
        QTRY_VERIFY_WITH_TIMEOUT(rig.checks.value("lb") >= 1 && rig.checks.value("web-01") >= 1
                                     && rig.checks.value("web-02") >= 1,
                                 Timeout);

        lb.close();
        web1.close();
        web2.close();
        QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 1, Timeout);
        QCOMPARE(receiver.requests().first().json.value("node").toString(), QStringLiteral("lb"));
        QCOMPARE(sorted(strings(receiver.requests().first().json.value("unreachable").toArray())),
                 (QStringList{"web-01", "web-02"}));
        QVERIFY(receiver.requests().first().json.value("summary").toString().endsWith(QStringLiteral("unreachable because of lb")));

        QVERIFY(lb.listen(QHostAddress::LocalHost, ports[0]));
        QVERIFY(web1.listen(QHostAddress::LocalHost, ports[1]));
        QVERIFY(web2.listen(QHostAddress::LocalHost, ports[2]));
        QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 2, Timeout);
        QCOMPARE(receiver.field(QStringLiteral("node")), (QStringList{"lb", "lb"}));
        QCOMPARE(receiver.field(QStringLiteral("state")), (QStringList{"DOWN", "UP"}));
        // Every node UP and checked again since: nothing more is coming.
        const int checks = rig.checks.value("web-02");
        QTRY_VERIFY_WITH_TIMEOUT(rig.checks.value("web-02") >= checks + 10, Timeout);
        QCOMPARE(receiver.count(), 2);
    }

    void independentFailuresMakeAPostEach()
    {
        WebhookReceiver receiver;
        QVERIFY(receiver.start());
        ScriptServer web1, web2;
        QVERIFY(web1.start() && web2.start());
        Rig rig;
        rig.start({checked("web-01", web1.serverPort()), checked("web-02", web2.serverPort())},
                  monitorOf({"web-01", "web-02"}, receiver.url(), 2000));
        QTRY_VERIFY_WITH_TIMEOUT(rig.checks.value("web-01") >= 1 && rig.checks.value("web-02") >= 1, Timeout);

        web1.close();
        web2.close();
        QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 2, Timeout);
        QCOMPARE(sorted(receiver.field(QStringLiteral("node"))), (QStringList{"web-01", "web-02"}));
        QCOMPARE(receiver.field(QStringLiteral("state")), (QStringList{"DOWN", "DOWN"}));
        const int checks = rig.checks.value("web-02");
        QTRY_VERIFY_WITH_TIMEOUT(rig.checks.value("web-02") >= checks + 10, Timeout);
        QCOMPARE(receiver.count(), 2);
    }

    void aCertificateNearExpiryAlertsOnce()
    {
        WebhookReceiver receiver;
        QVERIFY(receiver.start());
        ScriptServer web;
        web.setTls(QStringLiteral(TEST_DATA_DIR "/tls/valid.crt"), QStringLiteral(TEST_DATA_DIR "/tls/valid.key"));
        QVERIFY(web.start());
        // The test certificate is valid for ten years: warn under ten.
        Engine::MonitorConfig monitor = monitorOf({"web-01"}, receiver.url());
        monitor.certWarnDays = 3650;
        Rig rig;
        rig.start({checked("web-01", web.serverPort(), QStringLiteral("tls"))}, monitor);

        QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 1, Timeout);
        const QJsonObject body = receiver.requests().first().json;
        QCOMPARE(body.value("kind").toString(), QStringLiteral("certificate"));
        QCOMPARE(body.value("node").toString(), QStringLiteral("web-01"));
        QCOMPARE(body.value("state").toString(), QStringLiteral("EXPIRING"));
        const int days = body.value("cert_days_left").toInt();
        QVERIFY2(days > 3000 && days <= 3650, qPrintable(QString::number(days)));
        QCOMPARE(body.value("summary").toString(), QStringLiteral("web-01's certificate expires in %1 days").arg(days));
        // Every later check sees the same certificate: no second alert.
        const int checks = rig.checks.value("web-01");
        QTRY_VERIFY_WITH_TIMEOUT(rig.checks.value("web-01") >= checks + 10, Timeout);
        QCOMPARE(receiver.count(), 1);
        QCOMPARE(rig.alerts.statuses().value(0).text(), QStringLiteral("1 alert firing · last: web-01 certificate EXPIRING"));
    }

    void aDrawnMonitorWatchesItsNodesWhileTheDocumentRuns()
    {
        WebhookReceiver receiver;
        QVERIFY(receiver.start());
        // Free ports for the demo backends and the load balancer.
        QTcpServer first, second, third;
        QVERIFY(first.listen(QHostAddress::LocalHost, 0) && second.listen(QHostAddress::LocalHost, 0)
                && third.listen(QHostAddress::LocalHost, 0));
        const quint16 ports[] = {first.serverPort(), second.serverPort(), third.serverPort()};
        first.close();
        second.close();
        third.close();

        Topology topology;
        Node web1 = Node::make(NodeKind::WebServer, QStringLiteral("web-01"));
        web1.setProperty(QStringLiteral("port"), ports[0]);
        for (const char *key : {"inter", "fastinter", "downinter"})
            web1.setProperty(QLatin1String(key), 100);
        // Drawn without a check: the monitor checks it all the same.
        Node web2 = Node::make(NodeKind::WebServer, QStringLiteral("web-02"));
        web2.setProperty(QStringLiteral("port"), ports[1]);
        web2.setProperty(QStringLiteral("check"), QStringLiteral("none"));
        Node monitor = Node::make(NodeKind::Monitor, QStringLiteral("monitor"));
        monitor.setProperty(QStringLiteral("inter"), 100);
        monitor.setProperty(QStringLiteral("group_wait"), 300);
        QCOMPARE(monitor.setProperty(QStringLiteral("webhook"), receiver.url().toString()), QString());
        Node lb = Node::make(NodeKind::LoadBalancer, QStringLiteral("lb"));
        lb.setProperty(QStringLiteral("port"), ports[2]);
        const NodeId web1Id = topology.addNode(web1);
        const NodeId web2Id = topology.addNode(web2);
        const NodeId lbId = topology.addNode(lb);
        const NodeId monitorId = topology.addNode(monitor);
        topology.connect(lbId, web1Id);
        topology.connect(monitorId, web1Id);
        topology.connect(monitorId, web2Id);
        topology.connect(monitorId, lbId);
        const Engine::CompileResult compiled = Engine::compile(topology);
        QVERIFY(compiled.problems.isEmpty());
        QCOMPARE(compiled.config.monitors.size(), 1);
        QCOMPARE(compiled.config.monitors.first().watched, (QStringList{"web-01", "web-02", "lb"}));

        LiveSession session;
        session.alerts().setDocumentName(QStringLiteral("site"));
        QString error;
        QVERIFY2(session.start(compiled.config, &error), qPrintable(error));
        // web-02 is checked (tcp) by the monitor, not listed as "no check",
        // and so is the load balancer's listener.
        const auto healthOf = [&session](const QString &name) {
            for (const Health::ServerHealth &health : session.monitor().snapshot()) {
                if (health.server == name)
                    return health;
            }
            return Health::ServerHealth{};
        };
        QTRY_COMPARE_WITH_TIMEOUT(healthOf("web-02").lastCheck.code, Health::CheckCode::L4OK, Timeout);
        QVERIFY(healthOf("web-02").checked);
        QTRY_COMPARE_WITH_TIMEOUT(healthOf("lb").lastCheck.code, Health::CheckCode::L4OK, Timeout);
        QCOMPARE(healthOf("lb").status, QStringLiteral("UP"));

        Engine::DemoFault killed;
        killed.killed = true;
        QVERIFY(session.demoBackends().setFault(QStringLiteral("web-02"), killed, &error));
        QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 1, Timeout);
        QCOMPARE(receiver.field(QStringLiteral("node")), QStringList{"web-02"});
        QCOMPARE(receiver.field(QStringLiteral("state")), QStringList{"DOWN"});
        QCOMPARE(receiver.field(QStringLiteral("document")), QStringList{"site"});
        QCOMPARE(session.alerts().statuses().value(0).text(), QStringLiteral("1 alert firing · last: web-02 DOWN"));

        QVERIFY(session.demoBackends().setFault(QStringLiteral("web-02"), Engine::DemoFault{}, &error));
        QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 2, Timeout);
        QCOMPARE(receiver.field(QStringLiteral("state")), (QStringList{"DOWN", "UP"}));
        session.stop();
        QVERIFY(!session.alerts().isRunning());
    }
};

QTEST_GUILESS_MAIN(TestAlerts)
#include "tst_alerts.moc"
