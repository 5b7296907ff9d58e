#pragma once

#include <QString>

class QObject;

namespace Loadstar::Health {

class Probe;

// A new probe for a check type, owned by `parent`: the built-in ones ("tcp",
// "http", "https", "tls", "mysql", "pgsql", "redis"), then the probe plugins'
// ("mysql-role", "pgsql-role"), and for any other type a probe whose every
// check ends at once with UNK and the plugin loader's missing-plugin sentence.
Probe *createProbe(const QString &type, QObject *parent);

} // namespace Loadstar::Health
