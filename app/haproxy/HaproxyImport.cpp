#include "HaproxyImport.h"

#include "model/AutoLayout.h"
#include "model/PropertySchema.h"

#include <QFileInfo>
#include <QHash>
#include <QMap>
#include <QRegularExpression>
#include <QSet>

#include <optional>

namespace Loadstar::Haproxy {

namespace {

QString q(const QString &text)
{
    return QStringLiteral("“%1”").arg(text);
}

// Keywords a frontend cannot hold: in a listen section they go with the
// backend half, so an export that splits the listen keeps them working.
bool isBackendOnly(const ConfigLine &line)
{
    static const QSet<QString> keywords{
        QStringLiteral("balance"),       QStringLiteral("cookie"),        QStringLiteral("default-server"),
        QStringLiteral("dispatch"),      QStringLiteral("fullconn"),      QStringLiteral("hash-type"),
        QStringLiteral("hash-balance-factor"), QStringLiteral("http-check"), QStringLiteral("http-reuse"),
        QStringLiteral("http-send-name-header"), QStringLiteral("load-server-state-from-file"),
        QStringLiteral("persist"),       QStringLiteral("retries"),       QStringLiteral("retry-on"),
        QStringLiteral("server"),        QStringLiteral("server-state-file-name"),
        QStringLiteral("server-template"), QStringLiteral("source"),      QStringLiteral("stick"),
        QStringLiteral("tcp-check"),     QStringLiteral("use-server"),    QStringLiteral("external-check"),
    };
    static const QSet<QString> options{
        QStringLiteral("abortonclose"),  QStringLiteral("allbackups"),    QStringLiteral("checkcache"),
        QStringLiteral("httpchk"),       QStringLiteral("ldap-check"),    QStringLiteral("mysql-check"),
        QStringLiteral("pgsql-check"),   QStringLiteral("redis-check"),   QStringLiteral("smtpchk"),
        QStringLiteral("spop-check"),    QStringLiteral("ssl-hello-chk"), QStringLiteral("tcp-check"),
        QStringLiteral("persist"),       QStringLiteral("prefer-last-server"), QStringLiteral("redispatch"),
        QStringLiteral("external-check"), QStringLiteral("transparent"),  QStringLiteral("http-pretend-keepalive"),
    };
    static const QSet<QString> timeouts{QStringLiteral("connect"), QStringLiteral("server"), QStringLiteral("queue"),
                                        QStringLiteral("check"), QStringLiteral("tunnel"),
                                        QStringLiteral("server-fin")};
    if (keywords.contains(line.keyword))
        return true;
    if (line.keyword == QLatin1String("option"))
        return options.contains(line.arguments.value(0));
    if (line.keyword == QLatin1String("no"))
        return line.arguments.value(0) == QLatin1String("option") && options.contains(line.arguments.value(1));
    if (line.keyword == QLatin1String("timeout"))
        return timeouts.contains(line.arguments.value(0));
    return false;
}

// A word written back so HAProxy reads it as it was read.
QString quoteWord(const QString &word)
{
    static const QRegularExpression plain(QStringLiteral("^[^\\s#'\"\\\\]+$"));
    if (plain.match(word).hasMatch())
        return word;
    if (!word.contains(QLatin1Char('\'')))
        return QStringLiteral("'%1'").arg(word);
    QString escaped = word;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('"'), QLatin1String("\\\""));
    return QStringLiteral("\"%1\"").arg(escaped);
}

QString joinWords(const QStringList &words)
{
    QStringList quoted;
    for (const QString &word : words)
        quoted.append(quoteWord(word));
    return quoted.join(QLatin1Char(' '));
}

// Server options HAProxy takes one value after; kept with their value so a
// value is never mistaken for an option of its own.
bool takesValue(const QString &option)
{
    static const QSet<QString> options{
        QStringLiteral("addr"),        QStringLiteral("agent-addr"),  QStringLiteral("agent-inter"),
        QStringLiteral("agent-port"),  QStringLiteral("agent-send"),  QStringLiteral("alpn"),
        QStringLiteral("ca-file"),     QStringLiteral("check-alpn"),  QStringLiteral("check-proto"),
        QStringLiteral("check-sni"),   QStringLiteral("ciphers"),     QStringLiteral("ciphersuites"),
        QStringLiteral("cookie"),      QStringLiteral("crl-file"),    QStringLiteral("crt"),
        QStringLiteral("curves"),      QStringLiteral("id"),          QStringLiteral("init-addr"),
        QStringLiteral("log-proto"),   QStringLiteral("max-reuse"),   QStringLiteral("maxqueue"),
        QStringLiteral("minconn"),     QStringLiteral("namespace"),   QStringLiteral("npn"),
        QStringLiteral("pool-low-conn"), QStringLiteral("pool-max-conn"), QStringLiteral("pool-purge-delay"),
        QStringLiteral("port"),        QStringLiteral("proto"),       QStringLiteral("redir"),
        QStringLiteral("resolve-net"), QStringLiteral("resolve-opts"), QStringLiteral("resolve-prefer"),
        QStringLiteral("resolvers"),   QStringLiteral("send-proxy-v2-options"), QStringLiteral("shard"),
        QStringLiteral("sigalgs"),     QStringLiteral("slowstart"),   QStringLiteral("sni"),
        QStringLiteral("socks4"),      QStringLiteral("source"),      QStringLiteral("tcp-ut"),
        QStringLiteral("track"),       QStringLiteral("verify"),      QStringLiteral("verifyhost"),
        QStringLiteral("ws"),          QStringLiteral("guid"),        QStringLiteral("hash-key"),
    };
    return options.contains(option);
}

// What an http check sends and expects (option httpchk, http-check).
struct HttpCheck
{
    bool enabled = false;
    QString method = QStringLiteral("OPTIONS"); // HAProxy's default
    QString path = QStringLiteral("/");
    QString host;
    QString status = QStringLiteral("200-399");
    QString body;
};

// What a defaults, frontend, backend or listen section says, in Loadstar's
// terms, with its defaults applied first.
struct ProxyState
{
    QVariantMap values; // load balancer properties
    HttpCheck http;
    QString dbCheck; // "mysql", "pgsql", "redis"
    QString dbUser;
    std::optional<int> checkTimeout;
    QStringList defaultServer; // options of the default-server lines, in order
    QList<const ConfigLine *> kept;       // the section's own lines Loadstar does not model
    QList<const ConfigLine *> logOptions; // option httplog/tcplog: kept unless the export writes them
};

struct Proxy
{
    const ConfigSection *section = nullptr;
    int defaults = -1; // index in Importer::m_defaults
    ProxyState state;
    QList<const ConfigLine *> binds;
    const ConfigLine *defaultBackend = nullptr;
    QStringList usedBackends; // named by use_backend rules
    QList<const ConfigLine *> servers;
    QList<const ConfigLine *> redirects;
    bool stats = false;

    bool isFrontendLike() const
    {
        return section->kind == QLatin1String("frontend")
               || (section->kind == QLatin1String("listen") && !binds.isEmpty());
    }
    const QString &name() const { return section->name; }
};

struct Defaults
{
    const ConfigSection *section = nullptr;
    ProxyState state;
};

// A kept directive and the load balancers it is kept with.
struct KeptLine
{
    const ConfigLine *line = nullptr;
    QString section;
    QString what; // "frontend lines"
    QStringList holders;
    bool everyLoadBalancer = false;
};

const QStringList kFrontendKeys{QStringLiteral("mode"), QStringLiteral("maxconn"), QStringLiteral("timeout_client"),
                                QStringLiteral("timeout_http_request"), QStringLiteral("timeout_http_keep_alive")};
const QStringList kBackendKeys{QStringLiteral("balance"),         QStringLiteral("allbackups"),
                               QStringLiteral("retries"),         QStringLiteral("redispatch"),
                               QStringLiteral("timeout_connect"), QStringLiteral("timeout_server"),
                               QStringLiteral("timeout_queue")};

class Importer
{
public:
    explicit Importer(const ParsedConfig &config)
        : m_config(config)
    {}

