import GantryCore

/// A canary exited process (see `Deployer.canaryFailures`).
public struct CanaryFailure: Sendable, Hashable {
    public var app: AppName
    public var release: Int
    /// `web.1 exited`, `web.1 was killed: out of memory (limit 512 MiB)`.
    public var reason: String
}

extension Deployer {
    /// The web processes of a canary release, routed for a share of the app's traffic beside
    /// the live release's.
    struct CanaryProcesses: Sendable {
        var plan: Plan
        var processes: [Tracked]
        var stable: Int
        var weight: Int

        var route: CanaryRoute {
            CanaryRoute(
                release: plan.release, stable: stable, weight: weight,
                backends: processes.filter { $0.process.state == .up }.map { WebBackend(id: $0.process.containerID, endpoint: $0.process.endpoint, release: $0.process.release) })
        }
    }

    /// Starts the web processes of `plan` beside the app's live release — as many as its
    /// formation has, each health-checked as a deploy does (or takes over those `booted` while
    /// the tests ran) — and sends them `weight`% of the traffic. Other process types keep
    /// running from the live release until a promotion.
    /// - Throws: `DeployError` (`.noLiveRelease` without a live release); the canary's
    ///   processes are stopped then and the live release serves as before.
    public func startCanary(_ plan: Plan, booted: Boot? = nil, weight: Int, log: @escaping @Sendable (String) -> Void) async throws(DeployError) {
        guard let stable = plans[plan.app] else {
            await discard(booted)
            throw .noLiveRelease(plan.app)
        }
        if canaries[plan.app] != nil { await abortCanary(plan.app) }  // one canary per app (the pipeline aborts it first)
        guard let command = plan.processTypes["web"] else {
            await discard(booted)
            throw .runtime(RuntimeError(container: "\(plan.app) v\(plan.release)", reason: "the release has no web process to send traffic to"))
        }
        var started: [Tracked] = []
        do throws(DeployError) {
            if let booted { started = try await takeOver(booted, for: plan, log: log) }
            let count = max(1, plan.formation["web"] ?? 1)
            for index in 1...count where !started.contains(where: { $0.process.index == index }) {
                started.append(try await startHealthy(plan, type: "web", index: index, command: command, log: log))
            }
        } catch {
            for tracked in started { await stop(tracked, drain: false) }
            throw error
        }
        for index in started.indices { started[index].process.state = .up }
        let canary = CanaryProcesses(plan: plan, processes: started, stable: stable.release, weight: weight)
        canaries[plan.app] = canary
        await router.routeCanary(plan.app, canary.route)
        event(plan.app, "canary v\(plan.release) takes \(weight)% of the traffic beside v\(stable.release): \(started.map(\.process.name).joined(separator: ", "))")
    }

    /// Sends `weight`% of the traffic to the app's canary.
    /// - Returns: whether the app has a canary.
    @discardableResult
    public func setCanaryWeight(_ app: AppName, _ weight: Int) async -> Bool {
        guard var canary = canaries[app] else { return false }
        canary.weight = weight
        canaries[app] = canary
        await router.routeCanary(app, canary.route)
        event(app, "canary v\(canary.plan.release) takes \(weight)% of the traffic")
        return true
    }

    /// Makes the canary the live release with the usual zero-downtime switch: its other process
    /// types start (health-checked where they are web), the router sends it every request, the
    /// old release's web processes drain and its processes retire.
    /// - Throws: `DeployError` when another of its processes does not come up; the canary and
    ///   the live release then run as before.
    public func promoteCanary(_ app: AppName, log: @escaping @Sendable (String) -> Void) async throws(DeployError) {
        guard let canary = canaries[app] else { throw .noLiveRelease(app) }
        if let exited = await exitedProcess(of: canary) { throw .crashed(process: exited.process.name, logTail: await logTail(exited.process)) }
        var started = try await startFormation(canary.plan, including: { $0 != "web" }, log: log)
        for index in started.indices { started[index].process.state = .up }
        // The canary's web processes join the live table before they leave the canary's, so
        // each keeps its slot and in-flight requests.
        await switchTraffic(canary.plan, to: canary.processes + started, promoting: true, log: log)
    }

    /// Takes the canary out of the router, lets its requests finish and stops its processes.
    /// - Returns: the canary's release, or `nil` when the app has none.
    @discardableResult
    public func abortCanary(_ app: AppName) async -> Int? {
        guard let canary = canaries.removeValue(forKey: app) else { return nil }
        await router.routeCanary(app, nil)
        for tracked in canary.processes { await stop(tracked, drain: true) }
        event(app, "canary v\(canary.plan.release) removed; v\(canary.stable) serves all the traffic")
        return canary.plan.release
    }

    /// The version of the release the app's processes run, if it runs one.
    public func liveRelease(of app: AppName) -> Int? {
        plans[app]?.release
    }

    /// The running canary's release and weight, if the app has one.
    public func canary(of app: AppName) -> (release: Int, weight: Int)? {
        canaries[app].map { ($0.plan.release, $0.weight) }
    }

    /// A canary process that exited (its watch told `supervise`): it is not restarted; the
    /// canary is reported on `canaryFailures`, whose reader aborts it.
    func handleCanaryExit(_ app: AppName, _ id: String) async {
        guard var canary = canaries[app], let index = canary.processes.firstIndex(where: { $0.process.containerID == id }),
            canary.processes[index].process.state == .up, await runtime.state(id)?.status != .running
        else { return }
        let oomKills = await runtime.outOfMemoryKills(id)
        canary.processes[index].process.state = .crashed
        canary.processes[index].restartAt = nil
        canaries[app] = canary
        await router.routeCanary(app, canary.route)
        let process = canary.processes[index]
        let reason = "\(process.process.name) " + (oomKills > 0 ? "was killed: out of memory (limit \(process.spec.memoryLimitBytes >> 20) MiB)" : "exited")
        event(app, "canary v\(canary.plan.release): \(reason)")
        canaryFailure.yield(CanaryFailure(app: app, release: canary.plan.release, reason: reason))
    }

    private func exitedProcess(of canary: CanaryProcesses) async -> Tracked? {
        for tracked in canary.processes where await runtime.state(tracked.process.containerID)?.status != .running {
            return tracked
        }
        return nil
    }
}
