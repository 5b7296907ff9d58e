#pragma once

#include "DatabaseEngine.h"

#include <memory>

namespace Loadstar::Engine::detail {

class PostgresClient;

// The postgres superuser's session on one PostgreSQL server: its state as
// pg_stat_wal_receiver, the replay functions and pg_stat_activity tell it,
// streaming replication changed with ALTER SYSTEM and a reload, and
// promotion (pg_promote, which replays what was received first).
class PostgresAdmin : public AdminSession
{
public:
    explicit PostgresAdmin(std::unique_ptr<PostgresClient> connection);
    ~PostgresAdmin() override;

    bool read(ServerReading *reading, QString *error) override;
    QString replicateFrom(const ServerPlan &plan, const ReplicationSource &source) override;
    QString setReplicationStopped(bool stopped) override;
    QString setReplicationDelay(int seconds) override;
    std::optional<quint64> receivedPosition() override;
    QString fence(QString *position) override;
    QString promote(const ServerPlan &plan, const QString &catchUpTo) override;

    // "16/B374D848" as one number.
    static quint64 lsn(const QString &text);

private:
    QString run(const QStringList &statements, int timeoutMs = 2000);

    std::unique_ptr<PostgresClient> m_connection;
    quint64 m_receivedBefore = 0; // WAL received at the previous reading
};

} // namespace Loadstar::Engine::detail
