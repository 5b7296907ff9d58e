#pragma once

#include "engine/EngineConfig.h"

#include <QHash>
#include <QString>

#include <functional>
#include <memory>

namespace Loadstar::Engine {

namespace detail {
class VirtualAddressesCore;
}

// Load balancers sharing a virtual address, run as keepalived runs a VRRP
// instance on one machine: the MASTER holds the address — here a listener on
// it that hands each connection to the MASTER's own listener, from the
// client's own loopback address so firewall rules still see the real source
// — and the next member becomes MASTER when the MASTER stops answering.
// Members are checked every advert_int (1 s, keepalived's default) by
// connecting to them; a connection the MASTER refuses goes to the next
// member at once. Everything runs on one thread of its own; every method is
// thread-safe.
class VirtualAddresses
{
public:
    static constexpr int AdvertIntervalMs = 1000;

    VirtualAddresses();
    ~VirtualAddresses(); // stops
    VirtualAddresses(const VirtualAddresses &) = delete;
    VirtualAddresses &operator=(const VirtualAddresses &) = delete;

    // Listens on every virtual address. When one can't be bound, nothing
    // runs and *error says which, in one sentence.
    bool start(const QList<VirtualAddressConfig> &addresses, QString *error = nullptr);
    // Keeps the listeners of addresses that stay, with their MASTER.
    bool apply(const QList<VirtualAddressConfig> &addresses, QString *error = nullptr);
    void stop();

    // The member holding `address` now ("lb-a"); empty when none answers.
    QString masterOf(const QString &address) const;
    // Every virtual address with the member holding it.
    QHash<QString, QString> masters() const;

    // Called on the relay's thread when an address changes hands; `master`
    // is empty when no member answers any more.
    using MasterHandler = std::function<void(const QString &address, const QString &master, const QString &previous)>;
    void setMasterHandler(MasterHandler handler);

private:
    std::unique_ptr<detail::VirtualAddressesCore> m_core;
};

} // namespace Loadstar::Engine
