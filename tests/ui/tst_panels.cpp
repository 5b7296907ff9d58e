#include "ScriptedPrompts.h"

#include "document/Commands.h"
#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "engine/tls/TlsIdentity.h"
#include "model/Validator.h"
#include "ui/MainWindow.h"
#include "ui/panels/PalettePanel.h"
#include "ui/panels/PropertiesPanel.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMimeData>
#include <QPushButton>
#include <QSslCertificate>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUndoView>
#include "UiTestSupport.h"

#include <QPlainTextEdit>
#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Ui;

// The Palette and Properties panels and the History dock, driven with real
// widgets as a user would: typing, clicking, undoing.
class PanelsTest : public QObject
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
        m_document = std::make_unique<Document>(referenceDocument(), QString());
        m_panel = std::make_unique<PropertiesPanel>();
        m_panel->resize(340, 900);
        m_panel->setDocument(m_document.get());
        m_panel->show();
        QVERIFY(QTest::qWaitForWindowActive(m_panel.get()));
    }

    void cleanup()
    {
        m_window.reset();
        m_panel.reset();
        m_document.reset();
    }

    // Palette ---------------------------------------------------------------

    void paletteSearchFiltersByNameAndSynonym_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QList<NodeKind>>("expected");
        QTest::newRow("db") << "db" << QList<NodeKind>{NodeKind::Database};
        QTest::newRow("haproxy") << "haproxy" << QList<NodeKind>{NodeKind::LoadBalancer};
        QTest::newRow("lb") << "lb" << QList<NodeKind>{NodeKind::LoadBalancer};
        QTest::newRow("postgres") << "postgres" << QList<NodeKind>{NodeKind::Database};
        QTest::newRow("mysql") << "MySQL" << QList<NodeKind>{NodeKind::Database};
        QTest::newRow("nginx") << "nginx"
                               << QList<NodeKind>{NodeKind::LoadBalancer, NodeKind::WebServer};
        QTest::newRow("name") << "web serv" << QList<NodeKind>{NodeKind::WebServer};
        QTest::newRow("nothing") << "zzz" << QList<NodeKind>{};
    }

    void paletteSearchFiltersByNameAndSynonym()
    {
        QFETCH(QString, query);
        QFETCH(QList<NodeKind>, expected);
        PalettePanel palette;
        palette.show();
        QCOMPARE(palette.visibleKinds(), allNodeKinds());
        QTest::keyClicks(palette.searchField(), query);
        QCOMPARE(palette.visibleKinds(), expected);
        // Clearing the search brings every kind back.
        palette.searchField()->clear();
        QCOMPARE(palette.visibleKinds(), allNodeKinds());
    }

    void paletteEntriesShowEveryKindWithItsIcon()
    {
        PalettePanel palette;
        QCOMPARE(palette.list()->count(), allNodeKinds().size());
        QCOMPARE(palette.list()->item(1)->text(), QStringLiteral("Load balancer"));
        for (int row = 0; row < palette.list()->count(); ++row)
            QVERIFY2(!palette.list()->item(row)->icon().isNull(),
                     qPrintable(palette.list()->item(row)->text()));
    }

    void paletteDragCarriesTheKindId()
    {
        PalettePanel palette;
        QListWidget *list = palette.list();
        const QModelIndex index = list->model()->index(1, 0); // Load balancer
        std::unique_ptr<QMimeData> data(list->model()->mimeData({index}));
        QVERIFY(data);
        QVERIFY(data->hasFormat(QStringLiteral("application/x-loadstar-node-kind")));
        QCOMPARE(data->data(QStringLiteral("application/x-loadstar-node-kind")),
                 QByteArray("load-balancer"));
        QCOMPARE(list->model()->mimeTypes(),
                 QStringList{QStringLiteral("application/x-loadstar-node-kind")});
        QVERIFY(list->dragEnabled());
    }

    void paletteDoubleClickAndEnterRequestTheKind()
    {
        PalettePanel palette;
        palette.resize(200, 400);
        palette.show();
        QVERIFY(QTest::qWaitForWindowExposed(&palette));
        QSignalSpy added(&palette, &PalettePanel::addRequested);

        QListWidget *list = palette.list();
        const QRect rect = list->visualItemRect(list->item(4)); // Database
        // A real double-click: press and release, then the double-click event.
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(added.size(), 0);
        QTest::mouseDClick(list->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(added.size(), 1);
        QCOMPARE(added.takeFirst().at(0).value<NodeKind>(), NodeKind::Database);

        // Search, then Enter: the first match is added without the mouse.
        QTest::keyClicks(palette.searchField(), QStringLiteral("haproxy"));
        QTest::keyClick(palette.searchField(), Qt::Key_Return);
        QCOMPARE(added.size(), 1);
        QCOMPARE(added.takeFirst().at(0).value<NodeKind>(), NodeKind::LoadBalancer);

        // Down from the search field walks the list.
        palette.searchField()->clear();
        // Enter on the list itself adds its current entry.
        list->setCurrentRow(2);
        QTest::keyClick(list, Qt::Key_Return);
        QCOMPARE(added.size(), 1);
        QCOMPARE(added.takeFirst().at(0).value<NodeKind>(), NodeKind::WebServer);

        list->setCurrentRow(0);
        QTest::keyClick(palette.searchField(), Qt::Key_Down);
        QTest::keyClick(palette.searchField(), Qt::Key_Enter);
        QCOMPARE(added.size(), 1);
        QCOMPARE(added.takeFirst().at(0).value<NodeKind>(), NodeKind::LoadBalancer);
    }

    // Properties ------------------------------------------------------------

    void showsTheSelectedNodesValues()
    {
        select({"web-01"});
        QCOMPARE(lineEdit("name")->text(), QStringLiteral("web-01"));
        QCOMPARE(spinBox("port")->value(), 8081);
        QCOMPARE(spinBox("port")->text(), QStringLiteral("8081"));
        QCOMPARE(checkBox("backup")->checkState(), Qt::Unchecked);
        QCOMPARE(checkBox("embedded")->checkState(), Qt::Checked);
        QCOMPARE(spinBox("inter")->value(), 2000);
        QCOMPARE(spinBox("weight")->value(), 1);
        QCOMPARE(comboBox("check")->currentText(), QStringLiteral("http"));
        QCOMPARE(lineEdit("address")->text(), QStringLiteral("127.0.0.1"));
        QCOMPARE(lineEdit("check_status")->text(), QStringLiteral("200-399"));
        QCOMPARE(m_panel->editor("port")->toolTip(),
                 QStringLiteral("TCP port the server listens on"));

        select({"web-02"});
        QCOMPARE(spinBox("port")->value(), 8082);
        QCOMPARE(checkBox("backup")->checkState(), Qt::Checked);
    }

    void showsEveryPropertyOfTheKind_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("client") << "client";
        QTest::newRow("load balancer") << "lb";
        QTest::newRow("web server") << "web-01";
        QTest::newRow("database") << "db-replica";
    }

    void showsEveryPropertyOfTheKind()
    {
        QFETCH(QString, name);
        select({name});
        const Node *node = m_document->topology().nodeByName(name);
        for (const PropertySpec &spec : PropertySchema::forKind(node->kind)) {
            QWidget *editor = m_panel->editor(spec.key);
            QVERIFY2(editor, qPrintable(spec.key));
            switch (spec.type) {
            case PropertyType::Integer:
            case PropertyType::Port:
            case PropertyType::Duration:
                QVERIFY2(qobject_cast<QSpinBox *>(editor), qPrintable(spec.key));
                break;
            case PropertyType::Boolean:
                QVERIFY2(qobject_cast<QCheckBox *>(editor), qPrintable(spec.key));
                break;
            case PropertyType::Choice:
                QVERIFY2(qobject_cast<QComboBox *>(editor), qPrintable(spec.key));
                break;
            case PropertyType::Lines:
                QVERIFY2(qobject_cast<QPlainTextEdit *>(editor), qPrintable(spec.key));
                break;
            default:
                QVERIFY2(qobject_cast<QLineEdit *>(editor), qPrintable(spec.key));
                break;
            }
        }
    }

    // Kept haproxy.cfg lines are edited as lines, in a fixed-width font, and
    // what is typed lands as one undo step when the field is left.
    void keptLinesAreEditedAsLinesInOneStep()
    {
        select({"lb"});
        auto *lines = qobject_cast<QPlainTextEdit *>(m_panel->editor("haproxy_frontend"));
        QVERIFY(lines);
        QVERIFY(lines->font().fixedPitch() || QFontInfo(lines->font()).fixedPitch());
        QCOMPARE(lines->placeholderText(), QStringLiteral("none"));
        const int steps = stack()->count();
        lines->setFocus();
        QTest::keyClicks(lines, QStringLiteral("acl api path_beg /api"));
        QTest::keyClick(lines, Qt::Key_Return);
        QTest::keyClicks(lines, QStringLiteral("use_backend api if api"));
        // Typing alone changes nothing yet.
        QCOMPARE(stack()->count(), steps);
        m_panel->editor("port")->setFocus();
        QTRY_COMPARE(stack()->count(), steps + 1);
        const Node *lb = m_document->topology().nodeByName(QStringLiteral("lb"));
        QCOMPARE(lb->stringProperty("haproxy_frontend"), QStringLiteral("acl api path_beg /api\nuse_backend api if api"));

        // Ctrl+Enter ends an edit too.
        lines->setFocus();
        lines->selectAll();
        QTest::keyClicks(lines, QStringLiteral("option forwardfor"));
        QTest::keyClick(lines, Qt::Key_Return, Qt::ControlModifier);
        QCOMPARE(stack()->count(), steps + 2);
        QCOMPARE(m_document->topology().nodeByName(QStringLiteral("lb"))->stringProperty("haproxy_frontend"),
                 QStringLiteral("option forwardfor"));
        stack()->undo();
        QCOMPARE(m_document->topology().nodeByName(QStringLiteral("lb"))->stringProperty("haproxy_frontend"),
                 QStringLiteral("acl api path_beg /api\nuse_backend api if api"));
        QTRY_COMPARE(lines->toPlainText(), QStringLiteral("acl api path_beg /api\nuse_backend api if api"));
    }

    void invalidInputShowsTheReasonAndCommitsNothing()
    {
        select({"web-01"});
        const int steps = stack()->count();
        QSpinBox *port = spinBox("port");
        port->setFocus();
        port->selectAll();
        QTest::keyClicks(port, QStringLiteral("70000"));
        QCOMPARE(m_panel->message("port"), QStringLiteral("70000 is out of range (1–65535)"));
        QCOMPARE(port->text(), QStringLiteral("70000"));

        port->selectAll();
        QTest::keyClicks(port, QStringLiteral("80a"));
        QCOMPARE(m_panel->message("port"), QStringLiteral("“80a” is not a whole number"));

        // Enter does not commit it: the document keeps 8081 and says so.
        QTest::keyClick(port, Qt::Key_Return);
        QCOMPARE(stack()->count(), steps);
        QCOMPARE(node("web-01")->intProperty(QStringLiteral("port")), 8081);
        QCOMPARE(port->text(), QStringLiteral("8081"));
        QCOMPARE(m_panel->message("port"),
                 QStringLiteral("“80a” is not a whole number — kept 8081"));

        QLineEdit *path = lineEdit("check_path");
        path->selectAll();
        QTest::keyClicks(path, QStringLiteral("health"));
        QCOMPARE(m_panel->message("check_path"),
                 QStringLiteral("“health” is not a request path; it starts with “/” and has no "
                                "spaces"));
        QTest::keyClick(path, Qt::Key_Return);
        QCOMPARE(stack()->count(), steps);
        QCOMPARE(node("web-01")->stringProperty(QStringLiteral("check_path")), QStringLiteral("/"));
    }

    void escapeGivesUpWhatIsBeingTyped()
    {
        select({"web-01"});
        const int steps = stack()->count();
        QSpinBox *port = spinBox("port");
        port->setFocus();
        QTRY_VERIFY(port->hasFocus());
        port->selectAll();
        QTest::keyClicks(port, QStringLiteral("0x"));
        QVERIFY(!m_panel->message("port").isEmpty());
        QTest::keyClick(port, Qt::Key_Escape);
        QCOMPARE(port->text(), QStringLiteral("8081"));
        QVERIFY(m_panel->message("port").isEmpty());

        QLineEdit *name = lineEdit("name");
        name->setFocus();
        QTRY_VERIFY(name->hasFocus());
        name->selectAll();
        QTest::keyClicks(name, QStringLiteral("web-99"));
        QTest::keyClick(name, Qt::Key_Escape);
        QCOMPARE(name->text(), QStringLiteral("web-01"));
        QTest::keyClick(name, Qt::Key_Tab);
        QCOMPARE(stack()->count(), steps);
    }

    void aValidEditIsOneUndoStepAndUndoShowsTheOldValue()
    {
        select({"web-01"});
        const int steps = stack()->count();
        QSpinBox *port = spinBox("port");
        port->selectAll();
        QTest::keyClicks(port, QStringLiteral("9000"));
        QVERIFY(m_panel->message("port").isEmpty());
        // Typing alone changes nothing yet.
        QCOMPARE(stack()->count(), steps);
        QTest::keyClick(port, Qt::Key_Return);
        QCOMPARE(stack()->count(), steps + 1);
        QCOMPARE(stack()->text(stack()->count() - 1), QStringLiteral("Set Port of web-01"));
        QCOMPARE(node("web-01")->intProperty(QStringLiteral("port")), 9000);

        stack()->undo();
        QCOMPARE(node("web-01")->intProperty(QStringLiteral("port")), 8081);
        QTRY_COMPARE(port->text(), QStringLiteral("8081"));
        stack()->redo();
        QTRY_COMPARE(port->text(), QStringLiteral("9000"));

        // A check box and a choice commit on the click.
        checkBox("backup")->click();
        QCOMPARE(stack()->count(), steps + 2);
        QVERIFY(node("web-01")->boolProperty(QStringLiteral("backup")));
        QComboBox *check = comboBox("check");
        QTest::keyClick(check, Qt::Key_Up); // http → tcp, as a user picks it
        QCOMPARE(stack()->count(), steps + 3);
        QCOMPARE(node("web-01")->stringProperty(QStringLiteral("check")), QStringLiteral("tcp"));
        stack()->undo();
        QTRY_COMPARE(check->currentText(), QStringLiteral("http"));
    }

    void typingThenTabbingAwayIsOneStep()
    {
        select({"web-01"});
        const int steps = stack()->count();
        QSpinBox *inter = spinBox("inter");
        inter->setFocus();
        QTRY_VERIFY(inter->hasFocus());
        inter->selectAll();
        QTest::keyClicks(inter, QStringLiteral("3500"));
        QTest::keyClick(inter, Qt::Key_Tab);
        QTRY_VERIFY(!inter->hasFocus());
        QCOMPARE(stack()->count(), steps + 1);
        QCOMPARE(node("web-01")->intProperty(QStringLiteral("inter")), 3500);

        QLineEdit *address = lineEdit("address");
        address->setFocus();
        QTRY_VERIFY(address->hasFocus());
        address->selectAll();
        QTest::keyClicks(address, QStringLiteral("10.0.0.7"));
        QTest::keyClick(address, Qt::Key_Tab);
        QCOMPARE(stack()->count(), steps + 2);
        QCOMPARE(node("web-01")->stringProperty(QStringLiteral("address")),
                 QStringLiteral("10.0.0.7"));
    }

    void aDocumentChangeWhileTypingKeepsTheTypedText()
    {
        select({"web-01"});
        QSpinBox *port = spinBox("port");
        port->setFocus();
        QTRY_VERIFY(port->hasFocus());
        port->selectAll();
        QTest::keyClicks(port, QStringLiteral("90"));
        // Someone else changes another property of the node meanwhile.
        stack()->push(
            new SetPropertyCommand(m_document.get(), {id("web-01")}, QStringLiteral("weight"), 7));
        QTRY_COMPARE(spinBox("weight")->value(), 7);
        QVERIFY(port->hasFocus());
        QCOMPARE(port->text(), QStringLiteral("90"));
        QTest::keyClicks(port, QStringLiteral("01"));
        QTest::keyClick(port, Qt::Key_Return);
        QCOMPARE(node("web-01")->intProperty(QStringLiteral("port")), 9001);
    }

    void emptyFieldsSayWhatEmptyMeans()
    {
        select({"web-01"});
        auto *host = qobject_cast<QLineEdit *>(m_panel->editor("check_host"));
        auto *body = qobject_cast<QLineEdit *>(m_panel->editor("check_body"));
        QVERIFY(host && body);
        QCOMPARE(host->text(), QString());
        QCOMPARE(host->placeholderText(), QStringLiteral("the server's address"));
        QCOMPARE(body->placeholderText(), QStringLiteral("any body"));
        // Typed and confirmed, it is an undoable edit of the node.
        host->setFocus();
        QTest::keyClicks(host, QStringLiteral("www.example.org"));
        QTest::keyClick(host, Qt::Key_Return);
        QCOMPARE(node("web-01")->stringProperty(QStringLiteral("check_host")), QStringLiteral("www.example.org"));
        stack()->undo();
        QCOMPARE(node("web-01")->stringProperty(QStringLiteral("check_host")), QString());
    }

    void multiSelectionShowsMixedAndEditsAllInOneStep()
    {
        select({"web-01", "web-02"});
        QVERIFY(!m_panel->editor("name")); // names are unique: no shared name to edit
        QSpinBox *port = spinBox("port");
        QCOMPARE(port->text(), QString());
        QCOMPARE(port->findChild<QLineEdit *>()->placeholderText(), QStringLiteral("(mixed)"));
        QCOMPARE(checkBox("backup")->checkState(), Qt::PartiallyChecked);
        QCOMPARE(spinBox("weight")->text(), QStringLiteral("1"));
        QCOMPARE(comboBox("check")->currentText(), QStringLiteral("http"));

        const int steps = stack()->count();
        QSpinBox *weight = spinBox("weight");
        weight->selectAll();
        QTest::keyClicks(weight, QStringLiteral("5"));
        QTest::keyClick(weight, Qt::Key_Return);
        QCOMPARE(stack()->count(), steps + 1);
        QCOMPARE(node("web-01")->intProperty(QStringLiteral("weight")), 5);
        QCOMPARE(node("web-02")->intProperty(QStringLiteral("weight")), 5);
        stack()->undo();
        QCOMPARE(node("web-01")->intProperty(QStringLiteral("weight")), 1);
        QCOMPARE(node("web-02")->intProperty(QStringLiteral("weight")), 1);

        // Typing into a mixed field sets every node.
        QTest::keyClicks(port, QStringLiteral("8085"));
        QTest::keyClick(port, Qt::Key_Return);
        QCOMPARE(stack()->count(), steps + 1);
        QCOMPARE(node("web-01")->intProperty(QStringLiteral("port")), 8085);
        QCOMPARE(node("web-02")->intProperty(QStringLiteral("port")), 8085);
        QTRY_COMPARE(port->text(), QStringLiteral("8085"));
        stack()->undo();
        QTRY_COMPARE(port->text(), QString());

        // Clicking a mixed check box decides for all.
        checkBox("backup")->click();
        QCOMPARE(stack()->count(), steps + 1);
        QVERIFY(node("web-01")->boolProperty(QStringLiteral("backup")));
        QVERIFY(node("web-02")->boolProperty(QStringLiteral("backup")));
    }

    void mixedKindsShowOnlySharedProperties()
    {
        select({"web-01", "db-primary"});
        QVERIFY(m_panel->editor("port"));
        QVERIFY(m_panel->editor("weight"));
        QVERIFY(m_panel->editor("inter"));
        QVERIFY(!m_panel->editor("check"));      // different check types
        QVERIFY(!m_panel->editor("check_path")); // web servers only
        QVERIFY(!m_panel->editor("role"));       // databases only
        QCOMPARE(spinBox("port")->text(), QString());

        select({"client", "lb"});
        QVERIFY(!m_panel->editor("port"));
        QVERIFY(!m_panel->editor("rate"));
    }

    void renamingRefusesTakenAndBadNames()
    {
        select({"web-01"});
        const int steps = stack()->count();
        QLineEdit *name = lineEdit("name");
        name->selectAll();
        QTest::keyClicks(name, QStringLiteral("web-02"));
        QCOMPARE(m_panel->message("name"),
                 QStringLiteral("“web-02” is already the name of another node: choose a unique "
                                "name"));
        QTest::keyClick(name, Qt::Key_Return);
        QCOMPARE(stack()->count(), steps);
        QVERIFY(node("web-01"));
        QCOMPARE(name->text(), QStringLiteral("web-01"));

        name->selectAll();
        QTest::keyClick(name, Qt::Key_Delete);
        QCOMPARE(m_panel->message("name"), QStringLiteral("A node needs a name"));
        QTest::keyClicks(name, QStringLiteral("web east"));
        QCOMPARE(m_panel->message("name"),
                 QStringLiteral("“web east”: a name may only contain letters, digits, “-”, "
                                "“_”, “.” and “:”"));

        name->selectAll();
        QTest::keyClicks(name, QStringLiteral("web-east"));
        QVERIFY(m_panel->message("name").isEmpty());
        QTest::keyClick(name, Qt::Key_Return);
        QCOMPARE(stack()->count(), steps + 1);
        QVERIFY(node("web-east"));
        stack()->undo();
        QTRY_COMPARE(name->text(), QStringLiteral("web-01"));
    }

    // The TLS group's button makes a certificate for the load balancer,
    // writes it and its key where the user said, and sets both paths (and
    // TLS on) in one undo step.
    void generateCertificateSetsBothFilesInOneStep()
    {
        QVERIFY(m_dir.isValid());
        ScriptedPrompts prompts;
        const QString certificate = m_dir.filePath(QStringLiteral("lb.crt"));
        const QString key = m_dir.filePath(QStringLiteral("lb.key"));
        prompts.exportPaths.append(certificate);
        m_panel->setPrompts(&prompts);
        select({"lb"});
        QVERIFY(!node("lb")->boolProperty(QStringLiteral("tls")));
        const int steps = stack()->count();

        auto *button = m_panel->findChild<QPushButton *>(QStringLiteral("generateCertificate"));
        QVERIFY(button);
        QTest::mouseClick(button, Qt::LeftButton);

        QVERIFY(prompts.errors.isEmpty());
        QCOMPARE(stack()->count(), steps + 1);
        QCOMPARE(node("lb")->stringProperty(QStringLiteral("tls_certificate")), certificate);
        QCOMPARE(node("lb")->stringProperty(QStringLiteral("tls_key")), key);
        QVERIFY(node("lb")->boolProperty(QStringLiteral("tls")));
        QTRY_COMPARE(lineEdit("tls_certificate")->text(), certificate);
        QCOMPARE(lineEdit("tls_key")->text(), key);
        // Real files, for lb, that a TLS listener can serve.
        QString error;
        const auto identity = Engine::loadTlsIdentity(QStringLiteral("lb"), certificate, key, &error);
        QVERIFY2(identity, qPrintable(error));
        QCOMPARE(identity->certificate().subjectInfo(QSslCertificate::CommonName), QStringList{QStringLiteral("lb")});
        QCOMPARE(validate(m_document->topology()).size(), 0);

        stack()->undo();
        QCOMPARE(node("lb")->stringProperty(QStringLiteral("tls_certificate")), QString());
        QCOMPARE(node("lb")->stringProperty(QStringLiteral("tls_key")), QString());
        QVERIFY(!node("lb")->boolProperty(QStringLiteral("tls")));

        // Cancelled: nothing is written and nothing changes.
        stack()->redo();
        const int after = stack()->count();
        QTest::mouseClick(m_panel->findChild<QPushButton *>(QStringLiteral("generateCertificate")), Qt::LeftButton);
        QCOMPARE(stack()->count(), after);

        // A folder that can't be written: one sentence, nothing set.
        stack()->undo();
        prompts.exportPaths.append(m_dir.filePath(QStringLiteral("no-such-folder/lb.crt")));
        QTest::mouseClick(m_panel->findChild<QPushButton *>(QStringLiteral("generateCertificate")), Qt::LeftButton);
        QCOMPARE(prompts.errors.size(), 1);
        QVERIFY2(prompts.errors.first().startsWith(QStringLiteral("The certificate of lb was not made: Can't write %1: ")
                                                       .arg(m_dir.filePath(QStringLiteral("no-such-folder/lb.crt")))),
                 qPrintable(prompts.errors.first()));
        QCOMPARE(node("lb")->stringProperty(QStringLiteral("tls_certificate")), QString());
        m_panel->setPrompts(nullptr);
    }

    void theCertificateButtonIsOnlyForOneLoadBalancer()
    {
        select({"web-01"});
        QVERIFY(!m_panel->findChild<QPushButton *>(QStringLiteral("generateCertificate")));
        select({"lb"});
        QVERIFY(m_panel->findChild<QPushButton *>(QStringLiteral("generateCertificate")));
    }

    void nothingSelectedSummarisesTheDocumentAndItsProblems()
    {
        m_panel->setSelection({});
        QCOMPARE(m_panel->summaryText(), QStringLiteral("6 nodes, 8 links"));
        QVERIFY(m_panel->problemTexts().isEmpty());

        // Two servers on one port is a problem the summary lists at once.
        stack()->push(
            new SetPropertyCommand(m_document.get(), {id("web-02")}, QStringLiteral("port"), 8081));
        QStringList expected;
        for (const Problem &problem : validate(m_document->topology()))
            expected.append(problem.message);
        QVERIFY(!expected.isEmpty());
        QTRY_COMPARE(m_panel->problemTexts(), expected);

        stack()->undo();
        QTRY_VERIFY(m_panel->problemTexts().isEmpty());
    }

    void removingTheSelectedNodeShowsTheSummary()
    {
        select({"web-01"});
        QVERIFY(m_panel->editor("port"));
        stack()->push(new RemoveItemsCommand(m_document.get(), {id("web-01")}, {}));
        QTRY_VERIFY(!m_panel->editor("port"));
        QCOMPARE(m_panel->selection(), QList<NodeId>{});
        QTRY_COMPARE(m_panel->summaryText(), QStringLiteral("5 nodes, 5 links"));
    }

    // The window ------------------------------------------------------------

    void windowHasDocksInThePanelsMenuAndHistoryFollowsTheDocument()
    {
        MainWindow &window = startWindow();
        for (const char *name : {"paletteDock", "propertiesDock", "historyDock"}) {
            auto *dock = window.findChild<QDockWidget *>(QLatin1String(name));
            QVERIFY2(dock, name);
            QVERIFY(dock->isVisible());
            QVERIFY(dock->features() & QDockWidget::DockWidgetClosable);
            QVERIFY(dock->features() & QDockWidget::DockWidgetMovable);
            auto *menu = window.findChild<QMenu *>(QStringLiteral("menuPanels"));
            QVERIFY(menu->actions().contains(dock->toggleViewAction()));
        }
        auto *history = window.findChild<QUndoView *>(QStringLiteral("historyView"));
        QVERIFY(history);
        QCOMPARE(history->stack(), window.document()->undoStack());

        // Closing a panel from the menu hides it.
        auto *properties = window.findChild<QDockWidget *>(QStringLiteral("propertiesDock"));
        properties->toggleViewAction()->trigger();
        QVERIFY(!properties->isVisible());

        const QUndoStack *before = window.document()->undoStack();
        window.controller()->newDocument();
        QTRY_VERIFY(window.document()->undoStack() != before);
        QCOMPARE(history->stack(), window.document()->undoStack());
        QCOMPARE(window.propertiesPanel()->document(), window.document());
    }

    void paletteAddsANodeToTheWindowsDocument()
    {
        MainWindow &window = startWindow();
        const int steps = window.document()->undoStack()->count();
        PalettePanel *palette = window.palettePanel();
        QTest::keyClicks(palette->searchField(), QStringLiteral("web"));
        QTest::keyClick(palette->searchField(), Qt::Key_Return);
        QCOMPARE(window.document()->undoStack()->count(), steps + 1);
        const Node *added = window.document()->topology().nodeByName(QStringLiteral("web-03"));
        QVERIFY(added);
        QCOMPARE(added->kind, NodeKind::WebServer);
        // lb, web-01 and web-02 hold 8080–8082: the new server takes the next free port.
        QCOMPARE(added->intProperty(QStringLiteral("port")), 8083);
        QCOMPARE(window.propertiesPanel()->selection(), QList<NodeId>{added->id});
        window.document()->undoStack()->undo();
        QVERIFY(!window.document()->topology().nodeByName(QStringLiteral("web-03")));
    }

