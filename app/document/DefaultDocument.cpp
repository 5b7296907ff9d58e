#include "DefaultDocument.h"

#include "JsonFormat.h"

#include <QFile>
#include <QObject>

namespace Loadstar {

namespace {

Topology shippedDocument(const QString &id)
{
    QFile file(QStringLiteral(":/documents/%1.json").arg(id));
    const bool opened = file.open(QIODevice::ReadOnly);
    Q_ASSERT_X(opened, "shippedDocument", "resource missing from the build");
    QString error;
    auto topology = JsonFormat::read(file.readAll(), &error);
    Q_ASSERT_X(topology, "shippedDocument", qPrintable(error));
    return topology.value_or(Topology());
}

} // namespace

Topology referenceDocument()
{
    return shippedDocument(QStringLiteral("reference"));
}

QList<DocumentTemplate> documentTemplates()
{
    return {
        {QStringLiteral("reference"), QObject::tr("Reference design"),
         QObject::tr("A client, one load balancer (web-01 active, web-02 backup) and a MariaDB primary with a replica"),
         referenceDocument()},
        {QStringLiteral("hardened"), QObject::tr("Hardened design"),
         QObject::tr("The reference design with two load balancers sharing a virtual address, TLS, a firewall "
                     "and monitoring"),
         shippedDocument(QStringLiteral("hardened"))},
    };
}

} // namespace Loadstar
