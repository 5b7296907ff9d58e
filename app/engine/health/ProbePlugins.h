#pragma once

#include "Probe.h"

#include <QHash>
#include <QStringList>

namespace Loadstar::Health {

class ProbePlugin;

// The probe plugins found on disk (QPluginLoader), for the check types the
// core does not know, such as "mysql-role". Each plugin file is loaded once;
// the first plugin to serve a type serves it. Loading happens in the
// constructor; afterwards every method only reads, from any thread.
class ProbePlugins
{
public:
    // Where plugins are looked for, in order: $LOADSTAR_PLUGIN_PATH (folders
    // separated by “:”), the build tree (build/bin/../plugins/loadstar) and
    // the install tree (bin/../lib/<multiarch>/loadstar/plugins), both next
    // to the running executable.
    static QStringList defaultSearchPath();
    // The plugins of defaultSearchPath(), loaded on first use.
    static ProbePlugins &instance();

    explicit ProbePlugins(const QStringList &searchPath);
    ProbePlugins(const ProbePlugins &) = delete;
    ProbePlugins &operator=(const ProbePlugins &) = delete;

    // Check types some plugin serves, sorted.
    QStringList checkTypes() const;
    // A new probe for `type` owned by `parent`; nullptr when no plugin serves it.
    Probe *create(const QString &type, QObject *parent) const;
    // The sentence a node shows when no plugin serves `type`: "The MariaDB
    // role probe (plugin “loadstar_mariadb”) is not installed; looked in …".
    QString missingMessage(const QString &type) const;
    // One sentence per plugin file that failed to load.
    QStringList errors() const;

private:
    QStringList m_searchPath;
    QHash<QString, ProbePlugin *> m_byType;
    QStringList m_errors;
};

} // namespace Loadstar::Health
