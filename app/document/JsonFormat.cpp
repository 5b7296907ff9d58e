#include "JsonFormat.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

namespace Loadstar::JsonFormat {

namespace {

QJsonValue toJson(const QVariant &value)
{
    switch (value.typeId()) {
    case QMetaType::Bool:
        return value.toBool();
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
        return value.toLongLong();
    case QMetaType::Double:
        return value.toDouble();
    default:
        return value.toString();
    }
}

// Line and column of a byte offset, for parse errors people can find.
QString position(const QByteArray &json, int offset)
{
    int line = 1;
    int column = 1;
    for (int i = 0; i < offset && i < json.size(); ++i) {
        if (json.at(i) == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return QStringLiteral("line %1, column %2").arg(line).arg(column);
}

class Reader
{
public:
    std::optional<Topology> read(const QJsonObject &root)
    {
        if (root.value(QLatin1String("format")).toString() != QLatin1String("loadstar"))
            return fail(QStringLiteral("it is JSON, but not a Loadstar document (no \"format\": \"loadstar\")"));
        const int version = root.value(QLatin1String("version")).toInt(-1);
        if (version < 1)
            return fail(QStringLiteral("\"version\" is missing or not a positive whole number"));
        if (version > kVersion) {
            return fail(QStringLiteral("it was written by a newer Loadstar (JSON version %1; this Loadstar reads "
                                       "up to version %2); update Loadstar to read it")
                            .arg(version).arg(kVersion));
        }
        if (!root.value(QLatin1String("nodes")).isArray() || !root.value(QLatin1String("links")).isArray())
            return fail(QStringLiteral("\"nodes\" and \"links\" must both be arrays"));

        Topology topology;
        QSet<NodeId> nodeIds;
        const QJsonArray nodes = root.value(QLatin1String("nodes")).toArray();
        for (qsizetype i = 0; i < nodes.size(); ++i) {
            const QString where = QStringLiteral("node #%1").arg(i + 1);
            const QJsonObject object = nodes.at(i).toObject();
            const auto id = readId(object, where);
            if (!id)
                return std::nullopt;
            if (nodeIds.contains(*id))
                return fail(QStringLiteral("%1: another node already has id %2").arg(where).arg(*id));
            const QString kindId = object.value(QLatin1String("kind")).toString();
            const auto kind = nodeKindFromId(kindId);
            if (!kind)
                return fail(QStringLiteral("%1: unknown kind “%2”").arg(where, kindId));
            const QJsonValue x = object.value(QLatin1String("x"));
            const QJsonValue y = object.value(QLatin1String("y"));
            if (!x.isDouble() || !y.isDouble())
                return fail(QStringLiteral("%1: \"x\" and \"y\" must be numbers").arg(where));
            if (!object.value(QLatin1String("name")).isString())
                return fail(QStringLiteral("%1: \"name\" must be a string").arg(where));
            Node node = Node::make(*kind, object.value(QLatin1String("name")).toString(),
                                   QPointF(x.toDouble(), y.toDouble()));
            node.id = *id;
            const QJsonValue properties = object.value(QLatin1String("properties"));
            if (!properties.isUndefined() && !properties.isObject())
                return fail(QStringLiteral("%1: \"properties\" must be an object").arg(where));
            const QJsonObject map = properties.toObject();
            for (auto it = map.constBegin(); it != map.constEnd(); ++it)
                node.restoreProperty(it.key(), it.value().toVariant());
            nodeIds.insert(*id);
            topology.addNode(std::move(node));
        }

        QSet<LinkId> linkIds;
        const QJsonArray links = root.value(QLatin1String("links")).toArray();
        for (qsizetype i = 0; i < links.size(); ++i) {
            const QString where = QStringLiteral("link #%1").arg(i + 1);
            const QJsonObject object = links.at(i).toObject();
            const auto id = readId(object, where);
            const auto from = readId(object, where, "from");
            const auto to = readId(object, where, "to");
            if (!id || !from || !to)
                return std::nullopt;
            if (linkIds.contains(*id))
                return fail(QStringLiteral("%1: another link already has id %2").arg(where).arg(*id));
            const QString kindId = object.value(QLatin1String("kind")).toString();
            const auto kind = linkKindFromId(kindId);
            if (!kind)
                return fail(QStringLiteral("%1: unknown kind “%2”").arg(where, kindId));
            linkIds.insert(*id);
            topology.addLink(Link{*id, *kind, *from, *to});
        }
        return topology;
    }

    QString error;

private:
    std::nullopt_t fail(QString message)
    {
        error = std::move(message);
        return std::nullopt;
    }

    std::optional<quint32> readId(const QJsonObject &object, const QString &where, const char *key = "id")
    {
        const QJsonValue value = object.value(QLatin1String(key));
        const double number = value.toDouble(-1);
        if (!value.isDouble() || number < 1 || number > 4294967295.0 || number != qint64(number)) {
            fail(QStringLiteral("%1: \"%2\" must be a whole number from 1 up").arg(where, QLatin1String(key)));
            return std::nullopt;
        }
        return quint32(number);
    }
};

} // namespace

QByteArray write(const Topology &topology)
{
    QJsonArray nodes;
    for (const Node &node : topology.nodes()) {
        QJsonObject properties;
        for (auto it = node.properties.cbegin(); it != node.properties.cend(); ++it)
            properties.insert(it.key(), toJson(it.value()));
        nodes.append(QJsonObject{
            {QStringLiteral("id"), qint64(node.id)},
            {QStringLiteral("kind"), nodeKindId(node.kind)},
            {QStringLiteral("name"), node.name},
            {QStringLiteral("x"), node.position.x()},
            {QStringLiteral("y"), node.position.y()},
            {QStringLiteral("properties"), properties},
        });
    }
    QJsonArray links;
    for (const Link &link : topology.links()) {
        links.append(QJsonObject{
            {QStringLiteral("id"), qint64(link.id)},
            {QStringLiteral("kind"), linkKindId(link.kind)},
            {QStringLiteral("from"), qint64(link.from)},
            {QStringLiteral("to"), qint64(link.to)},
        });
    }
    const QJsonObject root{
        {QStringLiteral("format"), QStringLiteral("loadstar")},
        {QStringLiteral("version"), kVersion},
        {QStringLiteral("nodes"), nodes},
        {QStringLiteral("links"), links},
    };
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

std::optional<Topology> read(const QByteArray &json, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("it is not valid JSON: %1 at %2")
                     .arg(parseError.errorString(), position(json, parseError.offset));
        return std::nullopt;
    }
    if (!document.isObject()) {
        *error = QStringLiteral("it is JSON, but not a Loadstar document (the top level is not an object)");
        return std::nullopt;
    }
    Reader reader;
    auto topology = reader.read(document.object());
    if (!topology)
        *error = reader.error;
    return topology;
}

} // namespace Loadstar::JsonFormat
