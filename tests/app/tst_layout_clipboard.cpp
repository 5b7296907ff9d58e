#include "TestTopologies.h"

#include "document/Clipboard.h"
#include "document/DefaultDocument.h"
#include "model/AutoLayout.h"
#include "model/Validator.h"

#include <QtTest>

using namespace Loadstar;

class LayoutClipboardTest : public QObject
{
    Q_OBJECT

private slots:
    void tiersFollowTheTraffic()
    {
        const Topology reference = referenceDocument();
        Topology t = reference;
        // Scramble the drawing first: the layout must not depend on it.
        for (const Node &node : reference.nodes())
            t.node(node.id)->position = QPointF(node.id * 37 % 11, node.id * 13 % 7);
        const auto at = arrangeInTiers(t);
        QCOMPARE(at.size(), t.nodes().size());
        auto y = [&](const char *name) { return at.value(t.nodeByName(QString::fromLatin1(name))->id).y(); };
        auto x = [&](const char *name) { return at.value(t.nodeByName(QString::fromLatin1(name))->id).x(); };
        QVERIFY(y("client") < y("lb"));
        QVERIFY(y("lb") < y("web-01"));
        QCOMPARE(y("web-01"), y("web-02"));
        QVERIFY(y("web-01") < y("db-primary"));
        QCOMPARE(y("db-primary"), y("db-replica"));
        QCOMPARE(qAbs(x("web-01") - x("web-02")), kTierColumnSpacing);
        QCOMPARE(x("client"), 0.0); // a lone node is centred
    }

    void largeTiersWrapAndNothingOverlaps()
    {
        const Topology t = Test::generated(3, 30);
        const auto at = arrangeInTiers(t);
        QSet<QPair<double, double>> seen;
        for (const QPointF &p : at)
            seen.insert({p.x(), p.y()});
        QCOMPARE(seen.size(), t.nodes().size());
        QSet<double> rows;
        double widest = 0;
        for (const Node &node : t.nodes()) {
            if (node.kind == NodeKind::WebServer) {
                rows.insert(at.value(node.id).y());
                widest = qMax(widest, qAbs(at.value(node.id).x()));
            }
        }
        QCOMPARE(rows.size(), 90 / kMaxNodesPerRow + 1); // 90 servers in rows of 12
        QVERIFY(widest <= kTierColumnSpacing * kMaxNodesPerRow / 2);
    }

    void serversSitUnderTheirLoadBalancer()
    {
        const Topology t = Test::generated(2, 2);
        const auto at = arrangeInTiers(t);
        const double lb0 = at.value(t.nodeByName(QStringLiteral("lb-0"))->id).x();
        const double lb1 = at.value(t.nodeByName(QStringLiteral("lb-1"))->id).x();
        QVERIFY(lb0 < lb1);
        // Both of lb-0's servers stand left of both of lb-1's: no crossing links.
        QVERIFY(at.value(t.nodeByName(QStringLiteral("web-0-1"))->id).x()
                < at.value(t.nodeByName(QStringLiteral("web-1-0"))->id).x());
    }

    void pasteGivesFreshIdsNamesAndPorts()
    {
        const Topology t = referenceDocument();
        const QList<NodeId> copied = {t.nodeByName(QStringLiteral("lb"))->id,
                                      t.nodeByName(QStringLiteral("web-01"))->id,
                                      t.nodeByName(QStringLiteral("web-02"))->id};
        const QByteArray data = Clipboard::encode(t, copied);
        QString error;
        const auto items = Clipboard::decode(data, t, QPointF(40, 40), &error);
        QVERIFY2(items, qPrintable(error));
        QCOMPARE(items->nodes.size(), 3);
        QCOMPARE(items->links.size(), 2); // lb→web-01, lb→web-02; the links to the databases stay behind
        QStringList names;
        for (const Node &node : items->nodes)
            names.append(node.name);
        QCOMPARE(names, (QStringList{"lb-01", "web-03", "web-04"}));

        Topology pasted = t;
        for (const Node &node : items->nodes)
            pasted.addNode(node);
        for (const Link &link : items->links)
            pasted.addLink(link);
        QCOMPARE(pasted.nodes().size(), 9);
        // The copy is a working second cluster: no name or port collides.
        QCOMPARE(validate(pasted).size(), 0);
        const Node *copyOfWeb = pasted.nodeByName(QStringLiteral("web-03"));
        QCOMPARE(copyOfWeb->position, t.nodeByName(QStringLiteral("web-01"))->position + QPointF(40, 40));
        QCOMPARE(copyOfWeb->boolProperty(QStringLiteral("backup")), false);
        QCOMPARE(pasted.nodeByName(QStringLiteral("web-04"))->boolProperty(QStringLiteral("backup")), true);
        const Link *toCopy = nullptr;
        for (const Link &link : pasted.links()) {
            if (link.to == copyOfWeb->id)
                toCopy = &link;
        }
        QVERIFY(toCopy);
        QCOMPARE(pasted.node(toCopy->from)->name, QStringLiteral("lb-01"));
    }

    void pasteOfSomethingElseFailsClearly()
    {
        QString error;
        QVERIFY(!Clipboard::decode("hello", referenceDocument(), {}, &error));
        QVERIFY(error.startsWith(QStringLiteral("it is not valid JSON")));
    }
};

QTEST_GUILESS_MAIN(LayoutClipboardTest)
#include "tst_layout_clipboard.moc"
