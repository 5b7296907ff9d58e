#pragma once

#include "HttpParser.h"
#include "ProxySession.h"

namespace Loadstar::Engine::detail {

// How much of a message body a buffer holds, per the message's framing.
class BodyTracker
{
public:
    void start(Http::Framing framing, uint64_t contentLength);
    // Bytes at the start of `data` that belong to the body; `done` once the
    // body is complete. False when a chunked body is malformed.
    bool take(std::string_view data, size_t &bytes);
    bool done() const { return m_done; }
    Http::Framing framing() const { return m_framing; }

private:
    Http::Framing m_framing = Http::Framing::None;
    uint64_t m_remaining = 0;
    Http::ChunkedDecoder m_chunked;
    bool m_done = true;
};

// A client connection in HTTP mode: HTTP/1.1 keep-alive on both sides, each
// request balanced on its own and sent over a reused server connection when
// one is idle, X-Forwarded-For added, HAProxy's timeouts and small, clear
// error responses.
class HttpSession final : public ProxySession
{
public:
    HttpSession(Worker &worker, std::shared_ptr<Listener> listener, Socket client);
    ~HttpSession() override;

    void start();
    void abort() override;

private:
    enum class Phase {
        Idle,            // between requests: no bytes of the next one yet
        RequestHead,     // part of a request head has arrived
        Dispatching,     // queue and connect, in ProxySession
        SendingRequest,
        RequestBody,     // streaming a request body from client to server
        WaitingResponse,
        SendingResponse,
        ResponseBody,    // streaming a response body from server to client
        SendingError,    // writing an error response, then closing
    };

    void waitForRequest();
    void readClient();
    void clientGone();
    void onClientData();
    void parseRequestHead();
    void beginExchange(const Http::Head &head);
    void serverReady() override;
    void serverUnavailable() override;
    void phaseDeadline() override;

    void sendRequest();
    void onRequestSent(const asio::error_code &error);
    void readRequestBody();
    void waitForResponse();
    void onResponseData(const asio::error_code &error, size_t bytes);
    void onResponseHead(const Http::Head &head);
    void onResponseSent(const asio::error_code &error, size_t bytes);
    void readResponseBody();
    void finishExchange();
    // The server failed the request; `what` names how, for observation.
    void serverFailed(int status, const char *what);

    void sendError(int status, std::string_view detail = {});
    void closeClient();
    void drainClient();
    void releaseBuffers();
    void ensureBuffer(Buffer &buffer) { if (buffer.isNull()) buffer = m_worker.buffers().get(); }
    bool stale(const std::shared_ptr<ServerConnection> &connection) const
    {
        return m_closed || connection != m_connection;
    }

    Phase m_phase = Phase::Idle;
    bool m_firstRequest = true;
    char m_first[160];  // the first bytes of a request, read while idle (most fit)
    Buffer m_in;   // from the client
    Buffer m_out;  // heads Loadstar writes
    Buffer m_from; // from the server
    char m_clientAddress[48] = {};
    size_t m_clientAddressLength = 0;

    // The request in progress.
    Clock::time_point m_requestStart;
    Clock::time_point m_requestSent;
    bool m_headRequest = false;
    bool m_idempotent = false;   // may be sent again when its server fails it unanswered
    bool m_clientKeepAlive = true;
    bool m_clientHttp10 = false;
    bool m_serverKeepAlive = true;
    BodyTracker m_body; // the request's body, then the response's
    size_t m_pendingBody = 0;    // body bytes in m_in sent with the head, kept for a resend
    bool m_replayable = false;   // the whole request went out in one write
    bool m_replayed = false;
    int m_status = 0;
};

} // namespace Loadstar::Engine::detail
