#include "DatabaseServers.h"

#include "DatabaseServersCore.h"

namespace Loadstar::Engine {

using detail::DatabaseServersCore;

DatabaseServers::DatabaseServers()
    : DatabaseServers(Options{})
{
}

DatabaseServers::DatabaseServers(Options options)
    : m_core(std::make_unique<DatabaseServersCore>(std::move(options)))
{
}

DatabaseServers::~DatabaseServers()
{
    stop();
}

void DatabaseServers::start(const QList<DatabaseConfig> &databases)
{
    stop();
    m_core->thread.start();
    m_core->thread.run([&] { m_core->start(databases); });
}

void DatabaseServers::apply(const QList<DatabaseConfig> &databases)
{
    if (!m_core->thread.isRunning()) {
        start(databases);
        return;
    }
    m_core->thread.run([&] { m_core->apply(databases); });
}

void DatabaseServers::stop()
{
    if (!m_core->thread.isRunning())
        return;
    m_core->thread.run([&] { m_core->stop(); });
    m_core->thread.stop();
}

bool DatabaseServers::isRunning() const
{
    return m_core->isRunning();
}

QList<DatabaseServerStatus> DatabaseServers::status() const
{
    return m_core->status();
}

QString DatabaseServers::setFault(const QString &database, const DatabaseFault &fault)
{
    return m_core->thread.run([&] { return m_core->setFault(database, fault); });
}

DatabaseFault DatabaseServers::fault(const QString &database) const
{
    return m_core->fault(database);
}

QString DatabaseServers::promote(const QString &replica)
{
    return m_core->thread.run([&] { return m_core->promote(replica, false); });
}

void DatabaseServers::setHealth(const QString &database, bool up)
{
    m_core->setHealth(database, up);
}

void DatabaseServers::setRoutingHandler(std::function<void(const QList<ClusterRouting> &)> handler)
{
    m_core->setRoutingHandler(std::move(handler));
}

QList<ClusterRouting> DatabaseServers::routing() const
{
    return m_core->routing();
}

QList<DatabasePromotion> DatabaseServers::promotions() const
{
    return m_core->promotions();
}

QString DatabaseServers::missingProgram(const QString &engine)
{
    return missingProgram(engine, Options{});
}

QString DatabaseServers::missingProgram(const QString &engine, const Options &options)
{
    const std::shared_ptr<const detail::DatabaseEngine> program
        = DatabaseServersCore::makeEngine(engine, options);
    return program ? program->missingProgram() : QString();
}

} // namespace Loadstar::Engine
