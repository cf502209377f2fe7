import ArgumentParser
import Foundation
import GantryBuildpacks
import GantryCore
import GantryGit
import GantryImage
import GantryMetrics
import GantryPipeline
import GantryRouter
import GantryRuntime
import GantryServer
import GantryStore
import Hummingbird
import Logging
import ServiceLifecycle

/// `gantryd`: the daemon. Receives pushes, serves the REST API.
@main
struct Gantryd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gantryd",
        abstract: "The Gantry daemon: receives git pushes and serves the REST API.",
        version: Gantry.version)

    @Option(help: ArgumentHelp("Where gantryd keeps its SQLite file, repositories and data (env GANTRY_DATA_DIR).", valueName: "dir"))
    var dataDir: String = ProcessInfo.processInfo.environment["GANTRY_DATA_DIR"] ?? "./.gantry"

    @Option(help: "Address the HTTP server (git and API) listens on.")
    var httpHost: String = "127.0.0.1"

    @Option(help: "Port the HTTP server listens on (0 picks a free one).")
    var httpPort: Int = 8080

    @Option(help: "The most bytes one push may send.")
    var maxPushBytes: Int = ServerConfiguration.defaultMaxPushBytes

    @Option(help: ArgumentHelp("The bundled buildpacks (default: buildpacks/ of the Gantry checkout gantryd runs from).", valueName: "dir"))
    var buildpacksDir: String?

    @Option(help: ArgumentHelp("The stack made by `make stack` (default: .stack/ of the Gantry checkout).", valueName: "dir"))
    var stackDir: String?

    @Option(help: "Address the router (the apps, at http://APP.localhost:PORT) listens on.")
    var routerHost: String = "127.0.0.1"

    @Option(help: "Port the router listens on.")
    var routerPort: Int = 8000

    @Option(help: "The OCI runtime binary (runc's command line).")
    var ociRuntime: String = "runc"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard (0...65535).contains(httpPort) else { throw ValidationError("--http-port must be between 0 and 65535") }
        guard maxPushBytes > 0 else { throw ValidationError("--max-push-bytes must be positive") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = {
            var logger = Logger(label: "gantryd")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return logger
        }()
        Libgit2.initialize()

        let dataDirectory = DataDirectory(root: URL(fileURLWithPath: dataDir).standardizedFileURL.path)
        try dataDirectory.prepare()
        let store = try Store(path: dataDirectory.database)
        if let tokenFile = try await dataDirectory.createAdminTokenIfNeeded(in: store) {
            logger.notice("created the admin API token in \(tokenFile) (mode 0600); `gantry login` reads it")
        }

        let checkout = Checkout.locate()
        let metrics = GantryMetrics()
        let router = Router(table: RouteTable(), configuration: RouterConfiguration(host: routerHost, port: routerPort), observer: metrics)
        let pipeline = try await makePipeline(
            dataDirectory: dataDirectory, store: store, stackDirectory: stackDir ?? checkout + "/.stack",
            buildpacksDirectory: buildpacksDir ?? checkout + "/buildpacks", router: router, metrics: metrics, logger: logger)

        let configuration = ServerConfiguration(
            dataDirectory: dataDirectory, host: httpHost, port: httpPort, maxPushBytes: maxPushBytes)
        let app = buildApplication(
            configuration: configuration, store: store,
            lifecycle: AppLifecycle(pushHooks: pipeline.hooks(for:trigger:), processes: pipeline.processes(of:), created: pipeline.register(_:),
                destroyed: pipeline.remove(_:), metrics: { metrics.render(runningContainers: await pipeline.runningContainers()) },
                operations: pipeline),
            logger: logger) { port in
            logger.notice("gantryd \(Gantry.version) listening on http://\(configuration.host):\(port) (data in \(dataDirectory.root), libgit2 \(Libgit2.version))")
        }
        let services = ServiceGroup(
            configuration: .init(
                services: [app, RouterService(router: router), SupervisorService(pipeline: pipeline)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
    }
}
