import Logging
import NIOCore
import Synchronization

/// What every connection handler shares: the table, the settings, the observer, the open client
/// connections (for shutdown) and each event loop's `LoopContext`.
final class RouterCore: Sendable {
    let table: RouteTable
    let challenges: ChallengeTable
    let configuration: RouterConfiguration
    let observer: (any RouterObserver)?
    let logger: Logger
    /// `configuration.responseTimeout` in NIO's unit.
    let responseTimeout: TimeAmount?
    /// `configuration.clientIdleTimeout` in NIO's unit.
    let clientIdleTimeout: TimeAmount
    /// The bound HTTPS port while the router has one, else 0: where plain requests of apps that
    /// force HTTPS are redirected.
    let httpsPort = Atomic<Int>(0)
    private let loops = Mutex<[ObjectIdentifier: NIOLoopBound<LoopContext>]>([:])
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    init(
        table: RouteTable, challenges: ChallengeTable = ChallengeTable(), configuration: RouterConfiguration,
        observer: (any RouterObserver)?, logger: Logger
    ) {
        self.table = table
        self.challenges = challenges
        self.configuration = configuration
        self.observer = observer
        self.logger = logger
        self.responseTimeout = configuration.responseTimeout.map { TimeAmount($0) }
        self.clientIdleTimeout = TimeAmount(configuration.clientIdleTimeout)
    }

    /// The context of `eventLoop`, made on first use; must be called on that loop.
    func loopContext(on eventLoop: any EventLoop) -> LoopContext {
        let id = ObjectIdentifier(eventLoop)
        let configuration = self.configuration
        let bound = loops.withLock { loops in
            if let existing = loops[id] { return existing }
            let made = NIOLoopBound(LoopContext(eventLoop: eventLoop, configuration: configuration), eventLoop: eventLoop)
            loops[id] = made
            return made
        }
        return bound.value
    }

    /// Tracks an accepted client connection until it closes.
    func register(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        connections.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { _ in
            self.connections.withLock { _ = $0.removeValue(forKey: id) }
        }
    }

    /// The client connections open now.
    var openConnections: [any Channel] {
        connections.withLock { Array($0.values) }
    }

    /// Runs `body` with the context of every event loop that has one, on that loop.
    func forEachLoop(_ body: @escaping @Sendable (LoopContext) -> Void) async {
        let all = loops.withLock { Array($0.values) }
        for bound in all {
            try? await bound.eventLoop.submit { body(bound.value) }.get()
        }
    }
}
