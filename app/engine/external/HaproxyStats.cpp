#include "HaproxyStats.h"

#include <QHash>
#include <QList>

#include <algorithm>
#include <cmath>

namespace Loadstar::External {

namespace {

// One CSV line into fields. HAProxy quotes a field holding a comma or a
// quote (csv_enc), doubling the quotes inside.
QList<QByteArray> csvFields(const QByteArray &line)
{
    QList<QByteArray> fields;
    QByteArray field;
    bool quoted = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const char c = line.at(i);
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line.at(i + 1) == '"') {
                field.append('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field.append(c);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.append(field);
            field.clear();
        } else {
            field.append(c);
        }
    }
    fields.append(field);
    return fields;
}

// Reads a line's fields by the header's column names.
class CsvRow
{
public:
    CsvRow(const QHash<QByteArray, int> &columns, QList<QByteArray> fields)
        : m_columns(columns)
        , m_fields(std::move(fields))
    {}

    QByteArray raw(const char *column) const
    {
        const int index = m_columns.value(QByteArray(column), -1);
        return index >= 0 && index < m_fields.size() ? m_fields.at(index) : QByteArray();
    }
    QString text(const char *column) const { return QString::fromUtf8(raw(column)).trimmed(); }
    // An empty field is a value HAProxy does not know: `unknown`.
    qint64 number(const char *column, qint64 unknown = 0) const
    {
        bool ok = false;
        const qint64 value = raw(column).trimmed().toLongLong(&ok);
        return ok ? value : unknown;
    }
    uint64_t counter(const char *column) const { return uint64_t(std::max<qint64>(0, number(column))); }

private:
    const QHash<QByteArray, int> &m_columns;
    QList<QByteArray> m_fields;
};

Engine::StatsRow statsRowOf(const CsvRow &line)
{
    Engine::StatsRow row;
    row.pxname = line.raw("pxname").toStdString();
    row.svname = line.raw("svname").toStdString();
    const qint64 type = line.number("type", -1);
    row.type = type == 0 || row.svname == "FRONTEND" ? Engine::StatsRow::Type::Frontend
               : type == 1 || row.svname == "BACKEND" ? Engine::StatsRow::Type::Backend
                                                       : Engine::StatsRow::Type::Server;
    row.qcur = line.counter("qcur");
    row.qmax = line.counter("qmax");
    row.scur = line.counter("scur");
    row.smax = line.counter("smax");
    row.slim = line.counter("slim");
    row.stot = line.counter("stot");
    row.bin = line.counter("bin");
    row.bout = line.counter("bout");
    row.ereq = line.counter("ereq");
    row.econ = line.counter("econ");
    row.eresp = line.counter("eresp");
    row.wretr = line.counter("wretr");
    row.wredis = line.counter("wredis");
    row.status = line.text("status").toStdString();
    row.weight = line.counter("weight");
    row.act = line.counter("act");
    row.bck = line.counter("bck");
    row.chkfail = line.counter("chkfail");
    row.lbtot = line.counter("lbtot");
    row.rate = line.counter("rate");
    row.rateMax = line.counter("rate_max");
    const char *hrsp[6] = {"hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other"};
    for (int i = 0; i < 6; ++i)
        row.hrsp[i] = line.counter(hrsp[i]);
    row.reqRate = line.counter("req_rate");
    row.reqTot = line.counter("req_tot");
    row.cliAbrt = line.counter("cli_abrt");
    row.srvAbrt = line.counter("srv_abrt");
    row.qtime = line.counter("qtime");
    row.ctime = line.counter("ctime");
    row.rtime = line.counter("rtime");
    row.ttime = line.counter("ttime");
    row.connRate = line.counter("conn_rate");
    row.connRateMax = line.counter("conn_rate_max");
    row.connTot = line.counter("conn_tot");
    row.dcon = line.counter("dcon");
    return row;
}

HaproxyServer serverOf(const CsvRow &line)
{
    HaproxyServer server;
    server.row = statsRowOf(line);
    // "* L7OK": HAProxy marks a check in progress; the result is the last one.
    QString check = line.text("check_status");
    if (check.startsWith(QLatin1String("* ")))
        check = check.mid(2);
    server.checkStatus = check;
    server.checkCode = int(line.number("check_code"));
    server.checkDurationMs = int(line.number("check_duration", -1));
    server.checkInfo = line.text("last_chk");
    server.checkDesc = line.text("check_desc");
    server.rise = int(line.number("check_rise"));
    server.fall = int(line.number("check_fall"));
    server.health = int(line.number("check_health", -1));
    server.lastChangeSeconds = line.number("lastchg", -1);
    server.downtimeSeconds = line.number("downtime", -1);
    server.address = line.text("addr");
    return server;
}

// Backends in the order their first line came, with servers in theirs.
HaproxyBackend &backendNamed(HaproxyStats &stats, const QString &name)
{
    for (HaproxyBackend &backend : stats.backends) {
        if (backend.name == name)
            return backend;
    }
    stats.backends.append(HaproxyBackend{name, {}, {}, {}});
    stats.backends.last().row.pxname = name.toStdString();
    stats.backends.last().row.svname = "BACKEND";
    stats.backends.last().row.type = Engine::StatsRow::Type::Backend;
    return stats.backends.last();
}

void dropEmptyBackends(HaproxyStats &stats)
{
    stats.backends.erase(std::remove_if(stats.backends.begin(), stats.backends.end(),
                                        [](const HaproxyBackend &backend) { return backend.servers.isEmpty(); }),
                         stats.backends.end());
}

// One sample of the Prometheus text format: name{label="value",…} value.
struct Sample
{
    QByteArray name;
    QHash<QByteArray, QString> labels;
    double value = 0;
};

std::optional<Sample> sampleOf(const QByteArray &line)
{
    Sample sample;
    qsizetype i = 0;
    while (i < line.size() && line.at(i) != '{' && line.at(i) != ' ')
        ++i;
    sample.name = line.left(i);
    if (i < line.size() && line.at(i) == '{') {
        ++i;
        while (i < line.size() && line.at(i) != '}') {
            const qsizetype equals = line.indexOf('=', i);
            if (equals < 0 || equals + 1 >= line.size() || line.at(equals + 1) != '"')
                return std::nullopt;
            const QByteArray key = line.mid(i, equals - i).trimmed();
            QByteArray value;
            qsizetype j = equals + 2;
            for (; j < line.size() && line.at(j) != '"'; ++j) {
                if (line.at(j) == '\\' && j + 1 < line.size()) {
                    ++j;
                    value.append(line.at(j) == 'n' ? '\n' : line.at(j));
                } else {
                    value.append(line.at(j));
                }
            }
            if (j >= line.size())
                return std::nullopt;
            sample.labels.insert(key, QString::fromUtf8(value));
            i = j + 1;
            if (i < line.size() && line.at(i) == ',')
                ++i;
        }
        ++i; // the closing brace
    }
    const QByteArray value = line.mid(i).trimmed().split(' ').first();
    if (value == "NaN" || value == "+Inf" || value == "-Inf")
        return std::nullopt; // HAProxy's "no limit": nothing to keep
    bool ok = false;
    sample.value = value.toDouble(&ok);
    if (!ok)
        return std::nullopt;
    return sample;
}

uint64_t counterOf(double value)
{
    return value > 0 ? uint64_t(std::llround(value)) : 0;
}

// The fields of a StatsRow the exporter writes under the same name for
// frontends, backends and servers (haproxy_server_current_sessions…).
void applyCommon(Engine::StatsRow &row, const QByteArray &metric, const Sample &sample)
{
    const uint64_t value = counterOf(sample.value);
    if (metric == "current_sessions")
        row.scur = value;
    else if (metric == "max_sessions")
        row.smax = value;
    else if (metric == "limit_sessions")
        row.slim = value;
    else if (metric == "sessions_total")
        row.stot = value;
    else if (metric == "bytes_in_total")
        row.bin = value;
    else if (metric == "bytes_out_total")
        row.bout = value;
    else if (metric == "current_queue")
        row.qcur = value;
    else if (metric == "connection_errors_total")
        row.econ = value;
    else if (metric == "response_errors_total")
        row.eresp = value;
    else if (metric == "weight")
        row.weight = value;
    else if (metric == "check_failures_total")
        row.chkfail = value;
    else if (metric == "loadbalanced_total")
        row.lbtot = value;
    else if (metric == "max_session_rate")
        row.rateMax = value;
    else if (metric == "current_session_rate")
        row.rate = value;
    else if (metric == "http_requests_total")
        row.reqTot = value;
    else if (metric == "http_requests_rate_current")
        row.reqRate = value;
    else if (metric == "active_servers")
        row.act = value;
    else if (metric == "backup_servers")
        row.bck = value;
    else if (metric == "http_responses_total") {
        static const QStringList classes{QStringLiteral("1xx"), QStringLiteral("2xx"), QStringLiteral("3xx"),
                                         QStringLiteral("4xx"), QStringLiteral("5xx"), QStringLiteral("other")};
        const qsizetype index = classes.indexOf(sample.labels.value("code"));
        if (index >= 0)
            row.hrsp[index] = value;
    } else if (metric == "status" && sample.value > 0) {
        row.status = sample.labels.value("state").toStdString();
    }
}

} // namespace

