import NIOCore
import NIOPosix
import Synchronization

/// A counter shared between event loop callbacks and a test.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
    var current: Int { value.load(ordering: .relaxed) }
}

/// Writes a header and then `bodySize` bytes as fast as the socket takes them, counting only
/// bytes whose write completed (that the kernel accepted), and collects what comes back.
///
/// Unlike an async writer, it holds no more than one 64 KiB chunk beyond the socket, so its
/// count shows exactly when the other end stopped taking data.
final class Pump: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let header: String
    private var remaining: Int
    private let written: Counter
    private let waitForRequest: Bool
    private let received: EventLoopPromise<String>?
    private var inbound = ""
    private var started = false
    private static let chunk = ByteBuffer(repeating: 0x78, count: 64 * 1024)

    /// - Parameter waitForRequest: start once a request head came in (a server), else at once.
    init(header: String, bodySize: Int, written: Counter, waitForRequest: Bool, received: EventLoopPromise<String>?) {
        self.header = header
        self.remaining = bodySize
        self.written = written
        self.waitForRequest = waitForRequest
        self.received = received
    }

    func channelActive(context: ChannelHandlerContext) {
        if !waitForRequest { start(context) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbound += String(buffer: unwrapInboundIn(data))
        if waitForRequest, !started, inbound.contains("\r\n\r\n") { start(context) }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, started { pump(context) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        received?.succeed(inbound)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func start(_ context: ChannelHandlerContext) {
        started = true
        context.write(wrapOutboundOut(ByteBuffer(string: header)), promise: nil)
        pump(context)
    }

    private func pump(_ context: ChannelHandlerContext) {
        while remaining > 0, context.channel.isWritable {
            let size = min(remaining, Self.chunk.readableBytes)
            remaining -= size
            let promise = context.eventLoop.makePromise(of: Void.self)
            let written = self.written
            promise.futureResult.whenSuccess { written.value.add(size, ordering: .relaxed) }
            context.writeAndFlush(wrapOutboundOut(Self.chunk.getSlice(at: 0, length: size)!), promise: promise)
        }
    }
}

/// A backend whose every response is `bodySize` bytes, written only as fast as it is taken.
func withDownloadServer<T: Sendable>(bodySize: Int, written: Counter, _ body: (Int) async throws -> T) async throws -> T {
    let header = "HTTP/1.1 200 OK\r\nContent-Length: \(bodySize)\r\nConnection: close\r\n\r\n"
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    Pump(header: header, bodySize: bodySize, written: written, waitForRequest: true, received: nil))
            }
        }
        .bind(host: "127.0.0.1", port: 0).get()
    do {
        let result = try await body(server.localAddress!.port!)
        try await server.close()
        return result
    } catch {
        try? await server.close()
        throw error
    }
}

/// Sends `request` followed by `bodySize` bytes to 127.0.0.1:`port`; the future holds all the
/// bytes that came back once the server closed the connection.
func pumpUpload(port: Int, request: String, bodySize: Int, written: Counter) async throws -> EventLoopFuture<String> {
    let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
    let received = eventLoop.makePromise(of: String.self)
    _ = try await ClientBootstrap(group: eventLoop)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    Pump(header: request, bodySize: bodySize, written: written, waitForRequest: false, received: received))
            }
        }
        .connect(host: "127.0.0.1", port: port).get()
    return received.futureResult
}
