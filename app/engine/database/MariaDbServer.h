#pragma once

#include "DatabaseEngine.h"

namespace Loadstar::Engine::detail {

// MariaDB as Loadstar runs it: Debian's mariadbd with a small redo log and
// buffer pool, no performance schema and lazy flushing (a demo keeps
// nothing), every server with a binary log, GTIDs and a distinct server_id,
// replicas read_only; semi-sync built in. The administrator is root over
// the Unix socket (the template is made with
// --auth-root-authentication-method=normal and keeps no root account that
// TCP could reach).
class MariaDbServer : public DatabaseEngine
{
public:
    // `mariadbd` empty: LOADSTAR_MARIADBD, else PATH, /usr/sbin, /usr/local/sbin.
    explicit MariaDbServer(const QString &mariadbd);

    QString engine() const override { return QStringLiteral("mariadb"); }
    QString missingProgram() const override;
    QString templateKey() const override;
    std::optional<RunAs> runAs() const override { return std::nullopt; }
    QString buildTemplate(const QString &directory, const TemplateSecrets &secrets) const override;
    QString prepare(const ServerPlan &plan) const override;
    LaunchSpec launch(const ServerPlan &plan) const override;
    int stopSignal() const override;
    std::unique_ptr<AdminSession> connect(const ServerPlan &plan, int timeoutMs,
                                          QString *error) const override;
    void removeLeftovers(const ServerPlan &) const override {}
    QString lastError(const QString &logFile) const override;

    static QString socketPath(const QString &directory);

private:
    QStringList commonOptions(const QString &dataDirectory) const;
    QString installDb() const;

    QString m_mariadbd;
    QString m_override; // what LOADSTAR_MARIADBD or the options named
};

} // namespace Loadstar::Engine::detail
