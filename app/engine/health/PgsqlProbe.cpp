#include "PgsqlProbe.h"

#include <QtEndian>

namespace Loadstar::Health {

namespace {

constexpr quint32 MaxMessage = 8192;

QString authenticationName(quint32 code)
{
    switch (code) {
    case 0: return QStringLiteral("ok");
    case 2: return QStringLiteral("kerberos");
    case 3: return QStringLiteral("password");
    case 5: return QStringLiteral("md5");
    case 7: return QStringLiteral("gss");
    case 9: return QStringLiteral("sspi");
    case 10: return QStringLiteral("sasl");
    default: return {};
    }
}

QByteArray startupMessage()
{
    QByteArray body;
    body += QByteArray("\x00\x03\x00\x00", 4); // protocol 3.0
    body += QByteArray("user\0loadstar\0", 14);
    body += QByteArray("application_name\0loadstar health check\0", 39);
    body += '\0';
    QByteArray message(4, '\0');
    qToBigEndian(quint32(body.size() + 4), message.data());
    return message + body;
}

} // namespace

void PgsqlProbe::onReady()
{
    send(startupMessage());
}

void PgsqlProbe::onData()
{
    const QByteArray &answer = buffer();
    const char type = answer.at(0);
    if (type != 'R' && type != 'E') {
        finish(CheckCode::L7RSP, QStringLiteral("Not a PostgreSQL answer: “%1”").arg(sampleOf(answer)));
        return;
    }
    if (answer.size() < 5)
        return;
    const quint32 length = qFromBigEndian<quint32>(answer.constData() + 1);
    if (length < 4 || length > MaxMessage || (type == 'R' && length < 8)) {
        finish(CheckCode::L7RSP, QStringLiteral("Not a PostgreSQL answer: “%1”").arg(sampleOf(answer)));
        return;
    }
    if (quint32(answer.size()) < 1 + length)
        return;

    if (type == 'R') {
        const quint32 code = qFromBigEndian<quint32>(answer.constData() + 5);
        const QString method = authenticationName(code);
        if (method.isEmpty()) {
            finish(CheckCode::L7RSP, QStringLiteral("Unknown PostgreSQL authentication request %1").arg(code));
            return;
        }
        result().details.insert(QStringLiteral("auth"), method);
        finish(CheckCode::L7OK, code == 0 ? QStringLiteral("PostgreSQL server accepted the connection")
                                          : QStringLiteral("PostgreSQL server asks for %1 authentication").arg(method));
        return;
    }

    // ErrorResponse: fields of a type byte and a NUL-terminated string, then a NUL.
    QString severity;
    QString message;
    QString sqlState;
    qsizetype at = 5;
    while (at < qsizetype(1 + length) && answer.at(at) != '\0') {
        const char field = answer.at(at);
        const qsizetype end = answer.indexOf('\0', at + 1);
        if (end < 0 || end >= qsizetype(1 + length))
            break;
        const QString value = QString::fromUtf8(answer.mid(at + 1, end - at - 1));
        if (field == 'S')
            severity = value;
        else if (field == 'M')
            message = value;
        else if (field == 'C')
            sqlState = value;
        at = end + 1;
    }
    if (message.isEmpty()) {
        finish(CheckCode::L7RSP, QStringLiteral("PostgreSQL error answer without a message"));
        return;
    }
    result().details.insert(QStringLiteral("error"), message);
    result().details.insert(QStringLiteral("sqlstate"), sqlState);
    finish(CheckCode::L7OK, QStringLiteral("PostgreSQL server answered: %1%2")
                                .arg(severity.isEmpty() ? QString() : severity + QStringLiteral(": "), message));
}

void PgsqlProbe::onClosed()
{
    finish(CheckCode::L7RSP, buffer().isEmpty()
               ? QStringLiteral("The server closed the connection without a PostgreSQL answer")
               : QStringLiteral("The server closed the connection in the middle of its answer"));
}

} // namespace Loadstar::Health
