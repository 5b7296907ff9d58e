#include "DatabaseTemplates.h"

#include "DemoSchema.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace Loadstar::Engine::detail {

namespace {

// Bump when what a template holds changes in a way its key does not show.
const char *const TemplateFormat = "2";
// Building takes seconds; a lock held longer than this belongs to a
// builder that is stuck, not slow.
const int LockWaitMs = 300000;

QString randomPassword()
{
    quint32 words[6];
    QRandomGenerator::system()->fillRange(words);
    const QByteArray bytes(reinterpret_cast<const char *>(words), sizeof words);
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

bool writeFile(const QString &path, const QByteArray &contents,
               QFileDevice::Permissions permissions, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || !file.setPermissions(permissions)
        || file.write(contents) != contents.size() || !file.flush()) {
        *error = QStringLiteral("Can't write %1: %2.").arg(path, file.errorString());
        return false;
    }
    return true;
}

// Copies one file, with holes where the source has blocks of zeros: most of
// a fresh data directory is zeros (InnoDB's system tablespace and redo log,
// preallocated WAL), and writing them was most of a copy's time. Returns
// 0 or an errno.
int copyFile(const char *from, const char *to, mode_t mode)
{
    constexpr ssize_t Block = 4096;
    static const char zeros[Block] = {};
    const int in = ::open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return errno;
    const int out = ::open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (out < 0) {
        const int error = errno;
        ::close(in);
        return error;
    }
    std::vector<char> buffer(1 << 16);
    off_t offset = 0;
    int error = 0;
    while (error == 0) {
        const ssize_t got = ::read(in, buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            error = got < 0 ? errno : 0;
            break;
        }
        for (ssize_t at = 0; at < got && error == 0; at += Block) {
            const ssize_t length = std::min(Block, got - at);
            if (std::memcmp(buffer.data() + at, zeros, static_cast<size_t>(length)) == 0)
                continue; // a hole reads as zeros
            for (ssize_t written = 0; written < length && error == 0;) {
                const ssize_t put
                    = ::pwrite(out, buffer.data() + at + written,
                               static_cast<size_t>(length - written), offset + at + written);
                if (put < 0 && errno != EINTR)
                    error = errno;
                else if (put > 0)
                    written += put;
            }
        }
        offset += got;
    }
    if (error == 0 && (::ftruncate(out, offset) != 0 || ::fchmod(out, mode) != 0))
        error = errno;
    ::close(in);
    if (::close(out) != 0 && error == 0)
        error = errno;
    return error;
}

} // namespace

DatabaseTemplates::DatabaseTemplates(const QString &cacheDirectory, const QString &scratchDirectory)
    : m_cacheDirectory(cacheDirectory)
    , m_scratchDirectory(scratchDirectory)
{
}

QString DatabaseTemplates::key(const QString &engine, const QString &program,
                               const QStringList &settings)
{
    const QFileInfo info(program);
    QCryptographicHash digest(QCryptographicHash::Sha256);
    digest.addData(TemplateFormat);
    digest.addData(info.canonicalFilePath().toUtf8());
    digest.addData(QByteArray::number(info.size()));
    digest.addData(QByteArray::number(info.lastModified().toMSecsSinceEpoch()));
    digest.addData(settings.join(QLatin1Char('\n')).toUtf8());
    digest.addData(DemoSchema::createStatements(engine).toUtf8());
    digest.addData(
        (DemoSchema::databaseName() + DemoSchema::applicationUser() + DemoSchema::replicationUser())
            .toUtf8());
    return engine + QLatin1Char('-') + QString::fromLatin1(digest.result().toHex().left(16));
}

