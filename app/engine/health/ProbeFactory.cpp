#include "ProbeFactory.h"

#include "HttpProbe.h"
#include "MissingProbe.h"
#include "MysqlProbe.h"
#include "PgsqlProbe.h"
#include "ProbePlugins.h"
#include "RedisProbe.h"
#include "TcpProbe.h"
#include "TlsProbe.h"

namespace Loadstar::Health {

Probe *createProbe(const QString &type, QObject *parent)
{
    if (type == QLatin1String("tcp"))
        return new TcpProbe(parent);
    if (type == QLatin1String("http"))
        return new HttpProbe(HttpProbe::Scheme::Http, parent);
    if (type == QLatin1String("https"))
        return new HttpProbe(HttpProbe::Scheme::Https, parent);
    if (type == QLatin1String("tls"))
        return new TlsProbe(parent);
    if (type == QLatin1String("mysql"))
        return new MysqlProbe(parent);
    if (type == QLatin1String("pgsql"))
        return new PgsqlProbe(parent);
    if (type == QLatin1String("redis"))
        return new RedisProbe(parent);
    // Database role probes and any other kind come from plugins; without
    // the plugin the node says which one is missing and where we looked.
    const ProbePlugins &plugins = ProbePlugins::instance();
    if (Probe *probe = plugins.create(type, parent))
        return probe;
    return new MissingProbe(type, parent, plugins.missingMessage(type));
}

} // namespace Loadstar::Health
