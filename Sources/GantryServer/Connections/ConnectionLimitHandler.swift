import NIOCore

/// The first handler after HTTP decoding on each HTTP connection: takes a slot of the port's
/// `ConnectionLimit`, or closes the connection at once when none is free. The slot goes back
/// when the connection's pipeline is torn down.
final class ConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any  // request parts, passed on untouched

    private let limit: ConnectionLimit
    private var slot: ConnectionSlot?

    init(limit: ConnectionLimit) { self.limit = limit }

    func handlerAdded(context: ChannelHandlerContext) {
        slot = limit.acquire()
        if slot == nil {
            let channel = context.channel
            context.eventLoop.execute { channel.close(promise: nil) }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        slot?.release()
        slot = nil
    }
}
