#pragma once

#include "engine/demo/DemoFault.h"

#include <QString>

namespace Loadstar::Ui {

// The faults injected into one embedded demo backend, asked for from its
// card's context menu: the engine's own DemoFault. A request carries the
// whole set, so asking for one fault keeps the others (a "Kill" keeps the
// latency added before).
using DemoFaultRequest = Engine::DemoFault;

// The faults as a card shows them: "killed", "hung · +200 ms · 25 % errors";
// empty when there are none.
QString describeFaults(const DemoFaultRequest &faults);

// What a card shows while the document runs: plain data, filled from the
// engine's snapshots by whoever runs it. The default value is "not running"
// and leaves the card exactly as the editor draws it.
struct NodeLiveState
{
    bool running = false;
    // HAProxy's words: "UP", "UP 2/3" (going down), "DOWN", "DOWN 1/2"
    // (going up), "no check", "MAINT".
    QString status;
    bool up = true;
    QString checkCode;        // L4OK, L4CON, L7STS…
    QString reason;           // "Connection refused"
    int checkDurationMs = -1; // -1: unknown
    QString fault;            // describeFaults() of the injected faults
    double requestsPerSecond = -1; // -1: unknown
    int sessions = -1;             // -1: unknown
    // Shown instead of the status, e.g. a missing probe plugin.
    QString message;
    // An embedded demo backend: faults can be injected into it.
    bool embedded = false;
    // A server behind a load balancer: its administrative state and weight
    // can be set while running (HAProxy's "set server").
    bool balanced = false;
    QString admin;   // "" (ready), "DRAIN" or "MAINT"
    int weight = -1; // -1: unknown

    bool operator==(const NodeLiveState &) const = default;
};

// How a state reads at a glance, as HAProxy's stats page colours it: green
// UP, yellow UP going down, orange DOWN going up, red DOWN, grey otherwise
// (no check, MAINT, a message instead of a status, not running).
enum class HealthTone { Neutral, Up, GoingDown, GoingUp, Down };
HealthTone healthToneOf(const NodeLiveState &state);

} // namespace Loadstar::Ui
