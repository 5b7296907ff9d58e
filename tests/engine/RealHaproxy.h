#pragma once

#include <QList>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

namespace Loadstar::Test {

// A real HAProxy (Debian's /usr/sbin/haproxy) on loopback for the tests of
// watching one: a stats page at /stats (CSV at /stats;csv), HAProxy's
// Prometheus exporter at /metrics, an admin stats socket in a temporary
// folder, and one frontend per backend in front of the tests' own HTTP
// servers, checked every 200 ms so states change fast. Ports are picked
// free; the process runs in the foreground as a child and is killed when
// this object goes.
class RealHaproxy
{
public:
    struct Server
    {
        QString name;
        quint16 port = 0;
        bool backup = false;
    };
    struct Backend
    {
        QString name;
        QList<Server> servers;
    };

    RealHaproxy();
    ~RealHaproxy(); // kills it
    RealHaproxy(const RealHaproxy &) = delete;
    RealHaproxy &operator=(const RealHaproxy &) = delete;

    // Where Debian installs it; empty when it is not installed.
    static QString executable();

    void addBackend(const Backend &backend) { m_backends.append(backend); }
    // The stats page and /metrics then want this login (stats auth).
    void setStatsAuth(const QString &userColonPassword) { m_statsAuth = userColonPassword; }

    // Writes the configuration, starts HAProxy and waits (bounded) until its
    // stats page and socket answer. On failure *error says why.
    bool start(QString *error);
    // Kills it at once (SIGKILL), as a crash would.
    void kill();
    bool isRunning() const { return m_process.state() == QProcess::Running; }

    quint16 statsPort() const { return m_statsPort; }
    quint16 frontendPort(const QString &backend) const;
    QString socketPath() const { return m_dir.filePath(QStringLiteral("admin.sock")); }
    QString csvUrl() const { return QStringLiteral("http://127.0.0.1:%1/stats;csv").arg(m_statsPort); }
    QString metricsUrl() const { return QStringLiteral("http://127.0.0.1:%1/metrics").arg(m_statsPort); }
    QString pageUrl() const { return QStringLiteral("http://127.0.0.1:%1/stats").arg(m_statsPort); }
    QString configuration() const;
    QString output() const { return m_output; }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    QList<Backend> m_backends;
    QList<quint16> m_frontendPorts; // one per backend
    quint16 m_statsPort = 0;
    QString m_statsAuth;
    QString m_output;
};

} // namespace Loadstar::Test
