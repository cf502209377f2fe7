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

/// The deployer's view of the router: swap an app's backends, drain one.
struct RouterTraffic: TrafficRouter {
    let router: Router

    func route(_ app: AppName, to backends: [WebBackend]) async {
        router.table.setBackends(app: app, backends.map { Backend(id: $0.id, host: $0.endpoint.host, port: $0.endpoint.port) })
    }

    func remove(_ app: AppName) async {
        router.table.removeApp(app)
    }

    func apply(_ policy: HTTPSPolicy, to app: AppName) async {
        router.table.setPolicy(app: app, RoutePolicy(forceHTTPS: policy.forceHTTPS, hstsSeconds: policy.hstsSeconds))
    }

    func drain(_ backendID: String, timeout: Duration) async -> Int {
        await router.drain(backendID: backendID, timeout: timeout).inFlightAtStart
    }

    func routeCanary(_ app: AppName, _ canary: CanaryRoute?) async {}  // the router's split comes next

    func traffic(of app: AppName) async -> [Int: ReleaseTraffic] { [:] }
}
