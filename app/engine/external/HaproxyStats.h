#pragma once

#include "engine/Stats.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace Loadstar::External {

// One server as a real HAProxy's statistics describe it: its counters in the
// engine's own StatsRow (pxname the backend, svname the server, status,
// scur, stot, rate, weight, act, bck, chkfail, hrsp…), the fields the
// embedded engine fills the same way, with what only HAProxy's checks and
// state history add beside them.
struct HaproxyServer
{
    Engine::StatsRow row;
    QString checkStatus;    // check_status without the "* " of a check in progress: "L7OK", "L4CON"; empty: not checked
    int checkCode = 0;      // check_code: the HTTP status of the last layer-7 check; 0: none
    int checkDurationMs = -1; // check_duration; -1: unknown
    QString checkInfo;      // last_chk: "Connection refused", "OK"
    QString checkDesc;      // check_desc: "Layer4 connection problem"
    int rise = 0;           // check_rise, check_fall, check_health: HAProxy's health counter
    int fall = 0;
    int health = -1;        // -1: unknown
    qint64 lastChangeSeconds = -1; // lastchg: seconds since the last UP⇄DOWN change; -1: unknown
    qint64 downtimeSeconds = -1;   // downtime
    QString address;        // addr ("127.0.0.1:8081"), only `show stat` on the socket fills it

    QString backend() const { return QString::fromStdString(row.pxname); }
    QString name() const { return QString::fromStdString(row.svname); }
};

// A backend (or listen section) with its servers, in HAProxy's order.
struct HaproxyBackend
{
    QString name;
    QString mode;          // "http", "tcp"; empty when the source does not say
    Engine::StatsRow row;  // the BACKEND line
    QList<HaproxyServer> servers;
};

// What one read of a real HAProxy's statistics brought back.
struct HaproxyStats
{
    QList<Engine::StatsRow> frontends;
    QList<HaproxyBackend> backends; // those with at least one server
    // The per-second rates come with the data (CSV's rate column); false for
    // Prometheus text, whose rates are worked out from two reads.
    bool ratesKnown = true;

    const HaproxyServer *server(const QString &backend, const QString &server) const;
    int serverCount() const;
};

// HAProxy's `show stat` CSV, as the stats page's ";csv" and the stats socket
// write it: a "# pxname,svname,…" header, then a line per proxy, server and
// backend. Columns are read by name, so any HAProxy version's order reads.
// Null, and *error says why, when the text is not such a CSV.
std::optional<HaproxyStats> parseStatsCsv(const QByteArray &csv, QString *error = nullptr);

// The Prometheus text HAProxy's own exporter writes (http-request
// use-service prometheus-exporter): haproxy_server_status{proxy="bk",
// server="s1",state="UP"} 1 and its neighbours. Null, and *error says why,
// when the text holds no HAProxy metric.
std::optional<HaproxyStats> parsePrometheus(const QByteArray &text, QString *error = nullptr);

// Either, by what the text looks like: Prometheus text begins with a
// "# HELP"/"# TYPE" comment or a metric, CSV with "# pxname".
std::optional<HaproxyStats> parseHaproxyStats(const QByteArray &text, QString *error = nullptr);

// What a read lacks that the read `seconds` before it had: the per-second
// rates from the session counters' growth (for sources that give only
// totals), and a check's info ("Connection refused"), which HAProxy leaves
// empty for a moment while the next check of the same result runs.
void carryOver(HaproxyStats &now, const HaproxyStats &before, double seconds);

} // namespace Loadstar::External
