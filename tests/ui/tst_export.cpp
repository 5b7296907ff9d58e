#include "ScriptedPrompts.h"

#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "model/AutoLayout.h"
#include "ui/MainWindow.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/NodeItem.h"
#include "ui/export/ExportController.h"
#include "ui/export/ExportDialog.h"
#include "ui/export/ImageExporter.h"

#include <QAction>
#include <QFile>
#include <QLineEdit>
#include <QMenu>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QXmlStreamReader>
#include "UiTestSupport.h"

#include <QtTest>

#include <cmath>

using namespace Loadstar;
using namespace Loadstar::Ui;

namespace {

constexpr qreal Margin = 32.0;

// What an export of `document` must measure, worked out from a scene of the
// canvas's own, independently of the exporter.
QSize expectedImageSize(Document *document, qreal scale)
{
    DiagramScene scene;
    scene.setDocument(document);
    const QRectF rect = scene.contentsRect().adjusted(-Margin, -Margin, Margin, Margin);
    return QSize(int(std::ceil(rect.width() * scale)), int(std::ceil(rect.height() * scale)));
}

QByteArray contents(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class ExportTest : public QObject
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
        m_document = std::make_unique<Document>(referenceDocument(), QString());
    }

    void cleanup()
    {
        m_window.reset();
        m_document.reset();
        m_dir.reset();
    }

    void pngHasTheDrawingsSizeTimesTheScale_data()
    {
        QTest::addColumn<qreal>("scale");
        QTest::newRow("1×") << 1.0;
        QTest::newRow("2×") << 2.0;
        QTest::newRow("3×") << 3.0;
    }

    void pngHasTheDrawingsSizeTimesTheScale()
    {
        QFETCH(qreal, scale);
        const QString path = m_dir->filePath(QStringLiteral("reference.png"));
        ImageExportOptions options;
        options.scale = scale;
        const ImageExporter exporter(m_document.get());
        const ImageExportResult result = exporter.write(path, options);
        QVERIFY2(result.ok, qPrintable(result.error));

        const QImage image(path);
        QVERIFY(!image.isNull());
        const QSize expected = expectedImageSize(m_document.get(), scale);
        QCOMPARE(image.size(), expected);
        QCOMPARE(result.pixelSize, expected);
        QCOMPARE(result.description(),
                 QStringLiteral("PNG, %1×%2 px").arg(expected.width()).arg(expected.height()));
    }

    void backgroundIsWhiteOrTransparent()
    {
        const ImageExporter exporter(m_document.get());
        ImageExportOptions options;
        const QString white = m_dir->filePath(QStringLiteral("white.png"));
        QVERIFY(exporter.write(white, options).ok);
        options.transparentBackground = true;
        const QString clear = m_dir->filePath(QStringLiteral("clear.png"));
        QVERIFY(exporter.write(clear, options).ok);

        const QImage opaque(white);
        const QImage transparent(clear);
        for (const QPoint corner : {QPoint(0, 0), QPoint(opaque.width() - 1, opaque.height() - 1)}) {
            QCOMPARE(opaque.pixel(corner), qRgba(255, 255, 255, 255));
            QCOMPARE(qAlpha(transparent.pixel(corner)), 0);
        }
        // No canvas grid in the margin: every pixel of the top row is empty.
        for (int x = 0; x < transparent.width(); ++x)
            QCOMPARE(qAlpha(transparent.pixel(x, 0)), 0);
    }

    void cardsAreDrawnWhereTheSceneHasThem_data()
    {
        QTest::addColumn<qreal>("scale");
        QTest::newRow("1×") << 1.0;
        QTest::newRow("2×") << 2.0;
    }

    void cardsAreDrawnWhereTheSceneHasThem()
    {
        QFETCH(qreal, scale);
        const ImageExporter exporter(m_document.get());
        ImageExportOptions options;
        options.scale = scale;
        options.transparentBackground = true;
        const QString path = m_dir->filePath(QStringLiteral("cards.png"));
        QVERIFY(exporter.write(path, options).ok);
        const QImage image = QImage(path).convertToFormat(QImage::Format_ARGB32);

        const QRectF source = exporter.sourceRect(Margin);
        const QColor card = exporter.scene()->colors().card;
        QVERIFY(card.isValid());
        for (const NodeItem *item : exporter.scene()->nodeItems()) {
            const QPointF centre = (item->pos() - source.topLeft()) * scale;
            const QColor pixel = image.pixelColor(centre.toPoint());
            QVERIFY2(pixel == card, qPrintable(QStringLiteral("%1: %2 at the card's centre, not %3")
                                                   .arg(item->displayName(), pixel.name(QColor::HexArgb),
                                                        card.name(QColor::HexArgb))));
            // Just outside the card, left of it: the empty background.
            const QPointF outside = (item->sceneCardRect().topLeft() - source.topLeft()
                                     + QPointF(-6, 6))
                                    * scale;
            QCOMPARE(qAlpha(image.pixel(outside.toPoint())), 0);
        }
    }

