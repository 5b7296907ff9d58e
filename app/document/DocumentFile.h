#pragma once

#include "model/Topology.h"

#include <QMap>
#include <QString>

#include <functional>
#include <optional>

namespace Loadstar {

// Reading and writing documents on disk, in either format: the `.loadstar`
// SQLite file (what the app saves) or the JSON interchange format (what
// `loadstar convert` writes, for diffs and scripts). Every failure comes back
// as one sentence naming the file, what went wrong and what to do; nothing
// here throws, asserts on input, or touches the previous file on failure.
namespace DocumentFile {

enum class Format { Sqlite, Json };

// The format a path is written in: JSON for “.json”, SQLite otherwise.
Format formatForPath(const QString &path);

using Metadata = QMap<QString, QString>;

struct SaveOptions
{
    // Extra key/value pairs kept in the file's document table (autosave
    // records which document a recovery file belongs to).
    Metadata metadata;
    // Called as rows are written: (done, total). Drives progress on large
    // documents.
    std::function<void(int done, int total)> progress;
};

// Reads a document, recognising its format by its content.
std::optional<Topology> read(const QString &path, QString *error, Metadata *metadata = nullptr);

// Writes a document atomically: into a new file beside `path`, then renamed
// over it, so a crash, a full disk or a permission error leaves whatever was
// at `path` before untouched.
bool write(const Topology &topology, const QString &path, QString *error,
           const SaveOptions &options = {});

} // namespace DocumentFile

} // namespace Loadstar
