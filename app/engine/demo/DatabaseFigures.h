#pragma once

#include "engine/Counters.h"
#include "engine/database/DatabaseTraffic.h"

#include <QList>
#include <QString>

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace Loadstar::Engine::detail {

// What the data tier of a run counted, kept apart from it so the figures
// outlive the run they describe: the queries per backend and database
// server, and the write outages that have ended. Rows are added and
// counters written on the demo backends' worker thread; anyone may read.
class DatabaseFigures
{
public:
    struct Counters
    {
        Counter reads;
        Counter writes;
        Counter failed;
        Counter staleReads;
        std::atomic<int> connections{0};
    };

    // The rows to show, in this order; counters of a pair seen before are
    // kept, rows of pairs not listed go (their counters live on while a
    // pool still counts into them).
    void setRows(const std::vector<std::pair<QString, QString>> &backendDatabases);
    // The counters of a backend and database server; a row of its own at
    // the end when not listed.
    std::shared_ptr<Counters> counters(const QString &backend, const QString &database);
    QList<DatabaseTrafficStats> stats() const;

    void addOutage(WriteOutage outage);
    QList<WriteOutage> outages() const;

private:
    struct Row
    {
        QString backend;
        QString database;
        std::shared_ptr<Counters> counters;
    };

    mutable std::mutex m_mutex;
    std::vector<Row> m_rows;
    QList<WriteOutage> m_outages;
};

} // namespace Loadstar::Engine::detail
