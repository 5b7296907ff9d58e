// The reference design run in the window, for real, on free ports: real
// MariaDB servers for db-primary and db-replica, the client's requests
// reaching them as reads and writes, then db-primary killed and db-replica
// promoted from their cards' menus, as a user would.

#include "FreePorts.h"
#include "UiTestSupport.h"
#include "WindowTestSupport.h"

#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "engine/database/DatabaseServers.h"
#include "ui/RunActions.h"
#include "ui/panels/EventLogPanel.h"

#include <QTcpServer>

#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Ui;

namespace {

// The reference design with every listener on a free port.
Topology referenceOnFreePorts()
{
    Topology t = referenceDocument();
    const QStringList names{QStringLiteral("lb"), QStringLiteral("web-01"),
                            QStringLiteral("web-02"), QStringLiteral("db-primary"),
                            QStringLiteral("db-replica")};
    const QList<quint16> ports = Test::freePorts(int(names.size()));
    for (qsizetype i = 0; i < names.size(); ++i) {
        const QString error = t.node(t.nodeByName(names.at(i))->id)
                                  ->setProperty(QStringLiteral("port"), ports.at(i));
        if (!error.isEmpty())
            qFatal("%s: %s", qPrintable(names.at(i)), qPrintable(error));
    }
    return t;
}

QStringList rowsContaining(const EventLogPanel &events, const QString &text)
{
    QStringList rows;
    for (int row = 0; row < events.rowCount(); ++row) {
        if (events.rowText(row).contains(text))
            rows.append(events.rowText(row));
    }
    return rows;
}

// The first Run makes the template data directory: give it time.
constexpr int StartTimeoutMs = 90000;
constexpr int Timeout = 30000;

} // namespace

class DatabaseRunTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_settingsDir.isValid());
        Test::isolateSettings(m_settingsDir.path());
        const QString missing = Engine::DatabaseServers::missingProgram(QStringLiteral("mariadb"));
        if (!missing.isEmpty())
            QSKIP(qPrintable(missing));
    }

    void cleanup() { m_window.reset(); }

    void theReferenceDesignFailsOverItsDatabaseInFrontOfTheUser()
    {
        MainWindow &window = Test::startWindow(m_window, m_prompts, m_dir);
        window.controller()->newFromTemplate(referenceOnFreePorts());
        EventLogPanel *events = window.eventLogPanel();
        window.runActions()->runAction()->trigger();
        // Every card comes alive: the servers and both databases UP.
        for (const char *node : {"web-01", "web-02", "db-primary", "db-replica"})
            QTRY_COMPARE_WITH_TIMEOUT(card(node)->statusText(), QStringLiteral("UP"),
                                      StartTimeoutMs);
        for (const char *node : {"client", "lb"})
            QVERIFY(card(node)->liveState().running);
        QCOMPARE(card("db-primary")->badgeText(), QStringLiteral("PRIMARY"));
        QCOMPARE(card("db-replica")->badgeText(), QStringLiteral("REPLICA"));

        // Queries move from web-01 (the active server) to the databases:
        // writes to the primary, reads to the replica, whose lag is shown.
        QTRY_VERIFY_WITH_TIMEOUT(link("web-01", "db-primary")->liveState().writesPerSecond > 0,
                                 Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(link("web-01", "db-replica")->liveState().readsPerSecond > 0,
                                 Timeout);
        QVERIFY(link("web-01", "db-replica")->isFlowing());
        QTRY_VERIFY_WITH_TIMEOUT(
            link("db-primary", "db-replica")->label().startsWith(QStringLiteral("lag ")), Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(card("db-primary")->figuresText().contains(QStringLiteral("q/s")),
                                 Timeout);

        // Kill the primary from its card's menu.
        Test::actionNamed(*Test::contextMenuOn(window, "db-primary"), "actionKill")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(card("db-primary")->statusText(), QStringLiteral("DOWN"),
                                  Timeout);
        QCOMPARE(card("db-primary")->liveState().fault, QStringLiteral("killed"));

        // Promote the replica from its card's menu.
        Test::actionNamed(*Test::contextMenuOn(window, "db-replica"), "actionPromote")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(card("db-replica")->badgeText(), QStringLiteral("PRIMARY"),
                                  Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(card("db-primary")->badgeText(), QStringLiteral("FENCED"),
                                  Timeout);
        QVERIFY(card("db-primary")->isFenced());
        // Writes reach the new primary.
        QTRY_VERIFY_WITH_TIMEOUT(link("web-01", "db-replica")->liveState().writesPerSecond > 0,
                                 Timeout);

        // The Events row says what the failover cost.
        const QString promoted = QStringLiteral("db-replica promoted to primary");
        QTRY_COMPARE_WITH_TIMEOUT(rowsContaining(*events, promoted).size(), 1, Timeout);
        const QString row = rowsContaining(*events, promoted).first();
        QVERIFY2(row.contains(QStringLiteral("REPLICA → PRIMARY")), qPrintable(row));
        QVERIFY2(row.contains(QStringLiteral("writes refused for"))
                     || row.contains(QStringLiteral("no write refused")),
                 qPrintable(row));

        window.runActions()->stopAction()->trigger();
        QTRY_VERIFY(!card("db-primary")->liveState().running);
    }

private:
    NodeItem *card(const char *name) const { return Test::cardNamed(*m_window->scene(), name); }
    LinkItem *link(const char *from, const char *to) const
    {
        return Test::linkBetween(*m_window->scene(), from, to);
    }

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_dir;
    ScriptedPrompts m_prompts;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(DatabaseRunTest)
#include "tst_database_run.moc"
