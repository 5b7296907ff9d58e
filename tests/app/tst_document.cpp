#include "TestTopologies.h"

#include "document/Commands.h"
#include "document/Document.h"

#include <QSignalSpy>
#include <QtTest>

using namespace Loadstar;

class DocumentTest : public QObject
{
    Q_OBJECT

private slots:
    void everyCommandUndoesToTheExactPreviousTopology()
    {
        Document document(Test::everyKind(), QString());
        const Topology original = document.topology();
        QUndoStack *stack = document.undoStack();
        const NodeId lb = original.nodeByName(QStringLiteral("lb"))->id;
        const NodeId web = original.nodeByName(QStringLiteral("web-01"))->id;
        const NodeId backup = original.nodeByName(QStringLiteral("web-02"))->id;

        Node added = Node::make(NodeKind::WebServer, QStringLiteral("web-03"), {300, 300});
        added.id = original.nextNodeId();
        Link link{original.nextLinkId(), LinkKind::Http, lb, added.id};
        stack->push(new AddItemsCommand(&document, {added}, {link}));
        stack->push(new MoveNodesCommand(&document, {{web, original.node(web)->position}}, {{web, QPointF(5, 5)}}));
        stack->push(new SetPropertyCommand(&document, {web, backup}, QStringLiteral("weight"), 7));
        stack->push(new RenameNodeCommand(&document, web, QStringLiteral("web-primary")));
        stack->push(new RemoveItemsCommand(&document, {lb}, {}));

        const Topology edited = document.topology();
        QVERIFY(!edited.node(lb));
        QCOMPARE(edited.node(web)->name, QStringLiteral("web-primary"));
        QCOMPARE(edited.node(web)->position, QPointF(5, 5));
        QCOMPARE(edited.node(backup)->intProperty(QStringLiteral("weight")), 7);
        QVERIFY(edited.linksFrom(lb).isEmpty());
        QCOMPARE(stack->count(), 5);

        while (stack->canUndo())
            stack->undo();
        QCOMPARE(document.topology(), original);
        QVERIFY(!document.isModified());
        while (stack->canRedo())
            stack->redo();
        QCOMPARE(document.topology(), edited);
        QVERIFY(document.isModified());
    }

    void removingANodeRemovesItsLinksAndUndoRestoresThem()
    {
        Document document(Test::everyKind(), QString());
        const Topology original = document.topology();
        const NodeId app = original.nodeByName(QStringLiteral("app-01"))->id;
        QSignalSpy linksGone(&document, &Document::linkAboutToBeRemoved);
        QSignalSpy nodesGone(&document, &Document::nodeAboutToBeRemoved);
        document.undoStack()->push(new RemoveItemsCommand(&document, {app}, {}));
        QCOMPARE(nodesGone.count(), 1);
        QCOMPARE(linksGone.count(), 4); // web-01→app, web-02→app, app→db ×2
        QCOMPARE(document.undoStack()->text(0), QStringLiteral("Delete 1 nodes and 4 links"));
        document.undoStack()->undo();
        QCOMPARE(document.topology(), original);
    }

    void keyboardNudgesMergeIntoOneStep()
    {
        Document document(Test::everyKind(), QString());
        const NodeId web = document.topology().nodeByName(QStringLiteral("web-01"))->id;
        const QPointF start = document.topology().node(web)->position;
        QPointF at = start;
        for (int i = 0; i < 5; ++i) {
            const QPointF next = at + QPointF(10, 0);
            document.undoStack()->push(new MoveNodesCommand(&document, {{web, at}}, {{web, next}}, true));
            at = next;
        }
        QCOMPARE(document.undoStack()->count(), 1);
        QCOMPARE(document.topology().node(web)->position, start + QPointF(50, 0));
        document.undoStack()->undo();
        QCOMPARE(document.topology().node(web)->position, start);
    }

    void modifiedFollowsTheSavedIndex()
    {
        Document document(Test::everyKind(), QStringLiteral("/tmp/x.loadstar"));
        QSignalSpy modified(&document, &Document::modifiedChanged);
        QCOMPARE(document.displayName(), QStringLiteral("x.loadstar"));
        const NodeId web = document.topology().nodeByName(QStringLiteral("web-01"))->id;
        document.undoStack()->push(new RenameNodeCommand(&document, web, QStringLiteral("a")));
        QVERIFY(document.isModified());
        QCOMPARE(modified.count(), 1);
        const int savedAt = document.undoStack()->index();
        // An edit lands while the save runs: the document stays modified.
        document.undoStack()->push(new RenameNodeCommand(&document, web, QStringLiteral("b")));
        document.markSaved(savedAt);
        QVERIFY(document.isModified());
        document.markSaved(document.undoStack()->index());
        QVERIFY(!document.isModified());
        QCOMPARE(modified.last().first().toBool(), false);
        QCOMPARE(Document().displayName(), QStringLiteral("Untitled"));
        document.markModified(); // a recovered copy: modified with no edit
        QVERIFY(document.isModified());
        QCOMPARE(modified.last().first().toBool(), true);
    }
};

QTEST_GUILESS_MAIN(DocumentTest)
#include "tst_document.moc"
