import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Gantry's reverse proxy: sends each request to a healthy backend of the app its Host names,
/// per the ``RouteTable``. Clients speak HTTP/1.1, or HTTP/2 on the HTTPS port (ALPN `h2`);
/// backends always HTTP/1.1.
///
/// Heads are parsed strictly (no request smuggling through it) and rewritten: hop-by-hop fields
/// out, `X-Forwarded-For/-Proto/-Host` and `X-Request-Id` in. Bodies are passed on as they
/// came, streamed with backpressure both ways; backend connections are kept alive and pooled
/// per event loop thread; WebSocket upgrades become byte pipes. Unknown hosts get a 404 page,
/// apps without processes a 503, failing or silent processes a 502.
///
/// Run it like a swift-service-lifecycle service: ``run()`` serves until its task is cancelled
/// or ``shutdown()`` is called, then shuts down gracefully. Or ``start()`` and ``shutdown()``.
public final class Router: Sendable {
    /// The routes this router serves; change them at any time.
    public let table: RouteTable
    /// The settings it was made with.
    public let configuration: RouterConfiguration
    /// The certificates the HTTPS port presents (``RouterConfiguration/httpsPort``); change
    /// them at any time.
    public let certificates: CertificateTable
    /// The ACME HTTP-01 challenges the plain HTTP port answers; publish and withdraw them at
    /// any time.
    public let challenges: ChallengeTable
    private let core: RouterCore
    private let group: any EventLoopGroup
    private let lifecycle = Mutex<Lifecycle>(.idle)

    private enum Lifecycle {
        case idle
        case starting
        /// The HTTP listener, then the HTTPS one if any.
        case running([any Channel])
        case shuttingDown(Task<Void, Never>)
        case stopped
    }

