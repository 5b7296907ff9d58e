// How much of one core Loadstar's health monitor needs for 1,000 servers
// checked every second (goal: at most 10 %), against HAProxy checking the
// same 1,000 servers with the same timings in the same run (`check inter 1s`,
// one thread; `option httpchk GET /` for HTTP). The servers run in a child
// process (this program with --serve), so only the checker's own CPU is
// counted; the check rate is the connections opened per second. Rounds alternate Loadstar and
// HAProxy; medians and the ratio are printed, no pass/fail. Loopback only;
// a run takes about 2 × 2 × ROUNDS × (SECONDS + 2) seconds.
//
//   probe_benchmark [TARGETS (1000)] [SECONDS (10)] [ROUNDS (3)]
//
// Without haproxy on the machine (apt-get install haproxy) only Loadstar's
// rows are printed.
//
// On loopback the kernel's work for both ends of a connection is largely
// charged to the process that sends, so a checker's CPU includes part of the
// servers' TCP handshakes; the ratio is what compares.

#include "engine/health/HealthMonitor.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstdio>

#include <sys/resource.h>
#include <unistd.h>

using namespace Loadstar::Health;

namespace {

constexpr int WarmUpMs = 2000; // every server checked once or twice: steady state

double ownCpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// utime + stime of another process, from /proc/PID/stat; -1 when unreadable.
double processCpuSeconds(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = file.readAll();
    // The command name may hold spaces: the fields start after its ')'.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    // Fields 14 and 15 of the file (utime, stime) are 11 and 12 after ')'.
    return double(fields.at(11).toLongLong() + fields.at(12).toLongLong()) / double(sysconf(_SC_CLK_TCK));
}

void sleepInEventLoop(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// The child: `count` listeners; tcp closes each connection, http answers
// 200. Prints the ports on one line.
int serve(int count, bool http)
{
    QStringList ports;
    for (int i = 0; i < count; ++i) {
        auto *server = new QTcpServer;
        if (!server->listen(QHostAddress::LocalHost, 0))
            return 1;
        QObject::connect(server, &QTcpServer::newConnection, server, [server, http] {
            while (QTcpSocket *socket = server->nextPendingConnection()) {
                QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
                if (!http) {
                    socket->disconnectFromHost();
                    continue;
                }
                QObject::connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                    if (socket->peek(4096).contains("\r\n\r\n")) {
                        socket->readAll();
                        socket->write("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
                        socket->disconnectFromHost();
                    }
                });
            }
        });
        ports << QString::number(server->serverPort());
    }
    std::printf("%s\n", qPrintable(ports.join(QLatin1Char(' '))));
    std::fflush(stdout);
    return QCoreApplication::exec();
}

// Connections this network namespace has opened so far (Tcp: ActiveOpens in
// /proc/net/snmp): each check opens one. HAProxy's TCP check resets the
// connection before the server can accept() it, so the servers could not
// count those. -1 when unreadable.
qint64 activeOpens()
{
    QFile file(QStringLiteral("/proc/net/snmp"));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    QList<QByteArray> names;
    // readAll(): a /proc file has no size, so atEnd() cannot be trusted.
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.value(0) != "Tcp:")
            continue;
        if (names.isEmpty()) {
            names = fields;
            continue;
        }
        const qsizetype column = names.indexOf("ActiveOpens");
        return column > 0 ? fields.value(column).toLongLong() : -1;
    }
    return -1;
}

// The servers' child process.
class Servers
{
public:
    bool start(const QString &type, int count)
    {
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(QCoreApplication::applicationFilePath(),
                        {QStringLiteral("--serve"), QString::number(count), type});
        QElapsedTimer waited;
        waited.start();
        while (!m_process.canReadLine() && waited.elapsed() < 30000)
            m_process.waitForReadyRead(1000);
        if (!m_process.canReadLine())
            return false;
        m_ports = QString::fromLatin1(m_process.readLine()).split(QLatin1Char(' '), Qt::SkipEmptyParts);
        return m_ports.size() == count;
    }
    ~Servers()
    {
        m_process.kill();
        m_process.waitForFinished();
    }
    const QStringList &ports() const { return m_ports; }

private:
    QProcess m_process;
    QStringList m_ports;
};

struct Figures
{
    double checksPerSecond = 0;
    double cpuShare = -1; // of one core; -1: not measured
};

// Measures `seconds` of steady state: connections opened per second (the
// checks), and the checker's CPU from `cpu`.
template<typename Cpu>
Figures measure(int seconds, Cpu cpu)
{
    sleepInEventLoop(WarmUpMs);
    const qint64 opens0 = activeOpens();
    const double cpu0 = cpu();
    QElapsedTimer wall;
    wall.start();
    sleepInEventLoop(seconds * 1000);
    const double used = cpu() - cpu0;
    const qint64 opens = activeOpens() - opens0;
    const double elapsed = double(wall.elapsed()) / 1000.0;
    Figures figures;
    if (opens0 >= 0)
        figures.checksPerSecond = double(opens) / elapsed;
    if (cpu0 >= 0 && used >= 0)
        figures.cpuShare = used / elapsed;
    return figures;
}

