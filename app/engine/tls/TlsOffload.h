#pragma once

#include "TlsRelay.h"
#include "engine/EngineConfig.h"

#include <QHash>
#include <QStringList>

namespace Loadstar::Engine {

class Engine;

// TLS for the frontends of a running configuration. HAProxy terminates TLS
// on its bind line; Loadstar's engine is plain TCP, so a frontend with TLS
// runs in the engine on a loopback port of its own, and a TlsRelay listens
// on the frontend's address and port, decrypts and pipes to it. The same
// relay gives the traffic generator's clients of such a frontend a local
// plain port that speaks TLS to it, so what crosses the frontend's port is
// TLS, and it runs the plain HTTP listeners that redirect to HTTPS.
//
// A frontend without a certificate file gets a self-signed certificate made
// for the run (kept while it runs), and a notice says so.
class TlsOffload
{
public:
    static constexpr int SelfSignedDays = 365;

    // The configuration the engine runs: each TLS frontend bound on
    // 127.0.0.1 at a free port (kept across apply by its name).
    static EngineConfig engineSide(const EngineConfig &config);

    // Reads every TLS frontend's certificate and key (or makes the run's
    // self-signed pair). Starts nothing; false with one sentence naming the
    // load balancer and the file when one can't be used.
    bool prepare(const EngineConfig &config, QString *error = nullptr);
    // Before the engine applies `config`: closes the listeners `config` no
    // longer has where they were (TLS turned off, a port changed), so the
    // engine can bind their ports.
    void release(const EngineConfig &config);
    // After the engine runs engineSide(config): the TLS listeners, the
    // redirects and the clients' relays, as prepare() read them. Unchanged
    // ones keep their connections. The firewall in front of a frontend is
    // the engine's (its rules and counters): the TLS listener asks it about
    // each connection's real source.
    bool apply(const EngineConfig &config, Engine &engine, QString *error = nullptr);
    // A TLS frontend's listeners (HTTPS and its redirect) close with their
    // connections, or listen again (what-if: its box fails and comes back).
    // True for a frontend without TLS: nothing of it is here.
    bool setListening(const QString &frontend, bool listening, QString *error = nullptr);
    void stop();

    // The clients as the traffic generator runs them: a client of a TLS
    // frontend goes to its relay's local port.
    QList<ClientConfig> throughRelays(QList<ClientConfig> clients) const;
    // Where a TLS frontend listens (useful when configured as 0); 0 for a
    // frontend without TLS.
    quint16 listenPort(const QString &frontend) const;
    // "lb: TLS with a self-signed certificate made for this run" (several
    // frontends in one sentence), after prepare().
    QStringList notices() const { return m_notices; }
    QList<TlsRouteStats> stats() const { return m_relay.stats(); }

    // Route names, for the relay's messages and stats.
    static QString redirectRoute(const QString &frontend);
    static QString clientRoute(const ClientConfig &client);

private:
    static QList<TlsRoute> listeningRoutes(const EngineConfig &config);
    QList<TlsRoute> frontendRoutes(const EngineConfig &config, const Engine &engine) const;
    QList<TlsRoute> clientRoutes(const EngineConfig &config) const;

    QHash<QString, TlsIdentity> m_identities; // by frontend, from prepare()
    QHash<QString, TlsIdentity> m_selfSigned; // made for this run, by frontend
    QStringList m_notices;
    QList<TlsRoute> m_routes; // as the relay runs them
    TlsRelay m_relay;
};

} // namespace Loadstar::Engine
