// libFuzzer target for the proxy's HTTP/1.1 framing (app/engine/HttpParser).
// Build with clang: cmake -B build-fuzz -DCMAKE_CXX_COMPILER=clang++
// -DLOADSTAR_BUILD_FUZZERS=ON && cmake --build build-fuzz --target http_parser_fuzzer
// Run: build-fuzz/tests/fuzz/http_parser_fuzzer tests/fuzz/corpus/http -max_total_time=600
#include "engine/HttpParser.h"

#include <cstdlib>

using namespace Loadstar::Engine::Http;

namespace {

void require(bool condition)
{
    if (!condition)
        std::abort();
}

// Every view the parser hands out points into the input.
void checkInside(std::string_view view, std::string_view data)
{
    if (view.empty())
        return;
    require(view.data() >= data.data() && view.data() + view.size() <= data.data() + data.size());
}

void checkHead(const Head &head, const ParseOutcome &out, std::string_view data)
{
    if (out.result == Result::Error)
        require(out.errorStatus == 400 || out.errorStatus == 413 || out.errorStatus == 431
                || out.errorStatus == 502);
    if (out.result != Result::Done)
        return;
    require(head.size > 0 && head.size <= data.size());
    checkInside(head.method, data);
    checkInside(head.target, data);
    checkInside(head.reason, data);
    for (const Header &h : head.headers) {
        checkInside(h.name, data);
        checkInside(h.value, data);
        require(!h.name.empty());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    const std::string_view data(reinterpret_cast<const char *>(bytes), size);
    Limits limits;
    limits.maxHeadBytes = 4096;
    limits.maxHeaders = 32;

    Head request;
    checkHead(request, parseRequest(data, request, limits), data);
    Head response;
    checkHead(response, parseResponse(data, "GET", response, limits), data);

    // The same bytes as a chunked body, fed in two pieces split by the first byte.
    const size_t split = size ? bytes[0] % (size + 1) : 0;
    ChunkedDecoder decoder;
    const auto first = decoder.feed(data.substr(0, split));
    require(first.consumed <= split);
    if (!first.done && !first.error) {
        require(first.consumed == split);
        const auto second = decoder.feed(data.substr(split));
        require(second.consumed <= size - split);
    }
    return 0;
}
