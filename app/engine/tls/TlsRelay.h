#pragma once

#include "TlsIdentity.h"

#include <QHostAddress>
#include <QList>
#include <QString>
#include <QThread>

#include <functional>

namespace Loadstar::Engine {

namespace detail {
class TlsRelayWorker;
}

// One listener of the relay and where what it accepts goes.
struct TlsRoute
{
    enum class Kind {
        // TLS from clients on the listen address, plain bytes to the target:
        // a load balancer's HTTPS listener in front of the engine.
        Terminate,
        // Plain bytes from a local client, TLS to the target: how the
        // traffic generator speaks HTTPS to a load balancer.
        Originate,
        // Plain HTTP; every request is answered 301 with its path on
        // https://HOST:targetPort (HAProxy: http-request redirect scheme https).
        Redirect,
    };

    QString name; // unique among the routes; apply() keeps a route by it
    Kind kind = Kind::Terminate;
    QString listenAddress;
    quint16 listenPort = 0; // 0: a free port, kept across apply()
    QString targetAddress;  // Redirect: the host named when a request has no Host
    quint16 targetPort = 0; // Redirect: the HTTPS port
    TlsIdentity identity;   // Terminate: what the listener presents
    QString peerName;       // Originate: the server name asked for (SNI)
    // A TLS handshake (or, for a redirect, a request head) that takes
    // longer is cut.
    int timeoutMs = 5000;

    bool operator==(const TlsRoute &) const = default;
};

// A route's counters since it started.
struct TlsRouteStats
{
    QString name;
    quint64 accepted = 0;          // connections accepted
    quint64 refused = 0;           // closed at once: the gate said no (a firewall in front)
    quint64 handshakeFailures = 0; // TLS handshakes that failed or timed out (plain HTTP on a TLS port, say)
    quint64 upstreamFailures = 0;  // the target refused, or its handshake failed
    quint64 redirects = 0;         // 301 answers sent
    int open = 0;                  // connections open now
};

// TLS for the engine, through Qt Network's OpenSSL backend: the engine's
// data path is plain TCP, so each TLS listener is a relay that decrypts
// what a client sends and pipes it to the engine's frontend on loopback,
// and back. Every route's listener and connection lives on a thread of the
// relay's own; no method waits for network I/O, only for the thread to bind
// or close listeners. Each connection holds at most a bounded buffer per
// direction: a side that reads slower slows the other down (TCP's own flow
// control), and when one side closes the other is closed after what it was
// sent has gone out.
class TlsRelay
{
public:
    static constexpr qint64 BufferBytes = 64 * 1024;

    TlsRelay();
    ~TlsRelay(); // stops
    TlsRelay(const TlsRelay &) = delete;
    TlsRelay &operator=(const TlsRelay &) = delete;

    // Makes the routes these: a route whose name, kind, listen address and
    // configured port are unchanged keeps its listener and its connections
    // (new connections follow its new settings); the others close, then the
    // new ones bind. When one can't bind, the new ones close again, *error
    // says which in one sentence, and false returns.
    bool apply(const QList<TlsRoute> &routes, QString *error = nullptr);
    // Asked with each Terminate route's name and the real source of each
    // connection it accepts, before a byte is read: false closes it at once
    // (the firewall in front of a load balancer). Called on the relay's
    // thread; set it before the first apply().
    using Gate = std::function<bool(const QString &route, const QHostAddress &source)>;
    void setGate(Gate gate);
    // Closes a route's listener and every connection it accepted (the load
    // balancer's box failed, what-if), or listens again on the port it had.
    // False with a sentence in *error for an unknown route or a port taken
    // meanwhile.
    bool setListening(const QString &route, bool listening, QString *error = nullptr);
    // Closes every listener and connection and ends the thread.
    void stop();
    bool isRunning() const;

    // The port a route listens on; 0 for an unknown route.
    quint16 listenPort(const QString &route) const;
    QList<TlsRouteStats> stats() const;

private:
    template<typename Work>
    auto onWorker(Work work) const;

    QThread m_thread;
    detail::TlsRelayWorker *m_worker;
};

} // namespace Loadstar::Engine
