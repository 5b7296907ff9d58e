#include "engine/Stats.h"

#include <QtTest>

#include <QRegularExpression>

using namespace Loadstar::Engine;

namespace {

const char haproxyHeader[] =
    "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,"
    "wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,"
    "lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,"
    "hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,"
    "cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,"
    "ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,"
    "check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,"
    "conn_rate_max,conn_tot,intercepted,dcon,\n";

StatsRow row(const std::string &pxname, const std::string &svname, StatsRow::Type type)
{
    StatsRow r;
    r.pxname = pxname;
    r.svname = svname;
    r.type = type;
    return r;
}

// One load balancer as the engine reports it: an active server that is UP, a
// backup in maintenance, and the backend that sums them.
StatsSnapshot oneLoadBalancer()
{
    StatsRow frontend = row("lb-01", "FRONTEND", StatsRow::Type::Frontend);
    frontend.scur = 3;
    frontend.smax = 9;
    frontend.slim = 2000;
    frontend.stot = 57;
    frontend.bin = 12000;
    frontend.bout = 480000;
    frontend.ereq = 2;
    frontend.status = "OPEN";
    frontend.rate = 4;
    frontend.rateMax = 11;
    frontend.hrsp[1] = 50;
    frontend.hrsp[4] = 5;
    frontend.reqRate = 6;
    frontend.reqTot = 55;
    frontend.connRate = 7;
    frontend.connRateMax = 13;
    frontend.connTot = 64;
    frontend.dcon = 7; // refused by the firewall in front: 64 accepted, 57 sessions
    frontend.dconRateLimited = 2;
    frontend.firewall = "fw";

    StatsRow web01 = row("lb-01", "web-01", StatsRow::Type::Server);
    web01.qcur = 1;
    web01.qmax = 4;
    web01.scur = 2;
    web01.smax = 8;
    web01.stot = 42;
    web01.bin = 9000;
    web01.bout = 400000;
    web01.econ = 3;
    web01.eresp = 1;
    web01.wretr = 2;
    web01.wredis = 1;
    web01.status = "UP";
    web01.weight = 10;
    web01.act = 1;
    web01.chkfail = 4;
    web01.lbtot = 44;
    web01.hrsp[1] = 37;
    web01.hrsp[4] = 5;
    web01.reqTot = 42;
    web01.qtime = 3;
    web01.ctime = 1;
    web01.rtime = 120;
    web01.ttime = 250;

    StatsRow web02 = row("lb-01", "web-02", StatsRow::Type::Server);
    web02.slim = 100;
    web02.stot = 13;
    web02.status = "MAINT";
    web02.weight = 5;
    web02.bck = 1;
    web02.lbtot = 13;
    web02.hrsp[1] = 13;
    web02.reqTot = 13;
    web02.ttime = 1500;

    StatsRow backend = row("lb-01", "BACKEND", StatsRow::Type::Backend);
    backend.qcur = 1;
    backend.qmax = 4;
    backend.scur = 2;
    backend.smax = 8;
    backend.stot = 55;
    backend.bin = 12000;
    backend.bout = 480000;
    backend.econ = 3;
    backend.eresp = 1;
    backend.wretr = 2;
    backend.wredis = 1;
    backend.status = "UP";
    backend.weight = 10;
    backend.act = 1;
    backend.bck = 0;
    backend.lbtot = 57;
    backend.hrsp[1] = 50;
    backend.hrsp[4] = 5;
    backend.reqTot = 55;
    backend.cliAbrt = 1;
    backend.qtime = 2;
    backend.ctime = 1;
    backend.rtime = 130;
    backend.ttime = 400;

    return {{frontend, web01, web02, backend}};
}

QString qs(const std::string &text)
{
    return QString::fromStdString(text);
}

// A CSV as a monitoring tool reads it: the header's names, then each row as
// name → value.
struct Csv
{
    QStringList header;
    QList<QHash<QString, QString>> rows;
};

Csv parseCsv(const std::string &text)
{
    Csv csv;
    QStringList lines = qs(text).split(QLatin1Char('\n'));
    csv.header = lines.takeFirst().mid(2).split(QLatin1Char(','));
    csv.header.removeLast(); // after the trailing comma
    for (const QString &line : lines) {
        if (line.isEmpty())
            continue;
        QStringList fields = line.split(QLatin1Char(','));
        fields.removeLast();
        QHash<QString, QString> values;
        for (int i = 0; i < fields.size() && i < csv.header.size(); ++i)
            values.insert(csv.header[i], fields[i]);
        csv.rows.append(values);
    }
    return csv;
}

// Every sample of a Prometheus text, "name{labels}" → value.
QHash<QString, QString> samples(const std::string &text)
{
    QHash<QString, QString> result;
    for (const QString &line : qs(text).split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        if (line.startsWith(QLatin1Char('#')))
            continue;
        const qsizetype space = line.lastIndexOf(QLatin1Char(' '));
        result.insert(line.left(space), line.mid(space + 1));
    }
    return result;
}

QString familyOf(const QString &sampleLine)
{
    return sampleLine.left(sampleLine.indexOf(QRegularExpression(QStringLiteral("[{ ]"))));
}

} // namespace

