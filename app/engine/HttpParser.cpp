#include "HttpParser.h"

#include <algorithm>

namespace Loadstar::Engine::Http {

namespace {

constexpr size_t npos = std::string_view::npos;

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

// RFC 9110 token characters.
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), isTokenChar);
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// Does a comma-separated header value hold `token`?
bool hasToken(std::string_view list, std::string_view token)
{
    while (!list.empty()) {
        const size_t comma = list.find(',');
        if (equalsNoCase(trim(list.substr(0, comma)), token))
            return true;
        if (comma == npos)
            break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

// Where the head ends: just past the first empty line ("\n\n" or "\n\r\n").
size_t findHeadEnd(std::string_view data)
{
    for (size_t i = data.find('\n'); i != npos; i = data.find('\n', i + 1)) {
        if (i + 1 < data.size() && data[i + 1] == '\n')
            return i + 2;
        if (i + 2 < data.size() && data[i + 1] == '\r' && data[i + 2] == '\n')
            return i + 3;
    }
    return npos;
}

ParseOutcome fail(int status, const char *reason)
{
    return {Result::Error, status, reason};
}

// Splits the head into its first line and header fields; the caller checks
// the first line.
ParseOutcome splitHead(std::string_view data, const Limits &limits, Head &head, std::string_view &firstLine)
{
    // Keep the header vector's capacity: a proxy parses a head per request.
    std::vector<Header> headers = std::move(head.headers);
    headers.clear();
    head = Head();
    head.headers = std::move(headers);
    size_t start = 0;
    // A client may send stray empty lines between requests (RFC 9112 §2.2).
    while (start < data.size() && (data[start] == '\r' || data[start] == '\n'))
        ++start;
    const size_t end = findHeadEnd(data.substr(start));
    if (end == npos) {
        if (data.size() > limits.maxHeadBytes)
            return fail(431, "head too large");
        return {};
    }
    if (end > limits.maxHeadBytes)
        return fail(431, "head too large");
    head.size = start + end;

    std::string_view rest = data.substr(start, end);
    auto nextLine = [&rest]() {
        const size_t lf = rest.find('\n');
        std::string_view line = rest.substr(0, lf);
        rest.remove_prefix(lf + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        return line;
    };
    firstLine = nextLine();
    for (std::string_view line = nextLine(); !line.empty(); line = nextLine()) {
        if (line.front() == ' ' || line.front() == '\t')
            return fail(400, "obsolete line folding");
        const size_t colon = line.find(':');
        if (colon == npos || !isToken(line.substr(0, colon)))
            return fail(400, "malformed header field");
        const std::string_view value = trim(line.substr(colon + 1));
        for (char c : value) {
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
                return fail(400, "control character in header value");
        }
        if (head.headers.size() == limits.maxHeaders)
            return fail(431, "too many header fields");
        head.headers.push_back({line.substr(0, colon), value});
    }
    return {Result::Done, 0, ""};
}

bool parseVersion(std::string_view text, int &minor)
{
    if (text.size() != 8 || text.substr(0, 7) != "HTTP/1." || (text[7] != '0' && text[7] != '1'))
        return false;
    minor = text[7] - '0';
    return true;
}

// Content-Length: one value, or several equal ones (RFC 9110 §8.6).
bool contentLength(const Head &head, bool &present, uint64_t &length)
{
    present = false;
    for (const Header &h : head.headers) {
        if (!equalsNoCase(h.name, "content-length"))
            continue;
        std::string_view list = h.value;
        while (true) {
            const size_t comma = list.find(',');
            const std::string_view item = trim(list.substr(0, comma));
            if (item.empty() || item.size() > 15)
                return false;
            uint64_t value = 0;
            for (char c : item) {
                if (c < '0' || c > '9')
                    return false;
                value = value * 10 + uint64_t(c - '0');
            }
            if (present && value != length)
                return false;
            present = true;
            length = value;
            if (comma == npos)
                break;
            list.remove_prefix(comma + 1);
        }
    }
    return true;
}

void setKeepAlive(Head &head)
{
    bool close = false;
    bool keepAlive = false;
    for (const Header &h : head.headers) {
        if (equalsNoCase(h.name, "connection")) {
            close = close || hasToken(h.value, "close");
            keepAlive = keepAlive || hasToken(h.value, "keep-alive");
        }
    }
    head.keepAlive = head.versionMinor == 1 ? !close : (keepAlive && !close);
}

} // namespace

std::string_view Head::header(std::string_view name) const
{
    for (const Header &h : headers) {
        if (equalsNoCase(h.name, name))
            return h.value;
    }
    return {};
}

ParseOutcome parseRequest(std::string_view data, Head &head, const Limits &limits)
{
    std::string_view line;
    const ParseOutcome split = splitHead(data, limits, head, line);
    if (split.result != Result::Done)
        return split;

    const size_t firstSpace = line.find(' ');
    const size_t lastSpace = line.rfind(' ');
    if (firstSpace == npos || firstSpace == lastSpace)
        return fail(400, "malformed request line");
    head.method = line.substr(0, firstSpace);
    head.target = line.substr(firstSpace + 1, lastSpace - firstSpace - 1);
    if (!isToken(head.method))
        return fail(400, "malformed method");
    if (head.target.empty())
        return fail(400, "empty request target");
    for (char c : head.target) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return fail(400, "malformed request target");
    }
    if (!parseVersion(line.substr(lastSpace + 1), head.versionMinor))
        return fail(400, "unsupported HTTP version");
    if (head.versionMinor == 1 && head.header("host").empty())
        return fail(400, "missing Host header");

    bool hasLength = false;
    if (!contentLength(head, hasLength, head.contentLength))
        return fail(400, "invalid Content-Length");
    const std::string_view te = head.header("transfer-encoding");
    if (!te.empty()) {
        // Both framings at once is how requests are smuggled past proxies.
        if (hasLength)
            return fail(400, "both Transfer-Encoding and Content-Length");
        if (head.versionMinor == 0 || !equalsNoCase(te, "chunked"))
            return fail(400, "unsupported Transfer-Encoding");
        head.framing = Framing::Chunked;
    } else if (hasLength) {
        if (head.contentLength > limits.maxBodyBytes)
            return fail(413, "body too large");
        head.framing = head.contentLength ? Framing::ContentLength : Framing::None;
    }
    setKeepAlive(head);
    return {Result::Done, 0, ""};
}

ParseOutcome parseResponse(std::string_view data, std::string_view requestMethod, Head &head,
                           const Limits &limits)
{
    std::string_view line;
    const ParseOutcome split = splitHead(data, limits, head, line);
    if (split.result != Result::Done)
        return split;

    // "HTTP/1.1 200 OK", "HTTP/1.1 200 " or "HTTP/1.1 200".
    if (line.size() < 12 || !parseVersion(line.substr(0, 8), head.versionMinor) || line[8] != ' '
        || (line.size() > 12 && line[12] != ' '))
        return fail(502, "malformed status line");
    int status = 0;
    for (char c : line.substr(9, 3)) {
        if (c < '0' || c > '9')
            return fail(502, "malformed status code");
        status = status * 10 + (c - '0');
    }
    if (status < 100)
        return fail(502, "malformed status code");
    head.status = status;
    head.reason = line.size() > 13 ? line.substr(13) : std::string_view();

    bool hasLength = false;
    if (!contentLength(head, hasLength, head.contentLength))
        return fail(502, "invalid Content-Length");
    setKeepAlive(head);
    const std::string_view te = head.header("transfer-encoding");
    if (requestMethod == "HEAD" || status < 200 || status == 204 || status == 304) {
        head.framing = Framing::None;
    } else if (!te.empty()) {
        if (!equalsNoCase(te, "chunked")) {
            head.framing = Framing::UntilClose;
            head.keepAlive = false;
        } else {
            head.framing = Framing::Chunked;
            head.keepAlive = head.keepAlive && !hasLength;
        }
    } else if (hasLength) {
        head.framing = head.contentLength ? Framing::ContentLength : Framing::None;
    } else {
        head.framing = Framing::UntilClose;
        head.keepAlive = false;
    }
    return {Result::Done, 0, ""};
}

ChunkedDecoder::Step ChunkedDecoder::feed(std::string_view data)
{
    Step step;
    size_t i = 0;
    auto endOfSizeLine = [this] {
        m_digits = 0;
        if (m_remaining == 0) {
            m_state = State::Trailer;
        } else {
            m_state = State::Data;
        }
    };
    while (i < data.size() && m_state != State::Done) {
        const char c = data[i];
        switch (m_state) {
        case State::Size: {
            int digit = -1;
            if (c >= '0' && c <= '9')
                digit = c - '0';
            else if (c >= 'a' && c <= 'f')
                digit = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                digit = c - 'A' + 10;
            if (digit >= 0) {
                if (++m_digits > 15) // more than 2^60 bytes: nonsense
                    return {i, false, true};
                m_remaining = m_remaining * 16 + uint64_t(digit);
                ++i;
                break;
            }
            if (m_digits == 0)
                return {i, false, true};
            if (c == ';' || c == ' ' || c == '\t')
                m_state = State::SizeExtension;
            else if (c == '\r')
                m_state = State::SizeLf;
            else if (c == '\n')
                endOfSizeLine();
            else
                return {i, false, true};
            ++i;
            break;
        }
        case State::SizeExtension:
            if (c == '\n')
                endOfSizeLine();
            else if (++m_digits > 4096)
                return {i, false, true};
            ++i;
            break;
        case State::SizeLf:
            if (c != '\n')
                return {i, false, true};
            endOfSizeLine();
            ++i;
            break;
        case State::Data: {
            const uint64_t take = std::min<uint64_t>(m_remaining, data.size() - i);
            m_remaining -= take;
            m_payload += take;
            i += size_t(take);
            if (m_remaining == 0)
                m_state = State::DataCr;
            break;
        }
        case State::DataCr:
            if (c == '\r')
                m_state = State::DataLf;
            else if (c == '\n')
                m_state = State::Size;
            else
                return {i, false, true};
            ++i;
            break;
        case State::DataLf:
            if (c != '\n')
                return {i, false, true};
            m_state = State::Size;
            ++i;
            break;
        case State::Trailer:
            if (c == '\r')
                m_state = State::TrailerLf;
            else if (c == '\n')
                m_state = State::Done;
            else
                m_state = State::TrailerLine;
            ++i;
            break;
        case State::TrailerLine:
            if (c == '\n')
                m_state = State::Trailer;
            else if (++m_digits > 16 * 1024)
                return {i, false, true};
            ++i;
            break;
        case State::TrailerLf:
            if (c != '\n')
                return {i, false, true};
            m_state = State::Done;
            ++i;
            break;
        case State::Done:
            break;
        }
    }
    step.consumed = i;
    step.done = m_state == State::Done;
    return step;
}

std::string_view reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Error";
    }
}

} // namespace Loadstar::Engine::Http
