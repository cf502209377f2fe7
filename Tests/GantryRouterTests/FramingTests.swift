import GantryCore
import GantryRouter
import NIOCore
import Testing

/// Bodies framed every way HTTP/1.1 allows, end to end through the router.
@Suite struct FramingTests {
    let hello = try! AppName("hello")

    private func withProxy<T: Sendable>(to port: Int, _ body: (Int) async throws -> T) async throws -> T {
        let table = RouteTable()
        table.setBackends(app: hello, [Backend(id: "web-1", port: port)])
        return try await withRouter(table) { _, routerPort in try await body(routerPort) }
    }

    @Test func chunkedRequestBodyReachesTheBackend() async throws {
        try await withBackends(1) { backends in
            try await withProxy(to: backends[0].port) { port in
                let answer = try await rawExchange(
                    port: port,
                    "POST /upload HTTP/1.1\r\nHost: hello.localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                    chunks: ["5\r\nhello\r\n", "6\r\n world\r\n", "0\r\n\r\n"])
                #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
                #expect(answer.hasSuffix("received 11"))
            }
        }
    }

    @Test func chunkedResponsePassesThrough() async throws {
        try await withBackends(1) { backends in
            try await withProxy(to: backends[0].port) { port in
                let response = try await TestClient.get(port: port, host: "hello.localhost", path: "/chunked")
                #expect(response.status == 200 && response.body == "one two three")
                #expect(response.headers["transfer-encoding"] == ["chunked"])
            }
        }
    }

    @Test func http10ClientGetsTheChunkedBodyDechunkedAndAClose() async throws {
        try await withBackends(1) { backends in
            try await withProxy(to: backends[0].port) { port in
                let answer = try await rawExchange(port: port, "GET /chunked HTTP/1.0\r\nHost: hello.localhost\r\n\r\n")
                #expect(answer.hasPrefix("HTTP/1.0 200 OK\r\n"))
                #expect(!answer.lowercased().contains("transfer-encoding"))
                #expect(answer.hasSuffix("\r\n\r\none two three"))
            }
        }
    }

    @Test func closeDelimitedResponseIsRechunkedForKeepAlive() async throws {
        try await withCannedBackend(response: "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", close: true) { backend in
            try await withProxy(to: backend) { port in
                try await TestClient.with(port: port) { client in
                    for _ in 0..<2 {
                        let response = try await client.request(host: "hello.localhost")
                        #expect(response.status == 200 && response.body == "until the end")
                        #expect(response.headers["transfer-encoding"] == ["chunked"])
                    }
                }
            }
        }
    }

    @Test func headResponseHasNoBodyAndTheConnectionGoesOn() async throws {
        try await withBackends(1) { backends in
            try await withProxy(to: backends[0].port) { port in
                try await TestClient.with(port: port) { client in
                    let head = try await client.request(method: .HEAD, host: "hello.localhost")
                    #expect(head.status == 200 && head.body.isEmpty)
                    #expect(head.headers["content-length"] == ["5"])
                    let get = try await client.request(host: "hello.localhost")
                    #expect(get.body == "web-1")
                }
            }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withBackends(1) { backends in
            try await withProxy(to: backends[0].port) { port in
                let answer = try await rawExchange(
                    port: port,
                    "GET /slow?ms=50 HTTP/1.1\r\nHost: hello.localhost\r\n\r\n"
                        + "GET / HTTP/1.1\r\nHost: hello.localhost\r\nConnection: close\r\n\r\n")
                let slow = try #require(answer.range(of: "slow web-1"))
                let fast = try #require(answer.range(of: "\r\n\r\nweb-1"))
                #expect(slow.lowerBound < fast.lowerBound)
                #expect(answer.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
            }
        }
    }

    @Test func expectContinueIsPassedOn() async throws {
        try await withBackends(1) { backends in
            try await withProxy(to: backends[0].port) { port in
                let answer = try await rawExchange(
                    port: port,
                    "POST /upload HTTP/1.1\r\nHost: hello.localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
                    chunks: ["hello"])
                #expect(answer.hasSuffix("received 5"))
            }
        }
    }

    @Test func garbageFromTheBackendIs502() async throws {
        try await withCannedBackend(response: "SPEAKING SMTP\r\n\r\n", close: true) { backend in
            try await withProxy(to: backend) { port in
                let response = try await TestClient.get(port: port, host: "hello.localhost")
                #expect(response.status == 502)
            }
        }
    }

    @Test func unaskedSwitchingProtocolsIs502() async throws {
        let canned = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno"
        try await withCannedBackend(response: canned, close: false) { backend in
            try await withProxy(to: backend) { port in
                let answer = try await rawExchange(port: port, "GET / HTTP/1.1\r\nHost: hello.localhost\r\nConnection: close\r\n\r\n")
                #expect(answer.hasPrefix("HTTP/1.1 502 Bad Gateway\r\n"))
                #expect(answer.components(separatedBy: "HTTP/1.1").count == 2, "one response only")
            }
        }
    }

    @Test func contentLengthAndChunkedTogetherFromTheBackendTrustChunked() async throws {
        let canned = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        try await withCannedBackend(response: canned, close: false) { backend in
            try await withProxy(to: backend) { port in
                let response = try await TestClient.get(port: port, host: "hello.localhost")
                #expect(response.status == 200 && response.body == "abc")
                #expect(response.headers["content-length"].isEmpty)
            }
        }
    }
}
