#include "RealHaproxy.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QLocalSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

namespace Loadstar::Test {

namespace {

// A port nothing listens on now; HAProxy binds it a moment later.
quint16 freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

bool answers(quint16 port, const QString &socketPath)
{
    QTcpSocket tcp;
    tcp.connectToHost(QHostAddress::LocalHost, port);
    if (!tcp.waitForConnected(200))
        return false;
    QLocalSocket local;
    local.connectToServer(socketPath);
    return local.waitForConnected(200);
}

} // namespace

RealHaproxy::RealHaproxy()
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

RealHaproxy::~RealHaproxy()
{
    kill();
}

QString RealHaproxy::executable()
{
    const QString path = QStringLiteral("/usr/sbin/haproxy");
    return QFileInfo(path).isExecutable() ? path : QString();
}

quint16 RealHaproxy::frontendPort(const QString &backend) const
{
    for (int i = 0; i < m_backends.size(); ++i) {
        if (m_backends.at(i).name == backend)
            return m_frontendPorts.value(i);
    }
    return 0;
}

QString RealHaproxy::configuration() const
{
    QString text = QStringLiteral("global\n"
                                  "    stats socket %1 level admin\n"
                                  "defaults\n"
                                  "    mode http\n"
                                  "    timeout connect 1s\n"
                                  "    timeout client 10s\n"
                                  "    timeout server 10s\n"
                                  "frontend stats\n"
                                  "    bind 127.0.0.1:%2\n"
                                  "    stats enable\n"
                                  "    stats uri /stats\n")
                       .arg(socketPath())
                       .arg(m_statsPort);
    // The login comes first, so /metrics wants it too.
    if (!m_statsAuth.isEmpty())
        text += QStringLiteral("    http-request auth unless { http_auth(logins) }\n");
    text += QStringLiteral("    http-request use-service prometheus-exporter if { path /metrics }\n");
    if (!m_statsAuth.isEmpty()) {
        text += QStringLiteral("userlist logins\n"
                               "    user %1 insecure-password %2\n")
                    .arg(m_statsAuth.section(QLatin1Char(':'), 0, 0), m_statsAuth.section(QLatin1Char(':'), 1));
    }
    for (int i = 0; i < m_backends.size(); ++i) {
        const Backend &backend = m_backends.at(i);
        text += QStringLiteral("frontend fe-%1\n    bind 127.0.0.1:%2\n    default_backend %1\n")
                    .arg(backend.name)
                    .arg(m_frontendPorts.value(i));
        text += QStringLiteral("backend %1\n"
                               "    option httpchk GET /\n"
                               "    default-server inter 200ms fastinter 200ms downinter 200ms rise 2 fall 2\n")
                    .arg(backend.name);
        for (const Server &server : backend.servers) {
            text += QStringLiteral("    server %1 127.0.0.1:%2 check%3\n")
                        .arg(server.name)
                        .arg(server.port)
                        .arg(server.backup ? QStringLiteral(" backup") : QString());
        }
    }
    return text;
}

bool RealHaproxy::start(QString *error)
{
    if (executable().isEmpty()) {
        *error = QStringLiteral("HAProxy is not installed at /usr/sbin/haproxy");
        return false;
    }
    // Ports are kept across a restart, as a restarted HAProxy keeps its own.
    if (m_statsPort == 0) {
        m_statsPort = freePort();
        for (int i = 0; i < m_backends.size(); ++i)
            m_frontendPorts.append(freePort());
    }
    QFile config(m_dir.filePath(QStringLiteral("haproxy.cfg")));
    if (!config.open(QIODevice::WriteOnly | QIODevice::Truncate) || config.write(configuration().toUtf8()) < 0) {
        *error = QStringLiteral("could not write %1").arg(config.fileName());
        return false;
    }
    config.close();
    QFile::remove(socketPath());
    m_process.start(executable(), {QStringLiteral("-db"), QStringLiteral("-f"), config.fileName()});
    if (!m_process.waitForStarted(5000)) {
        *error = QStringLiteral("HAProxy did not start: %1").arg(m_process.errorString());
        return false;
    }
    const QDeadlineTimer deadline(10000);
    while (!answers(m_statsPort, socketPath())) {
        if (m_process.state() != QProcess::Running || deadline.hasExpired()) {
            m_output = QString::fromUtf8(m_process.readAll());
            *error = QStringLiteral("HAProxy did not come up: %1").arg(m_output);
            kill();
            return false;
        }
        QThread::msleep(20);
    }
    return true;
}

void RealHaproxy::kill()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.kill();
    m_process.waitForFinished(5000);
    m_output += QString::fromUtf8(m_process.readAll());
}

} // namespace Loadstar::Test
