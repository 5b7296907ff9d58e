#pragma once

#include "Probe.h"

namespace Loadstar::Health {

// Stands in for a check type nothing serves (a plugin that is not
// installed): every check ends at once with UNK and says so.
class MissingProbe : public Probe
{
    Q_OBJECT
public:
    // `reason`: what the node shows; by default "no probe for check type “X”".
    explicit MissingProbe(const QString &type, QObject *parent = nullptr, const QString &reason = {});

    void start(const ProbeTarget &target) override;
    void cancel() override;

private:
    QString m_reason;
    quint64 m_generation = 0;
};

} // namespace Loadstar::Health
