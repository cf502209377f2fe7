import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One keep-alive connection to a backend: the only handler of its pipeline (raw bytes).
///
/// While a request uses it, it collects the backend's bytes in `inbound` for its `owner` (the
/// client's handler, on the same event loop) and reads only while the client can take more.
/// While idle in the pool it keeps reading so that a close by the backend is noticed.
final class BackendConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let backendID: String
    private let pool: BackendPool
    private var context: ChannelHandlerContext?
    /// The client connection this one serves now; `nil` while idle.
    var owner: ClientHandler?
    /// Bytes from the backend not yet handled.
    var inbound: ByteBuffer?
    /// Whether it sits in the pool's idle list.
    var isPooled = false
    /// When it last went idle.
    var idleSince = NIODeadline.now()
    private var pendingRead = false
    /// Done with, waiting for the backend to close first (`retire`).
    private var retiring = false

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
            if retiring { abort() } else { context.close(promise: nil) }
            return
        }
        var buffer = unwrapInboundIn(data)
        if var pending = inbound, pending.readableBytes > 0 {
            pending.writeBuffer(&buffer)
            inbound = pending
        } else {
            inbound = buffer
        }
        owner.backendReceived(from: self)
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
        owner?.backendClosed(self)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let owner = self.owner
        self.owner = nil
        owner?.backendClosed(self)
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

    func write(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    /// Flushes at the end of the event loop's round (see `BackendPool.flushSoon`).
    func flush() {
        if let context { pool.flushSoon(context) }
    }

    func close() {
        owner = nil
        context?.close(promise: nil)
    }

    /// Leaves the close to a backend that said it closes (`Connection: close`) after an
    /// exchange that ended cleanly: whoever closes first keeps the connection's TIME_WAIT for
    /// a minute, and the backend keeps it in its own network namespace, where it costs
    /// nothing, while the host's would pile up by the thousand per backend (one per request)
    /// until every connect searched the port range for a free port (measured: 14,000 of them
    /// to one busybox httpd, throughput 2,600 → 500 requests/s at 160% CPU). A backend that
    /// has not closed within `timeout` is reset.
    func retire(timeout: TimeAmount) {
        owner = nil
        guard let context else { return }
        retiring = true
        pendingRead = false
        context.read()  // to hear its close
        context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in self?.abort() }
    }

    /// Closes at once with a reset (`SO_LINGER` 0): no TIME_WAIT on this side.
    private func abort() {
        guard let context else { return }
        owner = nil
        resetAtClose()
        context.close(promise: nil)
    }

    /// Makes our close of this connection a reset (`SO_LINGER` 0; on the channel's event loop the
    /// option is set at once). Called too for a backend whose answer said it closes after it: its
    /// FIN often comes with the answer's last bytes, and NIO answers it at once. After a FIN each
    /// way the host's connection tracking would keep the flow two minutes in TIME_WAIT — one entry
    /// per request (13,000 after bench/load's 65 s at rest), which every veth removed walks in a
    /// kernel worker (NAT's masquerade clean-up); after a reset, a CLOSE entry for ten seconds.
    /// Nothing is lost: the backend closes its side first, once it has answered.
    func resetAtClose() {
        _ = (context?.channel as? SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
    }

    /// Turns this connection into one end of a byte pipe (after a 101).
    func becomeSplice(_ splice: SpliceHandler) throws {
        guard let context else { throw ChannelError.ioOnClosedChannel }
        owner = nil
        let pipeline = context.pipeline.syncOperations
        try pipeline.addHandler(splice)
        pipeline.removeHandler(context: context, promise: nil)
    }
}
