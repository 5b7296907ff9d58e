#include "DocumentFile.h"

#include "JsonFormat.h"
#include "SqliteFormat.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace Loadstar::DocumentFile {

namespace {

QString shown(const QString &path)
{
    return QStringLiteral("“%1”").arg(QDir::toNativeSeparators(path));
}

bool looksLikeJson(const QByteArray &start)
{
    for (char c : start) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        return c == '{' || c == '[';
    }
    return false;
}

} // namespace

Format formatForPath(const QString &path)
{
    return path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive) ? Format::Json : Format::Sqlite;
}

std::optional<Topology> read(const QString &path, QString *error, Metadata *metadata)
{
    const QFileInfo info(path);
    if (!info.exists()) {
        *error = QStringLiteral("Cannot open %1: there is no such file.").arg(shown(path));
        return std::nullopt;
    }
    if (info.isDir()) {
        *error = QStringLiteral("Cannot open %1: it is a folder, not a document.").arg(shown(path));
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("Cannot open %1: %2.").arg(shown(path), file.errorString().toLower());
        return std::nullopt;
    }
    if (file.size() == 0) {
        *error = QStringLiteral("Cannot open %1: the file is empty, so it is not a Loadstar document.")
                     .arg(shown(path));
        return std::nullopt;
    }
    if (!looksLikeJson(file.peek(64)))
        return SqliteFormat::read(path, error, metadata);

    QString reason;
    auto topology = JsonFormat::read(file.readAll(), &reason);
    if (!topology)
        *error = QStringLiteral("Cannot open %1: %2.").arg(shown(path), reason);
    return topology;
}

bool write(const Topology &topology, const QString &path, QString *error, const SaveOptions &options)
{
    if (formatForPath(path) == Format::Sqlite)
        return SqliteFormat::write(topology, path, error, options);

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(JsonFormat::write(topology)) < 0 || !file.commit()) {
        *error = QStringLiteral("Cannot save %1: %2.").arg(shown(path), file.errorString().toLower());
        return false;
    }
    return true;
}

} // namespace Loadstar::DocumentFile
