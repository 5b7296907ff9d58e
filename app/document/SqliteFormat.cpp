#include "SqliteFormat.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryFile>
#include <QUuid>
#include <QtEndian>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace Loadstar::SqliteFormat {

namespace {

QString shown(const QString &path)
{
    return QStringLiteral("“%1”").arg(QDir::toNativeSeparators(path));
}

// A uniquely named connection, closed and removed when it goes out of scope,
// so reads and writes may run on any thread at the same time.
class Connection
{
public:
    explicit Connection(const QString &path, bool readOnly)
        : m_name(QStringLiteral("loadstar-%1").arg(QUuid::createUuid().toString(QUuid::Id128)))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        if (readOnly)
            db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        m_ok = db.open();
        if (!m_ok)
            m_error = db.lastError().text();
    }
    ~Connection()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    bool isOpen() const { return m_ok; }
    QString openError() const { return m_error; }
    QSqlDatabase db() const { return QSqlDatabase::database(m_name, false); }

    // Runs one statement; on failure returns false and keeps SQLite's words.
    bool exec(const QString &sql, QString *error) const
    {
        QSqlQuery query(db());
        if (query.exec(sql))
            return true;
        *error = query.lastError().databaseText();
        return false;
    }

    std::optional<QVariant> scalar(const QString &sql, QString *error) const
    {
        QSqlQuery query(db());
        if (!query.exec(sql)) {
            *error = query.lastError().databaseText();
            return std::nullopt;
        }
        return query.next() ? query.value(0) : QVariant();
    }

private:
    QString m_name;
    bool m_ok = false;
    QString m_error;
};

// What the first 100 bytes of a SQLite file say about it, read without
// SQLite so that damaged files get a precise message.
struct Header
{
    bool isSqlite = false;
    qint64 declaredSize = -1; // page size × page count, when the header vouches for it
};

Header readHeader(QFile &file)
{
    Header header;
    const QByteArray bytes = file.read(100);
    static const QByteArray magic("SQLite format 3\0", 16);
    if (bytes.size() < 100 || !bytes.startsWith(magic))
        return header;
    header.isSqlite = true;
    const auto u32 = [&](int offset) { return qFromBigEndian<quint32>(bytes.constData() + offset); };
    quint32 pageSize = qFromBigEndian<quint16>(bytes.constData() + 16);
    if (pageSize == 1)
        pageSize = 65536;
    // The page count at offset 28 is valid only when the change counter
    // matches the "version valid for" field (SQLite file format, 1.3.7).
    if (u32(24) == u32(92) && u32(28) > 0)
        header.declaredSize = qint64(pageSize) * u32(28);
    return header;
}

// Version 1 → 2: properties move from a JSON column into rows of their own;
// "interval" is renamed "inter" as in HAProxy; the kind id "loadbalancer"
// becomes "load-balancer".
const char *const kMigration1To2[] = {
    "CREATE TABLE document (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "INSERT INTO document (key, value) SELECT key, value FROM loadstar WHERE key <> 'schema'",
    "DROP TABLE loadstar",
    "CREATE TABLE nodes_v2 (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,"
    " x REAL NOT NULL, y REAL NOT NULL)",
    "INSERT INTO nodes_v2 (id, kind, name, x, y) SELECT id,"
    " CASE kind WHEN 'loadbalancer' THEN 'load-balancer' ELSE kind END, name, x, y FROM nodes",
    "CREATE TABLE node_properties (node_id INTEGER NOT NULL, key TEXT NOT NULL, value,"
    " PRIMARY KEY (node_id, key)) WITHOUT ROWID",
    "INSERT INTO node_properties (node_id, key, value) SELECT nodes.id,"
    " CASE p.key WHEN 'interval' THEN 'inter' ELSE p.key END, p.value"
    " FROM nodes, json_each(nodes.properties) AS p",
    "DROP TABLE nodes",
    "ALTER TABLE nodes_v2 RENAME TO nodes",
    "ALTER TABLE links RENAME COLUMN from_node TO source",
    "ALTER TABLE links RENAME COLUMN to_node TO target",
};

struct Migration
{
    int from;
    const char *const *statements;
    size_t count;
};

const Migration kMigrations[] = {
    {1, kMigration1To2, std::size(kMigration1To2)},
};

