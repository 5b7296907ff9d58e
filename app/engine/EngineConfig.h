#pragma once

#include "model/PathMix.h"
#include "model/Validator.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

namespace Loadstar::Engine {

// The engine never reads the model: a topology is compiled into these plain
// values, which the engine applies as a whole. The same values are what an
// HAProxy configuration is written from, so names follow HAProxy's.

struct CheckConfig
{
    // "none", "tcp", "http", "https", "tls", "mysql", "pgsql", "redis" are
    // built in; "mysql-role" and "pgsql-role" come from probe plugins.
    QString type = QStringLiteral("none");
    int inter = 2000;     // between two checks of a server that is UP
    int fastinter = 2000; // while the state is changing (UP 1/3, DOWN 1/2)
    int downinter = 2000; // between two checks of a server that is DOWN
    int rise = 2;
    int fall = 3;
    int timeout = 2000;   // a check that takes longer fails (L4TOUT, L6TOUT, L7TOUT)

    // http and https
    QString httpMethod = QStringLiteral("GET");
    QString httpPath = QStringLiteral("/");
    QString httpHost;      // Host header; empty: the server's address
    int expectLow = 200;   // accepted status range (HAProxy: http-check expect status)
    int expectHigh = 399;
    QString expectBody;    // when not empty the body must contain it (http-check expect string)

    // tls and https: a certificate expiring within this many days fails the
    // check (L6RSP); 0 only fails an expired one.
    int certMinDays = 0;

    // Passive observation of live traffic (HAProxy: observe, error-limit,
    // on-error). "layer4": connection errors and timeouts; "layer7": also 5xx
    // responses other than 501 and 505.
    QString observe = QStringLiteral("layer4"); // "none", "layer4", "layer7"
    int errorLimit = 10;                        // consecutive errors before on-error acts
    QString onError = QStringLiteral("fastinter"); // "fastinter", "fail-check", "sudden-death", "mark-down"

    // Database role probes (plugins). Credentials are never part of the
    // configuration: `credentialsFile` names a MariaDB option file or a
    // PostgreSQL passfile the probe reads the password from.
    QString dbUser;
    QString credentialsFile;
    QString database;      // database to connect to (pgsql); empty: the driver's default
    // "": any role is fine; "primary": only a server that takes writes passes;
    // "replica": only a replica whose lag is at most maxLagMs passes.
    QString requireRole;
    int maxLagMs = 10000;

    bool operator==(const CheckConfig &) const = default;
};

struct ServerConfig
{
    QString name;
    QString address;
    quint16 port = 0;
    int weight = 1;
    bool backup = false;
    int maxconn = 0;
    bool embedded = false; // a demo backend Loadstar runs itself (web and app servers)
    CheckConfig check;
    // A web or app server: the databases it links to, in link order. A
    // demo backend queries their clusters for each request.
    QStringList databases;

    bool operator==(const ServerConfig &) const = default;
};

// TLS on a frontend's listener (HAProxy: bind … ssl crt FILE), and the
// plain HTTP listener that sends browsers there (http-request redirect
// scheme https code 301).
struct TlsConfig
{
    bool enabled = false;
    QString certificateFile; // PEM; empty: a self-signed certificate made for the run
    QString keyFile;         // PEM; empty: the key is in the certificate file, as HAProxy's crt allows
    quint16 redirectPort = 0; // on the frontend's address; 0: none

    bool operator==(const TlsConfig &) const = default;
};

// A firewall node in front of a load balancer: who may open a connection to
// its listener and how often, enforced before a byte is read (HAProxy:
// "tcp-request connection reject" on src and on src_conn_rate).
struct FirewallConfig
{
    QString name;      // the firewall node's name; empty: no firewall
    QStringList allow; // networks ("10.0.0.0/8", "::1/128"); empty allows no one
    QStringList deny;  // refused even when allowed: deny wins
    int rateLimit = 0; // new connections per second from one source address; 0: no limit

    bool operator==(const FirewallConfig &) const = default;
};

struct FrontendConfig
{
    enum class Mode { Http, Tcp };

    QString name; // the load balancer's node name
    QString bindAddress;
    quint16 port = 0;
    Mode mode = Mode::Http;
    QString balance; // "roundrobin", "static-rr", "leastconn", "source", "first", "random"
    bool allbackups = false;
    int maxconn = 0;
    int retries = 3;
    bool redispatch = false;
    int timeoutConnect = 5000;
    int timeoutClient = 50000;
    int timeoutServer = 50000;
    int timeoutQueue = 5000;
    int timeoutHttpRequest = 10000;  // a whole request head must arrive within this (408)
    int timeoutHttpKeepAlive = 10000; // idle time allowed between two requests
    QList<ServerConfig> servers; // in link order, active and backup together
    TlsConfig tls;
    FirewallConfig firewall;

