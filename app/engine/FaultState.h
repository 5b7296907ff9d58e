#pragma once

#include <QString>

namespace Loadstar::Engine {

// The words the /fault page takes for a process's life, the same for a demo
// backend and a demo database: kill, revive, hang, resume. Applies `state`
// to a fault with `killed` and `hung`; false for any other word (nothing
// changes then).
template<typename Fault>
bool applyProcessState(Fault &fault, const QString &state)
{
    if (state == QLatin1String("kill"))
        fault.killed = true;
    else if (state == QLatin1String("revive"))
        fault.killed = false;
    else if (state == QLatin1String("hang"))
        fault.hung = true;
    else if (state == QLatin1String("resume"))
        fault.hung = false;
    else
        return false;
    return true;
}

} // namespace Loadstar::Engine
