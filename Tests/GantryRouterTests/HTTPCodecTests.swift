import NIOCore
import Testing

@testable import GantryRouter

/// The head parser, the head writer and the body framer, on bytes.
@Suite struct HTTPCodecTests {
    private func parse(_ text: String, request: Bool = true) throws -> (HTTPHead, ByteBuffer)? {
        let buffer = ByteBuffer(string: text)
        var scanned = 0
        let head = try buffer.withUnsafeReadableBytes { (bytes) throws(HeadError) in
            try HTTPHeadParser.parse(bytes, isRequest: request, scanned: &scanned)
        }
        return head.map { ($0, buffer) }
    }

    private func rewrite(_ text: String) throws -> String {
        let (head, bytes) = try #require(try parse(text))
        let out = HeadWriter.request(
            head, bytes: bytes, clientAddress: "10.0.0.7", newRequestID: head.requestID == nil ? RequestID(high: 1, low: 2) : nil,
            allocator: ByteBufferAllocator())
        return String(buffer: out)
    }

    @Test func parsesARequestHead() throws {
        let (head, _) = try #require(try parse("\r\nPOST /a?b=1 HTTP/1.1\r\nHost: Hello.localhost:8000\r\nContent-Length: 12\r\nConnection: keep-alive, X-Secret\r\n\r\nbody"))
        #expect(head.minorVersion == 1)
        #expect(head.contentLength == 12)
        #expect(head.keepAlive && head.connectionKeepAlive)
        #expect(head.connectionOptions == ["x-secret"])
        #expect(head.fields.count == 3)
        #expect(head.length == "\r\nPOST /a?b=1 HTTP/1.1\r\nHost: Hello.localhost:8000\r\nContent-Length: 12\r\nConnection: keep-alive, X-Secret\r\n\r\n".utf8.count)
    }

    @Test func waitsForTheEndOfTheHead() throws {
        #expect(try parse("GET / HTTP/1.1\r\nHost: a\r\n") == nil)
    }

    @Test func http10KeepsAliveOnlyWhenAsked() throws {
        #expect(try #require(try parse("GET / HTTP/1.0\r\n\r\n")).0.keepAlive == false)
        #expect(try #require(try parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")).0.keepAlive)
        #expect(try #require(try parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")).0.keepAlive == false)
    }

    @Test func parsesResponseFraming() throws {
        let chunked = try #require(try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", request: false)).0
        #expect(chunked.isChunked && chunked.contentLength == nil && chunked.status == 200)
        let gzip = try #require(try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", request: false)).0
        #expect(gzip.endsAtClose)
        let bare = try #require(try parse("HTTP/1.1 204\r\n\r\n", request: false)).0
        #expect(bare.status == 204)
    }

