#include "RunDirectory.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Loadstar::Engine::detail {

namespace {

const char *const LockName = "/.lock";
// A run folder without its lock yet is being made, unless it is older.
const int CreatingGraceSeconds = 60;

std::atomic<int> runs{0};

bool ownFolder(const QByteArray &path)
{
    struct stat info
    {
    };
    return ::lstat(path.constData(), &info) == 0 && S_ISDIR(info.st_mode)
           && info.st_uid == ::geteuid();
}

} // namespace

RunDirectory::~RunDirectory()
{
    remove();
}

QString RunDirectory::folderName(const QString &name)
{
    QString safe = name.left(40);
    for (QChar &c : safe) {
        if (!c.isLetterOrNumber() || c.unicode() > 127) {
            if (c != QLatin1Char('-') && c != QLatin1Char('_') && c != QLatin1Char('.'))
                c = QLatin1Char('_');
        }
    }
    return safe.isEmpty() || safe.startsWith(QLatin1Char('.')) ? QLatin1Char('_') + safe : safe;
}

QString RunDirectory::rootFolder(const QString &configured, QString *error)
{
    if (!configured.isEmpty()) {
        if (!QDir().mkpath(configured)) {
            *error = QStringLiteral("Can't make the folder %1 for the demo databases.")
                         .arg(configured);
            return {};
        }
        ::chmod(QFile::encodeName(configured).constData(), 0711);
        return QDir(configured).absolutePath();
    }
    const QString shared
        = QDir::tempPath() + QStringLiteral("/loadstar-databases-%1").arg(::geteuid());
    const QByteArray path = QFile::encodeName(shared);
    ::mkdir(path.constData(), 0711);
    if (ownFolder(path)) {
        ::chmod(path.constData(), 0711);
        return shared;
    }
    // Someone else's (or not a folder): a fresh one of ours.
    QByteArray unique
        = QFile::encodeName(QDir::tempPath() + QStringLiteral("/loadstar-databases-XXXXXX"));
    if (!::mkdtemp(unique.data())) {
        *error = QStringLiteral("Can't make a folder for the demo databases in %1: %2.")
                     .arg(QDir::tempPath(), QString::fromLocal8Bit(std::strerror(errno)));
        return {};
    }
    ::chmod(unique.constData(), 0711);
    return QFile::decodeName(unique);
}

void RunDirectory::removeLeftovers(const QString &root)
{
    const QFileInfoList runs
        = QDir(root).entryInfoList({QStringLiteral("run-*")}, QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QFileInfo &run : runs) {
        const QByteArray lockPath
            = QFile::encodeName(run.absoluteFilePath() + QLatin1String(LockName));
        const int lock = ::open(lockPath.constData(), O_RDWR | O_CLOEXEC);
        bool dead;
        if (lock < 0)
            dead = run.lastModified().secsTo(QDateTime::currentDateTime()) > CreatingGraceSeconds;
        else
            dead = ::flock(lock, LOCK_EX | LOCK_NB) == 0; // its run would hold it
        if (dead) {
            std::error_code ignored;
            std::filesystem::remove_all(QFile::encodeName(run.absoluteFilePath()).constData(),
                                        ignored);
        }
        if (lock >= 0)
            ::close(lock);
    }
}

bool RunDirectory::create(const QString &root, QString *error)
{
    remove();
    const QString folder = rootFolder(root, error);
    if (folder.isEmpty())
        return false;
    removeLeftovers(folder);
    const QString path = folder + QStringLiteral("/run-%1-%2").arg(::getpid()).arg(++runs);
    const QByteArray name = QFile::encodeName(path);
    std::error_code ignored;
    std::filesystem::remove_all(name.constData(), ignored);
    if (::mkdir(name.constData(), 0711) != 0) {
        *error = QStringLiteral("Can't make the folder %1 for the demo databases: %2.")
                     .arg(path, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    ::chmod(name.constData(), 0711);
    m_lock = ::open((name + LockName).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (m_lock < 0 || ::flock(m_lock, LOCK_EX | LOCK_NB) != 0) {
        *error = QStringLiteral("Can't lock the folder %1 for the demo databases.").arg(path);
        std::filesystem::remove_all(name.constData(), ignored);
        return false;
    }
    m_path = path;
    return true;
}

void RunDirectory::remove()
{
    if (!m_path.isEmpty()) {
        std::error_code ignored;
        std::filesystem::remove_all(QFile::encodeName(m_path).constData(), ignored);
        m_path.clear();
    }
    if (m_lock >= 0) {
        ::close(m_lock);
        m_lock = -1;
    }
}

} // namespace Loadstar::Engine::detail