    ImportResult run()
    {
        ImportResult result;
        readSections();
        QList<const Proxy *> frontends;
        for (const Proxy &proxy : std::as_const(m_proxies)) {
            if (!proxy.isFrontendLike())
                continue;
            if (isStatsOnly(proxy))
                m_statsSections.append(&proxy);
            else if (isRedirectOnly(proxy))
                m_redirects.append(&proxy);
            else
                frontends.append(&proxy);
        }
        if (frontends.isEmpty()) {
            result.errors.append({0, QStringLiteral("has no frontend or listen section with a bind line: there is no "
                                                    "load balancer to draw")});
            return result;
        }
        for (const Proxy *frontend : std::as_const(frontends))
            addLoadBalancer(*frontend);
        for (const Proxy *frontend : std::as_const(frontends))
            linkServers(*frontend);
        resolveDatabaseRoutes();
        matchRedirects();
        keepGlobal();
        keepUndrawnSections();
        writeKeptLines();
        layOut();

        result.report.loadBalancers = int(m_loadBalancers.size());
        result.report.servers = int(m_serverCount);
        result.report.keptLines = keptLineCount();
        result.report.entries = sortedEntries();
        result.report.problems = validate(m_topology);
        result.topology = m_topology;
        return result;
    }

private:
    // --- reading sections ------------------------------------------------

    void readSections()
    {
        int lastDefaults = -1;
        for (const ConfigSection &section : m_config.sections) {
            if (section.kind == QLatin1String("defaults")) {
                Defaults defaults{&section, {}};
                const int parent = namedDefaults(section.defaultsName());
                if (parent >= 0)
                    defaults.state = inherited(m_defaults.at(parent).state);
                for (const ConfigLine &line : section.lines) {
                    if (line.keyword == QLatin1String("log") && line.arguments == QStringList{QStringLiteral("global")})
                        continue; // every export writes it
                    if (!applySetting(defaults.state, line, section))
                        defaults.state.kept.append(&line);
                }
                m_defaults.append(defaults);
                lastDefaults = int(m_defaults.size()) - 1;
            } else if (section.isProxy()) {
                Proxy proxy;
                proxy.section = &section;
                const QString named = section.defaultsName();
                proxy.defaults = named.isEmpty() ? lastDefaults : namedDefaults(named);
                if (proxy.defaults >= 0)
                    proxy.state = inherited(m_defaults.at(proxy.defaults).state);
                for (const ConfigLine &line : section.lines)
                    readProxyLine(proxy, line);
                m_proxies.append(proxy);
            }
        }
    }

    int namedDefaults(const QString &name) const
    {
        if (name.isEmpty())
            return -1;
        for (qsizetype i = m_defaults.size() - 1; i >= 0; --i) {
            if (m_defaults.at(i).section->name == name)
                return int(i);
        }
        return -1;
    }

    static ProxyState inherited(const ProxyState &defaults)
    {
        ProxyState state = defaults;
        state.kept.clear();
        state.logOptions.clear();
        return state;
    }

    void readProxyLine(Proxy &proxy, const ConfigLine &line)
    {
        const QString &keyword = line.keyword;
        if (keyword == QLatin1String("bind")) {
            proxy.binds.append(&line);
        } else if (keyword == QLatin1String("default_backend")) {
            proxy.defaultBackend = &line;
        } else if (keyword == QLatin1String("use_backend")) {
            proxy.usedBackends.append(line.arguments.value(0));
            proxy.state.kept.append(&line);
        } else if (keyword == QLatin1String("server")) {
            proxy.servers.append(&line);
        } else if (isRedirectToHttps(line)) {
            proxy.redirects.append(&line);
            proxy.state.kept.append(&line);
        } else {
            if (keyword == QLatin1String("stats")
                || (line.is("http-request", "use-service")
                    && line.arguments.value(1) == QLatin1String("prometheus-exporter"))) {
                proxy.stats = true;
            }
            if (!applySetting(proxy.state, line, *proxy.section))
                proxy.state.kept.append(&line);
        }
    }

    static bool isRedirectToHttps(const ConfigLine &line)
    {
        const QStringList &a = line.arguments;
        if (line.is("http-request", "redirect"))
            return a.value(1) == QLatin1String("scheme") && a.value(2) == QLatin1String("https");
        if (line.is("redirect", "scheme"))
            return a.value(1) == QLatin1String("https");
        return false;
    }

    // Applies a directive Loadstar models to `state`; false when it is not
    // one (or its value is one Loadstar cannot draw), so it is kept.
    bool applySetting(ProxyState &state, const ConfigLine &line, const ConfigSection &section)
    {
        const QString &keyword = line.keyword;
        const QStringList &a = line.arguments;
        if (keyword == QLatin1String("mode") && a.size() == 1)
            return setValue(state, QStringLiteral("mode"), a.first(), line, section);
        if (keyword == QLatin1String("balance")) {
            if (a.size() == 1 && setValue(state, QStringLiteral("balance"), a.first(), line, section, false))
                return true;
            state.values.insert(QStringLiteral("balance"), QStringLiteral("roundrobin"));
            note(line, section, QStringLiteral("Loadstar's engine balances roundrobin, static-rr, leastconn, source, "
                                               "first or random: drawn as roundrobin, the line kept for HAProxy"));
            return false;
        }
        if (keyword == QLatin1String("retries") && a.size() == 1)
            return setValue(state, QStringLiteral("retries"), a.first(), line, section);
        if (keyword == QLatin1String("maxconn") && a.size() == 1)
            return setValue(state, QStringLiteral("maxconn"), a.first(), line, section);
        if (keyword == QLatin1String("timeout") && a.size() == 2)
            return applyTimeout(state, line, section);
        if ((keyword == QLatin1String("option") && a.size() == 1)
            || (keyword == QLatin1String("no") && a.size() == 2 && a.first() == QLatin1String("option"))) {
            const bool on = keyword == QLatin1String("option");
            const QString &option = a.last();
            if (option == QLatin1String("allbackups") || option == QLatin1String("redispatch"))
                return setValue(state, option, on, line, section);
            if (on && (option == QLatin1String("httplog") || option == QLatin1String("tcplog"))) {
                state.logOptions.append(&line);
                return true;
            }
        }
        if (line.is("option", "httpchk"))
            return applyOptionHttpchk(state, line, section);
        if (keyword == QLatin1String("http-check"))
            return applyHttpCheck(state, line, section);
        if (line.is("option", "mysql-check") || line.is("option", "pgsql-check") || line.is("option", "redis-check"))
            return applyDatabaseCheck(state, line);
        if (keyword == QLatin1String("default-server")) {
            state.defaultServer += a;
            m_defaultServerLines.append({&line, section.title()});
            return true;
        }
        return false;
    }

    bool setValue(ProxyState &state, const QString &key, const QVariant &value, const ConfigLine &line,
                  const ConfigSection &section, bool sayWhy = true)
    {
        const PropertySpec *spec = PropertySchema::find(NodeKind::LoadBalancer, key);
        const auto converted = PropertySchema::convert(*spec, value);
        if (!converted.error.isEmpty()) {
            if (sayWhy) {
                note(line, section, QStringLiteral("%1 %2 in Loadstar: kept for HAProxy")
                                        .arg(spec->label.toLower(), converted.error));
            }
            return false;
        }
        state.values.insert(key, converted.value);
        return true;
    }

