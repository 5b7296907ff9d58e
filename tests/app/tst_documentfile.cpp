#include "TestTopologies.h"

#include "document/DefaultDocument.h"
#include "document/DocumentFile.h"
#include "document/JsonFormat.h"
#include "document/SqliteFormat.h"
#include "model/Validator.h"

#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <sys/resource.h>
#include <unistd.h>

using namespace Loadstar;

namespace {

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeAll(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(bytes), bytes.size());
}

// Runs SQL on a file with a throwaway connection (for building odd files).
void execSql(const QString &path, const QStringList &statements)
{
    const QString name = QStringLiteral("test-sql");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        for (const QString &sql : statements)
            QVERIFY2(query.exec(sql), qPrintable(sql));
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

} // namespace

class DocumentFileTest : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void sqliteRoundTripKeepsEveryKindAndProperty()
    {
        const Topology original = Test::everyKind();
        const QString path = m_dir->filePath(QStringLiteral("every.loadstar"));
        QString error;
        QVERIFY2(DocumentFile::write(original, path, &error), qPrintable(error));
        DocumentFile::Metadata metadata;
        const auto loaded = DocumentFile::read(path, &error, &metadata);
        QVERIFY2(loaded, qPrintable(error));
        QCOMPARE(*loaded, original);
        QCOMPARE(metadata.value(QStringLiteral("generator")), QStringLiteral("Loadstar " LOADSTAR_VERSION));
        // Every node and link kind really is in there.
        QSet<NodeKind> nodeKinds;
        for (const Node &node : loaded->nodes())
            nodeKinds.insert(node.kind);
        QCOMPARE(nodeKinds.size(), allNodeKinds().size());
        QSet<LinkKind> linkKinds;
        for (const Link &link : loaded->links())
            linkKinds.insert(link.kind);
        QCOMPARE(linkKinds.size(), allLinkKinds().size());
        QCOMPARE(loaded->nodeByName(QStringLiteral("web-01"))->position, QPointF(-200.25, 320));
    }

    void jsonRoundTripIsExact()
    {
        const Topology original = Test::everyKind();
        const QByteArray json = JsonFormat::write(original);
        QString error;
        const auto parsed = JsonFormat::read(json, &error);
        QVERIFY2(parsed, qPrintable(error));
        QCOMPARE(*parsed, original);
        QCOMPARE(JsonFormat::write(*parsed), json);

        // And through files of both formats: json → loadstar → json, byte for byte.
        const QString a = m_dir->filePath(QStringLiteral("a.json"));
        const QString b = m_dir->filePath(QStringLiteral("b.loadstar"));
        const QString c = m_dir->filePath(QStringLiteral("c.json"));
        QVERIFY(DocumentFile::write(original, a, &error));
        QVERIFY(DocumentFile::write(*DocumentFile::read(a, &error), b, &error));
        QVERIFY(DocumentFile::write(*DocumentFile::read(b, &error), c, &error));
        QCOMPARE(readAll(c), readAll(a));
        QVERIFY(readAll(a).contains("\"inter\": 500"));
    }

    void jsonIsStableAndOrdered()
    {
        Topology t = Test::everyKind();
        const QByteArray first = JsonFormat::write(t);
        // Removing and re-adding a node with its id gives the same bytes.
        const Node lb = *t.nodeByName(QStringLiteral("lb"));
        const QList<Link> links = t.removeNode(lb.id);
        t.addNode(lb);
        for (const Link &link : links)
            t.addLink(link);
        QCOMPARE(JsonFormat::write(t), first);
        const int nodes = first.indexOf("\"nodes\"");
        QVERIFY(first.indexOf("\"format\": \"loadstar\"") >= 0);
        QVERIFY(first.indexOf("\"name\": \"client\"", nodes) < first.indexOf("\"name\": \"monitor\"", nodes));
    }

    void defaultDocumentIsTheReferenceDesign()
    {
        const Topology t = referenceDocument();
        QStringList names;
        for (const Node &node : t.nodes())
            names.append(node.name);
        QCOMPARE(names, (QStringList{"client", "lb", "web-01", "web-02", "db-primary", "db-replica"}));
        QCOMPARE(t.nodeByName(QStringLiteral("web-02"))->boolProperty(QStringLiteral("backup")), true);
        QCOMPARE(t.nodeByName(QStringLiteral("web-01"))->boolProperty(QStringLiteral("backup")), false);
        QCOMPARE(t.nodeByName(QStringLiteral("db-replica"))->stringProperty(QStringLiteral("role")),
                 QStringLiteral("replica"));
        int replication = 0;
        for (const Link &link : t.links())
            replication += link.kind == LinkKind::Replication ? 1 : 0;
        QCOMPARE(replication, 1);
        // The shipped file is in canonical form: what we ship is what we write.
        QFile shipped(QStringLiteral(":/documents/reference.json"));
        QVERIFY(shipped.open(QIODevice::ReadOnly));
        QCOMPARE(shipped.readAll(), JsonFormat::write(t));
    }

    void templatesAreValidAndCanonical()
    {
        const QList<DocumentTemplate> templates = documentTemplates();
        QCOMPARE(templates.size(), 2);
        for (const DocumentTemplate &t : templates) {
            QVERIFY2(validate(t.topology).isEmpty(), qPrintable(t.id));
            QFile shipped(QStringLiteral(":/documents/%1.json").arg(t.id));
            QVERIFY(shipped.open(QIODevice::ReadOnly));
            QCOMPARE(shipped.readAll(), JsonFormat::write(t.topology));
        }
        // The hardened design fixes what the reference design lacks.
        const Topology &hardened = templates.at(1).topology;
        int balancers = 0;
        for (const Node &node : hardened.nodes()) {
            if (node.kind == NodeKind::LoadBalancer) {
                ++balancers;
                QVERIFY(node.boolProperty(QStringLiteral("tls")));
                QCOMPARE(node.stringProperty(QStringLiteral("virtual_address")), QStringLiteral("127.0.0.10"));
            }
        }
        QCOMPARE(balancers, 2);
        QVERIFY(hardened.nodeByName(QStringLiteral("firewall")));
        QVERIFY(hardened.nodeByName(QStringLiteral("monitor")));
    }

    void migratesVersionOneFiles()
    {
        const QString source = QStringLiteral(TEST_DATA_DIR "/reference-v1.loadstar");
        const QByteArray before = readAll(source);
        QString error;
        DocumentFile::Metadata metadata;
        const auto t = DocumentFile::read(source, &error, &metadata);
        QVERIFY2(t, qPrintable(error));
        QCOMPARE(readAll(source), before); // opening never rewrites the old file
        QCOMPARE(t->nodes().size(), 8);
        QCOMPARE(t->links().size(), 8);
        const Node *edge = t->nodeByName(QStringLiteral("edge"));
        QCOMPARE(edge->kind, NodeKind::LoadBalancer); // "loadbalancer" in version 1
        QCOMPARE(edge->stringProperty(QStringLiteral("balance")), QStringLiteral("leastconn"));
        QCOMPARE(edge->intProperty(QStringLiteral("port")), 8000);
        const Node *webA = t->nodeByName(QStringLiteral("web-a"));
        QCOMPARE(webA->intProperty(QStringLiteral("inter")), 1000); // "interval" in version 1
        QCOMPARE(webA->intProperty(QStringLiteral("rise")), 3);
        QVERIFY(!webA->properties.contains(QStringLiteral("interval")));
        QCOMPARE(t->nodeByName(QStringLiteral("web-b"))->boolProperty(QStringLiteral("backup")), true);
        QCOMPARE(t->nodeByName(QStringLiteral("pg-standby"))->stringProperty(QStringLiteral("role")),
                 QStringLiteral("replica"));
        QCOMPARE(t->nodeByName(QStringLiteral("watch"))->intProperty(QStringLiteral("inter")), 5000);
        QCOMPARE(t->link(7)->kind, LinkKind::Replication);
        QCOMPARE(t->link(7)->from, t->nodeByName(QStringLiteral("pg-main"))->id);
        QCOMPARE(metadata.value(QStringLiteral("generator")), QStringLiteral("Loadstar 0.0.1"));

        // Saving writes the current version, which reads back the same.
        const QString upgraded = m_dir->filePath(QStringLiteral("upgraded.loadstar"));
        QVERIFY(DocumentFile::write(*t, upgraded, &error));
        QCOMPARE(*DocumentFile::read(upgraded, &error), *t);
    }

    void documentsFromBeforeTheHttpTimeoutsGetTheirDefaults()
    {
        const QStringList added{QStringLiteral("timeout_http_request"), QStringLiteral("timeout_http_keep_alive")};
        const QByteArray shipped = readAll(QStringLiteral(":/documents/reference.json"));
        QByteArrayList lines = shipped.split('\n');
        lines.removeIf([](const QByteArray &line) { return line.contains("\"timeout_http_"); });
        QCOMPARE(lines.size(), shipped.count('\n') + 1 - 2);
        const QString oldJson = m_dir->filePath(QStringLiteral("old.json"));
        writeAll(oldJson, lines.join('\n'));

        // The same design in a .loadstar saved before them, and a version-1 file.
        const QString oldSqlite = m_dir->filePath(QStringLiteral("old.loadstar"));
        QString error;
        QVERIFY(DocumentFile::write(referenceDocument(), oldSqlite, &error));
        execSql(oldSqlite, {QStringLiteral("DELETE FROM node_properties WHERE key LIKE 'timeout_http_%'")});

        const QList<std::pair<QString, QString>> documents{
            {oldJson, QStringLiteral("lb")},
            {oldSqlite, QStringLiteral("lb")},
            {QStringLiteral(TEST_DATA_DIR "/reference-v1.loadstar"), QStringLiteral("edge")}};
        for (const auto &[path, balancer] : documents) {
            const auto t = DocumentFile::read(path, &error);
            QVERIFY2(t, qPrintable(error));
            const Node *lb = t->nodeByName(balancer);
            for (const QString &key : added) {
                QVERIFY2(lb->properties.contains(key), qPrintable(path + QLatin1Char(' ') + key));
                QCOMPARE(lb->intProperty(key), 10000);
            }
        }
        // Saved again, the old JSON is today's reference design, defaults written out.
        QCOMPARE(JsonFormat::write(*DocumentFile::read(oldJson, &error)), shipped);
    }

    void badFilesGetOneClearError_data()
    {
        QTest::addColumn<QByteArray>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing") << QByteArray("missing") << "there is no such file.";
        QTest::newRow("folder") << QByteArray("folder") << "it is a folder, not a document.";
        QTest::newRow("empty") << QByteArray("empty") << "the file is empty, so it is not a Loadstar document.";
        QTest::newRow("random bytes") << QByteArray("random") << "it is not a Loadstar document (not a SQLite database).";
        QTest::newRow("short garbage") << QByteArray("short") << "it is not a Loadstar document (not a SQLite database, and too short to be one).";
        QTest::newRow("truncated") << QByteArray("truncated") << "the file is damaged (it is ";
        QTest::newRow("corrupted pages") << QByteArray("corrupted") << "the file is damaged (";
        QTest::newRow("other sqlite") << QByteArray("other-sqlite") << "it is a SQLite database, but not a Loadstar document.";
        QTest::newRow("newer schema") << QByteArray("newer") << "it was saved by a newer Loadstar (document version 99; this Loadstar " LOADSTAR_VERSION " reads up to version 2). Update Loadstar to open it.";
        QTest::newRow("broken json") << QByteArray("broken-json") << "it is not valid JSON: unterminated object at line 3, column 1.";
        QTest::newRow("other json") << QByteArray("other-json") << "it is JSON, but not a Loadstar document (no \"format\": \"loadstar\").";
        QTest::newRow("newer json") << QByteArray("newer-json") << "it was written by a newer Loadstar (JSON version 7; this Loadstar reads up to version 1); update Loadstar to read it.";
        QTest::newRow("json unknown kind") << QByteArray("json-kind") << "node #1: unknown kind “toaster”.";
        QTest::newRow("unknown node kind") << QByteArray("sqlite-kind") << "node 1 is of an unknown kind “toaster”; it may come from a newer Loadstar.";
    }

    void badFilesGetOneClearError()
    {
        QFETCH(QByteArray, kind);
        QFETCH(QString, expected);
        const QString path = m_dir->filePath(QString::fromLatin1(kind) + QStringLiteral(".loadstar"));
        QString error;
        const QString good = m_dir->filePath(QStringLiteral("good.loadstar"));
        QVERIFY(DocumentFile::write(Test::generated(4, 60), good, &error));
        const QByteArray goodBytes = readAll(good);

        if (kind == "folder") {
            QVERIFY(QDir().mkpath(path));
        } else if (kind == "empty") {
            writeAll(path, {});
        } else if (kind == "random") {
            QByteArray bytes(8192, '\0');
            for (int i = 0; i < bytes.size(); ++i)
                bytes[i] = char((i * 7919 + 13) % 251);
            writeAll(path, bytes);
        } else if (kind == "short") {
            writeAll(path, "SQLite format");
        } else if (kind == "truncated") {
            writeAll(path, goodBytes.left(goodBytes.size() / 2));
        } else if (kind == "corrupted") {
            QByteArray bytes = goodBytes;
            for (int i = 4096 * 2; i < bytes.size() - 4096; ++i)
                bytes[i] = char(0xA5 ^ (i & 0xff));
            writeAll(path, bytes);
        } else if (kind == "other-sqlite") {
            execSql(path, {QStringLiteral("CREATE TABLE photos (id INTEGER PRIMARY KEY, title TEXT)")});
        } else if (kind == "newer") {
            writeAll(path, goodBytes);
            execSql(path, {QStringLiteral("PRAGMA user_version = 99")});
        } else if (kind == "broken-json") {
            writeAll(path, "{\n  \"format\": \"loadstar\",\n");
        } else if (kind == "other-json") {
            writeAll(path, "{\"name\": \"package.json\"}");
        } else if (kind == "newer-json") {
            writeAll(path, "{\"format\": \"loadstar\", \"version\": 7, \"nodes\": [], \"links\": []}");
        } else if (kind == "json-kind") {
            writeAll(path, "{\"format\": \"loadstar\", \"version\": 1, \"links\": [], \"nodes\": "
                           "[{\"id\": 1, \"kind\": \"toaster\", \"name\": \"t\", \"x\": 0, \"y\": 0}]}");
        } else if (kind == "sqlite-kind") {
            writeAll(path, goodBytes);
            execSql(path, {QStringLiteral("UPDATE nodes SET kind = 'toaster' WHERE id = 1")});
        }

        const auto t = DocumentFile::read(path, &error);
        QVERIFY(!t);
        QVERIFY2(error.startsWith(QStringLiteral("Cannot open “%1”: ").arg(path)), qPrintable(error));
        QVERIFY2(error.contains(expected), qPrintable(error));
        QCOMPARE(error.count(QLatin1Char('\n')), 0);
    }

    void unreadableFileSaysPermissionDenied()
    {
        if (::geteuid() == 0)
            QSKIP("root reads every file; tst_cli checks this as an unprivileged user");
        const QString path = m_dir->filePath(QStringLiteral("secret.loadstar"));
        QString error;
        QVERIFY(DocumentFile::write(Test::everyKind(), path, &error));
        QFile::setPermissions(path, QFile::WriteOwner);
        QVERIFY(!DocumentFile::read(path, &error));
        QCOMPARE(error, QStringLiteral("Cannot open “%1”: permission denied.").arg(path));
    }

    void saveIntoMissingFolderFailsClearly()
    {
        const QString path = m_dir->filePath(QStringLiteral("no/such/folder/x.loadstar"));
        QString error;
        QVERIFY(!DocumentFile::write(Test::everyKind(), path, &error));
        QVERIFY2(error.startsWith(QStringLiteral("Cannot save “%1”: cannot write in").arg(path)), qPrintable(error));
    }

    // A full disk in the middle of a save: the file size limit makes every
    // write past it fail as a full disk would. The previous content stays.
    void fullDiskDuringSaveKeepsPreviousContent()
    {
        const QString path = m_dir->filePath(QStringLiteral("doc.loadstar"));
        QString error;
        const Topology small = Test::everyKind();
        QVERIFY(DocumentFile::write(small, path, &error));
        const QByteArray before = readAll(path);

        std::signal(SIGXFSZ, SIG_IGN);
        rlimit saved{};
        QCOMPARE(::getrlimit(RLIMIT_FSIZE, &saved), 0);
        rlimit limited = saved;
        limited.rlim_cur = 64 * 1024;
        QCOMPARE(::setrlimit(RLIMIT_FSIZE, &limited), 0);
        const bool ok = DocumentFile::write(Test::generated(20, 100), path, &error);
        ::setrlimit(RLIMIT_FSIZE, &saved);

        QVERIFY(!ok);
        QVERIFY2(error.startsWith(QStringLiteral("Cannot save “%1”: ").arg(path)), qPrintable(error));
        QVERIFY2(error.endsWith(QStringLiteral("The file on disk is unchanged.")), qPrintable(error));
        QCOMPARE(readAll(path), before);
        QCOMPARE(*DocumentFile::read(path, &error), small);
        // No half-written temporary file is left behind.
        QCOMPARE(QDir(m_dir->path()).entryList(QDir::Files | QDir::Hidden), QStringList{"doc.loadstar"});
    }

    // A real crash (the process dies) in the middle of a save.
    void crashDuringSaveKeepsPreviousContent()
    {
        const QString path = m_dir->filePath(QStringLiteral("doc.loadstar"));
        QString error;
        const Topology small = Test::everyKind();
        QVERIFY(DocumentFile::write(small, path, &error));

        QProcess helper;
        helper.start(QStringLiteral(HELPER_BINARY), {QStringLiteral("crash-during-save"), path, QStringLiteral("500")});
        QVERIFY(helper.waitForFinished(60000));
        QCOMPARE(helper.exitCode(), 3); // it died mid-save, as asked
        const auto loaded = DocumentFile::read(path, &error);
        QVERIFY2(loaded, qPrintable(error));
        QCOMPARE(*loaded, small);

        // The next save still works and replaces the content.
        const Topology large = Test::generated(2, 10);
        QVERIFY(DocumentFile::write(large, path, &error));
        QCOMPARE(*DocumentFile::read(path, &error), large);
    }

    void progressCountsEveryRow()
    {
        const Topology t = Test::generated(3, 10);
        QList<int> seen;
        int total = 0;
        DocumentFile::SaveOptions options;
        options.progress = [&](int done, int all) {
            seen.append(done);
            total = all;
        };
        QString error;
        QVERIFY(DocumentFile::write(t, m_dir->filePath(QStringLiteral("p.loadstar")), &error, options));
        QCOMPARE(total, int(t.nodes().size() + t.links().size()));
        QCOMPARE(seen.size(), total);
        QCOMPARE(seen.last(), total);
    }

    void saveKeepsPermissionsOfTheFileItReplaces()
    {
        const QString path = m_dir->filePath(QStringLiteral("shared.loadstar"));
        QString error;
        QVERIFY(DocumentFile::write(Test::everyKind(), path, &error));
        const auto permissions = QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::WriteGroup;
        QVERIFY(QFile::setPermissions(path, permissions));
        QVERIFY(DocumentFile::write(Test::generated(1, 2), path, &error));
        const auto mask = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup
                          | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther | QFile::WriteOther
                          | QFile::ExeOther;
        QCOMPARE(QFileInfo(path).permissions() & mask, permissions & mask);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

QTEST_GUILESS_MAIN(DocumentFileTest)
#include "tst_documentfile.moc"
