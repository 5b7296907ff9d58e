#pragma once

#include <QString>

namespace Loadstar::Engine {

// The failure a demo backend is told to show, for watching a load balancer
// and its health checks react. The default is a healthy server.
struct DemoFault
{
    // Dead like a killed process: connections are refused, open ones are
    // reset, requests in flight are never answered. Clearing it revives the
    // server on the same port.
    bool killed = false;
    // Stopped like a process that got SIGSTOP: connections are accepted,
    // nothing is answered; clearing it answers what waited meanwhile.
    bool hung = false;
    // Added before each response.
    int latencyMs = 0;
    // This share of responses (0–100) are 500 Internal Server Error. An
    // accumulator rather than a random draw: 25 % is exactly one response in
    // every 4, counting from when the rate was set.
    int errorPercent = 0;

    bool any() const { return killed || hung || latencyMs > 0 || errorPercent > 0; }
    bool operator==(const DemoFault &) const = default;
};

// The faults in words, "killed", "hung · +200 ms · 25 % errors" with
// `separator` " · "; empty when there are none. The card's line and the
// stats listener's /fault page both say it so.
QString describeFault(const DemoFault &fault, const QString &separator);

} // namespace Loadstar::Engine