    bool applyTimeout(ProxyState &state, const ConfigLine &line, const ConfigSection &section)
    {
        static const QHash<QString, QString> keys{
            {QStringLiteral("connect"), QStringLiteral("timeout_connect")},
            {QStringLiteral("client"), QStringLiteral("timeout_client")},
            {QStringLiteral("server"), QStringLiteral("timeout_server")},
            {QStringLiteral("queue"), QStringLiteral("timeout_queue")},
            {QStringLiteral("http-request"), QStringLiteral("timeout_http_request")},
            {QStringLiteral("http-keep-alive"), QStringLiteral("timeout_http_keep_alive")},
            {QStringLiteral("check"), QStringLiteral("check_timeout")},
        };
        const QString key = keys.value(line.arguments.first());
        const std::optional<qint64> ms = parseTime(line.arguments.last());
        if (key.isEmpty() || !ms)
            return false;
        if (key == QLatin1String("check_timeout")) {
            if (*ms < 1 || *ms > 24 * 3600 * 1000)
                return false;
            state.checkTimeout = int(*ms);
            return true;
        }
        return setValue(state, key, *ms, line, section);
    }

    bool applyOptionHttpchk(ProxyState &state, const ConfigLine &line, const ConfigSection &section)
    {
        // option httpchk [<uri>] | [<method> <uri> [<version>]]
        const QStringList a = line.arguments.mid(1);
        HttpCheck &http = state.http;
        http.enabled = true;
        if (a.isEmpty())
            return true;
        QString method = http.method;
        QString path = a.first();
        QString version;
        if (a.size() >= 2) {
            method = a.at(0);
            path = a.at(1);
            version = a.mid(2).join(QLatin1Char(' '));
        }
        // HAProxy before 2.2 sent headers through the version:
        // "HTTP/1.1\r\nHost:\ example.org".
        QString host;
        if (const qsizetype at = version.indexOf(QLatin1String("\r\nHost:"), 0, Qt::CaseInsensitive); at >= 0) {
            host = version.mid(at + 7).section(QLatin1String("\r\n"), 0, 0).trimmed();
            version = version.left(at);
        }
        const bool modelled = checkValue(QStringLiteral("check_method"), method)
                              && checkValue(QStringLiteral("check_path"), path)
                              && (host.isEmpty() || checkValue(QStringLiteral("check_host"), host))
                              && !version.contains(QLatin1String("\r\n"));
        if (!modelled) {
            note(line, section, QStringLiteral("Loadstar's http check sends GET, HEAD or OPTIONS to a path, with a "
                                               "Host header at most: the line is kept for HAProxy"));
            return false;
        }
        http.method = method;
        http.path = path;
        http.host = host;
        return true;
    }

    bool applyHttpCheck(ProxyState &state, const ConfigLine &line, const ConfigSection &section)
    {
        const QStringList &a = line.arguments;
        HttpCheck &http = state.http;
        if (a.value(0) == QLatin1String("send")) {
            HttpCheck sent = http;
            bool modelled = true;
            for (qsizetype i = 1; i < a.size(); ++i) {
                const QString &word = a.at(i);
                const QString value = a.value(i + 1);
                if (word == QLatin1String("meth")) {
                    modelled = modelled && checkValue(QStringLiteral("check_method"), value);
                    sent.method = value;
                    ++i;
                } else if (word == QLatin1String("uri")) {
                    modelled = modelled && checkValue(QStringLiteral("check_path"), value);
                    sent.path = value;
                    ++i;
                } else if (word == QLatin1String("hdr") && value.compare(QLatin1String("Host"), Qt::CaseInsensitive) == 0) {
                    modelled = modelled && checkValue(QStringLiteral("check_host"), a.value(i + 2));
                    sent.host = a.value(i + 2);
                    i += 2;
                } else if (word == QLatin1String("ver") && (value == QLatin1String("HTTP/1.0") || value == QLatin1String("HTTP/1.1"))) {
                    ++i;
                } else {
                    modelled = false;
                    break;
                }
            }
            if (!modelled) {
                note(line, section, QStringLiteral("Loadstar's http check sends GET, HEAD or OPTIONS to a path, with "
                                                   "a Host header at most: the line is kept for HAProxy"));
                return false;
            }
            http = sent;
            return true;
        }
        if (a.value(0) == QLatin1String("expect") && a.size() == 3) {
            if (a.at(1) == QLatin1String("status") && checkValue(QStringLiteral("check_status"), a.at(2))) {
                http.status = a.at(2);
                http.body.clear();
                return true;
            }
            if (a.at(1) == QLatin1String("string")) {
                http.body = a.at(2);
                return true;
            }
        }
        note(line, section, QStringLiteral("Loadstar's http check expects a status, a status range or a text in the "
                                           "body: the line is kept for HAProxy"));
        return false;
    }

    bool applyDatabaseCheck(ProxyState &state, const ConfigLine &line)
    {
        const QStringList &a = line.arguments;
        const QString check = a.first().section(QLatin1Char('-'), 0, 0); // "mysql", "pgsql", "redis"
        state.dbCheck = check;
        state.dbUser.clear();
        if (a.size() == 1)
            return check != QLatin1String("pgsql"); // pgsql-check needs its user
        if (a.size() == 3 && a.at(1) == QLatin1String("user") && check != QLatin1String("redis")) {
            // The export names a user pgsql-check needs when the drawing has none.
            state.dbUser = check == QLatin1String("pgsql") && a.at(2) == QLatin1String("haproxy") ? QString() : a.at(2);
            return true;
        }
        return false; // "post-41" and the like: kept, the check still drawn
    }

    static bool checkValue(const QString &key, const QString &value)
    {
        const PropertySpec *spec = PropertySchema::find(NodeKind::WebServer, key);
        return PropertySchema::convert(*spec, value).error.isEmpty();
    }

    // --- what is drawn ----------------------------------------------------

    static bool isStatsOnly(const Proxy &proxy)
    {
        return proxy.stats && proxy.servers.isEmpty() && !proxy.defaultBackend && proxy.usedBackends.isEmpty();
    }

    // A frontend whose only job is sending browsers to HTTPS.
    static bool isRedirectOnly(const Proxy &proxy)
    {
        if (proxy.redirects.size() != 1 || proxy.binds.size() != 1 || !proxy.servers.isEmpty()
            || proxy.defaultBackend || !proxy.usedBackends.isEmpty()) {
            return false;
        }
        return proxy.state.kept.size() == 1; // the redirect itself
    }

    const Proxy *proxyNamed(const QString &name) const
    {
        for (const Proxy &proxy : m_proxies) {
            if (proxy.name() == name
                && (proxy.section->kind == QLatin1String("backend") || proxy.section->kind == QLatin1String("listen"))) {
                return &proxy;
            }
        }
        return nullptr;
    }

    void addLoadBalancer(const Proxy &frontend)
    {
        Node lb = Node::make(NodeKind::LoadBalancer, frontend.name());
        const Proxy *backend = &frontend;
        if (frontend.section->kind == QLatin1String("frontend"))
            backend = frontend.defaultBackend ? proxyNamed(frontend.defaultBackend->arguments.first()) : nullptr;
        // HAProxy's mode when nothing sets one is tcp.
        lb.setProperty(QStringLiteral("mode"), QStringLiteral("tcp"));
        setValues(lb, frontend.state.values, kFrontendKeys);
        if (backend) {
            setValues(lb, backend->state.values, kBackendKeys);
            if (backend->name() != lb.name)
                lb.setProperty(QStringLiteral("backend_name"), backend->name());
        }
        applyBind(lb, frontend);
        const NodeId id = m_topology.addNode(lb);
        m_loadBalancers.append({id, &frontend, backend});
        keepProxyLines(id, frontend, backend);
        addFirewall(id, frontend);
    }

