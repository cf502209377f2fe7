import GantryCore
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import GantryRouter

/// The client handler on an `EmbeddedChannel`: the answers that need no backend.
@Suite struct ClientHandlerTests {
    private func exchange(_ table: RouteTable, _ request: String) throws -> String {
        let channel = EmbeddedChannel()
        let core = RouterCore(table: table, configuration: RouterConfiguration(), observer: nil, logger: Logger(label: "test"))
        try channel.pipeline.syncOperations.addHandler(ClientHandler(core: core, loop: core.loopContext(on: channel.eventLoop)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(ByteBuffer(string: request))
        var output = ""
        while let chunk = try channel.readOutbound(as: ByteBuffer.self) { output += String(buffer: chunk) }
        _ = try? channel.finish()
        return output
    }

    @Test func unknownHostIsAnswered404() throws {
        let output = try exchange(RouteTable(), "GET / HTTP/1.1\r\nHost: nope.localhost:8000\r\n\r\n")
        #expect(output.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        #expect(output.contains("no app is deployed at nope.localhost"))
        #expect(!output.lowercased().contains("connection: close"))
    }

    @Test func appWithoutBackendsIsAnswered503AndABodyClosesTheConnection() throws {
        let table = RouteTable()
        table.setBackends(app: try AppName("hello"), [])
        let output = try exchange(table, "POST / HTTP/1.1\r\nHost: hello.localhost\r\nContent-Length: 3\r\n\r\nabc")
        #expect(output.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(output.contains("hello has no running release"))
        #expect(output.lowercased().contains("connection: close"))
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let output = try exchange(
            RouteTable(), "GET / HTTP/1.1\r\nHost: a.localhost\r\n\r\nGET / HTTP/1.1\r\nHost: b.localhost\r\n\r\n")
        let first = try #require(output.range(of: "a.localhost"))
        let second = try #require(output.range(of: "b.localhost"))
        #expect(first.lowerBound < second.lowerBound)
    }

    @Test func manyPipelinedRequestsInOneReadAreAllAnswered() throws {
        let request = String(repeating: "GET / HTTP/1.1\r\nHost: a.localhost\r\n\r\n", count: 2000)
        let output = try exchange(RouteTable(), request)
        #expect(output.components(separatedBy: "HTTP/1.1 404 Not Found").count == 2001)
    }

    @Test func headRequestGetsNoBody() throws {
        let output = try exchange(RouteTable(), "HEAD / HTTP/1.1\r\nHost: a.localhost\r\n\r\n")
        #expect(output.hasPrefix("HTTP/1.1 404"))
        #expect(!output.contains("<html"))
    }

    @Test func garbageIsAnswered400() throws {
        let output = try exchange(RouteTable(), "NOT HTTP AT ALL\r\n\r\n")
        #expect(output.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(output.lowercased().contains("connection: close"))
    }

    @Test(arguments: [
        "POST / HTTP/1.1\r\nHost: a.localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a.localhost\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a.localhost\r\nX-Folded: a\r\n b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : a.localhost\r\n\r\n",
        "GET / HTTP/1.1\nHost: a.localhost\n\n\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a.localhost\r\nHost: b.localhost\r\n\r\n",
        "GET / HTTP/2.0\r\nHost: a.localhost\r\n\r\n",
    ])
    func smugglingShapesAreRefused(request: String) throws {
        let output = try exchange(RouteTable(), request)
        #expect(output.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(output)")
    }

    @Test func unknownTransferCodingIsNotImplemented() throws {
        let output = try exchange(RouteTable(), "POST / HTTP/1.1\r\nHost: a.localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
        #expect(output.hasPrefix("HTTP/1.1 501 Not Implemented\r\n"))
    }

    @Test func oversizedHeadIsRefused() throws {
        let request = "GET / HTTP/1.1\r\nHost: a.localhost\r\nX-Big: " + String(repeating: "x", count: 70_000) + "\r\n\r\n"
        let output = try exchange(RouteTable(), request)
        #expect(output.hasPrefix("HTTP/1.1 431 "))
    }
}
