#include "DemoFault.h"

#include <QCoreApplication>
#include <QStringList>

namespace Loadstar::Engine {

QString describeFault(const DemoFault &fault, const QString &separator)
{
    const auto tr = [](const char *text) { return QCoreApplication::translate("Loadstar::Engine::DemoFault", text); };
    QStringList parts;
    if (fault.killed)
        parts.append(tr("killed"));
    if (fault.hung)
        parts.append(tr("hung"));
    if (fault.latencyMs > 0)
        parts.append(tr("+%1 ms").arg(fault.latencyMs));
    if (fault.errorPercent > 0)
        parts.append(tr("%1 % errors").arg(fault.errorPercent));
    return parts.join(separator);
}

} // namespace Loadstar::Engine
