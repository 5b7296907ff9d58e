#pragma once

#include "DatabaseEngine.h"

namespace Loadstar::Engine::detail {

// PostgreSQL 15 as Loadstar runs it: `postgres` started directly (not
// pg_ctl, which daemonizes) so it is Loadstar's own child, as the postgres
// system user under root, with fsync off and small shared buffers. A
// replica is a cold copy of the same template with standby.signal and
// primary_conninfo, which is a valid base backup and needs no primary yet
// (pg_basebackup would wait for one): every server of a run starts at once.
// What changes at run time (primary_conninfo, synchronous_standby_names,
// recovery_min_apply_delay) lives in postgresql.auto.conf, where ALTER
// SYSTEM changes it; the rest is on the command line. The administrator is
// postgres over the server's socket directory.
class PostgresServer : public DatabaseEngine
{
public:
    // `binDirectory` empty: LOADSTAR_PG_BINDIR, else /usr/lib/postgresql/15/bin
    // or the newest /usr/lib/postgresql/*/bin.
    explicit PostgresServer(const QString &binDirectory);

    QString engine() const override { return QStringLiteral("postgresql"); }
    QString missingProgram() const override;
    QString templateKey() const override;
    std::optional<RunAs> runAs() const override;
    QString buildTemplate(const QString &directory, const TemplateSecrets &secrets) const override;
    QString prepare(const ServerPlan &plan) const override;
    LaunchSpec launch(const ServerPlan &plan) const override;
    int stopSignal() const override;
    std::unique_ptr<AdminSession> connect(const ServerPlan &plan, int timeoutMs,
                                          QString *error) const override;
    // A killed postmaster's System V segment (PostgreSQL's small interlock;
    // its next start would remove it, a server killed until stop leaks it).
    void removeLeftovers(const ServerPlan &plan) const override;
    QString lastError(const QString &logFile) const override;

    // The primary_conninfo of a replica of `plan` streaming from `source`.
    static QString conninfo(const ServerPlan &plan, const ReplicationSource &source);
    // synchronous_standby_names: any one of `standbys` acknowledges.
    static QString syncStandbyNames(const QStringList &standbys);

private:
    QString program(const QString &name) const;

    QString m_binDirectory;
    QString m_override; // what LOADSTAR_PG_BINDIR or the options named
};

} // namespace Loadstar::Engine::detail
