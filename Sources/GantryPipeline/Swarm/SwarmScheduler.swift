import Foundation
import GantryCore
import GantryRuntime
import GantrySwarm

/// Runs releases' formations on a Docker Swarm through the Engine API (`gantryd --runtime
/// swarm`): one service per app process type, its image the release's registry image, its
/// replicas the formation. Swarm schedules, restarts and rolls out the tasks; Gantry's router
/// sends requests to the web tasks at their container addresses (Swarm's ingress mesh needs
/// IPVS, which this kernel lacks, and a host port blocks a start-first update).
///
/// A deploy is a service update, `start-first`, rolled back by Swarm when a new task fails
/// (`FailureAction: rollback`): the router follows the web tasks as they come up — a new task
/// is routed once Gantry's own health check passes, before Swarm's first check (2 s after the
/// start) lets Swarm stop an old one — so requests never lack a healthy backend. A rollback
/// updates the services back to the earlier release's image: no rebuild.
public actor SwarmScheduler: Scheduler {
    public nonisolated let router: any TrafficRouter
    let engine: DockerEngine
    let health: any HealthProbe
    /// The Swarm-scoped network the tasks join, whose addresses the router reaches.
    let network: String
    /// This gantryd's mark on its services (`ownerLabel`).
    let owner: String
    let logsDirectory: String
    /// The release each app runs, as last deployed.
    var plans: [AppName: Deployer.Plan] = [:]
    /// Each app's running canary: its plan, the release it is compared with, its weight.
    var canaries: [AppName: SwarmCanary] = [:]
    /// What the router was last told of each app's web tasks.
    var routed: [AppName: [WebBackend]] = [:]
    /// The apps whose web tasks a rollout follows now (supervision leaves them to it).
    var rollingOut: Set<AppName> = []
    /// Where a canary task that failed is told.
    let canaryFailure: AsyncStream<CanaryFailure>.Continuation
    public nonisolated let canaryFailures: AsyncStream<CanaryFailure>
    /// Log followers, by service name.
    var logFollowers: [String: Task<Void, Never>] = [:]

    /// The port every web task listens on (`PORT`), as on runc: each has an address of its own.
    static let webPort = RuncRuntime.webPort

    public init(
        engine: DockerEngine, router: any TrafficRouter, health: any HealthProbe, network: String, owner: String, logsDirectory: String
    ) {
        self.owner = owner
        self.engine = engine
        self.router = router
        self.health = health
        self.network = network
        self.logsDirectory = logsDirectory
        (canaryFailures, canaryFailure) = AsyncStream.makeStream(of: CanaryFailure.self)
    }

    // MARK: - Releases

    /// Swarm starts nothing before a release is recorded: its tasks run only the registry's image.
    public func boot(_ plan: Deployer.Plan, testsEnded: Latch) async -> Deployer.Boot { Deployer.Boot(app: plan.app, release: plan.release) }

    public func discard(_ boot: Deployer.Boot?) async {}

    public func deploy(_ plan: Deployer.Plan, booted: Deployer.Boot?, log: @escaping @Sendable (String) -> Void) async throws(DeployError) {
        let image = try Self.image(of: plan)
        let previous = plans[plan.app]
        var updated: [String] = []
        do throws(DeployError) {
            for type in plan.formationTypes {
                let spec = serviceSpec(plan, type: type, image: image)
                log("Updating service \(spec.name) to v\(plan.release) (\(spec.mode.replicas ?? 0) task\(spec.mode.replicas == 1 ? "" : "s"))")
                updated.append(type)
                let tasks = try await rollOut(spec, plan: plan)
                log("\(spec.name) converged: \(tasks) running")
            }
        } catch {
            // Every service updated goes back to the release that ran: those updated before the
            // one that failed, and that one too — Swarm rolls back a task that failed, not an
            // update still running at GANTRY_DEPLOY_TIMEOUT (going back to the spec it rolled
            // back to changes nothing). A first release leaves no service behind.
            for type in updated {
                if let previous, previous.processTypes[type] != nil {
                    _ = try? await rollOut(serviceSpec(previous, type: type, image: previous.imageReference ?? image), plan: previous)
                } else {
                    _ = try? await engine.removeService(Self.serviceName(plan.app, type))
                }
            }
            if previous == nil { await route(plan.app, []) }
            throw error
        }
        for type in (previous?.formationTypes ?? []) where !plan.formationTypes.contains(type) {
            _ = try? await engine.removeService(Self.serviceName(plan.app, type))
        }
        plans[plan.app] = plan
        await router.apply(plan.https, to: plan.app)
        followLogs(plan.app)
        event(plan.app, "release v\(plan.release) is live on Swarm: \(plan.formationTypes.map { "\($0)=\(plan.formation[$0] ?? 0)" }.joined(separator: " "))")
    }

    public func scale(_ app: AppName, to formation: [String: Int], log: @escaping @Sendable (String) -> Void) async throws(DeployError) -> [AppProcess] {
        guard var plan = plans[app] else { throw .noLiveRelease(app) }
        plan.formation.merge(formation) { _, new in new }
        let image = try Self.image(of: plan)
        for type in formation.keys.sorted() where plan.processTypes[type] != nil {
            let spec = serviceSpec(plan, type: type, image: image)
            _ = try await rollOut(spec, plan: plan)
        }
        plans[app] = plan
        followLogs(app)
        event(app, "scaled to " + plan.formation.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        return await processes(of: app)
    }

    /// Restarts by a forced update: Swarm replaces each task, start-first.
    public func restart(_ app: AppName, type: String?, log: @escaping @Sendable (String) -> Void) async throws(DeployError) -> [AppProcess] {
        guard let plan = plans[app] else { throw .noLiveRelease(app) }
        let image = try Self.image(of: plan)
        for processType in plan.formationTypes where type == nil || type == processType {
            var spec = serviceSpec(plan, type: processType, image: image)
            let current = try await inspect(spec.name)
            spec.taskTemplate.forceUpdate = (current?.spec.taskTemplate.forceUpdate ?? 0) + 1
            _ = try await rollOut(spec, plan: plan)
            event(app, "restarted \(processType)")
        }
        return await processes(of: app)
    }

    public func liveRelease(of app: AppName) -> Int? { plans[app]?.release }

    public func runningCount() async -> Int {
        var count = 0
        for app in plans.keys { count += await processes(of: app).count { $0.state == .up } }
        return count
    }

    public func register(_ app: AppName) async {
        await router.route(app, to: routed[app] ?? [])
    }

    public func remove(_ app: AppName) async {
        let services = (try? await engine.services(labeled: [ServiceSpec.Label.app: app.rawValue, Self.ownerLabel: owner])) ?? []
        for service in services { _ = try? await engine.removeService(service.spec.name) }
        for name in services.map(\.spec.name) { logFollowers.removeValue(forKey: name)?.cancel() }
        plans[app] = nil
        canaries[app] = nil
        routed[app] = nil
        await router.remove(app)
    }

    // MARK: - Logs

    public func event(_ app: AppName, _ text: String) {
        AppLogs.appendEvent(text, to: logsDirectory + "/" + app.rawValue)
    }

    public func logs(of app: AppName) -> AppLogs { AppLogs(directory: logsDirectory + "/" + app.rawValue) }

    // MARK: - Helpers

    /// The release's registry image: Swarm's nodes pull it from there.
    static func image(of plan: Deployer.Plan) throws(DeployError) -> String {
        guard let image = plan.imageReference else {
            throw .runtime(RuntimeError(
                container: serviceName(plan.app, "web"),
                reason: "v\(plan.release) was not pushed to a registry, and Swarm's nodes pull images from one: start gantryd with --registry URL and push again"))
        }
        return image
    }

    /// The spec of a service as Swarm inspects it, or `nil` when there is none.
    func inspect(_ name: String) async throws(DeployError) -> Service? {
        do { return try await engine.service(named: name) } catch { throw .runtime(RuntimeError(container: name, reason: error.description)) }
    }
}

/// A canary on Swarm: a second service of the release's web processes.
struct SwarmCanary: Sendable {
    var plan: Deployer.Plan
    var stable: Int
    var weight: Int
    var backends: [WebBackend] = []
}
