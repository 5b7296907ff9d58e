#pragma once

#include "ConnectionProbe.h"

namespace Loadstar::Health {

// "tls": a TLS handshake with a certificate that has not expired and does
// not expire within certMinDays (L6OK, with cert_days_left in the details).
class TlsProbe : public ConnectionProbe
{
    Q_OBJECT
public:
    using ConnectionProbe::ConnectionProbe;

protected:
    Transport transport() const override { return Transport::Tls; }
    void onReady() override;
};

} // namespace Loadstar::Health