class StatsTest : public QObject
{
    Q_OBJECT

private slots:
    void csvHeaderIsHaproxys()
    {
        const std::string csv = formatStatsCsv(oneLoadBalancer());
        const std::string firstLine = csv.substr(0, csv.find('\n') + 1);
        QCOMPARE(qs(firstLine), QString::fromLatin1(haproxyHeader));
    }

    void csvHasARowPerFrontendServerAndBackendInOrder()
    {
        const std::string text = formatStatsCsv(oneLoadBalancer());
        QVERIFY(text.size() > 2 && text.substr(text.size() - 3) == ",\n\n");

        QStringList lines = qs(text).split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), 1 + 4 + 2); // header, rows, the blank line, after the last \n
        QCOMPARE(lines.takeLast(), QString());
        QCOMPARE(lines.takeLast(), QString());
        const qsizetype columns = lines.first().count(QLatin1Char(','));
        for (const QString &line : std::as_const(lines)) {
            QVERIFY2(line.endsWith(QLatin1Char(',')), qPrintable(line));
            QCOMPARE(line.count(QLatin1Char(',')), columns);
        }

        const Csv csv = parseCsv(text);
        QStringList order;
        for (const auto &row : csv.rows)
            order.append(row.value(QStringLiteral("pxname")) + QLatin1Char('/') + row.value(QStringLiteral("svname")));
        QCOMPARE(order, (QStringList{QStringLiteral("lb-01/FRONTEND"), QStringLiteral("lb-01/web-01"),
                                     QStringLiteral("lb-01/web-02"), QStringLiteral("lb-01/BACKEND")}));
    }

    void csvValuesReadBackByColumnName_data()
    {
        QTest::addColumn<int>("row");
        QTest::addColumn<QString>("column");
        QTest::addColumn<QString>("value");

        auto add = [](int row, const char *column, const char *value) {
            QTest::addRow("%d %s", row, column) << row << QString::fromLatin1(column) << QString::fromLatin1(value);
        };
        // FRONTEND: client-side counters; server columns stay empty as in HAProxy.
        add(0, "scur", "3");
        add(0, "smax", "9");
        add(0, "slim", "2000");
        add(0, "stot", "57");
        add(0, "bin", "12000");
        add(0, "bout", "480000");
        add(0, "ereq", "2");
        add(0, "status", "OPEN");
        add(0, "pid", "1");
        add(0, "iid", "1");
        add(0, "sid", "0");
        add(0, "type", "0");
        add(0, "rate", "4");
        add(0, "rate_max", "11");
        add(0, "hrsp_2xx", "50");
        add(0, "hrsp_5xx", "5");
        add(0, "req_rate", "6");
        add(0, "req_tot", "55");
        add(0, "qcur", "");
        add(0, "econ", "");
        add(0, "weight", "");
        add(0, "act", "");
        add(0, "bck", "");
        add(0, "lbtot", "");
        add(0, "ttime", "");
        add(0, "conn_rate", "7");
        add(0, "conn_rate_max", "13");
        add(0, "conn_tot", "64");
        add(0, "dcon", "7");
        add(0, "intercepted", "");
        // web-01: an active server that is UP, without maxconn.
        add(1, "qcur", "1");
        add(1, "scur", "2");
        add(1, "slim", "");
        add(1, "stot", "42");
        add(1, "econ", "3");
        add(1, "eresp", "1");
        add(1, "wretr", "2");
        add(1, "wredis", "1");
        add(1, "status", "UP");
        add(1, "weight", "10");
        add(1, "act", "1");
        add(1, "bck", "0");
        add(1, "chkfail", "4");
        add(1, "iid", "1");
        add(1, "sid", "1");
        add(1, "lbtot", "44");
        add(1, "type", "2");
        add(1, "hrsp_5xx", "5");
        add(1, "req_tot", "42");
        add(1, "ereq", "");
        add(1, "rtime", "120");
        add(1, "ttime", "250");
        add(1, "dcon", ""); // a server has no firewall of its own
        // web-02: a backup in maintenance, maxconn 100.
        add(2, "slim", "100");
        add(2, "status", "MAINT");
        add(2, "weight", "5");
        add(2, "act", "0");
        add(2, "bck", "1");
        add(2, "sid", "2");
        add(2, "ttime", "1500");
        // BACKEND: the sums, no check counter of its own.
        add(3, "slim", "");
        add(3, "stot", "55");
        add(3, "status", "UP");
        add(3, "weight", "10");
        add(3, "act", "1");
        add(3, "bck", "0");
        add(3, "iid", "1");
        add(3, "sid", "0");
        add(3, "type", "1");
        add(3, "lbtot", "57");
        add(3, "hrsp_5xx", "5");
        add(3, "req_tot", "55");
        add(3, "cli_abrt", "1");
        add(3, "chkfail", "");
        add(3, "ereq", "");
        add(3, "ttime", "400");
    }

    void csvValuesReadBackByColumnName()
    {
        QFETCH(int, row);
        QFETCH(QString, column);
        QFETCH(QString, value);
        const Csv csv = parseCsv(formatStatsCsv(oneLoadBalancer()));
        QVERIFY(csv.header.contains(column));
        QCOMPARE(csv.rows.at(row).value(column), value);
    }

    void csvNumbersProxiesFromOneAndServersWithinEach()
    {
        StatsSnapshot snapshot = oneLoadBalancer();
        snapshot.rows.push_back(row("lb-02", "FRONTEND", StatsRow::Type::Frontend));
        snapshot.rows.push_back(row("lb-02", "app-01", StatsRow::Type::Server));
        snapshot.rows.push_back(row("lb-02", "BACKEND", StatsRow::Type::Backend));

        const Csv csv = parseCsv(formatStatsCsv(snapshot));
        QCOMPARE(csv.rows.size(), 7);
        QStringList ids;
        for (const auto &r : csv.rows)
            ids.append(r.value(QStringLiteral("iid")) + QLatin1Char('/') + r.value(QStringLiteral("sid")));
        QCOMPARE(ids, (QStringList{QStringLiteral("1/0"), QStringLiteral("1/1"), QStringLiteral("1/2"),
                                   QStringLiteral("1/0"), QStringLiteral("2/0"), QStringLiteral("2/1"),
                                   QStringLiteral("2/0")}));
    }

    void csvOfNoLoadBalancerIsTheHeaderAlone()
    {
        QCOMPARE(qs(formatStatsCsv({})), QString::fromLatin1(haproxyHeader) + QLatin1Char('\n'));
        QCOMPARE(qs(formatPrometheus({})), QString());
    }

    void prometheusLinesFollowTheExpositionFormat()
    {
        const QString text = qs(formatPrometheus(oneLoadBalancer()));
        QVERIFY(text.endsWith(QLatin1Char('\n')));

        // The grammar of text format 0.0.4: a label value escapes only backslash, quote and newline.
        const QString name = QStringLiteral("[a-zA-Z_:][a-zA-Z0-9_:]*");
        const QString label = QStringLiteral("[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\"");
        const QRegularExpression comment(QStringLiteral("^# (HELP %1 \\S.*|TYPE %1 (gauge|counter))$").arg(name));
        const QRegularExpression sample(
            QStringLiteral("^%1(\\{%2(,%2)*\\})? -?[0-9]+(\\.[0-9]+)?$").arg(name, label));
        const QStringList lines = text.split(QLatin1Char('\n'));
        QVERIFY(lines.size() > 100);
        for (const QString &line : lines.mid(0, lines.size() - 1)) {
            if (line.startsWith(QLatin1Char('#')))
                QVERIFY2(comment.match(line).hasMatch(), qPrintable(line));
            else
                QVERIFY2(sample.match(line).hasMatch(), qPrintable(line));
        }
    }

    void prometheusWritesEachFamilyOnceUnderItsHelpAndType()
    {
        const QStringList lines = qs(formatPrometheus(oneLoadBalancer())).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QHash<QString, int> helps;
        QHash<QString, QString> types;
        QSet<QString> finished; // families whose samples are over
        QString current;
        for (const QString &line : lines) {
            if (line.startsWith(QStringLiteral("# HELP "))) {
                const QString family = line.section(QLatin1Char(' '), 2, 2);
                QVERIFY2(++helps[family] == 1, qPrintable(family));
                if (!current.isEmpty())
                    finished.insert(current);
                current = family;
            } else if (line.startsWith(QStringLiteral("# TYPE "))) {
                const QString family = line.section(QLatin1Char(' '), 2, 2);
                QCOMPARE(family, current); // right after its HELP
                QVERIFY2(!types.contains(family), qPrintable(family));
                types.insert(family, line.section(QLatin1Char(' '), 3, 3));
            } else {
                const QString family = familyOf(line);
                QVERIFY2(family == current && types.contains(family), qPrintable(line));
                QVERIFY(!finished.contains(family));
            }
        }
        QCOMPARE(helps.size(), types.size());
        for (auto it = types.cbegin(); it != types.cend(); ++it) {
            QCOMPARE(it.value() == QLatin1String("counter"), it.key().endsWith(QLatin1String("_total")));
            QVERIFY2(it.key().startsWith(QLatin1String("haproxy_frontend_"))
                         || it.key().startsWith(QLatin1String("haproxy_backend_"))
                         || it.key().startsWith(QLatin1String("haproxy_server_")),
                     qPrintable(it.key()));
        }
        QVERIFY(types.contains(QStringLiteral("haproxy_server_status")));
    }

    void prometheusSamplesCarryTheRowsValues_data()
    {
        QTest::addColumn<QString>("sample");
        QTest::addColumn<QString>("value");
        auto add = [](const char *sample, const char *value) {
            QTest::newRow(sample) << QString::fromLatin1(sample) << QString::fromLatin1(value);
        };
        add(R"(haproxy_frontend_current_sessions{proxy="lb-01"})", "3");
        add(R"(haproxy_frontend_sessions_total{proxy="lb-01"})", "57");
        add(R"(haproxy_frontend_bytes_in_total{proxy="lb-01"})", "12000");
        add(R"(haproxy_frontend_bytes_out_total{proxy="lb-01"})", "480000");
        add(R"(haproxy_frontend_request_errors_total{proxy="lb-01"})", "2");
        add(R"(haproxy_frontend_http_requests_total{proxy="lb-01"})", "55");
        add(R"(haproxy_frontend_connections_total{proxy="lb-01"})", "64");
        add(R"(haproxy_frontend_connections_rate_max{proxy="lb-01"})", "13");
        add(R"(haproxy_frontend_denied_connections_total{proxy="lb-01"})", "7");
        add(R"(haproxy_frontend_http_responses_total{proxy="lb-01",code="2xx"})", "50");
        add(R"(haproxy_frontend_http_responses_total{proxy="lb-01",code="5xx"})", "5");
        add(R"(haproxy_frontend_http_responses_total{proxy="lb-01",code="other"})", "0");
        add(R"(haproxy_frontend_status{proxy="lb-01",state="UP"})", "1");
        add(R"(haproxy_backend_current_queue{proxy="lb-01"})", "1");
        add(R"(haproxy_backend_sessions_total{proxy="lb-01"})", "55");
        add(R"(haproxy_backend_active_servers{proxy="lb-01"})", "1");
        add(R"(haproxy_backend_backup_servers{proxy="lb-01"})", "0");
        add(R"(haproxy_backend_loadbalanced_total{proxy="lb-01"})", "57");
        add(R"(haproxy_backend_status{proxy="lb-01",state="UP"})", "1");
        add(R"(haproxy_backend_status{proxy="lb-01",state="DOWN"})", "0");
        add(R"(haproxy_backend_total_time_average_seconds{proxy="lb-01"})", "0.400");
        add(R"(haproxy_server_sessions_total{proxy="lb-01",server="web-01"})", "42");
        add(R"(haproxy_server_current_sessions{proxy="lb-01",server="web-01"})", "2");
        add(R"(haproxy_server_connection_errors_total{proxy="lb-01",server="web-01"})", "3");
        add(R"(haproxy_server_response_errors_total{proxy="lb-01",server="web-01"})", "1");
        add(R"(haproxy_server_retry_warnings_total{proxy="lb-01",server="web-01"})", "2");
        add(R"(haproxy_server_redispatch_warnings_total{proxy="lb-01",server="web-01"})", "1");
        add(R"(haproxy_server_check_failures_total{proxy="lb-01",server="web-01"})", "4");
        add(R"(haproxy_server_weight{proxy="lb-01",server="web-02"})", "5");
        add(R"(haproxy_server_http_responses_total{proxy="lb-01",server="web-01",code="5xx"})", "5");
        add(R"(haproxy_server_queue_time_average_seconds{proxy="lb-01",server="web-01"})", "0.003");
        add(R"(haproxy_server_response_time_average_seconds{proxy="lb-01",server="web-01"})", "0.120");
        add(R"(haproxy_server_total_time_average_seconds{proxy="lb-01",server="web-01"})", "0.250");
        add(R"(haproxy_server_total_time_average_seconds{proxy="lb-01",server="web-02"})", "1.500");
    }

    void prometheusSamplesCarryTheRowsValues()
    {
        QFETCH(QString, sample);
        QFETCH(QString, value);
        const auto all = samples(formatPrometheus(oneLoadBalancer()));
        QVERIFY2(all.contains(sample), qPrintable(sample));
        QCOMPARE(all.value(sample), value);
    }

    void prometheusServerStatusIsOneHot_data()
    {
        QTest::addColumn<QString>("status");
        QTest::addColumn<QString>("state");
        // HAProxy's exporter: "UP 1/3" is UP going down, "DOWN 1/2" DOWN going up.
        QTest::newRow("UP") << QStringLiteral("UP") << QStringLiteral("UP");
        QTest::newRow("UP 1/3") << QStringLiteral("UP 1/3") << QStringLiteral("UP");
        QTest::newRow("no check") << QStringLiteral("no check") << QStringLiteral("UP");
        QTest::newRow("DOWN") << QStringLiteral("DOWN") << QStringLiteral("DOWN");
        QTest::newRow("DOWN 1/2") << QStringLiteral("DOWN 1/2") << QStringLiteral("DOWN");
        QTest::newRow("MAINT") << QStringLiteral("MAINT") << QStringLiteral("MAINT");
        QTest::newRow("DRAIN") << QStringLiteral("DRAIN") << QStringLiteral("DRAIN");
        QTest::newRow("NOLB") << QStringLiteral("NOLB") << QStringLiteral("NOLB");
    }

    void prometheusServerStatusIsOneHot()
    {
        QFETCH(QString, status);
        QFETCH(QString, state);
        StatsSnapshot snapshot = oneLoadBalancer();
        snapshot.rows[1].status = status.toStdString();
        const auto all = samples(formatPrometheus(snapshot));
        for (const char *s : {"UP", "DOWN", "MAINT", "DRAIN", "NOLB"}) {
            const QString key = QStringLiteral(R"(haproxy_server_status{proxy="lb-01",server="web-01",state="%1"})")
                                    .arg(QLatin1String(s));
            QVERIFY2(all.contains(key), qPrintable(key));
            QCOMPARE(all.value(key), QLatin1String(s) == state ? QStringLiteral("1") : QStringLiteral("0"));
        }
        // web-02 is untouched: in maintenance.
        QCOMPARE(all.value(QStringLiteral(R"(haproxy_server_status{proxy="lb-01",server="web-02",state="MAINT"})")),
                 QStringLiteral("1"));
    }

    void findsARowByProxyAndService()
    {
        const StatsSnapshot snapshot = oneLoadBalancer();
        const StatsRow *web02 = snapshot.find("lb-01", "web-02");
        QVERIFY(web02);
        QCOMPARE(qs(web02->status), QStringLiteral("MAINT"));
        QCOMPARE(snapshot.find("lb-01", "BACKEND")->type, StatsRow::Type::Backend);
        QCOMPARE(snapshot.find("lb-01", "web-03"), nullptr);
        QCOMPARE(snapshot.find("lb-02", "FRONTEND"), nullptr);
    }
};

QTEST_GUILESS_MAIN(StatsTest)
#include "tst_stats.moc"
