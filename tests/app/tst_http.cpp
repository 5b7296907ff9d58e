#include "engine/HttpParser.h"

#include <QtTest>

#include <string>

using namespace Loadstar::Engine::Http;

namespace {

QString qs(std::string_view v)
{
    return QString::fromUtf8(v.data(), qsizetype(v.size()));
}

} // namespace

class HttpParserTest : public QObject
{
    Q_OBJECT

private slots:
    void parsesARequestHead()
    {
        const std::string raw = "GET /api/items?page=2 HTTP/1.1\r\nHost: shop\r\nX-Thing:  spaced value \r\n"
                                "Connection: keep-alive\r\n\r\nNEXT";
        Head head;
        const ParseOutcome out = parseRequest(raw, head);
        QCOMPARE(out.result, Result::Done);
        QCOMPARE(qs(head.method), QStringLiteral("GET"));
        QCOMPARE(qs(head.target), QStringLiteral("/api/items?page=2"));
        QCOMPARE(head.versionMinor, 1);
        QCOMPARE(head.headers.size(), size_t(3));
        QCOMPARE(qs(head.header("x-thing")), QStringLiteral("spaced value"));
        QCOMPARE(head.framing, Framing::None);
        QVERIFY(head.keepAlive);
        QCOMPARE(head.size, raw.size() - 4); // the next request's bytes are not part of it
    }

    void incompleteUntilTheBlankLine()
    {
        const std::string raw = "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n";
        for (size_t n = 0; n < raw.size(); ++n) {
            Head head;
            QCOMPARE(parseRequest(std::string_view(raw).substr(0, n), head).result, Result::Incomplete);
        }
        Head head;
        QCOMPARE(parseRequest(raw, head).result, Result::Done);
        QCOMPARE(head.framing, Framing::ContentLength);
        QCOMPARE(head.contentLength, uint64_t(5));
    }

