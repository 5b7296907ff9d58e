#include "WriteOutageTracker.h"

#include <algorithm>

namespace Loadstar::Engine::detail {

WriteOutageTracker::WriteOutageTracker(QString cluster)
    : m_cluster(std::move(cluster))
{}

void WriteOutageTracker::refused(const QDateTime &now)
{
    if (m_open) {
        ++m_outage.refusedWrites;
        return;
    }
    if (m_lastPrimary.isEmpty())
        return; // nothing was acknowledged yet: nothing was interrupted
    m_open = true;
    m_outage = {};
    m_outage.cluster = m_cluster;
    m_outage.primaryBefore = m_lastPrimary;
    m_outage.refusedSince = now;
    m_outage.refusedWrites = 1;
}

std::optional<WriteOutageTracker::Ended> WriteOutageTracker::acknowledged(uint64_t id, const QString &primary,
                                                                          const QDateTime &now)
{
    std::optional<Ended> ended;
    if (m_open) {
        m_open = false;
        ended.emplace();
        ended->outage = m_outage;
        ended->outage.primaryAfter = primary;
        ended->outage.resumedAt = now;
        ended->acknowledgedBefore.assign(m_ids.begin(), m_ids.end());
        m_ids.clear();
    }
    m_lastPrimary = primary;
    m_ids.push_back(id);
    if (m_ids.size() > KeptIds)
        m_ids.pop_front();
    return ended;
}

qint64 WriteOutageTracker::missing(const std::vector<uint64_t> &acknowledged, std::vector<uint64_t> found)
{
    std::sort(found.begin(), found.end());
    return std::count_if(acknowledged.begin(), acknowledged.end(),
                         [&](uint64_t id) { return !std::binary_search(found.begin(), found.end(), id); });
}

} // namespace Loadstar::Engine::detail
