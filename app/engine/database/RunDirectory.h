#pragma once

#include <QString>

namespace Loadstar::Engine::detail {

// The folder of one run's demo databases (their data directories, sockets
// and logs), removed at stop. It lives in a root folder of this user's
// under the system's temporary folder, mode 0711 so that PostgreSQL's user
// can pass through to its own folder. A lock file held for the run's life
// tells a live run from the leftovers of one that died (Loadstar killed):
// each new run removes those.
class RunDirectory
{
public:
    RunDirectory() = default;
    ~RunDirectory(); // removes
    RunDirectory(const RunDirectory &) = delete;
    RunDirectory &operator=(const RunDirectory &) = delete;

    // `root` empty: <temp>/loadstar-databases-<uid>. False with one sentence.
    bool create(const QString &root, QString *error);
    QString path() const { return m_path; }
    void remove();

    // A name made safe for a folder: letters, digits, '-', '_' and '.'.
    static QString folderName(const QString &name);

private:
    static QString rootFolder(const QString &configured, QString *error);
    static void removeLeftovers(const QString &root);

    QString m_path;
    int m_lock = -1;
};

} // namespace Loadstar::Engine::detail
