import NIOCore
import NIOHTTP1

/// One keep-alive HTTP/1.1 connection to a backend: the last handler of its pipeline.
///
/// While a request uses it, it hands the response to its `owner` (the client's handler, on the
/// same event loop) and reads only while the client can take more. While idle in the pool it
/// keeps reading so that a close by the backend is noticed and the connection dropped.
final class BackendConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let backendID: String
    private let pool: BackendPool
    private var context: ChannelHandlerContext?
    /// The client connection this one serves now; `nil` while idle.
    var owner: ClientHandler?
    /// Whether it sits in the pool's idle list.
    var isPooled = false
    /// When it last went idle.
    var idleSince = NIODeadline.now()
    private var pendingRead = false

    init(backendID: String, pool: BackendPool) {
        self.backendID = backendID
        self.pool = pool
    }

    var isActive: Bool { context?.channel.isActive ?? false }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { context.read() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let owner else {
            // A backend must not speak unasked: the connection is no longer usable.
            context.close(promise: nil)
            return
        }
        owner.backendReceived(unwrapInboundIn(data), from: self)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        owner?.backendReadComplete()
        guard self.context != nil else { return }
        if let owner, !owner.clientIsWritable {
            pendingRead = true
        } else {
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if isPooled { pool.remove(self) }
        let owner = self.owner
        self.owner = nil
        owner?.backendFailed(self, error: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let owner = self.owner
        self.owner = nil
        owner?.backendFailed(self, error: error)
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { owner?.backendBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    /// Reads again after the client drained its buffer.
    func resumeReading() {
        guard pendingRead, let context else { return }
        pendingRead = false
        context.read()
    }

    func write(_ part: HTTPClientRequestPart) {
        context?.write(wrapOutboundOut(part), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    func close() {
        owner = nil
        context?.close(promise: nil)
    }

    /// Turns this connection into a raw byte pipe after a 101: the HTTP handlers leave, bytes the
    /// decoder already holds go to `splice`.
    func becomeSplice(_ splice: SpliceHandler) throws {
        guard let context else { throw ChannelError.ioOnClosedChannel }
        owner = nil
        let pipeline = context.pipeline.syncOperations
        try pipeline.addHandler(splice)
        pipeline.removeHandler(try pipeline.handler(type: HTTPRequestEncoder.self), promise: nil)
        pipeline.removeHandler(context: context, promise: nil)
        pipeline.removeHandler(try pipeline.handler(type: ByteToMessageHandler<HTTPResponseDecoder>.self), promise: nil)
    }
}
