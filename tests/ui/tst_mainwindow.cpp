#include "ScriptedPrompts.h"

#include "document/Autosaver.h"
#include "document/Commands.h"
#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "document/DocumentFile.h"
#include "history/MetricsHistory.h"
#include "ui/MainWindow.h"
#include "ui/export/ConfigExportController.h"
#include "ui/RecentFiles.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/LinkItem.h"
#include "ui/diagram/NodeItem.h"
#include "ui/panels/DrillDownPanel.h"

#include <QAction>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QLineSeries>
#include <QMenu>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include "UiTestSupport.h"

#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Ui;

class MainWindowTest : public QObject
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
        QSettings().clear();
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_prompts = ScriptedPrompts();
    }

    void cleanup()
    {
        m_window.reset();
        m_dir.reset();
    }

    void opensTheReferenceDesignUntitled()
    {
        MainWindow &window = startWindow();
        QCOMPARE(window.scene()->nodeItems().size(), 6);
        QCOMPARE(window.scene()->linkItems().size(), 8);
        QCOMPARE(window.windowTitle(), QStringLiteral("Untitled[*] — Loadstar"));
        QVERIFY(!window.isWindowModified());
        QTRY_COMPARE(summary(window), QStringLiteral("Untitled · 6 nodes, 8 links"));
        QVERIFY(m_prompts.questions.isEmpty());
        QVERIFY(m_prompts.errors.isEmpty());
    }

    void anEditMarksTheTitleAndUndoClearsIt()
    {
        MainWindow &window = startWindow();
        rename(window, QStringLiteral("web-01"), QStringLiteral("web-east"));
        QVERIFY(window.isWindowModified());
        QVERIFY(window.scene()->nodeItemNamed(QStringLiteral("web-east")));

        action(window, "actionUndo")->trigger();
        QVERIFY(!window.isWindowModified());
        QVERIFY(window.scene()->nodeItemNamed(QStringLiteral("web-01")));
        QVERIFY(action(window, "actionRedo")->isEnabled());
    }

    void saveAsWritesTheDocumentAndRemembersIt()
    {
        MainWindow &window = startWindow();
        rename(window, QStringLiteral("web-01"), QStringLiteral("web-east"));
        const QString path = m_dir->filePath(QStringLiteral("mine.loadstar"));
        m_prompts.savePaths << m_dir->filePath(QStringLiteral("mine")); // suffix added

        action(window, "actionSaveAs")->trigger();
        QTRY_VERIFY(!window.isWindowModified());
        QCOMPARE(window.windowTitle(), QStringLiteral("mine.loadstar[*] — Loadstar"));
        QCOMPARE(window.document()->filePath(), path);
        QString error;
        const auto saved = DocumentFile::read(path, &error);
        QVERIFY2(saved, qPrintable(error));
        QCOMPARE(*saved, window.document()->topology());
        QVERIFY(saved->nodeByName(QStringLiteral("web-east")));

        QCOMPARE(window.controller()->recentFiles()->files(), QStringList{path});
        auto *recent = window.findChild<QMenu *>(QStringLiteral("menuOpenRecent"));
        QVERIFY(recent && recent->isEnabled());
        QVERIFY(recent->actions().first()->text().contains(QStringLiteral("mine.loadstar")));
        QTRY_VERIFY(summary(window).startsWith(QStringLiteral("mine.loadstar · ")));

        // Ctrl+S now saves in place, without asking where.
        rename(window, QStringLiteral("web-02"), QStringLiteral("web-west"));
        action(window, "actionSave")->trigger();
        QTRY_VERIFY(!window.isWindowModified());
        QVERIFY(DocumentFile::read(path, &error)->nodeByName(QStringLiteral("web-west")));
        QVERIFY(m_prompts.errors.isEmpty());
    }

    void saveOfAnUntitledDocumentAsksWhereFirst()
    {
        MainWindow &window = startWindow();
        rename(window, QStringLiteral("lb"), QStringLiteral("edge"));
        action(window, "actionSave")->trigger();
        QVERIFY(window.isWindowModified()); // no path given: nothing written
        m_prompts.savePaths << m_dir->filePath(QStringLiteral("first.json"));
        action(window, "actionSave")->trigger();
        QTRY_VERIFY(!window.isWindowModified());
        QString error;
        QVERIFY(DocumentFile::read(m_dir->filePath(QStringLiteral("first.json")), &error));
    }

    void openShowsTheFilesNodes()
    {
        const QString path = writeDocumentWithNode(QStringLiteral("web-east"));
        MainWindow &window = startWindow();
        m_prompts.openPaths << path;
        action(window, "actionOpen")->trigger();
        QTRY_VERIFY(window.scene()->nodeItemNamed(QStringLiteral("web-east")));
        QCOMPARE(window.scene()->nodeItems().size(), 6);
        QCOMPARE(window.windowTitle(), QStringLiteral("opened.loadstar[*] — Loadstar"));
        QVERIFY(!window.isWindowModified());
        QCOMPARE(window.controller()->recentFiles()->files(), QStringList{path});

        // And again from Open Recent, after starting over.
        action(window, "actionNew")->trigger();
        QVERIFY(window.scene()->nodeItems().isEmpty());
        auto *recent = window.findChild<QMenu *>(QStringLiteral("menuOpenRecent"));
        recent->actions().first()->trigger();
        QTRY_VERIFY(window.scene()->nodeItemNamed(QStringLiteral("web-east")));
    }

    void startingOnAFileOpensIt()
    {
        const QString path = writeDocumentWithNode(QStringLiteral("web-east"));
        MainWindow &window = startWindow(path);
        QTRY_VERIFY(window.scene()->nodeItemNamed(QStringLiteral("web-east")));
        QCOMPARE(window.windowTitle(), QStringLiteral("opened.loadstar[*] — Loadstar"));
    }

    void startingOnAnUnreadableFileShowsWhyAndTheReferenceDesign()
    {
        const QString path = writeCorruptFile();
        MainWindow &window = startWindow(path);
        QTRY_COMPARE(m_prompts.errors.size(), 1);
        QVERIFY2(m_prompts.errors.first().contains(QStringLiteral("broken.loadstar")),
                 qPrintable(m_prompts.errors.first()));
        QTRY_COMPARE(window.scene()->nodeItems().size(), 6);
        QCOMPARE(window.windowTitle(), QStringLiteral("Untitled[*] — Loadstar"));
    }

    void aCorruptFileLeavesTheCurrentDocumentAlone()
    {
        MainWindow &window = startWindow();
        rename(window, QStringLiteral("web-01"), QStringLiteral("web-east"));
        Document *before = window.document();
        m_prompts.unsavedAnswers << UnsavedChoice::Discard;
        m_prompts.openPaths << writeCorruptFile();

        action(window, "actionOpen")->trigger();
        QTRY_COMPARE(m_prompts.errors.size(), 1);
        QVERIFY2(m_prompts.errors.first().contains(QStringLiteral("broken.loadstar")),
                 qPrintable(m_prompts.errors.first()));
        QVERIFY(!window.controller()->isBusy());
        QCOMPARE(window.document(), before);
        QVERIFY(window.isWindowModified());
        QVERIFY(window.scene()->nodeItemNamed(QStringLiteral("web-east")));
        QCOMPARE(window.windowTitle(), QStringLiteral("Untitled[*] — Loadstar"));
        QVERIFY(window.controller()->recentFiles()->files().isEmpty());
    }

    void aMissingRecentFileIsReportedAndRemoved()
    {
        const QString kept = writeDocumentWithNode(QStringLiteral("web-east"));
        const QString gone = m_dir->filePath(QStringLiteral("gone.loadstar"));
        {
            RecentFiles recent;
            recent.add(kept);
            recent.add(gone);
        }
        MainWindow &window = startWindow();
        auto *menu = window.findChild<QMenu *>(QStringLiteral("menuOpenRecent"));
        QVERIFY(menu->actions().first()->text().contains(QStringLiteral("gone.loadstar")));
        menu->actions().first()->trigger();
        QTRY_COMPARE(m_prompts.errors.size(), 1);
        QVERIFY2(m_prompts.errors.first().contains(QStringLiteral("no longer exists")),
                 qPrintable(m_prompts.errors.first()));
        QCOMPARE(window.controller()->recentFiles()->files(), QStringList{kept});
        QVERIFY(menu->actions().first()->text().contains(QStringLiteral("opened.loadstar")));
        QCOMPARE(window.windowTitle(), QStringLiteral("Untitled[*] — Loadstar"));
    }

    void recentFilesKeepTheLastEight()
    {
        RecentFiles recent;
        for (int i = 0; i < 10; ++i)
            recent.add(m_dir->filePath(QStringLiteral("doc-%1.loadstar").arg(i)));
        recent.add(m_dir->filePath(QStringLiteral("doc-5.loadstar"))); // to the top, once
        RecentFiles again; // another window, or the next start
        QCOMPARE(again.files().size(), 8);
        QCOMPARE(again.files().first(), m_dir->filePath(QStringLiteral("doc-5.loadstar")));
        QCOMPARE(again.files().count(m_dir->filePath(QStringLiteral("doc-5.loadstar"))), 1);
        QVERIFY(!again.files().contains(m_dir->filePath(QStringLiteral("doc-0.loadstar"))));
    }

    void closingAModifiedDocumentAsksFirst()
    {
        MainWindow &window = startWindow();
        rename(window, QStringLiteral("web-01"), QStringLiteral("web-east"));

        m_prompts.unsavedAnswers << UnsavedChoice::Cancel;
        QVERIFY(!window.close());
        QCOMPARE(m_prompts.questions.size(), 1);
        QCOMPARE(m_prompts.questions.first(),
                 QStringLiteral("Save changes to “Untitled” before closing?"));
        QVERIFY(window.isVisible());
        QVERIFY(window.isWindowModified());

        m_prompts.unsavedAnswers << UnsavedChoice::Discard;
        window.close();
        QTRY_VERIFY(!window.isVisible());
        QCOMPARE(m_prompts.questions.size(), 2);
    }

    void closingAnUnmodifiedDocumentDoesNotAsk()
    {
        MainWindow &window = startWindow();
        QVERIFY(window.close());
        QVERIFY(m_prompts.questions.isEmpty());
    }

    void choosingSaveWhenClosingSavesThenCloses()
    {
        MainWindow &window = startWindow();
        rename(window, QStringLiteral("web-01"), QStringLiteral("web-east"));
        const QString path = m_dir->filePath(QStringLiteral("on-close.loadstar"));
        m_prompts.unsavedAnswers << UnsavedChoice::Save;
        m_prompts.savePaths << path;
        window.close();
        QTRY_VERIFY(!window.isVisible());
        QString error;
        const auto saved = DocumentFile::read(path, &error);
        QVERIFY2(saved, qPrintable(error));
        QVERIFY(saved->nodeByName(QStringLiteral("web-east")));
    }

    void newAsksAboutChangesThenShowsAnEmptyCanvas()
    {
        MainWindow &window = startWindow();
        rename(window, QStringLiteral("web-01"), QStringLiteral("web-east"));
        m_prompts.unsavedAnswers << UnsavedChoice::Discard;
        action(window, "actionNew")->trigger();
        QCOMPARE(m_prompts.questions.size(), 1);
        QVERIFY(window.scene()->nodeItems().isEmpty());
        QCOMPARE(window.document()->topology().nodes().size(), 0);
        QVERIFY(!window.isWindowModified());
        QCOMPARE(window.windowTitle(), QStringLiteral("Untitled[*] — Loadstar"));
    }

    void offersToRecoverAfterACrash()
    {
        const QString original = m_dir->filePath(QStringLiteral("reference.loadstar"));
        const QString leftOver = leaveRecoveryCopy(original);

        m_prompts.recoverAnswers << true;
        MainWindow &window = startWindow();
        QTRY_VERIFY(window.scene()->nodeItemNamed(QStringLiteral("web-east")));
        QCOMPARE(m_prompts.questions.size(), 1);
        QVERIFY2(m_prompts.questions.first().startsWith(
                     QStringLiteral("Loadstar closed unexpectedly. Recover unsaved changes to "
                                    "“reference.loadstar” from ")),
                 qPrintable(m_prompts.questions.first()));
        // Recovered, not saved: modified, and Save goes to the original file.
        QVERIFY(window.isWindowModified());
        QCOMPARE(window.windowTitle(), QStringLiteral("reference.loadstar[*] — Loadstar"));
        QCOMPARE(window.document()->filePath(), original);
        QVERIFY(!QFile::exists(leftOver));
    }

    void discardingARecoveryDeletesIt()
    {
        const QString leftOver
            = leaveRecoveryCopy(m_dir->filePath(QStringLiteral("reference.loadstar")));
        m_prompts.recoverAnswers << false;
        MainWindow &window = startWindow();
        QTRY_COMPARE(m_prompts.questions.size(), 1);
        QTRY_VERIFY(!QFile::exists(leftOver));
        QVERIFY(window.scene()->nodeItemNamed(QStringLiteral("web-01")));
        QVERIFY(!window.isWindowModified());
    }

    void windowGeometryIsRemembered()
    {
        {
            MainWindow &window = startWindow();
            window.resize(700, 500);
            QVERIFY(window.close());
            m_window.reset();
        }
        MainWindow &window = startWindow();
        QCOMPARE(window.size(), QSize(700, 500));
    }

    void figuresFollowTheSelection()
    {
        MainWindow &window = startWindow();
        auto *dock = window.findChild<QDockWidget *>(QStringLiteral("figuresDock"));
        QVERIFY(dock);
        QCOMPARE(dock->windowTitle(), QStringLiteral("Figures"));
        QCOMPARE(window.tabifiedDockWidgets(dock).size(), 1); // beside the properties
        DrillDownPanel *figures = window.drillDownPanel();
        QCOMPARE(figures->placeholderText(), QStringLiteral("Select a server and press Run to see its figures."));

        NodeItem *web = window.scene()->nodeItemNamed(QStringLiteral("web-01"));
        QVERIFY(web);
        window.scene()->selectNodes({web->nodeId()});
        QCOMPARE(figures->node(), QStringLiteral("web-01"));
        NodeMetrics sample;
        sample.time = QDateTime::currentDateTimeUtc();
        sample.node = QStringLiteral("web-01");
        sample.requestsPerSecond = 12;
        figures->addSample(sample);
        // The sample shows once the history on disk has answered (its own
        // thread, slower on a loaded machine).
        QTRY_COMPARE_WITH_TIMEOUT(figures->series(DrillDownPanel::Figure::RequestsPerSecond)->count(), 1, 30000);

        window.scene()->clearSelection();
        QCOMPARE(figures->node(), QString());
    }

    void historyIsExportedAsCsv()
    {
        MainWindow &window = startWindow();
        // Recorded after the file is opened: the history does things in turn.
        NodeMetrics sample;
        sample.time = QDateTime::currentDateTimeUtc().addSecs(-5);
        sample.node = QStringLiteral("web-01");
        sample.requestsPerSecond = 12;
        window.metricsHistory()->record({sample});

        const QString path = m_dir->filePath(QStringLiteral("figures.csv"));
        m_prompts.exportPaths << path;
        action(window, "actionExportFigures")->trigger();
        QTRY_VERIFY(window.statusBar()->currentMessage().startsWith(QStringLiteral("1 row written to")));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QVERIFY(lines.at(0).startsWith("time_utc,node,requests_per_s,"));
        QVERIFY(lines.at(1).contains(",web-01,12,"));

        // A folder that does not exist: the user is told, the window goes on.
        m_prompts.exportPaths << m_dir->filePath(QStringLiteral("no/such/folder/events.csv"));
        action(window, "actionExportEvents")->trigger();
        QTRY_COMPARE(m_prompts.errors.size(), 1);
        QVERIFY2(m_prompts.errors.first().startsWith(QStringLiteral("Cannot write ")), qPrintable(m_prompts.errors.first()));
    }

    void configurationIsExportedFromTheFileMenu()
    {
        MainWindow &window = startWindow();
        auto *menu = window.findChild<QMenu *>(QStringLiteral("menuExportConfiguration"));
        QVERIFY(menu);
        QCOMPARE(menu->title(), QStringLiteral("Export &Configuration"));
        QStringList names;
        for (const QAction *entry : menu->actions())
            names.append(entry->text());
        QCOMPARE(names, (QStringList{QStringLiteral("HAProxy…"), QStringLiteral("keepalived…"), QStringLiteral("nginx…"),
                                     QStringLiteral("MariaDB / PostgreSQL…")}));
        QCOMPARE(action(window, "actionExport_haproxy")->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));

        const QString path = m_dir->filePath(QStringLiteral("haproxy.cfg"));
        m_prompts.exportPaths << path;
        action(window, "actionExport_haproxy")->trigger();
        QTRY_VERIFY(window.statusBar()->currentMessage().startsWith(QStringLiteral("Exported %1 (HAProxy, 3 frontends, 3 backends")
                                                                       .arg(QDir::toNativeSeparators(path))));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray config = file.readAll();
        QVERIFY(config.contains("\nfrontend lb\n    bind 127.0.0.1:8080\n"));
        QVERIFY(config.contains("    server web-02 127.0.0.1:8082 check backup"));
        // What the drawing does not show is said: the database listeners.
        QCOMPARE(m_prompts.reports.size(), 1);
        QCOMPARE(m_prompts.reports.first().summary, QStringLiteral("haproxy.cfg is written. Please note:"));
        QVERIFY2(m_prompts.reports.first().lines.first().contains(QStringLiteral("db-primary-write on 127.0.0.1:13306")),
                 qPrintable(m_prompts.reports.first().lines.join(QLatin1Char('\n'))));
        const QString haproxy = QStandardPaths::findExecutable(QStringLiteral("haproxy"), {QStringLiteral("/usr/sbin")});
        if (!haproxy.isEmpty()) {
            QProcess check;
            check.start(haproxy, {QStringLiteral("-c"), QStringLiteral("-f"), path});
            QVERIFY(check.waitForFinished(30000));
            QCOMPARE(check.exitCode(), 0);
        }

        // The reference design has no pair of load balancers: keepalived
        // has nothing to do, the user is told so and nothing is written.
        const QString keepalived = m_dir->filePath(QStringLiteral("keepalived.conf"));
        m_prompts.exportPaths << keepalived;
        action(window, "actionExport_keepalived")->trigger();
        QTRY_COMPARE(m_prompts.errors.size(), 1);
        QVERIFY2(m_prompts.errors.first().startsWith(QStringLiteral("No load balancers share a virtual address")),
                 qPrintable(m_prompts.errors.first()));
        QVERIFY(!QFile::exists(keepalived));
        // Cancelling the file dialog writes nothing and says nothing.
        action(window, "actionExport_nginx")->trigger();
        QCOMPARE(m_prompts.errors.size(), 1);
        QVERIFY(!window.configExportController()->isBusy());

        // The databases go into a folder, made when it is not there yet: a
        // file set per server, and the placeholder password said.
        const QString databases = m_dir->filePath(QStringLiteral("databases"));
        m_prompts.exportFolders << databases;
        action(window, "actionExport_databases")->trigger();
        QTRY_VERIFY(window.statusBar()->currentMessage().startsWith(
            QStringLiteral("Exported %1 (MariaDB / PostgreSQL, 2 servers in 1 cluster, 5 files)")
                .arg(QDir::toNativeSeparators(databases))));
        QCOMPARE(QDir(databases).entryList(QDir::Files, QDir::Name),
                 (QStringList{"README-databases.md", "db-primary.cnf", "db-primary.sql", "db-replica.cnf", "db-replica.sql"}));
        QCOMPARE(m_prompts.reports.size(), 2);
        QCOMPARE(m_prompts.reports.last().summary, QStringLiteral("The files in databases are written. Please note:"));
        QVERIFY(m_prompts.reports.last().lines.last().startsWith(
            QStringLiteral("The replication password is a placeholder, CHANGE-ME-replication-password")));
        // A folder where a file is: one sentence, nothing written.
        m_prompts.exportFolders << path;
        action(window, "actionExport_databases")->trigger();
        QTRY_COMPARE(m_prompts.errors.size(), 2);
        QCOMPARE(m_prompts.errors.last(),
                 QStringLiteral("“%1” is a file, not a folder: choose a folder for the files").arg(QDir::toNativeSeparators(path)));
    }

    void historyRetentionIsAskedAndRemembered()
    {
        MainWindow &window = startWindow();
        m_prompts.integerAnswers << 7;
        action(window, "actionHistoryRetention")->trigger();
        QCOMPARE(m_prompts.integerQuestions.size(), 1);
        QCOMPARE(m_prompts.integerQuestions.first().value, 30);
        QCOMPARE(window.metricsHistory()->retentionDays(), 7);
        m_window.reset();

        // The next window keeps 7 days too.
        MainWindow &next = startWindow();
        m_prompts.integerAnswers << std::nullopt;
        action(next, "actionHistoryRetention")->trigger();
        QCOMPARE(m_prompts.integerQuestions.last().value, 7);
        QCOMPARE(next.metricsHistory()->retentionDays(), 7);
    }

    void explainsWhenThereIsNoDisplay()
    {
        QProcess process;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
            environment.remove(QString::fromLatin1(name));
        process.setProcessEnvironment(environment);
        process.start(QStringLiteral(LOADSTAR_BINARY), {});
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 1);
        QCOMPARE(QString::fromUtf8(process.readAllStandardError()).trimmed(),
                 QStringLiteral("loadstar: no display to open a window on (DISPLAY is not set). "
                                "Headless verbs such as 'loadstar validate FILE' need none; see "
                                "'loadstar --help'."));
    }

