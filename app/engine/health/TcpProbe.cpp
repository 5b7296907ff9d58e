#include "TcpProbe.h"

namespace Loadstar::Health {

void TcpProbe::onReady()
{
    finish(CheckCode::L4OK, QStringLiteral("Connection established"));
}

} // namespace Loadstar::Health