    static void setValues(Node &lb, const QVariantMap &values, const QStringList &keys)
    {
        for (const QString &key : keys) {
            if (values.contains(key))
                lb.setProperty(key, values.value(key));
        }
    }

    // The first bind Loadstar can draw is the load balancer's listener; a
    // bind named virtual-address on its port is the address it shares
    // through VRRP (as the export writes it); the others are kept.
    void applyBind(Node &lb, const Proxy &frontend)
    {
        for (const ConfigLine *line : frontend.binds) {
            if (m_binds.contains(lb.name) && isVirtualAddressBind(lb, *line)) {
                QString error;
                const auto endpoint = parseEndpoint(line->arguments.first(), &error);
                lb.setProperty(QStringLiteral("virtual_address"), endpoint->address);
                m_virtualBinds.insert(line);
                continue;
            }
            const QString address = line->arguments.first();
            QString error;
            const auto endpoint = address.contains(QLatin1Char(',')) || address.contains(QLatin1Char('-'))
                                      ? std::nullopt
                                      : parseEndpoint(address, &error);
            if (m_binds.contains(lb.name) || !endpoint || endpoint->port == 0)
                continue;
            QString host = endpoint->address;
            if (host.isEmpty())
                host = endpoint->ipv6 ? QStringLiteral("::") : QStringLiteral("0.0.0.0");
            if (!lb.setProperty(QStringLiteral("address"), host).isEmpty())
                continue;
            lb.setProperty(QStringLiteral("port"), endpoint->port);
            QStringList kept;
            const QStringList options = line->arguments.mid(1);
            for (qsizetype i = 0; i < options.size(); ++i) {
                if (options.at(i) == QLatin1String("ssl")) {
                    lb.setProperty(QStringLiteral("tls"), true);
                } else if (options.at(i) == QLatin1String("crt") && i + 1 < options.size()) {
                    lb.setProperty(QStringLiteral("tls_certificate"), options.at(++i));
                } else {
                    kept.append(options.at(i));
                }
            }
            if (!kept.isEmpty()) {
                lb.setProperty(QStringLiteral("haproxy_bind"), joinWords(kept));
                note(*line, *frontend.section, QStringLiteral("bind options Loadstar does not model (%1) kept on %2's listener")
                                                   .arg(joinWords(kept), lb.name));
            }
            m_binds.insert(lb.name, line);
        }
        if (!m_binds.contains(lb.name)) {
            const ConfigLine *first = frontend.binds.value(0);
            note(*first, *frontend.section,
                 QStringLiteral("Loadstar draws a listener on one address and port: %1 is drawn on %2:%3, the bind "
                                "lines kept for HAProxy")
                     .arg(lb.name, lb.stringProperty(QStringLiteral("address")))
                     .arg(lb.intProperty(QStringLiteral("port"))));
        }
    }

    static bool isVirtualAddressBind(const Node &lb, const ConfigLine &line)
    {
        QString error;
        const auto endpoint = parseEndpoint(line.arguments.first(), &error);
        const QStringList options = line.arguments.mid(1);
        QStringList expected{QStringLiteral("name"), QStringLiteral("virtual-address")};
        if (lb.boolProperty(QStringLiteral("tls")))
            expected << QStringLiteral("ssl") << QStringLiteral("crt") << lb.stringProperty(QStringLiteral("tls_certificate"));
        return endpoint && endpoint->port == lb.intProperty(QStringLiteral("port")) && !endpoint->address.isEmpty()
               && options == expected && lb.stringProperty(QStringLiteral("virtual_address")).isEmpty()
               && isValidHostOrAddress(endpoint->address);
    }

    struct LoadBalancer
    {
        NodeId id = 0;
        const Proxy *frontend = nullptr;
        const Proxy *backend = nullptr; // null: no default backend
    };

    void keepProxyLines(NodeId id, const Proxy &frontend, const Proxy *backend)
    {
        const QString &name = m_topology.node(id)->name;
        const bool listen = frontend.section->kind == QLatin1String("listen");
        for (const ConfigLine *line : frontend.binds) {
            if (m_binds.value(name) != line && !m_virtualBinds.contains(line))
                keep(line, *frontend.section, QStringLiteral("frontend lines"), name);
        }
        for (const ConfigLine *line : frontend.state.kept) {
            const bool toBackend = listen && isBackendOnly(*line);
            keep(line, *frontend.section, toBackend ? QStringLiteral("backend lines") : QStringLiteral("frontend lines"), name);
        }
        keepLogOptions(frontend, name);
        if (backend && backend != &frontend) {
            for (const ConfigLine *line : backend->state.kept)
                keep(line, *backend->section, QStringLiteral("backend lines"), name);
        }
        for (const Proxy *proxy : {&frontend, backend}) {
            if (!proxy || proxy->defaults < 0)
                continue;
            const Defaults &defaults = m_defaults.at(proxy->defaults);
            for (const ConfigLine *line : defaults.state.kept)
                keep(line, *defaults.section, QStringLiteral("defaults lines"), name);
        }
    }

    // option httplog or tcplog is what the export writes for the mode; the
    // other one is kept.
    void keepLogOptions(const Proxy &frontend, const QString &name)
    {
        const Node *lb = m_topology.nodeByName(name);
        const QString written = lb->stringProperty(QStringLiteral("mode")) == QLatin1String("http")
                                    ? QStringLiteral("httplog")
                                    : QStringLiteral("tcplog");
        for (const ConfigLine *line : frontend.state.logOptions) {
            if (line->arguments.first() != written)
                keep(line, *frontend.section, QStringLiteral("frontend lines"), name);
        }
        if (frontend.defaults < 0)
            return;
        const Defaults &defaults = m_defaults.at(frontend.defaults);
        for (const ConfigLine *line : defaults.state.logOptions) {
            if (line->arguments.first() != written)
                keep(line, *defaults.section, QStringLiteral("defaults lines"), name);
            else
                m_writtenLogOptions.insert(line);
        }
    }

    void keep(const ConfigLine *line, const ConfigSection &section, const QString &what, const QString &holder)
    {
        KeptLine &kept = m_kept[line->number];
        kept.line = line;
        kept.section = section.title();
        kept.what = what;
        if (!kept.holders.contains(holder))
            kept.holders.append(holder);
    }

    // --- firewalls ---------------------------------------------------------

