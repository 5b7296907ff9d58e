#pragma once

// The drawings the database export's tests export, and how they read what
// was written.

#include "document/DefaultDocument.h"
#include "haproxy/ConfigExport.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>

namespace Loadstar::Test {

using Haproxy::ConfigExport;
using Haproxy::ExportedFile;

inline const QString kPlaceholder = QStringLiteral("CHANGE-ME-replication-password");
inline const QByteArray kTestPassword = "export-test-Pa55";

inline void set(Topology &topology, const QString &name, const QString &property,
                const QVariant &value)
{
    const QString error
        = topology.node(topology.nodeByName(name)->id)->setProperty(property, value);
    if (!error.isEmpty())
        qWarning("%s", qPrintable(error));
}

// The reference design's two databases on `engine`, on `ports` (primary,
// replica and, with a third port, db-replica-2 replicating from db-replica).
inline Topology cluster(const QString &engine, const QList<quint16> &ports,
                        const QString &replication = QStringLiteral("async"))
{
    Topology topology = referenceDocument();
    const QString check
        = engine == QLatin1String("postgresql") ? QStringLiteral("pgsql") : QStringLiteral("mysql");
    for (const QString &name : {QStringLiteral("db-primary"), QStringLiteral("db-replica")}) {
        set(topology, name, QStringLiteral("engine"), engine);
        set(topology, name, QStringLiteral("check"), check);
    }
    set(topology, QStringLiteral("db-primary"), QStringLiteral("port"), ports.value(0));
    set(topology, QStringLiteral("db-replica"), QStringLiteral("port"), ports.value(1));
    set(topology, QStringLiteral("db-primary"), QStringLiteral("replication"), replication);
    if (ports.size() > 2) {
        Node chained = Node::make(NodeKind::Database, QStringLiteral("db-replica-2"), {300, 450});
        chained.setProperty(QStringLiteral("engine"), engine);
        chained.setProperty(QStringLiteral("check"), check);
        chained.setProperty(QStringLiteral("role"), QStringLiteral("replica"));
        chained.setProperty(QStringLiteral("port"), ports.at(2));
        const NodeId id = topology.addNode(chained);
        topology.connect(topology.nodeByName(QStringLiteral("db-replica"))->id, id);
    }
    return topology;
}

inline const ExportedFile *fileNamed(const ConfigExport &exported, const QString &name)
{
    for (const ExportedFile &file : exported.files) {
        if (file.name == name)
            return &file;
    }
    return nullptr;
}

inline QStringList namesOf(const ConfigExport &exported)
{
    QStringList names;
    for (const ExportedFile &file : exported.files)
        names.append(file.name);
    return names;
}

// What a file says, without its comments and blank lines.
inline QString settingsOf(const ConfigExport &exported, const QString &name)
{
    const ExportedFile *file = fileNamed(exported, name);
    if (!file)
        return QStringLiteral("(no %1)").arg(name);
    QStringList lines;
    for (const QString &line : QString::fromUtf8(file->text).split(QLatin1Char('\n'))) {
        if (!line.isEmpty() && !line.startsWith(QLatin1Char('#'))
            && !line.startsWith(QLatin1String("--")))
            lines.append(line);
    }
    return lines.join(QLatin1Char('\n'));
}

// `key = value` lines of an option file or postgresql.conf.
inline QList<std::pair<QString, QString>> assignmentsOf(const QByteArray &text)
{
    QList<std::pair<QString, QString>> assignments;
    static const QRegularExpression assignment(QStringLiteral("^(\\w+) = (.*)$"));
    for (const QString &line : QString::fromUtf8(text).split(QLatin1Char('\n'))) {
        const QRegularExpressionMatch match = assignment.match(line);
        if (match.hasMatch())
            assignments.append({match.captured(1), match.captured(2)});
    }
    return assignments;
}

inline ConfigExport exportDatabases(const Topology &topology, const QString &folder)
{
    Haproxy::ExportOptions options;
    options.source = QStringLiteral("test.loadstar");
    options.outputFolder = folder;
    return Haproxy::exportConfiguration(Haproxy::ConfigFormat::Databases, topology, options);
}

// Exports `topology` into `folder` as a reader would fill it in: the
// placeholder replaced by a password, everything readable by the postgres
// user too. One sentence when it can't be written.
inline QString writeFilledIn(const Topology &topology, const QString &folder)
{
    QString error;
    if (!Haproxy::writeConfiguration(exportDatabases(topology, folder), folder, &error))
        return error;
    for (const QFileInfo &info : QDir(folder).entryInfoList(QDir::Files)) {
        QFile file(info.filePath());
        if (!file.open(QIODevice::ReadOnly))
            return file.errorString();
        const QByteArray text = file.readAll().replace(kPlaceholder.toLatin1(), kTestPassword);
        file.close();
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
            || file.write(text) != text.size())
            return file.errorString();
        file.setPermissions(file.permissions() | QFile::ReadGroup | QFile::ReadOther);
    }
    return {};
}

} // namespace Loadstar::Test
