#include "../app/TestTopologies.h"

#include "document/DocumentFile.h"
#include "model/Validator.h"

#include <QImage>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include <cmath>

#include <unistd.h>

using namespace Loadstar;

namespace {

struct Result
{
    int code = -1;
    QString out;
    QString err;
};

Result loadstar(const QStringList &arguments, const QString &program = QStringLiteral(LOADSTAR_BINARY),
                const QStringList &prefix = {}, bool withDisplay = true)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    if (!withDisplay) {
        // As on a server or in CI: no platform chosen, no display at all.
        for (const char *name : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"})
            env.remove(QString::fromLatin1(name));
    }
    process.setProcessEnvironment(env);
    if (prefix.isEmpty())
        process.start(program, arguments);
    else
        process.start(prefix.first(), prefix.mid(1) + QStringList{program} + arguments);
    if (!process.waitForFinished(60000))
        return {};
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

QString referenceJson()
{
    return QStringLiteral(TEST_DATA_DIR "/../../resources/documents/reference.json");
}

} // namespace

class CliTest : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void versionAndHelp()
    {
        const Result version = loadstar({QStringLiteral("--version")});
        QCOMPARE(version.code, 0);
        QCOMPARE(version.out, QStringLiteral("loadstar " LOADSTAR_VERSION "\n"));

        const Result help = loadstar({QStringLiteral("--help")});
        QCOMPARE(help.code, 0);
        QVERIFY(help.out.startsWith(QStringLiteral("Usage: loadstar [options] [FILE]")));
        QVERIFY(help.out.contains(QStringLiteral("convert IN OUT")));
        QVERIFY(help.out.contains(QStringLiteral("validate FILE")));
        QVERIFY(help.out.contains(QStringLiteral("export FILE OUT")));

        const Result exportHelp = loadstar({QStringLiteral("export"), QStringLiteral("--help")});
        QCOMPARE(exportHelp.code, 0);
        QVERIFY(exportHelp.out.startsWith(QStringLiteral("Usage: loadstar export [options] FILE OUT")));
        QVERIFY(exportHelp.out.contains(QStringLiteral("--scale <N>")));
        QVERIFY(exportHelp.out.contains(QStringLiteral("--background <white|transparent>")));

        const Result verbHelp = loadstar({QStringLiteral("convert"), QStringLiteral("--help")});
        QCOMPARE(verbHelp.code, 0);
        QVERIFY(verbHelp.out.startsWith(QStringLiteral("Usage: loadstar convert [options] IN OUT")));
    }

