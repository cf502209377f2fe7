import HummingbirdCore
import Logging
import NIOCore

/// A server child channel (HTTP/1.1 with the WebSocket upgrade of `gantry run`) inside the
/// door's bounds, from the first byte on: a slot of the `ConnectionLimit` for the
/// connection's whole life, upgraded or not, and a close when no request head has arrived
/// within the idle timeout. (The upgrade channel adds its own handlers only once a request
/// was parsed and not upgraded; after that Hummingbird's idle timeout applies to HTTP, and
/// WebSocket pings to an upgraded connection.)
struct BoundedChannel<Inner: ServerChildChannel>: ServerChildChannel {
    let inner: Inner
    let limit: ConnectionLimit
    let idleTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        do {
            try channel.pipeline.syncOperations.addHandlers([ConnectionLimitHandler(limit: limit), RequestHeadTimeoutHandler(timeout: idleTimeout)])
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Inner.Value, logger: Logger) async {
        var quiet = Logger(label: logger.label) { _ in ClosedBeforeRequestFilter(inner: logger.handler) }
        quiet.logLevel = logger.logLevel
        await inner.handle(value: value, logger: quiet)
    }
}

/// Drops the error the upgrade channel logs for a connection closed before its first request
/// (by the bounds above, or by a client that connects and leaves): one line per such
/// connection would let anyone flood gantryd's log. Everything else goes through.
struct ClosedBeforeRequestFilter: LogHandler {
    var inner: any LogHandler

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        if event.message.description == "Error handling upgrade result",
            event.metadata?["error.type"]?.description == "\(ChannelError.inappropriateOperationForState)"
        {
            return
        }
        inner.log(event: event)
    }
}

/// Closes a connection whose first request head (up to its blank line) has not arrived
/// within `timeout`; passes every byte on untouched.
final class RequestHeadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    /// The last 3 bytes seen, to find `\r\n\r\n` across reads.
    private var tail: [UInt8] = []

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if timer != nil {
            let bytes = tail + Array(unwrapInboundIn(data).readableBytesView)
            if bytes.count >= 4, (0...(bytes.count - 4)).contains(where: { bytes[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) }) {
                timer?.cancel()
                timer = nil
            }
            tail = Array(bytes.suffix(3))
        }
        context.fireChannelRead(data)
    }
}
