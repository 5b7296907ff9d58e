#pragma once

#include "model/Topology.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace Loadstar::JsonFormat {

// Version of the JSON interchange format (documented in
// app/document/json-format.md). Independent of the SQLite schema version.
constexpr int kVersion = 1;

// Stable output: keys sorted, nodes and links by id, two-space indent, one
// property per line; the same drawing always gives the same bytes.
QByteArray write(const Topology &topology);

// `error` names the line and column of a syntax error, or the node or link
// whose content is wrong.
std::optional<Topology> read(const QByteArray &json, QString *error);

} // namespace Loadstar::JsonFormat
