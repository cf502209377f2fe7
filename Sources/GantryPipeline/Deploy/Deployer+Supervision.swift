import Foundation
import GantryCore

extension Deployer {
    /// Watches every process until cancelled: one that exited is logged (with "out of memory"
    /// when the kernel killed it for its limit), taken out of the router and restarted with
    /// backoff — 1 s, 2 s, 4 s … up to 30 s.
    public func supervise(interval: Duration = .milliseconds(500)) async {
        while !Task.isCancelled {
            await checkProcesses()
            try? await Task.sleep(for: interval)
        }
    }

    func checkProcesses() async {
        for app in apps.keys {
            for id in (apps[app] ?? []).map(\.process.containerID) {
                await check(app, id)
            }
        }
    }

    private func check(_ app: AppName, _ id: String) async {
        guard let tracked = tracked(app, id) else { return }
        switch tracked.process.state {
        case .up, .starting:
            guard await runtime.state(id)?.status != .running else { return }
            guard var current = self.tracked(app, id) else { return }  // a deploy replaced it meanwhile
            let oomKills = await runtime.outOfMemoryKills(id)
            await runtime.stop(id, grace: .zero)
            current.process.state = .crashed
            current.process.restarts += 1
            let delay = Self.backoff(restarts: current.process.restarts)
            current.restartAt = .now + delay
            update(current)
            let reason = oomKills > 0 ? "was killed: out of memory (limit \(current.spec.memoryLimitBytes >> 20) MiB)" : "exited"
            event(app, "\(current.process.name) \(reason); restarting in \(delay.components.seconds) s (restart \(current.process.restarts))")
            await router.route(app, to: webBackends(apps[app] ?? []))
        case .crashed:
            guard let due = tracked.restartAt, due <= .now, let plan = plans[app],
                let command = plan.processTypes[tracked.process.type]
            else { return }
            var restarting = tracked
            restarting.process.state = .restarting
            update(restarting)
            do {
                var restarted = try await start(
                    plan, type: tracked.process.type, index: tracked.process.index, command: command, restarts: tracked.process.restarts)
                if restarted.process.type == "web" {
                    let outcome = await health.waitUntilHealthy(host: restarted.process.host, port: restarted.process.port, policy: plan.healthChecks) { [runtime] in
                        await runtime.state(id)?.status == .running
                    }
                    guard case .healthy = outcome else {
                        await runtime.stop(id, grace: .zero)
                        restarted.process.state = .up  // the next check sees it down and backs off further
                        update(restarted)
                        return
                    }
                }
                restarted.process.state = .up
                guard self.tracked(app, id) != nil else {  // a deploy replaced it meanwhile
                    await runtime.stop(id, grace: .zero)
                    return
                }
                update(restarted)
                event(app, "\(restarted.process.name) restarted at \(restarted.process.endpoint)")
                await router.route(app, to: webBackends(apps[app] ?? []))
            } catch {
                restarting.process.state = .crashed
                restarting.process.restarts += 1
                restarting.restartAt = .now + Self.backoff(restarts: restarting.process.restarts)
                update(restarting)
                event(app, "\(tracked.process.name) could not restart: \(error)")
            }
        case .restarting:
            return
        }
    }

    func tracked(_ app: AppName, _ id: String) -> Tracked? {
        apps[app]?.first { $0.process.containerID == id }
    }

    func update(_ tracked: Tracked) {
        guard let index = apps[tracked.process.app]?.firstIndex(where: { $0.process.containerID == tracked.process.containerID }) else { return }
        apps[tracked.process.app]?[index] = tracked
    }

    static func backoff(restarts: Int) -> Duration {
        .seconds(min(30, 1 << min(max(restarts - 1, 0), 5)))
    }
}