std::optional<DatabaseTemplate> DatabaseTemplates::load(const QString &directory) const
{
    QFile secrets(directory + QStringLiteral("/secrets.json"));
    if (!QFileInfo(directory + QStringLiteral("/data")).isDir()
        || !secrets.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QJsonObject passwords = QJsonDocument::fromJson(secrets.readAll()).object();
    DatabaseTemplate found{directory + QStringLiteral("/data"),
                           {passwords.value(QStringLiteral("application")).toString(),
                            passwords.value(QStringLiteral("replication")).toString()}};
    if (found.secrets.applicationPassword.isEmpty() || found.secrets.replicationPassword.isEmpty())
        return std::nullopt;
    return found;
}

std::optional<DatabaseTemplate> DatabaseTemplates::ensure(const DatabaseEngine &engine,
                                                          QString *error) const
{
    const QString directory = m_cacheDirectory + QLatin1Char('/') + engine.templateKey();
    if (std::optional<DatabaseTemplate> ready = load(directory))
        return ready;
    if (!QDir().mkpath(m_cacheDirectory)) {
        *error = QStringLiteral("Can't make the folder %1 for the demo databases' templates.")
                     .arg(m_cacheDirectory);
        return std::nullopt;
    }
    QLockFile lock(directory + QStringLiteral(".lock"));
    lock.setStaleLockTime(0); // stale only when its holder is gone
    if (!lock.tryLock(LockWaitMs)) {
        *error = QStringLiteral("Another Loadstar has been making the %1 template in %2 for "
                                "minutes: end it, or remove %3.lock.")
                     .arg(engine.engine(), m_cacheDirectory, directory);
        return std::nullopt;
    }
    if (std::optional<DatabaseTemplate> madeMeanwhile = load(directory))
        return madeMeanwhile;
    *error = build(engine, directory);
    if (!error->isEmpty())
        return std::nullopt;
    return load(directory);
}

QString DatabaseTemplates::build(const DatabaseEngine &engine, const QString &directory) const
{
    QTemporaryDir scratch(m_scratchDirectory + QStringLiteral("/template-") + engine.engine()
                          + QStringLiteral("-XXXXXX"));
    if (!scratch.isValid())
        return QStringLiteral("Can't make a folder in %1 to build the %2 template.")
            .arg(m_scratchDirectory, engine.engine());
    ::chmod(QFile::encodeName(scratch.path()).constData(),
            0711); // the server's user goes through it
    const TemplateSecrets secrets{randomPassword(), randomPassword()};
    if (QString failed = engine.buildTemplate(scratch.path(), secrets); !failed.isEmpty()) {
        // Keep what tells why: the scratch folder goes, its logs stay
        // beside the template, where the sentence points.
        const QString logs = directory + QStringLiteral(".failed");
        fs::remove_all(QFile::encodeName(logs).constData());
        QDir().mkpath(logs);
        for (const QFileInfo &log :
             QDir(scratch.path()).entryInfoList({QStringLiteral("*.log")}, QDir::Files))
            QFile::copy(log.absoluteFilePath(), logs + QLatin1Char('/') + log.fileName());
        return failed.replace(scratch.path(), logs);
    }

    // Staged beside its final place, then renamed: whole or not at all.
    QTemporaryDir staging(directory + QStringLiteral(".tmp-XXXXXX"));
    if (!staging.isValid())
        return QStringLiteral("Can't write in %1.").arg(m_cacheDirectory);
    if (const QString failed = copy(scratch.path() + QStringLiteral("/data"),
                                    staging.path() + QStringLiteral("/data"), std::nullopt);
        !failed.isEmpty()) {
        return failed;
    }
    const QJsonObject passwords{{QStringLiteral("application"), secrets.applicationPassword},
                                {QStringLiteral("replication"), secrets.replicationPassword}};
    const QJsonObject about{
        {QStringLiteral("engine"), engine.engine()},
        {QStringLiteral("key"), engine.templateKey()},
        {QStringLiteral("built"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)}};
    QString error;
    if (!writeFile(staging.path() + QStringLiteral("/secrets.json"),
                   QJsonDocument(passwords).toJson(),
                   QFileDevice::ReadOwner | QFileDevice::WriteOwner, &error)
        || !writeFile(staging.path() + QStringLiteral("/template.json"),
                      QJsonDocument(about).toJson(),
                      QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
                          | QFileDevice::ReadOther,
                      &error)) {
        return error;
    }
    std::error_code failed;
    fs::rename(QFile::encodeName(staging.path()).constData(),
               QFile::encodeName(directory).constData(), failed);
    if (failed)
        return QStringLiteral("Can't put the %1 template in place in %2: %3.")
            .arg(engine.engine(), directory, QString::fromLocal8Bit(failed.message()));
    staging.setAutoRemove(false);
    fs::remove_all(QFile::encodeName(directory + QStringLiteral(".failed")).constData(), failed);
    return {};
}

QString DatabaseTemplates::copy(const QString &from, const QString &to,
                                const std::optional<RunAs> &owner)
{
    const fs::path source(QFile::encodeName(from).constData());
    const fs::path target(QFile::encodeName(to).constData());
    const auto failed = [&](const fs::path &path, int error) {
        return QStringLiteral("Can't copy %1 to %2: %3: %4.")
            .arg(from, to, QFile::decodeName(path.c_str()),
                 QString::fromLocal8Bit(std::strerror(error)));
    };
    if (::mkdir(target.c_str(), 0700) != 0)
        return failed(target, errno);
    own(to, owner);
    std::error_code walking;
    for (auto it = fs::recursive_directory_iterator(source, walking);
         !walking && it != fs::recursive_directory_iterator(); it.increment(walking)) {
        const fs::path copy = target / it->path().lexically_relative(source);
        struct stat info
        {
        };
        if (::lstat(it->path().c_str(), &info) != 0)
            return failed(it->path(), errno);
        const mode_t mode = info.st_mode & 07777;
        if (S_ISDIR(info.st_mode)) {
            if (::mkdir(copy.c_str(), mode) != 0 || ::chmod(copy.c_str(), mode) != 0)
                return failed(copy, errno);
        } else if (S_ISLNK(info.st_mode)) {
            std::error_code linking;
            fs::copy_symlink(it->path(), copy, linking);
            if (linking)
                return failed(copy, linking.value());
        } else if (S_ISREG(info.st_mode)) {
            if (const int error = copyFile(it->path().c_str(), copy.c_str(), mode); error != 0)
                return failed(copy, error);
        }
        if (owner) [[maybe_unused]]
            const int owned = ::lchown(copy.c_str(), owner->uid, owner->gid);
    }
    if (walking)
        return failed(source, walking.value());
    return {};
}

bool DatabaseTemplates::makeDirectory(const QString &path, int mode,
                                      const std::optional<RunAs> &owner, QString *error)
{
    const QByteArray name = QFile::encodeName(path);
    if (::mkdir(name.constData(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
        *error = QStringLiteral("Can't make the folder %1: %2.")
                     .arg(path, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    ::chmod(name.constData(), static_cast<mode_t>(mode));
    own(path, owner);
    return true;
}

void DatabaseTemplates::own(const QString &path, const std::optional<RunAs> &owner)
{
    if (owner) [[maybe_unused]]
        const int owned = ::lchown(QFile::encodeName(path).constData(), owner->uid, owner->gid);
}

} // namespace Loadstar::Engine::detail
