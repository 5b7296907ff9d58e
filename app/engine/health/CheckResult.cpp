#include "CheckResult.h"

namespace Loadstar::Health {

QString checkCodeName(CheckCode code)
{
    switch (code) {
    case CheckCode::Unknown: return QStringLiteral("UNK");
    case CheckCode::SockErr: return QStringLiteral("SOCKERR");
    case CheckCode::L4OK: return QStringLiteral("L4OK");
    case CheckCode::L4TOUT: return QStringLiteral("L4TOUT");
    case CheckCode::L4CON: return QStringLiteral("L4CON");
    case CheckCode::L6OK: return QStringLiteral("L6OK");
    case CheckCode::L6TOUT: return QStringLiteral("L6TOUT");
    case CheckCode::L6RSP: return QStringLiteral("L6RSP");
    case CheckCode::L7OK: return QStringLiteral("L7OK");
    case CheckCode::L7TOUT: return QStringLiteral("L7TOUT");
    case CheckCode::L7RSP: return QStringLiteral("L7RSP");
    case CheckCode::L7STS: return QStringLiteral("L7STS");
    }
    return QStringLiteral("UNK");
}

} // namespace Loadstar::Health