const HaproxyServer *HaproxyStats::server(const QString &backend, const QString &server) const
{
    for (const HaproxyBackend &candidate : backends) {
        if (candidate.name != backend)
            continue;
        for (const HaproxyServer &line : candidate.servers) {
            if (line.name() == server)
                return &line;
        }
    }
    return nullptr;
}

int HaproxyStats::serverCount() const
{
    int count = 0;
    for (const HaproxyBackend &backend : backends)
        count += int(backend.servers.size());
    return count;
}

std::optional<HaproxyStats> parseStatsCsv(const QByteArray &csv, QString *error)
{
    const auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QList<QByteArray> lines = csv.split('\n');
    const QByteArray header = lines.isEmpty() ? QByteArray() : lines.first().trimmed();
    if (!header.startsWith("# pxname,svname"))
        return fail(QStringLiteral("the answer is not HAProxy's stats CSV (no “# pxname,svname,…” header)"));
    QHash<QByteArray, int> columns;
    const QList<QByteArray> names = csvFields(header.mid(2));
    for (int i = 0; i < names.size(); ++i)
        columns.insert(names.at(i).trimmed(), i);
    if (!columns.contains("status"))
        return fail(QStringLiteral("HAProxy's stats CSV has no status column"));

    HaproxyStats stats;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const CsvRow row(columns, csvFields(line));
        const Engine::StatsRow stat = statsRowOf(row);
        const QString proxy = QString::fromStdString(stat.pxname);
        // Type 3 (a listener) says nothing about servers.
        if (row.number("type", -1) == 3)
            continue;
        if (stat.type == Engine::StatsRow::Type::Frontend) {
            stats.frontends.append(stat);
        } else if (stat.type == Engine::StatsRow::Type::Backend) {
            HaproxyBackend &backend = backendNamed(stats, proxy);
            backend.row = stat;
            backend.mode = row.text("mode");
        } else {
            HaproxyBackend &backend = backendNamed(stats, proxy);
            backend.servers.append(serverOf(row));
            if (backend.mode.isEmpty())
                backend.mode = row.text("mode");
        }
    }
    dropEmptyBackends(stats);
    return stats;
}

