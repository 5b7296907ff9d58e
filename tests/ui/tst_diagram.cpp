#include "document/Commands.h"
#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "ui/Icons.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/DiagramView.h"
#include "ui/diagram/LinkItem.h"
#include "ui/diagram/NodeItem.h"

#include <QImage>
#include <QPainter>
#include "UiTestSupport.h"

#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Ui;

namespace {

NodeId idOf(const Document &document, const QString &name)
{
    const Node *node = document.topology().nodeByName(name);
    return node ? node->id : 0;
}

LinkItem *linkBetween(DiagramScene &scene, const Document &document, const QString &from,
                      const QString &to)
{
    for (LinkItem *item : scene.linkItems()) {
        if (item->link().from == idOf(document, from) && item->link().to == idOf(document, to))
            return item;
    }
    return nullptr;
}

} // namespace

class DiagramTest : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_document = std::make_unique<Document>(referenceDocument(), QString());
        m_scene = std::make_unique<DiagramScene>();
        m_scene->setDocument(m_document.get());
    }
    void cleanup()
    {
        m_scene.reset();
        m_document.reset();
    }

    void showsOneCardPerNodeAndOneLinePerLink()
    {
        QCOMPARE(m_scene->nodeItems().size(), 6);
        QCOMPARE(m_scene->linkItems().size(), 8);
        for (const Node &node : m_document->topology().nodes()) {
            NodeItem *item = m_scene->nodeItem(node.id);
            QVERIFY2(item, qPrintable(node.name));
            QCOMPARE(item->pos(), node.position); // centred on the node's position
        }
    }

    void cardsShowNameAddressAndRole()
    {
        const auto card = [this](const char *name) {
            return m_scene->nodeItemNamed(QLatin1String(name));
        };
        QCOMPARE(card("web-01")->detailText(), QStringLiteral("127.0.0.1:8081"));
        QCOMPARE(card("web-01")->badgeText(), QString());
        QCOMPARE(card("web-02")->badgeText(), QStringLiteral("BACKUP"));
        QCOMPARE(card("db-primary")->badgeText(), QStringLiteral("PRIMARY"));
        QCOMPARE(card("db-replica")->badgeText(), QStringLiteral("REPLICA"));
        QCOMPARE(card("db-replica")->detailText(), QStringLiteral("127.0.0.12:3307"));
        QCOMPARE(card("lb")->detailText(), QStringLiteral("127.0.0.1:8080"));
        // A client has no address; it shows how much traffic it sends.
        QCOMPARE(card("client")->detailText(), QStringLiteral("20 req/s"));
    }

    void linksRunFromCardEdgeToCardEdgeBelowTheCards()
    {
        for (LinkItem *link : m_scene->linkItems()) {
            const QRectF from = link->fromItem()->sceneCardRect();
            const QRectF to = link->toItem()->sceneCardRect();
            QVERIFY(!link->line().isNull());
            QVERIFY2(!from.contains(link->line().p1())
                         && Test::distanceToEdge(from, link->line().p1()) < 6,
                     "a link starts at the edge of its source card");
            QVERIFY2(!to.contains(link->line().p2()) && Test::distanceToEdge(to, link->line().p2()) < 6,
                     "the arrowhead touches the edge of its target card");
            QVERIFY(link->zValue() < link->fromItem()->zValue());
        }
        // Traffic flows downwards in the reference design: client → lb.
        LinkItem *clientToLb
            = linkBetween(*m_scene, *m_document, QStringLiteral("client"), QStringLiteral("lb"));
        QVERIFY(clientToLb);
        QVERIFY(clientToLb->line().p2().y() > clientToLb->line().p1().y());
    }

    void replicationIsDashedAndLabelled()
    {
        LinkItem *replication = linkBetween(*m_scene, *m_document, QStringLiteral("db-primary"),
                                            QStringLiteral("db-replica"));
        QVERIFY(replication);
        QVERIFY(replication->isDashed());
        QCOMPARE(replication->label(), QStringLiteral("replication"));
        LinkItem *http
            = linkBetween(*m_scene, *m_document, QStringLiteral("lb"), QStringLiteral("web-01"));
        QVERIFY(!http->isDashed());
        QVERIFY(http->label().isEmpty());
    }

    void linksBothWaysBetweenTwoNodesAreDrawnApart()
    {
        const NodeId web = idOf(*m_document, QStringLiteral("web-01"));
        const NodeId lb = idOf(*m_document, QStringLiteral("lb"));
        const Link back{m_document->topology().nextLinkId(), LinkKind::Http, web, lb};
        m_document->undoStack()->push(new AddItemsCommand(m_document.get(), {}, {back}));

        LinkItem *forward
            = linkBetween(*m_scene, *m_document, QStringLiteral("lb"), QStringLiteral("web-01"));
        LinkItem *backward = m_scene->linkItem(back.id);
        QVERIFY(forward && backward);
        const qreal apart = QLineF(forward->line().center(), backward->line().center()).length();
        QVERIFY2(apart >= 10.0, qPrintable(QStringLiteral("only %1 apart").arg(apart)));

        // Back to one link: it returns to the straight line between the cards.
        m_document->undoStack()->undo();
        QCOMPARE(m_scene->linkItems().size(), 8);
        QCOMPARE(forward->parallelOffset(), 0.0);
    }

    void renameShowsOnTheCardAndUndoRestoresIt()
    {
        const NodeId web = idOf(*m_document, QStringLiteral("web-01"));
        NodeItem *card = m_scene->nodeItem(web);
        m_document->undoStack()->push(
            new RenameNodeCommand(m_document.get(), web, QStringLiteral("web-east")));
        QCOMPARE(card->displayName(), QStringLiteral("web-east"));
        QVERIFY(card->toolTip().contains(QStringLiteral("web-east")));
        m_document->undoStack()->undo();
        QCOMPARE(card->displayName(), QStringLiteral("web-01"));
    }

    void moveCarriesTheCardAndItsLinks()
    {
        const NodeId web = idOf(*m_document, QStringLiteral("web-01"));
        NodeItem *card = m_scene->nodeItem(web);
        LinkItem *incoming
            = linkBetween(*m_scene, *m_document, QStringLiteral("lb"), QStringLiteral("web-01"));
        const QPointF before = card->pos();
        const QPointF tipBefore = incoming->line().p2();
        const QPointF after = before + QPointF(-200, 50);
        m_document->undoStack()->push(
            new MoveNodesCommand(m_document.get(), {{web, before}}, {{web, after}}));
        QCOMPARE(card->pos(), after);
        QVERIFY(QLineF(incoming->line().p2(), tipBefore).length() > 50);
        QVERIFY(Test::distanceToEdge(card->sceneCardRect(), incoming->line().p2()) < 6);
        m_document->undoStack()->undo();
        QCOMPARE(card->pos(), before);
        QCOMPARE(incoming->line().p2(), tipBefore);
    }

    void removeTakesTheCardAndItsLinksAway()
    {
        const NodeId web = idOf(*m_document, QStringLiteral("web-01"));
        m_document->undoStack()->push(new RemoveItemsCommand(m_document.get(), {web}, {}));
        QCOMPARE(m_scene->nodeItems().size(), 5);
        QCOMPARE(m_scene->linkItems().size(), 5); // lb→web-01 and web-01→both databases went
        QVERIFY(!m_scene->nodeItem(web));
        m_document->undoStack()->undo();
        QCOMPARE(m_scene->nodeItems().size(), 6);
        QCOMPARE(m_scene->linkItems().size(), 8);
        QCOMPARE(m_scene->nodeItem(web)->links().size(), 3);
    }

    void propertyChangesUpdateTheBadge()
    {
        const NodeId web = idOf(*m_document, QStringLiteral("web-01"));
        const NodeId db = idOf(*m_document, QStringLiteral("db-primary"));
        m_document->undoStack()->push(
            new SetPropertyCommand(m_document.get(), {web}, QStringLiteral("backup"), true));
        QCOMPARE(m_scene->nodeItem(web)->badgeText(), QStringLiteral("BACKUP"));
        m_document->undoStack()->push(new SetPropertyCommand(
            m_document.get(), {db}, QStringLiteral("role"), QStringLiteral("replica")));
        QCOMPARE(m_scene->nodeItem(db)->badgeText(), QStringLiteral("REPLICA"));
        m_document->undoStack()->push(
            new SetPropertyCommand(m_document.get(), {web}, QStringLiteral("port"), 9090));
        QCOMPARE(m_scene->nodeItem(web)->detailText(), QStringLiteral("127.0.0.1:9090"));
    }

    void addedNodesAppear()
    {
        Node node = Node::make(NodeKind::Firewall, QStringLiteral("fw"), QPointF(0, -150));
        node.id = m_document->topology().nextNodeId();
        m_document->undoStack()->push(new AddItemsCommand(m_document.get(), {node}, {}));
        QVERIFY(m_scene->nodeItemNamed(QStringLiteral("fw")));
        QCOMPARE(m_scene->nodeItemNamed(QStringLiteral("fw"))->detailText(),
                 QStringLiteral("firewall"));
        QVERIFY(m_scene->contentsRect().contains(QPointF(0, -150)));
    }

    void switchingDocumentsReplacesEveryItem()
    {
        Document other{Topology(), QString()};
        m_scene->setDocument(&other);
        QVERIFY(m_scene->items().isEmpty());
        m_scene->setDocument(m_document.get());
        QCOMPARE(m_scene->nodeItems().size(), 6);
    }

    void everyKindHasItsIcon()
    {
        for (NodeKind kind : allNodeKinds()) {
            const QImage image = Icons::kindPixmap(kind, 32, Qt::black).toImage();
            QVERIFY2(!image.isNull(), qPrintable(nodeKindId(kind)));
            int inked = 0;
            for (int y = 0; y < image.height(); ++y) {
                for (int x = 0; x < image.width(); ++x)
                    inked += qAlpha(image.pixel(x, y)) > 128 ? 1 : 0;
            }
            // Drawn, but not a filled square.
            QVERIFY2(inked > 40 && inked < 32 * 32 / 2, qPrintable(nodeKindId(kind)));
        }
    }

    void theApplicationHasItsIcon()
    {
        const QIcon icon = Icons::applicationIcon();
        QVERIFY(!icon.isNull());
        QVERIFY(!icon.pixmap(64, 64).isNull());
    }

    void textIsReadableInLightAndDarkPalettes()
    {
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        dark.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
        QPalette light;
        light.setColor(QPalette::Window, QColor(0xef, 0xef, 0xef));
        light.setColor(QPalette::Base, Qt::white);
        light.setColor(QPalette::Text, Qt::black);
        for (const QPalette &palette : {light, dark}) {
            const auto colors = DiagramStyle::Colors::fromPalette(palette);
            const auto contrast = [](const QColor &a, const QColor &b) {
                return std::abs(a.lightnessF() - b.lightnessF());
            };
            QVERIFY(contrast(colors.text, colors.card) > 0.7);
            QVERIFY(contrast(colors.mutedText, colors.card) > 0.35);
            QVERIFY(contrast(colors.httpLink, colors.canvas) > 0.3);
            QVERIFY(contrast(colors.cardBorder, colors.canvas) > 0.05);
        }
    }

    void cardsAreDrawnWhereTheNodesAre()
    {
        // Render the fitted diagram and look at a card: its fill differs
        // from the canvas around it.
        DiagramView view(m_scene.get());
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.zoomToFit();
        QImage image(view.viewport()->size(), QImage::Format_ARGB32);
        QPainter painter(&image);
        view.render(&painter, QRectF(), view.viewport()->rect());
        painter.end();
        const NodeItem *lb = m_scene->nodeItemNamed(QStringLiteral("lb"));
        const QPoint inCard = view.mapFromScene(lb->sceneCardRect().topRight() + QPointF(-8, 8));
        const QPoint onCanvas = view.mapFromScene(lb->sceneCardRect().topRight() + QPointF(30, -8));
        QVERIFY(image.rect().contains(inCard) && image.rect().contains(onCanvas));
        QCOMPARE(image.pixelColor(inCard), m_scene->colors().card);
        QVERIFY(image.pixelColor(onCanvas) != m_scene->colors().card);
        // The whole drawing is on screen.
        QVERIFY(QRectF(image.rect())
                    .contains(view.mapFromScene(m_scene->contentsRect()).boundingRect()));
    }

private:
    std::unique_ptr<Document> m_document;
    std::unique_ptr<DiagramScene> m_scene;
};

QTEST_MAIN(DiagramTest)
#include "tst_diagram.moc"