    // The rules an export writes for a firewall in front of a load balancer
    // ("# Firewall NAME", acl fw_allow/fw_deny, tcp-request connection
    // reject, a stick table counting conn_rate) are drawn as that firewall.
    void addFirewall(NodeId lbId, const Proxy &frontend)
    {
        static const QRegularExpression named(QStringLiteral("^#\\s*Firewall\\s+([A-Za-z0-9_.:-]+):"));
        const QList<const ConfigLine *> &kept = frontend.state.kept;
        qsizetype at = -1;
        QString name;
        for (qsizetype i = 0; i < kept.size() && at < 0; ++i) {
            const auto match = named.match(kept.at(i)->comments.value(kept.at(i)->comments.size() - 1));
            if (match.hasMatch()) {
                at = i;
                name = match.captured(1);
            }
        }
        if (at < 0)
            return;
        // The lines must follow each other exactly as the export writes them.
        auto textAt = [&](qsizetype i) { return i < kept.size() ? kept.at(i)->text : QString(); };
        QList<const ConfigLine *> used;
        QStringList allow, deny;
        int rate = 0;
        qsizetype i = at;
        if (textAt(i) == QLatin1String("tcp-request connection reject")) {
            used.append(kept.at(i++));
        } else {
            if (!kept.at(i)->is("acl", "fw_allow") || kept.at(i)->arguments.value(1) != QLatin1String("src")
                || textAt(i + 1) != QLatin1String("tcp-request connection reject if !fw_allow")) {
                return;
            }
            allow = kept.at(i)->arguments.mid(2);
            used << kept.at(i) << kept.at(i + 1);
            i += 2;
            if (i < kept.size() && kept.at(i)->is("acl", "fw_deny") && kept.at(i)->arguments.value(1) == QLatin1String("src")
                && textAt(i + 1) == QLatin1String("tcp-request connection reject if fw_deny")) {
                deny = kept.at(i)->arguments.mid(2);
                used << kept.at(i) << kept.at(i + 1);
                i += 2;
            }
            static const QRegularExpression limit(
                QStringLiteral("^tcp-request connection reject if \\{ sc_conn_rate\\(0\\) gt (\\d+) \\}$"));
            const auto match = limit.match(textAt(i + 2));
            if (textAt(i) == QLatin1String("stick-table type ipv6 size 100k expire 10s store conn_rate(1s)")
                && textAt(i + 1) == QLatin1String("tcp-request connection track-sc0 src") && match.hasMatch()) {
                rate = match.captured(1).toInt();
                used << kept.at(i) << kept.at(i + 1) << kept.at(i + 2);
            }
        }
        Node firewall = Node::make(NodeKind::Firewall, name);
        if (!firewall.setProperty(QStringLiteral("allow"), allow.join(QStringLiteral(", "))).isEmpty()
            || !firewall.setProperty(QStringLiteral("deny"), deny.join(QStringLiteral(", "))).isEmpty()
            || !firewall.setProperty(QStringLiteral("rate_limit"), rate).isEmpty()) {
            return;
        }
        NodeId id = 0;
        for (const Node &node : m_topology.nodes()) {
            if (node.kind == NodeKind::Firewall && node.name == firewall.name && node.properties == firewall.properties)
                id = node.id;
        }
        if (id == 0) {
            if (m_topology.nodeByName(firewall.name))
                firewall.name = m_topology.uniqueName(firewall.name);
            id = m_topology.addNode(firewall);
        }
        m_topology.connect(id, lbId);
        m_firewallLines.insert(lbId, used);
    }

    // --- servers -----------------------------------------------------------

    void linkServers(const Proxy &frontend)
    {
        const LoadBalancer *lb = nullptr;
        for (const LoadBalancer &entry : m_loadBalancers) {
            if (entry.frontend == &frontend)
                lb = &entry;
        }
        if (!lb->backend)
            return;
        if (!m_backendServers.contains(lb->backend)) {
            QList<NodeId> ids;
            for (const ConfigLine *line : lb->backend->servers) {
                if (const NodeId id = addServer(*lb->backend, *line, lb->id))
                    ids.append(id);
            }
            m_backendServers.insert(lb->backend, ids);
        }
        for (NodeId server : m_backendServers.value(lb->backend))
            m_topology.connect(lb->id, server);
    }

    struct ServerOptions
    {
        bool check = false;
        bool checkSsl = false;
        QString verify;
        QString sni;
        std::optional<qint64> inter, fastinter, downinter;
        QVariantMap values;
        QStringList kept;
    };

    ServerOptions serverOptions(const QStringList &words, const ConfigLine &line, const ConfigSection &section)
    {
        static const QHash<QString, QString> numbers{
            {QStringLiteral("weight"), QStringLiteral("weight")},  {QStringLiteral("maxconn"), QStringLiteral("maxconn")},
            {QStringLiteral("rise"), QStringLiteral("rise")},      {QStringLiteral("fall"), QStringLiteral("fall")},
            {QStringLiteral("error-limit"), QStringLiteral("error_limit")},
            {QStringLiteral("observe"), QStringLiteral("observe")}, {QStringLiteral("on-error"), QStringLiteral("on_error")},
        };
        ServerOptions options;
        for (qsizetype i = 0; i < words.size(); ++i) {
            const QString &word = words.at(i);
            const QString value = words.value(i + 1);
            if (word == QLatin1String("check")) {
                options.check = true;
            } else if (word == QLatin1String("no-check")) {
                options.check = false;
            } else if (word == QLatin1String("check-ssl")) {
                options.checkSsl = true;
            } else if (word == QLatin1String("no-check-ssl")) {
                options.checkSsl = false;
            } else if (word == QLatin1String("backup")) {
                options.values.insert(QStringLiteral("backup"), true);
            } else if (word == QLatin1String("non-backup")) {
                options.values.insert(QStringLiteral("backup"), false);
            } else if (word == QLatin1String("verify") && i + 1 < words.size()) {
                options.verify = value;
                ++i;
            } else if (word == QLatin1String("check-sni") && i + 1 < words.size()) {
                options.sni = value;
                ++i;
            } else if ((word == QLatin1String("inter") || word == QLatin1String("fastinter")
                        || word == QLatin1String("downinter")) && parseTime(value)) {
                const qint64 ms = *parseTime(value);
                (word == QLatin1String("inter") ? options.inter : word == QLatin1String("fastinter") ? options.fastinter : options.downinter) = ms;
                ++i;
            } else if (numbers.contains(word) && i + 1 < words.size()) {
                options.values.insert(numbers.value(word), value);
                ++i;
            } else {
                if (word == QLatin1String("disabled")) {
                    note(line, section, QStringLiteral("the server starts in maintenance (disabled): Loadstar draws it "
                                                       "and keeps “disabled” on its line for HAProxy"));
                }
                options.kept.append(word);
                if (takesValue(word) && i + 1 < words.size())
                    options.kept.append(words.at(++i));
            }
        }
        return options;
    }

