#include "TlsProbe.h"

namespace Loadstar::Health {

void TlsProbe::onReady()
{
    if (acceptCertificate())
        finish(CheckCode::L6OK, QStringLiteral("TLS handshake done, %1").arg(certificateSummary()));
}

} // namespace Loadstar::Health
