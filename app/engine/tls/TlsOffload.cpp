#include "TlsOffload.h"

#include "engine/Engine.h"

#include <algorithm>

namespace Loadstar::Engine {

namespace {

const QString Loopback = QStringLiteral("127.0.0.1");
// A client's relay gives up on a load balancer that does not finish its
// handshake in this time.
constexpr int ClientHandshakeMs = 5000;

bool sameListener(const TlsRoute &a, const TlsRoute &b)
{
    return a.name == b.name && a.kind == b.kind && a.listenAddress == b.listenAddress
           && a.listenPort == b.listenPort;
}

} // namespace

EngineConfig TlsOffload::engineSide(const EngineConfig &config)
{
    EngineConfig inner = config;
    for (FrontendConfig &frontend : inner.frontends) {
        if (!frontend.tls.enabled)
            continue;
        frontend.bindAddress = Loopback;
        frontend.port = 0;
    }
    return inner;
}

QString TlsOffload::redirectRoute(const QString &frontend)
{
    return QStringLiteral("%1’s HTTP redirect").arg(frontend);
}

QString TlsOffload::clientRoute(const ClientConfig &client)
{
    return QStringLiteral("%1’s TLS to %2").arg(client.name, client.frontend);
}

bool TlsOffload::prepare(const EngineConfig &config, QString *error)
{
    QHash<QString, TlsIdentity> identities;
    QHash<QString, TlsIdentity> selfSigned;
    QStringList madeFor;
    for (const FrontendConfig &frontend : config.frontends) {
        if (!frontend.tls.enabled)
            continue;
        if (!frontend.tls.certificateFile.isEmpty()) {
            const auto identity = loadTlsIdentity(frontend.name, frontend.tls.certificateFile,
                                                  frontend.tls.keyFile, error);
            if (!identity)
                return false;
            identities.insert(frontend.name, *identity);
            continue;
        }
        std::optional<TlsIdentity> identity;
        if (m_selfSigned.contains(frontend.name)) {
            identity = m_selfSigned.value(frontend.name);
        } else {
            QString reason;
            const auto pem = makeSelfSignedCertificate(frontend.name, {frontend.bindAddress, QStringLiteral("localhost")},
                                                       SelfSignedDays, &reason);
            identity = pem ? tlsIdentityFromPem(*pem, &reason) : std::nullopt;
            if (!identity) {
                if (error)
                    *error = QStringLiteral("%1: can't make a self-signed TLS certificate: %2").arg(frontend.name, reason);
                return false;
            }
        }
        selfSigned.insert(frontend.name, *identity);
        identities.insert(frontend.name, *identity);
        madeFor.append(frontend.name);
    }
    m_identities = identities;
    m_selfSigned = selfSigned;
    m_notices.clear();
    if (madeFor.size() == 1)
        m_notices.append(QStringLiteral("%1: TLS with a self-signed certificate made for this run").arg(madeFor.first()));
    else if (madeFor.size() > 1)
        m_notices.append(QStringLiteral("%1: TLS with self-signed certificates made for this run").arg(madeFor.join(QStringLiteral(", "))));
    return true;
}

// The frontends' TLS listeners and their redirect listeners, as far as
// the configuration alone says: names, kinds, where they listen.
QList<TlsRoute> TlsOffload::listeningRoutes(const EngineConfig &config)
{
    QList<TlsRoute> routes;
    for (const FrontendConfig &frontend : config.frontends) {
        if (!frontend.tls.enabled)
            continue;
        TlsRoute route;
        route.name = frontend.name;
        route.kind = TlsRoute::Kind::Terminate;
        route.listenAddress = frontend.bindAddress;
        route.listenPort = frontend.port;
        route.timeoutMs = frontend.timeoutHttpRequest;
        routes.append(route);
        if (frontend.tls.redirectPort == 0)
            continue;
        route.name = redirectRoute(frontend.name);
        route.kind = TlsRoute::Kind::Redirect;
        route.listenPort = frontend.tls.redirectPort;
        routes.append(route);
    }
    return routes;
}

QList<TlsRoute> TlsOffload::frontendRoutes(const EngineConfig &config, const Engine &engine) const
{
    QList<TlsRoute> routes = listeningRoutes(config);
    for (TlsRoute &route : routes) {
        if (route.kind == TlsRoute::Kind::Terminate) {
            route.targetAddress = Loopback;
            route.targetPort = engine.listenPort(route.name);
            route.identity = m_identities.value(route.name);
            continue;
        }
        // A redirect points browsers at its frontend's HTTPS port, known
        // before the clients' routes need it: a frontend on port 0 keeps
        // the port its listener got.
        const auto owner = std::find_if(config.frontends.cbegin(), config.frontends.cend(),
                                        [&](const FrontendConfig &f) { return redirectRoute(f.name) == route.name; });
        route.targetAddress = owner->bindAddress;
        route.targetPort = owner->port != 0 ? owner->port : m_relay.listenPort(owner->name);
    }
    return routes;
}

QList<TlsRoute> TlsOffload::clientRoutes(const EngineConfig &config) const
{
    QList<TlsRoute> routes;
    for (const ClientConfig &client : config.clients) {
        if (!client.tls)
            continue;
        TlsRoute route;
        route.name = clientRoute(client);
        route.kind = TlsRoute::Kind::Originate;
        route.listenAddress = Loopback;
        route.targetAddress = client.address;
        route.targetPort = client.port != 0 ? client.port : m_relay.listenPort(client.frontend);
        route.peerName = client.address;
        route.timeoutMs = ClientHandshakeMs;
        routes.append(route);
    }
    return routes;
}

void TlsOffload::release(const EngineConfig &config)
{
    QList<TlsRoute> next = listeningRoutes(config);
    next += clientRoutes(config);
    QList<TlsRoute> kept;
    for (const TlsRoute &route : std::as_const(m_routes)) {
        if (std::any_of(next.cbegin(), next.cend(), [&](const TlsRoute &n) { return sameListener(n, route); }))
            kept.append(route);
    }
    if (kept.size() == m_routes.size())
        return;
    // Only closes: nothing binds, nothing can fail.
    m_relay.apply(kept);
    m_routes = kept;
}

bool TlsOffload::apply(const EngineConfig &config, Engine &engine, QString *error)
{
    if (!m_relay.isRunning()) {
        m_relay.setGate([&engine](const QString &frontend, const QHostAddress &source) {
            return engine.admitRelayed(frontend, source);
        });
    }
    // The frontends first, with the clients' relays as they were, so a
    // frontend on port 0 has its port before its clients are pointed at it.
    QList<TlsRoute> routes = frontendRoutes(config, engine);
    for (const TlsRoute &route : std::as_const(m_routes)) {
        if (route.kind == TlsRoute::Kind::Originate)
            routes.append(route);
    }
    if (!m_relay.apply(routes, error))
        return false;
    // A redirect on a frontend of port 0 names the port now known.
    routes = frontendRoutes(config, engine) + clientRoutes(config);
    if (!m_relay.apply(routes, error))
        return false;
    m_routes = routes;
    return true;
}

bool TlsOffload::setListening(const QString &frontend, bool listening, QString *error)
{
    if (!m_identities.contains(frontend))
        return true;
    if (!m_relay.setListening(frontend, listening, error))
        return false;
    const QString redirect = redirectRoute(frontend);
    const bool hasRedirect = std::any_of(m_routes.cbegin(), m_routes.cend(),
                                         [&](const TlsRoute &route) { return route.name == redirect; });
    return !hasRedirect || m_relay.setListening(redirect, listening, error);
}

void TlsOffload::stop()
{
    m_relay.stop();
    m_routes.clear();
    m_selfSigned.clear();
    m_identities.clear();
    m_notices.clear();
}

QList<ClientConfig> TlsOffload::throughRelays(QList<ClientConfig> clients) const
{
    for (ClientConfig &client : clients) {
        if (!client.tls)
            continue;
        client.address = Loopback;
        client.port = m_relay.listenPort(clientRoute(client));
    }
    return clients;
}

quint16 TlsOffload::listenPort(const QString &frontend) const
{
    return m_identities.contains(frontend) ? m_relay.listenPort(frontend) : 0;
}

} // namespace Loadstar::Engine
