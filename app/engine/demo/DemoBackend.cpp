#include "DemoBackend.h"

#include "DataTier.h"

#include "engine/HttpParser.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace Loadstar::Engine::detail {

using asio::ip::tcp;

namespace {

constexpr auto AcceptRetry = std::chrono::milliseconds(100);
constexpr auto LingerTime = std::chrono::seconds(2);

bool equalsNoCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

// A node name as a header value: control characters would end the field.
std::string fieldValue(const std::string &name)
{
    std::string value = name;
    for (char &c : value) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = '?';
    }
    return value;
}

// Writes change the data: the methods that do not only read (RFC 9110 §9.2.1).
bool writes(std::string_view method)
{
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

std::string message(std::string_view status, const std::string &servedBy, const std::string &body, bool head,
                    bool keepAlive, std::string_view database = {})
{
    std::string text;
    text.reserve(160 + body.size());
    text += "HTTP/1.1 ";
    text += status;
    text += "\r\nContent-Type: text/plain\r\nContent-Length: ";
    text += std::to_string(body.size());
    text += "\r\nX-Served-By: ";
    text += servedBy;
    if (!database.empty()) {
        text += "\r\nX-Database: ";
        text += database;
    }
    text += keepAlive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
    if (!head)
        text += body;
    return text;
}

} // namespace

// One client connection. It reads a request (head and body), answers it, and
// only then reads the next, so a hung or slow backend holds requests the way
// a stopped or slow process would. Pending operations own the connection;
// a parked one is owned by its backend.
class DemoConnection : public std::enable_shared_from_this<DemoConnection>
{
public:
    DemoConnection(std::shared_ptr<DemoBackend> backend, DemoSocket socket)
        : m_backend(std::move(backend))
        , m_socket(std::move(socket))
        , m_delay(m_socket.get_executor())
    {
        m_backend->connectionOpened(this);
    }
    ~DemoConnection() { close(); }
    DemoConnection(const DemoConnection &) = delete;
    DemoConnection &operator=(const DemoConnection &) = delete;

    void start() { read(); }
    // The backend was un-hung: answer what waited.
    void resume() { process(); }

    // Closes with a reset, as the kernel does for a killed process's sockets.
    void reset()
    {
        if (m_closed)
            return;
        asio::error_code ignored;
        m_socket.set_option(asio::socket_base::linger(true, 0), ignored);
        close();
    }

private:
    void read()
    {
        if (m_inBegin > 0) {
            std::memmove(m_in, m_in + m_inBegin, m_inEnd - m_inBegin);
            m_inEnd -= m_inBegin;
            m_inBegin = 0;
        }
        if (m_inEnd == sizeof m_in)
            return refuse(); // a head larger than the buffer
        m_socket.async_read_some(asio::buffer(m_in + m_inEnd, sizeof m_in - m_inEnd),
                                 [self = shared_from_this()](const asio::error_code &error, size_t n) {
                                     if (error || self->m_closed) {
                                         self->close();
                                         return;
                                     }
                                     self->m_inEnd += n;
                                     self->process();
                                 });
    }

    void write()
    {
        asio::async_write(m_socket, asio::buffer(m_out), [self = shared_from_this()](const asio::error_code &error, size_t) {
            if (error || self->m_closed) {
                self->close();
                return;
            }
            self->m_out.clear();
            if (self->m_closing)
                return self->lingeringClose();
            self->process();
        });
    }

