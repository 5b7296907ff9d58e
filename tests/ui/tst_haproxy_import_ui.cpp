#include "ScriptedPrompts.h"
#include "UiTestSupport.h"

#include "document/Document.h"
#include "ui/DocumentController.h"
#include "ui/HaproxyImportController.h"
#include "ui/MainWindow.h"
#include "ui/diagram/DiagramScene.h"

#include <QAction>
#include <QMenu>
#include <QMenuBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Ui;

namespace {

const QByteArray kConfig = "global\n"                                   // 1
                           "    log 127.0.0.1:514 local0\n"             // 2
                           "defaults\n"                                 // 3
                           "    mode http\n"                            // 4
                           "frontend fe_main\n"                         // 5
                           "    bind :8080\n"                           // 6
                           "    acl is_api path_beg /api\n"             // 7
                           "    use_backend be_api if is_api\n"         // 8
                           "    default_backend be_web\n"               // 9
                           "backend be_web\n"                           // 10
                           "    option httpchk GET /health\n"           // 11
                           "    server web-01 10.0.0.11:80 check\n"     // 12
                           "    server web-02 10.0.0.12:80 check backup\n" // 13
                           "backend be_api\n"                           // 14
                           "    server api-01 10.0.0.21:9000 check\n";  // 15

} // namespace

class HaproxyImportUiTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_settingsDir.isValid());
        Test::isolateSettings(m_settingsDir.path());
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_prompts = ScriptedPrompts();
    }

    void cleanup()
    {
        m_window.reset();
        m_dir.reset();
    }

    void importOpensTheDrawingAndReportsWhatItKept()
    {
        MainWindow &window = startWindow();
        QAction *import = importAction(window);
        QVERIFY(fileMenuHas(window, import));
        m_prompts.importPaths = {write("haproxy.cfg", kConfig)};
        QSignalSpy imported(controller(window), &HaproxyImportController::imported);
        import->trigger();
        QVERIFY(imported.wait(10000));

        // A new untitled document with the frontend and its default backend's servers.
        QVERIFY(window.document()->filePath().isEmpty());
        QCOMPARE(window.scene()->nodeItems().size(), 3);
        QVERIFY(window.scene()->nodeItemNamed(QStringLiteral("fe_main")));
        QVERIFY(window.scene()->nodeItemNamed(QStringLiteral("web-02")));
        QVERIFY(!window.scene()->nodeItemNamed(QStringLiteral("api-01")));
        const Node *lb = window.document()->topology().nodeByName(QStringLiteral("fe_main"));
        QCOMPARE(lb->stringProperty(QStringLiteral("haproxy_frontend")),
                 QStringLiteral("acl is_api path_beg /api\nuse_backend be_api if is_api"));

        // The report lists every kept line with its number.
        QCOMPARE(m_prompts.reports.size(), 1);
        const ScriptedPrompts::Report &report = m_prompts.reports.first();
        QCOMPARE(report.title, QStringLiteral("Imported haproxy.cfg"));
        QCOMPARE(report.summary,
                 QStringLiteral("Imported haproxy.cfg: 1 load balancer, 2 servers, 5 lines kept (listed below)"));
        QCOMPARE(report.lines,
                 (QStringList{"line 2: log 127.0.0.1:514 local0 — kept with fe_main (global lines)",
                              "line 7: acl is_api path_beg /api — kept with fe_main (frontend lines)",
                              "line 8: use_backend be_api if is_api — kept with fe_main (frontend lines)",
                              "lines 14–15: backend be_api — kept as a whole section with fe_main, not drawn: only "
                              "use_backend rules reach it, and Loadstar's engine does no content switching"}));
        QVERIFY(m_prompts.errors.isEmpty());

        // One undo stack per document: the import is where this one starts.
        QVERIFY(!window.document()->undoStack()->canUndo());
    }

    void aMalformedFileLeavesTheDocumentAsItWasAndSaysWhichLine()
    {
        MainWindow &window = startWindow();
        Document *before = window.document();
        const int nodes = int(before->topology().nodes().size());
        m_prompts.importPaths = {write("broken.cfg", "listen lb\n    bind :80\n    server web1 10.0.0.1:80 check inter 2x\n")};
        QSignalSpy failed(controller(window), &HaproxyImportController::failed);
        importAction(window)->trigger();
        QVERIFY(failed.wait(10000));

        QCOMPARE(m_prompts.errors.size(), 1);
        QVERIFY2(m_prompts.errors.first().endsWith(QStringLiteral("line 3: “2x” is not a time such as 2s or 500ms")),
                 qPrintable(m_prompts.errors.first()));
        QVERIFY(m_prompts.errors.first().contains(QStringLiteral("the document is unchanged")));
        QVERIFY(m_prompts.reports.isEmpty());
        QCOMPARE(window.document(), before);
        QCOMPARE(window.scene()->nodeItems().size(), nodes);
        QVERIFY(m_prompts.questions.isEmpty()); // nothing to discard: nothing was asked
    }

    void unsavedChangesAreAskedAboutAndCancelKeepsThem()
    {
        MainWindow &window = startWindow();
        Document *before = window.document();
        before->setNodeName(before->topology().nodes().first().id, QStringLiteral("renamed"));
        before->markModified();
        m_prompts.importPaths = {write("haproxy.cfg", kConfig)};
        m_prompts.unsavedAnswers = {UnsavedChoice::Cancel};
        importAction(window)->trigger();
        QTRY_COMPARE(m_prompts.questions.size(), 1);
        QCOMPARE(window.document(), before);
        QVERIFY(window.scene()->nodeItemNamed(QStringLiteral("renamed")));
        QVERIFY(m_prompts.reports.isEmpty());
        QVERIFY(!controller(window)->isBusy());
    }

    void cancellingTheFileDialogDoesNothing()
    {
        MainWindow &window = startWindow();
        Document *before = window.document();
        importAction(window)->trigger();
        QVERIFY(!controller(window)->isBusy());
        QCOMPARE(window.document(), before);
        QVERIFY(m_prompts.errors.isEmpty() && m_prompts.reports.isEmpty());
    }

private:
    MainWindow &startWindow()
    {
        MainWindow::Options options;
        options.prompts = &m_prompts;
        options.document.autosaveDirectory = m_dir->filePath(QStringLiteral("recovery"));
        options.document.autosaveDelayMs = 60000;
        m_window = std::make_unique<MainWindow>(options);
        m_window->show();
        m_window->start(QString());
        [&] {
            QTRY_VERIFY(!m_window->controller()->isBusy());
        }();
        return *m_window;
    }

    QString write(const char *name, const QByteArray &text)
    {
        const QString path = m_dir->filePath(QString::fromLatin1(name));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
            qFatal("cannot write %s", qPrintable(path));
        return path;
    }

    static QAction *importAction(MainWindow &window)
    {
        auto *action = window.findChild<QAction *>(QStringLiteral("actionImportHaproxy"));
        if (!action)
            qFatal("no Import HAProxy Configuration action");
        return action;
    }

    static HaproxyImportController *controller(MainWindow &window)
    {
        return window.findChild<HaproxyImportController *>(QStringLiteral("haproxyImport"));
    }

    static bool fileMenuHas(MainWindow &window, QAction *action)
    {
        const QList<QAction *> menus = window.menuBar()->actions();
        return !menus.isEmpty() && menus.first()->menu() && menus.first()->menu()->actions().contains(action);
    }

    QTemporaryDir m_settingsDir;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MainWindow> m_window;
    ScriptedPrompts m_prompts;
};

QTEST_MAIN(HaproxyImportUiTest)
#include "tst_haproxy_import_ui.moc"
