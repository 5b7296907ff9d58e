#pragma once

#include "Probe.h"

#include <QStringList>
#include <QtPlugin>

namespace Loadstar::Health {

// What a probe plugin (plugins/, loaded with QPluginLoader) offers: probes
// for check types the core does not know, such as the database role probes.
class ProbePlugin
{
public:
    virtual ~ProbePlugin() = default;
    // The check types this plugin serves, e.g. {"mysql-role"}.
    virtual QStringList checkTypes() const = 0;
    // A new probe for one of checkTypes(), owned by `parent`.
    virtual Probe *createProbe(const QString &type, QObject *parent) = 0;
};

} // namespace Loadstar::Health

#define LoadstarProbePlugin_iid "org.loadstar.Loadstar.ProbePlugin/1"
Q_DECLARE_INTERFACE(Loadstar::Health::ProbePlugin, LoadstarProbePlugin_iid)
