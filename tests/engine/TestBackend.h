#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

class QTcpServer;
class QTcpSocket;

namespace Loadstar::Test {

// A request as a test backend received it, after the proxy forwarded it.
struct ReceivedRequest
{
    QByteArray method;
    QByteArray target;
    QByteArray version;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;
    int connection = 0; // which of the backend's connections it came on, from 1

    // The first field of that name (case-insensitive), empty when absent.
    QByteArray header(const QByteArray &name) const;
    int headerCount(const QByteArray &name) const;
};

// A small real HTTP/1.1 server on 127.0.0.1 for the engine's tests. It lives
// in the test's thread: it accepts and answers while the test waits with
// QTRY_* (which spins the event loop), and the engine under test runs on
// threads of its own. By default every request gets "200 OK" with the
// backend's name in an X-Server field and as the body, the request's target
// in an X-Target field, and the connection
// stays open for the next request. A mode makes it misbehave the way real
// servers do.
class TestBackend : public QObject
{
    Q_OBJECT

public:
    enum class Mode {
        Answer,       // answer at once
        Delay,        // answer after delay() milliseconds
        Hold,         // keep the request until release()
        Close,        // close the connection without answering
        Reset,        // reset the connection without answering
        Garbage,      // answer bytes that are not HTTP
        PartialHold,  // send the head and part of the body, then wait for resetHeld()
        UntilClose,   // answer HTTP/1.0 without a length: the body ends when the connection closes
        Chunked,      // answer with a chunked body
        HugeHead,     // answer a head larger than any proxy buffer
    };

    explicit TestBackend(const QString &name, QObject *parent = nullptr);
    ~TestBackend() override;

    // Listens on 127.0.0.1, on a free port unless one is given.
    bool listen(quint16 port = 0);
    quint16 port() const;
    QString name() const { return m_name; }

    void setMode(Mode mode, int delayMs = 0);
    // The body of normal answers; the backend's name when never set.
    void setBody(const QByteArray &body) { m_body = body; }

    const QList<ReceivedRequest> &requests() const { return m_requests; }
    int requestCount() const { return int(m_requests.size()); }
    int heldCount() const { return int(m_held.size()); }
    // Answers every held request normally.
    void release();
    // Resets the connections of held requests (PartialHold: mid-response).
    void resetHeld();

    // The most requests it was working on at the same time.
    int maxInProgress() const { return m_maxInProgress; }

    int connectionsAccepted() const { return m_accepted; }
    int openConnections() const { return int(m_connections.size()); }

    // Stops listening and closes every connection.
    void stop();

private:
    struct Connection
    {
        int id = 0;
        QByteArray in;
        bool busy = false; // a request is being answered
    };

    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void process(QTcpSocket *socket);
    void handle(QTcpSocket *socket, const ReceivedRequest &request, bool keepAlive);
    void answer(QTcpSocket *socket, const QByteArray &target, bool keepAlive);
    void reset(QTcpSocket *socket);
    void forget(QTcpSocket *socket);

    QString m_name;
    QTcpServer *m_server;
    Mode m_mode = Mode::Answer;
    int m_delay = 0;
    QByteArray m_body;
    QList<ReceivedRequest> m_requests;
    struct Held
    {
        QTcpSocket *socket;
        QByteArray target;
        bool keepAlive;
    };
    QList<Held> m_held;
    QHash<QTcpSocket *, Connection> m_connections;
    int m_accepted = 0;
    int m_inProgress = 0;
    int m_maxInProgress = 0;
};

// A port on 127.0.0.1 where nothing listens, so connecting to it is refused.
// The port stays bound (without listening) while this object lives, so no
// other socket — the engine's own listener included — can be given it.
class RefusingPort
{
public:
    RefusingPort();
    ~RefusingPort();
    RefusingPort(const RefusingPort &) = delete;
    RefusingPort &operator=(const RefusingPort &) = delete;

    quint16 port() const { return m_port; }
    // Frees the port, for a server to start listening on it.
    void release();

private:
    int m_fd = -1;
    quint16 m_port = 0;
};

} // namespace Loadstar::Test
