#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QTcpServer>

#include <functional>

class QTcpSocket;

namespace Loadstar::Test {

// A server on 127.0.0.1 that speaks whatever a probe test needs, byte for
// byte: a greeting sent first (MySQL), an answer to what the client sent
// (HTTP, PostgreSQL), garbage, or silence — over TLS when given a
// certificate. It lives in the test's thread and works while the test waits.
class ScriptServer : public QTcpServer
{
    Q_OBJECT
public:
    // What to send back, given everything the client sent on this connection
    // so far; empty: wait for more. The connection is closed after the answer.
    using Reply = std::function<QByteArray(const QByteArray &received)>;

    explicit ScriptServer(QObject *parent = nullptr);
    ~ScriptServer() override;

    bool start(); // listens on a free port of 127.0.0.1

    // Sent as soon as a connection is accepted (and encrypted), or after delayMs.
    void setGreeting(const QByteArray &greeting, int delayMs = 0);
    void setReply(Reply reply) { m_reply = std::move(reply); }
    // Serve TLS with this certificate and key (files under TEST_DATA_DIR/tls).
    void setTls(const QString &certificatePath, const QString &keyPath);

    // What the client sent on the latest connection.
    QByteArray received() const { return m_received; }
    int connections() const { return m_connections; }

signals:
    void accepted();

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void greet(QTcpSocket *socket);
    void onData(QTcpSocket *socket);

    QByteArray m_greeting;
    int m_greetingDelay = 0;
    Reply m_reply;
    QString m_certificatePath;
    QString m_keyPath;
    QByteArray m_received;
    int m_connections = 0;
    QList<QTcpSocket *> m_sockets;
};

// "HTTP/1.1 <status> …" with a Content-Length and Connection: close.
QByteArray httpAnswer(int status, const QByteArray &body = {});

} // namespace Loadstar::Test