    // The server node a backend's server line is drawn as (an existing one
    // when the same server is in another backend), or 0 when Loadstar
    // cannot draw it and keeps the line.
    NodeId addServer(const Proxy &backend, const ConfigLine &line, NodeId lbId)
    {
        const ConfigSection &section = *backend.section;
        const QString lbName = m_topology.node(lbId)->name;
        const QString name = line.arguments.at(0);
        QString error;
        const auto endpoint = parseEndpoint(line.arguments.at(1), &error);
        const QString address = endpoint ? endpoint->address : QString();
        if (!endpoint || address.isEmpty() || !isValidHostOrAddress(address)) {
            keep(&line, section, QStringLiteral("backend lines"), lbName);
            note(line, section, QStringLiteral("Loadstar draws servers at an IP address or host name and port: %1 is not "
                                               "drawn, its line kept for HAProxy").arg(q(name)));
            return 0;
        }
        const ServerOptions options = serverOptions(backend.state.defaultServer + line.arguments.mid(2), line, section);
        const ProxyState &state = backend.state;
        const QString mode = state.values.value(QStringLiteral("mode"), QStringLiteral("tcp")).toString();
        int port = endpoint->port;
        if (port == 0) {
            port = m_topology.node(lbId)->intProperty(QStringLiteral("port"));
            note(line, section, QStringLiteral("server %1 names no port, so HAProxy uses the one the client connected "
                                               "to: drawn with %2's port %3").arg(q(name), lbName).arg(port));
        }

        QString check = QStringLiteral("none");
        if (options.check) {
            if (!state.dbCheck.isEmpty())
                check = state.dbCheck;
            else if (state.http.enabled)
                check = options.checkSsl ? QStringLiteral("https") : QStringLiteral("http");
            else
                check = options.checkSsl ? QStringLiteral("tls") : QStringLiteral("tcp");
        }
        NodeKind kind = NodeKind::WebServer;
        if (mode == QLatin1String("tcp")) {
            const bool databasePort = port == 3306 || port == 5432 || port == 6379;
            kind = !state.dbCheck.isEmpty() || (databasePort && !state.http.enabled && !options.checkSsl)
                       ? NodeKind::Database
                       : NodeKind::AppServer;
        }
        if (kind != NodeKind::Database && !state.dbCheck.isEmpty())
            check = QStringLiteral("tcp");

        Node server = Node::make(kind, name);
        QStringList kept = options.kept;
        auto set = [&](const QString &key, const QVariant &value, const QString &option = {}) {
            const QString problem = server.setProperty(key, value);
            if (problem.isEmpty())
                return;
            if (!option.isEmpty())
                kept << option << value.toString();
            note(line, section, QStringLiteral("%1 %2 in Loadstar: kept for HAProxy")
                                    .arg(PropertySchema::find(kind, key)->label.toLower(), problem));
        };
        set(QStringLiteral("address"), address);
        set(QStringLiteral("port"), port);
        // A real server someone else runs: neither a demo backend nor a demo database.
        set(QStringLiteral("embedded"), false);
        set(QStringLiteral("check"), check);
        // Unset, fastinter and downinter are inter (HAProxy's rule); the
        // check timeout is inter unless "timeout check" says otherwise.
        const qint64 inter = options.inter.value_or(2000);
        set(QStringLiteral("inter"), inter, QStringLiteral("inter"));
        set(QStringLiteral("fastinter"), options.fastinter.value_or(inter), QStringLiteral("fastinter"));
        set(QStringLiteral("downinter"), options.downinter.value_or(inter), QStringLiteral("downinter"));
        set(QStringLiteral("check_timeout"), state.checkTimeout.value_or(int(inter)));
        static const QHash<QString, QString> optionOf{
            {QStringLiteral("weight"), QStringLiteral("weight")}, {QStringLiteral("maxconn"), QStringLiteral("maxconn")},
            {QStringLiteral("rise"), QStringLiteral("rise")}, {QStringLiteral("fall"), QStringLiteral("fall")},
            {QStringLiteral("error_limit"), QStringLiteral("error-limit")}, {QStringLiteral("observe"), QStringLiteral("observe")},
            {QStringLiteral("on_error"), QStringLiteral("on-error")}, {QStringLiteral("backup"), QString()},
        };
        // Without observe there is nothing for on-error to act on; with it,
        // HAProxy's default action is fail-check.
        const bool observed = options.values.contains(QStringLiteral("observe"));
        set(QStringLiteral("observe"), observed ? options.values.value(QStringLiteral("observe")) : QStringLiteral("none"),
            observed ? QStringLiteral("observe") : QString());
        if (observed && !options.values.contains(QStringLiteral("on_error")))
            set(QStringLiteral("on_error"), QStringLiteral("fail-check"));
        for (auto it = options.values.cbegin(); it != options.values.cend(); ++it) {
            if (it.key() != QLatin1String("observe"))
                set(it.key(), it.value(), optionOf.value(it.key()));
        }
        if (options.checkSsl && !(options.verify == QLatin1String("none") || options.verify.isEmpty())) {
            kept << QStringLiteral("verify") << options.verify;
        } else if (!options.checkSsl && !options.verify.isEmpty()) {
            kept << QStringLiteral("verify") << options.verify;
        }
        if (check == QLatin1String("http") || check == QLatin1String("https")) {
            set(QStringLiteral("check_method"), state.http.method);
            set(QStringLiteral("check_path"), state.http.path);
            set(QStringLiteral("check_host"), state.http.host);
            set(QStringLiteral("check_status"), state.http.status);
            set(QStringLiteral("check_body"), state.http.body);
        }
        if (!options.sni.isEmpty()) {
            const bool tlsCheck = check == QLatin1String("tls") || check == QLatin1String("https");
            const QString host = server.stringProperty(QStringLiteral("check_host"));
            if (tlsCheck && (host.isEmpty() || host == options.sni) && checkValue(QStringLiteral("check_host"), options.sni))
                server.setProperty(QStringLiteral("check_host"), options.sni);
            else
                kept << QStringLiteral("check-sni") << options.sni;
        }
        if (kind == NodeKind::Database) {
            const QString engine = state.dbCheck == QLatin1String("pgsql") || port == 5432 ? QStringLiteral("postgresql")
                                   : state.dbCheck == QLatin1String("redis") || port == 6379 ? QStringLiteral("redis")
                                                                                              : QStringLiteral("mariadb");
            set(QStringLiteral("engine"), engine);
            set(QStringLiteral("db_user"), state.dbUser);
        }
        set(QStringLiteral("haproxy_server"), joinWords(kept));

        ++m_serverCount;
        const bool backup = server.boolProperty(QStringLiteral("backup"));
        // The same server in another backend is the same machine; a
        // database may be a backup in one and not in another (the write
        // and read listeners of a cluster).
        if (const Node *existing = m_topology.nodeByName(name)) {
            Node other = server;
            other.setProperty(QStringLiteral("backup"), existing->boolProperty(QStringLiteral("backup")));
            const bool same = existing->kind == server.kind && existing->properties == server.properties;
            if (same || (kind == NodeKind::Database && existing->kind == kind && existing->properties == other.properties)) {
                --m_serverCount;
                m_databaseBackups[&backend].append({existing->id, backup});
                return existing->id;
            }
            server.name = QStringLiteral("%1-%2").arg(section.name, name);
            for (int n = 2; m_topology.nodeByName(server.name); ++n)
                server.name = QStringLiteral("%1-%2-%3").arg(section.name, name).arg(n);
            note(line, section, QStringLiteral("another node is named %1: this server is drawn as %2")
                                    .arg(q(name), q(server.name)));
        }
        const NodeId id = m_topology.addNode(server);
        if (kind == NodeKind::Database)
            m_databaseBackups[&backend].append({id, backup});
        return id;
    }

    // Databases that are backups in one backend and not in another are a
    // cluster's write and read listeners: one backend sends to the primary
    // with the replicas as backups (route primary), the other to the
    // replicas with the primary as backup (route replicas).
    void resolveDatabaseRoutes()
    {
        QHash<NodeId, QSet<bool>> written;
        for (const auto &servers : std::as_const(m_databaseBackups)) {
            for (const auto &[id, backup] : servers)
                written[id].insert(backup);
        }
        QList<const Proxy *> routed;
        for (const LoadBalancer &lb : std::as_const(m_loadBalancers)) {
            const auto servers = m_databaseBackups.value(lb.backend);
            const bool conflicting = std::any_of(servers.begin(), servers.end(), [&](const auto &server) {
                return written.value(server.first).size() > 1;
            });
            if (conflicting && !routed.contains(lb.backend))
                routed.append(lb.backend);
        }
        if (routed.isEmpty())
            return;
        auto split = [this](const Proxy *backend, bool backups) {
            QList<NodeId> ids;
            for (const auto &[id, backup] : m_databaseBackups.value(backend)) {
                if (backup == backups)
                    ids.append(id);
            }
            return ids;
        };
        const QList<NodeId> firstActive = split(routed.first(), false);
        const QList<NodeId> firstBackups = split(routed.first(), true);
        const NodeId primary = firstActive.size() == 1 ? firstActive.first()
                               : firstBackups.size() == 1 ? firstBackups.first()
                                                          : 0;
        QHash<const Proxy *, QString> routes;
        for (const Proxy *backend : std::as_const(routed)) {
            if (primary && split(backend, false) == QList<NodeId>{primary})
                routes.insert(backend, QStringLiteral("primary"));
            else if (primary && split(backend, true) == QList<NodeId>{primary})
                routes.insert(backend, QStringLiteral("replicas"));
        }
        if (routes.size() != routed.size()) {
            for (const Proxy *backend : std::as_const(routed)) {
                note(*backend->servers.first(), *backend->section,
                     QStringLiteral("its databases are backups here and not in another backend, which Loadstar "
                                    "draws only for a cluster's write and read listeners: drawn as in the first "
                                    "backend"));
            }
            return;
        }
        for (const Proxy *backend : std::as_const(routed)) {
            for (const auto &[id, backup] : m_databaseBackups.value(backend)) {
                Node *node = m_topology.node(id);
                node->setProperty(QStringLiteral("backup"), false);
                node->setProperty(QStringLiteral("role"), id == primary ? QStringLiteral("primary") : QStringLiteral("replica"));
            }
        }
        for (const LoadBalancer &lb : std::as_const(m_loadBalancers)) {
            if (routes.contains(lb.backend))
                m_topology.node(lb.id)->setProperty(QStringLiteral("db_route"), routes.value(lb.backend));
        }
    }

