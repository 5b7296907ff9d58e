#include "HaproxyExport.h"

namespace Loadstar::Haproxy {

namespace {

constexpr int kFirstRouterId = 51;
constexpr int kMasterPriority = 101;

} // namespace

ConfigExport exportKeepalived(const Topology &topology, const Engine::EngineConfig &config, const ExportOptions &options)
{
    ConfigExport result;
    if (config.virtualAddresses.isEmpty()) {
        result.error = QStringLiteral("No load balancers share a virtual address, so keepalived has nothing to "
                                      "move; give two load balancers the same virtual address (the “Add a second "
                                      "load balancer” fix does)");
        return result;
    }
    QString text = QStringLiteral(
                       "# keepalived (VRRP) configuration of %1, written by Loadstar.\n"
                       "# One file for every load balancer of a pair: keepalived reads a line starting with\n"
                       "# @NAME only on the machine whose config-id is NAME (its host name, or keepalived -i NAME).\n"
                       "# Check it with: keepalived -t -f FILE -i NAME\n")
                       .arg(options.source.isEmpty() ? QStringLiteral("an untitled drawing") : options.source);
    text += QStringLiteral("\nglobal_defs {\n"
                           "    # Lines starting with @NAME belong to that machine only\n"
                           "    vrrp_garp_master_delay 1\n"
                           "}\n"
                           "\n"
                           "# A machine whose HAProxy is not running gives the address up\n"
                           "vrrp_track_process haproxy {\n"
                           "    process haproxy\n"
                           "    quorum 1\n"
                           "    delay 1\n"
                           "}\n");
    int routerId = kFirstRouterId;
    for (const Engine::VirtualAddressConfig &shared : config.virtualAddresses) {
        QStringList names;
        for (const auto &member : shared.members)
            names.append(member.frontend);
        text += QStringLiteral("\n# %1:%2 shared by %3; %4 holds it while it answers\n")
                    .arg(shared.address)
                    .arg(shared.port)
                    .arg(names.join(QStringLiteral(", ")), names.first());
        text += QStringLiteral("vrrp_instance VI_%1 {\n").arg(routerId);
        int priority = kMasterPriority;
        for (const auto &member : shared.members) {
            const bool master = priority == kMasterPriority;
            const QString interface =
                topology.nodeByName(member.frontend)->stringProperty(QStringLiteral("vrrp_interface")).trimmed();
            if (interface.isEmpty() || interface.contains(QLatin1Char(' '))) {
                result.error = QStringLiteral("%1: “%2” is not a network interface; name the one keepalived "
                                              "speaks VRRP on, such as eth0")
                                   .arg(member.frontend, interface);
                return result;
            }
            text += QStringLiteral("@%1 interface %2\n").arg(member.frontend, interface);
            text += QStringLiteral("@%1 state %2\n").arg(member.frontend, master ? QStringLiteral("MASTER")
                                                                                    : QStringLiteral("BACKUP"));
            text += QStringLiteral("@%1 priority %2\n").arg(member.frontend).arg(priority--);
        }
        text += QStringLiteral("    virtual_router_id %1\n"
                               "    advert_int 1\n"
                               "    virtual_ipaddress {\n"
                               "        %2\n"
                               "    }\n"
                               "    track_process {\n"
                               "        haproxy\n"
                               "    }\n"
                               "}\n")
                    .arg(routerId)
                    .arg(shared.address);
        ++routerId;
    }
    result.text = text.toUtf8();
    result.summary = QStringLiteral("%1 virtual address%2").arg(config.virtualAddresses.size())
                         .arg(config.virtualAddresses.size() == 1 ? QString() : QStringLiteral("es"));
    return result;
}

} // namespace Loadstar::Haproxy