    void usageErrorsExitTwoWithOneClearLine_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown option") << QStringList{"--frobnicate"} << "loadstar: Unknown option 'frobnicate'.";
        QTest::newRow("unknown word") << QStringList{"frobnicate"}
                                      << "loadstar: “frobnicate” is neither a verb (convert, validate, proxy, run, export) nor an existing file";
        QTest::newRow("two files") << QStringList{"a.loadstar", "b.loadstar"}
                                   << "loadstar: “a.loadstar” is not a verb, and the GUI opens one file at a time";
        QTest::newRow("convert one argument") << QStringList{"convert", "a.json"}
                                              << "loadstar convert: expects IN OUT, got 1 argument";
        QTest::newRow("validate nothing") << QStringList{"validate"} << "loadstar validate: expects FILE, got 0 arguments";
        QTest::newRow("validate bad option") << QStringList{"validate", "-x", "f"}
                                             << "loadstar validate: Unknown option 'x'.";
        QTest::newRow("export unknown format") << QStringList{"export", "a.json", "a.bmp"}
                                               << "loadstar export: unknown image format “.bmp”; use .png, .svg or .pdf";
        QTest::newRow("export no extension") << QStringList{"export", "a.json", "picture"}
                                             << "loadstar export: “picture” has no extension; end it with .png, .svg or .pdf";
        QTest::newRow("export bad scale") << QStringList{"export", "a.json", "a.png", "--scale", "0"}
                                          << "loadstar export: --scale expects a number more than 0 and at most 8, not “0”";
        QTest::newRow("export scale not a number") << QStringList{"export", "a.json", "a.png", "--scale", "big"}
                                                   << "loadstar export: --scale expects a number more than 0 and at most 8, not “big”";
        QTest::newRow("export bad background") << QStringList{"export", "a.json", "a.png", "--background", "pink"}
                                               << "loadstar export: --background expects white or transparent, not “pink”";
        QTest::newRow("export one argument") << QStringList{"export", "a.json"}
                                             << "loadstar export: expects FILE OUT, got 1 argument";
    }

    void usageErrorsExitTwoWithOneClearLine()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const Result result = loadstar(arguments);
        QCOMPARE(result.code, 2);
        QCOMPARE(result.out, QString());
        const QStringList lines = result.err.trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines.first(), message);
        QVERIFY(lines.last().startsWith(QStringLiteral("Try 'loadstar")));
    }

    void convertRoundTripIsExact()
    {
        const QString a = m_dir->filePath(QStringLiteral("a.loadstar"));
        const QString b = m_dir->filePath(QStringLiteral("b.json"));
        const QString c = m_dir->filePath(QStringLiteral("c.loadstar"));
        const QString d = m_dir->filePath(QStringLiteral("d.json"));
        Result r = loadstar({QStringLiteral("convert"), referenceJson(), a});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QStringLiteral("Wrote %1 (Loadstar document, 6 nodes, 8 links).\n").arg(a));
        QCOMPARE(loadstar({QStringLiteral("convert"), a, b}).code, 0);
        QCOMPARE(loadstar({QStringLiteral("convert"), b, c}).code, 0);
        QCOMPARE(loadstar({QStringLiteral("convert"), c, d}).code, 0);
        QFile first(b), second(d), shipped(referenceJson());
        QVERIFY(first.open(QIODevice::ReadOnly) && second.open(QIODevice::ReadOnly) && shipped.open(QIODevice::ReadOnly));
        const QByteArray json = first.readAll();
        QCOMPARE(second.readAll(), json);
        QCOMPARE(shipped.readAll(), json);
        QString error;
        QCOMPARE(*DocumentFile::read(c, &error), *DocumentFile::read(a, &error));
    }

    void convertOfABadFileFailsAndWritesNothing()
    {
        const QString bad = m_dir->filePath(QStringLiteral("bad.loadstar"));
        QFile file(bad);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("this is not a document");
        file.close();
        const QString out = m_dir->filePath(QStringLiteral("out.json"));
        const Result r = loadstar({QStringLiteral("convert"), bad, out});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QStringLiteral("Cannot open “%1”: it is not a Loadstar document (not a SQLite database, and too short to be one).\n").arg(bad));
        QVERIFY(!QFile::exists(out));
    }

    void validateCleanDocument()
    {
        const Result r = loadstar({QStringLiteral("validate"), referenceJson()});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.endsWith(QStringLiteral(": no problems (6 nodes, 8 links).\n")));
    }

    void validatePrintsOneLinePerProblem()
    {
        Topology t = Test::everyKind();
        t.node(t.nodeByName(QStringLiteral("lb"))->id)->properties.insert(QStringLiteral("port"), 0);
        t.node(t.nodeByName(QStringLiteral("web-02"))->id)->name = QStringLiteral("web-01");
        const QString path = m_dir->filePath(QStringLiteral("broken.loadstar"));
        QString error;
        QVERIFY(DocumentFile::write(t, path, &error));

        const Result r = loadstar({QStringLiteral("validate"), path});
        QCOMPARE(r.code, 1);
        const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), validate(t).size());
        QCOMPARE(lines.size(), 2);
        QVERIFY(lines.contains(path + QStringLiteral(": lb: listen port 0 is out of range (1–65535)")));
        QVERIFY(lines.contains(path + QStringLiteral(": 2 nodes are named “web-01”: names must be unique, rename all but one")));
    }

    void validateOfAnUnreadableFile()
    {
        const QString path = m_dir->filePath(QStringLiteral("secret.loadstar"));
        QString error;
        QVERIFY(DocumentFile::write(Test::everyKind(), path, &error));
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner));
        QStringList prefix;
        if (::geteuid() == 0) {
            // Root reads everything: ask as an ordinary user instead.
            const QString setpriv = QStandardPaths::findExecutable(QStringLiteral("setpriv"));
            if (setpriv.isEmpty())
                QSKIP("running as root without setpriv to drop privileges");
            prefix = {setpriv, QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"),
                      QStringLiteral("--clear-groups")};
            QVERIFY(QFile::setPermissions(m_dir->path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner
                                                             | QFile::ReadOther | QFile::ExeOther));
        }
        const Result r = loadstar({QStringLiteral("validate"), path}, QStringLiteral(LOADSTAR_BINARY), prefix);
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QStringLiteral("Cannot open “%1”: permission denied.\n").arg(path));
    }

    void exportWritesAPngWithNoDisplay()
    {
        const QString out = m_dir->filePath(QStringLiteral("reference.png"));
        const Result r = loadstar({QStringLiteral("export"), referenceJson(), out, QStringLiteral("--scale"),
                                   QStringLiteral("2"), QStringLiteral("--background"), QStringLiteral("transparent")},
                                  QStringLiteral(LOADSTAR_BINARY), {}, false);
        QCOMPARE(r.err, QString());
        QCOMPARE(r.code, 0);
        const QImage image(out);
        QVERIFY(!image.isNull());
        QCOMPARE(r.out, QStringLiteral("Wrote %1 (PNG, %2×%3 px)\n").arg(out).arg(image.width()).arg(image.height()));
        QCOMPARE(qAlpha(image.pixel(0, 0)), 0);

        // Twice the size of a 1× export, give or take the rounding up.
        const QString single = m_dir->filePath(QStringLiteral("single.png"));
        QCOMPARE(loadstar({QStringLiteral("export"), referenceJson(), single}, QStringLiteral(LOADSTAR_BINARY), {},
                          false).code,
                 0);
        const QImage one(single);
        QVERIFY(std::abs(image.width() - 2 * one.width()) <= 1);
        QVERIFY(std::abs(image.height() - 2 * one.height()) <= 1);
        QCOMPARE(one.pixel(0, 0), qRgba(255, 255, 255, 255));
    }

    void exportWritesSvgAndPdf()
    {
        const QString svg = m_dir->filePath(QStringLiteral("reference.svg"));
        Result r = loadstar({QStringLiteral("export"), referenceJson(), svg}, QStringLiteral(LOADSTAR_BINARY), {}, false);
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith(QStringLiteral("Wrote %1 (SVG, ").arg(svg)));
        QFile svgFile(svg);
        QVERIFY(svgFile.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&svgFile);
        QVERIFY(xml.readNextStartElement());
        QCOMPARE(xml.name(), QStringLiteral("svg"));

        const QString pdf = m_dir->filePath(QStringLiteral("reference.pdf"));
        r = loadstar({QStringLiteral("export"), referenceJson(), pdf}, QStringLiteral(LOADSTAR_BINARY), {}, false);
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith(QStringLiteral("Wrote %1 (PDF, 1 page, ").arg(pdf)));
        QFile pdfFile(pdf);
        QVERIFY(pdfFile.open(QIODevice::ReadOnly));
        QVERIFY(pdfFile.read(5) == "%PDF-");
    }

    void exportFailuresExitOneWithOneLine()
    {
        const QString out = m_dir->filePath(QStringLiteral("missing/reference.png"));
        Result r = loadstar({QStringLiteral("export"), referenceJson(), out});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.out, QString());
        QCOMPARE(r.err, QStringLiteral("Cannot write “%1”: the folder %2 does not exist. Choose another file or folder.\n")
                            .arg(out, m_dir->filePath(QStringLiteral("missing"))));

        const QString input = m_dir->filePath(QStringLiteral("absent.loadstar"));
        r = loadstar({QStringLiteral("export"), input, m_dir->filePath(QStringLiteral("a.png"))});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QVERIFY(r.err.contains(input));
        QVERIFY(!QFile::exists(m_dir->filePath(QStringLiteral("a.png"))));
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

QTEST_GUILESS_MAIN(CliTest)
#include "tst_cli.moc"
