#pragma once

// One demo backend: a small real HTTP/1.1 server on a loopback port that
// answers every request with its own name, and that can be made to fail the
// way real servers do. Linked to a routed database cluster, it answers once
// the data tier has run the request's SQL. Everything here runs on the demo
// backends' worker thread; only the counters are read from other threads.

#include "DemoFault.h"

#include <asio.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace Loadstar::Engine::detail {

using DemoExecutor = asio::io_context::executor_type;
using DemoSocket = asio::basic_stream_socket<asio::ip::tcp, DemoExecutor>;
using DemoAcceptor = asio::basic_socket_acceptor<asio::ip::tcp, DemoExecutor>;

// Written on the worker thread, read by stats() on any thread.
struct DemoCounters
{
    std::atomic<uint64_t> answered{0}; // every response sent, injected errors included
    std::atomic<uint64_t> errors{0};   // injected 500s
    std::atomic<int> connections{0};   // open now
};

class DemoConnection;
class DataTier;
struct DataReply;

class DemoBackend : public std::enable_shared_from_this<DemoBackend>
{
public:
    // `dataTier` (may be null) is shared by the run's backends and outlives them.
    DemoBackend(asio::io_context &io, std::string name, asio::ip::tcp::endpoint endpoint,
                DataTier *dataTier = nullptr);
    ~DemoBackend();
    DemoBackend(const DemoBackend &) = delete;
    DemoBackend &operator=(const DemoBackend &) = delete;

    // Binds and listens on the endpoint; with port 0 the system picks one,
    // which the endpoint keeps from then on (a revived backend comes back on
    // the same port). The errno of a failed bind or listen, 0 on success.
    int listen();
    const asio::ip::tcp::endpoint &endpoint() const { return m_endpoint; }
    const std::string &name() const { return m_name; }

    // Applies a fault. A failed revival leaves the backend killed and returns
    // the errno of its listen().
    int setFault(const DemoFault &fault);
    const DemoFault &fault() const { return m_fault; }

    // Closes the listener and resets every connection (kill, and stop).
    void shutdown();

    const DemoCounters &counters() const { return m_counters; }

    // What a connection asks of its backend.
    enum class Answer { Ok, InjectedError };
    Answer nextAnswer();
    // The whole response for a request; HEAD gets the same head without body.
    const std::string &response(Answer answer, bool head, bool keepAlive) const;
    const std::string &badRequest() const { return m_badRequest; }
    // The response to a request the data tier served: its status and
    // lines, the databases in X-Database.
    std::string dataResponse(const DataReply &reply, bool head, bool keepAlive) const;
    DataTier *dataTier() const { return m_dataTier; }
    void answered(Answer answer);
    void connectionOpened(DemoConnection *connection);
    void connectionClosed(DemoConnection *connection);
    // A hung backend keeps connections whose request is ready until un-hang.
    void park(std::shared_ptr<DemoConnection> connection);

private:
    void accept();
    void buildResponses();

    std::string m_name;
    asio::ip::tcp::endpoint m_endpoint;
    DataTier *m_dataTier;
    DemoAcceptor m_acceptor;
    // Changes at every listen and shutdown, so an accept that completes
    // after a kill is not taken for one of the revived listener.
    uint64_t m_generation = 0;
    asio::steady_timer m_acceptRetry;
    DemoFault m_fault;
    int m_errorAccumulator = 0; // percent points; an error each time it reaches 100
    DemoCounters m_counters;
    // Every response, by answer, head-only and keep-alive, built once.
    std::string m_responses[2][2][2];
    std::string m_badRequest;
    std::unordered_set<DemoConnection *> m_connections;
    std::vector<std::shared_ptr<DemoConnection>> m_parked;
};

} // namespace Loadstar::Engine::detail
