#pragma once

#include "ConnectionProbe.h"

namespace Loadstar::Health {

// "redis": PING answered by +PONG (L7OK); an error answer such as -NOAUTH
// fails with its message (L7STS); anything else is L7RSP.
class RedisProbe : public ConnectionProbe
{
    Q_OBJECT
public:
    using ConnectionProbe::ConnectionProbe;

protected:
    void onReady() override;
    void onData() override;
};

} // namespace Loadstar::Health
