// Editing on the canvas, driven as a user would: mouse presses, moves and
// releases on the real DiagramView's viewport, keys with the standard
// shortcuts, and real drop events.

#include "document/Clipboard.h"
#include "document/Commands.h"
#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/DiagramStyle.h"
#include "ui/diagram/DiagramView.h"
#include "ui/diagram/LinkItem.h"
#include "ui/diagram/NodeItem.h"

#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QSettings>
#include <QStandardPaths>
#include "UiTestSupport.h"

#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Ui;

class EditorTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("loadstar-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_editor"));
        QSettings().clear();
    }

    void init()
    {
        m_document = std::make_unique<Document>(referenceDocument(), QString());
        m_scene = std::make_unique<DiagramScene>();
        m_scene->setDocument(m_document.get());
        m_view = std::make_unique<DiagramView>(m_scene.get());
        m_view->resize(1100, 800);
        m_view->show();
        m_view->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_view.get()));
        // 100 %, so a pixel on screen is a unit in the scene.
        m_view->resetZoom();
        m_view->centerOn(m_scene->contentsRect().center());
        m_view->setFocus();
    }

    void cleanup()
    {
        m_view.reset();
        m_scene.reset();
        m_document.reset();
        QSettings().clear();
    }

    void dropFromPaletteCreatesNodeAtDropPoint()
    {
        const int nodesBefore = int(m_document->topology().nodes().size());
        const QPoint dropAt(160, 130);
        QMimeData mime;
        mime.setData(QString::fromLatin1(kNodeKindMimeType), "web-server");
        QDragEnterEvent enter(dropAt, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(m_view->viewport(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(dropAt), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(m_view->viewport(), &drop);
        QVERIFY(drop.isAccepted());

        const Topology &topology = m_document->topology();
        QCOMPARE(topology.nodes().size(), nodesBefore + 1);
        const Node added = topology.nodes().last();
        QCOMPARE(added.kind, NodeKind::WebServer);
        QCOMPARE(added.name, QStringLiteral("web-03")); // web-01 and web-02 exist
        QCOMPARE(added.position, DiagramScene::snapToGrid(m_view->mapToScene(dropAt)));
        // A port nobody else listens on.
        for (const Node &other : topology.nodes()) {
            if (other.id != added.id)
                QVERIFY2(other.endpoint() != added.endpoint(), qPrintable(other.name));
        }
        QCOMPARE(m_scene->selectedNodeIds(), QList<NodeId>{added.id});
        QCOMPARE(m_document->undoStack()->count(), 1);

        // An unknown kind is refused.
        QMimeData bad;
        bad.setData(QString::fromLatin1(kNodeKindMimeType), "toaster");
        QDropEvent badDrop(QPointF(dropAt), Qt::CopyAction, &bad, Qt::LeftButton,
                           Qt::NoModifier);
        QApplication::sendEvent(m_view->viewport(), &badDrop);
        QCOMPARE(topology.nodes().size(), nodesBefore + 1);
    }

    void addNodeAtCentreDoesNotStackNodes()
    {
        const NodeId first = m_view->addNodeAtCentre(NodeKind::Database);
        const NodeId second = m_view->addNodeAtCentre(NodeKind::Database);
        const Node *a = m_document->topology().node(first);
        const Node *b = m_document->topology().node(second);
        QVERIFY(a && b);
        QCOMPARE(a->name, QStringLiteral("db-01"));
        QCOMPARE(b->name, QStringLiteral("db-02"));
        QVERIFY(!m_scene->nodeItem(first)->sceneCardRect().intersects(
            m_scene->nodeItem(second)->sceneCardRect()));
        QVERIFY(a->endpoint() != b->endpoint());
    }

    void draggingANodeSnapsAndIsOneUndoStep()
    {
        const Topology before = m_document->topology();
        const NodeId web = idOf("web-01");
        const QPointF start = node(web).position;
        const QPointF delta(-243, 41);

        drag(m_view->mapFromScene(start), m_view->mapFromScene(start + delta));

        const QPointF expected = DiagramScene::snapToGrid(start + delta);
        QCOMPARE(node(web).position, expected);
        QCOMPARE(m_scene->nodeItem(web)->pos(), expected);
        QCOMPARE(m_document->undoStack()->count(), 1);
        // Its links followed the card.
        for (LinkItem *link : m_scene->nodeItem(web)->links()) {
            QVERIFY(!link->line().isNull());
            const QPointF end = link->link().from == web ? link->line().p1() : link->line().p2();
            QVERIFY(Test::distanceToEdge(m_scene->nodeItem(web)->sceneCardRect(), end) < 6.0);
        }

        m_document->undoStack()->undo();
        QCOMPARE(m_document->topology(), before);
        QCOMPARE(m_scene->nodeItem(web)->pos(), start);
        m_document->undoStack()->redo();
        QCOMPARE(node(web).position, expected);
    }

    void draggingASelectionMovesItTogether()
    {
        const NodeId web1 = idOf("web-01");
        const NodeId web2 = idOf("web-02");
        const QPointF start1 = node(web1).position;
        const QPointF start2 = node(web2).position;
        click(start1);
        click(start2, Qt::ControlModifier);
        QCOMPARE(m_scene->selectedNodeIds(), (QList<NodeId>{web1, web2}));

        drag(m_view->mapFromScene(start1), m_view->mapFromScene(start1 + QPointF(0, 300)));

        const QPointF moved = node(web1).position - start1;
        QVERIFY(moved.y() >= 275);
        QCOMPARE(node(web2).position - start2, moved);
        QCOMPARE(m_document->undoStack()->count(), 1);
        QCOMPARE(m_document->undoStack()->command(0)->text(), QStringLiteral("Move 2 nodes"));
    }

    void alignmentGuideCatchesANeighbour()
    {
        // Drag web-01 to 4 px right of the load balancer's column: it lands
        // exactly in the column (not on the grid) and a guide shows it.
        const NodeId web = idOf("web-01");
        const QPointF lb = node(idOf("lb")).position;
        const QPointF start = node(web).position;
        const QPointF target(lb.x() + 4, start.y() + 160);
        const QPoint from = m_view->mapFromScene(start);
        const QPoint to = m_view->mapFromScene(target);
        QTest::mousePress(m_view->viewport(), Qt::LeftButton, {}, from);
        for (int i = 1; i <= 6; ++i)
            QTest::mouseMove(m_view->viewport(), from + (to - from) * i / 6);
        QVERIFY(!m_scene->guideLines().isEmpty());
        QVERIFY(std::any_of(m_scene->guideLines().cbegin(), m_scene->guideLines().cend(),
                            [&](const QLineF &l) { return qFuzzyCompare(l.x1(), lb.x()) && qFuzzyCompare(l.x2(), lb.x()); }));
        QTest::mouseRelease(m_view->viewport(), Qt::LeftButton, {}, to);
        QCOMPARE(node(web).position.x(), lb.x());
        QVERIFY(m_scene->guideLines().isEmpty());
    }

    void draggingFromAPortCreatesTheRightLink()
    {
        const NodeId lb = idOf("lb");
        const NodeId db = idOf("db-primary");
        const int linksBefore = int(m_document->topology().links().size());
        const QPointF port = m_scene->nodeItem(lb)->scenePorts().at(0); // right edge
        drag(m_view->mapFromScene(port), m_view->mapFromScene(node(db).position));

        QCOMPARE(m_document->topology().links().size(), linksBefore + 1);
        const Link link = m_document->topology().links().last();
        QCOMPARE(link.from, lb);
        QCOMPARE(link.to, db);
        QCOMPARE(link.kind, LinkKind::Tcp);
        QVERIFY(m_scene->linkItem(link.id));
        QCOMPARE(m_document->undoStack()->count(), 1);
        QCOMPARE(node(lb).position, m_document->topology().node(lb)->position); // not moved

        // The same link again is refused: "already linked".
        const QPoint from = m_view->mapFromScene(port);
        const QPoint to = m_view->mapFromScene(node(db).position);
        QTest::mousePress(m_view->viewport(), Qt::LeftButton, {}, from);
        QTest::mouseMove(m_view->viewport(), from + QPoint(20, 20));
        QTest::mouseMove(m_view->viewport(), to);
        QCOMPARE(m_scene->linkHint(), QStringLiteral("already linked"));
        QTest::mouseRelease(m_view->viewport(), Qt::LeftButton, {}, to);
        QCOMPARE(m_document->topology().links().size(), linksBefore + 1);
        QCOMPARE(m_document->undoStack()->count(), 1);

        m_document->undoStack()->undo();
        QCOMPARE(m_document->topology().links().size(), linksBefore);
        QVERIFY(!m_scene->linkItem(link.id));
    }

    void refusedLinkCreatesNothingAndSaysWhy()
    {
        const Topology before = m_document->topology();
        const NodeId client = idOf("client");
        const NodeId db = idOf("db-primary");
        const QPoint from = m_view->mapFromScene(m_scene->nodeItem(client)->scenePorts().at(1));
        const QPoint to = m_view->mapFromScene(node(db).position);
        QTest::mousePress(m_view->viewport(), Qt::LeftButton, {}, from);
        QVERIFY(m_scene->isDrawingLink());
        QTest::mouseMove(m_view->viewport(), from + QPoint(10, 30));
        QTest::mouseMove(m_view->viewport(), to);
        const QString reason = linkKindFor(NodeKind::Client, NodeKind::Database).refusal;
        QVERIFY(!reason.isEmpty());
        QCOMPARE(m_scene->linkHint(), reason);
        QVERIFY(m_scene->linkHintIsRefusal());
        QCOMPARE(m_scene->nodeItem(db)->targetState(), NodeItem::TargetState::Refused);
        QTest::mouseRelease(m_view->viewport(), Qt::LeftButton, {}, to);

        QCOMPARE(m_document->topology(), before);
        QCOMPARE(m_document->undoStack()->count(), 0);
        QVERIFY(!m_scene->isDrawingLink());
        QCOMPARE(m_scene->nodeItem(db)->targetState(), NodeItem::TargetState::None);
        // The reason stays a moment after the release, then goes.
        QCOMPARE(m_scene->linkHint(), reason);
        QTRY_VERIFY_WITH_TIMEOUT(m_scene->linkHint().isEmpty(), 5000);
    }

    void deleteRemovesTheSelectionAndUndoRestoresIt()
    {
        const Topology before = m_document->topology();
        const NodeId web = idOf("web-01");
        click(node(web).position);
        QCOMPARE(m_scene->selectedNodeIds(), QList<NodeId>{web});
        QTest::keyClick(m_view.get(), Qt::Key_Delete);

        QVERIFY(!m_document->topology().node(web));
        QVERIFY(m_document->topology().linksFrom(web).isEmpty());
        QVERIFY(m_document->topology().linksTo(web).isEmpty());
        QVERIFY(!m_scene->nodeItem(web));
        QCOMPARE(m_document->undoStack()->count(), 1);

        m_document->undoStack()->undo();
        QCOMPARE(m_document->topology(), before);
        QCOMPARE(m_scene->linkItems().size(), before.links().size());

        // Backspace deletes a selected link only.
        LinkItem *link = m_scene->linkItems().first();
        const LinkId linkId = link->linkId();
        m_scene->selectItems({}, {linkId});
        QTest::keyClick(m_view.get(), Qt::Key_Backspace);
        QVERIFY(!m_document->topology().link(linkId));
        QCOMPARE(m_document->topology().nodes().size(), before.nodes().size());
    }

    void copyPasteMakesRenamedCopiesWithTheirLinks()
    {
        const NodeId web = idOf("web-01");
        const NodeId db = idOf("db-primary");
        m_scene->selectNodes({web, db});
        QTest::keyClick(m_view.get(), Qt::Key_C, Qt::ControlModifier);
        const QMimeData *mime = QGuiApplication::clipboard()->mimeData();
        QVERIFY(mime->hasFormat(QString::fromLatin1(Clipboard::kMimeType)));
        QVERIFY(mime->text().contains(QStringLiteral("web-01"))); // readable JSON too

        const qsizetype nodesBefore = m_document->topology().nodes().size();
        QTest::keyClick(m_view.get(), Qt::Key_V, Qt::ControlModifier);
        const Topology &topology = m_document->topology();
        QCOMPARE(topology.nodes().size(), nodesBefore + 2);
        const QList<NodeId> pasted = m_scene->selectedNodeIds();
        QCOMPARE(pasted.size(), 2);
        const Node *webCopy = topology.node(pasted.at(0));
        const Node *dbCopy = topology.node(pasted.at(1));
        QCOMPARE(webCopy->name, QStringLiteral("web-03"));
        QVERIFY(!dbCopy->name.isEmpty() && dbCopy->name != QStringLiteral("db-primary"));
        QVERIFY(webCopy->endpoint() != node(web).endpoint());
        const qreal offset = 2 * DiagramStyle::SnapSpacing;
        QCOMPARE(webCopy->position, node(web).position + QPointF(offset, offset));
        // The link between the originals is copied between the copies.
        const QList<Link> links = topology.linksFrom(webCopy->id);
        QCOMPARE(links.size(), 1);
        QCOMPARE(links.first().to, dbCopy->id);
        QCOMPARE(links.first().kind, LinkKind::Tcp);
        QCOMPARE(m_scene->selectedLinkIds(), QList<LinkId>{links.first().id});
        QCOMPARE(m_document->undoStack()->count(), 1);

        // A second paste lands further away, not on top of the first.
        QTest::keyClick(m_view.get(), Qt::Key_V, Qt::ControlModifier);
        const Node *second = topology.node(m_scene->selectedNodeIds().at(0));
        QCOMPARE(second->position, node(web).position + QPointF(2 * offset, 2 * offset));
        QCOMPARE(topology.nodes().size(), nodesBefore + 4);

        // Cut removes the selection and keeps it on the clipboard.
        QTest::keyClick(m_view.get(), Qt::Key_X, Qt::ControlModifier);
        QCOMPARE(topology.nodes().size(), nodesBefore + 2);
        QVERIFY(QGuiApplication::clipboard()->mimeData()->hasFormat(
            QString::fromLatin1(Clipboard::kMimeType)));
    }

    void pasteTakesJsonText()
    {
        // What another window put on the clipboard as plain text.
        Topology part;
        part.addNode(Node::make(NodeKind::AppServer, QStringLiteral("app-01"), {0, 0}));
        QGuiApplication::clipboard()->setText(
            QString::fromUtf8(Clipboard::encode(part, {part.nodes().first().id})));
        QTRY_VERIFY(m_view->actions().paste->isEnabled());
        QVERIFY(m_scene->paste());
        QVERIFY(m_document->topology().nodeByName(QStringLiteral("app-01")));

        QGuiApplication::clipboard()->setText(QStringLiteral("hello"));
        QVERIFY(!m_scene->paste());
    }

    void duplicateCopiesInPlaceWithAnOffset()
    {
        const NodeId web = idOf("web-02");
        click(node(web).position);
        QTest::keyClick(m_view.get(), Qt::Key_D, Qt::ControlModifier);
        const QList<NodeId> selected = m_scene->selectedNodeIds();
        QCOMPARE(selected.size(), 1);
        const Node *copy = m_document->topology().node(selected.first());
        QVERIFY(copy->id != web);
        QCOMPARE(copy->name, QStringLiteral("web-03"));
        QCOMPARE(copy->kind, NodeKind::WebServer);
        QCOMPARE(copy->boolProperty(QStringLiteral("backup")), true);
        const qreal offset = 2 * DiagramStyle::SnapSpacing;
        QCOMPARE(copy->position, node(web).position + QPointF(offset, offset));
        QCOMPARE(m_document->undoStack()->count(), 1);
        QVERIFY(m_document->undoStack()->text(0).startsWith(QStringLiteral("Duplicate")));
    }

    void renameInPlace()
    {
        const NodeId web = idOf("web-01");
        NodeItem *item = m_scene->nodeItem(web);
        QTest::mouseDClick(m_view->viewport(), Qt::LeftButton, {},
                           m_view->mapFromScene(item->sceneNameRect().center()));
        QLineEdit *editor = m_view->renameEditor();
        QTRY_VERIFY(editor->isVisible());
        QCOMPARE(editor->text(), QStringLiteral("web-01"));
        QVERIFY(editor->hasFocus());

        // A taken name is refused, with the reason, and the editor stays.
        editor->selectAll();
        QTest::keyClicks(editor, QStringLiteral("lb"));
        QTest::keyClick(editor, Qt::Key_Return);
        QVERIFY(editor->isVisible());
        QVERIFY(m_view->renameError()->isVisible());
        QVERIFY(m_view->renameError()->text().contains(QStringLiteral("lb")));
        QCOMPARE(node(web).name, QStringLiteral("web-01"));

        // An empty name too.
        editor->clear();
        QTest::keyClick(editor, Qt::Key_Return);
        QVERIFY(m_view->renameError()->text().contains(QStringLiteral("name")));
        QCOMPARE(node(web).name, QStringLiteral("web-01"));

        editor->selectAll();
        QTest::keyClicks(editor, QStringLiteral("front-01"));
        QTest::keyClick(editor, Qt::Key_Return);
        QVERIFY(!editor->isVisible());
        QCOMPARE(node(web).name, QStringLiteral("front-01"));
        QCOMPARE(item->displayName(), QStringLiteral("front-01"));
        QCOMPARE(m_document->undoStack()->count(), 1);

        // F2 opens it on the selection; Escape cancels.
        m_scene->selectNodes({web});
        QTest::keyClick(m_view.get(), Qt::Key_F2);
        QVERIFY(editor->isVisible());
        QTest::keyClicks(editor, QStringLiteral("other"));
        QTest::keyClick(editor, Qt::Key_Escape);
        QVERIFY(!editor->isVisible());
        QCOMPARE(node(web).name, QStringLiteral("front-01"));
        QCOMPARE(m_document->undoStack()->count(), 1);
    }

    void rubberBandSelectsTheNodesInside()
    {
        const NodeItem *web = m_scene->nodeItemNamed(QStringLiteral("web-01"));
        const NodeItem *db = m_scene->nodeItemNamed(QStringLiteral("db-primary"));
        const QRectF around = (web->sceneCardRect() | db->sceneCardRect()).adjusted(-20, -20, 20, 20);
        drag(m_view->mapFromScene(around.topLeft()), m_view->mapFromScene(around.bottomRight()));
        QCOMPARE(m_scene->selectedNodeIds(), (QList<NodeId>{web->nodeId(), db->nodeId()}));
        QCOMPARE(m_document->undoStack()->count(), 0); // selecting is not an edit

        // Ctrl+click toggles one card out and another in.
        click(db->pos(), Qt::ControlModifier);
        QCOMPARE(m_scene->selectedNodeIds(), QList<NodeId>{web->nodeId()});
        const NodeItem *lb = m_scene->nodeItemNamed(QStringLiteral("lb"));
        click(lb->pos(), Qt::ShiftModifier);
        QCOMPARE(m_scene->selectedNodeIds(), (QList<NodeId>{lb->nodeId(), web->nodeId()}));
        // A plain click on empty canvas clears it.
        click(around.topLeft());
        QVERIFY(m_scene->selectedNodeIds().isEmpty());
        // Select All.
        QTest::keyClick(m_view.get(), Qt::Key_A, Qt::ControlModifier);
        QCOMPARE(m_scene->selectedNodeIds().size(), m_document->topology().nodes().size());
        QCOMPARE(m_scene->selectedLinkIds().size(), m_document->topology().links().size());
    }

    void arrowKeysNudgeAsOneUndoStep()
    {
        const Topology before = m_document->topology();
        const NodeId web = idOf("web-01");
        const QPointF start = node(web).position;
        click(start);
        for (int i = 0; i < 3; ++i)
            QTest::keyClick(m_view.get(), Qt::Key_Right);
        QTest::keyClick(m_view.get(), Qt::Key_Down);
        QCOMPARE(node(web).position,
                 start + QPointF(3 * DiagramStyle::SnapSpacing, DiagramStyle::SnapSpacing));
        QCOMPARE(m_document->undoStack()->count(), 1);
        m_document->undoStack()->undo();
        QCOMPARE(m_document->topology(), before);
    }

    void orthogonalLinksRunHorizontallyAndVertically()
    {
        m_view->actions().orthogonalLinks->setChecked(true);
        QVERIFY(QSettings().value(QStringLiteral("diagram/orthogonalLinks")).toBool());
        const NodeItem *lb = m_scene->nodeItemNamed(QStringLiteral("lb"));
        const NodeItem *web = m_scene->nodeItemNamed(QStringLiteral("web-01"));
        LinkItem *link = nullptr;
        for (LinkItem *item : lb->links()) {
            if (item->toItem() == web)
                link = item;
        }
        QVERIFY(link);
        const QPolygonF route = link->route();
        QCOMPARE(route.size(), 4);
        for (int i = 1; i < route.size(); ++i) {
            const QPointF step = route.at(i) - route.at(i - 1);
            QVERIFY2(qFuzzyIsNull(step.x()) || qFuzzyIsNull(step.y()), "a slanted segment");
        }
        // Arrow tip on the target card's edge, start on the source's.
        QVERIFY(Test::distanceToEdge(web->sceneCardRect(), route.last()) < 5.0);
        QVERIFY(Test::distanceToEdge(lb->sceneCardRect(), route.first()) < 5.0);

        m_view->actions().orthogonalLinks->setChecked(false);
        QCOMPARE(link->route().size(), 2);
    }

    void middleButtonPans()
    {
        const QPointF centre = m_view->visibleSceneRect().center();
        const QPoint from(500, 400);
        QTest::mousePress(m_view->viewport(), Qt::MiddleButton, {}, from);
        QTest::mouseMove(m_view->viewport(), from + QPoint(-60, -30));
        QTest::mouseMove(m_view->viewport(), from + QPoint(-120, -80));
        QTest::mouseRelease(m_view->viewport(), Qt::MiddleButton, {}, from + QPoint(-120, -80));
        const QPointF moved = m_view->visibleSceneRect().center() - centre;
        QVERIFY2(std::abs(moved.x() - 120) < 2 && std::abs(moved.y() - 80) < 2,
                 qPrintable(QStringLiteral("%1,%2").arg(moved.x()).arg(moved.y())));
        QVERIFY(m_scene->selectedNodeIds().isEmpty());
        QCOMPARE(m_document->undoStack()->count(), 0);
    }

private:
    NodeId idOf(const QString &name) const
    {
        const Node *node = m_document->topology().nodeByName(name);
        return node ? node->id : 0;
    }
    Node node(NodeId id) const
    {
        const Node *node = m_document->topology().node(id);
        return node ? *node : Node();
    }
    void click(QPointF scenePos, Qt::KeyboardModifiers modifiers = {})
    {
        QTest::mouseClick(m_view->viewport(), Qt::LeftButton, modifiers,
                          m_view->mapFromScene(scenePos));
    }
    void drag(QPoint from, QPoint to)
    {
        QWidget *viewport = m_view->viewport();
        QTest::mousePress(viewport, Qt::LeftButton, {}, from);
        constexpr int Steps = 8;
        for (int i = 1; i <= Steps; ++i)
            QTest::mouseMove(viewport, from + (to - from) * i / Steps);
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, to);
    }

    std::unique_ptr<Document> m_document;
    std::unique_ptr<DiagramScene> m_scene;
    std::unique_ptr<DiagramView> m_view;
};

QTEST_MAIN(EditorTest)
#include "tst_editor.moc"
