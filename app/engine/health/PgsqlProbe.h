#pragma once

#include "ConnectionProbe.h"

namespace Loadstar::Health {

// "pgsql": a PostgreSQL StartupMessage (protocol 3.0, user "loadstar"). An
// authentication request ('R') or an error ('E') in the protocol's own
// framing means a PostgreSQL server is there (L7OK, what it asked or said in
// the details); other bytes are L7RSP. Whether the role may log in is the
// role probes' business.
class PgsqlProbe : public ConnectionProbe
{
    Q_OBJECT
public:
    using ConnectionProbe::ConnectionProbe;

protected:
    void onReady() override;
    void onData() override;
    void onClosed() override;
};

} // namespace Loadstar::Health
