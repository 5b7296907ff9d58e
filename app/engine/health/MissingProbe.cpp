#include "MissingProbe.h"

namespace Loadstar::Health {

MissingProbe::MissingProbe(const QString &type, QObject *parent, const QString &reason)
    : Probe(parent)
    , m_reason(reason.isEmpty() ? QStringLiteral("no probe for check type “%1”").arg(type) : reason)
{
}

void MissingProbe::start(const ProbeTarget &)
{
    const quint64 generation = ++m_generation;
    QMetaObject::invokeMethod(this, [this, generation] {
        if (generation != m_generation)
            return;
        CheckResult result;
        result.code = CheckCode::Unknown;
        result.reason = m_reason;
        emit finished(result);
    }, Qt::QueuedConnection);
}

void MissingProbe::cancel()
{
    ++m_generation;
}

} // namespace Loadstar::Health
