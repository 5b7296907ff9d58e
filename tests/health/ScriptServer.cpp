#include "ScriptServer.h"

#include <QPointer>
#include <QSslKey>
#include <QSslSocket>
#include <QTimer>

namespace Loadstar::Test {

ScriptServer::ScriptServer(QObject *parent)
    : QTcpServer(parent)
{
}

ScriptServer::~ScriptServer()
{
    for (QTcpSocket *socket : std::as_const(m_sockets))
        socket->abort();
}

bool ScriptServer::start()
{
    return listen(QHostAddress::LocalHost, 0);
}

void ScriptServer::setGreeting(const QByteArray &greeting, int delayMs)
{
    m_greeting = greeting;
    m_greetingDelay = delayMs;
}

void ScriptServer::setTls(const QString &certificatePath, const QString &keyPath)
{
    m_certificatePath = certificatePath;
    m_keyPath = keyPath;
}

void ScriptServer::incomingConnection(qintptr descriptor)
{
    auto *socket = new QSslSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    ++m_connections;
    m_received.clear();
    emit accepted();
    m_sockets << socket;
    connect(socket, &QSslSocket::readyRead, this, [this, socket] { onData(socket); });
    connect(socket, &QSslSocket::disconnected, this, [this, socket] {
        m_sockets.removeOne(socket);
        socket->deleteLater();
    });
    if (m_certificatePath.isEmpty()) {
        greet(socket);
    } else {
        socket->setLocalCertificate(m_certificatePath);
        socket->setPrivateKey(m_keyPath);
        connect(socket, &QSslSocket::encrypted, this, [this, socket] { greet(socket); });
        // A client that gives up on the handshake is no concern of the server's.
        connect(socket, &QSslSocket::sslErrors, socket, [socket] { socket->ignoreSslErrors(); });
        socket->startServerEncryption();
    }
}

void ScriptServer::greet(QTcpSocket *socket)
{
    if (m_greeting.isEmpty())
        return;
    if (m_greetingDelay == 0) {
        socket->write(m_greeting);
        return;
    }
    QTimer::singleShot(m_greetingDelay, socket, [socket, greeting = m_greeting] { socket->write(greeting); });
}

void ScriptServer::onData(QTcpSocket *socket)
{
    m_received += socket->readAll();
    if (!m_reply)
        return;
    const QByteArray answer = m_reply(m_received);
    if (answer.isEmpty())
        return;
    socket->write(answer);
    socket->disconnectFromHost();
}

QByteArray httpAnswer(int status, const QByteArray &body)
{
    return "HTTP/1.1 " + QByteArray::number(status) + " Whatever\r\nContent-Type: text/plain\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

} // namespace Loadstar::Test
