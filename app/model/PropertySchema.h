#pragma once

#include "Kinds.h"

#include <QList>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <optional>

namespace Loadstar {

enum class PropertyType {
    Integer,  // whole number within [minimum, maximum]
    Boolean,
    Text,
    Choice,   // one of `choices`
    Address,  // IPv4/IPv6 literal or host name
    OptionalAddress, // an Address, or empty for none
    Port,     // 1..65535
    Duration, // milliseconds within [minimum, maximum]
    HttpPath, // "/health"
    StatusRange, // "200" or "200-399"
    CidrList, // "10.0.0.0/8, 192.168.1.0/24", may be empty
    FilePath, // a file on this machine, may be empty
    HttpUrl,  // an http:// or https:// URL with a host, or empty for none
    Lines,    // text of several lines (configuration kept as written), may be empty
};

// One property a kind of node has: its stable key (written into documents),
// how to show it, its type, range and default. Views, persistence, validation
// and the engine compiler all read this one table, so a property is declared
// once. Keys and defaults follow HAProxy's names where HAProxy has one.
struct PropertySpec
{
    QString key;
    QString label;
    QString group;
    PropertyType type = PropertyType::Text;
    QVariant defaultValue;
    qint64 minimum = 0;
    qint64 maximum = 0;
    QStringList choices;
    QString help;
    // What an empty text value means, shown greyed in the empty field
    // ("the server's address"); empty: the type's own word ("none").
    QString emptyMeaning;
};

namespace PropertySchema {

// Every property of `kind`, in display order.
const QList<PropertySpec> &forKind(NodeKind kind);
const PropertySpec *find(NodeKind kind, const QString &key);

// Converts `value` to the spec's canonical type (int, bool or QString), or
// says why it cannot be: "“abc” is not a whole number". Strings from text
// fields and JSON numbers are both accepted.
struct Converted
{
    QVariant value;
    QString error;
};
Converted convert(const PropertySpec &spec, const QVariant &value);

// The value's text as shown in messages and fields ("2000", "yes", "web-01").
QString displayValue(const PropertySpec &spec, const QVariant &value);

// The networks of a CidrList value, "10.0.0.0/8, ::1/128" (separated by
// commas or spaces); not checked.
QStringList networksOf(const QString &cidrList);

} // namespace PropertySchema

// Helpers for addresses, shared by validation and the engine compiler.
bool isValidHostOrAddress(const QString &text);

} // namespace Loadstar
