// The same naive one-thread TCP forwarder on QTcpServer/QTcpSocket, to compare
// with asio_forwarder (issue 4: choose the data path by measurement).
//   qt_forwarder LISTEN_PORT BACKEND_PORT [BACKEND_PORT…]   (all on 127.0.0.1)
#include <QCoreApplication>
#include <QTcpServer>
#include <QTcpSocket>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 3) {
        std::fprintf(stderr, "usage: qt_forwarder LISTEN_PORT BACKEND_PORT...\n");
        return 2;
    }
    QList<quint16> backends;
    for (qsizetype i = 2; i < args.size(); ++i)
        backends.append(quint16(args.at(i).toUInt()));
    qsizetype next = 0;
    QTcpServer server;
    QObject::connect(&server, &QTcpServer::newConnection, [&] {
        while (QTcpSocket *client = server.nextPendingConnection()) {
            client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            auto *upstream = new QTcpSocket(client);
            upstream->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            auto relay = [](QTcpSocket *from, QTcpSocket *to) {
                QObject::connect(from, &QTcpSocket::readyRead, to, [from, to] {
                    if (to->state() == QAbstractSocket::ConnectedState)
                        to->write(from->readAll());
                });
                QObject::connect(from, &QTcpSocket::disconnected, to, [to] { to->disconnectFromHost(); });
            };
            relay(client, upstream);
            relay(upstream, client);
            QObject::connect(upstream, &QTcpSocket::connected, client, [client, upstream] {
                if (client->bytesAvailable())
                    upstream->write(client->readAll());
            });
            QObject::connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
            upstream->connectToHost(QStringLiteral("127.0.0.1"), backends.at(next++ % backends.size()));
        }
    });
    if (!server.listen(QHostAddress::LocalHost, quint16(args.at(1).toUInt()))) {
        std::fprintf(stderr, "qt_forwarder: %s\n", qPrintable(server.errorString()));
        return 1;
    }
    return app.exec();
}
