// Starting demo databases: the part of DatabaseServersCore that checks a
// database can run, plans its server, copies its template and forks it,
// then links replicas to their sources and waits until they replicate.

#include "DatabaseServersCore.h"

#include "DemoSchema.h"

#include <QDeadlineTimer>
#include <QHostAddress>

#include <cstring>
#include <deque>
#include <future>
#include <map>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Loadstar::Engine::detail {

namespace {

using State = DatabaseServerStatus::State;

// start(): how long a replica may show an error before it counts (a
// PostgreSQL standby started before its primary fails until it connects).
const int ReplicationPatienceMs = 3000;

QString listenAddress(const QString &address)
{
    if (address.isEmpty() || address == QLatin1String("localhost"))
        return QStringLiteral("127.0.0.1");
    return address;
}

bool isLoopback(const QString &address)
{
    const QHostAddress parsed(listenAddress(address));
    return !parsed.isNull() && parsed.isLoopback();
}

// Binds address:port as the server would (SO_REUSEADDR): 0 when it is
// taken; for port 0, a free port the system picked.
quint16 bindable(const QString &address, quint16 port)
{
    const QHostAddress host(address);
    const bool v6 = host.protocol() == QAbstractSocket::IPv6Protocol;
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_storage storage{};
    socklen_t length;
    if (v6) {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        const Q_IPV6ADDR bytes = host.toIPv6Address();
        std::memcpy(&in6->sin6_addr, &bytes, sizeof bytes);
        length = sizeof *in6;
    } else {
        auto *in4 = reinterpret_cast<sockaddr_in *>(&storage);
        in4->sin_family = AF_INET;
        in4->sin_port = htons(port);
        in4->sin_addr.s_addr = htonl(host.toIPv4Address());
        length = sizeof *in4;
    }
    quint16 bound = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&storage), length) == 0
        && ::getsockname(fd, reinterpret_cast<sockaddr *>(&storage), &length) == 0) {
        bound = ntohs(v6 ? reinterpret_cast<sockaddr_in6 *>(&storage)->sin6_port
                         : reinterpret_cast<sockaddr_in *>(&storage)->sin_port);
    }
    ::close(fd);
    return bound;
}

// The servers whose data directory is ready, handed from the copying
// threads to the servers' thread (which forks them) in the order they come.
struct Copies
{
    void done(const DemoDatabasePtr &server, const QString &error)
    {
        {
            std::lock_guard lock(mutex);
            ready.emplace_back(server, error);
        }
        arrived.notify_one();
    }
    // The next one; a null server once all came.
    std::pair<DemoDatabasePtr, QString> next()
    {
        std::unique_lock lock(mutex);
        if (remaining == 0)
            return {};
        arrived.wait(lock, [this] { return !ready.empty(); });
        --remaining;
        std::pair<DemoDatabasePtr, QString> first = ready.front();
        ready.pop_front();
        return first;
    }

    std::mutex mutex;
    std::condition_variable arrived;
    std::deque<std::pair<DemoDatabasePtr, QString>> ready;
    int remaining = 0;
};

QString copyTemplate(const DemoDatabase &server, const QString &from)
{
    const ServerPlan plan = server.plan();
    const DatabaseEngine *program = server.engine();
    QString error;
    if (DatabaseTemplates::makeDirectory(plan.directory, 0700, program->runAs(), &error))
        error = DatabaseTemplates::copy(from, plan.dataDirectory, program->runAs());
    return error.isEmpty() ? program->prepare(plan) : error;
}

} // namespace

ServerPlan DatabaseServersCore::planLocked(const DatabaseConfig &config, int serverId,
                                           quint16 port) const
{
    ServerPlan plan;
    plan.config = config;
    plan.address = listenAddress(config.address);
    plan.port = port;
    plan.serverId = serverId;
    plan.directory = m_run.path() + QLatin1Char('/') + RunDirectory::folderName(config.name);
    plan.dataDirectory = plan.directory + QStringLiteral("/data");
    plan.logFile = plan.directory
                   + (config.engine == QLatin1String("mariadb") ? QStringLiteral("/error.log")
                                                                : QStringLiteral("/server.log"));
    return plan;
}

