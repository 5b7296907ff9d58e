#pragma once

#include "Runtime.h"

namespace Loadstar::Engine {
class EngineCore;
}

namespace Loadstar::Engine::detail {

// The stats and runtime-control listener: one small HTTP/1.1 request per
// connection, answered and closed. Off the data path, so plainly written.
class StatsListener : public std::enable_shared_from_this<StatsListener>
{
public:
    // Accepts on `fd` (bound and listening) on `worker`'s thread.
    StatsListener(Worker &worker, EngineCore &core, int fd, const tcp::endpoint &bind);
    void start();

private:
    void accept();

    Worker &m_worker;
    EngineCore &m_core;
    Acceptor m_acceptor;
};

// The answer to one request, whole (status line, fields and body), so the
// routes can be checked without sockets.
std::string answerStatsRequest(EngineCore &core, std::string_view method, std::string_view target);

} // namespace Loadstar::Engine::detail
