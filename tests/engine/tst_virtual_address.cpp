#include "TestBackend.h"

#include "engine/vrrp/VirtualAddresses.h"

#include <QHostAddress>
#include <QMutex>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

using namespace Loadstar;
using namespace Loadstar::Engine;
using Loadstar::Test::TestBackend;

namespace {

const QString Shared = QStringLiteral("127.0.0.10");

// A port free on the shared address right now.
quint16 freePort()
{
    QTcpServer server;
    return server.listen(QHostAddress(Shared), 0) ? server.serverPort() : 0;
}

// One GET to the shared address; the answering backend's name ("" when the
// connection was refused or closed without an answer). The event loop spins
// meanwhile, so test backends in this thread answer.
QString served(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress(Shared), port);
    const bool settled = QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState
                                                      || socket.state() == QAbstractSocket::UnconnectedState; }, 5000);
    if (!settled || socket.state() != QAbstractSocket::ConnectedState)
        return {};
    socket.write("GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    QByteArray answer;
    (void)QTest::qWaitFor([&] {
        answer += socket.readAll();
        return answer.contains("\r\n\r\n") || socket.state() == QAbstractSocket::UnconnectedState;
    }, 5000);
    for (const QByteArray &line : answer.split('\n')) {
        if (line.toLower().startsWith("x-server:"))
            return QString::fromLatin1(line.mid(9).trimmed());
    }
    return {};
}

} // namespace

class TestVirtualAddress : public QObject
{
    Q_OBJECT

private slots:
    void theFirstMemberThatAnswersHoldsTheAddress()
    {
        TestBackend a(QStringLiteral("lb-a"));
        TestBackend b(QStringLiteral("lb-b"));
        QVERIFY(a.listen());
        QVERIFY(b.listen());
        const quint16 port = freePort();
        VirtualAddressConfig config{Shared, port,
                                    {{QStringLiteral("lb-a"), QStringLiteral("127.0.0.1"), a.port()},
                                     {QStringLiteral("lb-b"), QStringLiteral("127.0.0.1"), b.port()}}};

        QMutex mutex;
        QStringList changes;
        VirtualAddresses addresses;
        addresses.setMasterHandler([&](const QString &address, const QString &master, const QString &previous) {
            QMutexLocker lock(&mutex);
            changes.append(QStringLiteral("%1: %2 → %3").arg(address, previous, master));
        });
        QString error;
        QVERIFY2(addresses.start({config}, &error), qPrintable(error));
        QCOMPARE(addresses.masterOf(Shared), QStringLiteral("lb-a"));

        // Every connection to the shared address reaches the MASTER.
        QTRY_COMPARE(served(port), QStringLiteral("lb-a"));
        QCOMPARE(served(port), QStringLiteral("lb-a"));
        QCOMPARE(b.requestCount(), 0);

        // The MASTER dies: the very next connection is served by lb-b, and
        // lb-b holds the address.
        const quint16 aPort = a.port();
        a.stop();
        QCOMPARE(served(port), QStringLiteral("lb-b"));
        QCOMPARE(addresses.masterOf(Shared), QStringLiteral("lb-b"));

        // lb-a comes back on its port: the next advertisement check gives it
        // the address again (keepalived's preemption).
        QVERIFY(a.listen(aPort));
        QTRY_COMPARE_WITH_TIMEOUT(addresses.masterOf(Shared), QStringLiteral("lb-a"), 10000);
        QCOMPARE(served(port), QStringLiteral("lb-a"));

        QMutexLocker lock(&mutex);
        QCOMPARE(changes, (QStringList{QStringLiteral("127.0.0.10:  → lb-a"), QStringLiteral("127.0.0.10: lb-a → lb-b"),
                                      QStringLiteral("127.0.0.10: lb-b → lb-a")}));
    }

    void membersSeeTheClientsOwnLoopbackAddress()
    {
        // Firewall rules on a member judge the real source, not the relay.
        QTcpServer member;
        QVERIFY(member.listen(QHostAddress::LocalHost, 0));
        const quint16 port = freePort();
        VirtualAddresses addresses;
        QString error;
        QVERIFY2(addresses.start({{Shared, port, {{QStringLiteral("lb"), QStringLiteral("127.0.0.1"), member.serverPort()}}}},
                                 &error),
                 qPrintable(error));
        QTcpSocket client;
        QVERIFY(client.bind(QHostAddress(QStringLiteral("127.0.0.2")), 0));
        client.connectToHost(QHostAddress(Shared), port);
        QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);
        // The member also sees the advertisement checks' connections, from
        // the relay's own address; the client's comes from 127.0.0.2.
        QTcpSocket *accepted = nullptr;
        QTRY_VERIFY([&] {
            while (QTcpSocket *next = member.nextPendingConnection()) {
                if (next->peerAddress() == QHostAddress(QStringLiteral("127.0.0.2")))
                    accepted = next;
            }
            return accepted != nullptr;
        }());

        // Bytes pass both ways.
        client.write("ping");
        QTRY_COMPARE(accepted->bytesAvailable(), qint64(4));
        QCOMPARE(accepted->readAll(), QByteArray("ping"));
        accepted->write("pong");
        QTRY_COMPARE(client.bytesAvailable(), qint64(4));
        QCOMPARE(client.readAll(), QByteArray("pong"));

        // The member closes: so does the client's connection.
        accepted->close();
        QTRY_COMPARE(client.state(), QAbstractSocket::UnconnectedState);
    }

    void anAddressInUseIsRefusedInOneSentence()
    {
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress(Shared), 0));
        VirtualAddresses addresses;
        QString error;
        QVERIFY(!addresses.start({{Shared, squatter.serverPort(),
                                   {{QStringLiteral("lb-a"), QStringLiteral("127.0.0.1"), 1},
                                    {QStringLiteral("lb-b"), QStringLiteral("127.0.0.1"), 2}}}},
                                 &error));
        QCOMPARE(error, QStringLiteral("The virtual address 127.0.0.10:%1 of lb-a and lb-b can't be held: "
                                       "Address already in use.")
                            .arg(squatter.serverPort()));
        QCOMPARE(addresses.masterOf(Shared), QString());
    }

    void noMemberAnsweringClosesTheConnection()
    {
        const quint16 port = freePort();
        VirtualAddresses addresses;
        QString error;
        TestBackend gone(QStringLiteral("lb"));
        QVERIFY(gone.listen());
        const quint16 memberPort = gone.port();
        gone.stop();
        QVERIFY(addresses.start({{Shared, port, {{QStringLiteral("lb"), QStringLiteral("127.0.0.1"), memberPort}}}}, &error));
        QCOMPARE(served(port), QString());
        QCOMPARE(addresses.masterOf(Shared), QString());
    }
};

QTEST_GUILESS_MAIN(TestVirtualAddress)
#include "tst_virtual_address.moc"
