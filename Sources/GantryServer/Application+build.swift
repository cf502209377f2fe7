import GantryCore
import GantryGit
import GantryHTTP
import GantryStore
import Hummingbird
import HummingbirdCore
import Logging

/// The one composition root of gantryd's HTTP door, used by `gantryd` and by the tests:
/// git smart-HTTP at `/APP.git/…`, the REST API at `/api/v1`, Prometheus metrics at `/metrics`
/// (with an API token; `buildMetricsApplication` serves them without one on a port of their
/// own), git servers' webhooks at `/hooks/APP/ID` (signed with the webhook's secret).
/// Connections idle for `configuration.httpIdleTimeout` are closed, and at most
/// `configuration.maxConnections` are held at once.
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
    router.group("/metrics").add(middleware: BearerAuthMiddleware(authenticator: authenticator))
        .get { _, _ in await metricsResponse(lifecycle.metrics) }

    let runner = WebhookRunner(
        store: store, deploy: lifecycle.webhookDeploy, statuses: CommitStatusReporter(http: HTTPClient(), logger: logger), logger: logger)
    WebhookReceiver(store: store, runner: runner).addRoutes(to: router)

    GitHTTPController(store: store, authenticator: authenticator, configuration: configuration, hooks: lifecycle.pushHooks)
        .addRoutes(to: router)

    return Application(
        router: router, server: boundedServer(configuration),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "gantry/\(Gantry.version)"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

/// A listener of its own for Prometheus: `GET /metrics` without a token, and nothing else
/// (`gantryd --metrics-port`). Bind it where only the scraper reaches it.
/// - Parameters:
///   - metrics: the exposition, as `AppLifecycle.metrics`.
///   - onServerRunning: called with the bound port once the server listens.
public func buildMetricsApplication(
    host: String, port: Int, configuration: ServerConfiguration, metrics: @escaping @Sendable () async -> String, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.get("/metrics") { _, _ in await metricsResponse(metrics) }
    return Application(
        router: router, server: boundedServer(configuration),
        configuration: .init(address: .hostname(host, port: port), serverName: "gantry/\(Gantry.version)"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger)
}

/// The Prometheus text exposition as a response.
private func metricsResponse(_ metrics: @Sendable () async -> String) async -> Response {
    Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: await metrics())))
}

/// HTTP/1.1 with the door's connection bounds: the idle timeout and the cap on connections.
private func boundedServer(_ configuration: ServerConfiguration) -> HTTPServerBuilder {
    let limit = ConnectionLimit(capacity: configuration.maxConnections)
    return .http1(configuration: .init(
        additionalChannelHandlers: [ConnectionLimitHandler(limit: limit)], idleTimeout: configuration.httpIdleTimeout.timeAmount))
}