const char *const kSchema[] = {
    "CREATE TABLE document (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE nodes (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,"
    " x REAL NOT NULL, y REAL NOT NULL)",
    "CREATE TABLE node_properties (node_id INTEGER NOT NULL, key TEXT NOT NULL, value,"
    " PRIMARY KEY (node_id, key)) WITHOUT ROWID",
    "CREATE TABLE links (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, source INTEGER NOT NULL,"
    " target INTEGER NOT NULL)",
};

// The schema version of an open file: its user_version when it carries
// Loadstar's application id, 1 for the version-1 layout (which had no id), or
// 0 when it is some other program's database.
std::optional<int> schemaVersion(const Connection &connection, QString *error)
{
    const auto appId = connection.scalar(QStringLiteral("PRAGMA application_id"), error);
    if (!appId)
        return std::nullopt;
    if (appId->toInt() == kApplicationId) {
        const auto version = connection.scalar(QStringLiteral("PRAGMA user_version"), error);
        if (!version)
            return std::nullopt;
        return version->toInt();
    }
    const auto legacy = connection.scalar(
        QStringLiteral("SELECT value FROM sqlite_master AS m, loadstar AS l"
                       " WHERE m.name = 'loadstar' AND l.key = 'schema'"),
        error);
    if (!legacy) {
        error->clear();
        return 0;
    }
    return legacy->toString() == QLatin1String("1") ? 1 : 0;
}

bool migrate(const Connection &connection, int fromVersion, QString *error)
{
    if (!connection.exec(QStringLiteral("BEGIN"), error))
        return false;
    for (const Migration &migration : kMigrations) {
        if (migration.from < fromVersion)
            continue;
        for (size_t i = 0; i < migration.count; ++i) {
            if (!connection.exec(QString::fromLatin1(migration.statements[i]), error)) {
                connection.exec(QStringLiteral("ROLLBACK"), error);
                return false;
            }
        }
    }
    return connection.exec(QStringLiteral("PRAGMA application_id = %1").arg(kApplicationId), error)
           && connection.exec(QStringLiteral("PRAGMA user_version = %1").arg(kSchemaVersion), error)
           && connection.exec(QStringLiteral("COMMIT"), error);
}

// `error` gets SQLite's words when a query fails (a damaged file), and
// `unknown` a whole sentence when the file holds kinds this build does not
// know.
std::optional<Topology> readTables(const Connection &connection, DocumentFile::Metadata *metadata,
                                   QString *error, QString *unknown)
{
    QSqlQuery query(connection.db());
    query.setForwardOnly(true);
    if (metadata) {
        if (!query.exec(QStringLiteral("SELECT key, value FROM document ORDER BY key"))) {
            *error = query.lastError().databaseText();
            return std::nullopt;
        }
        while (query.next())
            metadata->insert(query.value(0).toString(), query.value(1).toString());
    }

    Topology topology;
    if (!query.exec(QStringLiteral("SELECT id, kind, name, x, y FROM nodes ORDER BY id"))) {
        *error = query.lastError().databaseText();
        return std::nullopt;
    }
    QList<Node> nodes;
    while (query.next()) {
        const QString kindId = query.value(1).toString();
        const auto kind = nodeKindFromId(kindId);
        if (!kind) {
            *unknown = QStringLiteral("node %1 is of an unknown kind “%2”")
                           .arg(query.value(0).toLongLong()).arg(kindId);
            return std::nullopt;
        }
        Node node = Node::make(*kind, query.value(2).toString(),
                               QPointF(query.value(3).toDouble(), query.value(4).toDouble()));
        node.id = query.value(0).toUInt();
        nodes.append(std::move(node));
    }
    if (!query.exec(QStringLiteral("SELECT node_id, key, value FROM node_properties ORDER BY node_id, key"))) {
        *error = query.lastError().databaseText();
        return std::nullopt;
    }
    qsizetype index = 0;
    while (query.next()) {
        const NodeId id = query.value(0).toUInt();
        while (index < nodes.size() && nodes[index].id < id)
            ++index;
        if (index < nodes.size() && nodes[index].id == id)
            nodes[index].restoreProperty(query.value(1).toString(), query.value(2));
    }
    for (Node &node : nodes)
        topology.addNode(std::move(node));

    if (!query.exec(QStringLiteral("SELECT id, kind, source, target FROM links ORDER BY id"))) {
        *error = query.lastError().databaseText();
        return std::nullopt;
    }
    while (query.next()) {
        const QString kindId = query.value(1).toString();
        const auto kind = linkKindFromId(kindId);
        if (!kind) {
            *unknown = QStringLiteral("link %1 is of an unknown kind “%2”")
                           .arg(query.value(0).toLongLong()).arg(kindId);
            return std::nullopt;
        }
        topology.addLink(Link{query.value(0).toUInt(), *kind, query.value(2).toUInt(),
                              query.value(3).toUInt()});
    }
    return topology;
}

