#pragma once

#include "CheckResult.h"
#include "engine/EngineConfig.h"

#include <QObject>

namespace Loadstar::Health {

// What one probe checks: a server's address and port, and how.
struct ProbeTarget
{
    QString name;    // the server's node name, for reasons and logs
    QString address; // literal IP address or host name
    quint16 port = 0;
    Engine::CheckConfig check;
};

// One kind of check (TCP connect, HTTP, MySQL greeting…). A probe object
// checks one target at a time and is reused for the next check of it. It
// lives on the health monitor's thread and never blocks that thread: work
// that must block (a database driver) runs on a thread of the probe's own.
class Probe : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Starts one check. `finished` follows exactly once, also when the
    // check times out after target.check.timeout ms; the probe enforces that
    // timeout itself.
    virtual void start(const ProbeTarget &target) = 0;
    // Abandons the check in progress, if any: no `finished` follows.
    virtual void cancel() = 0;

signals:
    void finished(const Loadstar::Health::CheckResult &result);
};

} // namespace Loadstar::Health
