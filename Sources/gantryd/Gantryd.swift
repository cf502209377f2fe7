import ArgumentParser
import Foundation
import GantryBuildpacks
import GantryCore
import GantryGit
import GantryImage
import GantryMetrics
import GantryPipeline
import GantryRegistry
import GantryRouter
import GantryRuntime
import GantryServer
import GantryStore
import Hummingbird
import Logging
import ServiceLifecycle

/// `gantryd`: the daemon. Receives pushes and webhooks, serves the REST API.
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

    @Option(help: "Address the SSH server (git push/clone over SSH) listens on.")
    var sshHost: String = "127.0.0.1"

    @Option(help: "Port the SSH server listens on (0 picks a free one).")
    var sshPort: Int = 2222

    @Option(help: "The most bytes one push may send.")
    var maxPushBytes: Int = ServerConfiguration.defaultMaxPushBytes

    @Option(help: "Seconds an HTTP connection may wait for its next request part (headers, body, or the next keep-alive request) before it is closed.")
    var httpIdleTimeout: Int = Int(ServerConfiguration.defaultHTTPIdleTimeout.components.seconds)

    @Option(help: "The most connections each of the HTTP and SSH ports holds at once (SSH: before authenticating); more are closed at once.")
    var maxConnections: Int = ServerConfiguration.defaultMaxConnections

    @Option(help: "Seconds an authenticated SSH connection may pass no data either way before it is closed.")
    var sshIdleTimeout: Int = Int(ServerConfiguration.defaultSSHIdleTimeout.components.seconds)

    @Option(help: "Every app is served at APP.<domain> by the router (point a wildcard DNS record *.<domain> at this host); custom domains come on top (`gantry domains:add`).")
    var appsDomain: String = "localhost"

    @Option(help: "Port the router terminates TLS on (on --router-host), with the certificates added by `gantry certs:add` (default: none; 443 for a public server).")
    var httpsPort: Int?

    @Option(help: ArgumentHelp("An ACME directory to get every app's certificates from, renewed by themselves (Let's Encrypt: https://acme-v02.api.letsencrypt.org/directory; try its staging https://acme-staging-v02.api.letsencrypt.org/directory first). The CA validates over HTTP-01: the router must be reachable on port 80 at each domain.", valueName: "url"))
    var acmeDirectory: String?

    @Option(help: ArgumentHelp("The contact the ACME CA is given for the account (expiry warnings).", valueName: "address"))
    var acmeEmail: String?

    @Option(help: ArgumentHelp("A PEM file of CA certificates to trust for the ACME directory's own TLS (a private CA, or pebble in tests); default: the system's.", valueName: "file"))
    var acmeCaBundle: String?

    @Option(help: ArgumentHelp("An OCI distribution registry every built image is pushed to once its tests pass, before its release is recorded (http://127.0.0.1:5000, https://registry.example.com/team): each app is a repository, each release a tag vN, and releases record REGISTRY/APP@sha256:….", valueName: "url"))
    var registry: String?

    @Option(help: ArgumentHelp(#"A JSON file {"username": "...", "password": "..."} of credentials for --registry (HTTP basic, or a bearer token from the registry's token service); no other user may read it."#, valueName: "file"))
    var registryAuthFile: String?

    @Option(help: "Failed logins (wrong, revoked or expired tokens; unknown SSH keys) a source address may make in a minute before it is refused (429) on the API, git over HTTP and SSH.")
    var loginFailuresPerMinute: Int = ServerConfiguration.defaultLoginFailuresPerMinute

    @Option(help: "Address of a separate listener that serves /metrics without a token (with --metrics-port).")
    var metricsHost: String = "127.0.0.1"

    @Option(help: "Port of a separate listener that serves /metrics without a token (default: none; /metrics on the HTTP port needs an admin's API token).")
    var metricsPort: Int?

    @Option(help: ArgumentHelp("The bundled buildpacks (default: buildpacks/ of the Gantry checkout gantryd runs from).", valueName: "dir"))
    var buildpacksDir: String?

    @Option(help: ArgumentHelp("The stack made by `make stack` (default: .stack/ of the Gantry checkout).", valueName: "dir"))
    var stackDir: String?

    @Option(help: "Address the router (the apps, at http://APP.localhost:PORT) listens on.")
    var routerHost: String = "127.0.0.1"

    @Option(help: "Port the router listens on.")
    var routerPort: Int = 8000

    @Option(help: "How many good releases per app keep their images for rollbacks (the live one always does).")
    var keepReleases: Int = 10

    @Option(help: "The free space, in MB (1,000,000 bytes), the data directory must have for a build to start; less refuses the push with both figures.")
    var minFreeMb: Int = Builder.defaultMinimumFreeBytes / 1_000_000

    @Option(help: "The OCI runtime binary (runc's command line).")
    var ociRuntime: String = "runc"

    @Option(help: ArgumentHelp("Where apps' processes run: runc (containers on this host) or swarm (services of the Docker Swarm whose manager DOCKER_HOST=unix:///path names, default /var/run/docker.sock; needs --registry). Builds, tests and release commands run in runc on this host either way.", valueName: "runc|swarm"))
    var runtime: String = "runc"

    @Option(help: "With --runtime swarm: the Swarm-scoped bridge network apps' tasks join (created when missing); the router reaches each task at its address on it.")
    var swarmNetwork: String = "gantry"

    @Option(help: "The Linux bridge every container's network namespace is attached to (created when missing).")
    var bridge: String = NetworkConfiguration.defaultBridge

    @Option(help: "The containers' IPv4 subnet (CIDR); the bridge takes its first address.")
    var containerSubnet: String = NetworkConfiguration.defaultSubnet

    @Option(help: ArgumentHelp("Where the CNI plugins are (Debian's containernetworking-plugins).", valueName: "dir"))
    var cniPluginDir: String = NetworkConfiguration.defaultPluginDirectory

    @Option(help: "full: every recorded build and release, and the commit and ref it names, survive a power loss (SQLite synchronous=FULL, git objects and refs fsynced). normal: a power loss may lose the last ones (a crash of gantryd never does).")
    var durability: String = Store.Durability.full.rawValue

    @Option(help: "idle: change work (pack indexing, builds, tests, runc and CNI calls) runs in a CPU cgroup with cpu.idle, so serving never waits for it — but on a host whose apps keep every CPU busy, deploys wait for CPU. normal: it competes with the apps as any process does.")
    var changeWork: String = "idle"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Flag(help: "Remove every container of the data directory — runc's, its overlay, its network namespace — and the namespaces kept ready, then exit (the apps stop; a later gantryd starts them again). For tear-downs: benchmarks, a machine being retired.")
    var removeContainers = false

    func validate() throws {
        guard ["runc", "swarm"].contains(runtime) else { throw ValidationError("--runtime must be runc or swarm") }
        if runtime == "swarm", registry == nil {
            throw ValidationError("--runtime swarm needs --registry URL: Swarm's nodes pull every release's image from a registry")
        }
        guard (0...65535).contains(httpPort) else { throw ValidationError("--http-port must be between 0 and 65535") }
        guard (0...65535).contains(sshPort) else { throw ValidationError("--ssh-port must be between 0 and 65535") }
        guard httpsPort.map({ (0...65535).contains($0) }) ?? true else { throw ValidationError("--https-port must be between 0 and 65535") }
        guard metricsPort.map({ (0...65535).contains($0) }) ?? true else { throw ValidationError("--metrics-port must be between 0 and 65535") }
        guard httpIdleTimeout > 0, sshIdleTimeout > 0 else { throw ValidationError("--http-idle-timeout and --ssh-idle-timeout must be positive") }
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be positive") }
        if appsDomain != "localhost" {
            do { _ = try DomainName(appsDomain) } catch { throw ValidationError("--apps-domain: \(error)") }
            guard !appsDomain.hasPrefix("*.") else { throw ValidationError("--apps-domain takes a domain without '*.': apps are APP.<domain>") }
        }
        if let acmeDirectory {
            guard acmeDirectory.hasPrefix("https://") || acmeDirectory.hasPrefix("http://") else { throw ValidationError("--acme-directory must be an http(s) URL") }
            guard httpsPort != nil else { throw ValidationError("--acme-directory needs --https-port: the certificates are served there") }
        }
        if let acmeEmail, acmeEmail.contains(where: { $0.isWhitespace || $0 == "," }) || !acmeEmail.contains("@") {
            throw ValidationError("--acme-email must be one e-mail address")
        }
        if let registry {
            do { _ = try RegistryEndpoint(registry) } catch { throw ValidationError(error.description) }
        } else if registryAuthFile != nil {
            throw ValidationError("--registry-auth-file needs --registry")
        }
        guard loginFailuresPerMinute > 0 else { throw ValidationError("--login-failures-per-minute must be positive") }
        guard maxPushBytes > 0 else { throw ValidationError("--max-push-bytes must be positive") }
        guard (0...1_000_000_000).contains(minFreeMb) else { throw ValidationError("--min-free-mb must be between 0 and 1000000000") }
        guard keepReleases >= 1 else { throw ValidationError("--keep-releases must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        guard Store.Durability(rawValue: durability) != nil else { throw ValidationError("--durability must be full or normal") }
        guard ["idle", "normal"].contains(changeWork) else { throw ValidationError("--change-work must be idle or normal") }
    }

    func run() async throws {
        // Everything gantryd creates is its own alone unless it says otherwise: the database
        // and its WAL, bundles' config.json, ENV_DIRs, keys, tokens are 0600 from their first
        // byte. What must stay readable in containers (exported trees, layers, upper
        // directories) sets its modes explicitly.
        umask(0o077)
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        // A client that hangs up while `git upload-pack` is fed its bytes must make a write fail
        // with EPIPE, not kill gantryd. (swift-subprocess resets signals in the children it starts.)
        signal(SIGPIPE, SIG_IGN)
        let logger = {
            var logger = Logger(label: "gantryd")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return logger
        }()
        Libgit2.initialize()
        if removeContainers { return try await removeAllContainers(logger: logger) }
        try PortCheck.ensureFree([
            ("--http-port", httpHost, httpPort), ("--router-port", routerHost, routerPort), ("--ssh-port", sshHost, sshPort),
        ] + (httpsPort.map { [("--https-port", routerHost, $0)] } ?? []) + (metricsPort.map { [("--metrics-port", metricsHost, $0)] } ?? []))

        let dataDirectory = DataDirectory(root: URL(fileURLWithPath: dataDir).standardizedFileURL.path)
        try dataDirectory.prepare()
        let durability = Store.Durability(rawValue: durability) ?? .full
        Libgit2.syncWrites(durability == .full)
        let store = try Store(path: dataDirectory.database, durability: durability)
        if let tokenFile = try await dataDirectory.createAdminTokenIfNeeded(in: store) {
            logger.notice("created the admin API token in \(tokenFile) (mode 0600); `gantry login` reads it")
        }


        let checkout = Checkout.locate()
        let metrics = GantryMetrics()
        let traffic = ReleaseTrafficCounter()  // per release: what a canary's analysis compares
        let appsDomain = appsDomain.lowercased()
        let router = Router(
            table: RouteTable(baseDomain: appsDomain), configuration: RouterConfiguration(host: routerHost, port: routerPort, httpsPort: httpsPort),
            observer: CombinedRouterObserver(metrics, traffic))
        for (app, domains) in try await store.allDomains() { router.table.setDomains(app: app, domains.map(\.rawValue)) }
        for (app, maintenance) in try await store.allMaintenance() { router.table.setMaintenance(app: app, on: true, message: maintenance.message?.rawValue) }
        let certificates = RouterCertificates(store: store, router: router, logger: logger)
        await certificates.syncAll()
        let automaticCertificates = try acmeDirectory.map { directory in
            AutomaticCertificates(
                store: store,
                authority: try ACMEAuthority(
                    directoryURL: directory, email: acmeEmail, caBundlePath: acmeCaBundle, accountKeyPath: dataDirectory.acmeAccountKey, router: router,
                    logger: logger),
                appsDomain: appsDomain, logger: logger
            ) { await certificates.sync($0) }
        }
        let (pipeline, network, logWriter) = try await makePipeline(
            dataDirectory: dataDirectory, store: store, stackDirectory: stackDir ?? checkout + "/.stack",
            buildpacksDirectory: buildpacksDir ?? checkout + "/buildpacks", router: router, metrics: metrics, traffic: traffic,
            registry: try makeRegistryClient(logger: logger), logger: logger)

        let configuration = ServerConfiguration(
            dataDirectory: dataDirectory, host: httpHost, port: httpPort, maxPushBytes: maxPushBytes,
            httpIdleTimeout: .seconds(httpIdleTimeout), maxConnections: maxConnections, sshIdleTimeout: .seconds(sshIdleTimeout),
            loginFailuresPerMinute: loginFailuresPerMinute, appsDomain: appsDomain, automaticCertificates: automaticCertificates != nil)
        let lifecycle = AppLifecycle(
            pushHooks: pipeline.hooks(for:trigger:), processes: pipeline.processes(of:), created: pipeline.register(_:),
            destroyed: {
                await pipeline.remove($0)
                router.certificates.remove(app: $0)
            },
            domainsChanged: {
                router.table.setDomains(app: $0, $1.map(\.rawValue))
                await certificates.sync($0)
                await automaticCertificates?.changed($0)
            },
            certificatesChanged: {
                await certificates.sync($0)
                await automaticCertificates?.changed($0)
            },
            maintenanceChanged: { router.table.setMaintenance(app: $0, on: $1 != nil, message: $1?.message?.rawValue) },
            metrics: { metrics.render(runningContainers: await pipeline.runningContainers()) },
            operations: pipeline,
            webhookDeploy: { [maxPushBytes] in
                await pipeline.deploy(
                    $0, repositoryPath: dataDirectory.repository(for: $0.app), fetchLimits: FetchLimits(maxBytes: maxPushBytes))
            },
            collectGarbage: { try await pipeline.collectGarbage(dryRun: $0) })
        let app = buildApplication(configuration: configuration, store: store, lifecycle: lifecycle, logger: logger) { port in
            logger.notice("gantryd \(Gantry.version) listening on http://\(configuration.host):\(port) (data in \(dataDirectory.root), libgit2 \(Libgit2.version))")
        }
        let ssh = SSHServer(
            configuration: configuration, host: sshHost, port: sshPort, store: store, lifecycle: lifecycle, logger: logger
        ) { [sshHost] port, hostKey in
            logger.notice("SSH on \(sshHost):\(port) (ssh://git@\(sshHost):\(port)/APP.git), host key \(hostKey.fingerprint) (ED25519)")
        }
        var services: [any Service] = [NetworkService(network: network), app, ssh, RouterService(router: router), SupervisorService(pipeline: pipeline),
            LogWriterService(logWriter: logWriter, logger: logger)]
        if let automaticCertificates { services.append(AutomaticCertificatesService(certificates: automaticCertificates)) }
        if let metricsPort {
            services.append(buildMetricsApplication(
                host: metricsHost, port: metricsPort, configuration: configuration, metrics: lifecycle.metrics, logger: logger
            ) { [metricsHost] port in logger.notice("metrics without a token on http://\(metricsHost):\(port)/metrics") })
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
