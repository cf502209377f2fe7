import Foundation
import GantryCore

extension Deployer {
    /// After gantryd starts: adopts the live releases' processes that are still running (runc
    /// kept them while gantryd was away), starts the ones that are missing, removes every
    /// other container (old releases, builds and tests a crash interrupted), and rebuilds the
    /// router's table.
    /// - Returns: one line per action, for the log.
    public func restore(_ plans: [Plan]) async -> [String] {
        var report: [String] = []
        var kept = Set<String>()
        let existing = Set(await runtime.containers())
        for plan in plans {
            self.plans[plan.app] = plan
            var processes: [Tracked] = []
            for (type, count) in plan.formation.sorted(by: { $0.key < $1.key }) where count > 0 {
                guard let command = plan.processTypes[type] else { continue }
                for index in 1...count {
                    let id = AppProcess.containerID(app: plan.app, release: plan.release, type: type, index: index)
                    if existing.contains(id), await runtime.state(id)?.status == .running, let endpoint = await runtime.endpoint(of: id) {
                        let process = AppProcess(app: plan.app, release: plan.release, type: type, index: index, endpoint: endpoint, startedAt: Date(), restarts: 0, state: .up)
                        processes.append(Tracked(process: process, spec: ContainerSpec(id: id, layers: plan.layers, arguments: [], memoryLimitBytes: plan.memoryLimitBytes, user: plan.user)))
                        kept.insert(id)
                        report.append("adopted \(id) at \(endpoint)")
                        continue
                    }
                    if existing.contains(id) { await runtime.stop(id, grace: .zero) }
                    do {
                        var started = try await start(plan, type: type, index: index, command: command)
                        started.process.state = .up  // the supervisor restarts it if it does not stay up
                        processes.append(started)
                        kept.insert(id)
                        report.append("started \(id) at \(started.process.endpoint)")
                    } catch {
                        report.append("cannot start \(id): \(error)")
                    }
                }
            }
            apps[plan.app] = processes
            await router.route(plan.app, to: webBackends(processes))
        }
        for id in existing.subtracting(kept).sorted() {
            await runtime.stop(id, grace: .zero)
            report.append("removed \(id)")
        }
        return report
    }
}
