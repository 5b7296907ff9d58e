#pragma once

#include "ConnectionProbe.h"

namespace Loadstar::Health {

// "mysql": HAProxy's mysql-check without a user. The server speaks first: a
// protocol-10 handshake packet means a MySQL or MariaDB server is there
// (L7OK, server_version in the details); an ERR packet, such as "Host is
// blocked", fails with its message (L7STS); anything else is L7RSP.
class MysqlProbe : public ConnectionProbe
{
    Q_OBJECT
public:
    using ConnectionProbe::ConnectionProbe;

protected:
    void onReady() override {}
    void onData() override;
    void onClosed() override;
};

} // namespace Loadstar::Health
