#pragma once

#include "ConnectionProbe.h"

namespace Loadstar::Health {

// "tcp": the server accepts a TCP connection (L4OK), HAProxy's plain check.
class TcpProbe : public ConnectionProbe
{
    Q_OBJECT
public:
    using ConnectionProbe::ConnectionProbe;

protected:
    void onReady() override;
    // Nothing was said: a reset ends it, as HAProxy's pure TCP check does.
    bool resetsConnection() const override { return true; }
};

} // namespace Loadstar::Health
