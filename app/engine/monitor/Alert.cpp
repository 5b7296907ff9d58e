#include "Alert.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Loadstar::Monitor {

namespace {

QString daysText(qint64 days)
{
    return days == 1 ? QStringLiteral("1 day") : QStringLiteral("%1 days").arg(days);
}

} // namespace

QString Alert::state() const
{
    switch (kind) {
    case Kind::Down: return QStringLiteral("DOWN");
    case Kind::Resolved: return QStringLiteral("UP");
    case Kind::CertificateExpiring: return QStringLiteral("EXPIRING");
    case Kind::CertificateRenewed: return QStringLiteral("OK");
    }
    return {};
}

QString Alert::previous() const
{
    switch (kind) {
    case Kind::Down: return QStringLiteral("UP");
    case Kind::Resolved: return QStringLiteral("DOWN");
    case Kind::CertificateExpiring: return QStringLiteral("OK");
    case Kind::CertificateRenewed: return QStringLiteral("EXPIRING");
    }
    return {};
}

QString Alert::summary() const
{
    const QString others = unreachable.join(QStringLiteral(", "));
    switch (kind) {
    case Kind::Down: {
        QString text = reason.isEmpty() ? QStringLiteral("%1 DOWN").arg(node)
                                        : QStringLiteral("%1 DOWN (%2)").arg(node, reason);
        if (!unreachable.isEmpty())
            text += QStringLiteral("; %1 unreachable because of %2").arg(others, node);
        return text;
    }
    case Kind::Resolved: {
        QString text = QStringLiteral("%1 UP again").arg(node);
        if (!unreachable.isEmpty())
            text += QStringLiteral("; %1 reachable again").arg(others);
        return text;
    }
    case Kind::CertificateExpiring:
        if (certDaysLeft < 0)
            return QStringLiteral("%1's certificate expired %2 ago").arg(node, daysText(-certDaysLeft));
        if (certDaysLeft == 0)
            return QStringLiteral("%1's certificate expires within a day").arg(node);
        return QStringLiteral("%1's certificate expires in %2").arg(node, daysText(certDaysLeft));
    case Kind::CertificateRenewed:
        return QStringLiteral("%1's certificate was renewed: %2 left").arg(node, daysText(certDaysLeft));
    }
    return {};
}

QByteArray Alert::toJson(const QString &document) const
{
    QJsonObject body;
    body.insert(QStringLiteral("id"), id);
    body.insert(QStringLiteral("monitor"), monitor);
    body.insert(QStringLiteral("node"), node);
    const bool certificate = kind == Kind::CertificateExpiring || kind == Kind::CertificateRenewed;
    body.insert(QStringLiteral("kind"), certificate ? QStringLiteral("certificate") : QStringLiteral("health"));
    body.insert(QStringLiteral("state"), state());
    body.insert(QStringLiteral("previous"), previous());
    body.insert(QStringLiteral("reason"), reason);
    body.insert(QStringLiteral("message"), message);
    body.insert(QStringLiteral("summary"), summary());
    body.insert(QStringLiteral("unreachable"), QJsonArray::fromStringList(unreachable));
    if (certificate)
        body.insert(QStringLiteral("cert_days_left"), certDaysLeft);
    body.insert(QStringLiteral("timestamp"), timestamp.toUTC().toString(Qt::ISODateWithMs));
    body.insert(QStringLiteral("document"), document);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

QString MonitorStatus::text() const
{
    QString text = firing == 0   ? (watched == 1 ? QStringLiteral("watching 1 node · no alert firing")
                                                 : QStringLiteral("watching %1 nodes · no alert firing").arg(watched))
                   : firing == 1 ? QStringLiteral("1 alert firing")
                                 : QStringLiteral("%1 alerts firing").arg(firing);
    if (!last.isEmpty())
        text += QStringLiteral(" · last: %1").arg(last);
    return text;
}

} // namespace Loadstar::Monitor