    @Test func requestHeadGetsForwardedFieldsAndLosesHopByHopOnes() throws {
        let out = try rewrite(
            "GET /x HTTP/1.0\r\nHost: hello.localhost:8000\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n"
            + "Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic x\r\nX-Forwarded-For: 1.2.3.4\r\n"
            + "X-Forwarded-Proto: https\r\nAccept: */*\r\n\r\n")
        #expect(out == "GET /x HTTP/1.1\r\nHost: hello.localhost:8000\r\nAccept: */*\r\n"
            + "x-forwarded-for: 1.2.3.4, 10.0.0.7\r\nx-forwarded-proto: http\r\nx-forwarded-host: hello.localhost:8000\r\n"
            + "x-request-id: 00000000000000010000000000000002\r\n\r\n")
    }

    @Test func requestKeepsTheClientsRequestIDAndAnUpgrade() throws {
        let out = try rewrite("GET /ws HTTP/1.1\r\nHost: h\r\nX-Request-Id: abc-123\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
        #expect(out.contains("X-Request-Id: abc-123\r\n"))
        #expect(!out.contains("x-request-id: 0000"))
        #expect(out.contains("connection: upgrade\r\nupgrade: websocket\r\n"))
        let unusable = try rewrite("GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: has space\r\n\r\n")
        #expect(!unusable.contains("has space") && unusable.contains("x-request-id: 0000"))
    }

    @Test func responseHeadLosesHopByHopFields() throws {
        let (head, bytes) = try #require(try parse(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, X-Private\r\nX-Private: 1\r\nKeep-Alive: timeout=5\r\nSet-Cookie: a=b\r\n\r\n",
            request: false))
        let out = HeadWriter.response(head, bytes: bytes, clientMinorVersion: 1, body: .asSent, keepAlive: true, allocator: ByteBufferAllocator())
        #expect(String(buffer: out) == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nSet-Cookie: a=b\r\n\r\n")
        let closing = HeadWriter.response(head, bytes: bytes, clientMinorVersion: 0, body: .closeDelimited, keepAlive: false, allocator: ByteBufferAllocator())
        #expect(String(buffer: closing) == "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nSet-Cookie: a=b\r\n\r\n")
    }

    @Test func chunkedBodyPassesVerbatimAndEndsExactly() throws {
        var framer = BodyFramer(.chunked(ChunkParser()))
        var input = ByteBuffer(string: "5;ext=1\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\nGET /next")
        var out = ""
        #expect(try framer.consume(&input) { out += String(buffer: $0) })
        #expect(out == "5;ext=1\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n")
        #expect(String(buffer: input) == "GET /next")
    }

    @Test func chunkedBodySplitAnywhereIsDechunked() throws {
        let whole = "4\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\n\r\n"
        for split in 1..<whole.utf8.count {
            var framer = BodyFramer(.chunked(ChunkParser()), output: .dechunk)
            let bytes = Array(whole.utf8)
            var first = ByteBuffer(bytes: bytes[..<split])
            var second = ByteBuffer(bytes: bytes[split...])
            var out = ""
            let early = try framer.consume(&first) { out += String(buffer: $0) }
            #expect(!early)
            #expect(try framer.consume(&second) { out += String(buffer: $0) })
            #expect(out == "Wikipedia in \r\n\r\nchunks.")
        }
    }

    @Test(arguments: ["x\r\n", "5\r\nhelloX\r\n", "5\nhello", "fffffffffffffffff\r\n"])
    func brokenChunksAreRejected(body: String) {
        var framer = BodyFramer(.chunked(ChunkParser()))
        var input = ByteBuffer(string: body)
        #expect(throws: HeadError.self) { _ = try framer.consume(&input) { _ in } }
    }

    @Test func lengthAndCloseDelimitedBodies() throws {
        var length = BodyFramer(.length(3))
        var input = ByteBuffer(string: "abcdef")
        var out = ""
        #expect(try length.consume(&input) { out += String(buffer: $0) })
        #expect(out == "abc" && String(buffer: input) == "def")
        var close = BodyFramer(.untilClose, output: .rechunk)
        var body = ByteBuffer(string: "hello")
        out = ""
        #expect(try close.consume(&body) { out += String(buffer: $0) } == false)
        #expect(close.finishAtClose { out += String(buffer: $0) })
        #expect(out == "5\r\nhello\r\n0\r\n\r\n")
    }

    @Test func fieldNamesAreRecognizedInAnyCase() {
        #expect(FieldName("CONNECTION") == .connection)
        #expect(FieldName("proxy-connection") == .proxy)
        #expect(FieldName("Proxyish") == .other)
        #expect(FieldName("x-forwarded-HOST") == .forwardedHost)
        #expect(FieldName("Content-Length") == .contentLength)
    }

    @Test func requestIDsAreDistinctHex() {
        var generator = RequestIDGenerator()
        let ids = (0..<1000).map { _ in generator.next().string }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.utf8.count == 32 && $0.allSatisfy(\.isHexDigit) })
    }

    @Test func errorPagesEscapeTheHost() {
        #expect(ErrorPage.escape("<a href='x'>&") == "&lt;a href=&#39;x&#39;&gt;&amp;")
        #expect(ErrorPage.unknownHost("nope.localhost").message == "no app is deployed at nope.localhost")
    }
}
