import NIOHTTP1
import Testing

@testable import GantryRouter

@Suite struct HeaderRewritingTests {
    private func rewrite(_ fields: [(String, String)]) -> HeaderRewriting.Request {
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/x", headers: HTTPHeaders(fields))
        return HeaderRewriting.request(head, clientAddress: "10.0.0.7", newRequestID: { "generated" })
    }

    @Test func addsForwardedFieldsAndARequestID() {
        let request = rewrite([("Host", "hello.localhost:8000"), ("Accept", "*/*")])
        let headers = request.head.headers
        #expect(headers["x-forwarded-for"] == ["10.0.0.7"])
        #expect(headers["x-forwarded-proto"] == ["http"])
        #expect(headers["x-forwarded-host"] == ["hello.localhost:8000"])
        #expect(headers["x-request-id"] == ["generated"])
        #expect(headers["accept"] == ["*/*"])
        #expect(request.host == "hello.localhost:8000")
    }

    @Test func keepsTheClientsRequestIDAndAppendsToForwardedFor() {
        let request = rewrite([("Host", "h"), ("X-Request-Id", "abc-123"), ("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-Proto", "https")])
        let headers = request.head.headers
        #expect(headers["x-request-id"] == ["abc-123"])
        #expect(request.requestID == "abc-123")
        #expect(headers["x-forwarded-for"] == ["1.2.3.4, 10.0.0.7"])
        #expect(headers["x-forwarded-proto"] == ["http"])
    }

    @Test func replacesAnUnusableRequestID() {
        let request = rewrite([("Host", "h"), ("X-Request-Id", "has space")])
        #expect(request.head.headers["x-request-id"] == ["generated"])
    }

    @Test func dropsHopByHopFieldsAndThoseConnectionNames() {
        let request = rewrite([
            ("Host", "h"), ("Connection", "keep-alive, X-Secret"), ("X-Secret", "1"), ("Keep-Alive", "timeout=5"),
            ("TE", "trailers"), ("Trailer", "X-T"), ("Proxy-Authorization", "Basic x"), ("Proxy", "evil"),
            ("Transfer-Encoding", "chunked"), ("X-Kept", "yes"),
        ])
        let names = Set(request.head.headers.map { $0.name.lowercased() })
        for gone in ["connection", "x-secret", "keep-alive", "te", "trailer", "proxy-authorization", "proxy", "upgrade"] {
            #expect(!names.contains(gone), "\(gone) should be removed")
        }
        #expect(request.head.headers["transfer-encoding"] == ["chunked"], "the body stays chunked")
        #expect(request.head.headers["x-kept"] == ["yes"])
        #expect(!request.isUpgrade)
    }

    @Test func keepsAWebSocketUpgrade() {
        let request = rewrite([("Host", "h"), ("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Key", "k")])
        #expect(request.isUpgrade)
        #expect(request.head.headers["connection"] == ["upgrade"])
        #expect(request.head.headers["upgrade"] == ["websocket"])
        #expect(request.head.headers["sec-websocket-key"] == ["k"])
    }

    @Test func responseLosesHopByHopFields() {
        let headers = HTTPHeaders([
            ("Content-Length", "2"), ("Connection", "keep-alive, X-Private"), ("X-Private", "1"),
            ("Keep-Alive", "timeout=5"), ("Transfer-Encoding", "chunked"), ("Set-Cookie", "a=b"),
        ])
        let result = HeaderRewriting.response(headers, keepUpgrade: false)
        #expect(result.map(\.name) == ["Content-Length", "Set-Cookie"])
        let upgraded = HeaderRewriting.response(HTTPHeaders([("Connection", "Upgrade"), ("Upgrade", "websocket")]), keepUpgrade: true)
        #expect(upgraded["connection"] == ["upgrade"] && upgraded["upgrade"] == ["websocket"])
    }

    @Test func fieldNamesAreRecognizedInAnyCase() {
        #expect(FieldName("CONNECTION") == .connection)
        #expect(FieldName("proxy-connection") == .proxy)
        #expect(FieldName("Proxyish") == .other)
        #expect(FieldName("x-forwarded-HOST") == .forwardedHost)
        #expect(FieldName("Content-Length") == .other)
    }

    @Test func requestIDsAreDistinctHex() {
        var generator = RequestIDGenerator()
        let ids = (0..<1000).map { _ in generator.next() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.utf8.count == 32 && $0.allSatisfy(\.isHexDigit) })
    }

    @Test func errorPagesEscapeTheHost() {
        #expect(ErrorPage.escape("<a href='x'>&") == "&lt;a href=&#39;x&#39;&gt;&amp;")
        #expect(ErrorPage.unknownHost("nope.localhost").1 == "no app is deployed at nope.localhost")
    }
}