bool writeTables(const Connection &connection, const Topology &topology,
                 const DocumentFile::SaveOptions &options, QString *error)
{
    for (const char *statement : kSchema) {
        if (!connection.exec(QString::fromLatin1(statement), error))
            return false;
    }
    QSqlQuery query(connection.db());
    auto run = [&]() {
        if (query.exec())
            return true;
        *error = query.lastError().databaseText();
        return false;
    };

    DocumentFile::Metadata metadata = options.metadata;
    metadata.insert(QStringLiteral("generator"), QStringLiteral("Loadstar " LOADSTAR_VERSION));
    query.prepare(QStringLiteral("INSERT INTO document (key, value) VALUES (?, ?)"));
    for (auto it = metadata.cbegin(); it != metadata.cend(); ++it) {
        query.addBindValue(it.key());
        query.addBindValue(it.value().isNull() ? QStringLiteral("") : it.value()); // NOT NULL
        if (!run())
            return false;
    }

    const int total = int(topology.nodes().size() + topology.links().size());
    int done = 0;
    QSqlQuery property(connection.db());
    property.prepare(QStringLiteral("INSERT INTO node_properties (node_id, key, value) VALUES (?, ?, ?)"));
    query.prepare(QStringLiteral("INSERT INTO nodes (id, kind, name, x, y) VALUES (?, ?, ?, ?, ?)"));
    for (const Node &node : topology.nodes()) {
        query.addBindValue(node.id);
        query.addBindValue(nodeKindId(node.kind));
        query.addBindValue(node.name);
        query.addBindValue(node.position.x());
        query.addBindValue(node.position.y());
        if (!run())
            return false;
        for (auto it = node.properties.cbegin(); it != node.properties.cend(); ++it) {
            property.addBindValue(node.id);
            property.addBindValue(it.key());
            property.addBindValue(it.value());
            if (!property.exec()) {
                *error = property.lastError().databaseText();
                return false;
            }
        }
        if (options.progress)
            options.progress(++done, total);
    }
    query.prepare(QStringLiteral("INSERT INTO links (id, kind, source, target) VALUES (?, ?, ?, ?)"));
    for (const Link &link : topology.links()) {
        query.addBindValue(link.id);
        query.addBindValue(linkKindId(link.kind));
        query.addBindValue(link.from);
        query.addBindValue(link.to);
        if (!run())
            return false;
        if (options.progress)
            options.progress(++done, total);
    }
    return connection.exec(QStringLiteral("PRAGMA application_id = %1").arg(kApplicationId), error)
           && connection.exec(QStringLiteral("PRAGMA user_version = %1").arg(kSchemaVersion), error);
}

