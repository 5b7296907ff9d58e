#pragma once

#include "DatabaseEngine.h"

#include <memory>

namespace Loadstar::Engine::detail {

class MariaDbClient;

// Root's session on one MariaDB server: its state as SHOW SLAVE STATUS,
// SHOW GLOBAL STATUS and SHOW PROCESSLIST tell it, GTID replication
// (CHANGE MASTER TO … MASTER_USE_GTID=slave_pos), and the steps of a
// promotion (MASTER_GTID_WAIT, RESET SLAVE ALL, read_only).
class MariaDbAdmin : public AdminSession
{
public:
    explicit MariaDbAdmin(std::unique_ptr<MariaDbClient> connection);
    ~MariaDbAdmin() override;

    bool read(ServerReading *reading, QString *error) override;
    QString replicateFrom(const ServerPlan &plan, const ReplicationSource &source) override;
    QString setReplicationStopped(bool stopped) override;
    QString setReplicationDelay(int seconds) override;
    std::optional<quint64> receivedPosition() override;
    QString fence(QString *position) override;
    QString promote(const ServerPlan &plan, const QString &catchUpTo) override;

    // The sum of a GTID position's sequence numbers ("0-1-57,1-2-3" → 60).
    static quint64 sequence(const QString &gtidPosition);

private:
    QString run(const QStringList &statements, int timeoutMs = 2000);

    std::unique_ptr<MariaDbClient> m_connection;
};

} // namespace Loadstar::Engine::detail
