#pragma once

#include "Probe.h"

#include <QAbstractSocket>
#include <QElapsedTimer>
#include <QList>
#include <QSslError>
#include <QTimer>

class QTcpSocket;

namespace Loadstar::Health {

// What every built-in probe shares: one connection per check (TLS when the
// check needs it), the check's timeout, and HAProxy's codes for what went
// wrong at each layer — L4 while connecting, L6 during the TLS handshake, L7
// once the check talks to the application. A subclass only speaks its
// protocol over the ready connection.
class ConnectionProbe : public Probe
{
    Q_OBJECT
public:
    explicit ConnectionProbe(QObject *parent = nullptr);
    ~ConnectionProbe() override;

    void start(const ProbeTarget &target) final;
    void cancel() final;

protected:
    enum class Transport { Plain, Tls };

    virtual Transport transport() const { return Transport::Plain; }
    // The connection is up (and encrypted for TLS): the protocol starts.
    virtual void onReady() = 0;
    // More bytes arrived; all of the answer so far is in buffer().
    virtual void onData() {}
    // The server closed the connection and no verdict was given yet.
    virtual void onClosed();
    // True: a connection still open at the verdict ends with a reset, not a
    // polite close — no FIN exchange and no TIME_WAIT left on this side,
    // which adds up at 1,000 checks a second.
    virtual bool resetsConnection() const { return false; }

    // Gives the verdict, closes the connection and emits finished().
    void finish(CheckCode code, const QString &reason);
    void send(const QByteArray &bytes);
    bool isFinished() const { return m_phase == Phase::Idle; }
    const QByteArray &buffer() const { return m_buffer; }
    const ProbeTarget &target() const { return m_target; }
    // Details and the HTTP status of the check in progress, for the subclass
    // to fill before finish().
    CheckResult &result() { return m_result; }

    // TLS: records what the server's certificate says in the details. An
    // expired certificate, or one expiring within certMinDays, finishes the
    // check (L6RSP) and returns false. The chain is not verified against a CA
    // (demo servers are self-signed): trust and host name go to the details.
    bool acceptCertificate();
    // "certificate valid for 3649 more days, self-signed", after acceptCertificate().
    QString certificateSummary() const;

private:
    enum class Phase { Idle, Connecting, Handshaking, Talking };

    void onConnected();
    void onEncrypted();
    void onReadyRead();
    void onSocketError(QAbstractSocket::SocketError error);
    void onTimeout();
    void dropSocket();
    void finishSoon(CheckCode code, const QString &reason);

    ProbeTarget m_target;
    QTcpSocket *m_socket = nullptr;
    QTcpSocket *m_spare = nullptr; // a closed plain socket kept for the next check
    QTimer m_timer;
    QElapsedTimer m_clock;
    Phase m_phase = Phase::Idle;
    quint64 m_generation = 0; // tells a stale queued verdict from the current check's
    QByteArray m_buffer;
    CheckResult m_result;
    QList<QSslError> m_sslErrors;
};

// Up to 40 bytes of an answer, printable, for a reason sentence.
QString sampleOf(const QByteArray &bytes);

} // namespace Loadstar::Health
