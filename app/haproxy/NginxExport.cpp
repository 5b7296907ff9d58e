#include "HaproxyExport.h"

namespace Loadstar::Haproxy {

using Engine::FrontendConfig;
using Engine::ServerConfig;

namespace {

// nginx's time format: whole seconds as "2s", else milliseconds.
QString nginxTime(int milliseconds)
{
    return haproxyTime(milliseconds);
}

QString upstreamNameOf(const Topology &topology, const FrontendConfig &frontend)
{
    const QString name = topology.nodeByName(frontend.name)->stringProperty(QStringLiteral("backend_name")).trimmed();
    return name.isEmpty() ? frontend.name : name;
}

// The upstream block: the balance method nginx has for HAProxy's, and the
// servers with what nginx can say of them. Open source nginx has no active
// checks: a server leaves rotation after `fall` failed requests, for its
// down interval.
QString upstreamText(const QString &name, const FrontendConfig &frontend, const QString &indent,
                     QStringList &warnings)
{
    QString method;
    bool backupAllowed = true;
    if (frontend.balance == QLatin1String("leastconn")) {
        method = QStringLiteral("least_conn;");
    } else if (frontend.balance == QLatin1String("source")) {
        method = QStringLiteral("hash $remote_addr consistent;");
        backupAllowed = false;
    } else if (frontend.balance == QLatin1String("random")) {
        method = QStringLiteral("random;");
        backupAllowed = false;
    } else if (frontend.balance == QLatin1String("first")) {
        warnings.append(QStringLiteral("%1: nginx has no “first” balancing; written as round robin").arg(name));
    }
    QString text = QStringLiteral("%1upstream %2 {\n").arg(indent, name);
    const QString inner = indent + QStringLiteral("    ");
    text += inner + QStringLiteral("# balance %1 in HAProxy\n").arg(frontend.balance);
    if (!method.isEmpty())
        text += inner + method + QLatin1Char('\n');
    for (const ServerConfig &server : frontend.servers) {
        QStringList words{QStringLiteral("server"), hostPort(server.address, server.port)};
        if (server.weight == 0) {
            words << QStringLiteral("down");
            warnings.append(QStringLiteral("%1: %2 has weight 0, which nginx does not take; written as down")
                                .arg(name, server.name));
        } else if (server.weight != 1) {
            words << QStringLiteral("weight=%1").arg(server.weight);
        }
        if (server.maxconn > 0)
            words << QStringLiteral("max_conns=%1").arg(server.maxconn);
        if (server.check.type == QLatin1String("none")) {
            words << QStringLiteral("max_fails=0");
        } else {
            words << QStringLiteral("max_fails=%1").arg(server.check.fall)
                  << QStringLiteral("fail_timeout=%1").arg(nginxTime(server.check.downinter));
        }
        if (server.backup && backupAllowed) {
            words << QStringLiteral("backup");
        } else if (server.backup) {
            warnings.append(QStringLiteral("%1: nginx can't keep %2 as a backup with %3 balancing; written as active")
                                .arg(name, server.name, frontend.balance));
        }
        text += inner + words.join(QLatin1Char(' ')) + QStringLiteral("; # %1\n").arg(server.name);
    }
    if (frontend.mode == FrontendConfig::Mode::Http)
        text += inner + QStringLiteral("keepalive 32;\n");
    text += indent + QStringLiteral("}\n");
    return text;
}

// allow/deny in nginx's order, first match wins: Loadstar's deny wins, so
// deny comes first.
QString accessLines(const Engine::FirewallConfig &firewall, const QString &indent)
{
    if (firewall.name.isEmpty())
        return {};
    QString text = indent + QStringLiteral("# Firewall %1\n").arg(firewall.name);
    for (const QString &network : firewall.deny)
        text += indent + QStringLiteral("deny %1;\n").arg(network);
    for (const QString &network : firewall.allow)
        text += indent + QStringLiteral("allow %1;\n").arg(network);
    text += indent + QStringLiteral("deny all;\n");
    return text;
}

QString listenLine(const FrontendConfig &frontend, const QString &indent)
{
    return indent + QStringLiteral("listen %1%2;\n")
                        .arg(hostPort(frontend.bindAddress, frontend.port),
                             frontend.tls.enabled ? QStringLiteral(" ssl") : QString());
}

QString tlsLines(const QString &certificate, const QString &key, const QString &indent)
{
    return indent + QStringLiteral("ssl_certificate %1;\n").arg(certificate)
           + indent + QStringLiteral("ssl_certificate_key %1;\n").arg(key);
}

} // namespace

ConfigExport exportNginx(const Topology &topology, const Engine::EngineConfig &config, const ExportOptions &options)
{
    ConfigExport result;
    if (config.frontends.isEmpty()) {
        result.error = QStringLiteral("The drawing has no load balancer, so nginx has nothing to balance");
        return result;
    }
    QString http, stream, zones;
    QStringList upstreams;
    for (const FrontendConfig &frontend : config.frontends) {
        const bool isHttp = frontend.mode == FrontendConfig::Mode::Http;
        const QString upstream = upstreamNameOf(topology, frontend);
        QString &block = isHttp ? http : stream;
        if (!upstreams.contains(upstream)) {
            upstreams.append(upstream);
            block += QLatin1Char('\n') + upstreamText(upstream, frontend, QStringLiteral("    "), result.warnings);
        }
        const QString certificate = frontend.tls.enabled
                                        ? certificatePathFor(frontend, options, result.certificates)
                                        : QString();
        const QString key = frontend.tls.enabled && !frontend.tls.keyFile.isEmpty()
                                    && certificate == frontend.tls.certificateFile
                                ? frontend.tls.keyFile
                                : certificate;
        const QString in = QStringLiteral("        ");
        block += QStringLiteral("\n    # %1\n    server {\n").arg(frontend.name);
        block += listenLine(frontend, in);
        if (frontend.tls.enabled)
            block += tlsLines(certificate, key, in);
        block += accessLines(frontend.firewall, in);
        if (frontend.firewall.rateLimit > 0) {
            const QString zone = QStringLiteral("fw_%1").arg(frontend.name);
            if (isHttp) {
                zones += QStringLiteral("    limit_req_zone $binary_remote_addr zone=%1:10m rate=%2r/s;\n")
                             .arg(zone)
                             .arg(frontend.firewall.rateLimit);
                block += in + QStringLiteral("# nginx limits requests per second where %1 limits new connections\n")
                                  .arg(frontend.firewall.name);
                block += in + QStringLiteral("limit_req zone=%1 burst=%2 nodelay;\n").arg(zone).arg(frontend.firewall.rateLimit);
            } else {
                result.warnings.append(QStringLiteral("%1: nginx's stream module has no connection rate limit; "
                                                      "%2's %3 conn/s is left out")
                                           .arg(frontend.name, frontend.firewall.name)
                                           .arg(frontend.firewall.rateLimit));
            }
        }
        if (isHttp) {
            block += in + QStringLiteral("client_header_timeout %1;\n").arg(nginxTime(frontend.timeoutHttpRequest));
            block += in + QStringLiteral("client_body_timeout %1;\n").arg(nginxTime(frontend.timeoutClient));
            block += in + QStringLiteral("keepalive_timeout %1;\n").arg(nginxTime(frontend.timeoutHttpKeepAlive));
            block += in + QStringLiteral("location / {\n");
            const QString loc = in + QStringLiteral("    ");
            block += loc + QStringLiteral("proxy_pass http://%1;\n").arg(upstream);
            block += loc + QStringLiteral("proxy_http_version 1.1;\n");
            block += loc + QStringLiteral("proxy_set_header Connection \"\";\n");
            block += loc + QStringLiteral("proxy_set_header Host $host;\n");
            block += loc + QStringLiteral("proxy_connect_timeout %1;\n").arg(nginxTime(frontend.timeoutConnect));
            block += loc + QStringLiteral("proxy_read_timeout %1;\n").arg(nginxTime(frontend.timeoutServer));
            block += loc + QStringLiteral("proxy_send_timeout %1;\n").arg(nginxTime(frontend.timeoutServer));
            block += loc + QStringLiteral("proxy_next_upstream error timeout;\n");
            block += loc + QStringLiteral("proxy_next_upstream_tries %1;\n").arg(frontend.retries + 1);
            block += in + QStringLiteral("}\n");
        } else {
            block += in + QStringLiteral("proxy_pass %1;\n").arg(upstream);
            block += in + QStringLiteral("proxy_connect_timeout %1;\n").arg(nginxTime(frontend.timeoutConnect));
            block += in + QStringLiteral("proxy_timeout %1;\n").arg(nginxTime(std::max(frontend.timeoutClient, frontend.timeoutServer)));
            block += in + QStringLiteral("proxy_next_upstream_tries %1;\n").arg(frontend.retries + 1);
        }
        block += QStringLiteral("    }\n");
        if (isHttp && frontend.tls.enabled && frontend.tls.redirectPort > 0) {
            block += QStringLiteral("\n    # %1: plain HTTP answered with 301 to HTTPS\n    server {\n").arg(frontend.name);
            block += in + QStringLiteral("listen %1;\n").arg(hostPort(frontend.bindAddress, frontend.tls.redirectPort));
            block += in + QStringLiteral("return 301 https://$host:%1$request_uri;\n").arg(frontend.port);
            block += QStringLiteral("    }\n");
        }
    }

    QString text = QStringLiteral("# nginx configuration of %1, written by Loadstar: a whole nginx.conf.\n"
                                  "# Check it with: nginx -t -c FILE\n"
                                  "# Open source nginx has no active health checks: a server leaves rotation after\n"
                                  "# `fall` failed requests (max_fails) and is tried again after its down interval.\n")
                       .arg(options.source.isEmpty() ? QStringLiteral("an untitled drawing") : options.source);
    if (!stream.isEmpty())
        text += QStringLiteral("\n# Debian's modules, among them the stream module tcp load balancers need\n"
                               "include /etc/nginx/modules-enabled/*.conf;\n");
    text += QStringLiteral("\nworker_processes auto;\n\nevents {\n    worker_connections 1024;\n}\n");
    if (!http.isEmpty())
        text += QStringLiteral("\nhttp {\n") + zones + http + QStringLiteral("}\n");
    if (!stream.isEmpty())
        text += QStringLiteral("\nstream {\n") + stream + QStringLiteral("}\n");
    result.text = text.toUtf8();
    result.summary = QStringLiteral("%1 upstream%2").arg(upstreams.size()).arg(upstreams.size() == 1 ? QString() : QStringLiteral("s"));
    return result;
}

} // namespace Loadstar::Haproxy