    /// Creates a router; nothing listens before ``start()`` or ``run()``.
    /// - Parameters:
    ///   - observer: told about every finished request (metrics).
    ///   - eventLoopGroup: the threads to serve on; one backend connection pool per thread.
    public init(
        table: RouteTable,
        configuration: RouterConfiguration = RouterConfiguration(),
        certificates: CertificateTable = CertificateTable(),
        challenges: ChallengeTable = ChallengeTable(),
        observer: (any RouterObserver)? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "gantry.router")
    ) {
        self.table = table
        self.configuration = configuration
        self.certificates = certificates
        self.challenges = challenges
        self.group = eventLoopGroup
        self.core = RouterCore(table: table, challenges: challenges, configuration: configuration, observer: observer, logger: logger)
    }

    /// The port the router listens on while it runs (the real one when configured with 0).
    public var port: Int? {
        lifecycle.withLock { state in
            if case .running(let channels) = state { return channels.first?.localAddress?.port }
            return nil
        }
    }

    /// The HTTPS port while the router runs with one.
    public var httpsPort: Int? {
        lifecycle.withLock { state in
            if case .running(let channels) = state, channels.count > 1 { return channels[1].localAddress?.port }
            return nil
        }
    }

    /// Starts listening and returns the bound port.
    /// - Throws: `RouterError.bindFailed` when the address cannot be bound,
    ///   `RouterError.notStartable` when the router runs already or was shut down.
    @discardableResult
    public func start() async throws(RouterError) -> Int {
        try lifecycle.withLock { (state) throws(RouterError) in
            guard case .idle = state else { throw RouterError.notStartable(state: "\(Self.name(of: state))") }
            state = .starting
        }
        var channels: [any Channel] = []
        do {
            channels.append(try await makeBootstrap(tls: nil).bind(host: configuration.host, port: configuration.port).get())
            if let httpsPort = configuration.httpsPort {
                let context: NIOSSLContext
                do { context = try certificates.makeContext() } catch { throw RouterError.tls("\(error)") }
                do {
                    channels.append(try await makeBootstrap(tls: context).bind(host: configuration.host, port: httpsPort).get())
                } catch {
                    throw RouterError.bindFailed(host: configuration.host, port: httpsPort, reason: "\(error)")
                }
            }
        } catch {
            for channel in channels { try? await channel.close() }
            lifecycle.withLock { $0 = .idle }
            if let error = error as? RouterError { throw error }
            throw RouterError.bindFailed(host: configuration.host, port: configuration.port, reason: "\(error)")
        }
        let stoppedMeanwhile = lifecycle.withLock { state -> Bool in
            guard case .starting = state else { return true }
            state = .running(channels)
            return false
        }
        if stoppedMeanwhile {
            for channel in channels { try? await channel.close() }
            throw RouterError.notStartable(state: "shut down")
        }
        let port = channels[0].localAddress?.port ?? configuration.port
        if channels.count > 1 { core.httpsPort.store(channels[1].localAddress?.port ?? 0, ordering: .relaxed) }
        core.logger.info("router listening", metadata: ["address": "\(configuration.host):\(port)"])
        if channels.count > 1, let https = channels[1].localAddress?.port {
            core.logger.info("router listening for HTTPS", metadata: ["address": "\(configuration.host):\(https)"])
        }
        return port
    }

    /// Serves until the calling task is cancelled or ``shutdown()`` is called, then shuts down
    /// gracefully. Starts the router first unless ``start()`` already did.
    /// - Throws: what ``start()`` throws.
    public func run() async throws(RouterError) {
        let needsStart = lifecycle.withLock { state in
            if case .idle = state { return true }
            return false
        }
        if needsStart { try await start() }
        let listeners: [any Channel] = lifecycle.withLock { state in
            if case .running(let channels) = state { return channels }
            return []
        }
        if let listener = listeners.first {
            await withTaskCancellationHandler {
                try? await listener.closeFuture.get()
            } onCancel: {
                for listener in listeners { listener.close(promise: nil) }
            }
        }
        await shutdown()
    }

    /// Stops accepting connections, lets running requests finish for up to
    /// `configuration.shutdownGracePeriod`, then closes what is left. Safe to call repeatedly.
    public func shutdown() async {
        let task: Task<Void, Never>? = lifecycle.withLock { state in
            switch state {
            case .idle, .starting, .stopped:
                state = .stopped
                return nil
            case .running(let listeners):
                let task = Task { await self.shutDown(listeners: listeners) }
                state = .shuttingDown(task)
                return task
            case .shuttingDown(let task):
                return task
            }
        }
        await task?.value
    }

    /// Waits until backend `backendID` serves no more requests or `timeout` passes, then closes
    /// the router's idle connections to it. Take the backend out of the table first.
    public func drain(backendID: String, timeout: Duration) async -> DrainResult {
        let result = await table.drain(backendID: backendID, timeout: timeout)
        await core.forEachLoop { $0.pool.evict(backendID) }
        return result
    }

    private func shutDown(listeners: [any Channel]) async {
        core.httpsPort.store(0, ordering: .relaxed)
        for listener in listeners { try? await listener.close() }
        for channel in core.openConnections {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let deadline = ContinuousClock.now + configuration.shutdownGracePeriod
        while !core.openConnections.isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for channel in core.openConnections {
            channel.close(promise: nil)
        }
        await core.forEachLoop { $0.pool.close() }
        core.logger.info("router stopped")
    }

    /// A listener's bootstrap; with `tls`, each connection is a TLS server first, then HTTP/2 or
    /// HTTP/1.1 as the client chose by ALPN.
    private func makeBootstrap(tls: NIOSSLContext?) -> ServerBootstrap {
        let core = self.core
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(NIOSSLServerHandler(context: tls))
                        try pipeline.addHandler(ProtocolSwitch(core: core))
                    } else {
                        try pipeline.addHandler(ClientHandler(core: core, loop: core.loopContext(on: channel.eventLoop)))
                    }
                    core.register(channel)
                }
            }
    }

    private static func name(of state: Lifecycle) -> String {
        switch state {
        case .idle: return "idle"
        case .starting: return "starting"
        case .running: return "running"
        case .shuttingDown: return "shutting down"
        case .stopped: return "shut down"
        }
    }
}
