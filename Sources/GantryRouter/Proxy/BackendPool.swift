import NIOCore
import NIOPosix

/// The backend connections of one event loop: idle keep-alive connections by backend, and new
/// connections made on this loop, so a client and its backend connection share one thread and
/// the pool needs no lock.
final class BackendPool {
    private let eventLoop: any EventLoop
    private let configuration: RouterConfiguration
    private let idleTimeout: TimeAmount
    private var idle: [String: [BackendConnection]] = [:]
    private var sweeper: RepeatedTask?
    private var isClosed = false
    private var pendingFlushes: [ChannelHandlerContext] = []
    private var flushing: [ChannelHandlerContext] = []
    private var flushScheduled = false

    /// Creates the pool; must run on `eventLoop`.
    init(eventLoop: any EventLoop, configuration: RouterConfiguration) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.idleTimeout = TimeAmount(configuration.idleConnectionTimeout)
        let interval = TimeAmount(min(configuration.idleConnectionTimeout / 2, .seconds(5)))
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        sweeper = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            bound.value.closeExpired()
        }
    }

    /// Flushes `context` once the event loop has handled all the I/O of this round, together
    /// with every other connection of the loop that wrote meanwhile: all reads of a round come
    /// before the writes that wake the peers (and may preempt this thread).
    func flushSoon(_ context: ChannelHandlerContext) {
        pendingFlushes.append(context)
        guard !flushScheduled else { return }
        flushScheduled = true
        eventLoop.assumeIsolated().execute { self.flushAll() }
    }

    private func flushAll() {
        flushScheduled = false
        swap(&pendingFlushes, &flushing)
        for context in flushing { context.flush() }
        flushing.removeAll(keepingCapacity: true)
    }

    /// An idle connection to `backendID`, most recently used first, or `nil`.
    func checkout(_ backendID: String) -> BackendConnection? {
        guard idle[backendID]?.isEmpty == false else { return nil }
        let cutoff = NIODeadline.now() - idleTimeout
        while let connection = idle[backendID]?.popLast() {
            connection.isPooled = false
            if connection.isActive, connection.idleSince >= cutoff { return connection }
            connection.close()
        }
        return nil
    }

    /// Takes back a connection whose exchange ended cleanly; closes it when the pool is full.
    func checkin(_ connection: BackendConnection) {
        connection.owner = nil
        guard !isClosed, connection.isActive, (connection.inbound?.readableBytes ?? 0) == 0,
            idle[connection.backendID, default: []].count < configuration.maxIdleConnectionsPerBackend
        else {
            connection.close()
            return
        }
        connection.isPooled = true
        connection.idleSince = .now()
        idle[connection.backendID, default: []].append(connection)
        connection.resumeReading()
    }

    /// Forgets a connection the backend closed.
    func remove(_ connection: BackendConnection) {
        connection.isPooled = false
        idle[connection.backendID]?.removeAll { $0 === connection }
    }

    /// Opens a new connection to `slot`'s backend on this loop.
    func connect(_ slot: BackendSlot, then completion: @escaping (Result<BackendConnection, any Error>) -> Void) {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.autoRead, value: false)
        let connecting: EventLoopFuture<any Channel>
        if let address = slot.address {
            connecting = bootstrap.connect(to: address)
        } else {
            connecting = bootstrap.connect(host: slot.backend.host, port: slot.backend.port)
        }
        let backendID = slot.backend.id
        connecting.assumeIsolated().whenComplete { result in
            completion(result.flatMap { channel in
                let connection = BackendConnection(backendID: backendID, pool: self)
                do {
                    try channel.pipeline.syncOperations.addHandler(connection)
                    return .success(connection)
                } catch {
                    channel.close(promise: nil)
                    return .failure(error)
                }
            })
        }
    }

    /// Closes the idle connections to `backendID` (after a drain).
    func evict(_ backendID: String) {
        let connections = idle.removeValue(forKey: backendID) ?? []
        for connection in connections {
            connection.isPooled = false
            connection.close()
        }
    }

    /// Closes every idle connection and stops pooling (router shutdown).
    func close() {
        isClosed = true
        sweeper?.cancel()
        sweeper = nil
        for id in Array(idle.keys) { evict(id) }
    }

    private func closeExpired() {
        let cutoff = NIODeadline.now() - idleTimeout
        for (id, connections) in idle {
            let expired = connections.filter { $0.idleSince < cutoff }
            guard !expired.isEmpty else { continue }
            idle[id] = connections.filter { $0.idleSince >= cutoff }
            for connection in expired {
                connection.isPooled = false
                connection.close()
            }
        }
        for (id, connections) in idle where connections.isEmpty { idle[id] = nil }
    }
}

/// What each event loop thread keeps for the connections it serves.
final class LoopContext {
    let pool: BackendPool
    private var requestIDs = RequestIDGenerator()

    init(eventLoop: any EventLoop, configuration: RouterConfiguration) {
        pool = BackendPool(eventLoop: eventLoop, configuration: configuration)
    }

    func nextRequestID() -> RequestID { requestIDs.next() }
}
