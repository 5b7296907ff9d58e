#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QTcpSocket>

namespace Loadstar::Test {

// A response as a client read it off the wire.
struct HttpResponse
{
    int status = 0; // 0: not even a head arrived (timeout, or the connection closed first)
    QByteArray reason;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;     // as much as arrived
    bool complete = false; // the whole message arrived, body included

    QByteArray header(const QByteArray &name) const; // first match, case-insensitive
    // Which test backend answered (its X-Server field).
    QString server() const { return QString::fromLatin1(header("X-Server")); }
};

// A client on a real socket that sends exactly the bytes it is given, so
// tests can send malformed input byte for byte, and parses what comes back.
// It lives in the test's thread; every wait spins the event loop (the test
// backends answer meanwhile) and is bounded.
class TestClient : public QObject
{
    Q_OBJECT

public:
    explicit TestClient(QObject *parent = nullptr);

    // Connects to 127.0.0.1:port, from `from` when given (any 127.x.y.z
    // address works: all of 127/8 is loopback).
    bool connectTo(quint16 port, const QHostAddress &from = QHostAddress(), int timeoutMs = 5000);

    void send(const QByteArray &bytes);
    // Waits for one whole response and takes it off what has arrived; what
    // came of it when the connection closed or the time ran out first.
    // `headRequest`: the response has no body.
    HttpResponse readResponse(int timeoutMs = 5000, bool headRequest = false);
    // send() then readResponse().
    HttpResponse request(const QByteArray &raw, int timeoutMs = 5000);
    // A GET with a Host field, keeping the connection alive.
    HttpResponse get(const QByteArray &path = "/", int timeoutMs = 5000);

    // True once the other side has closed or reset the connection.
    bool isClosed() const { return m_closed; }
    bool waitForClosed(int timeoutMs = 5000);
    // Whether a response head (a blank line) has arrived yet.
    bool hasHead() const { return m_in.contains("\r\n\r\n"); }
    const QByteArray &received() const { return m_in; }
    // Every byte sent and received on this connection so far.
    qint64 bytesSent() const { return m_sent; }
    qint64 bytesReceived() const { return m_received; }

    // Closes gently (FIN), or resets (RST) as a vanishing client does.
    void close();
    void reset();
    // No more sending; the connection stays open for reading.
    void shutdownSend();

private:
    void take();
    // A whole response at the start of m_in: its size, or -1 while incomplete.
    qsizetype parse(HttpResponse &response, bool headRequest) const;

    QTcpSocket m_socket;
    QByteArray m_in;
    qint64 m_sent = 0;
    qint64 m_received = 0;
    bool m_closed = false;
};

// One request on a connection of its own; status 0 when none came back.
HttpResponse fetch(quint16 port, const QByteArray &raw, int timeoutMs = 5000,
                   const QHostAddress &from = QHostAddress());
// A GET of `path` on a connection of its own.
HttpResponse fetchGet(quint16 port, const QByteArray &path = "/", const QHostAddress &from = QHostAddress());

} // namespace Loadstar::Test