    // Works through what has arrived: heads, bodies, answers. Ends with one
    // pending operation (a read, a write or the latency timer) or parked.
    void process()
    {
        while (!m_closed) {
            if (m_ready) {
                const DemoFault &fault = m_backend->fault();
                if (fault.hung || (fault.latencyMs > 0 && !m_delayed)) {
                    if (!m_out.empty())
                        return write(); // the answers before this one go first
                    if (fault.hung)
                        return m_backend->park(shared_from_this());
                    m_delay.expires_after(std::chrono::milliseconds(fault.latencyMs));
                    m_delay.async_wait([self = shared_from_this()](const asio::error_code &error) {
                        if (error || self->m_closed)
                            return;
                        self->m_delayed = true;
                        self->process();
                    });
                    return;
                }
                const bool sql = m_linked && m_backend->dataTier()->queries(m_backend->name());
                if (sql && !m_out.empty())
                    return write(); // the answers before this one go first
                const DemoBackend::Answer answer = m_backend->nextAnswer();
                if (sql && answer == DemoBackend::Answer::Ok)
                    return query();
                m_out += m_backend->response(answer, m_headRequest, m_keepAlive);
                m_backend->answered(answer);
                m_ready = m_delayed = false;
                if (!m_keepAlive) {
                    m_closing = true;
                    return write();
                }
                continue;
            }
            const std::string_view data(m_in + m_inBegin, m_inEnd - m_inBegin);
            if (m_chunked) {
                const Http::ChunkedDecoder::Step step = m_decoder.feed(data);
                m_inBegin += step.consumed;
                if (step.error)
                    return refuse();
                if (!step.done)
                    break;
                m_chunked = false;
                m_ready = true;
                continue;
            }
            if (m_bodyLeft > 0) {
                const size_t n = size_t(std::min<uint64_t>(m_bodyLeft, data.size()));
                m_inBegin += n;
                m_bodyLeft -= n;
                if (m_bodyLeft > 0)
                    break;
                m_ready = true;
                continue;
            }
            if (data.empty())
                break;
            const Http::ParseOutcome outcome = Http::parseRequest(data, m_head, m_limits);
            if (outcome.result == Http::Result::Incomplete)
                break;
            if (outcome.result == Http::Result::Error)
                return refuse();
            m_headRequest = m_head.method == "HEAD";
            m_keepAlive = m_head.keepAlive;
            m_linked = m_backend->dataTier() && m_backend->dataTier()->linked(m_backend->name());
            if (m_linked)
                takeDataRequest();
            m_chunked = m_head.framing == Http::Framing::Chunked;
            m_bodyLeft = m_head.framing == Http::Framing::ContentLength ? m_head.contentLength : 0;
            if (m_chunked)
                m_decoder = {};
            const bool body = m_chunked || m_bodyLeft > 0;
            // curl and others wait for this before they send a large body.
            if (body && m_head.versionMinor == 1 && equalsNoCase(m_head.header("expect"), "100-continue")
                && !m_backend->fault().hung)
                m_out += "HTTP/1.1 100 Continue\r\n\r\n";
            m_inBegin += m_head.size;
            m_ready = !body;
        }
        if (m_closed)
            return;
        if (!m_out.empty())
            write();
        else
            read();
    }

    // What the data tier needs of the request, copied: the head's views
    // point into the input buffer, which moves on.
    void takeDataRequest()
    {
        m_request.write = writes(m_head.method);
        m_request.path.assign(m_head.target);
        m_request.client.assign(m_head.header("x-loadstar-client"));
        if (m_request.client.empty()) {
            asio::error_code error;
            const tcp::endpoint peer = m_socket.remote_endpoint(error);
            if (!error)
                m_request.client = peer.address().to_string();
        }
    }

    // The request waits for its SQL, as it waits for latency; nothing else
    // is read or written meanwhile.
    void query()
    {
        m_backend->dataTier()->serve(m_backend->name(), std::move(m_request),
                                     [self = shared_from_this()](DataReply reply) { self->answerFromDatabases(reply); });
    }

    void answerFromDatabases(const DataReply &reply)
    {
        if (m_closed)
            return;
        m_out += m_backend->dataResponse(reply, m_headRequest, m_keepAlive);
        m_backend->answered(DemoBackend::Answer::Ok);
        m_ready = m_delayed = false;
        if (!m_keepAlive) {
            m_closing = true;
            return write();
        }
        process();
    }

    // Closing at once with unread input would reset the connection, and the
    // client could lose the answer just sent: send FIN, then read and drop
    // what the client still sends until it closes, for a bounded time.
    void lingeringClose()
    {
        asio::error_code ignored;
        m_socket.shutdown(tcp::socket::shutdown_send, ignored);
        m_delay.expires_after(LingerTime);
        m_delay.async_wait([self = shared_from_this()](const asio::error_code &error) {
            if (!error)
                self->close();
        });
        drain();
    }

    void drain()
    {
        m_socket.async_read_some(asio::buffer(m_in), [self = shared_from_this()](const asio::error_code &error, size_t) {
            if (error || self->m_closed)
                self->close();
            else
                self->drain();
        });
    }

    // A request that isn't HTTP, or a head too large for the buffer.
    void refuse()
    {
        m_out += m_backend->badRequest();
        m_closing = true;
        write();
    }

    void close()
    {
        if (m_closed)
            return;
        m_closed = true;
        asio::error_code ignored;
        m_delay.cancel();
        m_socket.close(ignored);
        m_backend->connectionClosed(this);
    }

    std::shared_ptr<DemoBackend> m_backend;
    DemoSocket m_socket;
    asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, DemoExecutor>
        m_delay;
    Http::Head m_head;
    Http::Limits m_limits{sizeof m_in - 1, 100, uint64_t(1) << 40};
    Http::ChunkedDecoder m_decoder;
    uint64_t m_bodyLeft = 0;
    bool m_chunked = false;
    bool m_ready = false;   // a whole request has been read and waits for its answer
    bool m_delayed = false; // its latency has passed
    bool m_headRequest = false;
    bool m_keepAlive = true;
    bool m_linked = false; // the backend links to databases: m_request holds this request's part
    DataRequest m_request;
    bool m_closing = false; // close once the pending write is done
    bool m_closed = false;
    std::string m_out;
    size_t m_inBegin = 0;
    size_t m_inEnd = 0;
    char m_in[8 * 1024];
};

DemoBackend::DemoBackend(asio::io_context &io, std::string name, tcp::endpoint endpoint, DataTier *dataTier)
    : m_name(std::move(name))
    , m_endpoint(endpoint)
    , m_dataTier(dataTier)
    , m_acceptor(io.get_executor())
    , m_acceptRetry(io)
{
    buildResponses();
}

