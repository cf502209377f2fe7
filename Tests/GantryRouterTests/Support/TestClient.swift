import Foundation
import GantryRouter
import NIOCore
import NIOHTTP1
import NIOPosix

/// A response as the tests see it.
struct TestResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: String
}

/// One keep-alive HTTP/1.1 client connection for tests, used inside `TestClient.with`.
struct TestClient: ~Copyable {
    typealias Channel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
    private var responses: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

    /// Connects to 127.0.0.1:`port` and runs `body` with the connection, then closes it.
    /// - Parameter receiveBuffer: a fixed `SO_RCVBUF` (no kernel autotuning), to see backpressure.
    static func with<T: Sendable>(
        port: Int, receiveBuffer: Int? = nil, _ body: (inout TestClient) async throws -> T
    ) async throws -> T {
        let channel = try await connect(port: port, receiveBuffer: receiveBuffer)
        return try await channel.executeThenClose { inbound, outbound in
            var client = TestClient(responses: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&client)
        }
    }

    /// One request on a fresh connection.
    static func get(port: Int, host: String, path: String = "/", headers: [(String, String)] = []) async throws -> TestResponse {
        try await with(port: port) { client in try await client.request(host: host, path: path, headers: headers) }
    }

    static func connect(port: Int, receiveBuffer: Int? = nil) async throws -> Channel {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let receiveBuffer { bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: .init(receiveBuffer)) }
        return try await bootstrap
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // A router that never answers fails the test that waits, naming itself,
                    // rather than hanging the whole unit pass.
                    try channel.pipeline.syncOperations.addHandlers(IdleStateHandler(readTimeout: readTimeout), FailOnReadTimeout())
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try Channel(wrappingChannelSynchronously: channel)
                }
            }
    }

    private init(
        responses: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    ) {
        self.responses = responses
        self.outbound = outbound
    }

    /// Sends a request and reads the whole response.
    mutating func request(
        method: HTTPMethod = .GET, host: String, path: String = "/", headers: [(String, String)] = [], body: String? = nil
    ) async throws -> TestResponse {
        try await sendHead(method: method, host: host, path: path, headers: headers, bodyLength: body?.utf8.count)
        if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body)))) }
        try await outbound.write(.end(nil))
        return try await readResponse()
    }

    /// Reads a whole response.
    mutating func readResponse() async throws -> TestResponse {
        let head = try await readHead()
        var text = ""
        while let part = try await responses.next() {
            switch part {
            case .body(let buffer): text += String(buffer: buffer)
            case .end: return TestResponse(status: Int(head.status.code), headers: head.headers, body: text)
            case .head: throw TestFailure("a second response head")
            }
        }
        throw TestFailure("the connection closed before the response ended")
    }

    mutating func sendHead(method: HTTPMethod = .GET, host: String, path: String, headers: [(String, String)] = [], bodyLength: Int?) async throws {
        var fields = HTTPHeaders([("Host", host)] + headers)
        if let bodyLength { fields.add(name: "content-length", value: String(bodyLength)) }
        try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: fields)))
    }

    mutating func write(_ body: ByteBuffer) async throws {
        try await outbound.write(.body(.byteBuffer(body)))
    }

    mutating func end() async throws {
        try await outbound.write(.end(nil))
    }

    mutating func readHead() async throws -> HTTPResponseHead {
        while let part = try await responses.next() {
            if case .head(let head) = part, head.status.code >= 200 || head.status.code == 101 { return head }
        }
        throw TestFailure("the connection closed before a response head")
    }

    /// Reads body parts until the response ends; returns the byte count.
    mutating func readBody(onChunk: (Int) async throws -> Void = { _ in }) async throws -> Int {
        var total = 0
        while let part = try await responses.next() {
            switch part {
            case .body(let buffer):
                total += buffer.readableBytes
                try await onChunk(total)
            case .end: return total
            case .head: throw TestFailure("a second response head")
            }
        }
        throw TestFailure("the connection closed before the response ended")
    }
}

/// How long a test connection waits for a byte from the router before it fails.
private let readTimeout = TimeAmount.seconds(60)

/// Fails the connection's reads once `IdleStateHandler` says nothing came for `readTimeout`.
private final class FailOnReadTimeout: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
            return context.fireUserInboundEventTriggered(event)
        }
        context.fireErrorCaught(TestFailure("no byte from the router for \(readTimeout.nanoseconds / 1_000_000_000) s"))
        context.close(promise: nil)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with a started router on a random port, then shuts it down.
func withRouter<T: Sendable>(
    _ table: RouteTable,
    configuration: RouterConfiguration = RouterConfiguration(host: "127.0.0.1", port: 0),
    observer: (any RouterObserver)? = nil,
    group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    _ body: (Router, Int) async throws -> T
) async throws -> T {
    let router = Router(table: table, configuration: configuration, observer: observer, eventLoopGroup: group)
    let port = try await router.start()
    do {
        let result = try await body(router, port)
        await router.shutdown()
        return result
    } catch {
        await router.shutdown()
        throw error
    }
}

/// Starts `count` test backends named `prefix-1`…, runs `body`, stops them.
func withBackends<T: Sendable>(_ count: Int, prefix: String = "web", _ body: ([TestBackend]) async throws -> T) async throws -> T {
    var backends: [TestBackend] = []
    for index in 1...count { backends.append(try await TestBackend.start(id: "\(prefix)-\(index)")) }
    do {
        let result = try await body(backends)
        for backend in backends { await backend.stop() }
        return result
    } catch {
        for backend in backends { await backend.stop() }
        throw error
    }
}

/// Resident memory of this process in bytes (Linux `/proc/self/statm`).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * 4096 : 0
}
