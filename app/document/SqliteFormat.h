#pragma once

#include "DocumentFile.h"

namespace Loadstar::SqliteFormat {

// Version 1 kept every node's properties as one JSON text column; version 2
// gives each property its own row so files diff and query well.
constexpr int kSchemaVersion = 2;
// PRAGMA application_id of every Loadstar file: "LDST".
constexpr qint32 kApplicationId = 0x4C445354;

std::optional<Topology> read(const QString &path, QString *error, DocumentFile::Metadata *metadata);
bool write(const Topology &topology, const QString &path, QString *error,
           const DocumentFile::SaveOptions &options);

} // namespace Loadstar::SqliteFormat