    void theCanvasSelectionDoesNotShow()
    {
        MainWindow &window = startWindow();
        const ImageExportOptions options;
        const QString before = m_dir->filePath(QStringLiteral("before.png"));
        QVERIFY(exportAndWait(window, before, options).ok);
        for (NodeItem *item : window.scene()->nodeItems()) {
            item->setFlag(QGraphicsItem::ItemIsSelectable);
            item->setSelected(true);
        }
        QVERIFY(!window.scene()->selectedItems().isEmpty());
        const QString after = m_dir->filePath(QStringLiteral("after.png"));
        QVERIFY(exportAndWait(window, after, options).ok);
        QCOMPARE(QImage(after), QImage(before));
    }

    void svgIsValidWithTitleAndNames()
    {
        const QString path = m_dir->filePath(QStringLiteral("reference.svg"));
        ImageExportOptions options;
        options.title = QStringLiteral("Reference design");
        const ImageExporter exporter(m_document.get());
        const ImageExportResult result = exporter.write(path, options);
        QVERIFY2(result.ok, qPrintable(result.error));

        QSvgRenderer renderer(path);
        QVERIFY(renderer.isValid());
        const QSize expected = expectedImageSize(m_document.get(), 1.0);
        // Drawn at 4× inside the SVG (sharp icons), shown at the drawing's size.
        QCOMPARE(renderer.viewBox().size(), expected * 4);
        QCOMPARE(result.pixelSize, expected);
        QCOMPARE(renderer.defaultSize(), expected);

        QXmlStreamReader xml(contents(path));
        bool svg = false;
        QString title;
        QStringList texts;
        QString element;
        while (!xml.atEnd()) {
            xml.readNext();
            if (xml.isStartElement()) {
                element = xml.name().toString();
                svg = svg || element == QLatin1String("svg");
            } else if (xml.isCharacters() && !xml.isWhitespace()) {
                if (element == QLatin1String("title"))
                    title = xml.text().toString();
                else if (element == QLatin1String("text"))
                    texts.append(xml.text().toString().trimmed());
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(svg);
        QCOMPARE(title, QStringLiteral("Reference design"));
        for (const Node &node : m_document->topology().nodes())
            QVERIFY2(texts.contains(node.name), qPrintable(node.name));
        QVERIFY(texts.contains(QStringLiteral("PRIMARY")));
        QVERIFY(texts.contains(QStringLiteral("BACKUP")));
    }

    void pdfHasExactlyOnePage()
    {
        const QString path = m_dir->filePath(QStringLiteral("reference.pdf"));
        const ImageExporter exporter(m_document.get());
        const ImageExportResult result = exporter.write(path, ImageExportOptions());
        QVERIFY2(result.ok, qPrintable(result.error));
        const QByteArray pdf = contents(path);
        QVERIFY(pdf.startsWith("%PDF-"));
        const qsizetype pages = pdf.count("/Type /Page") - pdf.count("/Type /Pages");
        QCOMPARE(pages, 1);
        // The page is the drawing's size at 96 units per inch (0.75 pt each).
        const QSize units = expectedImageSize(m_document.get(), 1.0);
        QVERIFY(std::abs(result.pixelSize.width() - units.width() * 0.75) <= 1.0);
        QVERIFY(std::abs(result.pixelSize.height() - units.height() * 0.75) <= 1.0);
    }

    void unwritablePathsAndUnknownFormatsSaySo()
    {
        const ImageExporter exporter(m_document.get());
        const QString missing = m_dir->filePath(QStringLiteral("no/such/folder/out.png"));
        ImageExportResult result = exporter.write(missing, ImageExportOptions());
        QVERIFY(!result.ok);
        QCOMPARE(result.error,
                 QStringLiteral("Cannot write “%1”: the folder %2 does not exist. Choose another "
                                "file or folder.")
                     .arg(missing, m_dir->filePath(QStringLiteral("no/such/folder"))));

        const QString bitmap = m_dir->filePath(QStringLiteral("out.bmp"));
        result = exporter.write(bitmap, ImageExportOptions());
        QVERIFY(!result.ok);
        QCOMPARE(result.error, QStringLiteral("Cannot export to “%1”: “.bmp” is not an image "
                                              "format Loadstar writes; end the name with .png, "
                                              ".svg or .pdf.")
                                   .arg(bitmap));
        QVERIFY(!QFile::exists(bitmap));
    }

    void exportFromTheWindowThroughTheDialog()
    {
        MainWindow &window = startWindow();
        QAction *exportAction = action(window, "actionExport");
        QCOMPARE(exportAction->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_E));
        exportAction->trigger();
        ExportDialog *dialog = window.exportController()->dialog();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());

        // The format follows the name, and the name follows the format.
        const QString path = m_dir->filePath(QStringLiteral("from-dialog.svg"));
        dialog->findChild<QLineEdit *>(QStringLiteral("exportPath"))->setText(path);
        dialog->setPath(path);
        QCOMPARE(dialog->format(), ImageFormat::Svg);
        dialog->setFormat(ImageFormat::Png);
        QCOMPARE(dialog->path(), m_dir->filePath(QStringLiteral("from-dialog.png")));
        dialog->accept();

        const QString png = m_dir->filePath(QStringLiteral("from-dialog.png"));
        QSignalSpy finished(window.exportController(), &ExportController::finished);
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(finished.first().at(0).toString(), png);
        QCOMPARE(QImage(png).size(), expectedImageSize(window.document(), 1.0));
        QVERIFY(window.statusBar()->currentMessage().startsWith(
            QStringLiteral("Exported from-dialog.png (PNG, ")));
        QVERIFY(m_prompts.errors.isEmpty());

        // Next time the dialog suggests the same folder and format.
        exportAction->trigger();
        QVERIFY(window.exportController()->dialog());
        QCOMPARE(QFileInfo(window.exportController()->dialog()->path()).absolutePath(),
                 m_dir->path());
        QCOMPARE(window.exportController()->dialog()->format(), ImageFormat::Png);
        window.exportController()->dialog()->reject();
    }

