// The monitor node's alert policy alone, on a clock the test moves: one
// alert per transition, a group window, dependents folded into the alert of
// the node they are cut off by, certificate alerts.
#include "engine/monitor/AlertPolicy.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Loadstar::Monitor;

namespace {

const QDateTime T0(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC);

QDateTime at(int ms)
{
    return T0.addMSecs(ms);
}

AlertPolicy::Settings settings(QStringList watched, QHash<QString, QStringList> dependsOn = {})
{
    AlertPolicy::Settings s;
    s.monitor = QStringLiteral("monitor");
    s.watched = std::move(watched);
    s.dependsOn = std::move(dependsOn);
    s.groupWaitMs = 2000;
    s.certWarnDays = 14;
    return s;
}

const QString Refused = QStringLiteral("L4CON: Connection refused");

} // namespace

class TestAlertPolicy : public QObject
{
    Q_OBJECT

private:
    static void down(AlertPolicy &policy, const QString &node, int ms)
    {
        policy.healthChanged(node, false, at(ms), Refused,
                             QStringLiteral("Server lb/%1 is DOWN, reason: Layer4 connection problem").arg(node));
    }
    static void up(AlertPolicy &policy, const QString &node, int ms)
    {
        policy.healthChanged(node, true, at(ms), QStringLiteral("L4OK: Connection established"),
                             QStringLiteral("Server lb/%1 is UP").arg(node));
    }

private slots:
    void aDownWaitsTheGroupWindowThenAlertsOnce()
    {
        AlertPolicy policy(settings({"web-01"}));
        down(policy, "web-01", 0);
        QVERIFY(policy.take(at(1999)).alerts.isEmpty());
        QCOMPARE(policy.nextDeadline(), at(2000));

        const QList<Alert> alerts = policy.take(at(2000)).alerts;
        QCOMPARE(alerts.size(), 1);
        const Alert &alert = alerts.first();
        QCOMPARE(alert.node, QStringLiteral("web-01"));
        QCOMPARE(alert.monitor, QStringLiteral("monitor"));
        QCOMPARE(alert.state(), QStringLiteral("DOWN"));
        QCOMPARE(alert.previous(), QStringLiteral("UP"));
        QCOMPARE(alert.reason, Refused);
        QVERIFY(alert.message.startsWith(QStringLiteral("Server lb/web-01 is DOWN")));
        QCOMPARE(alert.timestamp, at(0)); // when it went DOWN, not when it was sent
        QVERIFY(!alert.id.isEmpty());
        QCOMPARE(policy.firing(), 1);
        QCOMPARE(policy.last(), QStringLiteral("web-01 DOWN"));
        QVERIFY(!policy.nextDeadline());

        // Staying DOWN, or hearing DOWN again, sends nothing more.
        down(policy, "web-01", 5000);
        QVERIFY(policy.take(at(60000)).alerts.isEmpty());
    }

    void backUpIsOneResolvedAlert()
    {
        AlertPolicy policy(settings({"web-01"}));
        down(policy, "web-01", 0);
        const QString downId = policy.take(at(2000)).alerts.value(0).id;
        up(policy, "web-01", 10000);
        QVERIFY(policy.take(at(11000)).alerts.isEmpty());
        const QList<Alert> alerts = policy.take(at(12000)).alerts;
        QCOMPARE(alerts.size(), 1);
        QCOMPARE(alerts.first().kind, Alert::Kind::Resolved);
        QCOMPARE(alerts.first().state(), QStringLiteral("UP"));
        QCOMPARE(alerts.first().previous(), QStringLiteral("DOWN"));
        QVERIFY(alerts.first().id != downId);
        QCOMPARE(policy.firing(), 0);
        up(policy, "web-01", 20000);
        QVERIFY(policy.take(at(30000)).alerts.isEmpty());
    }

