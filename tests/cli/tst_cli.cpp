#include "../app/TestTopologies.h"

#include "document/DefaultDocument.h"
#include "document/DocumentFile.h"
#include "model/Validator.h"

#include <QHostAddress>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QProcess>
#include <QRegularExpression>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include <cmath>
#include <csignal>
#include <utility>

#include <unistd.h>

using namespace Loadstar;

namespace {

struct Result
{
    int code = -1;
    QString out;
    QString err;
};

Result loadstar(const QStringList &arguments, const QString &program = QStringLiteral(LOADSTAR_BINARY),
                const QStringList &prefix = {}, bool withDisplay = true)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    if (!withDisplay) {
        // As on a server or in CI: no platform chosen, no display at all.
        for (const char *name : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"})
            env.remove(QString::fromLatin1(name));
    }
    process.setProcessEnvironment(env);
    if (prefix.isEmpty())
        process.start(program, arguments);
    else
        process.start(prefix.first(), prefix.mid(1) + QStringList{program} + arguments);
    if (!process.waitForFinished(60000))
        return {};
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

QString referenceJson()
{
    return QStringLiteral(TEST_DATA_DIR "/../../resources/documents/reference.json");
}

// Every wait on the network or on a running loadstar ends after this long.
constexpr int Timeout = 10000;

// A port nothing listens on right now, for documents, which cannot say
// "any port" (the proxy verb can: --from 127.0.0.1:0 prints the port taken).
quint16 freePort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

// A server for the proxy to balance over, on a loopback port of its own. In
// HTTP it answers every request of a connection (keep-alive) with 200 and its
// name; in TCP it echoes what it gets after its name ("A:" + bytes).
class Backend : public QObject
{
public:
    enum class Protocol { Http, Tcp };

    explicit Backend(const QByteArray &name, Protocol protocol = Protocol::Http)
        : m_name(name)
        , m_protocol(protocol)
    {
        QObject::connect(&m_server, &QTcpServer::newConnection, this, &Backend::accept);
    }

    bool listen()
    {
        if (!m_server.listen(QHostAddress::LocalHost, 0))
            return false;
        m_port = m_server.serverPort();
        return true;
    }
    // Dies like a killed process: the port refuses connections and the open
    // ones are reset. revive() listens on the same port again.
    void kill()
    {
        m_server.close();
        const QList<QTcpSocket *> sockets = m_server.findChildren<QTcpSocket *>();
        for (QTcpSocket *socket : sockets)
            socket->abort();
    }
    bool revive() { return m_server.listen(QHostAddress::LocalHost, m_port); }
    quint16 port() const { return m_port; }
    QString address() const { return QStringLiteral("127.0.0.1:%1").arg(m_port); }
    QByteArray name() const { return m_name; }
    // Requests of the traffic, not of Loadstar's health checks.
    int requests() const { return m_requests; }
    int checks() const { return m_checks; }

    // HTTP requests get no answer until release(), as from a slow server.
    void hold() { m_holding = true; }
    // Requests of the traffic are answered with this status from now on;
    // health checks still get 200.
    void answerTrafficWith(int status) { m_trafficStatus = status; }
    void release()
    {
        m_holding = false;
        for (const QPointer<QTcpSocket> &socket : std::exchange(m_held, {})) {
            if (socket)
                answer(socket);
        }
    }

private:
    void accept()
    {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            QObject::connect(socket, &QTcpSocket::readyRead, this, [this, socket] { serve(socket); });
            QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    }

    void serve(QTcpSocket *socket)
    {
        if (m_protocol == Protocol::Tcp) {
            socket->write(m_name + ':' + socket->readAll());
            return;
        }
        QByteArray buffer = socket->property("pending").toByteArray() + socket->readAll();
        for (qsizetype end; (end = buffer.indexOf("\r\n\r\n")) >= 0; buffer.remove(0, end + 4)) {
            if (buffer.left(end).contains("\r\nUser-Agent: Loadstar health check")) {
                ++m_checks;
                answer(socket);
                continue;
            }
            ++m_requests;
            if (m_holding)
                m_held.append(socket);
            else
                answer(socket, m_trafficStatus);
        }
        socket->setProperty("pending", buffer);
    }

    void answer(QTcpSocket *socket, int status = 200)
    {
        socket->write("HTTP/1.1 " + QByteArray::number(status) + (status == 200 ? " OK" : " Failed")
                      + "\r\nContent-Type: text/plain\r\nContent-Length: " + QByteArray::number(m_name.size())
                      + "\r\n\r\n" + m_name);
    }

    QTcpServer m_server;
    QByteArray m_name;
    Protocol m_protocol;
    quint16 m_port = 0;
    int m_requests = 0;
    int m_checks = 0;
    int m_trafficStatus = 200;
    bool m_holding = false;
    QList<QPointer<QTcpSocket>> m_held;
};

struct Response
{
    int status = 0; // 0: no response at all (the connection closed or timed out)
    QByteArray body;
};

// One client connection to the proxy, keep-alive: the requests it sends one
// after another travel on the same connection.
class Client
{
public:
    bool connectTo(quint16 port)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; },
                               Timeout);
    }

    Response request(const QByteArray &method, const QByteArray &target, const QByteArray &headers = {})
    {
        send(method + ' ' + target + " HTTP/1.1\r\nHost: loadstar.test\r\n" + headers + "\r\n");
        return response();
    }

    Response get(const QByteArray &target = "/") { return request("GET", target); }

    void send(const QByteArray &bytes) { m_socket.write(bytes); }
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }

    // The next response, whole; status 0 when the connection closed first.
    Response response()
    {
        Response response;
        QByteArray data;
        qsizetype headEnd = -1;
        qsizetype length = -1;
        const bool complete = QTest::qWaitFor(
            [&] {
                data += m_socket.readAll();
                if (headEnd < 0 && (headEnd = data.indexOf("\r\n\r\n")) >= 0) {
                    static const QRegularExpression contentLength(
                        QStringLiteral("\r\nContent-Length: *(\\d+)"), QRegularExpression::CaseInsensitiveOption);
                    const auto match = contentLength.match(QString::fromLatin1(data.left(headEnd + 2)));
                    length = match.hasMatch() ? match.captured(1).toLongLong() : 0;
                }
                return (headEnd >= 0 && data.size() >= headEnd + 4 + length)
                       || m_socket.state() == QAbstractSocket::UnconnectedState;
            },
            Timeout);
        if (!complete || headEnd < 0)
            return response;
        response.status = data.mid(9, 3).toInt(); // "HTTP/1.1 200 OK"
        response.body = data.mid(headEnd + 4, length);
        return response;
    }

    // TCP mode: sends bytes and returns what has come back once `expected`
    // bytes have (or the connection closed).
    QByteArray exchange(const QByteArray &bytes, qsizetype expected)
    {
        m_socket.write(bytes);
        QByteArray data;
        const bool done = QTest::qWaitFor(
            [&] {
                data += m_socket.readAll();
                return data.size() >= expected || m_socket.state() == QAbstractSocket::UnconnectedState;
            },
            Timeout);
        return done ? data : QByteArray();
    }

private:
    QTcpSocket m_socket;
};

// One request on a connection of its own, as curl would send it.
Response fetch(quint16 port, const QByteArray &method, const QByteArray &target)
{
    Client client;
    if (!client.connectTo(port))
        return {};
    return client.request(method, target, "Connection: close\r\n");
}

// A row of HAProxy's CSV (/stats;csv) as column name → value.
QHash<QString, QString> csvRow(const QByteArray &csv, const QString &pxname, const QString &svname)
{
    const QStringList lines = QString::fromUtf8(csv).split(QLatin1Char('\n'));
    if (lines.isEmpty() || !lines.first().startsWith(QStringLiteral("# ")))
        return {};
    const QStringList names = lines.first().mid(2).split(QLatin1Char(','));
    for (const QString &line : lines) {
        const QStringList fields = line.split(QLatin1Char(','));
        if (fields.size() < 2 || fields.at(0) != pxname || fields.at(1) != svname)
            continue;
        QHash<QString, QString> row;
        for (qsizetype i = 0; i < names.size() && i < fields.size(); ++i)
            row.insert(names.at(i), fields.at(i));
        return row;
    }
    return {};
}

} // namespace

