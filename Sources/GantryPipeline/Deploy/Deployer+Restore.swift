import Foundation
import GantryCore

extension Deployer {
    /// After gantryd starts: adopts the live releases' processes that are still running (runc
    /// kept them while gantryd was away), starts the ones that are missing, removes every
    /// other container (old releases, builds and tests a crash interrupted) except those
    /// `keeping` names, and rebuilds the router's table.
    /// - Parameter keeping: containers no plan covers that must keep running — an app whose
    ///   live release could not be planned keeps its processes, served by the router but not
    ///   restarted if they exit.
    /// - Returns: one line per action, for the log.
    public func restore(_ plans: [Plan], keeping keep: Keep = .apps([:])) async -> [String] {
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
            await router.apply(plan.https, to: plan.app)
            await router.route(plan.app, to: webBackends(processes))
        }
        var unplanned: [AppName: [Tracked]] = [:]
        for id in existing.subtracting(kept).sorted() {
            guard keep.keeps(id) else {
                await runtime.stop(id, grace: .zero)
                report.append("removed \(id)")
                continue
            }
            report.append("kept \(id) running, unsupervised")
            guard let parts = AppProcess.parse(containerID: id), keep.serves(parts.app, release: parts.release),
                await runtime.state(id)?.status == .running, let endpoint = await runtime.endpoint(of: id)
            else { continue }
            let process = AppProcess(
                app: parts.app, release: parts.release, type: parts.type, index: parts.index, endpoint: endpoint, startedAt: Date(), restarts: 0, state: .up)
            unplanned[parts.app, default: []].append(Tracked(process: process, spec: ContainerSpec(id: id, layers: [], arguments: [])))
        }
        for (app, processes) in unplanned {
            apps[app] = processes
            await router.route(app, to: webBackends(processes))
        }
        return report
    }

    /// What `restore` keeps running though no plan covers it.
    public enum Keep: Sendable {
        /// The containers of these apps' live releases (app → live version): the router serves them.
        case apps([AppName: Int])
        /// Every container (the live releases could not be read): none is routed.
        case everything

        public mutating func insert(_ app: AppName, version: Int) {
            if case .apps(var kept) = self {
                kept[app] = version
                self = .apps(kept)
            }
        }

        /// Whether container `id` stays.
        func keeps(_ id: String) -> Bool {
            switch self {
            case .everything: true
            case .apps(let kept): AppProcess.parse(containerID: id).map { kept[$0.app] == $0.release } ?? false
            }
        }

        /// Whether the router sends `app`'s traffic to the kept containers of `release`.
        func serves(_ app: AppName, release: Int) -> Bool {
            if case .apps(let kept) = self { return kept[app] == release }
            return false
        }
    }
}
