import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOTLS

/// Sets up an HTTPS connection once its TLS handshake says which protocol the client chose by
/// ALPN: HTTP/2 for `h2` (see ``HTTP2StreamBridge``), the HTTP/1.1 `ClientHandler` otherwise.
///
/// The connection's `autoRead` is off (the HTTP/1.1 handler reads as it can forward), so this
/// handler asks for the handshake's bytes itself. HTTP/2 turns `autoRead` on for the connection:
/// its streams' backpressure is flow control, per stream.
final class ProtocolSwitch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Streams one HTTP/2 connection may run at once (`SETTINGS_MAX_CONCURRENT_STREAMS`).
    static let maximumConcurrentStreams = 100

    private let core: RouterCore
    /// Bytes that came before the switch (none expected: the handshake completes first).
    private var early: [ByteBuffer] = []
    private var earlyBytes = 0

    init(core: RouterCore) {
        self.core = core
    }

    /// Closes a connection whose handshake is not over within the client idle timeout.
    private var timeout: Scheduled<Void>?

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard timeout == nil else { return }
        timeout = context.eventLoop.assumeIsolated().scheduleTask(in: core.clientIdleTimeout) { context.close(promise: nil) }
        context.read()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A failed handshake (no certificate for the name, not TLS at all): NIOSSL closes.
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        earlyBytes += buffer.readableBytes
        guard earlyBytes <= HTTPHeadParser.maximumHeadSize else {
            context.close(promise: nil)  // bounded like everything a client sends
            return
        }
        early.append(buffer)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.read()  // the handshake is not over yet
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case TLSUserEvent.handshakeCompleted(let negotiated) = event else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        do {
            let pipeline = context.pipeline.syncOperations
            if negotiated == "h2" {
                try Self.addHTTP2(to: context.channel, core: core)
            } else {
                try pipeline.addHandler(ClientHandler(core: core, loop: core.loopContext(on: context.eventLoop), https: true))
            }
            for buffer in early { context.fireChannelRead(wrapInboundOut(buffer)) }
            early = []
            pipeline.removeHandler(context: context, promise: nil)
            if negotiated == "h2" { try context.channel.syncOptions?.setOption(.autoRead, value: true) }
        } catch {
            core.logger.debug("cannot set up an HTTPS connection", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    /// The HTTP/2 handlers of a connection: the protocol, graceful shutdown and idle close by
    /// NIO's connection manager, and per stream the bridge to a `ClientHandler`.
    private static func addHTTP2(to channel: any Channel, core: RouterCore) throws {
        var management = NIOHTTP2ServerConnectionManagementHandler.Configuration.defaults
        management.maxIdleTime = core.clientIdleTimeout
        management.maxGraceTime = TimeAmount(core.configuration.shutdownGracePeriod)
        management.keepalive = nil
        let manager = NIOHTTP2ServerConnectionManagementHandler(eventLoop: channel.eventLoop, configuration: management)
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: maximumConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: HPACKDecoder.defaultMaxHeaderListSize),
        ]
        let handler = NIOHTTP2Handler(
            mode: .server, eventLoop: channel.eventLoop, connectionConfiguration: connection,
            streamConfiguration: NIOHTTP2Handler.StreamConfiguration(), streamDelegate: manager.http2StreamDelegate
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.syncOptions?.setOption(.autoRead, value: false)
                let pipeline = stream.pipeline.syncOperations
                try pipeline.addHandler(HTTP2StreamBridge())
                try pipeline.addHandler(ClientHandler(core: core, loop: core.loopContext(on: stream.eventLoop), https: true))
            }
        }
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(handler)
        try pipeline.addHandler(manager)
        // The manager starts its idle clock on channelActive, which passed before ALPN was known.
        manager.channelActive(context: try pipeline.context(handler: manager))
    }
}
