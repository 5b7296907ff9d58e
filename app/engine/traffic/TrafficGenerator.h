#pragma once

#include "engine/EngineConfig.h"

#include <QList>
#include <QString>

#include <memory>

namespace Loadstar::Engine {

namespace detail {
class TrafficGeneratorCore;
}

// One client's traffic as its counters stand.
struct TrafficClientStats
{
    QString name;
    QString frontend;
    quint64 sent = 0;          // requests written whole to a connection
    quint64 responses[5] = {}; // complete responses by class: 1xx … 5xx
    quint64 connectErrors = 0; // connections refused, reset or timed out while opening
    quint64 timeouts = 0;      // requests without a complete response in time
    quint64 brokenResponses = 0; // connections closed mid-response, or bytes that are not HTTP
    quint64 requestRate = 0;   // requests sent per second, over the last second
    // Percentiles of the latency users would feel, in milliseconds, over the
    // last 2 to 3 seconds: from the moment a request was due (not when a
    // free connection let it go) to its complete response. 0 without
    // responses.
    double p50Ms = 0;
    double p95Ms = 0;
    double p99Ms = 0;
    int connections = 0; // open now

    quint64 failed() const { return connectErrors + timeouts + brokenResponses; }
    quint64 answered() const { return responses[0] + responses[1] + responses[2] + responses[3] + responses[4]; }
};

// The traffic of a running document's client nodes: for each ClientConfig,
// up to `concurrency` HTTP/1.1 keep-alive connections to its frontend,
// carrying requests at `rate` per second: `writeRatio` percent of them
// POSTs with a small body (the demo backends' writes), in an exact share
// (25 % is one in every 4), the others GETs. Each names its client in an
// X-Loadstar-Client field, so the demo backends can tell a client's own
// writes from the others' (stale reads). Open-loop, as wrk2 paces:
// request n is due at start + n/rate whatever happened to the ones before,
// and its latency counts from then, so a stalled server shows up as latency
// instead of as fewer requests. Paths follow the path mix in a smooth
// weighted sequence (nginx's smooth weighted round robin), so every
// `total weight` requests carry each path exactly its weight's times.
//
// It connects only to the configured addresses. Everything runs on one
// worker thread of its own; every method is thread-safe.
class TrafficGenerator
{
public:
    // Without an answer in this time a request counts as a timeout and its
    // connection is closed.
    static constexpr int TimeoutMs = 10000;
    // Before a client opens a connection again after one failed or broke.
    static constexpr int ReconnectDelayMs = 200;

    TrafficGenerator();
    ~TrafficGenerator(); // stops
    TrafficGenerator(const TrafficGenerator &) = delete;
    TrafficGenerator &operator=(const TrafficGenerator &) = delete;

    // Starts sending for every client. False, with a sentence in *error,
    // when an address is neither a literal address nor a name that resolves;
    // nothing runs then.
    bool start(const QList<ClientConfig> &clients, QString *error = nullptr);
    // Clients of the same name, frontend, address and port keep their
    // connections and counters and take the new rate, concurrency and paths;
    // the others start or stop. Like start() when not running.
    bool apply(const QList<ClientConfig> &clients, QString *error = nullptr);
    // Closes every connection and joins the worker. A request written before
    // stays counted as sent.
    void stop();
    bool isRunning() const;

    // In configuration order; after stop(), the figures the run ended with.
    QList<TrafficClientStats> stats() const;

private:
    std::unique_ptr<detail::TrafficGeneratorCore> m_core;
};

} // namespace Loadstar::Engine
