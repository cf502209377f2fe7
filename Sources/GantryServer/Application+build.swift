import GantryCore
import GantryGit
import GantryStore
import Hummingbird
import Logging

/// The one composition root of gantryd's HTTP door, used by `gantryd` and by the tests:
/// git smart-HTTP at `/APP.git/…`, the REST API at `/api/v1`.
/// - Parameters:
///   - pushHooks: what happens around each push of an app (gantryd: the pipeline's hooks).
///   - onServerRunning: called with the bound port once the server listens.
public func buildApplication(
    configuration: ServerConfiguration, store: Store, pushHooks: @escaping @Sendable (AppName) -> ReceivePackHooks,
    logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: ProblemMiddleware())
    let authenticator = Authenticator(store: store)

    let api = router.group(RouterPath(API.prefix)).add(middleware: BearerAuthMiddleware(authenticator: authenticator))
    AppsController(apps: AppService(store: store, dataDirectory: configuration.dataDirectory)).addRoutes(to: api)
    ConfigController(store: store).addRoutes(to: api)
    router.get("/healthz") { _, _ in "ok\n" }

    GitHTTPController(store: store, authenticator: authenticator, configuration: configuration, hooks: pushHooks)
        .addRoutes(to: router)

    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "gantry/\(Gantry.version)"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}
