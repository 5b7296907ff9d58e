#include "StatsListener.h"

#include "EngineCore.h"
#include "HttpParser.h"

#include <QUrl>
#include <QUrlQuery>

namespace Loadstar::Engine::detail {

namespace {

constexpr int RequestTimeoutMs = 5000;
constexpr size_t MaxRequestBytes = 8 * 1024;

std::string response(int status, std::string_view reason, std::string_view contentType, const std::string &body)
{
    std::string text = "HTTP/1.1 " + std::to_string(status) + " ";
    text.append(reason);
    text += "\r\nContent-Type: ";
    text.append(contentType);
    text += "\r\nContent-Length: " + std::to_string(body.size())
            + "\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n" + body;
    return text;
}

std::string plain(int status, std::string_view reason, const QString &sentence)
{
    return response(status, reason, "text/plain; charset=utf-8", sentence.toStdString() + "\n");
}

std::string setServer(EngineCore &core, const QUrlQuery &query)
{
    const QString backend = query.queryItemValue(QStringLiteral("backend"), QUrl::FullyDecoded);
    const QString server = query.queryItemValue(QStringLiteral("server"), QUrl::FullyDecoded);
    if (backend.isEmpty() || server.isEmpty())
        return plain(400, "Bad Request", QStringLiteral("Say which server: /set?backend=LB&server=NAME&state=ready|drain|maint or &weight=N."));
    QString error;
    if (query.hasQueryItem(QStringLiteral("state"))) {
        const QString value = query.queryItemValue(QStringLiteral("state"));
        AdminState state;
        if (value == QLatin1String("ready"))
            state = AdminState::Ready;
        else if (value == QLatin1String("drain"))
            state = AdminState::Drain;
        else if (value == QLatin1String("maint"))
            state = AdminState::Maint;
        else
            return plain(400, "Bad Request", QStringLiteral("Unknown state “%1”: use ready, drain or maint.").arg(value));
        if (!core.setServerState(backend, server, state, &error))
            return plain(404, "Not Found", error);
        return plain(200, "OK", QStringLiteral("%1/%2 is now %3.").arg(backend, server, value));
    }
    if (query.hasQueryItem(QStringLiteral("weight"))) {
        bool ok = false;
        const int weight = query.queryItemValue(QStringLiteral("weight")).toInt(&ok);
        if (!ok || weight < 0 || weight > 256)
            return plain(400, "Bad Request", QStringLiteral("The weight must be a whole number from 0 to 256."));
        if (!core.setServerWeight(backend, server, weight, &error))
            return plain(404, "Not Found", error);
        return plain(200, "OK", QStringLiteral("%1/%2 now has weight %3.").arg(backend, server).arg(weight));
    }
    return plain(400, "Bad Request", QStringLiteral("Say what to set: state=ready|drain|maint or weight=N."));
}

// One request, one answer, then the connection closes.
class StatsSession final : public Session
{
public:
    StatsSession(Worker &worker, EngineCore &core, Socket socket)
        : Session(worker), m_core(core), m_socket(std::move(socket))
    {}

    void start()
    {
        setDeadline(RequestTimeoutMs);
        read();
    }
    void onDeadline() override { abort(); }
    void onDequeued(int) override {}
    void abort() override
    {
        asio::error_code ignored;
        m_socket.close(ignored);
    }

private:
    void read()
    {
        m_buffer.resize(m_used + 2048);
        m_socket.async_read_some(asio::buffer(m_buffer.data() + m_used, m_buffer.size() - m_used),
                                 [self = std::static_pointer_cast<StatsSession>(shared_from_this())](
                                     const asio::error_code &error, size_t bytes) { self->onRead(error, bytes); });
    }

    void onRead(const asio::error_code &error, size_t bytes)
    {
        if (error)
            return abort();
        m_used += bytes;
        const std::string_view data(m_buffer.data(), m_used);
        Http::Head head;
        const Http::ParseOutcome outcome = Http::parseRequest(data, head, {MaxRequestBytes, 100, 0});
        if (outcome.result == Http::Result::Incomplete)
            return read();
        if (outcome.result == Http::Result::Error)
            return reply(plain(outcome.errorStatus, "Bad Request", QString::fromLatin1(outcome.error)));
        reply(answerStatsRequest(m_core, head.method, head.target));
    }

    void reply(std::string text)
    {
        m_answer = std::move(text);
        asio::async_write(m_socket, asio::buffer(m_answer),
                          [self = std::static_pointer_cast<StatsSession>(shared_from_this())](const asio::error_code &,
                                                                                              size_t) {
                              asio::error_code ignored;
                              self->m_socket.shutdown(tcp::socket::shutdown_both, ignored);
                              self->abort();
                          });
    }

    EngineCore &m_core;
    Socket m_socket;
    std::string m_buffer;
    size_t m_used = 0;
    std::string m_answer;
};

} // namespace

std::string answerStatsRequest(EngineCore &core, std::string_view method, std::string_view target)
{
    const QUrl url(QString::fromUtf8(target.data(), qsizetype(target.size())));
    const QString path = url.path();
    if (path.startsWith(QLatin1String("/stats;csv"))) {
        if (method != "GET" && method != "HEAD")
            return plain(405, "Method Not Allowed", QStringLiteral("Use GET for /stats;csv."));
        return response(200, "OK", "text/csv; charset=utf-8", formatStatsCsv(core.stats()));
    }
    if (path == QLatin1String("/metrics")) {
        if (method != "GET" && method != "HEAD")
            return plain(405, "Method Not Allowed", QStringLiteral("Use GET for /metrics."));
        return response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", formatPrometheus(core.stats()));
    }
    if (path == QLatin1String("/set")) {
        // Changes go through POST only, so a link or a prefetch can't drain a server.
        if (method != "POST")
            return plain(405, "Method Not Allowed", QStringLiteral("Use POST for /set."));
        return setServer(core, QUrlQuery(url));
    }
    if (const Engine::ControlHandler page = core.controlPage(path)) {
        const Engine::ControlReply reply = page(QString::fromLatin1(method.data(), qsizetype(method.size())), QUrlQuery(url));
        return plain(reply.status, Http::reasonPhrase(reply.status), reply.text);
    }
    if (path == QLatin1String("/"))
        return plain(200, "OK", QStringLiteral("Loadstar stats: GET /stats;csv, GET /metrics, "
                                               "POST /set?backend=LB&server=NAME&state=ready|drain|maint or &weight=N"));
    return plain(404, "Not Found", QStringLiteral("No such page: %1").arg(path));
}

StatsListener::StatsListener(Worker &worker, EngineCore &core, int fd, const tcp::endpoint &bind)
    : m_worker(worker)
    , m_core(core)
    , m_acceptor(worker.io())
{
    asio::error_code ignored;
    m_acceptor.assign(bind.protocol(), fd, ignored);
}

void StatsListener::start()
{
    accept();
}

void StatsListener::accept()
{
    m_acceptor.async_accept(m_worker.io(), [self = shared_from_this()](const asio::error_code &error, Socket socket) {
        if (error == asio::error::operation_aborted || !self->m_acceptor.is_open())
            return;
        if (!error)
            std::make_shared<StatsSession>(self->m_worker, self->m_core, std::move(socket))->start();
        self->accept();
    });
}

} // namespace Loadstar::Engine::detail
