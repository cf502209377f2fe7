import GantryCore
import GantrySwarm

/// A canary on Swarm is a second service of the release's web processes
/// (`gantry-APP-web-canary`), routed beside the live one with the router's split.
extension SwarmScheduler {
    public func startCanary(_ plan: Deployer.Plan, booted: Deployer.Boot?, weight: Int, log: @escaping @Sendable (String) -> Void) async throws(DeployError) {
        guard let live = plans[plan.app] else { throw .noLiveRelease(plan.app) }
        let image = try Self.image(of: plan)
        let spec = serviceSpec(plan, type: "web", image: image, canary: true)
        canaries[plan.app] = SwarmCanary(plan: plan, stable: live.release, weight: weight)
        log("Starting service \(spec.name) (v\(plan.release), \(spec.mode.replicas ?? 0) task\(spec.mode.replicas == 1 ? "" : "s"))")
        do throws(DeployError) {
            _ = try await rollOut(spec, plan: plan, canary: true)
        } catch {
            await removeCanary(plan.app)
            throw error
        }
        event(plan.app, "canary v\(plan.release) serves \(weight)% beside v\(live.release)")
    }

    public func setCanaryWeight(_ app: AppName, _ weight: Int) async -> Bool {
        guard var canary = canaries[app] else { return false }
        canary.weight = weight
        canaries[app] = canary
        await route(app, canary.backends, canary: true)
        return true
    }

    /// The app's services take the canary's release (start-first, as any deploy), then the
    /// canary's service goes.
    public func promoteCanary(_ app: AppName, log: @escaping @Sendable (String) -> Void) async throws(DeployError) {
        guard let canary = canaries[app] else { throw .noLiveRelease(app) }
        try await deploy(canary.plan, booted: nil, log: log)
        await removeCanary(app)
    }

    @discardableResult
    public func abortCanary(_ app: AppName) async -> Int? {
        guard let canary = canaries[app] else { return nil }
        await removeCanary(app)
        event(app, "canary v\(canary.plan.release) removed; v\(canary.stable) serves all the traffic")
        return canary.plan.release
    }

    /// Takes the canary out of the router, then removes its service.
    func removeCanary(_ app: AppName) async {
        canaries[app] = nil
        await router.routeCanary(app, nil)
        _ = try? await engine.removeService(Self.serviceName(app, "web", canary: true))
    }

    /// Routes the canary's running, healthy tasks.
    func rerouteCanary(_ app: AppName) async {
        guard let canary = canaries[app],
            let tasks = try? await engine.runningTasks(ofService: Self.serviceName(app, "web", canary: true), network: network)
        else { return }
        let backends = tasks.filter { $0.health == nil || $0.health == "healthy" }.map { backend($0, release: canary.plan.release) }
        await route(app, backends, canary: true)
    }
}
