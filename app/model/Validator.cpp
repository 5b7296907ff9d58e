#include "Validator.h"

#include "PathMix.h"
#include "PropertySchema.h"

#include <QHash>
#include <QMap>
#include <QRegularExpression>
#include <QSet>

namespace Loadstar {

namespace {

QString q(const QString &text)
{
    return QStringLiteral("“%1”").arg(text);
}

QString displayName(const Node &node)
{
    return node.name.isEmpty() ? QStringLiteral("an unnamed %1 (id %2)").arg(nodeKindName(node.kind)).arg(node.id)
                               : node.name;
}

class Checker
{
public:
    explicit Checker(const Topology &topology)
        : m_topology(topology)
    {}

    QList<Problem> run()
    {
        checkNames();
        for (const Node &node : m_topology.nodes())
            checkProperties(node);
        checkListeners();
        for (const Link &link : m_topology.links())
            checkLink(link);
        checkDuplicateLinks();
        for (const Node &node : m_topology.nodes()) {
            if (node.kind == NodeKind::LoadBalancer) {
                checkLoadBalancer(node);
                checkGuards(node);
            }
            if (node.kind == NodeKind::Firewall)
                checkFirewall(node);
            if (isServerKind(node.kind))
                checkBackup(node);
            if (node.kind == NodeKind::Database)
                checkReplicationSources(node);
            if (node.kind == NodeKind::Client)
                checkPathMix(node);
        }
        return m_problems;
    }

private:
    void add(const char *code, QString message, QList<NodeId> nodes, QList<LinkId> links = {})
    {
        m_problems.append({QString::fromLatin1(code), std::move(message), std::move(nodes), std::move(links)});
    }

    void checkNames()
    {
        static const QRegularExpression allowed(QStringLiteral("^[A-Za-z0-9_.:-]+$"));
        QMap<QString, QList<NodeId>> byName;
        for (const Node &node : m_topology.nodes()) {
            if (node.name.trimmed().isEmpty()) {
                add("empty-name", QStringLiteral("%1 has no name: give it one").arg(displayName(node)), {node.id});
                continue;
            }
            if (!allowed.match(node.name).hasMatch()) {
                add("bad-name",
                    QStringLiteral("%1: a name may only contain letters, digits, “-”, “_”, “.” and “:”")
                        .arg(q(node.name)),
                    {node.id});
            }
            byName[node.name].append(node.id);
        }
        for (auto it = byName.cbegin(); it != byName.cend(); ++it) {
            if (it.value().size() > 1) {
                add("duplicate-name",
                    QStringLiteral("%1 nodes are named %2: names must be unique, rename all but one")
                        .arg(it.value().size()).arg(q(it.key())),
                    it.value());
            }
        }
    }

    void checkProperties(const Node &node)
    {
        for (auto it = node.properties.cbegin(); it != node.properties.cend(); ++it) {
            const PropertySpec *spec = PropertySchema::find(node.kind, it.key());
            if (!spec) {
                add("unknown-property",
                    QStringLiteral("%1: a %2 has no property %3")
                        .arg(displayName(node), nodeKindName(node.kind), q(it.key())),
                    {node.id});
                continue;
            }
            const auto converted = PropertySchema::convert(*spec, it.value());
            if (!converted.error.isEmpty()) {
                const bool address = spec->type == PropertyType::Address
                                     || spec->type == PropertyType::OptionalAddress;
                add(address ? "bad-address"
                    : spec->type == PropertyType::Port  ? "bad-port"
                                                        : "bad-property",
                    QStringLiteral("%1: %2 %3").arg(displayName(node), spec->label.toLower(), converted.error),
                    {node.id});
            }
        }
    }

    // Something that binds an address and port, and how a message names it.
    struct Listener
    {
        const Node *node;
        QString who;
    };

