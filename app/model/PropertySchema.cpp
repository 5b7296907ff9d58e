#include "PropertySchema.h"

#include <QHash>
#include <QHostAddress>
#include <QRegularExpression>
#include <QUrl>

namespace Loadstar {

namespace {

PropertySpec integer(const char *key, const char *label, const char *group, int def, qint64 min,
                     qint64 max, const char *help)
{
    return {QString::fromLatin1(key), QString::fromUtf8(label), QString::fromUtf8(group),
            PropertyType::Integer, def, min, max, {}, QString::fromUtf8(help), {}};
}

PropertySpec duration(const char *key, const char *label, const char *group, int defMs,
                      const char *help)
{
    return {QString::fromLatin1(key), QString::fromUtf8(label), QString::fromUtf8(group),
            PropertyType::Duration, defMs, 1, 24 * 3600 * 1000, {}, QString::fromUtf8(help), {}};
}

PropertySpec boolean(const char *key, const char *label, const char *group, bool def,
                     const char *help)
{
    return {QString::fromLatin1(key), QString::fromUtf8(label), QString::fromUtf8(group),
            PropertyType::Boolean, def, 0, 0, {}, QString::fromUtf8(help), {}};
}

PropertySpec choice(const char *key, const char *label, const char *group, const char *def,
                    QStringList choices, const char *help)
{
    return {QString::fromLatin1(key), QString::fromUtf8(label), QString::fromUtf8(group),
            PropertyType::Choice, QString::fromLatin1(def), 0, 0, std::move(choices),
            QString::fromUtf8(help), {}};
}

PropertySpec typed(PropertyType type, const char *key, const char *label, const char *group,
                   const char *def, const char *help)
{
    const qint64 max = type == PropertyType::Port ? 65535 : 0;
    const qint64 min = type == PropertyType::Port ? 1 : 0;
    QVariant value = type == PropertyType::Port ? QVariant(QByteArray(def).toInt())
                                                : QVariant(QString::fromUtf8(def));
    return {QString::fromLatin1(key), QString::fromUtf8(label), QString::fromUtf8(group), type,
            value, min, max, {}, QString::fromUtf8(help), {}};
}

// A load balancer that is a real HAProxy running elsewhere: Run reads its
// statistics (and, with a socket, drives its Runtime API) instead of
// running the embedded engine for it.
void appendExternalHaproxy(QList<PropertySpec> &specs)
{
    specs.append(boolean("external", "External HAProxy", "External HAProxy", false,
                         "A real HAProxy running elsewhere; Run watches it instead of running the embedded engine"));
    PropertySpec url = typed(PropertyType::HttpUrl, "stats_url", "Stats URL", "External HAProxy", "",
                             "Where HAProxy publishes its statistics: http://127.0.0.1:8404/stats;csv for CSV, "
                             "or …/metrics for its Prometheus exporter");
    url.emptyMeaning = QStringLiteral("the stats socket's show stat");
    specs.append(url);
    PropertySpec socket = typed(PropertyType::Text, "stats_socket", "Stats socket", "External HAProxy", "",
                                "HAProxy's stats socket (Runtime API): a Unix socket path or host:port; with "
                                "“level admin”, Drain, Maintenance and Ready act on the real servers");
    socket.emptyMeaning = QStringLiteral("none: states are only watched");
    specs.append(socket);
    specs.append(duration("stats_refresh", "Stats refresh", "External HAProxy", 2000,
                          "Time between two reads of HAProxy's statistics"));
}

QStringList latin1List(std::initializer_list<const char *> items)
{
    QStringList list;
    for (const char *item : items)
        list.append(QString::fromLatin1(item));
    return list;
}

// Where a server is and how the load balancer treats it (HAProxy's server
// line: addr:port weight backup maxconn).
void appendServerProperties(QList<PropertySpec> &specs, int defaultPort)
{
    specs.append(typed(PropertyType::Address, "address", "Address", "Network", "127.0.0.1",
                       "IP address or host name the server listens on"));
    specs.append(typed(PropertyType::Port, "port", "Port", "Network",
                       QByteArray::number(defaultPort).constData(), "TCP port the server listens on"));
    specs.append(integer("weight", "Weight", "Balancing", 1, 0, 256,
                         "Share of traffic relative to the other servers (HAProxy: weight, 0–256)"));
    specs.append(boolean("backup", "Backup", "Balancing", false,
                         "Takes traffic only when no active server is UP (HAProxy: backup)"));
    specs.append(integer("maxconn", "Max connections", "Balancing", 0, 0, 1000000,
                         "Connections at once before requests queue; 0 means no limit"));
}

// HAProxy's health-check settings, with HAProxy's defaults.
void appendCheckProperties(QList<PropertySpec> &specs, QStringList checkTypes, const char *defaultCheck)
{
    specs.append(choice("check", "Health check", "Health check", defaultCheck, std::move(checkTypes),
                        "How the server's health is probed"));
    specs.append(duration("inter", "Interval (inter)", "Health check", 2000,
                          "Time between two checks of an UP server"));
    specs.append(duration("fastinter", "Fast interval (fastinter)", "Health check", 2000,
                          "Time between checks while the state is changing"));
    specs.append(duration("downinter", "Down interval (downinter)", "Health check", 2000,
                          "Time between checks of a DOWN server"));
    specs.append(integer("rise", "Rise", "Health check", 2, 1, 100,
                         "Consecutive successful checks before a server is UP"));
    specs.append(integer("fall", "Fall", "Health check", 3, 1, 100,
                         "Consecutive failed checks before a server is DOWN"));
    specs.append(duration("check_timeout", "Check timeout", "Health check", 2000,
                          "Time a check may take before it fails (L4TOUT/L7TOUT)"));
    specs.append(choice("observe", "Watch traffic (observe)", "Health check", "layer4",
                        latin1List({"none", "layer4", "layer7"}),
                        "Live traffic counts too: layer4 connection errors, layer7 also 5xx responses"));
    specs.append(integer("error_limit", "Error limit", "Health check", 10, 1, 1000,
                         "Consecutive errors in live traffic before the on-error action"));
    specs.append(choice("on_error", "On error", "Health check", "mark-down",
                        latin1List({"mark-down", "sudden-death", "fail-check", "fastinter"}),
                        "What reaching the error limit does: mark-down takes the server out at once"));
}

// What an HAProxy configuration says that Loadstar does not model, kept with
// the load balancer it was imported into and written back on export, so a
// round trip through Loadstar never drops a line of someone's haproxy.cfg.
void appendKeptConfiguration(QList<PropertySpec> &specs)
{
    PropertySpec backend = typed(PropertyType::Text, "backend_name", "Backend name", "HAProxy", "",
                                 "Name of the backend section on export; load balancers naming the same "
                                 "backend share it");
    backend.emptyMeaning = QStringLiteral("the load balancer's name");
    specs.append(backend);
    specs.append(typed(PropertyType::Text, "haproxy_bind", "Kept bind options", "HAProxy", "",
                       "Options of the HAProxy bind line Loadstar does not model (alpn h2,http/1.1…), written "
                       "back on export"));
    specs.last().emptyMeaning = QStringLiteral("none");
    const struct
    {
        const char *key, *label, *help;
    } kept[] = {
        {"haproxy_global", "Kept global lines", "global section directives Loadstar does not model, written back on export"},
        {"haproxy_defaults", "Kept defaults lines", "defaults section directives Loadstar does not model, written back on export"},
        {"haproxy_frontend", "Kept frontend lines", "frontend directives Loadstar does not model (acl, http-request, "
                                                    "use_backend…), written back on export"},
        {"haproxy_backend", "Kept backend lines", "backend directives Loadstar does not model, written back on export"},
        {"haproxy_sections", "Kept sections", "whole sections Loadstar does not draw (backends reached only by "
                                              "use_backend rules, userlist, resolvers, peers…), written back as they were"},
    };
    for (const auto &line : kept) {
        specs.append(typed(PropertyType::Lines, line.key, line.label, "HAProxy", "", line.help));
        specs.last().emptyMeaning = QStringLiteral("none");
    }
}

// Options of an imported server line Loadstar does not model ("cookie s1",
// "send-proxy-v2"), written back on the server's line.
void appendKeptServerOptions(QList<PropertySpec> &specs)
{
    specs.append(typed(PropertyType::Text, "haproxy_server", "Kept server options", "HAProxy", "",
                       "Options of the HAProxy server line Loadstar does not model, written back on export"));
    specs.last().emptyMeaning = QStringLiteral("none");
}

QHash<NodeKind, QList<PropertySpec>> buildSchema()
{
    QHash<NodeKind, QList<PropertySpec>> schema;

    auto &client = schema[NodeKind::Client];
    client.append(integer("rate", "Request rate (req/s)", "Traffic", 20, 0, 1000000,
                          "Requests per second the client sends while running; 0 sends none"));
    client.append(integer("concurrency", "Concurrency", "Traffic", 4, 1, 10000,
                          "Connections the client keeps open at once"));
    client.append(typed(PropertyType::HttpPath, "path", "Request path", "Traffic", "/",
                        "Path the client requests"));
    PropertySpec pathMix = typed(PropertyType::Text, "path_mix", "Path mix", "Traffic", "",
                                 "Paths and weights the client requests, such as “/ 80, /api 15, /login 5”; "
                                 "a path without a weight has weight 1");
    pathMix.emptyMeaning = QStringLiteral("only the request path");
    client.append(pathMix);
    client.append(integer("write_ratio", "Writes (%)", "Traffic", 10, 0, 100,
                          "Share of requests sent as POST: writes a demo backend sends to the primary database; "
                          "the other requests are GETs, reads served by the replicas"));

    auto &lb = schema[NodeKind::LoadBalancer];
    lb.append(typed(PropertyType::Address, "address", "Listen address", "Network", "127.0.0.1",
                    "Address the frontend binds to"));
    lb.append(typed(PropertyType::Port, "port", "Listen port", "Network", "8080",
                    "Port the frontend binds to"));
    lb.append(typed(PropertyType::OptionalAddress, "virtual_address", "Virtual address", "Network", "",
                    "Address shared with a second load balancer through VRRP (keepalived); empty for none"));
    lb.append(typed(PropertyType::Text, "vrrp_interface", "VRRP interface", "Network", "eth0",
                    "Network interface this machine's keepalived speaks VRRP on and holds the virtual address on"));
    // Right below the network: it decides what the rest of the node means.
    appendExternalHaproxy(lb);
    lb.append(boolean("tls", "TLS", "TLS", false, "Terminate TLS (HTTPS) on the listener"));
    lb.append(typed(PropertyType::FilePath, "tls_certificate", "Certificate", "TLS", "",
                    "PEM certificate file for TLS"));
    lb.append(typed(PropertyType::FilePath, "tls_key", "Private key", "TLS", "",
                    "PEM private key file for TLS"));
    lb.append(integer("http_redirect_port", "Redirect HTTP from port", "TLS", 0, 0, 65535,
                      "A plain HTTP listener on this port of the listen address answers every request with "
                      "301 to the same path over HTTPS (HAProxy: http-request redirect scheme https code 301); "
                      "0 for none"));
    lb.append(choice("mode", "Mode", "Balancing", "http", latin1List({"http", "tcp"}),
                     "http balances each request; tcp balances whole connections"));
    lb.append(choice("balance", "Balance", "Balancing", "roundrobin",
                     latin1List({"roundrobin", "static-rr", "leastconn", "source", "first", "random"}),
                     "How servers are chosen (HAProxy: balance)"));
    lb.append(choice("db_route", "Database route", "Balancing", "any", latin1List({"any", "primary", "replicas"}),
                     "For databases: “primary” sends writes to the primary with replicas as backups; "
                     "“replicas” balances reads over replicas that keep up, with the primary as backup"));
    lb.append(boolean("allbackups", "All backups", "Balancing", false,
                      "When no active server is UP, spread traffic over every backup instead of the first"));
    lb.append(integer("maxconn", "Max connections", "Balancing", 0, 0, 1000000,
                      "Connections the frontend accepts at once; 0 means no limit"));
    lb.append(integer("retries", "Retries", "Balancing", 3, 0, 100,
                      "Connection attempts to a server before giving up (HAProxy: retries)"));
    lb.append(boolean("redispatch", "Redispatch", "Balancing", false,
                      "Retry on another server when a connection fails (HAProxy: option redispatch)"));
    lb.append(duration("timeout_connect", "Connect timeout", "Timeouts", 5000,
                       "Time to establish a connection to a server"));
    lb.append(duration("timeout_client", "Client timeout", "Timeouts", 50000,
                       "Inactivity allowed on the client side"));
    lb.append(duration("timeout_server", "Server timeout", "Timeouts", 50000,
                       "Inactivity allowed on the server side"));
    lb.append(duration("timeout_queue", "Queue timeout", "Timeouts", 5000,
                       "Time a request may wait for a free server slot"));
    lb.append(duration("timeout_http_request", "HTTP request timeout", "Timeouts", 10000,
                       "Time a client has to send a complete request head; after it the client gets 408"));
    lb.append(duration("timeout_http_keep_alive", "Keep-alive timeout", "Timeouts", 10000,
                       "Idle time allowed on a client connection between two requests"));
    appendKeptConfiguration(lb);

    const QStringList httpChecks = latin1List({"none", "tcp", "http", "https", "tls"});
    for (NodeKind kind : {NodeKind::WebServer, NodeKind::AppServer}) {
        auto &server = schema[kind];
        appendServerProperties(server, kind == NodeKind::WebServer ? 8081 : 9001);
        server.append(boolean("embedded", "Demo backend", "Network", true,
                              "Loadstar runs a real HTTP server here while the document runs"));
        appendCheckProperties(server, httpChecks, "http");
        server.append(typed(PropertyType::HttpPath, "check_path", "Check path", "Health check",
                            "/", "Path requested by an http check"));
        server.append(typed(PropertyType::StatusRange, "check_status", "Expected status",
                            "Health check", "200-399",
                            "Status or range an http check expects (HAProxy: http-check expect)"));
        server.append(choice("check_method", "Check method", "Health check", "GET",
                             latin1List({"GET", "HEAD", "OPTIONS"}), "Method of an http check's request"));
        server.append(typed(PropertyType::OptionalAddress, "check_host", "Check Host", "Health check", "",
                            "Host field of an http check's request (and the TLS server name); empty: the "
                            "server's address and port"));
        server.last().emptyMeaning = QStringLiteral("the server's address");
        server.append(typed(PropertyType::Text, "check_body", "Expected body text", "Health check", "",
                            "Text the answer to an http check must contain (HAProxy: http-check expect string)"));
        server.last().emptyMeaning = QStringLiteral("any body");
        server.append(integer("cert_min_days", "Certificate days left", "Health check", 0, 0, 3650,
                              "https and tls checks fail when the certificate expires within this many days; "
                              "0: only an expired or not yet valid one fails"));
        appendKeptServerOptions(server);
    }

    auto &db = schema[NodeKind::Database];
    appendServerProperties(db, 3306);
    db.append(choice("engine", "Engine", "Database", "mariadb", latin1List({"mariadb", "postgresql", "redis"}),
                     "MariaDB/MySQL, PostgreSQL or Redis"));
    db.append(choice("role", "Role", "Database", "primary", latin1List({"primary", "replica"}),
                     "A primary takes writes; a replica serves reads and follows its primary"));
    db.append(boolean("embedded", "Demo database", "Database", true,
                      "Loadstar runs a real MariaDB or PostgreSQL server here while the document runs, "
                      "replicating as drawn (Redis is only probed)"));
    db.append(boolean("standby", "Standby", "Database", false,
                      "A replica kept ready to be promoted to primary when its primary fails "
                      "(by the cluster's failover tool: Galera, orchestrator, Patroni…)"));
    db.append(choice("replication", "Replication", "Replication", "async", latin1List({"async", "semi-sync"}),
                     "On a primary: async acknowledges a write before any replica has it; semi-sync waits until "
                     "a replica has received it (MariaDB semi-sync, PostgreSQL synchronous_standby_names)"));
    db.append(boolean("auto_failover", "Automatic failover", "Replication", false,
                      "On a primary: once it has been DOWN for “fall” checks, Loadstar promotes its most advanced "
                      "replica and fences it, as MHA, orchestrator or Patroni do"));
    appendCheckProperties(db, latin1List({"none", "tcp", "mysql", "pgsql", "redis", "mysql-role", "pgsql-role"}), "tcp");
    // The role checks (probe plugins) log in; the password stays in a file.
    db.append(typed(PropertyType::Text, "db_user", "Check user", "Health check", "",
                    "User the role check logs in as (mysql-role, pgsql-role); empty: the user in the credentials file"));
    db.append(typed(PropertyType::FilePath, "credentials_file", "Credentials file", "Health check", "",
                    "MariaDB option file or PostgreSQL passfile holding the password — the document never stores passwords"));
    db.append(typed(PropertyType::Text, "database", "Check database", "Health check", "",
                    "Database the pgsql-role check connects to; empty: postgres"));
    db.append(duration("max_lag", "Max replication lag", "Health check", 10000,
                       "A replica lagging more than this fails a role check for reads"));
    appendKeptServerOptions(db);

    auto &firewall = schema[NodeKind::Firewall];
    firewall.append(typed(PropertyType::CidrList, "allow", "Allow", "Rules", "0.0.0.0/0, ::/0",
                          "Source networks allowed through, comma separated; empty lets no one through"));
    firewall.append(typed(PropertyType::CidrList, "deny", "Deny", "Rules", "",
                          "Source networks refused even when allowed, comma separated"));
    firewall.append(integer("rate_limit", "Rate limit (conn/s)", "Rules", 0, 0, 1000000,
                            "New connections per second per source; 0 means no limit"));

    auto &monitor = schema[NodeKind::Monitor];
    monitor.append(duration("inter", "Interval (inter)", "Monitoring", 2000,
                            "Time between two looks at each watched node"));
    monitor.append(typed(PropertyType::HttpUrl, "webhook", "Webhook", "Alerts", "",
                         "Each alert is POSTed here as JSON (Slack, a chat bot, an incident tool); "
                         "empty: no webhook"));
    monitor.last().emptyMeaning = QStringLiteral("no webhook");
    monitor.append(boolean("notify", "Desktop notification", "Alerts", true,
                           "Each alert also shows as a notification on this desktop"));
    monitor.append(integer("cert_warn_days", "Certificate warning (days)", "Alerts", 14, 1, 3650,
                           "A watched node's certificate with fewer days left than this is an alert"));
    monitor.append(duration("group_wait", "Group wait", "Alerts", 2000,
                            "How long a failure waits for the failures it causes, so they make one alert "
                            "(Alertmanager's group_wait); at least the watched nodes' check interval"));

    return schema;
}

const QHash<NodeKind, QList<PropertySpec>> &schema()
{
    static const auto table = buildSchema();
    return table;
}

bool isAllDigits(const QString &text)
{
    if (text.isEmpty())
        return false;
    for (QChar c : text) {
        if (!c.isDigit())
            return false;
    }
    return true;
}

QString quoted(const QString &text)
{
    return QStringLiteral("“%1”").arg(text);
}

} // namespace

bool isValidHostOrAddress(const QString &text)
{
    if (text.isEmpty() || text.size() > 253)
        return false;
    QHostAddress address;
    if (address.setAddress(text))
        return true;
    // A host name (RFC 1123). An all-numeric last label means the user meant
    // an IPv4 address, and it did not parse, so "300.1.1.1" is refused.
    static const QRegularExpression label(QStringLiteral("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"));
    const QStringList labels = text.split(QLatin1Char('.'));
    if (isAllDigits(labels.last()))
        return false;
    for (const QString &part : labels) {
        if (!label.match(part).hasMatch())
            return false;
    }
    return true;
}

namespace PropertySchema {

const QList<PropertySpec> &forKind(NodeKind kind)
{
    return schema().find(kind).value();
}

const PropertySpec *find(NodeKind kind, const QString &key)
{
    for (const PropertySpec &spec : forKind(kind)) {
        if (spec.key == key)
            return &spec;
    }
    return nullptr;
}

Converted convert(const PropertySpec &spec, const QVariant &value)
{
    auto fail = [](QString message) { return Converted{{}, std::move(message)}; };
    const QString text = value.toString().trimmed();

    switch (spec.type) {
    case PropertyType::Integer:
    case PropertyType::Port:
    case PropertyType::Duration: {
        qint64 number = 0;
        bool ok = false;
        if (value.typeId() == QMetaType::Double) {
            const double d = value.toDouble();
            ok = d == static_cast<double>(static_cast<qint64>(d));
            number = static_cast<qint64>(d);
        } else if (value.typeId() == QMetaType::Bool) {
            ok = false;
        } else {
            number = text.toLongLong(&ok);
        }
        if (!ok)
            return fail(QStringLiteral("%1 is not a whole number").arg(quoted(value.toString())));
        if (number < spec.minimum || number > spec.maximum) {
            return fail(QStringLiteral("%1 is out of range (%2–%3)")
                            .arg(number).arg(spec.minimum).arg(spec.maximum));
        }
        return {QVariant(static_cast<int>(number)), {}};
    }
    case PropertyType::Boolean: {
        if (value.typeId() == QMetaType::Bool)
            return {value.toBool(), {}};
        static const QStringList yes = latin1List({"true", "yes", "on", "1"});
        static const QStringList no = latin1List({"false", "no", "off", "0"});
        if (yes.contains(text.toLower()))
            return {true, {}};
        if (no.contains(text.toLower()))
            return {false, {}};
        return fail(QStringLiteral("%1 is not yes or no").arg(quoted(value.toString())));
    }
    case PropertyType::Text:
    case PropertyType::Lines:
        return {value.toString(), {}};
    case PropertyType::FilePath:
        if (text.contains(QChar::Null))
            return fail(QStringLiteral("%1 is not a file name").arg(quoted(value.toString())));
        return {text, {}};
    case PropertyType::Choice:
        if (spec.choices.contains(text))
            return {text, {}};
        return fail(QStringLiteral("%1 is not one of %2")
                        .arg(quoted(value.toString()), spec.choices.join(QStringLiteral(", "))));
    case PropertyType::OptionalAddress:
        if (text.isEmpty())
            return {text, {}};
        [[fallthrough]];
    case PropertyType::Address:
        if (isValidHostOrAddress(text))
            return {text, {}};
        return fail(QStringLiteral("%1 is not an IP address or host name").arg(quoted(value.toString())));
    case PropertyType::HttpPath: {
        static const QRegularExpression path(QStringLiteral("^/[\\x21-\\x7e]*$"));
        if (path.match(text).hasMatch())
            return {text, {}};
        return fail(QStringLiteral("%1 is not a request path; it starts with “/” and has no spaces")
                        .arg(quoted(value.toString())));
    }
    case PropertyType::StatusRange: {
        static const QRegularExpression range(QStringLiteral("^([1-5][0-9][0-9])(?:-([1-5][0-9][0-9]))?$"));
        const auto match = range.match(text);
        if (match.hasMatch()) {
            const int low = match.captured(1).toInt();
            const int high = match.captured(2).isEmpty() ? low : match.captured(2).toInt();
            if (low <= high)
                return {text, {}};
        }
        return fail(QStringLiteral("%1 is not an HTTP status or range such as 200 or 200-399")
                        .arg(quoted(value.toString())));
    }
    case PropertyType::HttpUrl: {
        if (text.isEmpty())
            return {text, {}};
        const QUrl url(text, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https")))
            return fail(QStringLiteral("%1 is not an http:// or https:// URL").arg(quoted(value.toString())));
        if (url.host().isEmpty())
            return fail(QStringLiteral("%1 names no host; write it as %2://host:port/path").arg(quoted(value.toString()), scheme));
        return {text, {}};
    }
    case PropertyType::CidrList: {
        const QStringList parts = networksOf(text);
        for (const QString &part : parts) {
            const auto subnet = QHostAddress::parseSubnet(part);
            if (subnet.first.isNull())
                return fail(QStringLiteral("%1 is not a network such as 10.0.0.0/8").arg(quoted(part)));
        }
        return {parts.join(QStringLiteral(", ")), {}};
    }
    }
    return fail(QStringLiteral("unknown property type"));
}

QStringList networksOf(const QString &cidrList)
{
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    return cidrList.split(separators, Qt::SkipEmptyParts);
}

QString displayValue(const PropertySpec &spec, const QVariant &value)
{
    if (spec.type == PropertyType::Boolean)
        return value.toBool() ? QStringLiteral("yes") : QStringLiteral("no");
    return value.toString();
}

} // namespace PropertySchema

} // namespace Loadstar