DemoBackend::~DemoBackend() = default;

void DemoBackend::buildResponses()
{
    const std::string servedBy = fieldValue(m_name);
    const std::string bodies[2] = {m_name + '\n', m_name + ": injected error\n"};
    const std::string_view statuses[2] = {"200 OK", "500 Internal Server Error"};
    for (int answer = 0; answer < 2; ++answer) {
        for (int head = 0; head < 2; ++head) {
            for (int keepAlive = 0; keepAlive < 2; ++keepAlive)
                m_responses[answer][head][keepAlive] =
                    message(statuses[answer], servedBy, bodies[answer], head != 0, keepAlive != 0);
        }
    }
    m_badRequest = message("400 Bad Request", servedBy, m_name + ": bad request\n", false, false);
}

std::string DemoBackend::dataResponse(const DataReply &reply, bool head, bool keepAlive) const
{
    const std::string_view status = reply.status == 200 ? "200 OK" : "503 Service Unavailable";
    return message(status, fieldValue(m_name), reply.body, head, keepAlive, fieldValue(reply.databases));
}

int DemoBackend::listen()
{
    asio::error_code error;
    m_acceptor.open(m_endpoint.protocol(), error);
    if (!error)
        m_acceptor.set_option(tcp::acceptor::reuse_address(true), error);
    if (!error)
        m_acceptor.bind(m_endpoint, error);
    if (!error)
        m_acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
        asio::error_code ignored;
        m_acceptor.close(ignored);
        return error.value();
    }
    m_endpoint = m_acceptor.local_endpoint(error);
    ++m_generation;
    accept();
    return 0;
}

void DemoBackend::accept()
{
    m_acceptor.async_accept([self = shared_from_this(), generation = m_generation](const asio::error_code &error,
                                                                                    DemoSocket socket) {
        if (generation != self->m_generation) {
            // Accepted just before a kill: the kernel would have reset it.
            asio::error_code ignored;
            socket.set_option(asio::socket_base::linger(true, 0), ignored);
            return;
        }
        if (error) {
            if (error == asio::error::operation_aborted)
                return;
            // Out of descriptors, most likely: try again in a moment.
            self->m_acceptRetry.expires_after(AcceptRetry);
            self->m_acceptRetry.async_wait([self, generation](const asio::error_code &waitError) {
                if (!waitError && generation == self->m_generation)
                    self->accept();
            });
            return;
        }
        asio::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<DemoConnection>(self, std::move(socket))->start();
        self->accept();
    });
}

void DemoBackend::shutdown()
{
    ++m_generation;
    asio::error_code ignored;
    m_acceptor.close(ignored);
    m_acceptRetry.cancel();
    const std::vector<DemoConnection *> open(m_connections.begin(), m_connections.end());
    for (DemoConnection *connection : open)
        connection->reset();
    m_parked.clear();
}

int DemoBackend::setFault(const DemoFault &fault)
{
    const DemoFault previous = m_fault;
    m_fault = fault;
    if (fault.errorPercent != previous.errorPercent)
        m_errorAccumulator = 0;
    if (fault.killed && !previous.killed) {
        shutdown();
        return 0;
    }
    if (!fault.killed && previous.killed) {
        if (const int error = listen()) {
            m_fault.killed = true;
            return error;
        }
    }
    if (!fault.hung && previous.hung) {
        const std::vector<std::shared_ptr<DemoConnection>> parked = std::move(m_parked);
        m_parked.clear();
        for (const auto &connection : parked)
            connection->resume();
    }
    return 0;
}

DemoBackend::Answer DemoBackend::nextAnswer()
{
    m_errorAccumulator += std::clamp(m_fault.errorPercent, 0, 100);
    if (m_errorAccumulator >= 100) {
        m_errorAccumulator -= 100;
        return Answer::InjectedError;
    }
    return Answer::Ok;
}

const std::string &DemoBackend::response(Answer answer, bool head, bool keepAlive) const
{
    return m_responses[answer == Answer::InjectedError ? 1 : 0][head ? 1 : 0][keepAlive ? 1 : 0];
}

void DemoBackend::answered(Answer answer)
{
    m_counters.answered.fetch_add(1, std::memory_order_relaxed);
    if (answer == Answer::InjectedError)
        m_counters.errors.fetch_add(1, std::memory_order_relaxed);
}

void DemoBackend::connectionOpened(DemoConnection *connection)
{
    m_connections.insert(connection);
    m_counters.connections.fetch_add(1, std::memory_order_relaxed);
}

void DemoBackend::connectionClosed(DemoConnection *connection)
{
    m_connections.erase(connection);
    m_counters.connections.fetch_sub(1, std::memory_order_relaxed);
}

void DemoBackend::park(std::shared_ptr<DemoConnection> connection)
{
    m_parked.push_back(std::move(connection));
}

} // namespace Loadstar::Engine::detail
