#pragma once

#include "engine/database/DatabaseTraffic.h"

#include <QDateTime>
#include <QString>

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace Loadstar::Engine::detail {

// One cluster's writes as the demo backends saw them: it opens a write
// outage at the first refused write after an acknowledged one, ends it at
// the next acknowledged write, and keeps the ids acknowledged recently so
// the primary after the outage can be asked which of them it has: the
// others are acknowledged writes lost. It lives on the demo backends'
// worker thread.
class WriteOutageTracker
{
public:
    // Enough for minutes of writes at the demo's rates, bounded.
    static constexpr size_t KeptIds = 65536;

    // The outage a write refused and acknowledged again ended, with the ids
    // acknowledged before it to look for.
    struct Ended
    {
        WriteOutage outage; // acknowledgedLost still -1
        std::vector<uint64_t> acknowledgedBefore;
    };

    explicit WriteOutageTracker(QString cluster = {});

    void refused(const QDateTime &now);
    // A write `id` acknowledged by `primary`: the outage it ends, if any.
    std::optional<Ended> acknowledged(uint64_t id, const QString &primary, const QDateTime &now);
    bool inOutage() const { return m_open; }

    // How many of `acknowledged` are not among `found` (the ids a
    // primary returned for DemoSchema::idsFromStatement).
    static qint64 missing(const std::vector<uint64_t> &acknowledged, std::vector<uint64_t> found);

private:
    QString m_cluster;
    QString m_lastPrimary; // the last database that acknowledged a write; empty: none yet
    bool m_open = false;
    WriteOutage m_outage;
    // Acknowledged since the last outage ended (older ones were looked for
    // then), the newest KeptIds of them.
    std::deque<uint64_t> m_ids;
};

} // namespace Loadstar::Engine::detail
