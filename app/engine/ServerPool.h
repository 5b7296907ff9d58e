#pragma once

#include "EngineConfig.h"

#include <QList>
#include <QString>

#include <memory>
#include <random>

namespace Loadstar::Engine {

// What an operator has set on a server (HAProxy's "set server … state").
enum class AdminState { Ready, Drain, Maint };

// A server as the balancer sees it: its configuration plus what changes at
// run time (health, admin state, weight, connections in use).
struct PoolServer
{
    QString name;
    int weight = 1;        // current weight; runtime changes land here
    int configWeight = 1;  // as configured, for static algorithms
    bool backup = false;
    int maxconn = 0;       // 0: no limit
    bool up = true;        // health-check verdict
    AdminState admin = AdminState::Ready;
    int connections = 0;   // in use now

    // May this server take new traffic at all?
    bool usable() const { return up && admin == AdminState::Ready && weight > 0; }
    bool hasRoom() const { return maxconn == 0 || connections < maxconn; }
};

// Chooses among the candidate servers (indexes into the pool's server list)
// one per request or connection. Implementations follow HAProxy's algorithm
// of the same name.
class Balancer
{
public:
    virtual ~Balancer() = default;
    // `hash` identifies the client (source address), for hashing algorithms.
    virtual int pick(const QList<PoolServer> &servers, const QList<int> &candidates, quint32 hash) = 0;
};

// roundrobin and static-rr: smooth weighted round robin — a server of weight 3
// next to one of weight 1 gives A A B A, never A A A B, so the lighter server
// is not starved for long stretches. static-rr uses configured weights only.
class RoundRobinBalancer final : public Balancer
{
public:
    explicit RoundRobinBalancer(bool useConfiguredWeights = false);
    int pick(const QList<PoolServer> &servers, const QList<int> &candidates, quint32 hash) override;

private:
    bool m_static;
    QList<qint64> m_current; // per server index: accumulated weight
};

// leastconn: fewest connections relative to weight; ties go round robin.
class LeastConnBalancer final : public Balancer
{
public:
    int pick(const QList<PoolServer> &servers, const QList<int> &candidates, quint32 hash) override;

private:
    int m_last = -1;
};

// source: the client's address hashed onto the weighted list of servers
// (HAProxy's default map-based hash), so a client sticks to one server while
// the set of usable servers does not change. When that server is at its
// maxconn there is no pick: the request waits in the queue for it.
class SourceBalancer final : public Balancer
{
public:
    int pick(const QList<PoolServer> &servers, const QList<int> &candidates, quint32 hash) override;
};

// first: the first server in configuration order that has room (maxconn);
// the next one only when it is full, so idle servers can be switched off.
class FirstBalancer final : public Balancer
{
public:
    int pick(const QList<PoolServer> &servers, const QList<int> &candidates, quint32 hash) override;
};

// random: power of two random choices (HAProxy's random(2)): two servers drawn
// by weight, the one with fewer connections wins.
class RandomBalancer final : public Balancer
{
public:
    explicit RandomBalancer(quint32 seed = std::random_device{}());
    int pick(const QList<PoolServer> &servers, const QList<int> &candidates, quint32 hash) override;

private:
    int draw(const QList<PoolServer> &servers, const QList<int> &candidates);
    std::mt19937 m_random;
    QList<int> m_roomy; // kept to spare an allocation per pick
};

std::unique_ptr<Balancer> makeBalancer(const QString &algorithm);

// The servers of one backend and HAProxy's rules for which of them may take
// traffic: active servers while any is usable; otherwise the first usable
// backup, or all usable backups with `allbackups`. Not thread-safe: it
// belongs to the engine thread that balances for the backend.
class ServerPool
{
public:
    explicit ServerPool(const FrontendConfig &config);

    // The server for the next request or connection, or -1 when none can
    // take it (the caller answers 503 or queues). `avoid`: a server that just
    // failed this request is left out, as if it were down, so a redispatch
    // reaches another server — a backup when it was the only active one.
    int pick(quint32 sourceHash = 0, int avoid = -1);

    const QList<PoolServer> &servers() const { return m_servers; }
    int indexOf(const QString &name) const;

    void setUp(int server, bool up);
    void setAdmin(int server, AdminState admin);
    void setWeight(int server, int weight);
    void connectionOpened(int server) { ++m_servers[server].connections; }
    void connectionClosed(int server) { --m_servers[server].connections; }

    // The servers that may take traffic now, in configuration order. Kept
    // between calls: it changes only with health, admin state and weight,
    // not with every request.
    const QList<int> &candidates() const;

private:
    void collectCandidates(QList<int> &candidates, int avoid) const;

    QList<PoolServer> m_servers;
    bool m_allBackups;
    std::unique_ptr<Balancer> m_balancer;
    mutable QList<int> m_candidates;
    mutable bool m_candidatesValid = false;
    QList<int> m_avoiding; // candidates without the server to avoid, made on demand
};

} // namespace Loadstar::Engine