Figures runLoadstar(const QString &type, int count, int seconds)
{
    Servers servers;
    if (!servers.start(type, count))
        return {};
    QList<MonitoredServer> monitored;
    for (qsizetype i = 0; i < servers.ports().size(); ++i) {
        MonitoredServer server;
        server.frontend = QStringLiteral("lb");
        server.target.name = QStringLiteral("web-%1").arg(i);
        server.target.address = QStringLiteral("127.0.0.1");
        server.target.port = quint16(servers.ports().at(i).toUInt());
        server.target.check.type = type;
        server.target.check.inter = 1000;
        server.target.check.fastinter = 1000;
        server.target.check.downinter = 1000;
        monitored << server;
    }
    HealthMonitor monitor;
    monitor.setServers(monitored);
    monitor.start();
    const Figures figures = measure(seconds, ownCpuSeconds);
    monitor.stop();
    return figures;
}

Figures runHaproxy(const QString &haproxy, const QString &type, int count, int seconds)
{
    Servers servers;
    QTemporaryDir dir;
    if (!servers.start(type, count) || !dir.isValid())
        return {};
    // HAProxy wants a listener; nothing connects to it.
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return {};
    const QByteArray listenPort = QByteArray::number(probe.serverPort());
    probe.close();
    QByteArray config = "global\n    nbthread 1\n    maxconn 8192\n"
                        "defaults\n    mode http\n    timeout connect 2s\n    timeout client 50s\n"
                        "    timeout server 50s\n    timeout check 1s\n"
                        "frontend idle\n    bind 127.0.0.1:" + listenPort + "\n    default_backend servers\n"
                        "backend servers\n    default-server check inter 1s\n";
    if (type == QLatin1String("http"))
        config += "    option httpchk GET /\n";
    for (qsizetype i = 0; i < servers.ports().size(); ++i)
        config += "    server web-" + QByteArray::number(i) + " 127.0.0.1:" + servers.ports().at(i).toLatin1() + "\n";
    QFile file(dir.filePath(QStringLiteral("haproxy.cfg")));
    if (!file.open(QIODevice::WriteOnly) || file.write(config) != config.size())
        return {};
    file.close();
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.setStandardOutputFile(QProcess::nullDevice());
    process.start(haproxy, {QStringLiteral("-db"), QStringLiteral("-f"), file.fileName()});
    if (!process.waitForStarted())
        return {};
    const qint64 pid = process.processId();
    const Figures figures = measure(seconds, [pid] { return processCpuSeconds(pid); });
    process.terminate();
    if (!process.waitForFinished(5000))
        process.kill();
    return figures;
}

double median(QList<double> values)
{
    if (values.isEmpty())
        return -1;
    std::sort(values.begin(), values.end());
    const qsizetype n = values.size();
    return n % 2 ? values.at(n / 2) : (values.at(n / 2 - 1) + values.at(n / 2)) / 2;
}

QString percent(double share)
{
    return share < 0 ? QStringLiteral("n/a") : QString::number(100.0 * share, 'f', 1) + QStringLiteral(" %");
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.value(1) == QLatin1String("--serve"))
        return serve(args.value(2).toInt(), args.value(3) == QLatin1String("http"));

    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);

    const int count = args.size() > 1 ? args.at(1).toInt() : 1000;
    const int seconds = args.size() > 2 ? args.at(2).toInt() : 10;
    const int rounds = args.size() > 3 ? args.at(3).toInt() : 3;
    if (count < 1 || seconds < 1 || rounds < 1) {
        std::fprintf(stderr, "usage: probe_benchmark [TARGETS] [SECONDS] [ROUNDS]\n");
        return 2;
    }
    const QString haproxy = QStandardPaths::findExecutable(QStringLiteral("haproxy"), {QStringLiteral("/usr/sbin"),
                                                                                        QStringLiteral("/usr/local/sbin")});
    if (haproxy.isEmpty())
        std::printf("haproxy not found (apt-get install haproxy): Loadstar's rows only\n");

    std::printf("%d targets, inter 1000 ms, %d s per run after %d ms of warm-up, %d rounds\n", count, seconds,
                WarmUpMs, rounds);
    std::printf("%-4s %-9s %5s %12s %10s\n", "type", "checker", "round", "checks/s", "CPU");
    std::fflush(stdout);
    for (const QString &type : {QStringLiteral("tcp"), QStringLiteral("http")}) {
        QList<double> ours, theirs, ourRate, theirRate;
        for (int round = 1; round <= rounds; ++round) {
            const Figures loadstar = runLoadstar(type, count, seconds);
            std::printf("%-4s %-9s %5d %12.0f %10s\n", qPrintable(type), "loadstar", round, loadstar.checksPerSecond,
                        qPrintable(percent(loadstar.cpuShare)));
            std::fflush(stdout);
            ours << loadstar.cpuShare;
            ourRate << loadstar.checksPerSecond;
            if (haproxy.isEmpty())
                continue;
            const Figures anchor = runHaproxy(haproxy, type, count, seconds);
            std::printf("%-4s %-9s %5d %12.0f %10s\n", qPrintable(type), "haproxy", round, anchor.checksPerSecond,
                        qPrintable(percent(anchor.cpuShare)));
            std::fflush(stdout);
            theirs << anchor.cpuShare;
            theirRate << anchor.checksPerSecond;
        }
        const double our = median(ours);
        std::printf("%-4s median: Loadstar %s of one core at %.0f checks/s (goal <= 10 %%: %s)", qPrintable(type),
                    qPrintable(percent(our)), median(ourRate), our >= 0 && our <= 0.10 ? "met" : "missed");
        if (!theirs.isEmpty()) {
            const double their = median(theirs);
            std::printf("; HAProxy %s at %.0f checks/s; Loadstar/HAProxy %.2fx", qPrintable(percent(their)),
                        median(theirRate), their > 0 ? our / their : 0.0);
        }
        std::printf("\n");
        std::fflush(stdout);
    }
    return 0;
}