private:
    QUndoStack *stack() { return m_document->undoStack(); }

    NodeId id(const char *name) const
    {
        const Node *found = m_document->topology().nodeByName(QLatin1String(name));
        if (!found)
            qFatal("no node %s", name);
        return found->id;
    }

    const Node *node(const char *name) const
    {
        return m_document->topology().nodeByName(QLatin1String(name));
    }

    void select(std::initializer_list<const char *> names)
    {
        QList<NodeId> ids;
        for (const char *name : names)
            ids.append(id(name));
        m_panel->setSelection(ids);
    }

    void select(const QList<QString> &names)
    {
        QList<NodeId> ids;
        for (const QString &name : names)
            ids.append(m_document->topology().nodeByName(name)->id);
        m_panel->setSelection(ids);
    }

    template<typename T>
    T *editor(const char *key) const
    {
        auto *found = qobject_cast<T *>(m_panel->editor(QLatin1String(key)));
        if (!found)
            qFatal("no editor of the expected type for %s", key);
        return found;
    }
    QSpinBox *spinBox(const char *key) const { return editor<QSpinBox>(key); }
    QCheckBox *checkBox(const char *key) const { return editor<QCheckBox>(key); }
    QComboBox *comboBox(const char *key) const { return editor<QComboBox>(key); }
    QLineEdit *lineEdit(const char *key) const { return editor<QLineEdit>(key); }

    MainWindow &startWindow()
    {
        if (!m_dir.isValid())
            qFatal("no temporary directory");
        MainWindow::Options options;
        options.prompts = &m_prompts;
        options.document.autosaveDirectory = m_dir.filePath(QStringLiteral("recovery"));
        options.document.autosaveDelayMs = 60000;
        m_window = std::make_unique<MainWindow>(options);
        m_window->show();
        m_window->start(QString());
        [&] {
            QTRY_VERIFY(!m_window->controller()->isBusy());
        }();
        return *m_window;
    }

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_dir;
    ScriptedPrompts m_prompts;
    std::unique_ptr<Document> m_document;
    std::unique_ptr<PropertiesPanel> m_panel;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(PanelsTest)
#include "tst_panels.moc"
