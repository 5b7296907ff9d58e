#include "HttpSession.h"

#include <array>
#include <charconv>

namespace Loadstar::Engine::detail {

namespace {

// Heads may take 15 KiB of a 16 KiB buffer; the rest is room for what the
// proxy adds (HAProxy's maxrewrite).
constexpr size_t RewriteRoom = 1024;
// Bodies announced beyond 1 GiB get 413 (the parser's default limit).
const Http::Limits RequestLimits{Buffer::Size - RewriteRoom, 100, Http::Limits().maxBodyBytes};
const Http::Limits ResponseLimits{Buffer::Size - RewriteRoom, 100, uint64_t(1) << 62};
// How long a closing connection may keep sending before it is cut.
constexpr int LingerMilliseconds = 1000;

// One parsed head per thread: heads are parsed and used synchronously, so
// sessions need not carry a header vector each.
thread_local Http::Head t_head;

char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

bool equalsNoCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

bool listedIn(std::string_view list, std::string_view token)
{
    while (!list.empty()) {
        const size_t comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
            item.remove_suffix(1);
        if (equalsNoCase(item, token))
            return true;
        if (comma == std::string_view::npos)
            break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

// Fields that describe one connection and so are not forwarded (RFC 9110
// §7.6.1), including those the Connection field names.
bool isHopByHop(std::string_view name, std::string_view connection)
{
    for (std::string_view hop : {"connection", "keep-alive", "proxy-connection", "upgrade", "te"}) {
        if (equalsNoCase(name, hop))
            return true;
    }
    return !connection.empty() && listedIn(connection, name);
}

// Room needed to copy a head's fields; a head that would not fit is refused.
size_t fieldsSize(const Http::Head &head)
{
    size_t size = 0;
    for (const Http::Header &field : head.headers)
        size += field.name.size() + field.value.size() + 4;
    return size;
}

void appendFields(Buffer &out, const Http::Head &head)
{
    const std::string_view connection = head.header("connection");
    for (const Http::Header &field : head.headers) {
        if (isHopByHop(field.name, connection))
            continue;
        out.append(field.name);
        out.append(": ");
        out.append(field.value);
        out.append("\r\n");
    }
}

void appendNumber(Buffer &out, uint64_t value)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append({digits, size_t(end - digits)});
}

} // namespace

void BodyTracker::start(Http::Framing framing, uint64_t contentLength)
{
    m_framing = framing;
    m_remaining = contentLength;
    m_chunked = {};
    m_done = framing == Http::Framing::None;
}

bool BodyTracker::take(std::string_view data, size_t &bytes)
{
    bytes = 0;
    if (m_done)
        return true;
    switch (m_framing) {
    case Http::Framing::None:
        return true;
    case Http::Framing::ContentLength:
        bytes = size_t(std::min<uint64_t>(m_remaining, data.size()));
        m_remaining -= bytes;
        m_done = m_remaining == 0;
        return true;
    case Http::Framing::Chunked: {
        const Http::ChunkedDecoder::Step step = m_chunked.feed(data);
        bytes = step.consumed;
        m_done = step.done;
        return !step.error;
    }
    case Http::Framing::UntilClose:
        bytes = data.size();
        return true;
    }
    return true;
}

HttpSession::HttpSession(Worker &worker, std::shared_ptr<Listener> listener, Socket client)
    : ProxySession(worker, std::move(listener), std::move(client))
{
    asio::error_code error;
    const tcp::endpoint peer = m_client.remote_endpoint(error);
    if (!error) {
        const std::string address = peer.address().to_string();
        m_clientAddressLength = std::min(address.size(), sizeof m_clientAddress);
        std::memcpy(m_clientAddress, address.data(), m_clientAddressLength);
    }
}

HttpSession::~HttpSession()
{
    releaseBuffers();
}

void HttpSession::start()
{
    waitForRequest();
}

void HttpSession::abort()
{
    m_closed = true;
    asio::error_code ignored;
    m_client.close(ignored);
    closeServerConnection();
}

void HttpSession::waitForRequest()
{
    m_backend = m_listener->backend();
    const FrontendConfig &config = m_backend->config();
    if (!m_in.isNull() && !m_in.empty()) { // pipelined: the next request is here already
        m_phase = Phase::RequestHead;
        setDeadline(config.timeoutHttpRequest);
        parseRequestHead();
        return;
    }
    m_phase = Phase::Idle;
    setDeadline(m_firstRequest ? config.timeoutHttpRequest : config.timeoutHttpKeepAlive);
    releaseBuffers();
    readClient();
}

// Reads what the client sends next. With nothing buffered (between
// requests) the read goes into a small buffer of the session's own, so an
// idle keep-alive connection holds no 16 KiB buffer; async_read_some rather
// than a readiness wait, because Asio re-arms epoll (a system call) for every
// wait but not for a read.
void HttpSession::readClient()
{
    auto self = std::static_pointer_cast<HttpSession>(shared_from_this());
    if (m_in.isNull() || m_in.empty()) {
        m_worker.buffers().put(m_in);
        m_client.async_read_some(asio::buffer(m_first), [self](const asio::error_code &error, size_t bytes) {
            if (self->m_closed || self->m_phase == Phase::SendingError)
                return;
            if (error)
                return self->clientGone();
            self->ensureBuffer(self->m_in);
            self->m_in.append({self->m_first, bytes});
            self->frontendCounters().bin.add(bytes);
            self->onClientData();
        });
        return;
    }
    m_client.async_read_some(m_in.tail(), [self](const asio::error_code &error, size_t bytes) {
        if (self->m_closed || self->m_phase == Phase::SendingError)
            return;
        if (error)
            return self->clientGone();
        self->m_in.produced(bytes);
        self->frontendCounters().bin.add(bytes);
        self->onClientData();
    });
}

// The client closed or reset its connection. Between requests that is how
// keep-alive ends; in the middle of a request body it is an abort.
void HttpSession::clientGone()
{
    if (m_phase == Phase::RequestBody) {
        frontendCounters().cliAbrt.add();
        backendCounters().cliAbrt.add();
        if (m_server >= 0)
            serverCounters().cliAbrt.add();
    }
    closeServerConnection();
    abort();
}

void HttpSession::onClientData()
{
    switch (m_phase) {
    case Phase::Idle:
        m_phase = Phase::RequestHead;
        // The first request's time runs from the accept, as in HAProxy, so
        // a slow first byte buys no time; later ones from their first byte.
        if (!m_firstRequest)
            setDeadline(m_backend->config().timeoutHttpRequest);
        parseRequestHead();
        return;
    case Phase::RequestHead:
        parseRequestHead();
        return;
    case Phase::RequestBody: {
        size_t bytes = 0;
        if (!m_body.take(m_in.view(), bytes)) {
            frontendCounters().ereq.add();
            sendError(400, "malformed chunked body");
            return;
        }
        if (bytes == 0) {
            readClient();
            return;
        }
        setDeadline(m_backend->config().timeoutServer);
        backendCounters().bin.add(bytes);
        serverCounters().bin.add(bytes);
        asio::async_write(m_connection->socket, asio::buffer(m_in.view().data(), bytes),
                          [self = std::static_pointer_cast<HttpSession>(shared_from_this()), connection = m_connection,
                           bytes](const asio::error_code &error, size_t) {
                              if (self->stale(connection))
                                  return;
                              if (error) {
                                  self->serverFailed(502, "connection lost while sending the request");
                                  return;
                              }
                              self->m_in.consume(bytes);
                              if (self->m_body.done()) {
                                  self->waitForResponse();
                              } else {
                                  self->setDeadline(self->m_backend->config().timeoutClient);
                                  self->readClient();
                              }
                          });
        return;
    }
    default:
        return; // a pipelined request waits until this one is done
    }
}

void HttpSession::parseRequestHead()
{
    const Http::ParseOutcome outcome = Http::parseRequest(m_in.view(), t_head, RequestLimits);
    switch (outcome.result) {
    case Http::Result::Incomplete:
        if (m_in.full()) {
            frontendCounters().ereq.add();
            sendError(431, "request head too large");
        } else {
            readClient();
        }
        return;
    case Http::Result::Error:
        frontendCounters().ereq.add();
        sendError(outcome.errorStatus, outcome.error);
        return;
    case Http::Result::Done:
        beginExchange(t_head);
        return;
    }
}

void HttpSession::beginExchange(const Http::Head &head)
{
    m_backend = m_listener->backend(); // a configuration applied while the connection idled counts
    const Clock::time_point now = Clock::now();
    m_requestStart = now;
    m_replayed = false;
    m_status = 0;
    CounterBlock &frontend = frontendCounters();
    frontend.reqTot.add();
    frontend.reqRate.add(coarseNow());
    backendCounters().reqTot.add();
    m_headRequest = head.method == "HEAD";
    m_idempotent = m_headRequest || head.method == "GET" || head.method == "PUT" || head.method == "DELETE"
                   || head.method == "OPTIONS" || head.method == "TRACE";
    m_clientKeepAlive = head.keepAlive;
    m_clientHttp10 = head.versionMinor == 0;

    ensureBuffer(m_out);
    m_out.clear();
    if (head.method.size() + head.target.size() + fieldsSize(head) + m_clientAddressLength + 64 > m_out.room()) {
        frontend.ereq.add();
        sendError(431, "request head too large");
        return;
    }
    // HTTP/1.1 towards the server, so the server connection stays open for
    // the next request; only a 1.0 request without Host stays 1.0, as
    // HTTP/1.1 requires a Host.
    const bool asHttp10 = head.versionMinor == 0 && head.header("host").empty();
    m_out.append(head.method);
    m_out.append(" ");
    m_out.append(head.target);
    m_out.append(asHttp10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
    appendFields(m_out, head);
    m_out.append("X-Forwarded-For: ");
    m_out.append({m_clientAddress, m_clientAddressLength});
    m_out.append("\r\n\r\n");
    m_in.consume(head.size);

    m_body.start(head.framing, head.contentLength);
    size_t bytes = 0;
    if (!m_body.take(m_in.view(), bytes)) {
        frontend.ereq.add();
        sendError(400, "malformed chunked body");
        return;
    }
    m_pendingBody = bytes;
    m_replayable = m_body.done();
    m_phase = Phase::Dispatching;
    clearDeadline();
    requestServer(true);
}

void HttpSession::serverReady()
{
    sendRequest();
}

void HttpSession::serverUnavailable()
{
    sendError(503);
}

void HttpSession::sendRequest()
{
    m_phase = Phase::SendingRequest;
    setDeadline(m_backend->config().timeoutServer);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(m_out.view()),
                                                    asio::buffer(m_in.view().data(), m_pendingBody)};
    const size_t bytes = m_out.size() + m_pendingBody;
    backendCounters().bin.add(bytes);
    serverCounters().bin.add(bytes);
    asio::async_write(m_connection->socket, buffers,
                      [self = std::static_pointer_cast<HttpSession>(shared_from_this()),
                       connection = m_connection](const asio::error_code &error, size_t) {
                          if (!self->stale(connection))
                              self->onRequestSent(error);
                      });
}

void HttpSession::onRequestSent(const asio::error_code &error)
{
    if (error) {
        serverFailed(502, "connection lost while sending the request");
        return;
    }
    if (!m_body.done()) {
        // The body is longer than what came with the head: stream the rest.
        m_in.consume(m_pendingBody);
        m_pendingBody = 0;
        m_replayable = false;
        m_phase = Phase::RequestBody;
        setDeadline(m_backend->config().timeoutClient);
        readClient();
        return;
    }
    waitForResponse();
}

void HttpSession::waitForResponse()
{
    if (m_phase != Phase::SendingRequest)
        m_replayable = false;
    m_phase = Phase::WaitingResponse;
    m_requestSent = Clock::now();
    setDeadline(m_backend->config().timeoutServer);
    ensureBuffer(m_from);
    m_connection->socket.async_read_some(
        m_from.tail(), [self = std::static_pointer_cast<HttpSession>(shared_from_this()),
                        connection = m_connection](const asio::error_code &error, size_t bytes) {
            if (!self->stale(connection))
                self->onResponseData(error, bytes);
        });
}

void HttpSession::onResponseData(const asio::error_code &error, size_t bytes)
{
    if (error) {
        serverFailed(502, error == asio::error::eof ? "connection closed before the response"
                                                    : "connection reset before the response");
        return;
    }
    m_from.produced(bytes);
    const Http::ParseOutcome outcome
        = Http::parseResponse(m_from.view(), m_headRequest ? "HEAD" : "GET", t_head, ResponseLimits);
    switch (outcome.result) {
    case Http::Result::Incomplete:
        if (m_from.full()) {
            m_replayable = false;
            serverFailed(502, "response head too large");
            return;
        }
        m_connection->socket.async_read_some(
            m_from.tail(), [self = std::static_pointer_cast<HttpSession>(shared_from_this()),
                            connection = m_connection](const asio::error_code &e, size_t n) {
                if (!self->stale(connection))
                    self->onResponseData(e, n);
            });
        return;
    case Http::Result::Error:
        m_replayable = false;
        serverFailed(502, "invalid response");
        return;
    case Http::Result::Done:
        break;
    }
    if (t_head.status == 101) { // upgrades are not forwarded, so a 101 is a server error
        m_replayable = false;
        serverFailed(502, "protocol upgrade");
        return;
    }
    if (t_head.status < 200) {
        // An interim response (100 Continue…) goes to the client as it is;
        // the final one follows.
        const size_t size = t_head.size;
        m_phase = Phase::SendingResponse;
        asio::async_write(m_client, asio::buffer(m_from.view().data(), size),
                          [self = std::static_pointer_cast<HttpSession>(shared_from_this()), connection = m_connection,
                           size](const asio::error_code &e, size_t) {
                              if (self->stale(connection))
                                  return;
                              if (e) {
                                  self->frontendCounters().cliAbrt.add();
                                  self->closeServerConnection();
                                  self->closeClient();
                                  return;
                              }
                              self->m_from.consume(size);
                              self->m_phase = Phase::WaitingResponse;
                              self->onResponseData({}, 0);
                          });
        return;
    }
    onResponseHead(t_head);
}

void HttpSession::onResponseHead(const Http::Head &head)
{
    const Clock::time_point now = Clock::now();
    const auto elapsed = now - m_requestSent;
    const uint64_t rtime = uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
    const uint64_t rtimeUs = uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
    serverCounters().rtime.add(rtime);
    backendCounters().rtime.add(rtime);
    serverCounters().rtimeWindow.add(now, rtimeUs);
    backendCounters().rtimeWindow.add(now, rtimeUs);
    serverCounters().serving.answered(coarseEpochMs());
    m_in.consume(m_pendingBody); // the request is delivered
    m_pendingBody = 0;
    m_status = head.status;
    m_serverKeepAlive = head.keepAlive;
    m_clientKeepAlive = m_clientKeepAlive && head.framing != Http::Framing::UntilClose && !m_listener->isClosed();

    m_out.clear();
    if (head.reason.size() + fieldsSize(head) + 64 > m_out.room()) {
        serverFailed(502, "response head too large");
        return;
    }
    m_out.append("HTTP/1.1 ");
    appendNumber(m_out, uint64_t(head.status));
    m_out.append(" ");
    m_out.append(head.reason);
    m_out.append("\r\n");
    appendFields(m_out, head);
    if (!m_clientKeepAlive)
        m_out.append("Connection: close\r\n");
    else if (m_clientHttp10) // HTTP/1.0 closes unless told otherwise
        m_out.append("Connection: keep-alive\r\n");
    m_out.append("\r\n");
    m_from.consume(head.size);

    m_body.start(head.framing, head.contentLength);
    size_t bytes = 0;
    if (!m_body.take(m_from.view(), bytes)) {
        serverFailed(502, "invalid response body");
        return;
    }
    const bool serverError = head.status >= 500 && head.status != 501 && head.status != 505;
    m_backend->observe(m_server, serverError ? Backend::Observed::ResponseError : Backend::Observed::ResponseOk,
                       "HTTP 5xx status");
    for (CounterBlock *counters : {&frontendCounters(), &backendCounters(), &serverCounters()})
        counters->countStatus(head.status);
    m_phase = Phase::SendingResponse;
    setDeadline(m_backend->config().timeoutClient);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(m_out.view()),
                                                    asio::buffer(m_from.view().data(), bytes)};
    frontendCounters().bout.add(m_out.size() + bytes);
    asio::async_write(m_client, buffers,
                      [self = std::static_pointer_cast<HttpSession>(shared_from_this()), connection = m_connection,
                       bytes](const asio::error_code &error, size_t) {
                          if (!self->stale(connection))
                              self->onResponseSent(error, bytes);
                      });
}

void HttpSession::onResponseSent(const asio::error_code &error, size_t bytes)
{
    if (error) {
        frontendCounters().cliAbrt.add();
        backendCounters().cliAbrt.add();
        serverCounters().cliAbrt.add();
        closeServerConnection();
        closeClient();
        return;
    }
    m_from.consume(bytes);
    backendCounters().bout.add(bytes);
    serverCounters().bout.add(bytes);
    if (m_body.done())
        finishExchange();
    else
        readResponseBody();
}

void HttpSession::readResponseBody()
{
    m_phase = Phase::ResponseBody;
    setDeadline(m_backend->config().timeoutServer);
    m_connection->socket.async_read_some(
        m_from.tail(), [self = std::static_pointer_cast<HttpSession>(shared_from_this()),
                        connection = m_connection](const asio::error_code &error, size_t n) {
            if (self->stale(connection))
                return;
            if (error) {
                if (error == asio::error::eof && self->m_body.framing() == Http::Framing::UntilClose) {
                    self->m_serverKeepAlive = false;
                    self->finishExchange();
                    return;
                }
                // The server broke off mid-response: nothing to tell the
                // client but a cut connection.
                self->serverCounters().srvAbrt.add();
                self->backendCounters().srvAbrt.add();
                self->frontendCounters().srvAbrt.add();
                self->closeServerConnection();
                self->closeClient();
                return;
            }
            self->m_from.produced(n);
            size_t bytes = 0;
            if (!self->m_body.take(self->m_from.view(), bytes)) {
                self->serverCounters().eresp.add();
                self->backendCounters().eresp.add();
                self->closeServerConnection();
                self->closeClient();
                return;
            }
            self->m_phase = Phase::SendingResponse;
            self->setDeadline(self->m_backend->config().timeoutClient);
            self->frontendCounters().bout.add(bytes);
            asio::async_write(self->m_client, asio::buffer(self->m_from.view().data(), bytes),
                              [self, connection, bytes](const asio::error_code &e, size_t) {
                                  if (!self->stale(connection))
                                      self->onResponseSent(e, bytes);
                              });
        });
}

void HttpSession::finishExchange()
{
    const uint64_t ttime = millisecondsSince(m_requestStart);
    serverCounters().ttime.add(ttime);
    backendCounters().ttime.add(ttime);
    // Bytes after the body mean the server is out of step: don't reuse it.
    const bool reuse = m_serverKeepAlive && m_from.empty();
    m_worker.buffers().put(m_from);
    releaseServer(reuse);
    m_firstRequest = false;
    if (!m_clientKeepAlive || m_listener->isClosed()) {
        closeClient();
        return;
    }
    waitForRequest();
}

void HttpSession::serverFailed(int status, const char *what)
{
    closeServerConnection();
    // Nothing of the request was answered: it can be sent again.
    const bool unanswered = status == 502 && m_replayable && m_from.empty()
                            && (m_phase == Phase::SendingRequest || m_phase == Phase::WaitingResponse);
    // A reused connection the server had closed while idle: send the request
    // once more on a new connection, as nothing of it was processed.
    if (unanswered && m_reused && !m_replayed) {
        m_replayed = true;
        m_phase = Phase::Dispatching;
        reconnect();
        return;
    }
    m_backend->observe(m_server, Backend::Observed::ResponseError, what);
    // The server went away with the request (killed, crashed): an idempotent
    // request goes to another server, so the client never hears of it
    // (HAProxy: retry-on conn-failure empty-response).
    if (unanswered && m_idempotent) {
        m_phase = Phase::Dispatching;
        if (retryElsewhere())
            return;
    }
    serverCounters().eresp.add();
    backendCounters().eresp.add();
    const std::string &server = m_backend->servers()[size_t(m_server)].name;
    m_worker.buffers().put(m_from);
    releaseServer(false);
    sendError(status, server);
}

void HttpSession::sendError(int status, std::string_view detail)
{
    if (m_server >= 0)
        releaseServer(false);
    ensureBuffer(m_out);
    m_out.clear();
    const std::string_view reason = Http::reasonPhrase(status);

    // The body says what happened in a sentence, naming the load balancer
    // or server concerned.
    char body[512];
    size_t length = 0;
    auto add = [&body, &length](std::string_view text) {
        const size_t n = std::min(text.size(), sizeof body - length);
        std::memcpy(body + length, text.data(), n);
        length += n;
    };
    char code[4] = {char('0' + status / 100), char('0' + status / 10 % 10), char('0' + status % 10), 0};
    add({code, 3});
    add(" ");
    add(reason);
    add(": ");
    switch (status) {
    case 400:
        add("the request is malformed (");
        add(detail);
        add(").");
        break;
    case 408:
        add("the request did not arrive in time.");
        break;
    case 413:
        add("the request body is larger than this load balancer accepts.");
        break;
    case 431:
        add("the request head is too large.");
        break;
    case 502:
        add("the server ");
        add(detail);
        add(" sent an invalid or incomplete response.");
        break;
    case 503:
        add("no server of ");
        add(m_backend->name());
        add(" is available to handle this request.");
        break;
    case 504:
        add("the server ");
        add(detail);
        add(" did not respond in time.");
        break;
    default:
        break;
    }
    add("\n");

    m_out.append("HTTP/1.1 ");
    m_out.append({code, 3});
    m_out.append(" ");
    m_out.append(reason);
    m_out.append("\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-cache\r\nContent-Length: ");
    appendNumber(m_out, length);
    m_out.append("\r\nConnection: close\r\n\r\n");
    m_out.append({body, length});

    frontendCounters().countStatus(status);
    if (status >= 500)
        backendCounters().countStatus(status);
    frontendCounters().bout.add(m_out.size());
    m_phase = Phase::SendingError;
    m_clientKeepAlive = false;
    setDeadline(m_backend->config().timeoutClient);
    asio::async_write(m_client, asio::buffer(m_out.view()),
                      [self = std::static_pointer_cast<HttpSession>(shared_from_this())](const asio::error_code &, size_t) {
                          if (!self->m_closed)
                              self->closeClient();
                      });
}

// Ends the client connection gently: no more sending, and what the client
// still sends is read and dropped for a moment, so the kernel doesn't answer
// it with a reset that could destroy the response it has not read yet.
void HttpSession::closeClient()
{
    if (m_closed)
        return;
    asio::error_code error;
    m_client.shutdown(tcp::socket::shutdown_send, error);
    if (error) {
        abort();
        return;
    }
    m_phase = Phase::SendingError;
    // A read may still be pending on the client (a request head that was
    // cut short by a 408, say): cancelled now, or the kernel's next bytes
    // would land in a buffer that is back in the pool, another session's.
    m_client.cancel(error);
    releaseBuffers();
    setDeadline(LingerMilliseconds);
    drainClient();
}

void HttpSession::drainClient()
{
    char sink[1024];
    asio::error_code error;
    do {
        m_client.read_some(asio::buffer(sink), error);
    } while (!error);
    if (error != asio::error::would_block) {
        abort(); // the client closed too: done
        return;
    }
    m_client.async_wait(tcp::socket::wait_read,
                        [self = std::static_pointer_cast<HttpSession>(shared_from_this())](const asio::error_code &e) {
                            if (self->m_closed)
                                return;
                            if (e)
                                self->abort();
                            else
                                self->drainClient();
                        });
}

void HttpSession::phaseDeadline()
{
    clearDeadline();
    switch (m_phase) {
    case Phase::Idle:
        abort(); // keep-alive or first-request timeout with nothing sent
        return;
    case Phase::RequestHead:
        frontendCounters().ereq.add();
        sendError(408);
        return;
    case Phase::SendingRequest:
    case Phase::WaitingResponse:
        m_replayable = false;
        serverFailed(504, "response timeout");
        return;
    case Phase::RequestBody:
    case Phase::SendingResponse:
        frontendCounters().cliAbrt.add();
        closeServerConnection();
        abort();
        return;
    case Phase::ResponseBody:
        serverCounters().srvAbrt.add();
        closeServerConnection();
        abort();
        return;
    case Phase::Dispatching:
        return;
    case Phase::SendingError:
        abort();
        return;
    }
}

void HttpSession::releaseBuffers()
{
    BufferPool &pool = m_worker.buffers();
    pool.put(m_in);
    pool.put(m_out);
    pool.put(m_from);
}

} // namespace Loadstar::Engine::detail
