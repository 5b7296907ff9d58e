#include "ProbePlugins.h"

#include "ProbePlugin.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonObject>
#include <QPluginLoader>
#include <QSet>

#include <algorithm>

namespace Loadstar::Health {

namespace {

// The plugins Loadstar ships, so a missing one is named in words.
struct KnownPlugin
{
    const char *checkType;
    const char *description;
    const char *file;
};

constexpr KnownPlugin knownPlugins[] = {
    {"mysql-role", "The MariaDB role probe", "loadstar_mariadb"},
    {"pgsql-role", "The PostgreSQL role probe", "loadstar_postgresql"},
};

} // namespace

QStringList ProbePlugins::defaultSearchPath()
{
    QStringList path = qEnvironmentVariable("LOADSTAR_PLUGIN_PATH").split(QLatin1Char(':'), Qt::SkipEmptyParts);
    const QString binDir = QCoreApplication::applicationDirPath();
    path.append(QDir::cleanPath(binDir + QStringLiteral("/../plugins/loadstar")));
    path.append(QDir::cleanPath(binDir + QLatin1Char('/') + QStringLiteral(LOADSTAR_PLUGIN_INSTALL_RELDIR)));
    path.removeDuplicates();
    return path;
}

ProbePlugins &ProbePlugins::instance()
{
    static ProbePlugins plugins(defaultSearchPath());
    return plugins;
}

ProbePlugins::ProbePlugins(const QStringList &searchPath)
    : m_searchPath(searchPath)
{
    QSet<QString> loadedFiles;
    const QString iid = QStringLiteral(LoadstarProbePlugin_iid);
    for (const QString &folder : m_searchPath) {
        const QDir dir(folder);
        for (const QFileInfo &file : dir.entryInfoList({QStringLiteral("*.so")}, QDir::Files, QDir::Name)) {
            // The same plugin in the build tree and the install tree loads once.
            if (loadedFiles.contains(file.fileName()))
                continue;
            QPluginLoader loader(file.absoluteFilePath());
            // Only files made for Loadstar are loaded, by their metadata.
            if (loader.metaData().value(QLatin1String("IID")).toString() != iid)
                continue;
            auto *plugin = qobject_cast<ProbePlugin *>(loader.instance());
            if (!plugin) {
                m_errors.append(QStringLiteral("%1: %2").arg(file.absoluteFilePath(), loader.errorString()));
                continue;
            }
            loadedFiles.insert(file.fileName());
            for (const QString &type : plugin->checkTypes()) {
                if (!m_byType.contains(type))
                    m_byType.insert(type, plugin);
            }
        }
    }
}

QStringList ProbePlugins::checkTypes() const
{
    QStringList types = m_byType.keys();
    std::sort(types.begin(), types.end());
    return types;
}

Probe *ProbePlugins::create(const QString &type, QObject *parent) const
{
    ProbePlugin *plugin = m_byType.value(type);
    return plugin ? plugin->createProbe(type, parent) : nullptr;
}

QString ProbePlugins::missingMessage(const QString &type) const
{
    const QString where = m_searchPath.isEmpty()
                              ? QStringLiteral("no folder (set LOADSTAR_PLUGIN_PATH)")
                              : m_searchPath.join(QStringLiteral(", "));
    for (const KnownPlugin &known : knownPlugins) {
        if (type == QLatin1String(known.checkType)) {
            return QStringLiteral("%1 (plugin “%2”) is not installed; looked in %3")
                .arg(QLatin1String(known.description), QLatin1String(known.file), where);
        }
    }
    return QStringLiteral("No probe plugin serves the check type “%1”; looked in %2").arg(type, where);
}

QStringList ProbePlugins::errors() const
{
    return m_errors;
}

} // namespace Loadstar::Health