    void nodesNotWatchedAreIgnored()
    {
        AlertPolicy policy(settings({"web-01"}));
        down(policy, "db-primary", 0);
        policy.certificateChecked(QStringLiteral("db-primary"), 1, at(0));
        const AlertPolicy::Output out = policy.take(at(10000));
        QVERIFY(out.alerts.isEmpty());
        QVERIFY(out.notes.isEmpty());
        QCOMPARE(policy.firing(), 0);
    }

    void aBlipWithinTheGroupWindowIsANoteNotAnAlert()
    {
        AlertPolicy policy(settings({"web-01"}));
        down(policy, "web-01", 0);
        up(policy, "web-01", 500);
        const AlertPolicy::Output out = policy.take(at(5000));
        QVERIFY(out.alerts.isEmpty());
        QCOMPARE(out.notes.size(), 1);
        QVERIFY2(out.notes.first().text.contains(QStringLiteral("no alert")), qPrintable(out.notes.first().text));
        QCOMPARE(policy.firing(), 0);
    }

    void downAgainBeforeTheRecoveryIsReportedKeepsTheAlert()
    {
        AlertPolicy policy(settings({"web-01"}));
        down(policy, "web-01", 0);
        QCOMPARE(policy.take(at(2000)).alerts.size(), 1);
        up(policy, "web-01", 3000);
        down(policy, "web-01", 3500);
        const AlertPolicy::Output out = policy.take(at(9000));
        QVERIFY(out.alerts.isEmpty());
        QCOMPARE(out.notes.size(), 1);
        QCOMPARE(policy.firing(), 1);
    }

    void dependentsGoingDownTogetherAreFoldedIntoOneAlert()
    {
        AlertPolicy policy(settings({"lb", "web-01", "web-02"},
                                    {{"web-01", {"lb"}}, {"web-02", {"lb"}}}));
        // The monitor's checks are spread over its interval: a dependent may
        // be seen DOWN first.
        down(policy, "web-01", 0);
        down(policy, "lb", 300);
        down(policy, "web-02", 600);
        QVERIFY(policy.take(at(2000)).alerts.isEmpty()); // web-01's window passed, but lb explains it
        QCOMPARE(policy.nextDeadline(), at(2300));
        const QList<Alert> alerts = policy.take(at(2300)).alerts;
        QCOMPARE(alerts.size(), 1);
        QCOMPARE(alerts.first().node, QStringLiteral("lb"));
        QCOMPARE(alerts.first().unreachable, (QStringList{"web-01", "web-02"}));
        QCOMPARE(alerts.first().summary(),
                 QStringLiteral("lb DOWN (L4CON: Connection refused); web-01, web-02 unreachable because of lb"));
        QCOMPARE(policy.firing(), 1);
        QVERIFY(policy.take(at(60000)).alerts.isEmpty());

        // Recovery mirrors it: one resolved alert for the group.
        up(policy, "lb", 70000);
        up(policy, "web-01", 70200);
        up(policy, "web-02", 70400);
        const AlertPolicy::Output back = policy.take(at(72000));
        QCOMPARE(back.alerts.size(), 1);
        QCOMPARE(back.alerts.first().kind, Alert::Kind::Resolved);
        QCOMPARE(back.alerts.first().node, QStringLiteral("lb"));
        QCOMPARE(back.alerts.first().unreachable, (QStringList{"web-01", "web-02"}));
        QCOMPARE(policy.firing(), 0);
    }

    void aDependentGoingDownAfterTheAlertIsANote()
    {
        AlertPolicy policy(settings({"lb", "web-01"}, {{"web-01", {"lb"}}}));
        down(policy, "lb", 0);
        QCOMPARE(policy.take(at(2000)).alerts.size(), 1);
        down(policy, "web-01", 5000);
        const AlertPolicy::Output out = policy.take(at(5000));
        QVERIFY(out.alerts.isEmpty());
        QCOMPARE(out.notes.size(), 1);
        QCOMPARE(out.notes.first().node, QStringLiteral("web-01"));
        QVERIFY2(out.notes.first().text.contains(QStringLiteral("unreachable because of lb")),
                 qPrintable(out.notes.first().text));
        QVERIFY(policy.take(at(60000)).alerts.isEmpty());
        QCOMPARE(policy.firing(), 1);
    }

