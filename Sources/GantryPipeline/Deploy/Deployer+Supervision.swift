import Foundation
import GantryCore

extension Deployer {
    /// What the supervisor waits for: a process's exit, or a crashed one's restart falling due.
    enum SupervisionEvent: Sendable {
        case exited(AppName, container: String)
        case restartDue(AppName, container: String)
    }

    /// Watches every process until cancelled: one that exited is logged (with "out of memory"
    /// when the kernel killed it for its limit), taken out of the router and restarted with
    /// backoff — 1 s, 2 s, 4 s … up to 30 s. Nothing polls: the runtime says when a
    /// container's process exits (`ContainerRuntime.waitForExit`), and the clock
    /// (`SupervisionClock`) when a restart is due.
    public func supervise() async {
        let (events, continuation) = AsyncStream.makeStream(of: SupervisionEvent.self)
        supervision = continuation
        watchProcesses()
        for await event in events {
            switch event {
            case .exited(let app, let id):
                watches[id] = nil
                if canaries[app]?.processes.contains(where: { $0.process.containerID == id }) == true {
                    await handleCanaryExit(app, id)
                } else {
                    await handleExit(app, id)
                }
            case .restartDue(let app, let id):
                watches[id] = nil
                await restartCrashed(app, id)
            }
            watchProcesses()
        }
        supervision = nil
        for watch in watches.values { watch.cancel() }
        watches = [:]
    }

    /// Gives every tracked process a watch — for its exit while it is up, for its restart once
    /// it crashed — and ends the watches of processes no longer tracked. Runs after each change
    /// of `apps`, once `supervise` runs.
    func watchProcesses() {
        guard let supervision else { return }
        var tracked: [String: (app: AppName, process: Tracked)] = [:]
        for (app, processes) in apps {
            for process in processes { tracked[process.process.containerID] = (app, process) }
        }
        for (app, canary) in canaries {
            for process in canary.processes { tracked[process.process.containerID] = (app, process) }
        }
        for (id, watch) in watches where tracked[id] == nil {
            watch.cancel()
            watches[id] = nil
        }
        for (id, entry) in tracked where watches[id] == nil {
            let app = entry.app
            switch entry.process.process.state {
            case .up, .starting:
                watches[id] = Task { [runtime] in
                    await runtime.waitForExit(id)
                    if !Task.isCancelled { supervision.yield(.exited(app, container: id)) }
                }
            case .crashed:
                guard let due = entry.process.restartAt else { continue }
                watches[id] = Task { [clock] in
                    try? await clock.sleep(until: due)
                    if !Task.isCancelled { supervision.yield(.restartDue(app, container: id)) }
                }
            case .restarting:
                continue
            }
        }
    }

    /// A process that was up exited: out of the router, its container removed, a restart due
    /// after the backoff.
    private func handleExit(_ app: AppName, _ id: String) async {
        guard let tracked = tracked(app, id), [.up, .starting].contains(tracked.process.state) else { return }
        guard await runtime.state(id)?.status != .running else { return }
        guard var current = self.tracked(app, id) else { return }  // a deploy replaced it meanwhile
        let oomKills = await runtime.outOfMemoryKills(id)
        await runtime.stop(id, grace: .zero)
        current.process.state = .crashed
        current.process.restarts += 1
        let delay = backoff(current.process.restarts)
        current.restartAt = clock.now + delay
        update(current)
        let reason = oomKills > 0 ? "was killed: out of memory (limit \(current.spec.memoryLimitBytes >> 20) MiB)" : "exited"
        event(app, "\(current.process.name) \(reason); restarting in \(Self.spoken(delay)) (restart \(current.process.restarts))")
        await router.route(app, to: webBackends(apps[app] ?? []))
    }

    /// Starts a crashed process again; a web process must pass its health checks before it
    /// serves. One that does not come up crashes again, with a longer backoff.
    private func restartCrashed(_ app: AppName, _ id: String) async {
        guard let tracked = tracked(app, id), tracked.process.state == .crashed, let due = tracked.restartAt, due <= clock.now,
            let plan = plans[app], let command = plan.processTypes[tracked.process.type]
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
                    restarted.process.state = .up  // its watch sees it down at once and backs off further
                    update(restarted)
                    event(app, "\(restarted.process.name) failed its health check after its restart")
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
            restarting.restartAt = clock.now + backoff(restarting.process.restarts)
            update(restarting)
            event(app, "\(tracked.process.name) could not restart: \(error)")
        }
    }

    func tracked(_ app: AppName, _ id: String) -> Tracked? {
        apps[app]?.first { $0.process.containerID == id }
    }

    func update(_ tracked: Tracked) {
        guard let index = apps[tracked.process.app]?.firstIndex(where: { $0.process.containerID == tracked.process.containerID }) else { return }
        apps[tracked.process.app]?[index] = tracked
    }

    /// gantryd's restart backoff: 1 s, 2 s, 4 s … 30 s.
    public static func backoff(restarts: Int) -> Duration {
        .seconds(min(30, 1 << min(max(restarts - 1, 0), 5)))
    }

    /// "3 s", "250 ms".
    static func spoken(_ duration: Duration) -> String {
        duration < .seconds(1) ? "\(duration.components.attoseconds / 1_000_000_000_000_000) ms" : "\(duration.components.seconds) s"
    }
}
