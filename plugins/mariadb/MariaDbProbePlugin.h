#pragma once

#include "engine/health/ProbePlugin.h"

#include <QObject>

namespace Loadstar::Health {

// The MariaDB/MySQL role probe ("mysql-role"): connects with Qt's QMYSQL
// driver and reports whether the server is a primary or a replica, and how
// its replication is doing.
class MariaDbProbePlugin : public QObject, public ProbePlugin
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID LoadstarProbePlugin_iid FILE "mariadb.json")
    Q_INTERFACES(Loadstar::Health::ProbePlugin)
public:
    QStringList checkTypes() const override;
    Probe *createProbe(const QString &type, QObject *parent) override;
};

} // namespace Loadstar::Health