    // --- redirects, global, kept sections ------------------------------------

    // A frontend that only redirects to HTTPS, on the address of a TLS load
    // balancer, is that load balancer's HTTP redirect.
    void matchRedirects()
    {
        for (const Proxy *proxy : std::as_const(m_redirects)) {
            QString error;
            const auto endpoint = parseEndpoint(proxy->binds.first()->arguments.first(), &error);
            QString host = endpoint ? endpoint->address : QString();
            if (endpoint && host.isEmpty())
                host = endpoint->ipv6 ? QStringLiteral("::") : QStringLiteral("0.0.0.0");
            Node *target = nullptr;
            for (const LoadBalancer &entry : std::as_const(m_loadBalancers)) {
                Node *lb = m_topology.node(entry.id);
                if (!target && endpoint && endpoint->port > 0 && proxy->binds.first()->arguments.size() == 1
                    && lb->boolProperty(QStringLiteral("tls")) && lb->intProperty(QStringLiteral("http_redirect_port")) == 0
                    && lb->stringProperty(QStringLiteral("address")) == host) {
                    target = lb;
                }
            }
            if (!target) {
                m_keptSections.append({proxy->section, QStringLiteral("no TLS load balancer listens on its address, so "
                                                                      "Loadstar does not draw it"), {}});
                continue;
            }
            target->setProperty(QStringLiteral("http_redirect_port"), endpoint->port);
            const ConfigLine *redirect = proxy->redirects.first();
            const int code = redirect->arguments.indexOf(QStringLiteral("code"));
            if (code < 0 || redirect->arguments.value(code + 1) != QLatin1String("301")) {
                note(*redirect, *proxy->section,
                     QStringLiteral("drawn as %1's HTTP redirect, which answers 301 (this line answers %2)")
                         .arg(target->name, code < 0 ? QStringLiteral("302") : redirect->arguments.value(code + 1)));
            }
        }
    }

    void keepGlobal()
    {
        for (const ConfigSection &section : m_config.sections) {
            if (section.kind != QLatin1String("global"))
                continue;
            for (const ConfigLine &line : section.lines) {
                // What every export writes itself.
                if (line.text == QLatin1String("log /dev/log local0")
                    || line.text == QLatin1String("stats socket /run/haproxy/admin.sock mode 660 level admin")) {
                    continue;
                }
                KeptLine &kept = m_kept[line.number];
                kept.line = &line;
                kept.section = section.title();
                kept.what = QStringLiteral("global lines");
                kept.everyLoadBalancer = true;
                for (const LoadBalancer &lb : std::as_const(m_loadBalancers))
                    kept.holders.append(m_topology.node(lb.id)->name);
            }
        }
    }

    void keepUndrawnSections()
    {
        QSet<const ConfigSection *> drawn;
        for (const LoadBalancer &lb : std::as_const(m_loadBalancers)) {
            drawn.insert(lb.frontend->section);
            if (lb.backend)
                drawn.insert(lb.backend->section);
        }
        for (const Proxy *proxy : std::as_const(m_redirects))
            drawn.insert(proxy->section);
        for (const KeptSection &kept : std::as_const(m_keptSections))
            drawn.insert(kept.section);
        for (const Proxy *proxy : std::as_const(m_statsSections)) {
            m_keptSections.append({proxy->section, QStringLiteral("it only serves statistics"), {}});
            drawn.insert(proxy->section);
        }
        for (const ConfigSection &section : m_config.sections) {
            if (drawn.contains(&section) || section.kind == QLatin1String("global")
                || section.kind == QLatin1String("defaults")) {
                continue;
            }
            if (section.kind != QLatin1String("backend") && section.kind != QLatin1String("listen")) {
                m_keptSections.append({&section, QString(), {}});
                continue;
            }
            // A backend only use_backend rules reach goes with the frontends
            // using it.
            KeptSection kept{&section, QString(), {}};
            for (const LoadBalancer &lb : std::as_const(m_loadBalancers)) {
                if (lb.frontend->usedBackends.contains(section.name))
                    kept.holders.append(m_topology.node(lb.id)->name);
            }
            kept.why = kept.holders.isEmpty() ? QStringLiteral("no frontend uses it as its default_backend")
                                              : QStringLiteral("only use_backend rules reach it, and Loadstar's engine "
                                                               "does no content switching");
            m_keptSections.append(kept);
        }
        const QString first = m_topology.node(m_loadBalancers.first().id)->name;
        keepUnusedDefaults(first);
        std::sort(m_keptSections.begin(), m_keptSections.end(), [](const KeptSection &a, const KeptSection &b) {
            return a.section->number < b.section->number;
        });
        for (KeptSection &kept : m_keptSections) {
            if (kept.holders.isEmpty())
                kept.holders.append(first);
            // Written back once, with the first load balancer that keeps it.
            Node *holder = m_topology.node(m_topology.nodeByName(kept.holders.first())->id);
            appendLines(*holder, QStringLiteral("haproxy_sections"), keptText(*kept.section), QStringLiteral("\n\n"));
        }
    }

    // A proxy section kept whole, with the modelled defaults it inherits
    // written into it: the export's defaults section no longer says them
    // (drawn proxies say their values themselves).
    QString keptText(const ConfigSection &section) const
    {
        const QString whole = section.wholeText();
        if (section.kind != QLatin1String("backend") && section.kind != QLatin1String("listen")
            && section.kind != QLatin1String("frontend")) {
            return whole;
        }
        const ConfigSection *defaults = nullptr;
        const QString named = section.defaultsName();
        for (const ConfigSection &candidate : m_config.sections) {
            if (candidate.number > section.number)
                break;
            if (candidate.kind == QLatin1String("defaults") && (named.isEmpty() || candidate.name == named))
                defaults = &candidate;
        }
        if (!defaults)
            return whole;
        const auto keyOf = [](const ConfigLine &line) {
            static const QStringList qualified{QStringLiteral("timeout"), QStringLiteral("option"), QStringLiteral("no"),
                                               QStringLiteral("http-check"), QStringLiteral("tcp-check")};
            return qualified.contains(line.keyword) ? line.keyword + QLatin1Char(' ') + line.arguments.value(0)
                                                    : line.keyword;
        };
        QSet<QString> own;
        for (const ConfigLine &line : section.lines)
            own.insert(keyOf(line));
        // What only a frontend takes, HAProxy warns about in a backend.
        static const QStringList frontendOnly{QStringLiteral("timeout client"), QStringLiteral("timeout client-fin"),
                                              QStringLiteral("timeout http-request"), QStringLiteral("maxconn"),
                                              QStringLiteral("option httplog"), QStringLiteral("option tcplog"),
                                              QStringLiteral("option dontlognull"), QStringLiteral("monitor-uri")};
        if (section.kind == QLatin1String("backend")) {
            for (const QString &key : frontendOnly)
                own.insert(key);
        }
        // Kept defaults lines and "log global" are in the export's own
        // defaults section already.
        QStringList inherited;
        for (const ConfigLine &line : defaults->lines) {
            if (!own.contains(keyOf(line)) && !m_kept.contains(line.number) && line.keyword != QLatin1String("log"))
                inherited.append(QStringLiteral("    ") + line.text);
        }
        if (inherited.isEmpty())
            return whole;
        const qsizetype headerEnd = whole.indexOf(section.text) + section.text.size();
        return whole.left(headerEnd) + QStringLiteral("\n    # from the defaults at line %1\n").arg(defaults->number)
               + inherited.join(QLatin1Char('\n')) + whole.mid(headerEnd);
    }

