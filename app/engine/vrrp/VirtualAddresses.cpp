#include "VirtualAddresses.h"

#include "engine/IoThread.h"

#include <array>
#include <mutex>

namespace Loadstar::Engine {

using asio::ip::tcp;

namespace detail {

namespace {

constexpr int CheckTimeoutMs = 500;
constexpr size_t RelayBufferSize = 16 * 1024;

QString endpointText(const QString &address, quint16 port)
{
    return address.contains(QLatin1Char(':')) ? QStringLiteral("[%1]:%2").arg(address).arg(port)
                                              : QStringLiteral("%1:%2").arg(address).arg(port);
}

std::optional<tcp::endpoint> endpointOf(const QString &address, quint16 port)
{
    asio::error_code code;
    const asio::ip::address ip = asio::ip::make_address(address.toStdString(), code);
    if (code)
        return std::nullopt;
    return tcp::endpoint(ip, port);
}

// One client connection passed on to a member: bytes both ways through two
// fixed buffers, both sockets closed when either side ends.
class Relay : public std::enable_shared_from_this<Relay>
{
public:
    Relay(tcp::socket client, asio::io_context &io)
        : m_client(std::move(client))
        , m_member(io)
    {}

    tcp::socket &member() { return m_member; }
    tcp::socket &client() { return m_client; }

    void start()
    {
        pump(m_client, m_member, m_up);
        pump(m_member, m_client, m_down);
    }

    void close()
    {
        asio::error_code ignored;
        m_client.close(ignored);
        m_member.close(ignored);
    }

private:
    void pump(tcp::socket &from, tcp::socket &to, std::array<char, RelayBufferSize> &buffer)
    {
        from.async_read_some(asio::buffer(buffer), [self = shared_from_this(), &from, &to,
                                                    &buffer](const asio::error_code &error, size_t size) {
            if (error) {
                self->close();
                return;
            }
            asio::async_write(to, asio::buffer(buffer.data(), size),
                              [self, &from, &to, &buffer](const asio::error_code &written, size_t) {
                                  if (written)
                                      self->close();
                                  else
                                      self->pump(from, to, buffer);
                              });
        });
    }

    tcp::socket m_client;
    tcp::socket m_member;
    std::array<char, RelayBufferSize> m_up;
    std::array<char, RelayBufferSize> m_down;
};

} // namespace

// One virtual address: its listener, its members' last check and the
// connections passed on. Touched only on the relay's thread, except the
// MASTER's name, which the core's mutex guards.
class VirtualAddress : public std::enable_shared_from_this<VirtualAddress>
{
public:
    VirtualAddress(asio::io_context &io, VirtualAddressConfig config, VirtualAddressesCore &core);

    bool listen(QString *error);
    void setMembers(const QList<VirtualAddressConfig::Member> &members);
    void close();
    const VirtualAddressConfig &config() const { return m_config; }

private:
    void accept();
    void pass(tcp::socket client, int member, int attemptsLeft);
    void check();
    void checked(int member, bool answering);
    void elect();

    asio::io_context &m_io;
    VirtualAddressConfig m_config;
    VirtualAddressesCore &m_core;
    tcp::acceptor m_acceptor;
    asio::steady_timer m_advert;
    std::vector<bool> m_answering;
    int m_master = 0;
    std::vector<std::weak_ptr<Relay>> m_relays;
    bool m_closed = false;
};

class VirtualAddressesCore : public IoThread
{
public:
    std::vector<std::shared_ptr<VirtualAddress>> addresses;
    mutable std::mutex mutex;
    QHash<QString, QString> masters; // virtual address → member holding it
    VirtualAddresses::MasterHandler handler;

