#include "DatabaseServers.h"

#include <mutex>

namespace Loadstar::Engine {

namespace detail {

// The skeleton every part builds against until the servers run for real:
// each demo database is listed, none is started.
class DatabaseServersCore
{
public:
    DatabaseServers::Options options;
    mutable std::mutex mutex;
    QList<DatabaseServerStatus> status;
    bool running = false;
};

} // namespace detail

DatabaseServers::DatabaseServers()
    : DatabaseServers(Options{})
{}

DatabaseServers::DatabaseServers(Options options)
    : m_core(std::make_unique<detail::DatabaseServersCore>())
{
    m_core->options = std::move(options);
}

DatabaseServers::~DatabaseServers()
{
    stop();
}

void DatabaseServers::start(const QList<DatabaseConfig> &databases)
{
    std::lock_guard lock(m_core->mutex);
    m_core->status.clear();
    for (const DatabaseConfig &database : databases) {
        DatabaseServerStatus status;
        status.name = database.name;
        status.engine = database.engine;
        status.address = database.address;
        status.port = database.port;
        status.state = DatabaseServerStatus::State::Failed;
        m_core->status.append(status);
    }
    m_core->running = true;
}

void DatabaseServers::apply(const QList<DatabaseConfig> &databases)
{
    start(databases);
}

void DatabaseServers::stop()
{
    std::lock_guard lock(m_core->mutex);
    m_core->status.clear();
    m_core->running = false;
}

bool DatabaseServers::isRunning() const
{
    std::lock_guard lock(m_core->mutex);
    return m_core->running;
}

QList<DatabaseServerStatus> DatabaseServers::status() const
{
    std::lock_guard lock(m_core->mutex);
    return m_core->status;
}

QString DatabaseServers::setFault(const QString &database, const DatabaseFault &)
{
    return QStringLiteral("%1 is not a demo database Loadstar runs.").arg(database);
}

DatabaseFault DatabaseServers::fault(const QString &) const
{
    return {};
}

QString DatabaseServers::promote(const QString &replica)
{
    return QStringLiteral("%1 is not a demo database Loadstar runs.").arg(replica);
}

void DatabaseServers::setHealth(const QString &, bool) {}

void DatabaseServers::setRoutingHandler(std::function<void(const QList<ClusterRouting> &)>) {}

QList<ClusterRouting> DatabaseServers::routing() const
{
    return {};
}

QList<DatabasePromotion> DatabaseServers::promotions() const
{
    return {};
}

QString DatabaseServers::missingProgram(const QString &engine)
{
    return missingProgram(engine, Options{});
}

QString DatabaseServers::missingProgram(const QString &, const Options &)
{
    return {};
}

} // namespace Loadstar::Engine
