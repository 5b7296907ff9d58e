#pragma once

#include <QMetaType>
#include <QString>
#include <QVariantMap>

namespace Loadstar::Health {

// HAProxy's check status codes (the "check_status" column of show stat), so
// a user who knows HAProxy reads them at once.
enum class CheckCode {
    Unknown, // UNK: not checked (yet), or the probe could not run (missing plugin)
    SockErr, // SOCKERR: the socket could not be created or used
    L4OK,    // TCP connection established
    L4TOUT,  // TCP connection timed out
    L4CON,   // TCP connection refused, reset or unreachable
    L6OK,    // TLS handshake done
    L6TOUT,  // TLS handshake timed out
    L6RSP,   // TLS handshake failed, wrong protocol, bad or expiring certificate
    L7OK,    // the application answered as expected
    L7TOUT,  // the application did not answer in time
    L7RSP,   // the application's answer was not its protocol
    L7STS,   // the application answered with a bad status (HTTP 5xx, read-only…)
};

QString checkCodeName(CheckCode code); // "L7STS"

// The outcome of one check.
struct CheckResult
{
    CheckCode code = CheckCode::Unknown;
    int durationMs = 0;   // from the start of the check to its verdict
    QString reason;       // one readable sentence: "Connection refused", "HTTP status 503 (expected 200–399)"
    int httpStatus = 0;   // http/https checks: the status received
    // What a probe learned beyond pass or fail, e.g. "role" ("primary" /
    // "replica"), "read_only", "lag_ms", "cert_days_left", "server_version".
    QVariantMap details;

    bool passed() const
    {
        return code == CheckCode::L4OK || code == CheckCode::L6OK || code == CheckCode::L7OK;
    }
};

} // namespace Loadstar::Health

Q_DECLARE_METATYPE(Loadstar::Health::CheckResult)