    void masterChanged(const QString &address, const QString &master)
    {
        QString previous;
        VirtualAddresses::MasterHandler notify;
        {
            std::lock_guard lock(mutex);
            previous = masters.value(address);
            if (previous == master)
                return;
            masters.insert(address, master);
            notify = handler;
        }
        if (notify)
            notify(address, master, previous);
    }
};

VirtualAddress::VirtualAddress(asio::io_context &io, VirtualAddressConfig config, VirtualAddressesCore &core)
    : m_io(io)
    , m_config(std::move(config))
    , m_core(core)
    , m_acceptor(io)
    , m_advert(io)
    , m_answering(size_t(m_config.members.size()), true)
{}

bool VirtualAddress::listen(QString *error)
{
    const QString where = endpointText(m_config.address, m_config.port);
    QStringList names;
    for (const auto &member : m_config.members)
        names.append(member.frontend);
    const auto endpoint = endpointOf(m_config.address, m_config.port);
    asio::error_code code;
    if (endpoint) {
        m_acceptor.open(endpoint->protocol(), code);
        if (!code)
            m_acceptor.set_option(tcp::acceptor::reuse_address(true), code);
        if (!code)
            m_acceptor.bind(*endpoint, code);
        if (!code)
            m_acceptor.listen(asio::socket_base::max_listen_connections, code);
    }
    if (!endpoint || code) {
        if (error) {
            *error = QStringLiteral("The virtual address %1 of %2 can't be held: %3.")
                         .arg(where, names.join(QStringLiteral(" and ")),
                              endpoint ? QString::fromStdString(code.message()) : QStringLiteral("not an IP address"));
        }
        return false;
    }
    m_core.masterChanged(m_config.address, m_config.members.isEmpty() ? QString() : m_config.members.first().frontend);
    accept();
    check();
    return true;
}

void VirtualAddress::setMembers(const QList<VirtualAddressConfig::Member> &members)
{
    m_config.members = members;
    m_answering.assign(size_t(members.size()), true);
    m_master = 0;
    elect();
}

void VirtualAddress::close()
{
    m_closed = true;
    asio::error_code ignored;
    m_acceptor.close(ignored);
    m_advert.cancel();
    for (const auto &weak : m_relays) {
        if (auto relay = weak.lock())
            relay->close();
    }
    m_relays.clear();
}

void VirtualAddress::accept()
{
    m_acceptor.async_accept([self = shared_from_this()](const asio::error_code &error, tcp::socket client) {
        if (self->m_closed)
            return;
        if (!error)
            self->pass(std::move(client), self->m_master, int(self->m_config.members.size()));
        self->accept();
    });
}

// Connects to `member` from the client's own loopback address (so the
// member's firewall rules judge the real source) and relays; a member that
// refuses loses the address at once and the next one is tried.
void VirtualAddress::pass(tcp::socket client, int member, int attemptsLeft)
{
    if (member < 0 || attemptsLeft <= 0 || member >= m_config.members.size()) {
        asio::error_code ignored;
        client.close(ignored);
        return;
    }
    const auto &target = m_config.members.at(member);
    const auto endpoint = endpointOf(target.address, target.port);
    auto relay = std::make_shared<Relay>(std::move(client), m_io);
    asio::error_code code;
    const tcp::endpoint peer = relay->client().remote_endpoint(code);
    if (!endpoint || code) {
        relay->close();
        return;
    }
    relay->member().open(endpoint->protocol(), code);
    if (!code && peer.address().is_loopback() && peer.protocol() == endpoint->protocol())
        relay->member().bind(tcp::endpoint(peer.address(), 0), code);
    if (code) {
        relay->close();
        return;
    }
    m_relays.erase(std::remove_if(m_relays.begin(), m_relays.end(), [](const auto &weak) { return weak.expired(); }),
                   m_relays.end());
    m_relays.push_back(relay);
    relay->member().async_connect(*endpoint, [self = shared_from_this(), relay, member,
                                              attemptsLeft](const asio::error_code &error) {
        if (self->m_closed)
            return;
        if (!error) {
            relay->start();
            return;
        }
        self->checked(member, false);
        const int next = self->m_master == member ? -1 : self->m_master;
        self->pass(std::move(relay->client()), next, attemptsLeft - 1);
    });
}

// VRRP's advertisements, seen from the outside: every advert_int each
// member's listener is connected to; one that does not answer in time is
// taken as gone.
void VirtualAddress::check()
{
    for (int i = 0; i < m_config.members.size(); ++i) {
        const auto endpoint = endpointOf(m_config.members.at(i).address, m_config.members.at(i).port);
        if (!endpoint) {
            checked(i, false);
            continue;
        }
        auto probe = std::make_shared<tcp::socket>(m_io);
        auto timer = std::make_shared<asio::steady_timer>(m_io, std::chrono::milliseconds(CheckTimeoutMs));
        const auto members = m_config.members;
        probe->async_connect(*endpoint, [self = shared_from_this(), probe, timer, i, members](const asio::error_code &error) {
            timer->cancel();
            asio::error_code ignored;
            probe->close(ignored);
            if (!self->m_closed && self->m_config.members == members)
                self->checked(i, !error);
        });
        timer->async_wait([probe](const asio::error_code &error) {
            if (!error) {
                asio::error_code ignored;
                probe->close(ignored);
            }
        });
    }
    m_advert.expires_after(std::chrono::milliseconds(VirtualAddresses::AdvertIntervalMs));
    m_advert.async_wait([self = shared_from_this()](const asio::error_code &error) {
        if (!error && !self->m_closed)
            self->check();
    });
}

void VirtualAddress::checked(int member, bool answering)
{
    if (member < 0 || size_t(member) >= m_answering.size() || m_answering[size_t(member)] == answering)
        return;
    m_answering[size_t(member)] = answering;
    elect();
}

// The first member in the drawing's order that answers holds the address
// (keepalived: the highest priority, with preemption).
void VirtualAddress::elect()
{
    m_master = -1;
    for (size_t i = 0; i < m_answering.size(); ++i) {
        if (m_answering[i]) {
            m_master = int(i);
            break;
        }
    }
    m_core.masterChanged(m_config.address, m_master < 0 ? QString() : m_config.members.at(m_master).frontend);
}

} // namespace detail

using detail::VirtualAddress;

VirtualAddresses::VirtualAddresses()
    : m_core(std::make_unique<detail::VirtualAddressesCore>())
{}

VirtualAddresses::~VirtualAddresses()
{
    stop();
}

bool VirtualAddresses::start(const QList<VirtualAddressConfig> &addresses, QString *error)
{
    stop();
    if (addresses.isEmpty())
        return true;
    asio::io_context &io = m_core->createIo();
    bool listening = true;
    for (const VirtualAddressConfig &config : addresses) {
        auto address = std::make_shared<VirtualAddress>(io, config, *m_core);
        listening = address->listen(error);
        if (!listening) {
            address->close();
            break;
        }
        m_core->addresses.push_back(address);
    }
    if (!listening) {
        // Every listener and timer goes before the io_context they belong to.
        for (auto &started : m_core->addresses)
            started->close();
        m_core->addresses.clear();
        m_core->io.reset();
        std::lock_guard lock(m_core->mutex);
        m_core->masters.clear();
        return false;
    }
    m_core->startThread();
    return true;
}

bool VirtualAddresses::apply(const QList<VirtualAddressConfig> &addresses, QString *error)
{
    if (!m_core->threadRunning())
        return start(addresses, error);
    return m_core->run([&] {
        std::vector<std::shared_ptr<VirtualAddress>> kept;
        std::vector<std::shared_ptr<VirtualAddress>> opened;
        for (const VirtualAddressConfig &config : addresses) {
            auto same = std::find_if(m_core->addresses.begin(), m_core->addresses.end(), [&](const auto &address) {
                return address->config().address == config.address && address->config().port == config.port;
            });
            if (same != m_core->addresses.end()) {
                if ((*same)->config().members != config.members)
                    (*same)->setMembers(config.members);
                kept.push_back(*same);
                continue;
            }
            auto address = std::make_shared<VirtualAddress>(*m_core->io, config, *m_core);
            if (!address->listen(error)) {
                address->close();
                for (auto &fresh : opened)
                    fresh->close();
                return false;
            }
            opened.push_back(address);
        }
        for (auto &address : m_core->addresses) {
            if (std::find(kept.begin(), kept.end(), address) == kept.end()) {
                address->close();
                std::lock_guard lock(m_core->mutex);
                m_core->masters.remove(address->config().address);
            }
        }
        kept.insert(kept.end(), opened.begin(), opened.end());
        m_core->addresses = std::move(kept);
        return true;
    });
}

void VirtualAddresses::stop()
{
    if (m_core->threadRunning()) {
        m_core->stopThread([this] {
            for (auto &address : m_core->addresses)
                address->close();
        });
    }
    m_core->addresses.clear();
    m_core->io.reset();
    std::lock_guard lock(m_core->mutex);
    m_core->masters.clear();
}

QString VirtualAddresses::masterOf(const QString &address) const
{
    std::lock_guard lock(m_core->mutex);
    return m_core->masters.value(address);
}

QHash<QString, QString> VirtualAddresses::masters() const
{
    std::lock_guard lock(m_core->mutex);
    return m_core->masters;
}

void VirtualAddresses::setMasterHandler(MasterHandler handler)
{
    std::lock_guard lock(m_core->mutex);
    m_core->handler = std::move(handler);
}

} // namespace Loadstar::Engine
