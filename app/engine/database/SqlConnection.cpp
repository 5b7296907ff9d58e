#include "SqlConnection.h"

#include "MariaDbConnection.h"
#include "PostgresConnection.h"

namespace Loadstar::Engine::detail {

std::shared_ptr<SqlConnection> SqlConnection::create(asio::io_context &io, const QString &engine)
{
    if (engine == QLatin1String("mariadb") || engine == QLatin1String("mysql"))
        return std::make_shared<MariaDbConnection>(io);
    if (engine == QLatin1String("postgresql"))
        return std::make_shared<PostgresConnection>(io);
    return nullptr;
}

std::optional<std::string> literalAddress(const QString &address)
{
    if (address.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return std::string("127.0.0.1");
    std::string text = address.toStdString();
    asio::error_code error;
    asio::ip::make_address(text, error);
    if (error)
        return std::nullopt;
    return text;
}

QString firstLine(const char *text)
{
    QString line = QString::fromUtf8(text ? text : "");
    const qsizetype end = line.indexOf(QLatin1Char('\n'));
    if (end >= 0)
        line.truncate(end);
    return line.trimmed();
}

} // namespace Loadstar::Engine::detail
