#pragma once

#include "EngineConfig.h"

#include <QHostAddress>
#include <QString>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace asio::ip {
class address;
}

namespace Loadstar::Engine {

// A firewall node's rules as a listener enforces them on each new
// connection, before reading a byte: the source address must not be in a
// denied network (deny wins), must be in an allowed one (an empty allow list
// lets no one in, as a firewall denies by default), and may open at most
// `rateLimit` connections per second.
//
// The rate is counted per source address in fixed one-second windows: a
// source's window starts with its first connection, and within it the first
// `rateLimit` connections pass and the rest are refused. Sources idle for a
// second are forgotten, and at most MaxSources are tracked at once; beyond
// that, the newcomers share one window (a flood from many addresses is
// limited as a whole).
//
// Networks are parsed once. IPv4 rules match IPv4 sources, IPv4-mapped IPv6
// sources (::ffff:10.0.0.1 is 10.0.0.1) included; IPv6 rules match IPv6
// sources. Thread-safe: every worker thread of a listener checks through the
// same rules, and the rules can change under them (setConfig()) without
// losing the counters or the windows.
class FirewallRules
{
public:
    enum class Verdict { Allowed, Denied, RateLimited };
    using Clock = std::chrono::steady_clock;
    static constexpr size_t MaxSources = 16384;

    // `now` is for tests; the default is the steady clock.
    explicit FirewallRules(const FirewallConfig &config = {}, std::function<Clock::time_point()> now = {});
    FirewallRules(const FirewallRules &) = delete;
    FirewallRules &operator=(const FirewallRules &) = delete;

    // New rules for the connections that come next. A network that can't be
    // parsed is left out and error() says which.
    void setConfig(const FirewallConfig &config);
    FirewallConfig config() const;
    // Empty when every network of the configuration was understood; else one
    // sentence naming the first one that was not.
    QString error() const;
    // The sentence error() would give for `config`, without building rules.
    static QString problemOf(const FirewallConfig &config);

    // The verdict for a new connection from `source`, counted. A null or
    // unparsable address is denied.
    Verdict check(const QHostAddress &source);
    Verdict check(const asio::ip::address &source);

    // Connections refused so far, by the rules and by the rate limit.
    quint64 denied() const { return m_denied.load(std::memory_order_relaxed); }
    quint64 rateLimited() const { return m_rateLimited.load(std::memory_order_relaxed); }
    // Sources whose rate is being tracked now.
    size_t trackedSources() const;

private:
    // An address in IPv6 form: IPv4 as ::ffff:a.b.c.d.
    struct Source
    {
        std::array<quint8, 16> bytes{};
        bool v4 = false;
        bool operator==(const Source &) const = default;
    };
    struct SourceHash
    {
        size_t operator()(const Source &source) const noexcept;
    };
    struct Network
    {
        Source base;
        int prefix = 0; // in bits of base (of the IPv4 part for an IPv4 network)
        bool contains(const Source &source) const;
    };
    struct Window
    {
        Clock::time_point start;
        int count = 0;
    };

    Verdict verdict(const Source &source);
    bool admitted(const Source &source, Clock::time_point now); // rate, under m_mutex
    static bool parseNetwork(const QString &text, Network &network);
    static QString parse(const FirewallConfig &config, std::vector<Network> &allow, std::vector<Network> &deny);

    const std::function<Clock::time_point()> m_now;
    mutable std::mutex m_mutex; // guards everything below but the counters
    FirewallConfig m_config;
    QString m_error;
    std::vector<Network> m_allow;
    std::vector<Network> m_deny;
    std::unordered_map<Source, Window, SourceHash> m_windows;
    Window m_overflow; // the window newcomers share once MaxSources are tracked
    Clock::time_point m_lastPurge;
    std::atomic<quint64> m_denied{0};
    std::atomic<quint64> m_rateLimited{0};
};

} // namespace Loadstar::Engine
