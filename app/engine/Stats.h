#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace Loadstar::Engine {

// One row of HAProxy's `show stat`: a frontend, a server or a backend. Field
// names are HAProxy's, so anyone who reads HAProxy's CSV reads ours. Plain
// values, copied out of the engine; safe to pass between threads.
struct StatsRow
{
    enum class Type { Frontend = 0, Backend = 1, Server = 2 }; // HAProxy's "type" column

    std::string pxname; // the load balancer's name (frontend and backend share it)
    std::string svname; // "FRONTEND", "BACKEND" or the server's name
    Type type = Type::Server;

    uint64_t qcur = 0;  // requests waiting in the queue now
    uint64_t qmax = 0;
    uint64_t scur = 0;  // sessions now (frontend: client connections; server/backend: requests in progress)
    uint64_t smax = 0;
    uint64_t slim = 0;  // maxconn, 0 for none
    uint64_t stot = 0;  // sessions since start
    uint64_t bin = 0;   // bytes in (from clients) and out (to clients)
    uint64_t bout = 0;
    uint64_t ereq = 0;  // request errors (frontend)
    uint64_t econ = 0;  // connection errors to a server
    uint64_t eresp = 0; // response errors (server closed, timed out, sent garbage)
    uint64_t wretr = 0; // connection retries
    uint64_t wredis = 0; // retries on another server (redispatch)
    std::string status; // OPEN (frontend); UP, DOWN, MAINT, DRAIN, "UP 1/3"… (servers, backend)
    uint64_t weight = 0;
    uint64_t act = 0;   // server: 1 when active; backend: active servers up
    uint64_t bck = 0;   // server: 1 when backup; backend: backups up
    uint64_t chkfail = 0;
    uint64_t lbtot = 0; // times chosen by the balancer
    uint64_t rate = 0;  // sessions per second over the last second
    uint64_t rateMax = 0;
    uint64_t hrsp[6] = {}; // hrsp_1xx … hrsp_5xx, hrsp_other (HTTP mode)
    uint64_t reqRate = 0;  // frontend: HTTP requests per second
    uint64_t reqTot = 0;   // frontend and backend: HTTP requests
    uint64_t cliAbrt = 0;  // transfers aborted by the client
    uint64_t srvAbrt = 0;  // transfers aborted by the server
    // Averages over the last 1024 requests, in milliseconds.
    uint64_t qtime = 0;
    uint64_t ctime = 0;
    uint64_t rtime = 0;
    uint64_t ttime = 0;
    // Frontends: connections accepted, firewall's refusals included
    // (conn_tot), per second over the last second (conn_rate) and at most;
    // and connections refused by the firewall in front before a byte was
    // read (dcon, HAProxy's "tcp-request connection" rejects).
    uint64_t connRate = 0;
    uint64_t connRateMax = 0;
    uint64_t connTot = 0;
    uint64_t dcon = 0;

    // Loadstar's own, in no CSV column (HAProxy keeps only the averages
    // above). Backends and servers in HTTP mode: percentiles of the time to
    // the response's head over the last 2 to 3 seconds, in milliseconds
    // (never below the real time, at most 1/8 above); 0 without responses.
    double rtimeP50 = 0;
    double rtimeP95 = 0;
    double rtimeP99 = 0;
    // Servers in HTTP mode, UTC milliseconds since the epoch, 0 for never:
    // the server's last response, and the first of its current run of
    // responses (the first after a second or more without any) — how long
    // traffic took to move to it after a failover.
    int64_t lastResponseMs = 0;
    int64_t servingSinceMs = 0;
    // Frontends guarded by a firewall node: its name, and how many of dcon
    // its rate limit refused (the rest were denied by its networks).
    std::string firewall;
    uint64_t dconRateLimited = 0;
};

// Every row of a running engine: for each load balancer its FRONTEND row,
// then one row per server in configuration order, then its BACKEND row.
struct StatsSnapshot
{
    std::vector<StatsRow> rows;

    const StatsRow *find(const std::string &pxname, const std::string &svname) const;
};

// HAProxy's `show stat` CSV: a "# pxname,svname,…" header line, then a line per
// row, columns in HAProxy's order (those Loadstar keeps).
std::string formatStatsCsv(const StatsSnapshot &snapshot);

// Prometheus text exposition format (version 0.0.4), metric names as
// HAProxy's own exporter writes them (haproxy_server_current_sessions…).
std::string formatPrometheus(const StatsSnapshot &snapshot);

} // namespace Loadstar::Engine
