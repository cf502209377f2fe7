import Foundation
import GantryCore
import GantryImage
import GantryRuntime
import GantrySwarm
import Synchronization

extension SwarmScheduler {
    /// `gantry-APP-TYPE` (`-canary` for a canary's): Swarm's names are at most 63 characters, so a
    /// longer one keeps its first 46 and a hash of the whole.
    static func serviceName(_ app: AppName, _ type: String, canary: Bool = false) -> String {
        let name = "gantry-\(app)-\(type)" + (canary ? "-canary" : "")
        guard name.utf8.count > 63 else { return name }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: stable across runs, unlike Hasher
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(name.prefix(46)) + "-" + String(hash, radix: 16)
    }

    /// The service that runs `type` of `plan`: the registry image, the release's environment
    /// and `PORT`, the Procfile command as Gantry's launcher runs it under Docker's init, the
    /// limits, Swarm's own health check (web), start-first updates that roll back on failure.
    func serviceSpec(_ plan: Deployer.Plan, type: String, image: String, canary: Bool = false) -> ServiceSpec {
        let labels = [
            ServiceSpec.Label.app: plan.app.rawValue, ServiceSpec.Label.release: "v\(plan.release)",
            ServiceSpec.Label.processType: type, Self.canaryLabel: canary ? "true" : "false", Self.ownerLabel: owner,
        ]
        var environment = plan.environment
        environment["PORT"] = String(Self.webPort)
        environment["PATH"] = environment["PATH"] ?? Launcher.path
        environment["HOME"] = "/app"
        environment["DYNO"] = "\(type).{{.Task.Slot}}"
        let container = GantrySwarm.ContainerSpec(
            image: image, labels: labels, command: Launcher.execArguments(for: plan.processTypes[type] ?? ""),
            env: environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }, user: "\(plan.user):\(plan.user)", isInit: true,
            healthcheck: type == "web" ? Self.healthcheck(plan.healthChecks) : nil, stopGracePeriod: .seconds(10))
        let resources = TaskSpec.Resources(
            nanoCPUs: plan.cpuLimit.map { Int64($0 * 1_000_000_000) }, memoryBytes: Int64(plan.memoryLimitBytes))
        return ServiceSpec(
            name: Self.serviceName(plan.app, type, canary: canary), labels: labels,
            taskTemplate: TaskSpec(containerSpec: container, resources: resources, networks: [.init(target: network)]),
            mode: .replicated(canary ? (plan.formation["web"] ?? 1) : plan.formation[type] ?? 0))
    }

    /// Marks a canary's service (`true`) apart from the app's own.
    static let canaryLabel = "gantry.canary"
    /// The gantryd whose service it is (its data directory's `swarm-owner`): another gantryd on
    /// the same Swarm, or anything else labelled with an app, is never touched.
    static let ownerLabel = "gantry.owner"

    /// Swarm's check of a web task, which gates its rollout: the app's first health check path
    /// over bash's `/dev/tcp` (every stack has bash; not every one has curl), any status below
    /// 500. Its first run is 2 s after the start, so Gantry's own check (every 20 ms) routes a new
    /// task before Swarm lets an old one go.
    static func healthcheck(_ policy: HealthCheckPolicy) -> Healthcheck {
        let path = policy.checks.first?.path ?? "/"
        let probe = #"exec 3<>/dev/tcp/127.0.0.1/$0 && printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3 && read -r _ status _ <&3 && [ "$status" -lt 500 ]"#
        let budget = policy.checks.map(\.longestWait).max() ?? .seconds(30)
        return Healthcheck(
            test: ["CMD", "/bin/bash", "-c", probe, String(Self.webPort), path], interval: .seconds(2), timeout: .seconds(2), retries: 3,
            startPeriod: budget)
    }

    /// Creates or updates the service and waits until it converged; a web service's tasks are
    /// routed as they become healthy meanwhile, and exactly the converged ones afterwards.
    /// - Returns: how many tasks run.
    /// - Throws: `DeployError` when Swarm rolled it back (the failed task's error) or it did not
    ///   converge in time; the router then follows whatever tasks serve.
    func rollOut(_ spec: ServiceSpec, plan: Deployer.Plan, canary: Bool = false) async throws(DeployError) -> Int {
        let (app, release) = (plan.app, plan.release)
        let isRouted = spec.labels[ServiceSpec.Label.processType] == "web"
        let update: ServiceUpdate
        do {
            if let existing = try await engine.service(named: spec.name) {
                update = try await engine.updateService(existing, to: spec)
            } else {
                update = ServiceUpdate(serviceID: try await engine.createService(spec), name: spec.name)
            }
        } catch {
            throw .runtime(RuntimeError(container: spec.name, reason: error.description))
        }
        guard isRouted else {
            do { return try await engine.waitForConvergence(of: update, network: network, timeout: plan.deployTimeout).count } catch {
                throw Self.deployError(error, process: spec.name)
            }
        }
        rollingOut.insert(app)
        defer { rollingOut.remove(app) }
        let follower = Task { await follow(update.serviceID, app: app, release: release, healthChecks: plan.healthChecks, canary: canary) }
        let outcome: Result<[TaskEndpoint], EngineError>
        do { outcome = .success(try await engine.waitForConvergence(of: update, network: network, timeout: plan.deployTimeout)) } catch {
            outcome = .failure(error)
        }
        follower.cancel()
        await follower.value
        switch outcome {
        case .success(let endpoints):
            await route(app, endpoints.map { backend($0, release: release) }, canary: canary)
            return endpoints.count
        case .failure(let error):
            await reroute(app)
            throw Self.deployError(error, process: spec.name)
        }
    }

    /// Until cancelled: routes the service's running tasks that passed Gantry's own health
    /// check (or Swarm's) — the old release's until Swarm stops them, the new one's as soon as
    /// each answers.
    private func follow(_ serviceID: String, app: AppName, release: Int, healthChecks: HealthCheckPolicy, canary: Bool) async {
        let healthy = HealthyContainers()
        var probes: [String: Task<Void, Never>] = [:]
        defer { for probe in probes.values { probe.cancel() } }
        var last: [WebBackend]?
        while !Task.isCancelled {
            let running = (try? await engine.runningTasks(ofService: serviceID, network: network)) ?? []
            for task in running where task.health != "healthy" && probes[task.containerID] == nil {
                probes[task.containerID] = Task { [health] in
                    let outcome = await health.waitUntilHealthy(host: task.address, port: Self.webPort, policy: healthChecks) { true }
                    if case .healthy = outcome { healthy.insert(task.containerID) }
                }
            }
            let ready = running.filter { $0.health == "healthy" || healthy.contains($0.containerID) }
            let backends = ready.map { backend($0, release: Int($0.release.dropFirst()) ?? release) }
            if backends != last, !backends.isEmpty {
                await route(app, backends, canary: canary)
                last = backends
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Tells the router the app's web tasks (or its canary's).
    func route(_ app: AppName, _ backends: [WebBackend], canary: Bool = false) async {
        if canary {
            guard var running = canaries[app] else { return }
            running.backends = backends
            canaries[app] = running
            await router.routeCanary(app, CanaryRoute(release: running.plan.release, stable: running.stable, weight: running.weight, backends: backends))
        } else {
            routed[app] = backends
            await router.route(app, to: backends)
        }
    }

    /// Routes what serves now: the app's web tasks that are running and healthy.
    func reroute(_ app: AppName) async {
        guard let tasks = try? await engine.runningTasks(ofService: Self.serviceName(app, "web"), network: network) else { return }
        let backends = tasks.filter { $0.health == nil || $0.health == "healthy" }.map { backend($0, release: Int($0.release.dropFirst()) ?? 0) }
        if backends != routed[app] { await route(app, backends) }
    }

    func backend(_ endpoint: TaskEndpoint, release: Int) -> WebBackend {
        WebBackend(id: endpoint.containerID, endpoint: Endpoint(host: endpoint.address, port: Self.webPort), release: release)
    }

    func backend(_ task: RunningTask, release: Int) -> WebBackend {
        WebBackend(id: task.containerID, endpoint: Endpoint(host: task.address, port: Self.webPort), release: release)
    }

    /// An engine's failure as a deploy's: a rollback says what the new task did.
    static func deployError(_ error: EngineError, process: String) -> DeployError {
        switch error {
        case .rolledBack(_, _, let taskError):
            .unhealthy(process: process, reason: "Swarm rolled the update back" + (taskError.map { ": \($0)" } ?? ""), logTail: [])
        case .notConverged(_, let waited, let state):
            .unhealthy(process: process, reason: "not running and healthy within \(Deployer.seconds(waited)) s (GANTRY_DEPLOY_TIMEOUT): \(state)", logTail: [])
        default:
            .runtime(RuntimeError(container: process, reason: error.description))
        }
    }
}

/// The containers that passed Gantry's own health check during a rollout.
private final class HealthyContainers: Sendable {
    private let ids = Mutex<Set<String>>([])

    func insert(_ id: String) { ids.withLock { _ = $0.insert(id) } }
    func contains(_ id: String) -> Bool { ids.withLock { $0.contains(id) } }
}