ServerPlan DatabaseServersCore::currentPlan(const DemoDatabase &server) const
{
    std::lock_guard lock(m_mutex);
    ServerPlan plan = server.plan();
    const QString name = plan.config.name;
    const bool fenced = m_cluster.isFenced(name);
    const QString source = m_cluster.source(name);
    // A replica replicates from somewhere; a promoted one no more.
    plan.readOnly = fenced || !source.isEmpty();
    plan.source.reset();
    const DatabaseConfig *from = m_cluster.config(source);
    if (!fenced && from && from->embedded && from->engine == plan.config.engine) {
        const DemoDatabasePtr running = serverLocked(source);
        plan.source
            = ReplicationSource{source, listenAddress(from->address),
                                running && running->isDemo() ? running->plan().port : from->port};
    }
    const QString cluster = m_cluster.clusterOf(name);
    plan.semiSync = m_cluster.replication(cluster) == QLatin1String("semi-sync");
    plan.syncStandbys.clear();
    for (const QString &member : m_cluster.members(cluster)) {
        const DatabaseConfig *replica = m_cluster.config(member);
        if (m_cluster.source(member) == name && !m_cluster.isFenced(member) && replica
            && replica->embedded && replica->engine == plan.config.engine) {
            plan.syncStandbys << member;
        }
    }
    const auto secrets = m_templates.constFind(plan.config.engine);
    if (secrets != m_templates.constEnd())
        plan.secrets = secrets->secrets;
    return plan;
}

DemoDatabasePtr DatabaseServersCore::create(const DatabaseConfig &config, QSet<QString> *ports)
{
    if (!config.embedded)
        return std::make_shared<DemoDatabase>(config, QString());
    if (config.engine != QLatin1String("mariadb") && config.engine != QLatin1String("postgresql")) {
        return std::make_shared<DemoDatabase>(
            config, QStringLiteral("Loadstar runs demo databases for MariaDB and PostgreSQL only: "
                                   "%1 (%2) is only checked.")
                        .arg(config.name, config.engine));
    }
    if (!isLoopback(config.address)) {
        return std::make_shared<DemoDatabase>(
            config, QStringLiteral("Demo databases listen on loopback only: give %1 the address "
                                   "127.0.0.1 (it has %2).")
                        .arg(config.name, config.address));
    }
    std::shared_ptr<const DatabaseEngine> engine = m_engines.value(config.engine);
    if (!engine) {
        engine = makeEngine(config.engine, m_options);
        m_engines.insert(config.engine, engine);
    }
    if (const QString missing = engine->missingProgram(); !missing.isEmpty())
        return std::make_shared<DemoDatabase>(config, missing);
    const QString address = listenAddress(config.address);
    const quint16 port = bindable(address, config.port);
    const QString where = QStringLiteral("%1:%2").arg(address).arg(config.port);
    if (port == 0 || (config.port != 0 && ports->contains(where))) {
        return std::make_shared<DemoDatabase>(
            config, QStringLiteral("%1 can't listen on %2: the port is in use by another program; "
                                   "stop it or give %1 another port.")
                        .arg(config.name, where));
    }
    ports->insert(QStringLiteral("%1:%2").arg(address).arg(port));
    std::lock_guard lock(m_mutex);
    return std::make_shared<DemoDatabase>(engine, planLocked(config, m_nextServerId++, port),
                                          m_options.statusIntervalMs, [this] { serverChanged(); });
}