    // Two things that bind the same address and port cannot both run.
    void checkListeners()
    {
        QMap<QString, QList<Listener>> byEndpoint;
        for (const Node &node : m_topology.nodes()) {
            // An external HAProxy listens elsewhere, not in this process.
            // So does a demo backend, and a demo database (Redis is only probed).
            const bool binds = (node.kind == NodeKind::LoadBalancer && !node.boolProperty(QStringLiteral("external")))
                               || (isServerKind(node.kind) && node.boolProperty(QStringLiteral("embedded"))
                                   && node.stringProperty(QStringLiteral("engine")) != QLatin1String("redis"));
            if (binds && !node.endpoint().isEmpty())
                byEndpoint[node.endpoint()].append({&node, displayName(node)});
            if (const QString redirect = redirectEndpoint(node); !redirect.isEmpty())
                byEndpoint[redirect].append({&node, QStringLiteral("%1’s HTTP redirect").arg(displayName(node))});
        }
        checkVirtualAddresses(byEndpoint);
        for (auto it = byEndpoint.cbegin(); it != byEndpoint.cend(); ++it) {
            if (it.value().size() < 2)
                continue;
            QStringList names;
            QList<NodeId> ids;
            for (const Listener &listener : it.value()) {
                names.append(listener.who);
                if (!ids.contains(listener.node->id))
                    ids.append(listener.node->id);
            }
            const QString who = names.size() == 2
                                    ? QStringLiteral("%1 and %2 both").arg(names.first(), names.last())
                                    : QStringLiteral("%1 and %2 all").arg(names.mid(0, names.size() - 1).join(QStringLiteral(", ")), names.last());
            add("port-conflict",
                QStringLiteral("%1 listen on %2: give each its own port").arg(who, it.key()), ids);
        }
    }

    // Load balancers sharing a virtual address hold it on the first one's
    // port; nothing else may listen there.
    void checkVirtualAddresses(const QMap<QString, QList<Listener>> &byEndpoint)
    {
        QSet<QString> seen;
        for (const Node &lb : m_topology.nodes()) {
            const QString shared = lb.kind == NodeKind::LoadBalancer
                                       ? lb.stringProperty(QStringLiteral("virtual_address"))
                                       : QString();
            if (shared.isEmpty() || seen.contains(shared))
                continue;
            seen.insert(shared);
            Node probe = lb;
            probe.properties.insert(QStringLiteral("address"), shared);
            const QList<Listener> taken = byEndpoint.value(probe.endpoint());
            if (taken.isEmpty())
                continue;
            const Node *owner = taken.first().node;
            add("virtual-address-taken",
                QStringLiteral("%1: its virtual address %2 is where %3 listens: pick an address no node listens on")
                    .arg(displayName(lb), probe.endpoint(), taken.first().who),
                owner->id == lb.id ? QList<NodeId>{lb.id} : QList<NodeId>{lb.id, owner->id});
        }
    }

    // A TLS load balancer's plain HTTP listener that redirects to HTTPS, as
    // "address:port"; empty when it has none.
    static QString redirectEndpoint(const Node &node)
    {
        if (node.kind != NodeKind::LoadBalancer || !node.boolProperty(QStringLiteral("tls")))
            return {};
        const int port = node.intProperty(QStringLiteral("http_redirect_port"));
        if (port == 0)
            return {};
        const QString address = node.stringProperty(QStringLiteral("address"));
        return address.contains(QLatin1Char(':')) ? QStringLiteral("[%1]:%2").arg(address).arg(port)
                                                  : QStringLiteral("%1:%2").arg(address).arg(port);
    }

    void checkLink(const Link &link)
    {
        const Node *from = m_topology.node(link.from);
        const Node *to = m_topology.node(link.to);
        if (!from || !to) {
            add("dangling-link",
                QStringLiteral("link %1 points to node %2, which does not exist: delete the link")
                    .arg(link.id).arg(!from ? link.from : link.to),
                {}, {link.id});
            return;
        }
        const QString arrow = QStringLiteral("%1 → %2").arg(displayName(*from), displayName(*to));
        if (link.from == link.to) {
            add("self-link", QStringLiteral("%1: a node cannot send traffic to itself").arg(arrow),
                {from->id}, {link.id});
            return;
        }
        const LinkRule rule = linkKindFor(from->kind, to->kind);
        const bool bothDatabases = from->kind == NodeKind::Database && to->kind == NodeKind::Database;
        if (link.kind == LinkKind::Replication && !bothDatabases) {
            add("replication-not-databases",
                QStringLiteral("%1: a replication link must join two databases").arg(arrow),
                {from->id, to->id}, {link.id});
            return;
        }
        if (!rule.kind) {
            add("link-not-allowed", QStringLiteral("%1: %2").arg(arrow, rule.refusal), {from->id, to->id},
                {link.id});
            return;
        }
        if (*rule.kind != link.kind) {
            add("wrong-link-kind",
                QStringLiteral("%1 is drawn as %2 but carries %3: redraw the link")
                    .arg(arrow, linkKindName(link.kind), linkKindName(*rule.kind)),
                {from->id, to->id}, {link.id});
            return;
        }
        if (link.kind == LinkKind::Replication)
            checkReplicationLink(link, *from, *to, arrow);
    }

