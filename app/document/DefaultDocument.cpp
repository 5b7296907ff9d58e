#include "DefaultDocument.h"

#include "JsonFormat.h"

#include <QFile>

namespace Loadstar {

Topology referenceDocument()
{
    QFile file(QStringLiteral(":/documents/reference.json"));
    const bool opened = file.open(QIODevice::ReadOnly);
    Q_ASSERT_X(opened, "referenceDocument", "resource missing from the build");
    QString error;
    auto topology = JsonFormat::read(file.readAll(), &error);
    Q_ASSERT_X(topology, "referenceDocument", qPrintable(error));
    return topology.value_or(Topology());
}

} // namespace Loadstar
