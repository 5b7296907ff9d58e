#pragma once

#include "DatabaseEngine.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace Loadstar::Engine::detail {

// A template data directory, ready to be copied.
struct DatabaseTemplate
{
    QString dataDirectory;
    TemplateSecrets secrets;
};

// The template data directories, one per machine and server version,
// kept in the cache folder: a run copies one (tens of milliseconds) instead
// of initialising a server (seconds). A template holds the demo schema and
// accounts; their random passwords are kept beside it, readable by this
// user only.
//
// Two processes never half-build one: the builder holds a lock file, builds
// in a temporary folder and renames it into place, so a template either
// exists whole or not at all; the others wait for the lock and use it.
// Blocking; any thread.
class DatabaseTemplates
{
public:
    // `scratchDirectory`: where templates are built, traversable by the
    // servers' users (PostgreSQL runs as postgres; the cache folder may be
    // in root's home, which postgres can't enter).
    DatabaseTemplates(const QString &cacheDirectory, const QString &scratchDirectory);

    // The engine's template, built when missing; nullopt with one sentence.
    std::optional<DatabaseTemplate> ensure(const DatabaseEngine &engine, QString *error) const;

    // A template's name: the engine, then a digest of the server program
    // (path, size, time), the server settings and the demo schema.
    static QString key(const QString &engine, const QString &program, const QStringList &settings);

    // Copies a data directory to `to` (which must not exist), owned by
    // `owner` when given, `to` itself mode 0700. Blocks of zeros become
    // holes: a fresh data directory is mostly zeros.
    static QString copy(const QString &from, const QString &to, const std::optional<RunAs> &owner);
    static bool makeDirectory(const QString &path, int mode, const std::optional<RunAs> &owner,
                              QString *error);
    static void own(const QString &path, const std::optional<RunAs> &owner);

private:
    std::optional<DatabaseTemplate> load(const QString &directory) const;
    QString build(const DatabaseEngine &engine, const QString &directory) const;

    QString m_cacheDirectory;
    QString m_scratchDirectory;
};

} // namespace Loadstar::Engine::detail
