#include "MysqlProbe.h"

namespace Loadstar::Health {

namespace {

// A greeting is a few dozen bytes; a "length" beyond this is some other protocol.
constexpr int MaxGreeting = 64 * 1024;

} // namespace

void MysqlProbe::onData()
{
    const QByteArray &answer = buffer();
    if (answer.size() < 4)
        return;
    // Packet header: 3-byte little-endian payload length, 1-byte sequence id (0 first).
    const auto byte = [&answer](qsizetype i) { return quint8(answer.at(i)); };
    const int length = byte(0) | (byte(1) << 8) | (byte(2) << 16);
    if (byte(3) != 0 || length == 0 || length > MaxGreeting) {
        finish(CheckCode::L7RSP, QStringLiteral("Not a MySQL greeting: “%1”").arg(sampleOf(answer)));
        return;
    }
    if (answer.size() < 4 + length)
        return;
    const QByteArray payload = answer.mid(4, length);
    if (byte(4) == 10) {
        const qsizetype end = payload.indexOf('\0', 1);
        if (end < 0) {
            finish(CheckCode::L7RSP, QStringLiteral("MySQL greeting without a server version"));
            return;
        }
        const QString version = QString::fromUtf8(payload.mid(1, end - 1));
        result().details.insert(QStringLiteral("server_version"), version);
        finish(CheckCode::L7OK, QStringLiteral("MySQL server %1").arg(version));
        return;
    }
    if (byte(4) == 0xff && payload.size() >= 3) {
        // ERR packet: error code (2 bytes), then "#" and a 5-character SQL
        // state only once the client said it speaks protocol 4.1, which no
        // client has said yet at greeting time — but some servers add it anyway.
        const int code = quint8(payload.at(1)) | (quint8(payload.at(2)) << 8);
        QByteArray message = payload.mid(3);
        if (message.startsWith('#') && message.size() >= 6)
            message = message.mid(6);
        result().details.insert(QStringLiteral("error_code"), code);
        finish(CheckCode::L7STS, QStringLiteral("MySQL error %1: %2").arg(code).arg(QString::fromUtf8(message)));
        return;
    }
    finish(CheckCode::L7RSP, QStringLiteral("Not a MySQL greeting (protocol version %1)").arg(byte(4)));
}

void MysqlProbe::onClosed()
{
    finish(CheckCode::L7RSP, buffer().isEmpty()
               ? QStringLiteral("The server closed the connection without a MySQL greeting")
               : QStringLiteral("The server closed the connection in the middle of its greeting"));
}

} // namespace Loadstar::Health
