// How much of one core the health monitor needs for 1,000 servers checked
// every second (goal: at most 10 %). The servers run in a child process (this
// program with --serve), so only the monitor's side is counted; the main
// thread only waits. Prints figures; no pass/fail.
//
//   probe_benchmark [targets] [seconds]

#include "engine/health/HealthMonitor.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <atomic>
#include <cstdio>

#include <sys/resource.h>

using namespace Loadstar::Health;

namespace {

double cpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

void sleepInEventLoop(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// The child: `count` listeners; tcp closes each connection, http answers 200.
int serve(int count, bool http)
{
    QList<QTcpServer *> servers;
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
        servers << server;
        ports << QString::number(server->serverPort());
    }
    std::printf("%s\n", qPrintable(ports.join(QLatin1Char(' '))));
    std::fflush(stdout);
    return QCoreApplication::exec();
}

void run(const QString &type, int count, int seconds)
{
    QProcess servers;
    servers.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    servers.start(QCoreApplication::applicationFilePath(),
                  {QStringLiteral("--serve"), QString::number(count), type});
    if (!servers.waitForReadyRead(30000)) {
        std::printf("%s: the server process did not start\n", qPrintable(type));
        return;
    }
    while (!servers.canReadLine())
        servers.waitForReadyRead(1000);
    const QStringList ports = QString::fromLatin1(servers.readLine()).split(QLatin1Char(' '), Qt::SkipEmptyParts);

    QList<MonitoredServer> monitored;
    for (qsizetype i = 0; i < ports.size(); ++i) {
        MonitoredServer server;
        server.frontend = QStringLiteral("lb");
        server.target.name = QStringLiteral("web-%1").arg(i);
        server.target.address = QStringLiteral("127.0.0.1");
        server.target.port = quint16(ports.at(i).toUInt());
        server.target.check.type = type;
        server.target.check.inter = 1000;
        server.target.check.fastinter = 1000;
        server.target.check.downinter = 1000;
        monitored << server;
    }

    std::atomic<qint64> checks{0};
    std::atomic<qint64> passed{0};
    HealthMonitor monitor;
    // Direct: counted on the monitor's thread, no queue to the main thread.
    QObject::connect(&monitor, &HealthMonitor::checked, &monitor,
                     [&](const QString &, const QString &, const CheckResult &result, const HealthStatus &) {
                         ++checks;
                         if (result.passed())
                             ++passed;
                     }, Qt::DirectConnection);
    monitor.setServers(monitored);
    monitor.start();
    sleepInEventLoop(2000); // every server checked once or twice: steady state

    const qint64 checks0 = checks;
    const qint64 passed0 = passed;
    const double cpu0 = cpuSeconds();
    QElapsedTimer wall;
    wall.start();
    sleepInEventLoop(seconds * 1000);
    const double cpu = cpuSeconds() - cpu0;
    const double elapsed = double(wall.elapsed()) / 1000.0;
    const qint64 done = checks - checks0;
    monitor.stop();
    servers.kill();
    servers.waitForFinished();

    std::printf("%-4s %d targets, inter 1000 ms, %.1f s: %.0f checks/s (%.1f %% passed), "
                "monitor CPU %.1f %% of one core (%.1f µs per check)\n",
                qPrintable(type), int(ports.size()), elapsed, double(done) / elapsed,
                done ? 100.0 * double(passed - passed0) / double(done) : 0.0, 100.0 * cpu / elapsed,
                done ? 1e6 * cpu / double(done) : 0.0);
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
    run(QStringLiteral("tcp"), count, seconds);
    run(QStringLiteral("http"), count, seconds);
    return 0;
}