    void checkReplicationLink(const Link &link, const Node &from, const Node &to, const QString &arrow)
    {
        const QString role = QStringLiteral("role");
        if (to.stringProperty(role) == QLatin1String("primary")) {
            add("replication-into-primary",
                QStringLiteral("%1: replication flows from a primary to a replica, but %2 is a primary: make it a replica or reverse the link")
                    .arg(arrow, to.name),
                {from.id, to.id}, {link.id});
        }
        const QString engine = QStringLiteral("engine");
        if (from.stringProperty(engine) != to.stringProperty(engine)) {
            add("replication-engines-differ",
                QStringLiteral("%1: %2 runs %3 and %4 runs %5; replication needs the same engine on both")
                    .arg(arrow, from.name, from.stringProperty(engine), to.name, to.stringProperty(engine)),
                {from.id, to.id}, {link.id});
        }
    }

    void checkDuplicateLinks()
    {
        QHash<QPair<NodeId, NodeId>, LinkId> seen;
        for (const Link &link : m_topology.links()) {
            const auto key = qMakePair(link.from, link.to);
            if (!seen.contains(key)) {
                seen.insert(key, link.id);
                continue;
            }
            const Node *from = m_topology.node(link.from);
            const Node *to = m_topology.node(link.to);
            if (!from || !to)
                continue;
            add("duplicate-link",
                QStringLiteral("%1 → %2 is drawn more than once: delete the extra link")
                    .arg(displayName(*from), displayName(*to)),
                {from->id, to->id}, {seen.value(key), link.id});
        }
    }

    QList<const Node *> targetsOf(const Node &node) const
    {
        QList<const Node *> result;
        for (const Link &link : m_topology.links()) {
            if (link.from != node.id)
                continue;
            if (const Node *target = m_topology.node(link.to))
                result.append(target);
        }
        return result;
    }

    void checkLoadBalancer(const Node &lb)
    {
        if (lb.boolProperty(QStringLiteral("external"))) {
            checkExternal(lb);
            return;
        }
        checkTls(lb);
        QList<const Node *> servers;
        for (const Node *target : targetsOf(lb)) {
            if (isServerKind(target->kind))
                servers.append(target);
        }
        if (servers.isEmpty()) {
            add("lb-without-servers",
                QStringLiteral("%1 is a load balancer with no servers: link it to at least one web server, app server or database")
                    .arg(displayName(lb)),
                {lb.id});
            return;
        }
        bool anyActive = false;
        bool anyDatabase = false;
        bool anyHttpServer = false;
        for (const Node *server : servers) {
            anyActive = anyActive || !server->boolProperty(QStringLiteral("backup"));
            anyDatabase = anyDatabase || server->kind == NodeKind::Database;
            anyHttpServer = anyHttpServer || server->kind != NodeKind::Database;
        }
        if (!anyActive) {
            add("lb-only-backups",
                QStringLiteral("%1 has only backup servers: clear “Backup” on at least one so it has an active server")
                    .arg(displayName(lb)),
                {lb.id});
        }
        const QString route = lb.stringProperty(QStringLiteral("db_route"));
        if (route != QLatin1String("any") && !anyDatabase) {
            add("lb-route-without-databases",
                QStringLiteral("%1 has the database route %2 but links no database: link its databases or set the route to “any”")
                    .arg(displayName(lb), q(route)),
                {lb.id});
        }
        if (anyDatabase && anyHttpServer) {
            add("lb-mixed-servers",
                QStringLiteral("%1 balances both databases and HTTP servers: use one load balancer for each")
                    .arg(displayName(lb)),
                {lb.id});
        } else if (anyDatabase && lb.stringProperty(QStringLiteral("mode")) == QLatin1String("http")) {
            add("lb-http-to-database",
                QStringLiteral("%1 balances databases in http mode: set its mode to tcp").arg(displayName(lb)),
                {lb.id});
        }
    }

    // An external HAProxy is watched, not run: its servers come from its own
    // statistics, so it needs somewhere to read them and nothing else.
    void checkExternal(const Node &lb)
    {
        if (lb.stringProperty(QStringLiteral("stats_url")).isEmpty()
            && lb.stringProperty(QStringLiteral("stats_socket")).trimmed().isEmpty()) {
            add("external-without-stats",
                QStringLiteral("%1: an external HAProxy needs its stats URL or stats socket").arg(displayName(lb)),
                {lb.id});
        }
    }