    // Defaults lines no drawn proxy takes still go back into the export.
    void keepUnusedDefaults(const QString &holder)
    {
        for (const Defaults &defaults : std::as_const(m_defaults)) {
            for (const ConfigLine *line : defaults.state.kept + defaults.state.logOptions) {
                if (!m_kept.contains(line->number) && !m_writtenLogOptions.contains(line))
                    keep(line, *defaults.section, QStringLiteral("defaults lines"), holder);
            }
        }
    }

    static void appendLines(Node &node, const QString &key, const QString &text, const QString &separator)
    {
        const QString current = node.stringProperty(key);
        node.setProperty(key, current.isEmpty() ? text : current + separator + text);
    }

    void writeKeptLines()
    {
        static const QHash<QString, QString> keys{
            {QStringLiteral("global lines"), QStringLiteral("haproxy_global")},
            {QStringLiteral("defaults lines"), QStringLiteral("haproxy_defaults")},
            {QStringLiteral("frontend lines"), QStringLiteral("haproxy_frontend")},
            {QStringLiteral("backend lines"), QStringLiteral("haproxy_backend")},
        };
        for (auto it = m_firewallLines.cbegin(); it != m_firewallLines.cend(); ++it) {
            for (const ConfigLine *line : it.value()) {
                if (!line)
                    continue;
                KeptLine &kept = m_kept[line->number];
                kept.holders.removeAll(m_topology.node(it.key())->name);
                if (kept.holders.isEmpty())
                    m_kept.remove(line->number);
            }
        }
        for (const KeptLine &kept : std::as_const(m_kept)) {
            for (const QString &holder : kept.holders) {
                Node *node = m_topology.node(m_topology.nodeByName(holder)->id);
                appendLines(*node, keys.value(kept.what), kept.line->text, QStringLiteral("\n"));
            }
        }
    }

    void layOut()
    {
        const QHash<NodeId, QPointF> positions = arrangeInTiers(m_topology);
        for (auto it = positions.cbegin(); it != positions.cend(); ++it)
            m_topology.node(it.key())->position = it.value();
    }

    // --- the report ----------------------------------------------------------

    void note(const ConfigLine &line, const ConfigSection &section, const QString &what)
    {
        m_notes.append({ImportEntry::Kind::Note, line.number, line.number, section.title(), line.text, what});
    }

    int keptLineCount() const
    {
        int count = int(m_kept.size());
        for (const KeptSection &kept : m_keptSections)
            count += 1 + int(kept.section->lines.size());
        return count;
    }

    QList<ImportEntry> sortedEntries() const
    {
        QList<ImportEntry> entries = m_notes;
        for (const auto &[line, section] : m_defaultServerLines) {
            entries.append({ImportEntry::Kind::Note, line->number, line->number, section, line->text,
                            QStringLiteral("applied to every server it covers; options Loadstar does not model are "
                                           "kept on each server's line")});
        }
        for (const KeptLine &kept : m_kept) {
            const QString who = kept.everyLoadBalancer && kept.holders.size() > 1
                                    ? QStringLiteral("every load balancer")
                                    : kept.holders.join(QStringLiteral(", "));
            entries.append({ImportEntry::Kind::KeptLine, kept.line->number, kept.line->number, kept.section,
                            kept.line->text, QStringLiteral("kept with %1 (%2)").arg(who, kept.what)});
        }
        for (const KeptSection &kept : m_keptSections) {
            QString outcome = QStringLiteral("kept as a whole section with %1, not drawn").arg(kept.holders.first());
            if (!kept.why.isEmpty())
                outcome += QStringLiteral(": ") + kept.why;
            entries.append({ImportEntry::Kind::KeptSection, kept.section->number, kept.section->lastLine(),
                            kept.section->title(), kept.section->text, outcome});
        }
        // A section kept whole is reported once, not line by line.
        entries.removeIf([this](const ImportEntry &entry) {
            return entry.kind == ImportEntry::Kind::Note
                   && std::any_of(m_keptSections.begin(), m_keptSections.end(), [&](const KeptSection &kept) {
                          return entry.firstLine >= kept.section->number && entry.firstLine <= kept.section->lastLine();
                      });
        });
        std::stable_sort(entries.begin(), entries.end(), [](const ImportEntry &a, const ImportEntry &b) {
            return a.firstLine < b.firstLine;
        });
        return entries;
    }

    struct KeptSection
    {
        const ConfigSection *section = nullptr;
        QString why;
        QStringList holders;
    };

    const ParsedConfig &m_config;
    Topology m_topology;
    QList<Defaults> m_defaults;
    QList<Proxy> m_proxies;
    QList<const Proxy *> m_statsSections;
    QList<const Proxy *> m_redirects;
    QList<LoadBalancer> m_loadBalancers;
    QHash<QString, const ConfigLine *> m_binds; // the bind drawn, by load balancer
    QSet<const ConfigLine *> m_virtualBinds;     // drawn as a virtual address
    QHash<const Proxy *, QList<NodeId>> m_backendServers;
    QHash<const Proxy *, QList<std::pair<NodeId, bool>>> m_databaseBackups; // as each backend writes them
    QHash<NodeId, QList<const ConfigLine *>> m_firewallLines; // drawn as the firewall in front of it
    QMap<int, KeptLine> m_kept;                                // by line number
    QList<KeptSection> m_keptSections;
    QList<ImportEntry> m_notes;
    QList<std::pair<const ConfigLine *, QString>> m_defaultServerLines;
    QSet<const ConfigLine *> m_writtenLogOptions; // defaults' httplog/tcplog an export writes itself
    qsizetype m_serverCount = 0;
};

} // namespace

QString ImportEntry::toString() const
{
    QString where;
    if (firstLine == 0)
        where = QStringLiteral("the drawing");
    else if (lastLine > firstLine)
        where = QStringLiteral("lines %1–%2").arg(firstLine).arg(lastLine);
    else
        where = QStringLiteral("line %1").arg(firstLine);
    return text.isEmpty() ? QStringLiteral("%1: %2").arg(where, outcome)
                          : QStringLiteral("%1: %2 — %3").arg(where, text, outcome);
}

QString ImportReport::summary(const QString &fileName) const
{
    auto count = [](int n, const char *one, const char *many) {
        return QStringLiteral("%1 %2").arg(n).arg(QLatin1String(n == 1 ? one : many));
    };
    QString text = QStringLiteral("Imported %1: %2, %3, %4")
                       .arg(fileName, count(loadBalancers, "load balancer", "load balancers"),
                            count(servers, "server", "servers"), count(keptLines, "line kept", "lines kept"));
    if (!entries.isEmpty() || !problems.isEmpty())
        text += QStringLiteral(" (listed below)");
    return text;
}

QStringList ImportReport::lines() const
{
    QStringList out;
    for (const ImportEntry &entry : entries)
        out.append(entry.toString());
    for (const Problem &problem : problems)
        out.append(QStringLiteral("the drawing: %1").arg(problem.message));
    return out;
}

ImportResult importConfig(const ParsedConfig &config)
{
    if (!config.ok()) {
        ImportResult result;
        result.errors = config.errors;
        return result;
    }
    return Importer(config).run();
}

ImportResult importFile(const QString &path)
{
    return importConfig(readConfig(path));
}

} // namespace Loadstar::Haproxy
