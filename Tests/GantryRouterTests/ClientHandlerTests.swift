import GantryCore
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import GantryRouter

/// The client handler on an `EmbeddedChannel`: the answers that need no backend.
@Suite struct ClientHandlerTests {
    private func exchange(_ table: RouteTable, _ request: String) throws -> String {
        let channel = EmbeddedChannel()
        let core = RouterCore(table: table, configuration: RouterConfiguration(), observer: nil, logger: Logger(label: "test"))
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false)
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

    @Test func headRequestGetsNoBody() throws {
        let output = try exchange(RouteTable(), "HEAD / HTTP/1.1\r\nHost: a.localhost\r\n\r\n")
        #expect(output.hasPrefix("HTTP/1.1 404"))
        #expect(!output.contains("<html"))
    }

    @Test func garbageIsAnswered400() throws {
        let output = try exchange(RouteTable(), "NOT HTTP AT ALL\r\n\r\n")
        #expect(output.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
    }
}
