#pragma once

#include "engine/health/ProbePlugin.h"

#include <QObject>

namespace Loadstar::Health {

// The PostgreSQL role probe ("pgsql-role"): connects with Qt's QPSQL
// driver and reports whether the server is a primary or a standby
// (pg_is_in_recovery), whether it streams WAL and how far replay lags.
class PostgreSqlProbePlugin : public QObject, public ProbePlugin
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID LoadstarProbePlugin_iid FILE "postgresql.json")
    Q_INTERFACES(Loadstar::Health::ProbePlugin)
public:
    QStringList checkTypes() const override;
    Probe *createProbe(const QString &type, QObject *parent) override;
};

} // namespace Loadstar::Health