    void keepAliveFollowsVersionAndConnection_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<bool>("keepAlive");
        QTest::newRow("1.1 default") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\r\n") << true;
        QTest::newRow("1.1 close") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n") << false;
        QTest::newRow("1.0 default") << QByteArray("GET / HTTP/1.0\r\n\r\n") << false;
        QTest::newRow("1.0 keep-alive") << QByteArray("GET / HTTP/1.0\r\nConnection: foo, Keep-Alive\r\n\r\n") << true;
        QTest::newRow("bare LF") << QByteArray("GET / HTTP/1.1\nHost: a\n\n") << true;
    }

    void keepAliveFollowsVersionAndConnection()
    {
        QFETCH(QByteArray, raw);
        QFETCH(bool, keepAlive);
        Head head;
        QCOMPARE(parseRequest(std::string_view(raw.constData(), size_t(raw.size())), head).result, Result::Done);
        QCOMPARE(head.keepAlive, keepAlive);
    }

    void badRequestsGetTheRightStatus_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<int>("status");
        QTest::newRow("garbage") << QByteArray("HELLO\r\n\r\n") << 400;
        QTest::newRow("bad method") << QByteArray("G(T / HTTP/1.1\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("http/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 400;
        QTest::newRow("no host in 1.1") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("space before colon") << QByteArray("GET / HTTP/1.1\r\nHost : a\r\n\r\n") << 400;
        QTest::newRow("folded header") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n") << 400;
        QTest::newRow("control char") << QByteArray("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n") << 400;
        QTest::newRow("smuggling") << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                                                 "Transfer-Encoding: chunked\r\n\r\n") << 400;
        QTest::newRow("two lengths") << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                                                   "Content-Length: 5\r\n\r\n") << 400;
        QTest::newRow("negative length") << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n") << 400;
        QTest::newRow("gzip te") << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n") << 400;
        QTest::newRow("body too large") << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9999999999\r\n\r\n") << 413;
    }

    void badRequestsGetTheRightStatus()
    {
        QFETCH(QByteArray, raw);
        QFETCH(int, status);
        Head head;
        const ParseOutcome out = parseRequest(std::string_view(raw.constData(), size_t(raw.size())), head);
        QCOMPARE(out.result, Result::Error);
        QCOMPARE(out.errorStatus, status);
        QVERIFY(std::string_view(out.error).size() > 5);
    }

    void equalRepeatedLengthsAreAccepted()
    {
        const std::string raw = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n\r\n";
        Head head;
        QCOMPARE(parseRequest(raw, head).result, Result::Done);
        QCOMPARE(head.contentLength, uint64_t(7));
    }

    void headerFloodsAre431EvenBeforeTheHeadEnds()
    {
        Limits limits;
        limits.maxHeadBytes = 1024;
        std::string flood = "GET / HTTP/1.1\r\nHost: a\r\n";
        while (flood.size() <= 1024)
            flood += "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
        Head head;
        ParseOutcome out = parseRequest(flood, head, limits); // no blank line yet
        QCOMPARE(out.result, Result::Error);
        QCOMPARE(out.errorStatus, 431);

        Limits few;
        few.maxHeaders = 3;
        out = parseRequest("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", head, few);
        QCOMPARE(out.errorStatus, 431);
    }

    void responsesKnowWhereTheirBodyEnds_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<int>("framing");
        QTest::addColumn<bool>("keepAlive");
        QTest::newRow("length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n") << QByteArray("GET") << int(Framing::ContentLength) << true;
        QTest::newRow("chunked") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") << QByteArray("GET") << int(Framing::Chunked) << true;
        QTest::newRow("until close") << QByteArray("HTTP/1.1 200 OK\r\n\r\n") << QByteArray("GET") << int(Framing::UntilClose) << false;
        QTest::newRow("head") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n") << QByteArray("HEAD") << int(Framing::None) << true;
        QTest::newRow("204") << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << QByteArray("GET") << int(Framing::None) << true;
        QTest::newRow("304") << QByteArray("HTTP/1.1 304 Not Modified\r\n\r\n") << QByteArray("GET") << int(Framing::None) << true;
        QTest::newRow("no reason") << QByteArray("HTTP/1.0 200\r\nContent-Length: 1\r\n\r\n") << QByteArray("GET") << int(Framing::ContentLength) << false;
    }

    void responsesKnowWhereTheirBodyEnds()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, method);
        QFETCH(int, framing);
        QFETCH(bool, keepAlive);
        Head head;
        const ParseOutcome out = parseResponse(std::string_view(raw.constData(), size_t(raw.size())),
                                               std::string_view(method.constData(), size_t(method.size())), head);
        QCOMPARE(out.result, Result::Done);
        QCOMPARE(int(head.framing), framing);
        QCOMPARE(head.keepAlive, keepAlive);
    }

    void malformedResponsesAre502()
    {
        Head head;
        QCOMPARE(parseResponse("HTTP/1.1 2x0 OK\r\n\r\n", "GET", head).errorStatus, 502);
        QCOMPARE(parseResponse("SSH-2.0-OpenSSH\r\n\r\n", "GET", head).errorStatus, 502);
    }

    void chunkedBodyEndsExactlyAndAcrossSplits()
    {
        const std::string body = "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n";
        const std::string after = "GET /next HTTP/1.1\r\n";
        const std::string stream = body + after;
        // Fed whole, and fed in every two-part split: the same end, the same payload.
        for (size_t split = 0; split <= stream.size(); ++split) {
            ChunkedDecoder decoder;
            auto first = decoder.feed(std::string_view(stream).substr(0, split));
            QVERIFY(!first.error);
            size_t consumed = first.consumed;
            bool done = first.done;
            if (!done) {
                QCOMPARE(consumed, split);
                auto second = decoder.feed(std::string_view(stream).substr(split));
                QVERIFY(!second.error);
                consumed += second.consumed;
                done = second.done;
            }
            QVERIFY(done);
            QCOMPARE(consumed, body.size());
            QCOMPARE(decoder.payloadBytes(), uint64_t(4 + 5 + 14));
        }
    }

    void malformedChunksAreErrors_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::newRow("no size") << QByteArray("\r\nabc");
        QTest::newRow("bad hex") << QByteArray("zz\r\n");
        QTest::newRow("huge size") << QByteArray("ffffffffffffffffff\r\n");
        QTest::newRow("missing CRLF after data") << QByteArray("3\r\nabcX");
        QTest::newRow("bad LF after size") << QByteArray("3\rX");
    }

    void malformedChunksAreErrors()
    {
        QFETCH(QByteArray, raw);
        ChunkedDecoder decoder;
        QVERIFY(decoder.feed(std::string_view(raw.constData(), size_t(raw.size()))).error);
    }
};

QTEST_GUILESS_MAIN(HttpParserTest)
#include "tst_http.moc"