    bool operator==(const FrontendConfig &) const = default;
};

// A client node's traffic towards one load balancer it reaches (straight or
// through firewalls; load balancers sharing a virtual address count once):
// what the traffic generator sends while the document runs.
struct ClientConfig
{
    QString name;     // the client node's name
    QString frontend; // the load balancer's name
    QString address;  // where the frontend is reached (a wildcard bind: loopback; a shared one: the virtual address)
    quint16 port = 0;
    int rate = 0;     // requests per second; 0 sends none
    int concurrency = 1; // connections at most
    QList<PathShare> paths; // never empty: the path mix, or the one request path
    int writeRatio = 0; // percent of requests sent as POST (writes); the others are GETs
    bool tls = false; // the frontend terminates TLS: the client speaks HTTPS to it

    bool operator==(const ClientConfig &) const = default;
};

// Load balancers sharing a virtual address (VRRP, as keepalived runs it):
// clients connect to the address, which the first member that answers holds.
struct VirtualAddressConfig
{
    struct Member
    {
        QString frontend; // the load balancer's name
        QString address;  // where its own listener is reached
        quint16 port = 0;

        bool operator==(const Member &) const = default;
    };

    QString address;       // the shared address
    quint16 port = 0;      // clients connect here: the first member's port
    QList<Member> members; // in the drawing's order: the first is MASTER while it answers

    bool operator==(const VirtualAddressConfig &) const = default;
};

// A monitor node: the nodes it watches (those it links to) and where its
// alerts go.
struct MonitorConfig
{
    QString name;     // the monitor node's name
    int inter = 2000; // between two looks at a node it probes itself
    QString webhook;  // http(s) URL alerts are POSTed to; empty: none
    bool notify = true; // a desktop notification per alert (the window's business)
    int certWarnDays = 14; // a certificate with fewer days left is an alert
    int groupWait = 2000;  // how long a transition waits for others it explains
    QStringList watched;   // node names, in link order
    // For each watched node, the watched nodes whose failure cuts it off
    // from the clients: its DOWN is reported with theirs.
    QHash<QString, QStringList> dependsOn;
    // What the monitor probes itself, so watching always means something:
    // a watched server or database drawn without a check (tcp, every
    // inter), and a watched load balancer's listener (tcp, or tls when it
    // terminates TLS).
    QList<ServerConfig> probes;

    bool operator==(const MonitorConfig &) const = default;
};

// An external load balancer: a real HAProxy running elsewhere. Run reads
// its statistics instead of running the engine for it; its servers are
// neither demo backends nor probed by Loadstar, their state is HAProxy's.
struct ExternalHaproxyConfig
{
    QString name;        // the load balancer's node name
    QString statsUrl;    // http(s) URL of its CSV (…;csv) or Prometheus text (…/metrics); empty: `show stat` on the socket
    QString statsSocket; // its stats socket (Runtime API): a Unix socket path or host:port; empty: none
    int refreshMs = 2000; // between two reads of its statistics
    QStringList servers; // the server nodes linked from it, in link order

    bool operator==(const ExternalHaproxyConfig &) const = default;
};

// A database node: what its health check probes and, for a demo database,
// the real server Run starts for it. A primary and the replicas that follow
// it through replication links, directly or through another replica, form
// a cluster, named after the primary.
struct DatabaseConfig
{
    QString name;
    QString engine = QStringLiteral("mariadb"); // "mariadb", "postgresql" or "redis"
    QString address;
    quint16 port = 0;
    QString role = QStringLiteral("primary"); // as drawn: "primary" or "replica"
    QString source;        // a replica: the database its replication link comes from; empty: none
    bool embedded = false; // a demo database Loadstar runs (MariaDB and PostgreSQL only)
    bool standby = false;  // a replica kept ready for promotion
    // A primary: how it commits ("async" or "semi-sync"), and whether Run
    // promotes its most advanced replica once it is DOWN.
    QString replication = QStringLiteral("async");
    bool autoFailover = false;
    int maxLagMs = 10000; // reads go to this replica only while it lags less
    CheckConfig check;

    bool operator==(const DatabaseConfig &) const = default;
};

struct EngineConfig
{
    QList<FrontendConfig> frontends;
    // Servers and databases no load balancer links to: probed all the same,
    // so the map shows their health too.
    QList<ServerConfig> watched;
    // One per load balancer (or virtual address) each client reaches.
    QList<ClientConfig> clients;
    // One per monitor node.
    QList<MonitorConfig> monitors;
    QList<VirtualAddressConfig> virtualAddresses;
    // One per load balancer marked external (no frontend runs for it).
    QList<ExternalHaproxyConfig> externals;
    // Every database node, in the drawing's order.
    QList<DatabaseConfig> databases;

    bool operator==(const EngineConfig &) const = default;
};

// The database at the root of `database`'s replication tree: the cluster it
// belongs to. A database without a source is its own root; a loop of
// replication links (which validation refuses) ends where it closes.
QString clusterOf(const QList<DatabaseConfig> &databases, const QString &database);

struct CompileResult
{
    EngineConfig config;
    // Not empty when the topology cannot run as drawn; config is then empty.
    QList<Problem> problems;
};

// One frontend per load balancer, with a server per web server, app server
// or database it links to and the rules of the firewall in front of it, and
// a client per load balancer a client node reaches, straight or through a
// firewall.
CompileResult compile(const Topology &topology);

} // namespace Loadstar::Engine
