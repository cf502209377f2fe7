import Foundation
import GantryCore
import GantryImage
import GantryRuntime

/// Runs apps' formations and switches traffic between releases with zero downtime:
///
///   start the new processes → wait until every web process is healthy → swap the router's
///   backends at once → drain the old web processes → stop the old processes
///
/// A release that does not come up healthy is stopped and removed; the old one never stopped
/// serving. Processes that exit later are restarted by `supervise()`.
public actor Deployer {
    /// What a release runs: the image's layers, environment and process types, and how many of each.
    public struct Plan: Sendable {
        public var app: AppName
        public var release: Int
        public var layers: [String]
        /// The image in a registry (`REGISTRY/APP@sha256:…`), for a scheduler whose nodes pull
        /// it; `nil` when it was not pushed. `layers` are the same image unpacked on this host.
        public var imageReference: String?
        public var environment: [String: String]
        public var processTypes: [String: String]
        public var formation: [String: Int]
        public var healthChecks: HealthCheckPolicy
        public var memoryLimitBytes = 512 << 20
        public var pidsLimit = 256
        /// Cores of CPU time each process may use (`GANTRY_CPU`); `nil`: no limit.
        public var cpuLimit: Double?
        /// The app's unprivileged uid (`AppUser`).
        public var user = AppUser.nobody
        /// `GANTRY_FORCE_HTTPS`, `GANTRY_HSTS`.
        public var https = HTTPSPolicy()
        /// How long a cluster engine may take to run the release (`GANTRY_DEPLOY_TIMEOUT`).
        public var deployTimeout: Duration = .seconds(300)

        /// The process types of the formation that have a command, web first, then by name
        /// (never the release command): what a cluster engine or a manifest runs.
        public var formationTypes: [String] {
            formation.keys.filter { $0 != Formation.releaseType && processTypes[$0] != nil }
                .sorted { ($0 == "web" ? 0 : 1, $0) < ($1 == "web" ? 0 : 1, $1) }
        }

        public init(
            app: AppName, release: Int, layers: [String], environment: [String: String], processTypes: [String: String],
            formation: [String: Int], healthChecks: HealthCheckPolicy = .default
        ) {
            self.app = app
            self.release = release
            self.layers = layers
            self.environment = environment
            self.processTypes = processTypes
            self.formation = formation
            self.healthChecks = healthChecks
        }
    }

    struct Tracked: Sendable {
        var process: AppProcess
        var spec: ContainerSpec
        var restartAt: ContinuousClock.Instant?
    }

    let runtime: any ContainerRuntime
    public nonisolated let router: any TrafficRouter
    let health: any HealthProbe
    let logsDirectory: String
    /// How long an old web process may take to finish its requests, then to exit on SIGTERM.
    let drainTimeout: Duration
    let stopGrace: Duration
    /// How long a process that crashed for the Nth time waits before its restart.
    let backoff: @Sendable (Int) -> Duration
    /// What restarts fall due by.
    let clock: any SupervisionClock
    /// Every app's processes; each change gives new processes their watch (`watchProcesses`).
    var apps: [AppName: [Tracked]] = [:] {
        didSet { watchProcesses() }
    }
    var plans: [AppName: Plan] = [:]
    /// Every app's running canary; its processes are watched like the others, never restarted.
    var canaries: [AppName: CanaryProcesses] = [:] {
        didSet { watchProcesses() }
    }
    /// Where an exited canary process is told (`canaryFailures`).
    let canaryFailure: AsyncStream<CanaryFailure>.Continuation
    /// A canary process that exited: its canary must be aborted.
    public nonisolated let canaryFailures: AsyncStream<CanaryFailure>
    /// Every app's one-off processes (`gantry run`), by index: never routed, never restarted.
    var runs: [AppName: [Int: AppProcess]] = [:]
    /// Where the watches report, while `supervise` runs.
    var supervision: AsyncStream<SupervisionEvent>.Continuation?
    /// container id → the task waiting for its process's exit or for its restart.
    var watches: [String: Task<Void, Never>] = [:]

    public init(
        runtime: any ContainerRuntime, router: any TrafficRouter, health: any HealthProbe, logsDirectory: String,
        drainTimeout: Duration = .seconds(30), stopGrace: Duration = .seconds(10),
        backoff: @escaping @Sendable (Int) -> Duration = { Deployer.backoff(restarts: $0) }, clock: any SupervisionClock = SystemClock()
    ) {
        self.runtime = runtime
        self.router = router
        self.health = health
        self.logsDirectory = logsDirectory
        self.drainTimeout = drainTimeout
        self.stopGrace = stopGrace
        self.backoff = backoff
        self.clock = clock
        (canaryFailures, canaryFailure) = AsyncStream.makeStream(of: CanaryFailure.self)
    }

    /// Deploys `plan`; on success its processes replace the app's current ones.
    /// - Parameter booted: its web processes, started by `boot` while the tests ran.
    /// - Throws: `DeployError`; the new processes are gone then and the old ones untouched.
    public func deploy(_ plan: Plan, booted: Boot? = nil, log: @escaping @Sendable (String) -> Void) async throws(DeployError) {
        var started: [Tracked] = []
        if let booted { started = try await takeOver(booted, for: plan, log: log) }
        do throws(DeployError) {
            started += try await startFormation(plan, including: { booted == nil || $0 != "web" }, log: log)
        } catch {
            for tracked in started { await stop(tracked, drain: false) }
            throw error
        }
        for index in started.indices { started[index].process.state = .up }
        await switchTraffic(plan, to: started, log: log)
    }

    /// Starts every process of `plan`'s formation whose type `includes` names, in type order,
    /// each web process health-checked.
    /// - Throws: `DeployError`; what it started is stopped then.
    func startFormation(_ plan: Plan, including includes: (String) -> Bool, log: @escaping @Sendable (String) -> Void) async throws(DeployError) -> [Tracked] {
        var started: [Tracked] = []
        do throws(DeployError) {
            for (type, count) in plan.formation.sorted(by: { $0.key < $1.key }) where count > 0 && includes(type) {
                guard let command = plan.processTypes[type] else { continue }
                for index in 1...count {
                    started.append(try await startHealthy(plan, type: type, index: index, command: command, log: log))
                }
            }
        } catch {
            for tracked in started { await stop(tracked, drain: false) }
            throw error
        }
        return started
    }

    /// Makes `started` (up and healthy) the app's processes: the router's backends swap at
    /// once, the old web processes drain, then the old processes retire.
    /// - Parameter promoting: `started` holds the app's canary, which leaves the router's
    ///   split once its processes are the app's backends.
    func switchTraffic(_ plan: Plan, to started: [Tracked], promoting: Bool = false, log: @Sendable (String) -> Void) async {
        let old = apps[plan.app] ?? []
        apps[plan.app] = started
        plans[plan.app] = plan
        await router.apply(plan.https, to: plan.app)
        await router.route(plan.app, to: webBackends(started))
        if promoting {
            canaries[plan.app] = nil
            await router.routeCanary(plan.app, nil)
        }
        if !old.isEmpty {
            log("Switching traffic … done; stopping v\(old[0].process.release)")
        }
        // The old web processes finish their requests before the deploy ends; then the old
        // processes retire in the background (Dokku retires them later still): the push does
        // not wait for them to exit on SIGTERM. A gantryd stopped meanwhile removes them at
        // its next start (`restore`).
        var drained = 0
        for tracked in old where tracked.process.type == "web" {
            drained += await router.drain(tracked.process.containerID, timeout: drainTimeout)
        }
        if drained > 0 { log("Drained \(drained) in-flight request\(drained == 1 ? "" : "s")") }
        retire(old)
        event(plan.app, "release v\(plan.release) is live: \(started.map(\.process.name).joined(separator: ", "))")
    }

    /// The app's processes, for `gantry ps`.
    public func processes(of app: AppName) -> [AppProcess] {
        ((apps[app] ?? []).map(\.process) + (canaries[app]?.processes ?? []).map(\.process) + (runs[app] ?? [:]).values)
            .sorted { ($0.type, $0.index, $0.release) < ($1.type, $1.index, $1.release) }
    }

    /// How many processes of all apps are up (not crashed or restarting), for metrics.
    public func runningCount() -> Int {
        (apps.values + canaries.values.map(\.processes)).reduce(0) { total, tracked in total + tracked.count { $0.process.state == .up } }
    }

    /// Stops every process of `app` and takes it out of the router (the app is destroyed).
    public func remove(_ app: AppName) async {
        let old = (apps.removeValue(forKey: app) ?? []) + (canaries.removeValue(forKey: app)?.processes ?? [])
        plans[app] = nil
        await router.remove(app)
        for tracked in old { await stop(tracked, drain: false) }
        for run in (runs.removeValue(forKey: app) ?? [:]).values { await runtime.stop(run.containerID, grace: stopGrace) }
    }

    /// Makes the router know `app` before its first release: its host answers "no running
    /// release" (503) rather than "no such app" (404).
    public func register(_ app: AppName) async {
        await router.route(app, to: webBackends(apps[app] ?? []))
    }

    // MARK: - Processes

    /// Starts one process; a web process must then pass its health checks.
    /// - Throws: `DeployError`; the process is stopped then.
    /// - Parameter backgroundUntil: the process starts in the background until it is healthy
    ///   or this latch opens (`bootInBackground`); `nil`: it starts as any other.
    func startHealthy(
        _ plan: Plan, type: String, index: Int, command: String, backgroundUntil: Latch? = nil, log: @Sendable (String) -> Void
    ) async throws(DeployError) -> Tracked {
        let tracked = try await start(plan, type: type, index: index, command: command)
        guard type == "web" else { return tracked }
        var promotion: Task<Void, Never>?
        if let backgroundUntil { promotion = await bootInBackground(tracked.process.containerID, until: backgroundUntil) }
        let outcome = await health.waitUntilHealthy(host: tracked.process.host, port: tracked.process.port, policy: plan.healthChecks) { [runtime] in
            await runtime.state(tracked.process.containerID)?.status == .running
        }
        if let promotion {
            promotion.cancel()
            await runtime.setBackground(tracked.process.containerID, false)
        }
        let failure: DeployError
        switch outcome {
        case .healthy(let after, _):
            log("Starting \(tracked.process.name) at \(tracked.process.endpoint) … healthy in \(Self.seconds(after)) s")
            return tracked
        case .unhealthy(let reason, _): failure = .unhealthy(process: tracked.process.name, reason: reason, logTail: await logTail(tracked.process))
        case .crashed: failure = .crashed(process: tracked.process.name, logTail: await logTail(tracked.process))
        case .cancelled: failure = .cancelled
        }
        await stop(tracked, drain: false)
        throw failure
    }

    /// Moves a web process booted while its release's tests run (`boot`) into the background,
    /// where those tests come first (they decide whether it is ever routed), and back once it
    /// is healthy, once the tests have ended (`testsEnded`), or after `backgroundBootLimit`, so
    /// that a host busy serving does not starve it past its health check's time. (Measured on
    /// 2 CPUs: a warm push's tests ran 7% faster, the push 9%.)
    /// - Returns: the task that brings it back when the tests end or the limit passes.
    private func bootInBackground(_ id: String, until testsEnded: Latch) async -> Task<Void, Never> {
        await runtime.setBackground(id, true)
        return Task { [runtime] in
            let waited = await withTaskGroup(of: Bool.self) { group in
                group.addTask { await testsEnded.wait(); return !Task.isCancelled }
                group.addTask { (try? await Task.sleep(for: Self.backgroundBootLimit)) != nil }
                defer { group.cancelAll() }
                return await group.next() ?? false
            }
            if waited { await runtime.setBackground(id, false) }
        }
    }

    static let backgroundBootLimit = Duration.seconds(5)

    func start(_ plan: Plan, type: String, index: Int, command: String, restarts: Int = 0) async throws(DeployError) -> Tracked {
        let spec = spec(plan, type: type, index: index, arguments: Launcher.processArguments(for: command))
        let endpoint: Endpoint
        do {
            try FileManager.default.createDirectory(atPath: logDirectory(plan.app), withIntermediateDirectories: true)
            endpoint = try await runtime.start(spec, logFile: logFile(app: plan.app, name: "\(type).\(index)"))
        } catch let error as RuntimeError {
            throw .runtime(error)
        } catch {
            throw .runtime(RuntimeError(container: spec.id, reason: "cannot create its log directory: \(error.localizedDescription)"))
        }
        let process = AppProcess(
            app: plan.app, release: plan.release, type: type, index: index, endpoint: endpoint, startedAt: Date(), restarts: restarts, state: .starting)
        return Tracked(process: process, spec: spec)
    }

    /// Stops `processes`, already out of the router and drained, in the background and all at
    /// once (each may take its whole SIGTERM grace).
    func retire(_ processes: [Tracked]) {
        guard !processes.isEmpty else { return }
        Task {
            await withDiscardingTaskGroup { group in
                for tracked in processes { group.addTask { await self.stop(tracked, drain: false) } }
            }
        }
    }

    /// Stops one process: out of the router first and drained (web), then SIGTERM, grace, SIGKILL.
    /// - Returns: the requests that were in flight when draining began.
    @discardableResult
    func stop(_ tracked: Tracked, drain: Bool) async -> Int {
        let drained = drain && tracked.process.type == "web" ? await router.drain(tracked.process.containerID, timeout: drainTimeout) : 0
        await runtime.stop(tracked.process.containerID, grace: stopGrace)
        return drained
    }

    func webBackends(_ processes: [Tracked]) -> [WebBackend] {
        processes.filter { $0.process.type == "web" && $0.process.state == .up }.map { WebBackend(id: $0.process.containerID, endpoint: $0.process.endpoint, release: $0.process.release) }
    }

    // MARK: - Logs

    func logDirectory(_ app: AppName) -> String { logsDirectory + "/" + app.rawValue }

    func logFile(_ process: AppProcess) -> String { logFile(app: process.app, name: process.name) }

    func logFile(app: AppName, name: String) -> String { logDirectory(app) + "/\(name).log" }

    /// The last 20 lines a process wrote, without their timestamps. Its log writer may be a
    /// moment behind a process that just died: an empty log is read again for up to 1 s.
    func logTail(_ process: AppProcess, lines: Int = 20) async -> [String] {
        for attempt in 0..<10 {
            let tail = AppLogs.lastLines(of: logFile(process), count: lines).map { LogLine($0, source: "").text }
            if !tail.isEmpty || attempt == 9 { return tail }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return []
    }

    /// Appends a timestamped line to the app's event log (deploys, restarts, kills).
    public func event(_ app: AppName, _ text: String) {
        AppLogs.appendEvent(text, to: logDirectory(app))
    }

    /// The logs of `app`.
    public func logs(of app: AppName) -> AppLogs { AppLogs(directory: logDirectory(app)) }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
