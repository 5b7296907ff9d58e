#include "DatabaseFigures.h"

#include <algorithm>

namespace Loadstar::Engine::detail {

void DatabaseFigures::setRows(const std::vector<std::pair<QString, QString>> &backendDatabases)
{
    std::lock_guard lock(m_mutex);
    std::vector<Row> rows;
    rows.reserve(backendDatabases.size());
    for (const auto &[backend, database] : backendDatabases) {
        const auto old = std::find_if(m_rows.begin(), m_rows.end(), [&](const Row &row) {
            return row.backend == backend && row.database == database;
        });
        rows.push_back({backend, database, old != m_rows.end() ? old->counters : std::make_shared<Counters>()});
    }
    m_rows = std::move(rows);
}

std::shared_ptr<DatabaseFigures::Counters> DatabaseFigures::counters(const QString &backend, const QString &database)
{
    std::lock_guard lock(m_mutex);
    for (const Row &row : m_rows) {
        if (row.backend == backend && row.database == database)
            return row.counters;
    }
    m_rows.push_back({backend, database, std::make_shared<Counters>()});
    return m_rows.back().counters;
}

QList<DatabaseTrafficStats> DatabaseFigures::stats() const
{
    std::lock_guard lock(m_mutex);
    QList<DatabaseTrafficStats> stats;
    stats.reserve(qsizetype(m_rows.size()));
    for (const Row &row : m_rows) {
        DatabaseTrafficStats entry;
        entry.backend = row.backend;
        entry.database = row.database;
        entry.reads = row.counters->reads.value();
        entry.writes = row.counters->writes.value();
        entry.failed = row.counters->failed.value();
        entry.staleReads = row.counters->staleReads.value();
        entry.connections = std::max(0, row.counters->connections.load(std::memory_order_relaxed));
        stats.append(entry);
    }
    return stats;
}

void DatabaseFigures::addOutage(WriteOutage outage)
{
    std::lock_guard lock(m_mutex);
    // Look-ups may end out of order: oldest first all the same.
    const auto later = std::find_if(m_outages.begin(), m_outages.end(), [&](const WriteOutage &other) {
        return other.refusedSince > outage.refusedSince;
    });
    m_outages.insert(later, std::move(outage));
}

QList<WriteOutage> DatabaseFigures::outages() const
{
    std::lock_guard lock(m_mutex);
    return m_outages;
}

} // namespace Loadstar::Engine::detail
