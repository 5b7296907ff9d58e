#include "RedisProbe.h"

namespace Loadstar::Health {

void RedisProbe::onReady()
{
    send(QByteArrayLiteral("PING\r\n"));
}

void RedisProbe::onData()
{
    const QByteArray &answer = buffer();
    if (!answer.startsWith('+') && !answer.startsWith('-')) {
        finish(CheckCode::L7RSP, QStringLiteral("Not a Redis answer to PING: “%1”").arg(sampleOf(answer)));
        return;
    }
    const qsizetype end = answer.indexOf("\r\n");
    if (end < 0) {
        if (answer.size() > 512)
            finish(CheckCode::L7RSP, QStringLiteral("Not a Redis answer to PING: “%1”").arg(sampleOf(answer)));
        return;
    }
    const QByteArray line = answer.left(end);
    if (line == "+PONG")
        finish(CheckCode::L7OK, QStringLiteral("Redis answered PONG"));
    else if (line.startsWith('-'))
        finish(CheckCode::L7STS, QStringLiteral("Redis error: %1").arg(QString::fromUtf8(line.mid(1))));
    else
        finish(CheckCode::L7RSP, QStringLiteral("Not a Redis answer to PING: “%1”").arg(sampleOf(line)));
}

} // namespace Loadstar::Health
