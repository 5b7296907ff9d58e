#include "ServerPool.h"

namespace Loadstar::Engine {

RoundRobinBalancer::RoundRobinBalancer(bool useConfiguredWeights)
    : m_static(useConfiguredWeights)
{}

int RoundRobinBalancer::pick(const QList<PoolServer> &servers, const QList<int> &candidates, quint32)
{
    if (m_current.size() != servers.size())
        m_current = QList<qint64>(servers.size(), 0);
    qint64 total = 0;
    int best = -1;
    for (int i : candidates) {
        const int weight = m_static ? servers[i].configWeight : servers[i].weight;
        m_current[i] += weight;
        total += weight;
        if (servers[i].hasRoom() && (best < 0 || m_current[i] > m_current[best]))
            best = i;
    }
    if (best >= 0)
        m_current[best] -= total;
    return best;
}

int LeastConnBalancer::pick(const QList<PoolServer> &servers, const QList<int> &candidates, quint32)
{
    // Compare connections/weight without division: a/wa < b/wb ⇔ a·wb < b·wa.
    // Among equals, start after the last one chosen, so ties rotate.
    int best = -1;
    const int n = int(candidates.size());
    int start = 0;
    for (int k = 0; k < n; ++k) {
        if (candidates[k] > m_last) {
            start = k;
            break;
        }
    }
    for (int k = 0; k < n; ++k) {
        const int i = candidates[(start + k) % n];
        if (!servers[i].hasRoom())
            continue;
        if (best < 0
            || qint64(servers[i].connections) * servers[best].weight
                   < qint64(servers[best].connections) * servers[i].weight) {
            best = i;
        }
    }
    if (best >= 0)
        m_last = best;
    return best;
}

int SourceBalancer::pick(const QList<PoolServer> &servers, const QList<int> &candidates, quint32 hash)
{
    qint64 total = 0;
    for (int i : candidates)
        total += servers[i].weight;
    if (total == 0)
        return -1;
    qint64 slot = hash % quint64(total);
    for (int i : candidates) {
        slot -= servers[i].weight;
        if (slot < 0)
            return servers[i].hasRoom() ? i : -1; // full: the request waits for this server
    }
    return -1;
}

int FirstBalancer::pick(const QList<PoolServer> &servers, const QList<int> &candidates, quint32)
{
    for (int i : candidates) {
        if (servers[i].hasRoom())
            return i;
    }
    return -1;
}

RandomBalancer::RandomBalancer(quint32 seed)
    : m_random(seed)
{}

int RandomBalancer::draw(const QList<PoolServer> &servers, const QList<int> &candidates)
{
    qint64 total = 0;
    for (int i : candidates)
        total += servers[i].weight;
    if (total == 0)
        return -1;
    qint64 slot = std::uniform_int_distribution<qint64>(0, total - 1)(m_random);
    for (int i : candidates) {
        slot -= servers[i].weight;
        if (slot < 0)
            return i;
    }
    return -1;
}

int RandomBalancer::pick(const QList<PoolServer> &servers, const QList<int> &candidates, quint32)
{
    QList<int> &roomy = m_roomy;
    roomy.clear();
    for (int i : candidates) {
        if (servers[i].hasRoom())
            roomy.append(i);
    }
    const int a = draw(servers, roomy);
    const int b = draw(servers, roomy);
    if (a < 0 || b < 0)
        return a < 0 ? b : a;
    return servers[b].connections < servers[a].connections ? b : a;
}

std::unique_ptr<Balancer> makeBalancer(const QString &algorithm)
{
    if (algorithm == QLatin1String("static-rr"))
        return std::make_unique<RoundRobinBalancer>(true);
    if (algorithm == QLatin1String("leastconn"))
        return std::make_unique<LeastConnBalancer>();
    if (algorithm == QLatin1String("source"))
        return std::make_unique<SourceBalancer>();
    if (algorithm == QLatin1String("first"))
        return std::make_unique<FirstBalancer>();
    if (algorithm == QLatin1String("random"))
        return std::make_unique<RandomBalancer>();
    return std::make_unique<RoundRobinBalancer>();
}

ServerPool::ServerPool(const FrontendConfig &config)
    : m_allBackups(config.allbackups)
    , m_balancer(makeBalancer(config.balance))
{
    for (const ServerConfig &server : config.servers) {
        PoolServer s;
        s.name = server.name;
        s.weight = server.weight;
        s.configWeight = server.weight;
        s.backup = server.backup;
        s.maxconn = server.maxconn;
        m_servers.append(s);
    }
}

int ServerPool::indexOf(const QString &name) const
{
    for (int i = 0; i < m_servers.size(); ++i) {
        if (m_servers[i].name == name)
            return i;
    }
    return -1;
}

void ServerPool::setUp(int server, bool up)
{
    m_servers[server].up = up;
    m_candidatesValid = false;
}

void ServerPool::setAdmin(int server, AdminState admin)
{
    m_servers[server].admin = admin;
    m_candidatesValid = false;
}

void ServerPool::setWeight(int server, int weight)
{
    m_servers[server].weight = weight;
    m_candidatesValid = false;
}

const QList<int> &ServerPool::candidates() const
{
    if (!m_candidatesValid) {
        collectCandidates(m_candidates, -1);
        m_candidatesValid = true;
    }
    return m_candidates;
}

void ServerPool::collectCandidates(QList<int> &candidates, int avoid) const
{
    candidates.clear();
    const auto usable = [&](int i) { return i != avoid && m_servers[i].usable(); };
    for (int i = 0; i < m_servers.size(); ++i) {
        if (usable(i) && !m_servers[i].backup)
            candidates.append(i);
    }
    if (!candidates.isEmpty())
        return;
    for (int i = 0; i < m_servers.size(); ++i) {
        if (usable(i) && m_servers[i].backup) {
            candidates.append(i);
            if (!m_allBackups)
                break;
        }
    }
}

int ServerPool::pick(quint32 sourceHash, int avoid)
{
    if (avoid < 0 || !candidates().contains(avoid))
        return m_balancer->pick(m_servers, candidates(), sourceHash);
    collectCandidates(m_avoiding, avoid);
    if (m_avoiding.isEmpty()) // nothing else: the failed server is still the best bet
        return m_balancer->pick(m_servers, candidates(), sourceHash);
    return m_balancer->pick(m_servers, m_avoiding, sourceHash);
}

} // namespace Loadstar::Engine
