#include "Stats.h"

#include <array>
#include <map>
#include <string_view>

// Plain C++ on purpose: the engine's worker threads format these, and a
// monitoring scrape must never wait for the GUI thread.
//
// Neither format quotes or escapes names: the validator only lets letters,
// digits, "-", "_", "." and ":" into a node's name, so a name can contain
// neither a CSV separator nor a character a Prometheus label value escapes.

namespace Loadstar::Engine {

namespace {

// HAProxy's `show stat` columns up to dcon, in HAProxy's order. Tools read
// them by position as often as by name, so the order is HAProxy's, never ours.
enum Column {
    PxName, SvName, QCur, QMax, SCur, SMax, SLim, STot, BIn, BOut, DReq, DResp, EReq, ECon,
    EResp, WRetr, WRedis, Status, Weight, Act, Bck, ChkFail, ChkDown, LastChg, Downtime, QLimit,
    Pid, Iid, Sid, Throttle, LbTot, Tracked, Type, Rate, RateLim, RateMax, CheckStatus, CheckCode,
    CheckDuration, Hrsp1xx, Hrsp2xx, Hrsp3xx, Hrsp4xx, Hrsp5xx, HrspOther, HanaFail, ReqRate,
    ReqRateMax, ReqTot, CliAbrt, SrvAbrt, CompIn, CompOut, CompByp, CompRsp, LastSess, LastChk,
    LastAgt, QTime, CTime, RTime, TTime, AgentStatus, AgentCode, AgentDuration, CheckDesc, AgentDesc,
    CheckRise, CheckFall, CheckHealth, AgentRise, AgentFall, AgentHealth, Addr, Cookie, Mode, Algo,
    ConnRate, ConnRateMax, ConnTot, Intercepted, DCon,
    ColumnCount
};

constexpr std::array<std::string_view, ColumnCount> columnNames = {
    "pxname", "svname", "qcur", "qmax", "scur", "smax", "slim", "stot", "bin", "bout", "dreq",
    "dresp", "ereq", "econ", "eresp", "wretr", "wredis", "status", "weight", "act", "bck",
    "chkfail", "chkdown", "lastchg", "downtime", "qlimit", "pid", "iid", "sid", "throttle",
    "lbtot", "tracked", "type", "rate", "rate_lim", "rate_max", "check_status", "check_code",
    "check_duration", "hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other",
    "hanafail", "req_rate", "req_rate_max", "req_tot", "cli_abrt", "srv_abrt", "comp_in",
    "comp_out", "comp_byp", "comp_rsp", "lastsess", "last_chk", "last_agt", "qtime", "ctime",
    "rtime", "ttime", "agent_status", "agent_code", "agent_duration", "check_desc", "agent_desc",
    "check_rise", "check_fall", "check_health", "agent_rise", "agent_fall", "agent_health", "addr",
    "cookie", "mode", "algo", "conn_rate", "conn_rate_max", "conn_tot", "intercepted", "dcon",
};

using CsvLine = std::array<std::string, ColumnCount>;

// The columns HAProxy fills for this kind of row and Loadstar measures; every
// other column stays empty, as HAProxy leaves a value it does not know.
CsvLine csvLine(const StatsRow &row, uint64_t iid, uint64_t sid)
{
    CsvLine line;
    auto set = [&line](Column column, uint64_t value) { line[column] = std::to_string(value); };

    line[PxName] = row.pxname;
    line[SvName] = row.svname;
    set(SCur, row.scur);
    set(SMax, row.smax);
    if (row.slim > 0)
        set(SLim, row.slim); // no limit: empty, as HAProxy writes a server without maxconn
    set(STot, row.stot);
    set(BIn, row.bin);
    set(BOut, row.bout);
    line[Status] = row.status;
    set(Pid, 1);
    set(Iid, iid);
    set(Sid, sid);
    set(Type, uint64_t(row.type));
    set(Rate, row.rate);
    set(RateMax, row.rateMax);
    for (int i = 0; i < 6; ++i)
        set(Column(Hrsp1xx + i), row.hrsp[i]);
    set(ReqTot, row.reqTot);

    if (row.type == StatsRow::Type::Frontend) {
        set(EReq, row.ereq);
        set(ReqRate, row.reqRate);
        set(ConnRate, row.connRate);
        set(ConnRateMax, row.connRateMax);
        set(ConnTot, row.connTot);
        set(DCon, row.dcon);
        return line;
    }
    set(QCur, row.qcur);
    set(QMax, row.qmax);
    set(ECon, row.econ);
    set(EResp, row.eresp);
    set(WRetr, row.wretr);
    set(WRedis, row.wredis);
    set(Weight, row.weight);
    set(Act, row.act);
    set(Bck, row.bck);
    if (row.type == StatsRow::Type::Server)
        set(ChkFail, row.chkfail); // a backend has no checks of its own
    set(LbTot, row.lbtot);
    set(CliAbrt, row.cliAbrt);
    set(SrvAbrt, row.srvAbrt);
    set(QTime, row.qtime);
    set(CTime, row.ctime);
    set(RTime, row.rtime);
    set(TTime, row.ttime);
    return line;
}

void appendCsvLine(std::string &out, const CsvLine &line)
{
    for (const std::string &field : line) {
        out += field;
        out += ',';
    }
    out += '\n';
}

enum class Sample {
    Plain,     // the field as it is
    Seconds,   // a time kept in milliseconds, exported in seconds
    HttpCodes, // hrsp: one sample per class of status code
    State,     // the status string: one sample per state, 1 for the current one
};

enum class Kind { Gauge, Counter };

struct Family
{
    StatsRow::Type type;
    const char *name; // after "haproxy_frontend_", "haproxy_backend_" or "haproxy_server_"
    Kind kind;
    Sample sample;
    uint64_t StatsRow::*field; // for Plain and Seconds
    const char *help;
};

using T = StatsRow::Type;
constexpr Kind Gauge = Kind::Gauge;
constexpr Kind Counter = Kind::Counter;

// HAProxy's exporter writes families in `show stat` column order, frontends
// first, then backends, then servers; so do we.
const Family families[] = {
    {T::Frontend, "current_sessions", Gauge, Sample::Plain, &StatsRow::scur,
     "Current client connections."},
    {T::Frontend, "max_sessions", Gauge, Sample::Plain, &StatsRow::smax,
     "Highest number of client connections at once."},
    {T::Frontend, "sessions_total", Counter, Sample::Plain, &StatsRow::stot,
     "Client connections since start."},
    {T::Frontend, "bytes_in_total", Counter, Sample::Plain, &StatsRow::bin,
     "Bytes received from clients."},
    {T::Frontend, "bytes_out_total", Counter, Sample::Plain, &StatsRow::bout,
     "Bytes sent to clients."},
    {T::Frontend, "request_errors_total", Counter, Sample::Plain, &StatsRow::ereq,
     "Requests that failed before reaching a server (bad, incomplete or timed out)."},
    {T::Frontend, "status", Gauge, Sample::State, nullptr,
     "Whether the frontend accepts connections, one sample per state."},
    {T::Frontend, "max_session_rate", Gauge, Sample::Plain, &StatsRow::rateMax,
     "Highest number of new client connections in one second."},
    {T::Frontend, "http_responses_total", Counter, Sample::HttpCodes, nullptr,
     "HTTP responses sent to clients, by class of status code."},
    {T::Frontend, "http_requests_total", Counter, Sample::Plain, &StatsRow::reqTot,
     "HTTP requests received."},
    {T::Frontend, "connections_rate_max", Gauge, Sample::Plain, &StatsRow::connRateMax,
     "Highest number of connections accepted in one second."},
    {T::Frontend, "connections_total", Counter, Sample::Plain, &StatsRow::connTot,
     "Connections accepted, those the firewall then refused included."},
    {T::Frontend, "denied_connections_total", Counter, Sample::Plain, &StatsRow::dcon,
     "Connections the firewall in front refused before reading a byte (by its rules or its rate limit)."},

    {T::Backend, "current_queue", Gauge, Sample::Plain, &StatsRow::qcur,
     "Requests waiting for a free server slot."},
    {T::Backend, "max_queue", Gauge, Sample::Plain, &StatsRow::qmax,
     "Highest number of requests waiting at once."},
    {T::Backend, "current_sessions", Gauge, Sample::Plain, &StatsRow::scur,
     "Requests in progress on the backend's servers."},
    {T::Backend, "max_sessions", Gauge, Sample::Plain, &StatsRow::smax,
     "Highest number of requests in progress at once."},
    {T::Backend, "sessions_total", Counter, Sample::Plain, &StatsRow::stot,
     "Requests sent to the backend since start."},
    {T::Backend, "bytes_in_total", Counter, Sample::Plain, &StatsRow::bin,
     "Bytes received from clients for this backend."},
    {T::Backend, "bytes_out_total", Counter, Sample::Plain, &StatsRow::bout,
     "Bytes sent to clients from this backend."},
    {T::Backend, "connection_errors_total", Counter, Sample::Plain, &StatsRow::econ,
     "Failed attempts to connect to a server."},
    {T::Backend, "response_errors_total", Counter, Sample::Plain, &StatsRow::eresp,
     "Responses that failed (server closed, timed out or sent garbage)."},
    {T::Backend, "retry_warnings_total", Counter, Sample::Plain, &StatsRow::wretr,
     "Connection attempts retried."},
    {T::Backend, "redispatch_warnings_total", Counter, Sample::Plain, &StatsRow::wredis,
     "Requests retried on another server."},
    {T::Backend, "status", Gauge, Sample::State, nullptr,
     "Whether the backend can serve, one sample per state."},
    {T::Backend, "weight", Gauge, Sample::Plain, &StatsRow::weight,
     "Total effective weight of the servers taking traffic."},
    {T::Backend, "active_servers", Gauge, Sample::Plain, &StatsRow::act,
     "Active servers that are UP."},
    {T::Backend, "backup_servers", Gauge, Sample::Plain, &StatsRow::bck,
     "Backup servers that are UP."},
    {T::Backend, "loadbalanced_total", Counter, Sample::Plain, &StatsRow::lbtot,
     "Times the balancer chose a server."},
    {T::Backend, "max_session_rate", Gauge, Sample::Plain, &StatsRow::rateMax,
     "Highest number of new requests in one second."},
    {T::Backend, "http_responses_total", Counter, Sample::HttpCodes, nullptr,
     "HTTP responses, by class of status code."},
    {T::Backend, "http_requests_total", Counter, Sample::Plain, &StatsRow::reqTot,
     "HTTP requests sent to the backend."},
    {T::Backend, "client_aborts_total", Counter, Sample::Plain, &StatsRow::cliAbrt,
     "Transfers aborted by the client."},
    {T::Backend, "server_aborts_total", Counter, Sample::Plain, &StatsRow::srvAbrt,
     "Transfers aborted by the server."},
    {T::Backend, "queue_time_average_seconds", Gauge, Sample::Seconds, &StatsRow::qtime,
     "Average time in the queue over the last 1024 requests."},
    {T::Backend, "connect_time_average_seconds", Gauge, Sample::Seconds, &StatsRow::ctime,
     "Average time to connect to a server over the last 1024 requests."},
    {T::Backend, "response_time_average_seconds", Gauge, Sample::Seconds, &StatsRow::rtime,
     "Average time to a response's head over the last 1024 requests."},
    {T::Backend, "total_time_average_seconds", Gauge, Sample::Seconds, &StatsRow::ttime,
     "Average total request time over the last 1024 requests."},

    {T::Server, "current_queue", Gauge, Sample::Plain, &StatsRow::qcur,
     "Requests waiting for a slot on this server."},
    {T::Server, "max_queue", Gauge, Sample::Plain, &StatsRow::qmax,
     "Highest number of requests waiting for this server at once."},
    {T::Server, "current_sessions", Gauge, Sample::Plain, &StatsRow::scur,
     "Requests in progress on the server."},
    {T::Server, "max_sessions", Gauge, Sample::Plain, &StatsRow::smax,
     "Highest number of requests in progress at once."},
    {T::Server, "sessions_total", Counter, Sample::Plain, &StatsRow::stot,
     "Requests sent to the server since start."},
    {T::Server, "bytes_in_total", Counter, Sample::Plain, &StatsRow::bin,
     "Bytes received from clients for this server."},
    {T::Server, "bytes_out_total", Counter, Sample::Plain, &StatsRow::bout,
     "Bytes sent to clients from this server."},
    {T::Server, "connection_errors_total", Counter, Sample::Plain, &StatsRow::econ,
     "Failed attempts to connect to the server."},
    {T::Server, "response_errors_total", Counter, Sample::Plain, &StatsRow::eresp,
     "Responses that failed (server closed, timed out or sent garbage)."},
    {T::Server, "retry_warnings_total", Counter, Sample::Plain, &StatsRow::wretr,
     "Connection attempts to the server retried."},
    {T::Server, "redispatch_warnings_total", Counter, Sample::Plain, &StatsRow::wredis,
     "Requests moved away from the server to another one."},
    {T::Server, "status", Gauge, Sample::State, nullptr,
     "The server's state, one sample per state."},
    {T::Server, "weight", Gauge, Sample::Plain, &StatsRow::weight,
     "The server's effective weight."},
    {T::Server, "check_failures_total", Counter, Sample::Plain, &StatsRow::chkfail,
     "Failed health checks while the server was UP."},
    {T::Server, "loadbalanced_total", Counter, Sample::Plain, &StatsRow::lbtot,
     "Times the balancer chose the server."},
    {T::Server, "max_session_rate", Gauge, Sample::Plain, &StatsRow::rateMax,
     "Highest number of new requests in one second."},
    {T::Server, "http_responses_total", Counter, Sample::HttpCodes, nullptr,
     "HTTP responses, by class of status code."},
    {T::Server, "client_aborts_total", Counter, Sample::Plain, &StatsRow::cliAbrt,
     "Transfers aborted by the client."},
    {T::Server, "server_aborts_total", Counter, Sample::Plain, &StatsRow::srvAbrt,
     "Transfers aborted by the server."},
    {T::Server, "queue_time_average_seconds", Gauge, Sample::Seconds, &StatsRow::qtime,
     "Average time in the queue over the last 1024 requests."},
    {T::Server, "connect_time_average_seconds", Gauge, Sample::Seconds, &StatsRow::ctime,
     "Average time to connect over the last 1024 requests."},
    {T::Server, "response_time_average_seconds", Gauge, Sample::Seconds, &StatsRow::rtime,
     "Average time to a response's head over the last 1024 requests."},
    {T::Server, "total_time_average_seconds", Gauge, Sample::Seconds, &StatsRow::ttime,
     "Average total request time over the last 1024 requests."},
};

const char *scopeOf(StatsRow::Type type)
{
    switch (type) {
    case T::Frontend:
        return "haproxy_frontend_";
    case T::Backend:
        return "haproxy_backend_";
    case T::Server:
        return "haproxy_server_";
    }
    return "";
}

// The states HAProxy's exporter lists, in its order, and which one a row's
// status string is in. A server "UP 1/3" is still UP (going down) and
// "DOWN 1/2" still DOWN (going up), as HAProxy reports them.
std::vector<std::string_view> statesOf(StatsRow::Type type)
{
    if (type == T::Server)
        return {"DOWN", "UP", "MAINT", "DRAIN", "NOLB"};
    return {"DOWN", "UP"};
}

std::string_view stateOf(const StatsRow &row)
{
    const std::string_view status = row.status;
    if (row.type == T::Frontend)
        return status == "OPEN" ? "UP" : "DOWN";
    for (std::string_view state : {"MAINT", "DRAIN", "NOLB"}) {
        if (status.substr(0, state.size()) == state)
            return state;
    }
    if (status.substr(0, 2) == "UP" || status == "no check")
        return "UP";
    return "DOWN";
}

std::string seconds(uint64_t milliseconds)
{
    const std::string fraction = std::to_string(milliseconds % 1000);
    return std::to_string(milliseconds / 1000) + '.' + std::string(3 - fraction.size(), '0')
           + fraction;
}

std::string labelsOf(const StatsRow &row)
{
    std::string labels = "proxy=\"" + row.pxname + '"';
    if (row.type == T::Server)
        labels += ",server=\"" + row.svname + '"';
    return labels;
}

void appendSample(std::string &out, const std::string &name, const std::string &labels,
                  const std::string &value)
{
    out += name;
    out += '{';
    out += labels;
    out += "} ";
    out += value;
    out += '\n';
}

} // namespace

const StatsRow *StatsSnapshot::find(const std::string &pxname, const std::string &svname) const
{
    for (const StatsRow &row : rows) {
        if (row.pxname == pxname && row.svname == svname)
            return &row;
    }
    return nullptr;
}

std::string formatStatsCsv(const StatsSnapshot &snapshot)
{
    std::string out = "# ";
    for (std::string_view name : columnNames) {
        out += name;
        out += ',';
    }
    out += '\n';

    // HAProxy numbers proxies from 1 and a proxy's servers from 1; the
    // FRONTEND and BACKEND rows of one load balancer share its proxy id.
    std::map<std::string, uint64_t> proxyIds;
    std::map<std::string, uint64_t> serverCounts;
    for (const StatsRow &row : snapshot.rows) {
        const uint64_t iid = proxyIds.try_emplace(row.pxname, proxyIds.size() + 1).first->second;
        const uint64_t sid = row.type == T::Server ? ++serverCounts[row.pxname] : 0;
        appendCsvLine(out, csvLine(row, iid, sid));
    }
    out += '\n'; // HAProxy's CLI ends every answer with an empty line
    return out;
}

std::string formatPrometheus(const StatsSnapshot &snapshot)
{
    static const char *const codes[6] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

    // All samples of a family together, under one HELP and one TYPE: the
    // exposition format requires it, and a family with no rows is left out.
    std::string out;
    for (const Family &family : families) {
        const std::string name = std::string(scopeOf(family.type)) + family.name;
        bool headerWritten = false;
        for (const StatsRow &row : snapshot.rows) {
            if (row.type != family.type)
                continue;
            if (!headerWritten) {
                out += "# HELP " + name + ' ' + family.help + '\n';
                out += "# TYPE " + name
                       + (family.kind == Kind::Counter ? " counter\n" : " gauge\n");
                headerWritten = true;
            }
            const std::string labels = labelsOf(row);
            switch (family.sample) {
            case Sample::Plain:
                appendSample(out, name, labels, std::to_string(row.*family.field));
                break;
            case Sample::Seconds:
                appendSample(out, name, labels, seconds(row.*family.field));
                break;
            case Sample::HttpCodes:
                for (int i = 0; i < 6; ++i) {
                    appendSample(out, name, labels + ",code=\"" + codes[i] + '"',
                                 std::to_string(row.hrsp[i]));
                }
                break;
            case Sample::State: {
                const std::string_view current = stateOf(row);
                for (std::string_view state : statesOf(row.type)) {
                    appendSample(out, name, labels + ",state=\"" + std::string(state) + '"',
                                 state == current ? "1" : "0");
                }
                break;
            }
            }
        }
    }
    return out;
}

} // namespace Loadstar::Engine
