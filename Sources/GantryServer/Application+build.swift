import GantryCore
import GantryGit
import GantryHTTP
import GantryStore
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
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
    buildApplication(configuration: configuration, store: store, lifecycle: lifecycle, logger: logger, catalog: RouteCatalog(), onServerRunning: onServerRunning)
}

/// `buildApplication`, recording every route it adds in `catalog` (for the authorization test).
func buildApplication(
    configuration: ServerConfiguration, store: Store, lifecycle: AppLifecycle,
    logger: Logger, catalog: RouteCatalog, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let base = Router(context: GantryRequestContext.self)
    base.add(middleware: ProblemMiddleware())
    let router = RecordingRouter(base, catalog: catalog)
    let auditor = Auditor(store: store, logger: logger)
    let authenticator = Authenticator(store: store, throttle: configuration.loginThrottle, auditor: auditor)

    let routes = APIRoutes(
        group: router.group(RouterPath(API.prefix)).add(middleware: APIAuthMiddleware(authenticator: authenticator)), store: store, auditor: auditor)
    AppsController(apps: AppService(store: store, dataDirectory: configuration.dataDirectory, lifecycle: lifecycle)).addRoutes(to: routes)
    ConfigController(store: store, operations: lifecycle.operations).addRoutes(to: routes)
    ReleasesController(store: store, operations: lifecycle.operations).addRoutes(to: routes)
    ExportController(store: store, operations: lifecycle.operations).addRoutes(to: routes)
    CanaryController(store: store, operations: lifecycle.operations).addRoutes(to: routes)
    FormationController(store: store, lifecycle: lifecycle).addRoutes(to: routes)
    KeysController(store: store).addRoutes(to: routes)
    TeamController(store: store).addRoutes(to: routes)
    TokensController(store: store).addRoutes(to: routes)
    AuditController(store: store).addRoutes(to: routes)
    DomainsController(store: store, lifecycle: lifecycle, appsDomain: configuration.appsDomain).addRoutes(to: routes)
    MaintenanceController(store: store, lifecycle: lifecycle).addRoutes(to: routes)
    CertificatesController(store: store, lifecycle: lifecycle, automatic: configuration.automaticCertificates).addRoutes(to: routes)
    GarbageController(lifecycle: lifecycle).addRoutes(to: routes)
    let runs = RunsController(lifecycle: lifecycle, tickets: RunTickets())
    runs.addRoutes(to: routes)
    // The router that decides WebSocket upgrades: `gantry run`'s attach only, authenticated as the API.
    let webSocketRouter = Router(context: GantryRequestContext.self)
    runs.addAttachRoute(to: webSocketRouter.group(RouterPath(API.prefix)).add(middleware: APIAuthMiddleware(authenticator: authenticator)))
    WebhooksController(store: store, configuration: configuration).addRoutes(to: routes)
    router.get("/healthz") { _, _ in "ok\n" }
    APIRoutes(group: router.group("/metrics").add(middleware: APIAuthMiddleware(authenticator: authenticator)), store: store, auditor: auditor)
        .get("", .admin) { _, _ in await metricsResponse(lifecycle.metrics) }

    let runner = WebhookRunner(
        store: store, deploy: lifecycle.webhookDeploy, statuses: CommitStatusReporter(http: HTTPClient(), logger: logger), logger: logger)
    WebhookReceiver(store: store, runner: runner, auditor: auditor).addRoutes(to: router)

    GitHTTPController(store: store, authenticator: authenticator, configuration: configuration, hooks: lifecycle.pushHooks)
        .addRoutes(to: router)

    return Application(
        router: base, server: boundedServer(configuration, webSocketRouter: webSocketRouter),
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

/// HTTP/1.1 with the door's connection bounds and the WebSocket upgrades `webSocketRouter`
/// accepts (`BoundedChannel`).
private func boundedServer(_ configuration: ServerConfiguration, webSocketRouter: Router<GantryRequestContext>) -> HTTPServerBuilder {
    let limit = ConnectionLimit(capacity: configuration.maxConnections)
    let webSocketResponder = webSocketRouter.buildResponder()
    let upgrade = HTTP1WebSocketUpgradeChannel.Configuration(
        http1: .init(idleTimeout: configuration.httpIdleTimeout.timeAmount), ws: .init(maxFrameSize: RunResponse.maximumFrameSize))
    return HTTPServerBuilder { responder in
        BoundedChannel(
            inner: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: upgrade),
            limit: limit, idleTimeout: configuration.httpIdleTimeout.timeAmount)
    }
}

/// HTTP/1.1 with the door's connection bounds: the idle timeout and the cap on connections.
private func boundedServer(_ configuration: ServerConfiguration) -> HTTPServerBuilder {
    let limit = ConnectionLimit(capacity: configuration.maxConnections)
    return .http1(configuration: .init(
        additionalChannelHandlers: [ConnectionLimitHandler(limit: limit)], idleTimeout: configuration.httpIdleTimeout.timeAmount))
}
