#include "DemoSchema.h"

namespace Loadstar::Engine::DemoSchema {

QString createStatements(const QString &engine)
{
    if (engine == QLatin1String("postgresql")) {
        return QStringLiteral("CREATE TABLE visits (id BIGINT PRIMARY KEY, client VARCHAR(64) NOT NULL, "
                              "path VARCHAR(64) NOT NULL, backend VARCHAR(64) NOT NULL, "
                              "written_at TIMESTAMP(3) NOT NULL DEFAULT now())");
    }
    return QStringLiteral("CREATE TABLE visits (id BIGINT UNSIGNED PRIMARY KEY, client VARCHAR(64) NOT NULL, "
                          "path VARCHAR(64) NOT NULL, backend VARCHAR(64) NOT NULL, "
                          "written_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)) ENGINE=InnoDB");
}

QString sanitized(const QString &value)
{
    QString safe = value.left(64);
    for (QChar &c : safe) {
        const bool kept = (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'))
                          || (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('-') || c == QLatin1Char('_')
                          || c == QLatin1Char('.') || c == QLatin1Char('/') || c == QLatin1Char(':');
        if (!kept)
            c = QLatin1Char('_');
    }
    return safe;
}

QString insertStatement(quint64 id, const QString &client, const QString &path, const QString &backend)
{
    return QStringLiteral("INSERT INTO visits (id, client, path, backend) VALUES (%1, '%2', '%3', '%4')")
        .arg(id)
        .arg(sanitized(client), sanitized(path), sanitized(backend));
}

QString latestStatement()
{
    return QStringLiteral("SELECT id FROM visits ORDER BY id DESC LIMIT 1");
}

QString idsFromStatement(quint64 from)
{
    return QStringLiteral("SELECT id FROM visits WHERE id >= %1").arg(from);
}

} // namespace Loadstar::Engine::DemoSchema
