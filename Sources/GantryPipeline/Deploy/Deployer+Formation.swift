import GantryCore

extension Deployer {
    /// Scales the live release of `app` to `formation` (types it does not name keep their
    /// count): new processes start and pass their health checks before the router sends them
    /// traffic; processes scaled away leave the router first, are drained, then stopped.
    /// - Returns: the app's processes afterwards.
    /// - Throws: `DeployError` when a new process does not come up; the processes started for
    ///   this call are stopped then and the app runs as before.
    public func scale(_ app: AppName, to formation: [String: Int], log: @escaping @Sendable (String) -> Void) async throws(DeployError) -> [AppProcess] {
        guard var plan = plans[app] else { throw .noLiveRelease(app) }
        var started: [Tracked] = []
        do throws(DeployError) {
            for (type, count) in formation.sorted(by: { $0.key < $1.key }) {
                guard let command = plan.processTypes[type] else { continue }
                let running = Set((apps[app] ?? []).filter { $0.process.type == type }.map(\.process.index))
                for index in 1..<(count + 1) where !running.contains(index) {
                    started.append(try await startHealthy(plan, type: type, index: index, command: command, log: log))
                }
            }
        } catch {
            for tracked in started { await stop(tracked, drain: false) }
            throw error
        }
        for index in started.indices { started[index].process.state = .up }
        let scaledAway = (apps[app] ?? []).filter { tracked in
            formation[tracked.process.type].map { tracked.process.index > $0 } ?? false
        }
        let gone = Set(scaledAway.map(\.process.containerID))
        apps[app] = (apps[app] ?? []).filter { !gone.contains($0.process.containerID) } + started
        plan.formation.merge(formation) { _, new in new }
        plans[app] = plan
        await router.route(app, to: webBackends(apps[app] ?? []))
        for tracked in scaledAway {
            await stop(tracked, drain: true)
            log("Stopped \(tracked.process.name)")
        }
        let summary = plan.formation.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        event(app, "scaled to \(summary)")
        return processes(of: app)
    }

    /// Restarts the processes of `app` (of one `type`, or all), one at a time: each leaves
    /// the router and is drained, stopped, started again (at a new address) and — a web process —
    /// health-checked before it serves again. With two or more web processes the app keeps
    /// serving throughout.
    /// - Returns: the app's processes afterwards.
    /// - Throws: `DeployError` when a process does not come back; the supervisor then restarts
    ///   it with backoff, as it does a crashed one.
    public func restart(_ app: AppName, type: String?, log: @escaping @Sendable (String) -> Void) async throws(DeployError) -> [AppProcess] {
        guard let plan = plans[app] else { throw .noLiveRelease(app) }
        let targets = (apps[app] ?? []).filter { type == nil || $0.process.type == type }
        for old in targets {
            guard let command = plan.processTypes[old.process.type] else { continue }
            apps[app] = (apps[app] ?? []).filter { $0.process.containerID != old.process.containerID }
            await router.route(app, to: webBackends(apps[app] ?? []))
            await stop(old, drain: true)
            var tracked: Tracked
            do {
                tracked = try await startHealthy(plan, type: old.process.type, index: old.process.index, command: command, log: log)
            } catch {
                // Left to the supervisor, which restarts it with backoff like a crashed process.
                var crashed = old
                crashed.process.state = .crashed
                crashed.process.restarts += 1
                crashed.restartAt = clock.now + backoff(crashed.process.restarts)
                apps[app, default: []].append(crashed)
                event(app, "\(old.process.name) did not come back from its restart: \(error)")
                throw error
            }
            tracked.process.state = .up
            apps[app, default: []].append(tracked)
            await router.route(app, to: webBackends(apps[app] ?? []))
            event(app, "restarted \(old.process.name)")
        }
        return processes(of: app)
    }
}