    void twoIndependentFailuresAreTwoAlerts()
    {
        AlertPolicy policy(settings({"lb", "web-01", "db"}, {{"web-01", {"lb"}}}));
        down(policy, "web-01", 0);
        down(policy, "db", 100);
        const QList<Alert> alerts = policy.take(at(2100)).alerts;
        QCOMPARE(alerts.size(), 2);
        QCOMPARE(alerts.at(0).node, QStringLiteral("web-01"));
        QCOMPARE(alerts.at(1).node, QStringLiteral("db"));
        QVERIFY(alerts.at(0).unreachable.isEmpty());
        QCOMPARE(policy.firing(), 2);
    }

    void aDependentStillDownWhenItsCauseRecoversGetsItsOwnAlert()
    {
        AlertPolicy policy(settings({"lb", "web-01"}, {{"web-01", {"lb"}}}));
        down(policy, "lb", 0);
        down(policy, "web-01", 100);
        QCOMPARE(policy.take(at(2000)).alerts.size(), 1);
        up(policy, "lb", 10000);
        const QList<Alert> alerts = policy.take(at(12000)).alerts;
        QCOMPARE(alerts.size(), 2);
        QCOMPARE(alerts.at(0).kind, Alert::Kind::Resolved);
        QCOMPARE(alerts.at(0).node, QStringLiteral("lb"));
        QVERIFY(alerts.at(0).unreachable.isEmpty());
        QCOMPARE(alerts.at(1).kind, Alert::Kind::Down);
        QCOMPARE(alerts.at(1).node, QStringLiteral("web-01"));
        QCOMPARE(policy.firing(), 1);
        up(policy, "web-01", 20000);
        const QList<Alert> back = policy.take(at(22000)).alerts;
        QCOMPARE(back.size(), 1);
        QCOMPARE(back.first().node, QStringLiteral("web-01"));
        QCOMPARE(back.first().kind, Alert::Kind::Resolved);
    }

    void aChainIsReportedAtItsRoot()
    {
        AlertPolicy policy(settings({"fw", "lb", "web-01"}, {{"lb", {"fw"}}, {"web-01", {"fw", "lb"}}}));
        down(policy, "web-01", 0);
        down(policy, "lb", 100);
        down(policy, "fw", 200);
        const QList<Alert> alerts = policy.take(at(2200)).alerts;
        QCOMPARE(alerts.size(), 1);
        QCOMPARE(alerts.first().node, QStringLiteral("fw"));
        QCOMPARE(alerts.first().unreachable, (QStringList{"web-01", "lb"}));
    }

    void aCauseThatBlipsLeavesItsDependentsToAlertOnTheirOwn()
    {
        AlertPolicy policy(settings({"lb", "web-01"}, {{"web-01", {"lb"}}}));
        down(policy, "lb", 0);
        down(policy, "web-01", 100);
        QVERIFY(policy.take(at(500)).alerts.isEmpty());
        up(policy, "lb", 800);
        const QList<Alert> alerts = policy.take(at(800)).alerts;
        QCOMPARE(alerts.size(), 1);
        QCOMPARE(alerts.first().node, QStringLiteral("web-01"));
        QVERIFY(alerts.first().unreachable.isEmpty());
    }

