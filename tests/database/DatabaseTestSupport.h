#pragma once

#include "../engine/FreePorts.h"

// What the demo database tests share: free loopback ports, drawn
// databases, and an application's connection made with the credentials
// the routing hands out (as the demo backends use them).

#include "engine/EngineConfig.h"
#include "engine/database/DatabaseServers.h"
#include "engine/database/DemoSchema.h"
#include "engine/database/MariaDbClient.h"
#include "engine/database/PostgresClient.h"
#include "engine/database/ServerProcess.h"

#include <QDir>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <optional>
#include <vector>

namespace Loadstar::Test {

using Engine::DatabaseConfig;
using Engine::DatabaseEndpoint;
using Engine::DatabaseServers;
using Engine::DatabaseServerStatus;

inline DatabaseConfig database(const QString &name, quint16 port,
                               const QString &engine = QStringLiteral("mariadb"),
                               const QString &source = QString())
{
    DatabaseConfig config;
    config.name = name;
    config.engine = engine;
    config.address = QStringLiteral("127.0.0.1");
    config.port = port;
    config.embedded = true;
    config.role = source.isEmpty() ? QStringLiteral("primary") : QStringLiteral("replica");
    config.source = source;
    return config;
}

// The templates live in the test-mode cache, shared by every test (and
// every run of the tests): only the first pays for making them.
inline QString templateCache()
{
    return QStandardPaths::writableLocation(QStandardPaths::CacheLocation)
           + QStringLiteral("/databases");
}

inline DatabaseServers::Options testOptions()
{
    DatabaseServers::Options options;
    options.cacheDirectory = templateCache();
    options.statusIntervalMs = 100;
    return options;
}

inline std::optional<DatabaseServerStatus> statusOf(const DatabaseServers &servers,
                                                    const QString &name)
{
    for (const DatabaseServerStatus &status : servers.status()) {
        if (status.name == name)
            return status;
    }
    return std::nullopt;
}

inline DatabaseServerStatus::State stateOf(const DatabaseServers &servers, const QString &name)
{
    const auto status = statusOf(servers, name);
    return status ? status->state : DatabaseServerStatus::State::Failed;
}

// How an application reaches `name`: where it listens, with the
// credentials the routing hands out for its engine (one template per
// engine, so the same on every server of a run).
inline std::optional<DatabaseEndpoint> endpointOf(const DatabaseServers &servers,
                                                  const QString &name)
{
    const auto status = statusOf(servers, name);
    if (!status)
        return std::nullopt;
    for (const Engine::ClusterRouting &cluster : servers.routing()) {
        QList<DatabaseEndpoint> endpoints = cluster.replicas;
        if (cluster.primary)
            endpoints.prepend(*cluster.primary);
        for (DatabaseEndpoint endpoint : std::as_const(endpoints)) {
            if (endpoint.engine == status->engine) {
                endpoint.name = name;
                endpoint.address = status->address;
                endpoint.port = status->port;
                return endpoint;
            }
        }
    }
    return std::nullopt;
}

inline QString primaryOf(const DatabaseServers &servers, const QString &cluster)
{
    for (const Engine::ClusterRouting &routing : servers.routing()) {
        if (routing.cluster == cluster && routing.primary)
            return routing.primary->name;
    }
    return {};
}

const QString Primary = QStringLiteral("db-primary");
const QString Replica = QStringLiteral("db-replica");

// The reference design's cluster: a primary and its replica.
inline QList<DatabaseConfig> pair(const QString &engine, const QList<quint16> &ports)
{
    return {database(Primary, ports.at(0), engine),
            database(Replica, ports.at(1), engine, Primary)};
}

// A data-driven test's rows: once per engine.
inline void engineRows()
{
    QTest::addColumn<QString>("engine");
    QTest::newRow("mariadb") << QStringLiteral("mariadb");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

inline bool running(const DatabaseServers &servers, const QString &name)
{
    return stateOf(servers, name) == DatabaseServerStatus::State::Running;
}

inline bool replicating(const DatabaseServers &servers, const QString &name)
{
    const auto status = statusOf(servers, name);
    return status && status->state == DatabaseServerStatus::State::Running && status->replicating
           && status->lagSeconds >= 0;
}

inline QString describe(const DatabaseServers &servers)
{
    QStringList lines;
    for (const DatabaseServerStatus &status : servers.status()) {
        lines << QStringLiteral(
                     "%1: state %2, role %3, replicating %4, lag %5, error “%6”, message “%7”")
                     .arg(status.name)
                     .arg(int(status.state))
                     .arg(status.role)
                     .arg(status.replicating)
                     .arg(status.lagSeconds)
                     .arg(status.replicationError, status.message);
    }
    return lines.join(QLatin1Char('\n'));
}

// Starts `databases`; false, with every server's state in the log, unless
// each runs and each replica replicates.
inline bool startReplicating(DatabaseServers &servers, const QList<DatabaseConfig> &databases)
{
    servers.start(databases);
    for (const DatabaseConfig &config : databases) {
        if (!running(servers, config.name)
            || (!config.source.isEmpty() && !replicating(servers, config.name))) {
            qWarning("%s", qPrintable(describe(servers)));
            return false;
        }
    }
    return true;
}

// An application's connection to one server, as loadstar_app over TCP.
class AppConnection
{
public:
    AppConnection(const DatabaseEndpoint &endpoint, quint16 port = 0)
        : m_endpoint(endpoint)
    {
        if (port != 0)
            m_endpoint.port = port;
    }

    bool open(QString *error)
    {
        if (m_endpoint.engine == QLatin1String("postgresql")) {
            return m_pg.open(m_endpoint.address, m_endpoint.port, m_endpoint.user,
                             m_endpoint.password, m_endpoint.database, 5000, error);
        }
        const Engine::detail::MariaDbClient::Target target{{},
                                                           m_endpoint.address,
                                                           m_endpoint.port,
                                                           m_endpoint.user,
                                                           m_endpoint.password,
                                                           m_endpoint.database};
        return m_maria.open(target, 5000, error);
    }

    // "" once the row is written, else the server's refusal.
    QString insert(quint64 id)
    {
        QString error;
        if (!isOpen() && !open(&error))
            return error;
        const QString sql = Engine::DemoSchema::insertStatement(
            id, QStringLiteral("test"), QStringLiteral("/"), QStringLiteral("tst"));
        const bool done = m_endpoint.engine == QLatin1String("postgresql")
                              ? m_pg.exec(sql, &error, 5000)
                              : m_maria.exec(sql, &error, 5000);
        return done ? QString() : (error.isEmpty() ? QStringLiteral("refused") : error);
    }

    // Whether the row is there; nullopt when the server can't be asked.
    std::optional<bool> has(quint64 id)
    {
        QString error;
        if (!isOpen() && !open(&error))
            return std::nullopt;
        const QString sql = QStringLiteral("SELECT id FROM visits WHERE id = %1").arg(id);
        const std::optional<QString> found = m_endpoint.engine == QLatin1String("postgresql")
                                                 ? m_pg.value(sql, &error, 5000)
                                                 : m_maria.value(sql, &error, 5000);
        if (!found)
            return std::nullopt;
        return !found->isEmpty();
    }

    bool isOpen() const
    {
        return m_endpoint.engine == QLatin1String("postgresql") ? m_pg.isOpen() : m_maria.isOpen();
    }

private:
    DatabaseEndpoint m_endpoint;
    Engine::detail::MariaDbClient m_maria;
    Engine::detail::PostgresClient m_pg;
};

// Whether a row arrived: a fresh connection each time (a replica that was
// killed comes back on a new process).
inline bool hasRow(const DatabaseEndpoint &endpoint, quint64 id)
{
    AppConnection connection(endpoint);
    return connection.has(id).value_or(false);
}

inline bool refused(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return !socket.waitForConnected(2000);
}

// Gone, or a zombie (reparented, not reaped yet) that runs nothing.
inline bool processGone(qint64 pid)
{
    const char state = Engine::detail::ServerProcess::stateOf(pid);
    return state == 0 || state == 'Z';
}

} // namespace Loadstar::Test
