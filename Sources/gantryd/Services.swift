import GantryCore
import GantryPipeline
import GantryRouter
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

/// The deployer's view of the router: swap an app's backends, drain one.
struct RouterTraffic: TrafficRouter {
    let router: Router

    func route(_ app: AppName, to backends: [WebBackend]) async {
        router.table.setBackends(app: app, backends.map { Backend(id: $0.id, port: $0.port) })
    }

    func remove(_ app: AppName) async {
        router.table.removeApp(app)
    }

    func drain(_ backendID: String, timeout: Duration) async -> Int {
        await router.drain(backendID: backendID, timeout: timeout).inFlightAtStart
    }
}
