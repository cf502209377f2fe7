import GantryCore
import GantryStore
import Logging
import NIOCore
import NIOPosix
import NIOSSH
import ServiceLifecycle
import Synchronization

/// gantryd's own SSH server (swift-nio-ssh): public-key authentication against `ssh_keys`,
/// then `git-receive-pack 'APP.git'` and `git-upload-pack 'APP.git'` and nothing else. No
/// OpenSSH, no system users, no authorized_keys file.
///
/// At most `configuration.maxConnections` connections wait to authenticate at once (more are
/// closed at once); an authenticated connection that passes no data either way for
/// `configuration.sshIdleTimeout` is closed.
///
/// A swift-service-lifecycle service: on graceful shutdown it stops listening, lets the
/// sessions in flight finish (a push ends with its deploy), then closes every connection.
public struct SSHServer: Service {
    let configuration: ServerConfiguration
    let host: String
    let port: Int
    let store: Store
    let lifecycle: AppLifecycle
    let logger: Logger
    /// How long a connection may take to authenticate before it is closed (OpenSSH's
    /// `LoginGraceTime`).
    let loginGraceTime: Duration
    let onServerRunning: @Sendable (_ port: Int, _ hostKey: SSHHostKey) async -> Void

    /// - Parameters:
    ///   - configuration: the data directory (repositories, host key) and the push limit.
    ///   - port: 0 picks a free port, which `onServerRunning` receives.
    public init(
        configuration: ServerConfiguration, host: String, port: Int, store: Store, lifecycle: AppLifecycle, logger: Logger,
        loginGraceTime: Duration = .seconds(30),
        onServerRunning: @escaping @Sendable (_ port: Int, _ hostKey: SSHHostKey) async -> Void = { _, _ in }
    ) {
        self.loginGraceTime = loginGraceTime
        self.configuration = configuration
        self.host = host
        self.port = port
        self.store = store
        self.lifecycle = lifecycle
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    /// Listens until graceful shutdown or cancellation.
    /// - Throws: `SSHServerError.hostKey`, or NIO's error when the address cannot be bound.
    public func run() async throws {
        let (hostKey, created) = try SSHHostKey.loadOrCreate(at: configuration.dataDirectory.sshHostKey)
        if created { logger.notice("created the SSH host key \(configuration.dataDirectory.sshHostKey) (mode 0600)") }

        let (sessions, sessionSink) = AsyncStream.makeStream(of: (NIOAsyncChannel<SessionInput, SessionOutput>, ConnectionIdentity).self)
        let connections = ConnectionSet()
        let unauthenticated = ConnectionLimit(capacity: configuration.maxConnections)
        let (store, logger, grace, idle) = (store, logger, loginGraceTime.timeAmount, configuration.sshIdleTimeout.timeAmount)
        let (configuration, auditor) = (configuration, Auditor(store: store, logger: logger))
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { connection in
                connection.eventLoop.makeCompletedFuture {
                    guard let slot = unauthenticated.acquire() else {
                        connection.close(promise: nil)  // too many connections that have not authenticated
                        return
                    }
                    connection.closeFuture.whenComplete { _ in slot.release() }
                    let identity = ConnectionIdentity(slot: slot, peer: connection.remoteAddress?.ipAddress ?? "unknown")
                    let ssh = NIOSSHHandler(
                        role: .server(.init(
                            hostKeys: [hostKey.sshKey],
                            userAuthDelegate: PublicKeyAuthenticator(
                                store: store, identity: identity, throttle: configuration.loginThrottle, auditor: auditor, logger: logger))),
                        allocator: connection.allocator,
                        inboundChildChannelInitializer: { channel, type in
                            Self.openSession(channel, type: type, identity: identity, sink: sessionSink)
                        })
                    try connection.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: idle))
                    try connection.pipeline.syncOperations.addHandler(CloseWhenIdleHandler(identity: identity, logger: logger))
                    try connection.pipeline.syncOperations.addHandler(QuickAckHandler())
                    try connection.pipeline.syncOperations.addHandler(ssh)
                    try connection.pipeline.syncOperations.addHandler(CloseOnErrorHandler(logger: logger))
                    connections.insert(connection)
                    connection.eventLoop.scheduleTask(in: grace) {
                        if identity.key == nil { connection.close(promise: nil) }
                    }
                }
            }
            .bind(host: host, port: port).get()
        await onServerRunning(listener.localAddress?.port ?? port, hostKey)

        let session = GitSSHSession(store: store, lifecycle: lifecycle, configuration: configuration, auditor: auditor, logger: logger)
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await (channel, identity) in sessions {
                    group.addTask { await session.run(channel, identity: identity) }
                }
            }
        } onGracefulShutdown: {
            listener.close(promise: nil)
            sessionSink.finish()
        }
        try? await listener.close()
        connections.closeAll()
    }

    /// Accepts session channels only (no port forwarding) and hands each to the sessions' loop.
    private static func openSession(
        _ channel: Channel, type: SSHChannelType, identity: ConnectionIdentity,
        sink: AsyncStream<(NIOAsyncChannel<SessionInput, SessionOutput>, ConnectionIdentity)>.Continuation
    ) -> EventLoopFuture<Void> {
        guard case .session = type else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        return channel.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).flatMapThrowing {
            try channel.pipeline.syncOperations.addHandler(SSHSessionHandler())
            let session = try NIOAsyncChannel<SessionInput, SessionOutput>(wrappingChannelSynchronously: channel)
            if case .terminated = sink.yield((session, identity)) {
                channel.close(promise: nil)  // shutting down
            }
        }
    }
}

/// The open connections, closed together at shutdown.
private final class ConnectionSet: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func insert(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in _ = channels.withLock { $0.removeValue(forKey: id) } }
    }

    func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }
}

/// Closes a connection on any error (a failed handshake, a protocol violation).
private final class CloseOnErrorHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("ssh: connection closed: \(error)")
        context.close(promise: nil)
    }
}