class CliTest : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void cleanup()
    {
        // A test that failed half-way leaves no proxy behind.
        if (m_process && m_process->state() != QProcess::NotRunning) {
            m_process->kill();
            m_process->waitForFinished(Timeout);
        }
        m_process.reset();
    }

    void versionAndHelp()
    {
        const Result version = loadstar({QStringLiteral("--version")});
        QCOMPARE(version.code, 0);
        QCOMPARE(version.out, QStringLiteral("loadstar " LOADSTAR_VERSION "\n"));

        const Result help = loadstar({QStringLiteral("--help")});
        QCOMPARE(help.code, 0);
        QVERIFY(help.out.startsWith(QStringLiteral("Usage: loadstar [options] [FILE]")));
        QVERIFY(help.out.contains(QStringLiteral("convert IN OUT")));
        QVERIFY(help.out.contains(QStringLiteral("validate FILE")));
        QVERIFY(help.out.contains(QStringLiteral("export FILE OUT")));

        const Result exportHelp = loadstar({QStringLiteral("export"), QStringLiteral("--help")});
        QCOMPARE(exportHelp.code, 0);
        QVERIFY(exportHelp.out.startsWith(QStringLiteral("Usage: loadstar export [options] FILE OUT")));
        QVERIFY(exportHelp.out.contains(QStringLiteral("--scale <N>")));
        QVERIFY(exportHelp.out.contains(QStringLiteral("--background <white|transparent>")));

        const Result verbHelp = loadstar({QStringLiteral("convert"), QStringLiteral("--help")});
        QCOMPARE(verbHelp.code, 0);
        QVERIFY(verbHelp.out.startsWith(QStringLiteral("Usage: loadstar convert [options] IN OUT")));
    }

    void usageErrorsExitTwoWithOneClearLine_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown option") << QStringList{"--frobnicate"} << "loadstar: Unknown option 'frobnicate'.";
        QTest::newRow("unknown word") << QStringList{"frobnicate"}
                                      << "loadstar: “frobnicate” is neither a verb (convert, validate, lint, import, proxy, run, export) nor an existing file";
        QTest::newRow("two files") << QStringList{"a.loadstar", "b.loadstar"}
                                   << "loadstar: “a.loadstar” is not a verb, and the GUI opens one file at a time";
        QTest::newRow("convert one argument") << QStringList{"convert", "a.json"}
                                              << "loadstar convert: expects IN OUT, got 1 argument";
        QTest::newRow("validate nothing") << QStringList{"validate"} << "loadstar validate: expects FILE, got 0 arguments";
        QTest::newRow("validate bad option") << QStringList{"validate", "-x", "f"}
                                             << "loadstar validate: Unknown option 'x'.";
        QTest::newRow("export unknown format") << QStringList{"export", "a.json", "a.bmp"}
                                               << "loadstar export: unknown image format “.bmp”; use .png, .svg or .pdf, or say --format haproxy, keepalived, nginx or databases";
        QTest::newRow("export no extension") << QStringList{"export", "a.json", "picture"}
                                             << "loadstar export: “picture” has no extension; end it with .png, .svg or .pdf, or say --format haproxy, keepalived, nginx or databases";
        QTest::newRow("export unknown config format") << QStringList{"export", "a.json", "a.cfg", "--format", "apache"}
                                                      << "loadstar export: --format expects haproxy, keepalived, nginx, databases, png, svg or pdf, not “apache”";
        QTest::newRow("export bad scale") << QStringList{"export", "a.json", "a.png", "--scale", "0"}
                                          << "loadstar export: --scale expects a number more than 0 and at most 8, not “0”";
        QTest::newRow("export scale not a number") << QStringList{"export", "a.json", "a.png", "--scale", "big"}
                                                   << "loadstar export: --scale expects a number more than 0 and at most 8, not “big”";
        QTest::newRow("export bad background") << QStringList{"export", "a.json", "a.png", "--background", "pink"}
                                               << "loadstar export: --background expects white or transparent, not “pink”";
        QTest::newRow("export live zero") << QStringList{"export", "a.json", "a.png", "--live", "0"}
                                          << "loadstar export: --live expects seconds, more than 0 and at most 3600, not “0”";
        QTest::newRow("export one argument") << QStringList{"export", "a.json"}
                                             << "loadstar export: expects FILE OUT, got 1 argument";
        QTest::newRow("proxy without --from") << QStringList{"proxy", "--to", "127.0.0.1:8081"}
                                              << "loadstar proxy: --from HOST:PORT is required";
        QTest::newRow("proxy without --to") << QStringList{"proxy", "--from", "127.0.0.1:8080"}
                                            << "loadstar proxy: at least one --to HOST:PORT is required";
        QTest::newRow("proxy --from without port") << QStringList{"proxy", "--from", "127.0.0.1", "--to", "127.0.0.1:8081"}
                                                   << "loadstar proxy: --from takes HOST:PORT, not “127.0.0.1”";
        QTest::newRow("proxy --from port too big") << QStringList{"proxy", "--from", "127.0.0.1:65536", "--to", "127.0.0.1:8081"}
                                                   << "loadstar proxy: --from takes HOST:PORT, not “127.0.0.1:65536”";
        QTest::newRow("proxy --from signed port") << QStringList{"proxy", "--from", "127.0.0.1:+80", "--to", "127.0.0.1:8081"}
                                                  << "loadstar proxy: --from takes HOST:PORT, not “127.0.0.1:+80”";
        QTest::newRow("proxy --to port 0") << QStringList{"proxy", "--from", "127.0.0.1:8080", "--to", "127.0.0.1:0"}
                                           << "loadstar proxy: --to takes HOST:PORT, not “127.0.0.1:0”";
        QTest::newRow("proxy bad --backup") << QStringList{"proxy", "--from", "127.0.0.1:8080", "--to", "127.0.0.1:8081",
                                                           "--backup", "web-02"}
                                            << "loadstar proxy: --backup takes HOST:PORT, not “web-02”";
        QTest::newRow("proxy bad --check") << QStringList{"proxy", "--from", "127.0.0.1:8080", "--to", "127.0.0.1:8081",
                                                          "--check", "ping"}
                                           << "loadstar proxy: --check is tcp, http:PATH, https:PATH, tls, mysql, pgsql, redis or none, not “ping”";
        QTest::newRow("proxy http check without a path") << QStringList{"proxy", "--from", "127.0.0.1:8080", "--to",
                                                                        "127.0.0.1:8081", "--check", "http:health"}
                                                         << "loadstar proxy: --check is tcp, http:PATH, https:PATH, tls, mysql, pgsql, redis or none, not “http:health”";
        QTest::newRow("proxy bad --inter") << QStringList{"proxy", "--from", "127.0.0.1:8080", "--to", "127.0.0.1:8081",
                                                          "--inter", "soon"}
                                           << "loadstar proxy: --inter takes a time such as 2s, 250ms or 2000, not “soon”";
        QTest::newRow("proxy zero --fastinter") << QStringList{"proxy", "--from", "127.0.0.1:8080", "--to", "127.0.0.1:8081",
                                                               "--fastinter", "0ms"}
                                                << "loadstar proxy: --fastinter takes a time such as 2s, 250ms or 2000, not “0ms”";
        QTest::newRow("proxy --rise 0") << QStringList{"proxy", "--from", "127.0.0.1:8080", "--to", "127.0.0.1:8081",
                                                       "--rise", "0"}
                                        << "loadstar proxy: --rise takes a number from 1 to 100";
        QTest::newRow("proxy bad --observe") << QStringList{"proxy", "--from", "127.0.0.1:8080", "--to", "127.0.0.1:8081",
                                                            "--observe", "layer3"}
                                             << "loadstar proxy: --observe is layer4, layer7 or none, not “layer3”";
        QTest::newRow("proxy bad --on-error") << QStringList{"proxy", "--from", "127.0.0.1:8080", "--to", "127.0.0.1:8081",
                                                             "--on-error", "panic"}
                                              << "loadstar proxy: --on-error is mark-down, sudden-death, fail-check or fastinter, not “panic”";
        QTest::newRow("proxy unknown --balance") << QStringList{"proxy", "--from", "127.0.0.1:8080", "--to",
                                                                "127.0.0.1:8081", "--balance", "fastest"}
                                                 << "loadstar proxy: unknown --balance “fastest”; use roundrobin, static-rr, leastconn, source, first, random";
        QTest::newRow("proxy bad --mode") << QStringList{"proxy", "--from", "127.0.0.1:8080", "--to", "127.0.0.1:8081",
                                                         "--mode", "udp"}
                                          << "loadstar proxy: --mode is http or tcp, not “udp”";
        QTest::newRow("proxy --threads 0") << QStringList{"proxy", "--from", "127.0.0.1:8080", "--to", "127.0.0.1:8081",
                                                          "--threads", "0"}
                                           << "loadstar proxy: --threads takes a number from 1 to 64";
        QTest::newRow("proxy bad --stats") << QStringList{"proxy", "--from", "127.0.0.1:8080", "--to", "127.0.0.1:8081",
                                                          "--stats", "8404"}
                                           << "loadstar proxy: --stats takes HOST:PORT, not “8404”";
        QTest::newRow("proxy argument") << QStringList{"proxy", "127.0.0.1:8080"}
                                        << "loadstar proxy: takes no arguments, got “127.0.0.1:8080”";
        QTest::newRow("run nothing") << QStringList{"run"} << "loadstar run: expects FILE, got 0 arguments";
        QTest::newRow("run --threads 0") << QStringList{"run", "a.json", "--threads", "0"}
                                         << "loadstar run: --threads takes a number from 1 to 64";
    }

    void usageErrorsExitTwoWithOneClearLine()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const Result result = loadstar(arguments);
        QCOMPARE(result.code, 2);
        QCOMPARE(result.out, QString());
        const QStringList lines = result.err.trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines.first(), message);
        QVERIFY(lines.last().startsWith(QStringLiteral("Try 'loadstar")));
    }

    void convertRoundTripIsExact()
    {
        const QString a = m_dir->filePath(QStringLiteral("a.loadstar"));
        const QString b = m_dir->filePath(QStringLiteral("b.json"));
        const QString c = m_dir->filePath(QStringLiteral("c.loadstar"));
        const QString d = m_dir->filePath(QStringLiteral("d.json"));
        Result r = loadstar({QStringLiteral("convert"), referenceJson(), a});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QStringLiteral("Wrote %1 (Loadstar document, 6 nodes, 8 links).\n").arg(a));
        QCOMPARE(loadstar({QStringLiteral("convert"), a, b}).code, 0);
        QCOMPARE(loadstar({QStringLiteral("convert"), b, c}).code, 0);
        QCOMPARE(loadstar({QStringLiteral("convert"), c, d}).code, 0);
        QFile first(b), second(d), shipped(referenceJson());
        QVERIFY(first.open(QIODevice::ReadOnly) && second.open(QIODevice::ReadOnly) && shipped.open(QIODevice::ReadOnly));
        const QByteArray json = first.readAll();
        QCOMPARE(second.readAll(), json);
        QCOMPARE(shipped.readAll(), json);
        QString error;
        QCOMPARE(*DocumentFile::read(c, &error), *DocumentFile::read(a, &error));
    }

    void convertOfABadFileFailsAndWritesNothing()
    {
        const QString bad = m_dir->filePath(QStringLiteral("bad.loadstar"));
        QFile file(bad);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("this is not a document");
        file.close();
        const QString out = m_dir->filePath(QStringLiteral("out.json"));
        const Result r = loadstar({QStringLiteral("convert"), bad, out});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QStringLiteral("Cannot open “%1”: it is not a Loadstar document (not a SQLite database, and too short to be one).\n").arg(bad));
        QVERIFY(!QFile::exists(out));
    }

    void importDrawsAnHaproxyCfgAndListsWhatItKept()
    {
        const QString cfg = m_dir->filePath(QStringLiteral("haproxy.cfg"));
        QFile file(cfg);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("defaults\n"
                   "    mode http\n"
                   "frontend fe_main\n"
                   "    bind :8080\n"
                   "    acl is_api path_beg /api\n"
                   "    use_backend api if is_api\n"
                   "    default_backend web\n"
                   "backend web\n"
                   "    server web-01 10.0.0.11:80 check\n"
                   "    server web-02 10.0.0.12:80 check backup\n"
                   "backend api\n"
                   "    server api-01 10.0.0.21:9000 check\n");
        file.close();
        const QString out = m_dir->filePath(QStringLiteral("imported.json"));
        const Result r = loadstar({QStringLiteral("import"), cfg, out});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.err, QString());
        QCOMPARE(r.out, QStringLiteral(
                            "Imported haproxy.cfg: 1 load balancer, 2 servers, 4 lines kept (listed below)\n"
                            "  line 5: acl is_api path_beg /api — kept with fe_main (frontend lines)\n"
                            "  line 6: use_backend api if is_api — kept with fe_main (frontend lines)\n"
                            "  lines 11–12: backend api — kept as a whole section with fe_main, not drawn: only "
                            "use_backend rules reach it, and Loadstar's engine does no content switching\n"
                            "Wrote %1.\n").arg(out));
        QString error;
        const auto topology = DocumentFile::read(out, &error);
        QVERIFY2(topology, qPrintable(error));
        QCOMPARE(topology->nodes().size(), 3);
        QCOMPARE(topology->links().size(), 2);
        QVERIFY(validate(*topology).isEmpty());
        // The drawing is a document like any other.
        QCOMPARE(loadstar({QStringLiteral("validate"), out}).code, 0);
    }

    void importOfAMalformedFileSaysWhichLineAndWritesNothing()
    {
        const QString cfg = m_dir->filePath(QStringLiteral("haproxy.cfg"));
        QFile file(cfg);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("listen lb\n    bind :80\n    server web1 10.0.0.1:80 check inter 2x\n");
        file.close();
        const QString out = m_dir->filePath(QStringLiteral("imported.loadstar"));
        const Result r = loadstar({QStringLiteral("import"), cfg, out});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.out, QString());
        QCOMPARE(r.err, QStringLiteral("%1 line 3: “2x” is not a time such as 2s or 500ms\n").arg(cfg));
        QVERIFY(!QFile::exists(out));

        const Result missing = loadstar({QStringLiteral("import"), m_dir->filePath(QStringLiteral("none.cfg")), out});
        QCOMPARE(missing.code, 1);
        QCOMPARE(missing.err, QStringLiteral("%1: cannot be read (No such file or directory): choose an existing "
                                             "haproxy.cfg\n").arg(m_dir->filePath(QStringLiteral("none.cfg"))));
        QVERIFY(!QFile::exists(out));
    }

    void validateCleanDocument()
    {
        const Result r = loadstar({QStringLiteral("validate"), referenceJson()});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.endsWith(QStringLiteral(": no problems (6 nodes, 8 links).\n")));
    }

    void validatePrintsOneLinePerProblem()
    {
        Topology t = Test::everyKind();
        t.node(t.nodeByName(QStringLiteral("lb"))->id)->properties.insert(QStringLiteral("port"), 0);
        t.node(t.nodeByName(QStringLiteral("web-02"))->id)->name = QStringLiteral("web-01");
        const QString path = m_dir->filePath(QStringLiteral("broken.loadstar"));
        QString error;
        QVERIFY(DocumentFile::write(t, path, &error));

        const Result r = loadstar({QStringLiteral("validate"), path});
        QCOMPARE(r.code, 1);
        const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), validate(t).size());
        QCOMPARE(lines.size(), 2);
        QVERIFY(lines.contains(path + QStringLiteral(": lb: listen port 0 is out of range (1–65535)")));
        QVERIFY(lines.contains(path + QStringLiteral(": 2 nodes are named “web-01”: names must be unique, rename all but one")));
    }

    void validateOfAnUnreadableFile()
    {
        const QString path = m_dir->filePath(QStringLiteral("secret.loadstar"));
        QString error;
        QVERIFY(DocumentFile::write(Test::everyKind(), path, &error));
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner));
        QStringList prefix;
        if (::geteuid() == 0) {
            // Root reads everything: ask as an ordinary user instead.
            const QString setpriv = QStandardPaths::findExecutable(QStringLiteral("setpriv"));
            if (setpriv.isEmpty())
                QSKIP("running as root without setpriv to drop privileges");
            prefix = {setpriv, QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"),
                      QStringLiteral("--clear-groups")};
            QVERIFY(QFile::setPermissions(m_dir->path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner
                                                             | QFile::ReadOther | QFile::ExeOther));
        }
        const Result r = loadstar({QStringLiteral("validate"), path}, QStringLiteral(LOADSTAR_BINARY), prefix);
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QStringLiteral("Cannot open “%1”: permission denied.\n").arg(path));
    }

    void lintListsTheReferenceDesignsFourWeaknesses()
    {
        const Result r = loadstar({QStringLiteral("lint"), referenceJson()});
        QCOMPARE(r.code, 0); // weaknesses are warnings: the design runs
        const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), 5);
        const QString path = referenceJson();
        QVERIFY(lines.contains(path + QStringLiteral(": warning: lb is a single point of failure: if it fails, client "
                                                     "loses every web server and every database [spof] (fix: Add a "
                                                     "second load balancer)")));
        QVERIFY(lines.contains(path + QStringLiteral(": warning: lb serves clients plain HTTP: requests and answers "
                                                     "cross the wire unencrypted [no-tls] (fix: Turn on TLS)")));
        QCOMPARE(lines.last(), path + QStringLiteral(": 0 errors, 4 warnings."));
    }

    void lintJsonNamesNodesAndFixes()
    {
        const Result r = loadstar({QStringLiteral("lint"), QStringLiteral("--json"), referenceJson()});
        QCOMPARE(r.code, 0);
        QJsonParseError error;
        const QJsonObject report = QJsonDocument::fromJson(r.out.toUtf8(), &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(report.value(QStringLiteral("warnings")).toInt(), 4);
        QCOMPARE(report.value(QStringLiteral("errors")).toInt(), 0);
        QStringList seen;
        for (const QJsonValue &value : report.value(QStringLiteral("findings")).toArray()) {
            const QJsonObject finding = value.toObject();
            seen.append(finding.value(QStringLiteral("code")).toString() + QLatin1Char(' ')
                        + finding.value(QStringLiteral("nodes")).toArray().first().toString() + QLatin1Char(' ')
                        + finding.value(QStringLiteral("fix")).toString());
            if (finding.value(QStringLiteral("code")).toString() == QLatin1String("spof")
                && finding.value(QStringLiteral("nodes")).toArray().first() == QLatin1String("lb")) {
                QCOMPARE(finding.value(QStringLiteral("cut_off")).toArray(),
                         (QJsonArray{QStringLiteral("web-01"), QStringLiteral("web-02"), QStringLiteral("db-primary"),
                                     QStringLiteral("db-replica")}));
            }
            if (finding.value(QStringLiteral("code")).toString() == QLatin1String("no-firewall"))
                QCOMPARE(finding.value(QStringLiteral("links")).toArray(), (QJsonArray{QJsonArray{QStringLiteral("client"), QStringLiteral("lb")}}));
        }
        seen.sort();
        QCOMPARE(seen, (QStringList{QStringLiteral("no-firewall lb add-firewall"), QStringLiteral("no-tls lb enable-tls"),
                                    QStringLiteral("spof db-primary add-replica"),
                                    QStringLiteral("spof lb add-load-balancer")}));
    }

    void lintExitsOneWhenTheDocumentCannotRun()
    {
        Topology t = Test::everyKind();
        t.node(t.nodeByName(QStringLiteral("lb"))->id)->properties.insert(QStringLiteral("port"), 0);
        const QString path = m_dir->filePath(QStringLiteral("broken.loadstar"));
        QString error;
        QVERIFY(DocumentFile::write(t, path, &error));
        const Result r = loadstar({QStringLiteral("lint"), path});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.out.contains(path + QStringLiteral(": error: lb: listen port 0 is out of range (1–65535) [bad-port]")),
                 qPrintable(r.out));
        QVERIFY(r.out.contains(QRegularExpression(QStringLiteral(": 1 error, \\d+ warnings?\\.\n$"))));

        const Result missing = loadstar({QStringLiteral("lint"), m_dir->filePath(QStringLiteral("none.loadstar"))});
        QCOMPARE(missing.code, 1);
        QVERIFY(missing.out.isEmpty());
        QVERIFY(missing.err.contains(QStringLiteral("none.loadstar")));
    }

    void exportWritesTheDatabasesIntoAFolder()
    {
        const QString out = m_dir->filePath(QStringLiteral("machines/databases"));
        const Result r = loadstar({QStringLiteral("export"), referenceJson(), out, QStringLiteral("--format"),
                                   QStringLiteral("databases")},
                                  QStringLiteral(LOADSTAR_BINARY), {}, false);
        QCOMPARE(r.err, QString());
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QStringLiteral("Wrote %1 (MariaDB / PostgreSQL, 2 servers in 1 cluster, 5 files)\n"
                                       "  db-primary.cnf\n  db-primary.sql\n  db-replica.cnf\n  db-replica.sql\n"
                                       "  README-databases.md\n"
                                       "Note: Only databases are written: client, lb, web-01 and web-02 are not "
                                       "databases (load balancers export as HAProxy, keepalived or nginx)\n"
                                       "Note: The replication password is a placeholder, CHANGE-ME-replication-password: "
                                       "put a password of your own in its place in db-primary.sql and db-replica.sql "
                                       "before using them\n")
                            .arg(out));
        QFile option(out + QStringLiteral("/db-replica.cnf"));
        QVERIFY(option.open(QIODevice::ReadOnly));
        QVERIFY(option.readAll().contains("\nserver_id = 6\n"));

        // Where a folder can't be made: one line, exit 1.
        const Result blocked = loadstar({QStringLiteral("export"), referenceJson(),
                                         out + QStringLiteral("/db-primary.cnf/x"), QStringLiteral("--format"),
                                         QStringLiteral("databases")});
        QCOMPARE(blocked.code, 1);
        QCOMPARE(blocked.err, QStringLiteral("Can't make the folder “%1/db-primary.cnf/x”: Not a directory\n").arg(out));
    }

    void exportWritesAPngWithNoDisplay()
    {
        const QString out = m_dir->filePath(QStringLiteral("reference.png"));
        const Result r = loadstar({QStringLiteral("export"), referenceJson(), out, QStringLiteral("--scale"),
                                   QStringLiteral("2"), QStringLiteral("--background"), QStringLiteral("transparent")},
                                  QStringLiteral(LOADSTAR_BINARY), {}, false);
        QCOMPARE(r.err, QString());
        QCOMPARE(r.code, 0);
        const QImage image(out);
        QVERIFY(!image.isNull());
        QCOMPARE(r.out, QStringLiteral("Wrote %1 (PNG, %2×%3 px)\n").arg(out).arg(image.width()).arg(image.height()));
        QCOMPARE(qAlpha(image.pixel(0, 0)), 0);

        // Twice the size of a 1× export, give or take the rounding up.
        const QString single = m_dir->filePath(QStringLiteral("single.png"));
        QCOMPARE(loadstar({QStringLiteral("export"), referenceJson(), single}, QStringLiteral(LOADSTAR_BINARY), {},
                          false).code,
                 0);
        const QImage one(single);
        QVERIFY(std::abs(image.width() - 2 * one.width()) <= 1);
        QVERIFY(std::abs(image.height() - 2 * one.height()) <= 1);
        QCOMPARE(one.pixel(0, 0), qRgba(255, 255, 255, 255));
    }

    void exportWritesSvgAndPdf()
    {
        const QString svg = m_dir->filePath(QStringLiteral("reference.svg"));
        Result r = loadstar({QStringLiteral("export"), referenceJson(), svg}, QStringLiteral(LOADSTAR_BINARY), {}, false);
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith(QStringLiteral("Wrote %1 (SVG, ").arg(svg)));
        QFile svgFile(svg);
        QVERIFY(svgFile.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&svgFile);
        QVERIFY(xml.readNextStartElement());
        QCOMPARE(xml.name(), QStringLiteral("svg"));

        const QString pdf = m_dir->filePath(QStringLiteral("reference.pdf"));
        r = loadstar({QStringLiteral("export"), referenceJson(), pdf}, QStringLiteral(LOADSTAR_BINARY), {}, false);
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith(QStringLiteral("Wrote %1 (PDF, 1 page, ").arg(pdf)));
        QFile pdfFile(pdf);
        QVERIFY(pdfFile.open(QIODevice::ReadOnly));
        QVERIFY(pdfFile.read(5) == "%PDF-");
    }

    // The words a drawing's SVG shows: the cards' text, the state pills
    // included.
    static QStringList svgTexts(const QString &path)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        QStringList texts;
        QXmlStreamReader xml(&file);
        while (!xml.atEnd()) {
            if (xml.readNext() == QXmlStreamReader::StartElement && xml.name() == QLatin1String("text"))
                texts.append(xml.readElementText(QXmlStreamReader::IncludeChildElements).trimmed());
        }
        return texts;
    }

    void exportLiveDrawsTheRunningDocument()
    {
        const QString drawn = m_dir->filePath(QStringLiteral("drawn.svg"));
        QCOMPARE(loadstar({QStringLiteral("export"), referenceJson(), drawn}, QStringLiteral(LOADSTAR_BINARY), {},
                          false).code,
                 0);
        const QString live = m_dir->filePath(QStringLiteral("live.svg"));
        const Result r = loadstar({QStringLiteral("export"), referenceJson(), live, QStringLiteral("--live"),
                                   QStringLiteral("3")},
                                  QStringLiteral(LOADSTAR_BINARY), {}, false);
        QCOMPARE(r.err, QString());
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith(QStringLiteral("Running for 3 s…\nWrote %1 (SVG, ").arg(live)));

        // The demo backends answered their HTTP checks and the demo
        // databases their MySQL checks: web-01, web-02, db-primary and
        // db-replica are UP, the replica saying how far behind it is rather
        // than its L7OK; the plain drawing has no state at all.
        const QStringList drawnTexts = svgTexts(drawn);
        const QStringList liveTexts = svgTexts(live);
        QVERIFY(drawnTexts.contains(QStringLiteral("web-01")));
        QVERIFY(!drawnTexts.contains(QStringLiteral("UP")));
        QCOMPARE(liveTexts.count(QStringLiteral("UP")), 4);
        QCOMPARE(liveTexts.filter(QStringLiteral("L7OK")).size(), 3);
        // Its card and its replication link; the databases' queries per second.
        QCOMPARE(liveTexts.filter(QRegularExpression(QStringLiteral("^lag \\d"))).size(), 2);
        QCOMPARE(liveTexts.filter(QStringLiteral(" q/s")).size(), 2);
        QVERIFY2(liveTexts.filter(QStringLiteral("req/s")).size() >= 1, qPrintable(liveTexts.join(QLatin1Char('|'))));
    }

    void exportLiveOnABusyPortSaysWhyAndWritesNothing()
    {
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress::LocalHost, 8080));
        const QString out = m_dir->filePath(QStringLiteral("busy.png"));
        const Result r = loadstar({QStringLiteral("export"), referenceJson(), out, QStringLiteral("--live"),
                                   QStringLiteral("1")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.startsWith(QStringLiteral("Could not run the document: ")), qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("8080")), qPrintable(r.err));
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QVERIFY(!QFileInfo::exists(out));
    }

    void exportFailuresExitOneWithOneLine()
    {
        const QString out = m_dir->filePath(QStringLiteral("missing/reference.png"));
        Result r = loadstar({QStringLiteral("export"), referenceJson(), out});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.out, QString());
        QCOMPARE(r.err, QStringLiteral("Cannot write “%1”: the folder %2 does not exist. Choose another file or folder.\n")
                            .arg(out, m_dir->filePath(QStringLiteral("missing"))));

        const QString input = m_dir->filePath(QStringLiteral("absent.loadstar"));
        r = loadstar({QStringLiteral("export"), input, m_dir->filePath(QStringLiteral("a.png"))});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QVERIFY(r.err.contains(input));
        QVERIFY(!QFile::exists(m_dir->filePath(QStringLiteral("a.png"))));
    }


    void proxyBalancesRoundRobinAndStopsOnSigterm()
    {
        Backend a("A"), b("B"), spare("C");
        QVERIFY(a.listen() && b.listen() && spare.listen());
        QVERIFY2(startLoadstar({"proxy", "--from", "127.0.0.1:0", "--to", a.address(), "--to", b.address(),
                                "--backup", spare.address(), "--stats", "127.0.0.1:0"}),
                 m_out.constData());
        const quint16 port = printedPort(ListenLine);
        const quint16 statsPort = printedPort(StatsLine);
        QVERIFY(port != 0 && statsPort != 0);
        QCOMPARE(outLines(), (QStringList{
            QStringLiteral("loadstar proxy: proxy listening on 127.0.0.1:%1 (http, roundrobin) → %2, %3, %4 (backup)")
                .arg(port).arg(a.address(), b.address(), spare.address()),
            QStringLiteral("loadstar proxy: checking %1 (tcp), %2 (tcp), %3 (tcp)").arg(a.address(), b.address(), spare.address()),
            QStringLiteral("loadstar proxy: stats on http://127.0.0.1:%1/stats;csv").arg(statsPort),
            QStringLiteral("loadstar proxy: 1 thread; Ctrl+C stops.")}));

        // Each request of one keep-alive connection is balanced on its own.
        Client client;
        QVERIFY(client.connectTo(port));
        QByteArrayList answers;
        for (int i = 0; i < 4; ++i) {
            const Response response = client.get();
            QCOMPARE(response.status, 200);
            answers.append(response.body);
        }
        QCOMPARE(answers, (QByteArrayList{"A", "B", "A", "B"}));
        QCOMPARE(a.requests(), 2);
        QCOMPARE(b.requests(), 2);
        QCOMPARE(spare.requests(), 0);

        // The stats listener counts the same.
        const Response csv = fetch(statsPort, "GET", "/stats;csv");
        QCOMPARE(csv.status, 200);
        const auto frontend = csvRow(csv.body, QStringLiteral("proxy"), QStringLiteral("FRONTEND"));
        QCOMPARE(frontend.value(QStringLiteral("req_tot")), QStringLiteral("4"));
        QCOMPARE(frontend.value(QStringLiteral("stot")), QStringLiteral("1"));
        for (const Backend *server : {&a, &b}) {
            const auto row = csvRow(csv.body, QStringLiteral("proxy"), server->address());
            QCOMPARE(row.value(QStringLiteral("status")), QStringLiteral("UP"));
            QCOMPARE(row.value(QStringLiteral("lbtot")), QStringLiteral("2"));
            QCOMPARE(row.value(QStringLiteral("hrsp_2xx")), QStringLiteral("2"));
        }
        const auto backup = csvRow(csv.body, QStringLiteral("proxy"), spare.address());
        QCOMPARE(backup.value(QStringLiteral("bck")), QStringLiteral("1"));
        QCOMPARE(backup.value(QStringLiteral("lbtot")), QStringLiteral("0"));
        const Response metrics = fetch(statsPort, "GET", "/metrics");
        QCOMPARE(metrics.status, 200);
        QVERIFY(metrics.body.contains("\nhaproxy_frontend_http_requests_total{proxy=\"proxy\"} 4\n"));

        m_process->terminate(); // SIGTERM
        QVERIFY(waitForExit());
        QCOMPARE(m_process->exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_process->exitCode(), 0);
        QCOMPARE(outLines().last(), QStringLiteral("loadstar proxy: stopped on SIGTERM after 1 connection, 4 HTTP requests."));
        QCOMPARE(m_process->readAllStandardError(), QByteArray());
    }

    void proxyStopsOnSigint()
    {
        Backend a("A");
        QVERIFY(a.listen());
        QVERIFY2(startLoadstar({"proxy", "--from", "127.0.0.1:0", "--to", a.address(), "--threads", "2"}),
                 m_out.constData());
        QCOMPARE(outLines().last(), QStringLiteral("loadstar proxy: 2 threads; Ctrl+C stops."));
        const quint16 port = printedPort(ListenLine);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(fetch(port, "GET", "/").body, QByteArray("A"));

        QCOMPARE(::kill(pid_t(m_process->processId()), SIGINT), 0);
        QVERIFY(waitForExit());
        QCOMPARE(m_process->exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_process->exitCode(), 0);
        QCOMPARE(outLines().last(), QStringLiteral("loadstar proxy: stopped on SIGINT after 3 connections, 3 HTTP requests."));
        QCOMPARE(m_process->readAllStandardError(), QByteArray());
        // The port is free again.
        QTcpServer again;
        QVERIFY(again.listen(QHostAddress::LocalHost, port));
    }

    void proxyBackupTakesOverWhenServersAreInMaintenance()
    {
        Backend a("A"), b("B"), spare("C");
        QVERIFY(a.listen() && b.listen() && spare.listen());
        QVERIFY2(startLoadstar({"proxy", "--from", "127.0.0.1:0", "--to", a.address(), "--to", b.address(),
                                "--backup", spare.address(), "--stats", "127.0.0.1:0"}),
                 m_out.constData());
        const quint16 port = printedPort(ListenLine);
        const quint16 statsPort = printedPort(StatsLine);

        for (const Backend *server : {&a, &b}) {
            const Response set = fetch(statsPort, "POST", "/set?backend=proxy&server=" + server->address().toLatin1()
                                                              + "&state=maint");
            QCOMPARE(set.status, 200);
            QCOMPARE(set.body, QStringLiteral("proxy/%1 is now maint.\n").arg(server->address()).toUtf8());
        }
        Client client;
        QVERIFY(client.connectTo(port));
        for (int i = 0; i < 3; ++i)
            QCOMPARE(client.get().body, QByteArray("C"));
        const Response csv = fetch(statsPort, "GET", "/stats;csv");
        QCOMPARE(csvRow(csv.body, QStringLiteral("proxy"), a.address()).value(QStringLiteral("status")),
                 QStringLiteral("MAINT"));
        QCOMPARE(csvRow(csv.body, QStringLiteral("proxy"), spare.address()).value(QStringLiteral("lbtot")),
                 QStringLiteral("3"));

        // One active server back: the backup stops taking traffic.
        QCOMPARE(fetch(statsPort, "POST", "/set?backend=proxy&server=" + b.address().toLatin1() + "&state=ready").status,
                 200);
        QCOMPARE(client.get().body, QByteArray("B"));
        QCOMPARE(client.get().body, QByteArray("B"));
        QCOMPARE(a.requests(), 0);
        QCOMPARE(spare.requests(), 3);
    }

    void proxyBackupTakesOverWhenTheServerDiesAndFailsBack()
    {
        Backend a("A"), spare("C");
        QVERIFY(a.listen() && spare.listen());
        QVERIFY2(startLoadstar({"proxy", "--from", "127.0.0.1:0", "--to", a.address(), "--backup", spare.address(),
                                "--inter", "100ms", "--rise", "2", "--fall", "2"}),
                 m_out.constData());
        const quint16 port = printedPort(ListenLine);
        QCOMPARE(fetch(port, "GET", "/").body, QByteArray("A"));
        QVERIFY(m_out.contains(QStringLiteral("checking %1 (tcp), %2 (tcp)").arg(a.address(), spare.address()).toUtf8()));

        // A request right after the death, before any check saw it: refused by
        // A, it is retried on the backup, and the client never knows.
        a.kill();
        const Response during = fetch(port, "GET", "/");
        QCOMPARE(during.status, 200);
        QCOMPARE(during.body, QByteArray("C"));
        // The checks take A out (fall 2 at 100 ms), with HAProxy's message and a timestamp.
        const QRegularExpression down(QStringLiteral(
            "^loadstar proxy: \\d\\d:\\d\\d:\\d\\d\\.\\d{3} Server proxy/%1 is DOWN, reason: "
            "(Layer4 connection problem, info: \"Connection refused\", check duration: \\d+ms|Health analyze, "
            "info: \"[^\"]+\")\\. 0 active and 1 backup servers left\\. Running on backup\\.$")
                                          .arg(QRegularExpression::escape(a.address())),
                                      QRegularExpression::MultilineOption);
        QTRY_VERIFY2_WITH_TIMEOUT(down.match(QString::fromUtf8(m_out)).hasMatch(), m_out.constData(), Timeout);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(fetch(port, "GET", "/").body, QByteArray("C"));

        // Back on its port: rise 2 checks later A takes the traffic again.
        QVERIFY(a.revive());
        const QRegularExpression up(QStringLiteral(
            "^loadstar proxy: \\d\\d:\\d\\d:\\d\\d\\.\\d{3} Server proxy/%1 is UP, reason: Layer4 check passed, "
            "(info: \"Connection established\", )?check duration: \\d+ms\\. 1 active and 1 backup servers online\\.$")
                                        .arg(QRegularExpression::escape(a.address())),
                                    QRegularExpression::MultilineOption);
        QTRY_VERIFY2_WITH_TIMEOUT(up.match(QString::fromUtf8(m_out)).hasMatch(), m_out.constData(), Timeout);
        QCOMPARE(fetch(port, "GET", "/").body, QByteArray("A"));
        QCOMPARE(spare.requests(), 4);
    }

    void proxyWithAnHttpCheckWatchesTheTrafficsAnswers()
    {
        Backend a("A"), spare("C");
        QVERIFY(a.listen() && spare.listen());
        // Checks every 10 s: only the traffic can tell within this test.
        QVERIFY2(startLoadstar({"proxy", "--from", "127.0.0.1:0", "--to", a.address(), "--backup", spare.address(),
                                "--check", "http:/", "--inter", "10s"}),
                 m_out.constData());
        const quint16 port = printedPort(ListenLine);
        QCOMPARE(fetch(port, "GET", "/").status, 200);

        // A answers its checks but fails the traffic: 10 answers of 500 in a
        // row (the default error-limit) and it leaves rotation.
        a.answerTrafficWith(500);
        for (int i = 0; i < 10; ++i)
            QCOMPARE(fetch(port, "GET", "/").status, 500);
        QTRY_VERIFY2_WITH_TIMEOUT(m_out.contains(QStringLiteral("Server proxy/%1 is DOWN, reason: Health analyze")
                                                     .arg(a.address()).toUtf8()),
                                  m_out.constData(), Timeout);
        QCOMPARE(fetch(port, "GET", "/").body, QByteArray("C"));
        QCOMPARE(a.requests(), 11);
    }

    void proxyWithATcpCheckOnlyWatchesConnections()
    {
        Backend a("A"), spare("C");
        QVERIFY(a.listen() && spare.listen());
        QVERIFY2(startLoadstar({"proxy", "--from", "127.0.0.1:0", "--to", a.address(), "--backup", spare.address(),
                                "--inter", "10s"}),
                 m_out.constData());
        const quint16 port = printedPort(ListenLine);
        a.answerTrafficWith(500);
        // observe layer4: answers are the application's business, A stays.
        for (int i = 0; i < 15; ++i)
            QCOMPARE(fetch(port, "GET", "/").body, QByteArray("A"));
        QVERIFY(!m_out.contains("is DOWN"));
    }

    void proxyWithoutChecksKeepsADeadServerInRotation()
    {
        Backend a("A"), spare("C");
        QVERIFY(a.listen() && spare.listen());
        QVERIFY2(startLoadstar({"proxy", "--from", "127.0.0.1:0", "--to", a.address(), "--backup", spare.address(),
                                "--check", "none", "--observe", "none"}),
                 m_out.constData());
        QVERIFY(!m_out.contains("checking"));
        const quint16 port = printedPort(ListenLine);
        a.kill();
        // Nothing watches A: each request tries it first and is redispatched.
        for (int i = 0; i < 3; ++i)
            QCOMPARE(fetch(port, "GET", "/").body, QByteArray("C"));
        QCOMPARE(a.checks(), 0);
        QVERIFY(!m_out.contains("is DOWN"));
    }

    void proxyAnswers503WhenNoServerAnswers()
    {
        const quint16 nobody = freePort();
        QVERIFY(nobody != 0);
        QVERIFY2(startLoadstar({"proxy", "--from", "127.0.0.1:0", "--to", QStringLiteral("127.0.0.1:%1").arg(nobody)}),
                 m_out.constData());
        const Response response = fetch(printedPort(ListenLine), "GET", "/");
        QCOMPARE(response.status, 503);
    }

    void proxyTcpModeForwardsBytes()
    {
        Backend a("A", Backend::Protocol::Tcp), b("B", Backend::Protocol::Tcp);
        QVERIFY(a.listen() && b.listen());
        QVERIFY2(startLoadstar({"proxy", "--from", "127.0.0.1:0", "--to", a.address(), "--to", b.address(),
                                "--mode", "tcp"}),
                 m_out.constData());
        QVERIFY(outLines().first().contains(QStringLiteral(" (tcp, roundrobin) → ")));
        const quint16 port = printedPort(ListenLine);

        // Not HTTP at all: bytes, a NUL included, both ways.
        const QByteArray bytes("\x00\x01 not http\r\n\xff", 15);
        Client first, second;
        QVERIFY(first.connectTo(port));
        QCOMPARE(first.exchange(bytes, bytes.size() + 2), "A:" + bytes);
        QVERIFY(second.connectTo(port));
        QCOMPARE(second.exchange(bytes, bytes.size() + 2), "B:" + bytes);
        QCOMPARE(first.exchange("again", 7), QByteArray("A:again")); // a connection stays on its server

        m_process->terminate();
        QVERIFY(waitForExit());
        QCOMPARE(m_process->exitCode(), 0);
        QCOMPARE(outLines().last(), QStringLiteral("loadstar proxy: stopped on SIGTERM after 2 connections, 0 HTTP requests."));
    }

    void proxyOnAPortInUseExitsOne()
    {
        QTcpServer taken;
        QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
        const QString address = QStringLiteral("127.0.0.1:%1").arg(taken.serverPort());

        Result r = loadstar({QStringLiteral("proxy"), QStringLiteral("--from"), address, QStringLiteral("--to"),
                             QStringLiteral("127.0.0.1:8081")});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.out, QString());
        QCOMPARE(r.err, QStringLiteral("loadstar proxy: Cannot listen on %1 for proxy: the port is already in use.\n")
                            .arg(address));

        // The stats listener's port too; and stdout has not claimed it was listening.
        r = loadstar({QStringLiteral("proxy"), QStringLiteral("--from"), QStringLiteral("127.0.0.1:0"),
                      QStringLiteral("--to"), QStringLiteral("127.0.0.1:8081"), QStringLiteral("--stats"), address});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.out, QString());
        QCOMPARE(r.err, QStringLiteral("loadstar proxy: Cannot listen on %1 for the stats listener: the port is "
                                       "already in use.\n")
                            .arg(address));
    }

    void proxyOnAnAddressNotOfThisMachineExitsOne()
    {
        // 192.0.2.0/24 is TEST-NET-1: documentation only, never a local address.
        const Result r = loadstar({QStringLiteral("proxy"), QStringLiteral("--from"), QStringLiteral("192.0.2.1:8080"),
                                   QStringLiteral("--to"), QStringLiteral("127.0.0.1:8081")});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.out, QString());
        QCOMPARE(r.err, QStringLiteral("loadstar proxy: Cannot listen on 192.0.2.1:8080 for proxy: 192.0.2.1 is not "
                                       "an address of this machine.\n"));
    }

    void runRefusesADocumentWithProblems()
    {
        Topology t = Test::everyKind();
        t.node(t.nodeByName(QStringLiteral("lb"))->id)->properties.insert(QStringLiteral("port"), 0);
        t.node(t.nodeByName(QStringLiteral("web-02"))->id)->name = QStringLiteral("web-01");
        const QString path = m_dir->filePath(QStringLiteral("broken.json"));
        QString error;
        QVERIFY(DocumentFile::write(t, path, &error));

        const Result r = loadstar({QStringLiteral("run"), path});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.out, QString());
        QStringList lines = r.err.trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines.takeLast(), QStringLiteral("loadstar run: fix these problems first; nothing was started."));
        QVERIFY(lines.contains(path + QStringLiteral(": lb: listen port 0 is out of range (1–65535)")));
        QVERIFY(lines.contains(path + QStringLiteral(": 2 nodes are named “web-01”: names must be unique, rename all but one")));
    }

    void runWithoutALoadBalancerExitsOne()
    {
        Topology t;
        t.addNode(Node::make(NodeKind::WebServer, QStringLiteral("web-01")));
        const QString path = m_dir->filePath(QStringLiteral("servers.json"));
        QString error;
        QVERIFY(DocumentFile::write(t, path, &error));

        const Result r = loadstar({QStringLiteral("run"), path});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.out, QString());
        QCOMPARE(r.err, QStringLiteral("loadstar run: %1 has no load balancer to run.\n").arg(path));
    }

    void runBalancesAsDrawn()
    {
        Backend web1("web-01"), web2("web-02"), web3("web-03");
        QVERIFY(web1.listen() && web2.listen() && web3.listen());
        const quint16 port = freePort(), tcpPort = freePort();
        QVERIFY(port != 0 && tcpPort != 0 && port != tcpPort);
        // lb balances round robin over web-01 and web-02, web-03 its backup;
        // lb-tcp sends whole connections to web-01.
        Topology t;
        const NodeId lb = t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb")));
        Node lbTcp = Node::make(NodeKind::LoadBalancer, QStringLiteral("lb-tcp"), {300, 0});
        QCOMPARE(lbTcp.setProperty(QStringLiteral("mode"), QStringLiteral("tcp")), QString());
        QCOMPARE(lbTcp.setProperty(QStringLiteral("balance"), QStringLiteral("first")), QString());
        QCOMPARE(lbTcp.setProperty(QStringLiteral("port"), tcpPort), QString());
        const NodeId tcpId = t.addNode(lbTcp);
        QCOMPARE(t.node(lb)->setProperty(QStringLiteral("port"), port), QString());
        QList<NodeId> servers;
        for (const Backend *backend : {&web1, &web2, &web3}) {
            Node server = Node::make(NodeKind::WebServer, QString::fromLatin1(backend->name()),
                                     QPointF(150 * servers.size(), 200));
            QCOMPARE(server.setProperty(QStringLiteral("port"), backend->port()), QString());
            QCOMPARE(server.setProperty(QStringLiteral("embedded"), false), QString());
            QCOMPARE(server.setProperty(QStringLiteral("backup"), backend == &web3), QString());
            servers.append(t.addNode(server));
            t.connect(lb, servers.last());
        }
        t.connect(tcpId, servers.first());
        const QString path = m_dir->filePath(QStringLiteral("run.json"));
        QString error;
        QVERIFY(DocumentFile::write(t, path, &error));

        QVERIFY2(startLoadstar({"run", path, "--stats", "127.0.0.1:0"}), m_out.constData());
        const QStringList lines = outLines();
        QCOMPARE(lines.size(), 5);
        QCOMPARE(lines.at(0), QStringLiteral("loadstar run: lb listening on 127.0.0.1:%1 (http, roundrobin) → "
                                             "web-01, web-02, web-03 (backup)").arg(port));
        QCOMPARE(lines.at(1), QStringLiteral("loadstar run: lb-tcp listening on 127.0.0.1:%1 (tcp, first) → web-01")
                                  .arg(tcpPort));
        // As drawn: web servers get the http check of their properties.
        QCOMPARE(lines.at(2), QStringLiteral("loadstar run: checking web-01 (http), web-02 (http), web-03 (http), "
                                             "web-01 (http)"));
        const quint16 statsPort = printedPort(StatsLine);

        Client client;
        QVERIFY(client.connectTo(port));
        QByteArrayList answers;
        for (int i = 0; i < 4; ++i)
            answers.append(client.get().body);
        QCOMPARE(answers, (QByteArrayList{"web-01", "web-02", "web-01", "web-02"}));
        QCOMPARE(web3.requests(), 0);

        // The drawn backup takes over when both active servers are in maintenance.
        for (const char *server : {"web-01", "web-02"}) {
            QCOMPARE(fetch(statsPort, "POST", QByteArray("/set?backend=lb&server=") + server + "&state=maint").status,
                     200);
        }
        QCOMPARE(client.get().body, QByteArray("web-03"));
        QCOMPARE(client.get().body, QByteArray("web-03"));

        // lb-tcp forwards a whole connection, HTTP or not, to web-01.
        Client tcp;
        QVERIFY(tcp.connectTo(tcpPort));
        const QByteArray answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nweb-01");
        QCOMPARE(tcp.exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n", answer.size()), answer);

        m_process->terminate();
        QVERIFY(waitForExit());
        QCOMPARE(m_process->exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_process->exitCode(), 0);
        QCOMPARE(outLines().last(), QStringLiteral("loadstar run: stopped on SIGTERM after 2 connections, 6 HTTP requests."));
        QCOMPARE(m_process->readAllStandardError(), QByteArray());
    }

    // The firewall drawn in front of the load balancer is enforced: this
    // test's own address is denied, its connection closed unanswered, and
    // the refusal counted in HAProxy's dcon.
    void runEnforcesTheDrawnFirewall()
    {
        Backend web("web-01");
        QVERIFY(web.listen());
        const quint16 port = freePort();
        Topology t;
        const NodeId lb = t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb")));
        QCOMPARE(t.node(lb)->setProperty(QStringLiteral("port"), port), QString());
        Node server = Node::make(NodeKind::WebServer, QStringLiteral("web-01"), {0, 200});
        QCOMPARE(server.setProperty(QStringLiteral("port"), web.port()), QString());
        QCOMPARE(server.setProperty(QStringLiteral("embedded"), false), QString());
        t.connect(lb, t.addNode(server));
        Node fw = Node::make(NodeKind::Firewall, QStringLiteral("fw"), {0, -200});
        QCOMPARE(fw.setProperty(QStringLiteral("deny"), QStringLiteral("127.0.0.1/32")), QString());
        QCOMPARE(fw.setProperty(QStringLiteral("rate_limit"), 50), QString());
        t.connect(t.addNode(fw), lb);
        const QString path = m_dir->filePath(QStringLiteral("firewall.json"));
        QString error;
        QVERIFY(DocumentFile::write(t, path, &error));

        QVERIFY2(startLoadstar({"run", path, "--stats", "127.0.0.1:0"}), m_out.constData());
        QCOMPARE(outLines().at(1), QStringLiteral("loadstar run: fw guards lb: allows 0.0.0.0/0, ::/0; "
                                                  "denies 127.0.0.1/32; at most 50 connections/s per source"));
        const quint16 statsPort = printedPort(StatsLine);
        QCOMPARE(fetch(port, "GET", "/").status, 0);
        QCOMPARE(web.requests(), 0);
        QTRY_COMPARE(csvRow(fetch(statsPort, "GET", "/stats;csv").body, QStringLiteral("lb"),
                            QStringLiteral("FRONTEND"))
                         .value(QStringLiteral("dcon")),
                     QStringLiteral("1"));
        m_process->terminate();
        QVERIFY(waitForExit());
        QCOMPARE(m_process->exitCode(), 0);
    }

    void runServesDemoBackendsWithFaultsFromTheStatsListener()
    {
        const quint16 port = freePort(), web1Port = freePort(), web2Port = freePort();
        QVERIFY(port != 0 && web1Port != 0 && web2Port != 0);
        // lb → web-01 and web-02 (backup), both embedded demo backends,
        // checked over HTTP every 100 ms.
        Topology t;
        const NodeId lb = t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb")));
        QCOMPARE(t.node(lb)->setProperty(QStringLiteral("port"), port), QString());
        for (const quint16 webPort : {web1Port, web2Port}) {
            const bool backup = webPort == web2Port;
            Node server = Node::make(NodeKind::WebServer, backup ? QStringLiteral("web-02") : QStringLiteral("web-01"),
                                     QPointF(backup ? 150 : 0, 200));
            QCOMPARE(server.setProperty(QStringLiteral("port"), webPort), QString());
            QCOMPARE(server.setProperty(QStringLiteral("embedded"), true), QString());
            QCOMPARE(server.setProperty(QStringLiteral("backup"), backup), QString());
            for (const char *key : {"inter", "fastinter", "downinter"})
                QCOMPARE(server.setProperty(QLatin1String(key), 100), QString());
            t.connect(lb, t.addNode(server));
        }
        const QString path = m_dir->filePath(QStringLiteral("demo.json"));
        QString error;
        QVERIFY(DocumentFile::write(t, path, &error));

        QVERIFY2(startLoadstar({"run", path, "--stats", "127.0.0.1:0"}), m_out.constData());
        const QStringList lines = outLines();
        QCOMPARE(lines.at(0), QStringLiteral("loadstar run: web-01 demo backend on 127.0.0.1:%1").arg(web1Port));
        QCOMPARE(lines.at(1), QStringLiteral("loadstar run: web-02 demo backend on 127.0.0.1:%1").arg(web2Port));
        const quint16 statsPort = printedPort(StatsLine);
        QCOMPARE(fetch(port, "GET", "/").body.trimmed(), QByteArray("web-01"));

        // Killed through the stats listener: refused at once, so even the very
        // next request is answered, by the backup; then the checks say so.
        const Response kill = fetch(statsPort, "POST", "/fault?server=web-01&state=kill");
        QCOMPARE(kill.status, 200);
        QCOMPARE(kill.body.trimmed(), QByteArray("web-01 is now killed."));
        QCOMPARE(fetch(port, "GET", "/").body.trimmed(), QByteArray("web-02"));
        QTRY_VERIFY2_WITH_TIMEOUT(m_out.contains("Server lb/web-01 is DOWN, reason: Layer4 connection problem"),
                                  m_out.constData(), Timeout);
        QVERIFY(m_out.contains("0 active and 1 backup servers left. Running on backup."));
        const Response faults = fetch(statsPort, "GET", "/fault");
        QCOMPARE(faults.status, 200);
        QVERIFY2(faults.body.contains(QStringLiteral("web-01 on 127.0.0.1:%1: killed").arg(web1Port).toUtf8())
                     && faults.body.contains(QStringLiteral("web-02 on 127.0.0.1:%1: healthy").arg(web2Port).toUtf8()),
                 faults.body.constData());

        // What the page refuses, in a sentence.
        QCOMPARE(fetch(statsPort, "POST", "/fault?server=web-09&state=kill").body.trimmed(),
                 QByteArray("There is no demo backend named web-09."));
        QCOMPARE(fetch(statsPort, "POST", "/fault?server=web-01&state=explode").status, 400);
        QCOMPARE(fetch(statsPort, "POST", "/fault?server=web-01&errors=150").status, 400);

        // Revived: the checks bring it back and it takes the traffic again.
        QCOMPARE(fetch(statsPort, "POST", "/fault?server=web-01&state=revive").status, 200);
        QTRY_VERIFY2_WITH_TIMEOUT(m_out.contains("Server lb/web-01 is UP"), m_out.constData(), Timeout);
        QCOMPARE(fetch(port, "GET", "/").body.trimmed(), QByteArray("web-01"));

        // An error rate: the layer7 check (HTTP status) sees the 500s.
        QCOMPARE(fetch(statsPort, "POST", "/fault?server=web-01&errors=100").status, 200);
        QTRY_VERIFY2_WITH_TIMEOUT(m_out.contains("Server lb/web-01 is DOWN, reason: Layer7 wrong status, code: 500"),
                                  m_out.constData(), Timeout);
    }

    // Loadstar killed outright takes its database servers with it.
    void runKilledWithSigkillLeavesNoDatabaseServerBehind()
    {
        QHash<QString, quint16> ports;
        const QString path = writeReferenceOnFreePorts(ports);
        QVERIFY2(startLoadstar({"run", path}), m_out.constData());
        QVERIFY2(m_out.contains("db-replica demo database (MariaDB)"), m_out.constData());
        // The reference design's databases listen on 127.0.0.11 and 127.0.0.12.
        const auto listening = [&](const char *database, const char *address) {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress(QLatin1String(address)), ports.value(QLatin1String(database)));
            return probe.waitForConnected(1000);
        };
        QVERIFY(listening("db-primary", "127.0.0.11"));
        QCOMPARE(::kill(pid_t(m_process->processId()), SIGKILL), 0);
        QVERIFY(waitForExit());
        QTRY_VERIFY_WITH_TIMEOUT(!listening("db-primary", "127.0.0.11") && !listening("db-replica", "127.0.0.12"),
                                 Timeout);
    }

    // The reference design headless with its database tier: real MariaDB
    // servers, writes through lb → web → db-primary, and an automatic
    // failover said in one line with what it cost.
    void runFailsADemoDatabaseOverAndSaysWhatItCost()
    {
        QHash<QString, quint16> ports;
        const QString path = writeReferenceOnFreePorts(ports);

        QVERIFY2(startLoadstar({"run", path, "--stats", "127.0.0.1:0"}), m_out.constData());
        const QStringList lines = outLines();
        QVERIFY2(lines.contains(QStringLiteral("loadstar run: db-primary demo database (MariaDB) on 127.0.0.11:%1, primary")
                                    .arg(ports.value(QStringLiteral("db-primary")))),
                 m_out.constData());
        QVERIFY2(lines.contains(QStringLiteral("loadstar run: db-replica demo database (MariaDB) on 127.0.0.12:%1, "
                                               "replicating from db-primary")
                                    .arg(ports.value(QStringLiteral("db-replica")))),
                 m_out.constData());
        const quint16 statsPort = printedPort(StatsLine);
        const quint16 lbPort = ports.value(QStringLiteral("lb"));
        const Response written = fetch(lbPort, "POST", "/");
        QCOMPARE(written.status, 200);
        QVERIFY2(written.body.contains("written to db-primary"), written.body.constData());
        // The replica serves the reads, and replication brings it the row.
        const QByteArray visit = written.body.mid(written.body.indexOf("visit "), written.body.indexOf(" written") - written.body.indexOf("visit "));
        QTRY_VERIFY_WITH_TIMEOUT(fetch(lbPort, "GET", "/").body.contains(visit + " read from db-replica"), Timeout);

        QCOMPARE(fetch(statsPort, "POST", "/fault?server=db-primary&state=kill").status, 200);
        const Response refused = fetch(lbPort, "POST", "/");
        QCOMPARE(refused.status, 503);
        // Reads go on from the replica meanwhile; writes come back once it is promoted.
        QCOMPARE(fetch(lbPort, "GET", "/").status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(fetch(lbPort, "POST", "/").status, 200, Timeout);
        QTRY_VERIFY2_WITH_TIMEOUT(m_out.contains("db-primary DOWN → db-replica promoted after"), m_out.constData(),
                                  Timeout);
        QVERIFY2(m_out.contains("0 acknowledged writes lost (async replication)"), m_out.constData());
        const Response faults = fetch(statsPort, "GET", "/fault");
        QVERIFY2(faults.body.contains(QStringLiteral("db-primary on 127.0.0.11:%1: killed")
                                          .arg(ports.value(QStringLiteral("db-primary")))
                                          .toUtf8()),
                 faults.body.constData());
        QCOMPARE(fetch(statsPort, "POST", "/promote?server=db-9").status, 404);

        m_process->terminate();
        QVERIFY(waitForExit());
        QCOMPARE(m_process->exitCode(), 0);
        // Nothing it started still listens.
        QTcpSocket probe;
        probe.connectToHost(QHostAddress(QStringLiteral("127.0.0.12")), ports.value(QStringLiteral("db-replica")));
        QVERIFY(!probe.waitForConnected(1000));
    }

    void runServesTlsWithASelfSignedCertificate()
    {
        const quint16 port = freePort(), redirectPort = freePort(), webPort = freePort();
        QVERIFY(port != 0 && redirectPort != 0 && webPort != 0);
        // lb with TLS and no certificate file, redirecting HTTP, → web-01.
        Topology t;
        const NodeId lb = t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb")));
        QCOMPARE(t.node(lb)->setProperty(QStringLiteral("port"), port), QString());
        QCOMPARE(t.node(lb)->setProperty(QStringLiteral("tls"), true), QString());
        QCOMPARE(t.node(lb)->setProperty(QStringLiteral("http_redirect_port"), redirectPort), QString());
        Node server = Node::make(NodeKind::WebServer, QStringLiteral("web-01"), {0, 200});
        QCOMPARE(server.setProperty(QStringLiteral("port"), webPort), QString());
        t.connect(lb, t.addNode(server));
        const QString path = m_dir->filePath(QStringLiteral("tls.json"));
        QString error;
        QVERIFY(DocumentFile::write(t, path, &error));

        QVERIFY2(startLoadstar({"run", path}), m_out.constData());
        const QStringList lines = outLines();
        QCOMPARE(lines.at(1), QStringLiteral("loadstar run: lb listening on 127.0.0.1:%1 (http, TLS, roundrobin) → web-01")
                                  .arg(port));
        QCOMPARE(lines.at(2), QStringLiteral("loadstar run: lb redirects HTTP on 127.0.0.1:%1 to HTTPS").arg(redirectPort));
        QCOMPARE(lines.at(3), QStringLiteral("loadstar run: lb: TLS with a self-signed certificate made for this run"));

        // HTTPS on the printed port, with the certificate made for lb.
        QSslSocket tls;
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);
        QSignalSpy encrypted(&tls, &QSslSocket::encrypted);
        tls.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
        QVERIFY(encrypted.wait(Timeout));
        QCOMPARE(tls.peerCertificate().subjectInfo(QSslCertificate::CommonName), QStringList{QStringLiteral("lb")});
        tls.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QByteArray answer;
        QVERIFY(QTest::qWaitFor([&] {
            answer += tls.readAll();
            return answer.contains("\r\n\r\nweb-01");
        }, Timeout));
        QVERIFY2(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer.constData());
        // Plain HTTP: sent to HTTPS from the redirect port, nothing from the TLS port.
        const Response redirect = fetch(redirectPort, "GET", "/shop");
        QCOMPARE(redirect.status, 301);
        QCOMPARE(fetch(port, "GET", "/").status, 0);

        m_process->terminate();
        QVERIFY(waitForExit());
        QCOMPARE(m_process->exitCode(), 0);
    }

    void runRefusesAnUnreadableCertificate()
    {
        const quint16 port = freePort();
        Topology t;
        const NodeId lb = t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb")));
        QCOMPARE(t.node(lb)->setProperty(QStringLiteral("port"), port), QString());
        QCOMPARE(t.node(lb)->setProperty(QStringLiteral("tls"), true), QString());
        const QString certificate = m_dir->filePath(QStringLiteral("nowhere.crt"));
        QCOMPARE(t.node(lb)->setProperty(QStringLiteral("tls_certificate"), certificate), QString());
        t.connect(lb, t.addNode(Node::make(NodeKind::WebServer, QStringLiteral("web-01"), {0, 200})));
        const QString path = m_dir->filePath(QStringLiteral("bad-tls.json"));
        QString error;
        QVERIFY(DocumentFile::write(t, path, &error));

        const Result r = loadstar({QStringLiteral("run"), path});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.out, QString());
        QCOMPARE(r.err, QStringLiteral("loadstar run: lb: can't read the TLS certificate %1: No such file or directory\n")
                            .arg(certificate));
    }

    void runQueuesRequestsBeyondAServersMaxconn()
    {
        Backend web1("web-01");
        QVERIFY(web1.listen());
        const quint16 port = freePort();
        QVERIFY(port != 0);
        Topology t;
        const NodeId lb = t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb")));
        QCOMPARE(t.node(lb)->setProperty(QStringLiteral("port"), port), QString());
        Node server = Node::make(NodeKind::WebServer, QStringLiteral("web-01"), {0, 200});
        QCOMPARE(server.setProperty(QStringLiteral("port"), web1.port()), QString());
        QCOMPARE(server.setProperty(QStringLiteral("embedded"), false), QString());
        QCOMPARE(server.setProperty(QStringLiteral("maxconn"), 1), QString());
        t.connect(lb, t.addNode(server));
        const QString path = m_dir->filePath(QStringLiteral("maxconn.json"));
        QString error;
        QVERIFY(DocumentFile::write(t, path, &error));
        QVERIFY2(startLoadstar({"run", path}), m_out.constData());

        // The first request holds web-01's only slot until it is answered;
        // the second waits in the queue for it (timeout_queue: 5 s).
        web1.hold();
        Client first, second;
        QVERIFY(first.connectTo(port) && second.connectTo(port));
        first.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(web1.requests(), 1, Timeout);
        second.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const bool dropped = QTest::qWaitFor([&second] { return !second.isConnected(); }, 500);
        web1.release();
        QVERIFY(!dropped);
        QCOMPARE(first.response().body, QByteArray("web-01"));
        QCOMPARE(second.response().body, QByteArray("web-01"));
        QCOMPARE(web1.requests(), 2);
    }

    void runSendsTheClientsTraffic()
    {
        Backend web1("web-01");
        QVERIFY(web1.listen());
        const quint16 port = freePort();
        QVERIFY(port != 0);
        Topology t;
        Node browser = Node::make(NodeKind::Client, QStringLiteral("browser"));
        QCOMPARE(browser.setProperty(QStringLiteral("rate"), 50), QString());
        QCOMPARE(browser.setProperty(QStringLiteral("concurrency"), 2), QString());
        QCOMPARE(browser.setProperty(QStringLiteral("path_mix"), QStringLiteral("/ 3, /api")), QString());
        const NodeId client = t.addNode(browser);
        const NodeId lb = t.addNode(Node::make(NodeKind::LoadBalancer, QStringLiteral("lb"), {0, 100}));
        QCOMPARE(t.node(lb)->setProperty(QStringLiteral("port"), port), QString());
        Node server = Node::make(NodeKind::WebServer, QStringLiteral("web-01"), {0, 200});
        QCOMPARE(server.setProperty(QStringLiteral("port"), web1.port()), QString());
        QCOMPARE(server.setProperty(QStringLiteral("embedded"), false), QString());
        t.connect(client, lb);
        t.connect(lb, t.addNode(server));
        const QString path = m_dir->filePath(QStringLiteral("traffic.json"));
        QString error;
        QVERIFY(DocumentFile::write(t, path, &error));

        QVERIFY2(startLoadstar({"run", path}), m_out.constData());
        QVERIFY2(outLines().contains(QStringLiteral("loadstar run: browser sends 50 requests/s to lb on up to 2 "
                                                    "connections (/ 3, /api 1)")),
                 m_out.constData());
        QTRY_VERIFY_WITH_TIMEOUT(web1.requests() >= 20, Timeout);
        m_process->terminate();
        QVERIFY(waitForExit());
        QCOMPARE(m_process->exitCode(), 0);
        static const QRegularExpression summary(QStringLiteral(
            "^loadstar run: stopped on SIGTERM after \\d+ connections?, (\\d+) HTTP requests?; "
            "the clients sent (\\d+) requests, 0 failed\\.$"));
        const QRegularExpressionMatch match = summary.match(outLines().last());
        QVERIFY2(match.hasMatch(), qPrintable(outLines().last()));
        const int proxied = match.captured(1).toInt();
        const int sent = match.captured(2).toInt();
        // The engine's count is taken while the clients still send.
        QVERIFY2(proxied >= 20 && proxied <= sent, qPrintable(outLines().last()));
        // The server got the clients' requests and nothing else of the traffic.
        QVERIFY2(web1.requests() >= 20 && web1.requests() <= sent, qPrintable(QString::number(web1.requests())));
    }

