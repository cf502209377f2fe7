import GantryCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import Testing

@testable import GantryRouter

/// A real WebSocket over the HTTPS port: NIO's client upgrader (TLS, ALPN http/1.1) through
/// the router to NIO's server upgrader, which checks the handshake both ways, then echo frames.
@Suite struct WebSocketTLSTests {
    let chat = try! AppName("chat")

    @Test func webSocketUpgradeWorksOverTLS() async throws {
        let backend = try await Self.startEchoBackend()
        defer { backend.close(promise: nil) }
        let table = RouteTable()
        table.setBackends(app: chat, [Backend(id: "ws-1", port: backend.localAddress!.port!)])
        table.setDomains(app: chat, ["chat.example.test"])
        try await TLSRouter.with(table, app: chat, names: ["chat.example.test"]) { fixture in
            let echoed = try await Self.echo(
                ["hello over TLS", String(repeating: "z", count: 40_000)], port: fixture.httpsPort, caPEM: fixture.caPEM)
            #expect(echoed == ["hello over TLS", String(repeating: "z", count: 40_000)])
        }
    }

    /// A WebSocket server on a loopback port that echoes every text frame.
    static func startEchoBackend() async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: 1 << 20,
                    shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(EchoFrames()) }
                    })
                return channel.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Connects over TLS, upgrades to a WebSocket at `chat.example.test`, sends each message as
    /// a masked text frame and returns what came back.
    static func echo(_ messages: [String], port: Int, caPEM: String) async throws -> [String] {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
        tls.applicationProtocols = ["http/1.1"]
        let context = try NIOSSLContext(configuration: tls)
        let group = MultiThreadedEventLoopGroup.singleton
        let done = group.next().makePromise(of: [String].self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: "chat.example.test"))
                    let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 1 << 20) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(SendAndCollect(messages: messages, done: done))
                        }
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "chat.example.test")
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/socket", headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(10)) { done.fail(TestFailure("no echo within 10 s")) }
        defer {
            timeout.cancel()
            channel.close(promise: nil)
        }
        return try await done.futureResult.get()
    }
}

/// The backend's side: echoes text frames, answers a close.
private final class EchoFrames: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: frame.opcode, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }
}

/// The client's side: sends the messages one by one, each after the previous echo.
private final class SendAndCollect: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let messages: [String]
    private let done: EventLoopPromise<[String]>
    private var received: [String] = []
    private var partial = ""

    init(messages: [String], done: EventLoopPromise<[String]>) {
        self.messages = messages
        self.done = done
    }

    func handlerAdded(context: ChannelHandlerContext) {
        send(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.opcode == .text || frame.opcode == .continuation else { return }
        partial += String(buffer: frame.unmaskedData)
        guard frame.fin else { return }
        received.append(partial)
        partial = ""
        if received.count == messages.count { done.succeed(received) } else { send(context: context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(TestFailure("closed after \(received.count) echoes"))
    }

    private func send(context: ChannelHandlerContext) {
        let text = messages[received.count]
        let frame = WebSocketFrame(
            fin: true, opcode: .text, maskKey: WebSocketMaskingKey.random(), data: context.channel.allocator.buffer(string: text))
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }
}
