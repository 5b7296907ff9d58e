#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace Loadstar::Engine::Http {

// Plain C++ on byte views, no Qt and no allocation per byte: this runs on the
// engine's data path for every request and response. The caller keeps the
// buffer alive while it uses the views.

struct Header
{
    std::string_view name;
    std::string_view value; // optional whitespace trimmed
};

// How the body after a head is delimited (RFC 9112 §6).
enum class Framing {
    None,          // no body
    ContentLength, // exactly `contentLength` bytes
    Chunked,       // chunked transfer coding, to the last chunk and trailers
    UntilClose,    // a response read until the server closes
};

struct Head
{
    // Requests: method, target; responses: status, reason.
    std::string_view method;
    std::string_view target;
    int status = 0;
    std::string_view reason;
    int versionMinor = 1; // HTTP/1.x
    std::vector<Header> headers;
    Framing framing = Framing::None;
    uint64_t contentLength = 0;
    bool keepAlive = true; // after this message, per version and Connection
    size_t size = 0;       // bytes of the head, blank line included

    std::string_view header(std::string_view name) const; // first match, case-insensitive
};

struct Limits
{
    size_t maxHeadBytes = 16 * 1024;      // larger: 431
    size_t maxHeaders = 100;              // more: 431
    uint64_t maxBodyBytes = uint64_t(1) << 30; // Content-Length above: 413
};

enum class Result {
    Incomplete, // feed more bytes
    Done,
    Error,
};

struct ParseOutcome
{
    Result result = Result::Incomplete;
    int errorStatus = 0;      // 400, 413 or 431 for Result::Error
    const char *error = "";   // a short reason, for logs
};

// Parses a request head at the start of `data`. Incomplete until the blank
// line has arrived; an error as soon as the head is too large, even before.
ParseOutcome parseRequest(std::string_view data, Head &head, const Limits &limits = {});

// Parses a response head; `requestMethod` decides whether a body follows
// (none after HEAD, and none for 1xx, 204 and 304).
ParseOutcome parseResponse(std::string_view data, std::string_view requestMethod, Head &head,
                           const Limits &limits = {});

// Follows a chunked body byte by byte so a proxy can forward it as it comes
// and know where the message ends. It does not copy or decode data.
class ChunkedDecoder
{
public:
    struct Step
    {
        size_t consumed = 0; // bytes of the input that belong to this message
        bool done = false;   // the last chunk and trailers are complete
        bool error = false;
    };

    Step feed(std::string_view data);
    uint64_t payloadBytes() const { return m_payload; }

private:
    enum class State { Size, SizeExtension, SizeLf, Data, DataCr, DataLf, Trailer, TrailerLine, TrailerLf, Done };
    State m_state = State::Size;
    uint64_t m_remaining = 0;
    uint64_t m_payload = 0;
    int m_digits = 0;
};

// The reason phrase of the statuses Loadstar itself answers with.
std::string_view reasonPhrase(int status);

} // namespace Loadstar::Engine::Http