    // What can be told about TLS without reading the files; their contents
    // are checked when the document starts.
    void checkTls(const Node &lb)
    {
        const bool tls = lb.boolProperty(QStringLiteral("tls"));
        if (tls && lb.stringProperty(QStringLiteral("tls_certificate")).isEmpty()
            && !lb.stringProperty(QStringLiteral("tls_key")).isEmpty()) {
            add("tls-key-without-certificate",
                QStringLiteral("%1 has a TLS private key but no certificate: choose the certificate too, or clear the key to use a self-signed certificate made at each run")
                    .arg(displayName(lb)),
                {lb.id});
        }
        const int redirect = lb.intProperty(QStringLiteral("http_redirect_port"));
        if (!tls && redirect != 0) {
            add("redirect-without-tls",
                QStringLiteral("%1 redirects HTTP from port %2 to HTTPS, but TLS is off: turn TLS on or set the redirect port to 0")
                    .arg(displayName(lb)).arg(redirect),
                {lb.id});
        }
    }

    // The engine enforces a firewall's rules on the listener of the load
    // balancer behind it: one set of rules per listener.
    void checkGuards(const Node &lb)
    {
        QStringList names;
        QList<NodeId> ids{lb.id};
        for (const Link &link : m_topology.links()) {
            const Node *from = link.to == lb.id ? m_topology.node(link.from) : nullptr;
            if (from && from->kind == NodeKind::Firewall) {
                names.append(displayName(*from));
                ids.append(from->id);
            }
        }
        if (names.size() > 1) {
            add("lb-many-firewalls",
                QStringLiteral("%1 is behind %2 firewalls (%3): its listener enforces one set of rules, so merge them into one firewall")
                    .arg(displayName(lb)).arg(names.size()).arg(names.join(QStringLiteral(", "))),
                ids);
        }
    }

    // Loadstar enforces a firewall where a load balancer listens; a server
    // behind a firewall alone would run unguarded.
    void checkFirewall(const Node &firewall)
    {
        for (const Link &link : m_topology.linksFrom(firewall.id)) {
            const Node *to = m_topology.node(link.to);
            if (!to || !isServerKind(to->kind))
                continue;
            add("firewall-before-server",
                QStringLiteral("%1 → %2: Loadstar enforces a firewall on a load balancer's listener, not on a server's: link %1 to a load balancer in front of %2")
                    .arg(displayName(firewall), displayName(*to)),
                {firewall.id, to->id}, {link.id});
        }
    }

    void checkBackup(const Node &server)
    {
        if (!server.boolProperty(QStringLiteral("backup")))
            return;
        for (const Link &link : m_topology.links()) {
            const Node *from = link.to == server.id ? m_topology.node(link.from) : nullptr;
            if (from && from->kind == NodeKind::LoadBalancer)
                return;
        }
        add("backup-without-lb",
            QStringLiteral("%1 is a backup server, but no load balancer sends traffic to it: link a load balancer to it or clear “Backup”")
                .arg(displayName(server)),
            {server.id});
    }

    void checkReplicationSources(const Node &db)
    {
        QList<LinkId> sources;
        for (const Link &link : m_topology.links()) {
            const Node *source = link.to == db.id && link.kind == LinkKind::Replication
                                     ? m_topology.node(link.from)
                                     : nullptr;
            if (source && source->kind == NodeKind::Database)
                sources.append(link.id);
        }
        if (sources.size() > 1) {
            add("replica-many-sources",
                QStringLiteral("%1 replicates from %2 databases: a replica follows exactly one source")
                    .arg(displayName(db)).arg(sources.size()),
                {db.id}, sources);
        }
    }

    // A text property with a syntax of its own, so the schema's types do
    // not check it.
    void checkPathMix(const Node &client)
    {
        const PathMix mix = PathMix::parse(client.stringProperty(QStringLiteral("path_mix")));
        if (!mix.error.isEmpty())
            add("bad-path-mix", QStringLiteral("%1: path mix %2").arg(displayName(client), mix.error), {client.id});
    }

    const Topology &m_topology;
    QList<Problem> m_problems;
};

} // namespace

QList<Problem> validate(const Topology &topology)
{
    return Checker(topology).run();
}

} // namespace Loadstar
