#include "KindText.h"

#include <QCoreApplication>

namespace Loadstar::Ui::KindText {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Loadstar::Ui::KindText", text);
}

QStringList words(std::initializer_list<const char *> list)
{
    QStringList result;
    for (const char *word : list)
        result.append(QString::fromLatin1(word));
    return result;
}

} // namespace

QString title(NodeKind kind)
{
    QString name = nodeKindName(kind);
    if (!name.isEmpty())
        name[0] = name[0].toUpper();
    return name;
}

QString description(NodeKind kind)
{
    switch (kind) {
    case NodeKind::Client:
        return tr("Sends HTTP requests: a browser or a traffic generator");
    case NodeKind::LoadBalancer:
        return tr("Spreads requests over the servers behind it (HAProxy)");
    case NodeKind::WebServer:
        return tr("Serves HTTP behind the load balancer");
    case NodeKind::AppServer:
        return tr("Runs the application behind the web servers");
    case NodeKind::Database:
        return tr("MariaDB/MySQL or PostgreSQL, primary or replica");
    case NodeKind::Firewall:
        return tr("Lets through only the networks it allows");
    case NodeKind::Monitor:
        return tr("Watches the other nodes and records their health");
    }
    return {};
}

QStringList synonyms(NodeKind kind)
{
    switch (kind) {
    case NodeKind::Client:
        return words({"browser", "user", "traffic", "generator", "wrk", "curl", "http client"});
    case NodeKind::LoadBalancer:
        return words({"lb", "haproxy", "nginx", "proxy", "reverse proxy", "balancer", "frontend",
                      "keepalived", "vip", "vrrp"});
    case NodeKind::WebServer:
        return words({"nginx", "apache", "httpd", "http server", "www", "backend"});
    case NodeKind::AppServer:
        return words({"application", "api", "backend", "tomcat", "gunicorn", "node.js", "php-fpm"});
    case NodeKind::Database:
        return words({"db", "mysql", "mariadb", "postgres", "postgresql", "sql", "primary",
                      "replica", "rdbms"});
    case NodeKind::Firewall:
        return words({"fw", "iptables", "nftables", "acl", "security", "filter"});
    case NodeKind::Monitor:
        return words(
            {"monitoring", "prometheus", "nagios", "grafana", "metrics", "health", "alerts"});
    }
    return {};
}

bool matches(NodeKind kind, const QString &query)
{
    const QStringList queryWords = query.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    const QStringList candidates = QStringList{title(kind), nodeKindId(kind)} + synonyms(kind);
    for (const QString &word : queryWords) {
        bool found = false;
        for (const QString &candidate : candidates) {
            if (candidate.contains(word, Qt::CaseInsensitive)) {
                found = true;
                break;
            }
        }
        if (!found)
            return false;
    }
    return true;
}

} // namespace Loadstar::Ui::KindText