    void aCertificateAlertsOnceWhenItNearsExpiryAndOnceWhenRenewed()
    {
        AlertPolicy policy(settings({"lb"}));
        policy.certificateChecked(QStringLiteral("lb"), 30, at(0));
        QVERIFY(policy.take(at(0)).alerts.isEmpty());
        policy.certificateChecked(QStringLiteral("lb"), 13, at(1000));
        QList<Alert> alerts = policy.take(at(1000)).alerts;
        QCOMPARE(alerts.size(), 1);
        QCOMPARE(alerts.first().kind, Alert::Kind::CertificateExpiring);
        QCOMPARE(alerts.first().certDaysLeft, 13);
        QCOMPARE(alerts.first().summary(), QStringLiteral("lb's certificate expires in 13 days"));
        QCOMPARE(policy.firing(), 1);
        QCOMPARE(policy.last(), QStringLiteral("lb certificate EXPIRING"));
        for (int day = 12; day >= -2; --day)
            policy.certificateChecked(QStringLiteral("lb"), day, at(2000));
        QVERIFY(policy.take(at(2000)).alerts.isEmpty());

        policy.certificateChecked(QStringLiteral("lb"), 365, at(3000));
        alerts = policy.take(at(3000)).alerts;
        QCOMPARE(alerts.size(), 1);
        QCOMPARE(alerts.first().kind, Alert::Kind::CertificateRenewed);
        QCOMPARE(alerts.first().summary(), QStringLiteral("lb's certificate was renewed: 365 days left"));
        QCOMPARE(policy.firing(), 0);
    }

    void anExpiredCertificateSaysSo()
    {
        AlertPolicy policy(settings({"lb"}));
        policy.certificateChecked(QStringLiteral("lb"), -3, at(0));
        const QList<Alert> alerts = policy.take(at(0)).alerts;
        QCOMPARE(alerts.size(), 1);
        QCOMPARE(alerts.first().summary(), QStringLiteral("lb's certificate expired 3 days ago"));
    }

    void changedSettingsKeepTheStateOfNodesStillWatched()
    {
        AlertPolicy policy(settings({"web-01", "web-02"}));
        down(policy, "web-01", 0);
        down(policy, "web-02", 0);
        QCOMPARE(policy.take(at(2000)).alerts.size(), 2);
        policy.setSettings(settings({"web-01"}));
        QCOMPARE(policy.firing(), 1);
        down(policy, "web-01", 3000); // still DOWN: nothing new
        QVERIFY(policy.take(at(9000)).alerts.isEmpty());
        up(policy, "web-01", 10000);
        QCOMPARE(policy.take(at(12000)).alerts.size(), 1);
    }

    void theWebhookBodyCarriesTheAlert()
    {
        AlertPolicy policy(settings({"lb", "web-01"}, {{"web-01", {"lb"}}}));
        down(policy, "lb", 0);
        down(policy, "web-01", 10);
        const Alert alert = policy.take(at(2000)).alerts.value(0);
        const QJsonObject body = QJsonDocument::fromJson(alert.toJson(QStringLiteral("site"))).object();
        QCOMPARE(body.value("id").toString(), alert.id);
        QCOMPARE(body.value("monitor").toString(), QStringLiteral("monitor"));
        QCOMPARE(body.value("node").toString(), QStringLiteral("lb"));
        QCOMPARE(body.value("kind").toString(), QStringLiteral("health"));
        QCOMPARE(body.value("state").toString(), QStringLiteral("DOWN"));
        QCOMPARE(body.value("previous").toString(), QStringLiteral("UP"));
        QCOMPARE(body.value("reason").toString(), Refused);
        QCOMPARE(body.value("message").toString(), QStringLiteral("Server lb/lb is DOWN, reason: Layer4 connection problem"));
        QCOMPARE(body.value("unreachable").toArray(), QJsonArray({"web-01"}));
        QCOMPARE(body.value("timestamp").toString(), QStringLiteral("2026-03-01T12:00:00.000Z"));
        QCOMPARE(body.value("document").toString(), QStringLiteral("site"));
    }

    void theMonitorCardSaysWhatFires()
    {
        QCOMPARE((MonitorStatus{"monitor", 6, 0, {}}).text(), QStringLiteral("watching 6 nodes · no alert firing"));
        QCOMPARE((MonitorStatus{"monitor", 6, 2, "web-01 DOWN"}).text(),
                 QStringLiteral("2 alerts firing · last: web-01 DOWN"));
        QCOMPARE((MonitorStatus{"monitor", 1, 0, "web-01 UP"}).text(),
                 QStringLiteral("watching 1 node · no alert firing · last: web-01 UP"));
    }
};

QTEST_GUILESS_MAIN(TestAlertPolicy)
#include "tst_alert_policy.moc"
