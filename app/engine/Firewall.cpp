#include "Firewall.h"

#include <asio/ip/address.hpp>

#include <cstring>

namespace Loadstar::Engine {

namespace {

constexpr auto WindowLength = std::chrono::seconds(1);

// The IPv4 address of an IPv4 address or of an IPv4-mapped IPv6 one, and
// nothing else: QHostAddress::toIPv4Address() also turns ::1 into 127.0.0.1
// and :: into 0.0.0.0, which is not the same source to a firewall.
bool ipv4Of(const QHostAddress &address, quint32 &ipv4)
{
    if (address.protocol() == QAbstractSocket::IPv4Protocol) {
        ipv4 = address.toIPv4Address();
        return true;
    }
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return false;
    const Q_IPV6ADDR ipv6 = address.toIPv6Address();
    for (int i = 0; i < 10; ++i) {
        if (ipv6.c[i] != 0)
            return false;
    }
    if (ipv6.c[10] != 0xff || ipv6.c[11] != 0xff)
        return false;
    ipv4 = quint32(ipv6.c[12]) << 24 | quint32(ipv6.c[13]) << 16 | quint32(ipv6.c[14]) << 8 | ipv6.c[15];
    return true;
}

} // namespace

size_t FirewallRules::SourceHash::operator()(const Source &source) const noexcept
{
    // FNV-1a over the address: cheap, and sources are not chosen by anyone
    // who could make them collide at will more than any address already can.
    size_t hash = 1469598103934665603ULL;
    for (quint8 byte : source.bytes) {
        hash ^= byte;
        hash *= 1099511628211ULL;
    }
    return hash;
}

bool FirewallRules::Network::contains(const Source &source) const
{
    if (source.v4 != base.v4)
        return false;
    // An IPv4 network's prefix counts from the IPv4 part, the last 4 bytes.
    const int offset = base.v4 ? 12 : 0;
    const int whole = prefix / 8;
    if (std::memcmp(source.bytes.data() + offset, base.bytes.data() + offset, size_t(whole)) != 0)
        return false;
    const int rest = prefix % 8;
    if (rest == 0)
        return true;
    const quint8 mask = quint8(0xff << (8 - rest));
    return (source.bytes[size_t(offset + whole)] & mask) == (base.bytes[size_t(offset + whole)] & mask);
}

bool FirewallRules::parseNetwork(const QString &text, Network &network)
{
    // The same parser as the property's validation, so what the panel
    // accepts is what the engine enforces.
    const QPair<QHostAddress, int> subnet = QHostAddress::parseSubnet(text.trimmed());
    if (subnet.first.isNull() || subnet.second < 0)
        return false;
    quint32 ipv4 = 0;
    if (ipv4Of(subnet.first, ipv4)) {
        const bool mapped = subnet.first.protocol() == QAbstractSocket::IPv6Protocol;
        const int prefix = mapped ? subnet.second - 96 : subnet.second;
        if (prefix < 0)
            return false; // wider than the mapped block: not a network of IPv4 addresses
        network.base = {};
        network.base.v4 = true;
        network.base.bytes[10] = network.base.bytes[11] = 0xff;
        for (int i = 0; i < 4; ++i)
            network.base.bytes[size_t(12 + i)] = quint8(ipv4 >> (24 - 8 * i));
        network.prefix = std::min(prefix, 32);
        return true;
    }
    const Q_IPV6ADDR ipv6 = subnet.first.toIPv6Address();
    network.base = {};
    std::memcpy(network.base.bytes.data(), ipv6.c, 16);
    network.prefix = std::min(subnet.second, 128);
    return true;
}

QString FirewallRules::parse(const FirewallConfig &config, std::vector<Network> &allow, std::vector<Network> &deny)
{
    QString error;
    const auto parseList = [&](const QStringList &texts, std::vector<Network> &into) {
        for (const QString &text : texts) {
            Network network;
            if (parseNetwork(text, network)) {
                into.push_back(network);
            } else if (error.isEmpty()) {
                const QString who = config.name.isEmpty() ? QStringLiteral("The firewall") : config.name;
                error = QStringLiteral("%1: “%2” is not a network such as 10.0.0.0/8; correct or remove it.")
                            .arg(who, text);
            }
        }
    };
    parseList(config.deny, deny);
    parseList(config.allow, allow);
    return error;
}

QString FirewallRules::problemOf(const FirewallConfig &config)
{
    std::vector<Network> allow, deny;
    return parse(config, allow, deny);
}

FirewallRules::FirewallRules(const FirewallConfig &config, std::function<Clock::time_point()> now)
    : m_now(now ? std::move(now) : [] { return Clock::now(); })
{
    setConfig(config);
}

void FirewallRules::setConfig(const FirewallConfig &config)
{
    std::vector<Network> allow, deny;
    QString error = parse(config, allow, deny);
    std::lock_guard lock(m_mutex);
    m_config = config;
    m_error = std::move(error);
    m_allow = std::move(allow);
    m_deny = std::move(deny);
    if (config.rateLimit <= 0) {
        m_windows.clear();
        m_overflow = {};
    }
}

FirewallConfig FirewallRules::config() const
{
    std::lock_guard lock(m_mutex);
    return m_config;
}

QString FirewallRules::error() const
{
    std::lock_guard lock(m_mutex);
    return m_error;
}

size_t FirewallRules::trackedSources() const
{
    std::lock_guard lock(m_mutex);
    return m_windows.size();
}

FirewallRules::Verdict FirewallRules::check(const QHostAddress &address)
{
    Source source;
    quint32 ipv4 = 0;
    if (ipv4Of(address, ipv4)) {
        source.v4 = true;
        source.bytes[10] = source.bytes[11] = 0xff;
        for (int i = 0; i < 4; ++i)
            source.bytes[size_t(12 + i)] = quint8(ipv4 >> (24 - 8 * i));
    } else if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        const Q_IPV6ADDR ipv6 = address.toIPv6Address();
        std::memcpy(source.bytes.data(), ipv6.c, 16);
    } else {
        m_denied.fetch_add(1, std::memory_order_relaxed);
        return Verdict::Denied;
    }
    return verdict(source);
}

