#include "HaproxyExport.h"

#include <QDir>
#include <QSet>

#include <algorithm>

namespace Loadstar::Haproxy {

using Engine::CheckConfig;
using Engine::FrontendConfig;
using Engine::ServerConfig;

namespace {

constexpr int kDefaultStatsPort = 8404;

// Lines of a section, indented as HAProxy's own examples are.
class Section
{
public:
    explicit Section(const QString &header) { m_text = header + QLatin1Char('\n'); }
    void line(const QString &text) { m_text += QStringLiteral("    ") + text + QLatin1Char('\n'); }
    void comment(const QString &text) { line(QStringLiteral("# ") + text); }
    // Lines kept from an imported configuration, one directive per line.
    void kept(const QString &lines)
    {
        for (const QString &text : lines.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            if (!text.trimmed().isEmpty())
                line(text.trimmed());
        }
    }
    QString text() const { return m_text; }

private:
    QString m_text;
};

QStringList keptLines(const QString &lines)
{
    QStringList result;
    for (const QString &text : lines.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        if (!text.trimmed().isEmpty())
            result.append(text.trimmed());
    }
    return result;
}

bool isHttpCheck(const QString &type)
{
    return type == QLatin1String("http") || type == QLatin1String("https");
}

// The check protocol a server's check needs the backend to speak, HAProxy
// having one per backend: "httpchk", "mysql-check", "pgsql-check",
// "redis-check", or empty for plain connect (and TLS handshake) checks.
QString backendCheckOf(const QString &type)
{
    if (isHttpCheck(type))
        return QStringLiteral("httpchk");
    if (type.startsWith(QLatin1String("mysql")))
        return QStringLiteral("mysql-check");
    if (type.startsWith(QLatin1String("pgsql")))
        return QStringLiteral("pgsql-check");
    if (type == QLatin1String("redis"))
        return QStringLiteral("redis-check");
    return {};
}

bool hasCheck(const ServerConfig &server)
{
    return server.check.type != QLatin1String("none");
}

QString expectedStatus(const CheckConfig &check)
{
    return check.expectLow == check.expectHigh ? QString::number(check.expectLow)
                                               : QStringLiteral("%1-%2").arg(check.expectLow).arg(check.expectHigh);
}

// The http-check rules of a check: HTTP/1.0 without a Host unless one is
// drawn, as HAProxy sends by default.
QStringList httpCheckLines(const CheckConfig &check)
{
    QString send = QStringLiteral("http-check send meth %1 uri %2").arg(check.httpMethod, haproxyWord(check.httpPath));
    if (!check.httpHost.isEmpty())
        send += QStringLiteral(" ver HTTP/1.1 hdr Host %1").arg(haproxyWord(check.httpHost));
    QStringList lines{QStringLiteral("option httpchk"), send,
                      QStringLiteral("http-check expect status %1").arg(expectedStatus(check))};
    if (!check.expectBody.isEmpty())
        lines.append(QStringLiteral("http-check expect string %1").arg(haproxyWord(check.expectBody)));
    return lines;
}

bool sameHttpCheck(const CheckConfig &a, const CheckConfig &b)
{
    return a.httpMethod == b.httpMethod && a.httpPath == b.httpPath && a.httpHost == b.httpHost
           && a.expectLow == b.expectLow && a.expectHigh == b.expectHigh && a.expectBody == b.expectBody;
}

// The server line: address, check, then HAProxy's options in the order
// its manual lists them, leaving out what equals HAProxy's default.
QString serverLine(const ServerConfig &server, bool httpMode, const QString &keptOptions, QStringList &warnings,
                   const QString &backend)
{
    QStringList words{QStringLiteral("server"), server.name, hostPort(server.address, server.port)};
    const CheckConfig &check = server.check;
    if (hasCheck(server)) {
        words << QStringLiteral("check");
        if (check.type == QLatin1String("https") || check.type == QLatin1String("tls"))
            words << QStringLiteral("check-ssl") << QStringLiteral("verify") << QStringLiteral("none");
        // An http check's Host goes in its http-check send rule; a TLS
        // handshake check names its server with SNI.
        if (check.type == QLatin1String("tls") && !check.httpHost.isEmpty())
            words << QStringLiteral("check-sni") << haproxyWord(check.httpHost);
    }
    if (server.backup)
        words << QStringLiteral("backup");
    if (server.weight != 1)
        words << QStringLiteral("weight") << QString::number(server.weight);
    if (server.maxconn > 0)
        words << QStringLiteral("maxconn") << QString::number(server.maxconn);
    if (check.inter != 2000)
        words << QStringLiteral("inter") << haproxyTime(check.inter);
    if (check.fastinter != check.inter)
        words << QStringLiteral("fastinter") << haproxyTime(check.fastinter);
    if (check.downinter != check.inter)
        words << QStringLiteral("downinter") << haproxyTime(check.downinter);
    if (check.rise != 2)
        words << QStringLiteral("rise") << QString::number(check.rise);
    if (check.fall != 3)
        words << QStringLiteral("fall") << QString::number(check.fall);
    if (hasCheck(server) && check.observe != QLatin1String("none")) {
        QString observe = check.observe;
        if (observe == QLatin1String("layer7") && !httpMode) {
            observe = QStringLiteral("layer4");
            warnings.append(QStringLiteral("%1/%2 watches layer7 traffic, which HAProxy does only in http mode; "
                                           "written as observe layer4")
                                .arg(backend, server.name));
        }
        words << QStringLiteral("observe") << observe << QStringLiteral("error-limit")
              << QString::number(check.errorLimit) << QStringLiteral("on-error") << check.onError;
    }
    QString line = words.join(QLatin1Char(' '));
    const QString kept = keptOptions.simplified();
    if (!kept.isEmpty())
        line += QLatin1Char(' ') + kept;
    return line;
}

// The backend section of a load balancer: balancing, timeouts, the check
// protocol its servers share, its servers.
QString backendText(const QString &name, const FrontendConfig &frontend, const Node &lb, const Topology &topology,
                    QStringList &warnings)
{
    const bool http = frontend.mode == FrontendConfig::Mode::Http;
    Section section(QStringLiteral("backend %1").arg(name));
    section.line(http ? QStringLiteral("mode http") : QStringLiteral("mode tcp"));
    section.line(QStringLiteral("balance %1").arg(frontend.balance));
    if (frontend.allbackups)
        section.line(QStringLiteral("option allbackups"));
    section.line(QStringLiteral("retries %1").arg(frontend.retries));
    if (frontend.redispatch)
        section.line(QStringLiteral("option redispatch"));
    section.line(QStringLiteral("timeout connect %1").arg(haproxyTime(frontend.timeoutConnect)));
    section.line(QStringLiteral("timeout server %1").arg(haproxyTime(frontend.timeoutServer)));
    section.line(QStringLiteral("timeout queue %1").arg(haproxyTime(frontend.timeoutQueue)));

    // HAProxy speaks one check protocol per backend: the first checked
    // server's decides, and a server that wanted another is said.
    const ServerConfig *leader = nullptr;
    int checkTimeout = 0;
    for (const ServerConfig &server : frontend.servers) {
        if (!hasCheck(server))
            continue;
        checkTimeout = std::max(checkTimeout, server.check.timeout);
        const QString protocol = backendCheckOf(server.check.type);
        if (!leader && (!protocol.isEmpty() || server.check.type == QLatin1String("tcp")
                        || server.check.type == QLatin1String("tls"))) {
            leader = &server;
            continue;
        }
        if (leader && protocol != backendCheckOf(leader->check.type)) {
            warnings.append(QStringLiteral("%1: %2's %3 check becomes %4's %5 check in HAProxy, which has one check "
                                           "protocol per backend")
                                .arg(name, server.name, server.check.type, leader->name, leader->check.type));
        } else if (leader && isHttpCheck(server.check.type) && !sameHttpCheck(server.check, leader->check)) {
            warnings.append(QStringLiteral("%1: %2's http check differs from %3's; HAProxy has one per backend, so "
                                           "%3's is written")
                                .arg(name, server.name, leader->name));
        }
        if (server.check.type.endsWith(QLatin1String("-role"))) {
            warnings.append(QStringLiteral("%1: %2's role check is Loadstar's plugin; HAProxy's %3 only checks "
                                           "that the database answers, not its role or lag")
                                .arg(name, server.name, backendCheckOf(server.check.type)));
        }
    }
    if (leader && leader->check.type.endsWith(QLatin1String("-role"))) {
        warnings.append(QStringLiteral("%1: %2's role check is Loadstar's plugin; HAProxy's %3 only checks "
                                       "that the database answers, not its role or lag")
                            .arg(name, leader->name, backendCheckOf(leader->check.type)));
    }
    if (checkTimeout > 0)
        section.line(QStringLiteral("timeout check %1").arg(haproxyTime(checkTimeout)));
    if (leader) {
        const QString protocol = backendCheckOf(leader->check.type);
        const Node *database = topology.nodeByName(leader->name);
        const QString user = database ? database->stringProperty(QStringLiteral("db_user")) : QString();
        if (protocol == QLatin1String("httpchk")) {
            for (const QString &line : httpCheckLines(leader->check))
                section.line(line);
        } else if (protocol == QLatin1String("mysql-check")) {
            section.line(user.isEmpty() ? QStringLiteral("option mysql-check")
                                        : QStringLiteral("option mysql-check user %1").arg(haproxyWord(user)));
        } else if (protocol == QLatin1String("pgsql-check")) {
            // HAProxy's pgsql-check needs a user name to start up with.
            section.line(QStringLiteral("option pgsql-check user %1")
                             .arg(haproxyWord(user.isEmpty() ? QStringLiteral("haproxy") : user)));
        } else if (protocol == QLatin1String("redis-check")) {
            section.line(QStringLiteral("option redis-check"));
        }
    }
    section.kept(lb.stringProperty(QStringLiteral("haproxy_backend")));
    for (const ServerConfig &server : frontend.servers) {
        const Node *node = topology.nodeByName(server.name);
        const QString kept = node ? node->stringProperty(QStringLiteral("haproxy_server")) : QString();
        section.line(serverLine(server, http, kept, warnings, name));
    }
    return section.text();
}

void firewallLines(Section &section, const Engine::FirewallConfig &firewall)
{
    if (firewall.name.isEmpty())
        return;
    section.comment(QStringLiteral("Firewall %1: who may connect, checked before a byte is read").arg(firewall.name));
    if (firewall.allow.isEmpty()) {
        section.line(QStringLiteral("tcp-request connection reject"));
        return;
    }
    section.line(QStringLiteral("acl fw_allow src %1").arg(firewall.allow.join(QLatin1Char(' '))));
    section.line(QStringLiteral("tcp-request connection reject if !fw_allow"));
    if (!firewall.deny.isEmpty()) {
        section.line(QStringLiteral("acl fw_deny src %1").arg(firewall.deny.join(QLatin1Char(' '))));
        section.line(QStringLiteral("tcp-request connection reject if fw_deny"));
    }
    if (firewall.rateLimit > 0) {
        section.line(QStringLiteral("stick-table type ipv6 size 100k expire 10s store conn_rate(1s)"));
        section.line(QStringLiteral("tcp-request connection track-sc0 src"));
        section.line(QStringLiteral("tcp-request connection reject if { sc_conn_rate(0) gt %1 }").arg(firewall.rateLimit));
    }
}

QString bindLine(const QString &address, int port, const FrontendConfig &frontend, const QString &certificate,
                 const QString &name = {})
{
    QString line = QStringLiteral("bind %1").arg(hostPort(address, port));
    if (!name.isEmpty())
        line += QStringLiteral(" name %1").arg(name);
    if (frontend.tls.enabled)
        line += QStringLiteral(" ssl crt %1").arg(haproxyWord(certificate));
    return line;
}

QString frontendText(const FrontendConfig &frontend, const Node &lb, const QString &backend,
                     const QString &certificate)
{
    const bool http = frontend.mode == FrontendConfig::Mode::Http;
    Section section(QStringLiteral("frontend %1").arg(frontend.name));
    QString bind = bindLine(frontend.bindAddress, frontend.port, frontend, certificate);
    const QString keptBind = lb.stringProperty(QStringLiteral("haproxy_bind")).simplified();
    if (!keptBind.isEmpty())
        bind += QLatin1Char(' ') + keptBind;
    section.line(bind);
    const QString shared = lb.stringProperty(QStringLiteral("virtual_address"));
    if (!shared.isEmpty()) {
        section.comment(QStringLiteral("The virtual address keepalived moves to the MASTER (see the keepalived "
                                       "export); the BACKUP binds it too with net.ipv4.ip_nonlocal_bind=1"));
        section.line(bindLine(shared, frontend.port, frontend, certificate, QStringLiteral("virtual-address")));
    }
    section.line(http ? QStringLiteral("mode http") : QStringLiteral("mode tcp"));
    section.line(http ? QStringLiteral("option httplog") : QStringLiteral("option tcplog"));
    if (frontend.maxconn > 0)
        section.line(QStringLiteral("maxconn %1").arg(frontend.maxconn));
    section.line(QStringLiteral("timeout client %1").arg(haproxyTime(frontend.timeoutClient)));
    if (http) {
        section.line(QStringLiteral("timeout http-request %1").arg(haproxyTime(frontend.timeoutHttpRequest)));
        section.line(QStringLiteral("timeout http-keep-alive %1").arg(haproxyTime(frontend.timeoutHttpKeepAlive)));
    }
    firewallLines(section, frontend.firewall);
    section.kept(lb.stringProperty(QStringLiteral("haproxy_frontend")));
    section.line(QStringLiteral("default_backend %1").arg(backend));
    return section.text();
}

QString redirectText(const FrontendConfig &frontend)
{
    Section section(QStringLiteral("frontend %1-redirect").arg(frontend.name));
    section.comment(QStringLiteral("Plain HTTP answered with 301 to the same path over HTTPS"));
    section.line(QStringLiteral("bind %1").arg(hostPort(frontend.bindAddress, frontend.tls.redirectPort)));
    section.line(QStringLiteral("mode http"));
    section.line(QStringLiteral("timeout client %1").arg(haproxyTime(frontend.timeoutClient)));
    section.line(QStringLiteral("http-request redirect scheme https code 301"));
    return section.text();
}

// Where the stats listener goes: as asked, or the first load balancer's
// address on the first port from 8404 that no load balancer uses.
QString statsBindOf(const Topology &topology, const Engine::EngineConfig &config, const ExportOptions &options)
{
    if (!options.statsBind.isEmpty())
        return options.statsBind;
    QSet<int> used;
    for (const Node &node : topology.nodes()) {
        if (node.kind == NodeKind::LoadBalancer) {
            used.insert(node.intProperty(QStringLiteral("port")));
            used.insert(node.intProperty(QStringLiteral("http_redirect_port")));
        }
    }
    int port = kDefaultStatsPort;
    while (used.contains(port))
        ++port;
    const QString address = config.frontends.isEmpty() ? QStringLiteral("127.0.0.1")
                                                        : config.frontends.first().bindAddress;
    return hostPort(address, port);
}

bool isStatsSection(const QString &section)
{
    return section.contains(QLatin1String("stats enable")) || section.contains(QLatin1String("stats uri"));
}

} // namespace

QString hostPort(const QString &address, int port)
{
    if (address.contains(QLatin1Char(':')))
        return QStringLiteral("[%1]:%2").arg(address).arg(port);
    return QStringLiteral("%1:%2").arg(address).arg(port);
}

QString certificatePathFor(const FrontendConfig &frontend, const ExportOptions &options,
                           QList<CertificateFile> &certificates)
{
    const Engine::TlsConfig &tls = frontend.tls;
    if (!tls.certificateFile.isEmpty() && (tls.keyFile.isEmpty() || tls.keyFile == tls.certificateFile))
        return tls.certificateFile;
    const QString path = QDir(options.outputFolder.isEmpty() ? QStringLiteral(".") : options.outputFolder)
                             .absoluteFilePath(frontend.name + QStringLiteral(".pem"));
    const bool known = std::any_of(certificates.cbegin(), certificates.cend(),
                                   [&](const CertificateFile &file) { return file.path == path; });
    if (!known) {
        QStringList hosts{frontend.name};
        if (frontend.bindAddress != QLatin1String("0.0.0.0") && frontend.bindAddress != QLatin1String("::"))
            hosts.append(frontend.bindAddress);
        certificates.append({frontend.name, path, tls.certificateFile, tls.keyFile, hosts});
    }
    return path;
}

ConfigExport exportHaproxy(const Topology &topology, const Engine::EngineConfig &config, const ExportOptions &options)
{
    ConfigExport result;
    QStringList global, defaults, sections;
    QSet<QString> seenGlobal, seenDefaults, seenSections;
    for (const FrontendConfig &frontend : config.frontends) {
        const Node *lb = topology.nodeByName(frontend.name);
        for (const QString &line : keptLines(lb->stringProperty(QStringLiteral("haproxy_global")))) {
            if (!seenGlobal.contains(line)) {
                seenGlobal.insert(line);
                global.append(line);
            }
        }
        for (const QString &line : keptLines(lb->stringProperty(QStringLiteral("haproxy_defaults")))) {
            if (!seenDefaults.contains(line)) {
                seenDefaults.insert(line);
                defaults.append(line);
            }
        }
        const QString kept = lb->stringProperty(QStringLiteral("haproxy_sections")).trimmed();
        for (const QString &section : kept.split(QStringLiteral("\n\n"), Qt::SkipEmptyParts)) {
            if (!seenSections.contains(section.trimmed())) {
                seenSections.insert(section.trimmed());
                sections.append(section.trimmed() + QLatin1Char('\n'));
            }
        }
    }

    QString text = QStringLiteral("# HAProxy configuration of %1, written by Loadstar.\n"
                                  "# HAProxy 2.6 or later. Check it with: haproxy -c -f FILE\n")
                       .arg(options.source.isEmpty() ? QStringLiteral("an untitled drawing") : options.source);
    Section globalSection(QStringLiteral("\nglobal"));
    globalSection.line(QStringLiteral("log /dev/log local0"));
    const bool socketKept = std::any_of(global.cbegin(), global.cend(), [](const QString &line) {
        return line.startsWith(QLatin1String("stats socket"));
    });
    if (!socketKept && options.statsSocket != QLatin1String("none")) {
        globalSection.comment(QStringLiteral("The Runtime API: Loadstar's external load balancer drains and "
                                             "readies servers through it"));
        globalSection.line(QStringLiteral("stats socket %1 mode 660 level admin").arg(haproxyWord(options.statsSocket)));
    }
    for (const QString &line : std::as_const(global))
        globalSection.line(line);
    text += globalSection.text();

    Section defaultsSection(QStringLiteral("\ndefaults"));
    defaultsSection.comment(QStringLiteral("Every proxy below says its own mode and timeouts"));
    defaultsSection.line(QStringLiteral("log global"));
    for (const QString &line : std::as_const(defaults))
        defaultsSection.line(line);
    text += defaultsSection.text();

    // Load balancers naming the same backend share one section, which
    // must then be the same for each.
    QHash<QString, QString> backends;
    QStringList backendOrder;
    int redirects = 0;
    for (const FrontendConfig &frontend : config.frontends) {
        const Node *lb = topology.nodeByName(frontend.name);
        QString backend = lb->stringProperty(QStringLiteral("backend_name")).trimmed();
        if (backend.isEmpty())
            backend = frontend.name;
        const QString body = backendText(backend, frontend, *lb, topology, result.warnings);
        if (backends.contains(backend) && backends.value(backend) != body) {
            result.error = QStringLiteral("Load balancers naming the backend “%1” link to different servers or "
                                          "balance differently; give %2 a backend name of its own")
                               .arg(backend, frontend.name);
            return result;
        }
        if (!backends.contains(backend)) {
            backends.insert(backend, body);
            backendOrder.append(backend);
        }
        const QString certificate = frontend.tls.enabled
                                        ? certificatePathFor(frontend, options, result.certificates)
                                        : QString();
        text += QLatin1Char('\n') + frontendText(frontend, *lb, backend, certificate);
        if (frontend.tls.enabled && frontend.tls.redirectPort > 0) {
            text += QLatin1Char('\n') + redirectText(frontend);
            ++redirects;
        }
    }
    for (const QString &backend : std::as_const(backendOrder))
        text += QLatin1Char('\n') + backends.value(backend);

    const bool statsKept = std::any_of(sections.cbegin(), sections.cend(), isStatsSection);
    QString statsAt;
    if (!statsKept && options.statsBind != QLatin1String("none")) {
        statsAt = statsBindOf(topology, config, options);
        Section stats(QStringLiteral("\nlisten stats"));
        stats.comment(QStringLiteral("CSV at /stats;csv and Prometheus at /metrics, for Loadstar's external "
                                     "load balancer and for you"));
        stats.line(QStringLiteral("bind %1").arg(statsAt));
        stats.line(QStringLiteral("mode http"));
        stats.line(QStringLiteral("timeout client 30s"));
        stats.line(QStringLiteral("stats enable"));
        stats.line(QStringLiteral("stats uri /stats"));
        stats.line(QStringLiteral("stats refresh 5s"));
        stats.line(QStringLiteral("http-request use-service prometheus-exporter if { path /metrics }"));
        text += stats.text();
    }
    for (const QString &section : std::as_const(sections))
        text += QLatin1Char('\n') + section;

    result.text = text.toUtf8();
    result.summary = QStringLiteral("%1 frontend%2, %3 backend%4")
                         .arg(config.frontends.size() + redirects)
                         .arg(config.frontends.size() + redirects == 1 ? QString() : QStringLiteral("s"))
                         .arg(backendOrder.size())
                         .arg(backendOrder.size() == 1 ? QString() : QStringLiteral("s"));
    if (!statsAt.isEmpty())
        result.summary += QStringLiteral(", stats on %1").arg(statsAt);
    return result;
}

} // namespace Loadstar::Haproxy