void DatabaseServersCore::launch(const std::vector<DemoDatabasePtr> &fresh)
{
    const auto pending = [](const DemoDatabasePtr &server) {
        return server->isDemo() && server->status().state == State::Starting;
    };
    // Templates: made once per machine; the engines in parallel.
    std::map<QString, std::future<std::pair<std::optional<DatabaseTemplate>, QString>>> making;
    const DatabaseTemplates templates(m_cacheDirectory, m_run.path());
    for (const DemoDatabasePtr &server : fresh) {
        const QString engine = server->isDemo() ? server->engine()->engine() : QString();
        if (!pending(server) || making.count(engine) || m_templates.contains(engine))
            continue;
        std::shared_ptr<const DatabaseEngine> program = m_engines.value(engine);
        making[engine] = std::async(std::launch::async, [&templates, program] {
            QString error;
            std::optional<DatabaseTemplate> made = templates.ensure(*program, &error);
            return std::make_pair(made, error);
        });
    }
    QHash<QString, QString> failed;
    for (auto &[engine, future] : making) {
        const auto [made, error] = future.get();
        if (made) {
            std::lock_guard lock(m_mutex);
            m_templates.insert(engine, *made);
        } else {
            failed.insert(engine, error);
        }
    }

    // Each server's copy of its template, then its start. Copies of one
    // engine go one after the other (on a slow disk two at once take longer
    // than two in a row: most of the time goes into creating files), sources
    // first; each server starts as soon as its copy is done, while the next
    // one is copied.
    std::map<QString, std::vector<DemoDatabasePtr>> byEngine;
    for (const DemoDatabasePtr &server : fresh) {
        if (!pending(server))
            continue;
        const QString engine = server->engine()->engine();
        if (failed.contains(engine)) {
            server->fail(failed.value(engine));
            continue;
        }
        const ServerPlan plan = currentPlan(*server);
        server->setPlan(plan);
        std::vector<DemoDatabasePtr> &servers = byEngine[engine];
        servers.insert(plan.source ? servers.end() : servers.begin(), server);
    }
    Copies copies;
    std::vector<std::future<void>> copying;
    for (const auto &[engine, servers] : byEngine) {
        copies.remaining += int(servers.size());
        copying.push_back(
            std::async(std::launch::async, [&copies, servers = servers,
                                            from = m_templates.value(engine).dataDirectory] {
                for (const DemoDatabasePtr &server : servers)
                    copies.done(server, copyTemplate(*server, from));
            }));
    }
    for (;;) {
        const auto [server, error] = copies.next();
        if (!server)
            break;
        if (!error.isEmpty()) {
            server->fail(QStringLiteral("%1 could not get its data directory: %2")
                             .arg(server->name(), error));
            continue;
        }
        const ServerPlan plan = server->plan();
        {
            std::lock_guard lock(m_mutex);
            m_endpoints.insert(plan.config.name,
                               DatabaseEndpoint{plan.config.name, plan.config.engine, plan.address,
                                                plan.port, DemoSchema::applicationUser(),
                                                plan.secrets.applicationPassword,
                                                DemoSchema::databaseName()});
        }
        server->launch(nullptr); // forked here: the servers' thread
    }
    waitUntilReplicating(fresh);
}

void DatabaseServersCore::link(DemoDatabase &replica)
{
    const ServerPlan plan = currentPlan(replica);
    replica.setPlan(plan);
    if (!plan.source)
        return;
    QString error;
    const std::unique_ptr<AdminSession> admin = replica.admin(DemoDatabase::AdminTimeoutMs, &error);
    if (admin)
        error = admin->replicateFrom(plan, *plan.source);
    replica.setReplicationNote(
        error.isEmpty() ? QString()
                        : QStringLiteral("Replication could not be set up: %1").arg(error));
    replica.refresh();
}

void DatabaseServersCore::waitUntilReplicating(const std::vector<DemoDatabasePtr> &fresh)
{
    const QDeadlineTimer deadline(m_options.startTimeoutMs);
    QHash<QString, QDeadlineTimer> patience; // linked replicas: until when an error may pass
    for (;;) {
        bool waiting = false;
        for (const DemoDatabasePtr &server : fresh) {
            if (!server->isDemo())
                continue;
            const DatabaseServerStatus status = server->status();
            if (status.state == State::Starting)
                waiting = true;
            if (status.state != State::Running)
                continue;
            const ServerPlan plan = currentPlan(*server);
            if (!plan.source) {
                if (!plan.config.source.isEmpty())
                    server->setReplicationNote(
                        QStringLiteral("Its source %1 is not a demo database of the same engine.")
                            .arg(plan.config.source));
                continue;
            }
            const DemoDatabasePtr source = this->server(plan.source->name);
            const DatabaseServerStatus from = source ? source->status() : DatabaseServerStatus{};
            if (from.state == State::Starting) {
                waiting = true;
                continue;
            }
            if (from.state != State::Running) {
                server->setReplicationNote(
                    QStringLiteral("Its source %1 does not run.").arg(plan.source->name));
                continue;
            }
            if (!patience.contains(status.name)) {
                link(*server);
                patience.insert(status.name, QDeadlineTimer(ReplicationPatienceMs));
            }
            // A replica says what stops it only once it had time to connect.
            if (!status.replicating
                && (status.replicationError.isEmpty()
                    || !patience.value(status.name).hasExpired())) {
                waiting = true;
                server->refresh();
            }
        }
        if (!waiting || deadline.hasExpired())
            return;
        std::unique_lock lock(m_changedMutex);
        m_changed.wait_for(lock, std::chrono::milliseconds(10));
    }
}

} // namespace Loadstar::Engine::detail