std::optional<HaproxyStats> parsePrometheus(const QByteArray &text, QString *error)
{
    HaproxyStats stats;
    stats.ratesKnown = false;
    QList<QString> frontendNames;
    QHash<QString, Engine::StatsRow> frontends;
    bool any = false;
    for (const QByteArray &rawLine : text.split('\n')) {
        const QByteArray line = rawLine.trimmed();
        if (line.isEmpty() || line.startsWith('#') || !line.startsWith("haproxy_"))
            continue;
        const std::optional<Sample> sample = sampleOf(line);
        if (!sample)
            continue;
        any = true;
        const QString proxy = sample->labels.value("proxy");
        if (sample->name.startsWith("haproxy_frontend_")) {
            if (!frontends.contains(proxy)) {
                frontendNames.append(proxy);
                Engine::StatsRow row;
                row.pxname = proxy.toStdString();
                row.svname = "FRONTEND";
                row.type = Engine::StatsRow::Type::Frontend;
                frontends.insert(proxy, row);
            }
            applyCommon(frontends[proxy], sample->name.mid(int(qstrlen("haproxy_frontend_"))), *sample);
        } else if (sample->name.startsWith("haproxy_backend_")) {
            const QByteArray metric = sample->name.mid(int(qstrlen("haproxy_backend_")));
            HaproxyBackend &backend = backendNamed(stats, proxy);
            applyCommon(backend.row, metric, *sample);
            // The exporter counts HTTP requests only for backends in http mode.
            if (metric == "http_requests_total")
                backend.mode = QStringLiteral("http");
        } else if (sample->name.startsWith("haproxy_server_")) {
            const QByteArray metric = sample->name.mid(int(qstrlen("haproxy_server_")));
            const QString name = sample->labels.value("server");
            HaproxyBackend &backend = backendNamed(stats, proxy);
            auto server = std::find_if(backend.servers.begin(), backend.servers.end(),
                                       [&](const HaproxyServer &s) { return s.name() == name; });
            if (server == backend.servers.end()) {
                HaproxyServer added;
                added.row.pxname = proxy.toStdString();
                added.row.svname = name.toStdString();
                added.row.type = Engine::StatsRow::Type::Server;
                backend.servers.append(added);
                server = backend.servers.end() - 1;
            }
            if (metric == "check_status") {
                if (sample->value > 0)
                    server->checkStatus = sample->labels.value("state");
            } else if (metric == "check_code") {
                server->checkCode = int(sample->value);
            } else if (metric == "check_duration_seconds") {
                server->checkDurationMs = int(std::lround(sample->value * 1000));
            } else if (metric == "check_last_change_seconds") {
                server->lastChangeSeconds = qint64(sample->value);
            } else if (metric == "downtime_seconds_total") {
                server->downtimeSeconds = qint64(sample->value);
            } else {
                applyCommon(server->row, metric, *sample);
            }
        }
    }
    if (!any) {
        if (error)
            *error = QStringLiteral("the answer holds no HAProxy metric (haproxy_…)");
        return std::nullopt;
    }
    for (const QString &name : std::as_const(frontendNames)) {
        Engine::StatsRow row = frontends.value(name);
        if (row.status.empty())
            row.status = "OPEN";
        stats.frontends.append(row);
    }
    // The exporter does not say which servers are backups: each counts as
    // active.
    for (HaproxyBackend &backend : stats.backends) {
        for (HaproxyServer &server : backend.servers)
            server.row.act = server.row.bck == 0 ? 1 : 0;
    }
    dropEmptyBackends(stats);
    return stats;
}