private:
    MainWindow &startWindow(const QString &file = QString())
    {
        MainWindow::Options options;
        options.prompts = &m_prompts;
        options.document.autosaveDirectory = m_dir->filePath(QStringLiteral("recovery"));
        options.document.autosaveDelayMs = 60000;
        options.eventHistoryPath = m_dir->filePath(QStringLiteral("history.sqlite"));
        m_window = std::make_unique<MainWindow>(options);
        m_window->show();
        m_window->start(file);
        // The start-up scan for recovery copies runs in the background.
        [&] {
            QTRY_VERIFY(!m_window->controller()->isBusy());
        }();
        return *m_window;
    }

    static QAction *action(MainWindow &window, const char *name)
    {
        auto *found = window.findChild<QAction *>(QLatin1String(name));
        if (!found)
            qFatal("no action %s", name);
        return found;
    }

    static QString summary(MainWindow &window)
    {
        return window.findChild<QLabel *>(QStringLiteral("documentSummary"))->text();
    }

    static void rename(MainWindow &window, const QString &from, const QString &to)
    {
        Document *document = window.document();
        const Node *node = document->topology().nodeByName(from);
        QVERIFY(node);
        document->undoStack()->push(new RenameNodeCommand(document, node->id, to));
    }

    QString writeDocumentWithNode(const QString &webName)
    {
        Topology topology = referenceDocument();
        topology.node(topology.nodeByName(QStringLiteral("web-01"))->id)->name = webName;
        const QString path = m_dir->filePath(QStringLiteral("opened.loadstar"));
        QString error;
        if (!DocumentFile::write(topology, path, &error))
            qFatal("%s", qPrintable(error));
        return path;
    }

    QString writeCorruptFile()
    {
        const QString path = m_dir->filePath(QStringLiteral("broken.loadstar"));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(path));
        file.write("this is not a Loadstar document\n");
        return path;
    }

    // What a session that died leaves behind: a recovery copy whose lock has
    // no owner. Made with a real Autosaver, then copied aside as its own
    // session ends (which removes the original copy).
    QString leaveRecoveryCopy(const QString &originalPath)
    {
        const QString directory = m_dir->filePath(QStringLiteral("recovery"));
        const QString leftOver = directory + QStringLiteral("/crashed.loadstar");
        Document document(referenceDocument(), originalPath);
        Autosaver autosaver(&document, directory, 0);
        QSignalSpy saved(&autosaver, &Autosaver::saved);
        const NodeId web = document.topology().nodeByName(QStringLiteral("web-01"))->id;
        document.undoStack()->push(
            new RenameNodeCommand(&document, web, QStringLiteral("web-east")));
        [&] {
            QTRY_COMPARE(saved.size(), 1);
        }();
        if (!QFile::copy(autosaver.recoveryPath(), leftOver))
            qFatal("cannot copy the recovery file");
        return leftOver;
    }

    QTemporaryDir m_settingsDir;
    std::unique_ptr<QTemporaryDir> m_dir;
    ScriptedPrompts m_prompts;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(MainWindowTest)
#include "tst_mainwindow.moc"