// After a rename, the directory entry itself must reach the disk too.
void syncDirectory(const QString &directory)
{
    const int fd = ::open(QFile::encodeName(directory).constData(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

std::optional<Topology> read(const QString &path, QString *error, DocumentFile::Metadata *metadata)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("Cannot open %1: %2.").arg(shown(path), file.errorString().toLower());
        return std::nullopt;
    }
    const qint64 size = file.size();
    const Header header = readHeader(file);
    file.close();
    if (!header.isSqlite) {
        *error = QStringLiteral("Cannot open %1: it is not a Loadstar document (not a SQLite database%2).")
                     .arg(shown(path), size < 100 ? QStringLiteral(", and too short to be one")
                                                  : QString());
        return std::nullopt;
    }
    const QString damaged = QStringLiteral(
        "Cannot open %1: the file is damaged (%2). Open an earlier copy or the autosave recovery file.");
    if (header.declaredSize > size) {
        *error = damaged.arg(shown(path), QStringLiteral("it is %1 bytes long but its header says %2; it was cut short")
                                              .arg(size).arg(header.declaredSize));
        return std::nullopt;
    }

    Connection connection(path, true);
    if (!connection.isOpen()) {
        *error = QStringLiteral("Cannot open %1: %2.").arg(shown(path), connection.openError());
        return std::nullopt;
    }
    QString sqlError;
    const auto check = connection.scalar(QStringLiteral("PRAGMA quick_check(1)"), &sqlError);
    if (!check || check->toString() != QLatin1String("ok")) {
        const QString detail = check ? check->toString() : sqlError;
        *error = damaged.arg(shown(path), detail.simplified());
        return std::nullopt;
    }
    const auto version = schemaVersion(connection, &sqlError);
    if (!version) {
        *error = damaged.arg(shown(path), sqlError);
        return std::nullopt;
    }
    if (*version <= 0) {
        *error = QStringLiteral("Cannot open %1: it is a SQLite database, but not a Loadstar document.")
                     .arg(shown(path));
        return std::nullopt;
    }
    if (*version > kSchemaVersion) {
        *error = QStringLiteral("Cannot open %1: it was saved by a newer Loadstar (document version %2; this "
                                "Loadstar " LOADSTAR_VERSION " reads up to version %3). Update Loadstar to open it.")
                     .arg(shown(path)).arg(*version).arg(kSchemaVersion);
        return std::nullopt;
    }

    std::optional<Topology> topology;
    QString unknown;
    if (*version == kSchemaVersion) {
        topology = readTables(connection, metadata, &sqlError, &unknown);
    } else {
        // Migrate a copy: opening an old document never changes it on disk;
        // the next save writes the current version.
        QTemporaryFile copy;
        if (!copy.open() || !file.open(QIODevice::ReadOnly) || copy.write(file.readAll()) != size
            || !copy.flush()) {
            *error = QStringLiteral("Cannot open %1: no room to upgrade it from document version %2 (%3).")
                         .arg(shown(path)).arg(*version).arg(copy.errorString());
            return std::nullopt;
        }
        Connection upgraded(copy.fileName(), false);
        if (!upgraded.isOpen() || !migrate(upgraded, *version, &sqlError)) {
            *error = QStringLiteral("Cannot open %1: upgrading it from document version %2 failed: %3.")
                         .arg(shown(path)).arg(*version).arg(upgraded.isOpen() ? sqlError : upgraded.openError());
            return std::nullopt;
        }
        topology = readTables(upgraded, metadata, &sqlError, &unknown);
    }
    if (!topology && !unknown.isEmpty())
        *error = QStringLiteral("Cannot open %1: %2; it may come from a newer Loadstar.").arg(shown(path), unknown);
    else if (!topology)
        *error = damaged.arg(shown(path), sqlError);
    return topology;
}

bool write(const Topology &topology, const QString &path, QString *error,
           const DocumentFile::SaveOptions &options)
{
    const QFileInfo target(path);
    if (target.isDir()) {
        *error = QStringLiteral("Cannot save to %1: it is a folder. Choose a file name.").arg(shown(path));
        return false;
    }
    const QString unchanged = target.exists() ? QStringLiteral(" The file on disk is unchanged.") : QString();

    QTemporaryFile temporary(target.absolutePath() + QStringLiteral("/.") + target.fileName()
                             + QStringLiteral(".XXXXXX"));
    temporary.setAutoRemove(true);
    if (!temporary.open()) {
        *error = QStringLiteral("Cannot save %1: cannot write in %2 (%3).%4")
                     .arg(shown(path), shown(target.absolutePath()), temporary.errorString().toLower(),
                          unchanged);
        return false;
    }
    temporary.close();

    QString sqlError;
    bool ok = false;
    {
        Connection connection(temporary.fileName(), false);
        ok = connection.isOpen() && connection.exec(QStringLiteral("BEGIN"), &sqlError)
             && writeTables(connection, topology, options, &sqlError)
             && connection.exec(QStringLiteral("COMMIT"), &sqlError);
        if (!connection.isOpen())
            sqlError = connection.openError();
    }
    if (!ok) {
        *error = QStringLiteral("Cannot save %1: %2.%3").arg(shown(path), sqlError, unchanged);
        return false;
    }

    const auto permissions = target.exists() ? target.permissions()
                                             : QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup
                                                   | QFile::ReadOther;
    QFile::setPermissions(temporary.fileName(), permissions);
    if (::rename(QFile::encodeName(temporary.fileName()).constData(), QFile::encodeName(path).constData()) != 0) {
        *error = QStringLiteral("Cannot save %1: %2.%3")
                     .arg(shown(path), QString::fromLocal8Bit(std::strerror(errno)).toLower(), unchanged);
        return false;
    }
    temporary.setAutoRemove(false);
    syncDirectory(target.absolutePath());
    return true;
}

} // namespace Loadstar::SqliteFormat