std::optional<HaproxyStats> parseHaproxyStats(const QByteArray &text, QString *error)
{
    const QByteArray start = text.left(64).trimmed();
    if (start.startsWith("# pxname"))
        return parseStatsCsv(text, error);
    if (start.startsWith("# HELP") || start.startsWith("# TYPE") || start.startsWith("haproxy_"))
        return parsePrometheus(text, error);
    // Neither: say what a CSV reader expected, the commoner mistake (the
    // stats page's HTML without ";csv").
    return parseStatsCsv(text, error);
}

void carryOver(HaproxyStats &now, const HaproxyStats &before, double seconds)
{
    for (HaproxyBackend &backend : now.backends) {
        for (HaproxyServer &server : backend.servers) {
            const HaproxyServer *then = before.server(backend.name, server.name());
            if (server.checkInfo.isEmpty() && then && then->checkStatus == server.checkStatus)
                server.checkInfo = then->checkInfo;
        }
    }
    if (seconds <= 0)
        return;
    const auto rate = [seconds](uint64_t a, uint64_t b) { return a >= b ? uint64_t(std::llround(double(a - b) / seconds)) : 0; };
    // HAProxy gives backends and servers a request total but no request
    // rate (req_rate is a frontend's): it is the total's growth. Without
    // it a card would say 0 req/s while requests flow on kept-alive
    // connections, which the session rate does not count.
    for (HaproxyBackend &backend : now.backends) {
        const HaproxyBackend *then = nullptr;
        for (const HaproxyBackend &candidate : before.backends) {
            if (candidate.name == backend.name)
                then = &candidate;
        }
        if (!then)
            continue;
        if (backend.row.reqRate == 0)
            backend.row.reqRate = rate(backend.row.reqTot, then->row.reqTot);
        for (HaproxyServer &server : backend.servers) {
            const HaproxyServer *previous = before.server(backend.name, server.name());
            if (previous && server.row.reqRate == 0)
                server.row.reqRate = rate(server.row.reqTot, previous->row.reqTot);
        }
    }
    if (now.ratesKnown)
        return;
    for (Engine::StatsRow &frontend : now.frontends) {
        for (const Engine::StatsRow &then : before.frontends) {
            if (then.pxname == frontend.pxname) {
                frontend.rate = rate(frontend.stot, then.stot);
                if (frontend.reqRate == 0)
                    frontend.reqRate = rate(frontend.reqTot, then.reqTot);
            }
        }
    }
    for (HaproxyBackend &backend : now.backends) {
        for (const HaproxyBackend &then : before.backends) {
            if (then.name != backend.name)
                continue;
            backend.row.rate = rate(backend.row.stot, then.row.stot);
            for (HaproxyServer &server : backend.servers) {
                if (const HaproxyServer *previous = before.server(backend.name, server.name()))
                    server.row.rate = rate(server.row.stot, previous->row.stot);
            }
        }
    }
}

} // namespace Loadstar::External