    void anExportThatFailsIsReported()
    {
        MainWindow &window = startWindow();
        const QString missing = m_dir->filePath(QStringLiteral("gone/out.pdf"));
        QVERIFY(!exportAndWait(window, missing, {}).ok);
        QCOMPARE(m_prompts.errors.size(), 1);
        QVERIFY(m_prompts.errors.first().startsWith(QStringLiteral("Cannot write “%1”").arg(missing)));
        QCOMPARE(window.statusBar()->currentMessage(), QStringLiteral("Not exported"));
    }

    void arrangeInTiersIsOneUndoStep()
    {
        MainWindow &window = startWindow();
        Document *document = window.document();
        QHash<NodeId, QPointF> before;
        for (const Node &node : document->topology().nodes())
            before.insert(node.id, node.position + QPointF(37.5, -12.25));
        // Start from a drawing that is out of place, so every node moves.
        for (auto it = before.cbegin(); it != before.cend(); ++it)
            document->setNodePosition(it.key(), it.value());
        const int index = document->undoStack()->index();
        const QHash<NodeId, QPointF> arranged = arrangeInTiers(document->topology());

        QAction *arrange = action(window, "actionArrangeInTiers");
        QCOMPARE(arrange->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_L));
        arrange->trigger();
        QCOMPARE(document->undoStack()->index(), index + 1);
        QCOMPARE(document->undoStack()->undoText(), QStringLiteral("Arrange in tiers"));
        for (const Node &node : document->topology().nodes()) {
            QCOMPARE(node.position, arranged.value(node.id));
            QCOMPARE(window.scene()->nodeItem(node.id)->pos(), node.position);
        }

        action(window, "actionUndo")->trigger();
        QCOMPARE(document->undoStack()->index(), index);
        for (const Node &node : document->topology().nodes()) {
            QCOMPARE(node.position, before.value(node.id));
            QCOMPARE(window.scene()->nodeItem(node.id)->pos(), before.value(node.id));
        }
    }

    void newFromTemplateOpensTheHardenedDesign()
    {
        MainWindow &window = startWindow();
        auto *menu = window.findChild<QMenu *>(QStringLiteral("menuNewFromTemplate"));
        QVERIFY(menu);
        QCOMPARE(menu->actions().size(), documentTemplates().size());
        QAction *hardened = action(window, "actionNewFromTemplate_hardened");
        QVERIFY(hardened->toolTip().contains(QStringLiteral("firewall")));

        // Unsaved changes are asked about first, as New does; Cancel keeps them.
        window.document()->setNodeName(window.document()->topology().nodes().first().id,
                                       QStringLiteral("renamed"));
        window.document()->markModified();
        hardened->trigger();
        QCOMPARE(m_prompts.questions.size(), 1);
        QCOMPARE(window.scene()->nodeItems().size(), 6);

        m_prompts.unsavedAnswers = {UnsavedChoice::Discard};
        hardened->trigger();
        QCOMPARE(window.scene()->nodeItems().size(), 9);
        QVERIFY(window.scene()->nodeItemNamed(QStringLiteral("lb-b")));
        QVERIFY(window.scene()->nodeItemNamed(QStringLiteral("monitor")));
        QVERIFY(!window.isWindowModified());
        QVERIFY(window.document()->filePath().isEmpty());
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

    static ImageExportResult exportAndWait(MainWindow &window, const QString &path,
                                           const ImageExportOptions &options)
    {
        QSignalSpy finished(window.exportController(), &ExportController::finished);
        window.exportController()->exportTo(window.document(), path, options);
        if (finished.isEmpty() && !finished.wait(20000))
            return {};
        return finished.first().at(1).value<ImageExportResult>();
    }

    static QAction *action(MainWindow &window, const char *name)
    {
        auto *found = window.findChild<QAction *>(QLatin1String(name));
        if (!found)
            qFatal("no action %s", name);
        return found;
    }

    QTemporaryDir m_settingsDir;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Document> m_document;
    std::unique_ptr<MainWindow> m_window;
    ScriptedPrompts m_prompts;
};

QTEST_MAIN(ExportTest)
#include "tst_export.moc"