private:
    // The reference design on free ports, its client silent, its databases
    // checked every 200 ms and db-primary failing over by itself.
    QString writeReferenceOnFreePorts(QHash<QString, quint16> &ports)
    {
        Topology t = referenceDocument();
        for (const Node &drawn : t.nodes()) {
            Node *node = t.node(drawn.id);
            if (node->properties.contains(QStringLiteral("port"))) {
                ports.insert(node->name, freePort());
                node->setProperty(QStringLiteral("port"), ports.value(node->name));
            }
            if (node->kind == NodeKind::Client)
                node->setProperty(QStringLiteral("rate"), 0);
            if (node->kind == NodeKind::Database) {
                for (const char *key : {"inter", "fastinter", "downinter"})
                    node->setProperty(QLatin1String(key), 200);
            }
        }
        t.node(t.nodeByName(QStringLiteral("db-primary"))->id)->setProperty(QStringLiteral("auto_failover"), true);
        const QString path = m_dir->filePath(QStringLiteral("databases.json"));
        QString error;
        return DocumentFile::write(t, path, &error) ? path : QString();
    }

    enum Printed { ListenLine, StatsLine };

    // Starts `loadstar ARGUMENTS` in the background and waits until it serves
    // (its "Ctrl+C stops." line). False if it exited or said nothing in time.
    bool startLoadstar(const QStringList &arguments)
    {
        m_out.clear();
        m_process = std::make_unique<QProcess>();
        connect(m_process.get(), &QProcess::readyReadStandardOutput, this,
                [this] { m_out += m_process->readAllStandardOutput(); });
        m_process->start(QStringLiteral(LOADSTAR_BINARY), arguments);
        const auto serving = [this] { return m_out.contains("; Ctrl+C stops.\n"); };
        if (QTest::qWaitFor([&] { return serving() || m_process->state() == QProcess::NotRunning; }, Timeout)
            && serving())
            return true;
        m_out += m_process->readAllStandardError(); // for the failure message
        return false;
    }

    bool waitForExit()
    {
        if (!m_process->waitForFinished(Timeout))
            return false;
        m_out += m_process->readAllStandardOutput();
        return true;
    }

    QStringList outLines() const { return QString::fromUtf8(m_out).trimmed().split(QLatin1Char('\n')); }

    // The port loadstar printed it listens on (the first load balancer's), or
    // its stats listener's.
    quint16 printedPort(Printed which) const
    {
        static const QRegularExpression listen(QStringLiteral(" listening on 127\\.0\\.0\\.1:(\\d+) "));
        static const QRegularExpression stats(QStringLiteral(": stats on http://127\\.0\\.0\\.1:(\\d+)/stats;csv\n"));
        const auto match = (which == ListenLine ? listen : stats).match(QString::fromUtf8(m_out));
        return match.hasMatch() ? quint16(match.captured(1).toUInt()) : 0;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process; // a loadstar proxy or run in the background
    QByteArray m_out;                    // what it printed so far
};

QTEST_GUILESS_MAIN(CliTest)
#include "tst_cli.moc"
