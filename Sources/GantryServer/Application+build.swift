import GantryCore
import GantryGit
import GantryHTTP
import GantryStore
import Hummingbird
import Logging

/// The one composition root of gantryd's HTTP door, used by `gantryd` and by the tests:
/// git smart-HTTP at `/APP.git/…`, the REST API at `/api/v1`, Prometheus metrics at `/metrics`
/// (no token), git servers' webhooks at `/hooks/APP/ID` (signed with the webhook's secret).
/// - Parameters:
///   - lifecycle: the pipeline's push hooks and the running processes (gantryd's deployer).
///   - onServerRunning: called with the bound port once the server listens.
public func buildApplication(
    configuration: ServerConfiguration, store: Store, lifecycle: AppLifecycle,
    logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: ProblemMiddleware())
    let authenticator = Authenticator(store: store)

    let api = router.group(RouterPath(API.prefix)).add(middleware: BearerAuthMiddleware(authenticator: authenticator))
    AppsController(apps: AppService(store: store, dataDirectory: configuration.dataDirectory, lifecycle: lifecycle)).addRoutes(to: api)
    ConfigController(store: store, authenticator: authenticator, operations: lifecycle.operations).addRoutes(to: api)
    ReleasesController(store: store, authenticator: authenticator, operations: lifecycle.operations).addRoutes(to: api)
    FormationController(store: store, lifecycle: lifecycle).addRoutes(to: api)
    KeysController(store: store).addRoutes(to: api)
    GarbageController(lifecycle: lifecycle).addRoutes(to: api)
    WebhooksController(store: store, configuration: configuration).addRoutes(to: api)
    router.get("/healthz") { _, _ in "ok\n" }
    router.get("/metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: await lifecycle.metrics())))
    }

    let runner = WebhookRunner(
        store: store, deploy: lifecycle.webhookDeploy, statuses: CommitStatusReporter(http: HTTPClient(), logger: logger), logger: logger)
    WebhookReceiver(store: store, runner: runner).addRoutes(to: router)

    GitHTTPController(store: store, authenticator: authenticator, configuration: configuration, hooks: lifecycle.pushHooks)
        .addRoutes(to: router)

    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "gantry/\(Gantry.version)"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}
