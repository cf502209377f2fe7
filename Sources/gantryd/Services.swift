import GantryCore
import GantryPipeline
import GantryRouter
import GantryRuntime
import GantryServer
import Logging
import ServiceLifecycle

/// The router as a service: it serves until gantryd shuts down, then lets requests in flight
/// finish.
struct RouterService: Service {
    let router: Router

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await router.run()
        } onGracefulShutdown: {
            Task { await router.shutdown() }
        }
    }
}

/// The container network as a service: when gantryd stops, the namespaces kept ready for new
/// containers are detached (the running containers keep theirs; the next gantryd adopts them).
struct NetworkService: Service {
    let network: ContainerNetwork

    func run() async {
        try? await gracefulShutdown()
        Background.promote()  // what is left to clean up runs as any process now
        await network.shutdown()
    }
}

/// The supervisor as a service: restarts exited processes until gantryd shuts down (the
/// processes themselves keep running; the next gantryd adopts them, and removes those of
/// replaced releases still retiring).
struct SupervisorService: Service {
    let pipeline: Pipeline

    func run() async {
        await cancelWhenGracefulShutdown {
            await pipeline.supervise()
        }
    }
}

/// The app processes' log writer as a service: started again at once when it exits (it
/// outlives gantryd, as the containers do).
struct LogWriterService: Service {
    let logWriter: LogWriter
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            await logWriter.supervise { pid in logger.warning("the log writer exited; restarted it (pid \(pid))") }
        }
    }
}

/// Automatic certificates as a service: orders and renewals until gantryd shuts down (an order
/// cut short is asked for again at the next start).
struct AutomaticCertificatesService: Service {
    let certificates: AutomaticCertificates

    func run() async {
        await cancelWhenGracefulShutdown { await certificates.run() }
    }
}

/// The deployer's view of the router: swap an app's backends, split its traffic with a canary,
/// drain a backend, read what each release answered.
struct RouterTraffic: TrafficRouter {
    let router: Router
    /// The router's per-release counts (one of its observers).
    let counter: ReleaseTrafficCounter

    func route(_ app: AppName, to backends: [WebBackend]) async {
        router.table.setBackends(app: app, backends.map(Self.backend))
    }

    func remove(_ app: AppName) async {
        router.table.removeApp(app)
        counter.forget(app: app)
    }

    func apply(_ policy: HTTPSPolicy, to app: AppName) async {
        router.table.setPolicy(app: app, RoutePolicy(forceHTTPS: policy.forceHTTPS, hstsSeconds: policy.hstsSeconds))
    }

    func drain(_ backendID: String, timeout: Duration) async -> Int {
        await router.drain(backendID: backendID, timeout: timeout).inFlightAtStart
    }

    func routeCanary(_ app: AppName, _ canary: CanaryRoute?) async {
        router.table.setCanary(
            app: app,
            canary.map { CanarySplit(release: $0.release, stable: $0.stable, weight: $0.weight, backends: $0.backends.map(Self.backend)) })
    }

    func traffic(of app: AppName) async -> [Int: ReleaseTraffic] {
        counter.snapshot(of: app)
    }

    /// The router's backend for a web process, counted under its release.
    private static func backend(_ web: WebBackend) -> Backend {
        Backend(id: web.id, host: web.endpoint.host, port: web.endpoint.port, release: web.release)
    }
}