FirewallRules::Verdict FirewallRules::check(const asio::ip::address &address)
{
    Source source;
    if (address.is_v4() || (address.is_v6() && address.to_v6().is_v4_mapped())) {
        const asio::ip::address_v4 ipv4 = address.is_v4()
                                               ? address.to_v4()
                                               : asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
        source.v4 = true;
        source.bytes[10] = source.bytes[11] = 0xff;
        const asio::ip::address_v4::bytes_type bytes = ipv4.to_bytes();
        std::memcpy(source.bytes.data() + 12, bytes.data(), 4);
    } else {
        const asio::ip::address_v6::bytes_type bytes = address.to_v6().to_bytes();
        std::memcpy(source.bytes.data(), bytes.data(), 16);
    }
    return verdict(source);
}

FirewallRules::Verdict FirewallRules::verdict(const Source &source)
{
    const Clock::time_point now = m_now();
    std::lock_guard lock(m_mutex);
    const auto in = [&source](const std::vector<Network> &networks) {
        return std::any_of(networks.begin(), networks.end(),
                           [&source](const Network &network) { return network.contains(source); });
    };
    if (in(m_deny) || !in(m_allow)) {
        m_denied.fetch_add(1, std::memory_order_relaxed);
        return Verdict::Denied;
    }
    if (m_config.rateLimit > 0 && !admitted(source, now)) {
        m_rateLimited.fetch_add(1, std::memory_order_relaxed);
        return Verdict::RateLimited;
    }
    return Verdict::Allowed;
}

bool FirewallRules::admitted(const Source &source, Clock::time_point now)
{
    // Windows that ended are of no more use: forgotten once a second, and
    // at once when the table is full.
    const auto purge = [&] {
        for (auto it = m_windows.begin(); it != m_windows.end();)
            it = now - it->second.start >= WindowLength ? m_windows.erase(it) : std::next(it);
        m_lastPurge = now;
    };
    if (now - m_lastPurge >= WindowLength)
        purge();
    auto it = m_windows.find(source);
    if (it == m_windows.end()) {
        if (m_windows.size() >= MaxSources)
            purge();
        if (m_windows.size() < MaxSources)
            it = m_windows.emplace(source, Window{now, 0}).first;
    }
    Window &window = it != m_windows.end() ? it->second : m_overflow;
    if (now - window.start >= WindowLength)
        window = {now, 0};
    if (window.count >= m_config.rateLimit)
        return false;
    ++window.count;
    return true;
}

} // namespace Loadstar::Engine
