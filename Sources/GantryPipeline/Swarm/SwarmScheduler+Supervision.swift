import Foundation
import GantryCore
import GantrySwarm

extension SwarmScheduler {
    /// Swarm restarts a task that exits; the router must follow it to its new address. Until
    /// cancelled, the engine's event stream (containers of Gantry's services starting, dying,
    /// changing health) says when: the app's web tasks are routed again — nothing polls. A
    /// canary task that dies aborts its canary (`canaryFailures`). When the stream breaks
    /// (dockerd restarted), every app is routed again once it is back.
    public func supervise() async {
        while !Task.isCancelled {
            do {
                for try await change in engine.containerEvents(labeled: ServiceSpec.Label.app) {
                    await handle(change)
                }
            } catch {}
            try? await Task.sleep(for: .seconds(1))
            for app in plans.keys { await reroute(app) }
        }
    }

    private func handle(_ change: ContainerEvent) async {
        guard let name = change.labels[ServiceSpec.Label.app], let app = try? AppName(name), plans[app] != nil else { return }
        let type = change.labels[ServiceSpec.Label.processType] ?? "?"
        let isCanary = change.labels[Self.canaryLabel] == "true"
        if change.action == "die" {
            let code = change.attributes["exitCode"].map { " (exit status \($0))" } ?? ""
            event(app, "\(isCanary ? "canary " : "")\(type) task \(change.containerID.prefix(12)) exited\(code); Swarm replaces it")
            if isCanary, let canary = canaries[app] {
                canaryFailure.yield(CanaryFailure(app: app, release: canary.plan.release, reason: "a canary \(type) task exited\(code)"))
            }
        }
        guard type == "web", !rollingOut.contains(app) else { return }
        if isCanary { await rerouteCanary(app) } else { await reroute(app) }
    }

    /// After gantryd starts: each live release's services are adopted when they run it (the
    /// router then follows their tasks), else updated to it; canaries' services and those of
    /// apps with no live release are removed unless `keeping` names them.
    public func restore(_ plans: [Deployer.Plan], keeping keep: Deployer.Keep) async -> [String] {
        var report: [String] = []
        let planned = Dictionary(plans.map { ($0.app, $0) }, uniquingKeysWith: { first, _ in first })
        let services = (try? await engine.services(labeled: [Self.ownerLabel: owner])) ?? []
        for plan in plans {
            self.plans[plan.app] = plan
            let current = services.filter { $0.spec.labels[ServiceSpec.Label.app] == plan.app.rawValue && $0.spec.labels[Self.canaryLabel] != "true" }
            if !current.isEmpty, current.allSatisfy({ $0.spec.labels[ServiceSpec.Label.release] == "v\(plan.release)" }) {
                await reroute(plan.app)
                await router.apply(plan.https, to: plan.app)
                report.append("adopted \(current.map(\.spec.name).sorted().joined(separator: ", ")) (v\(plan.release))")
            } else {
                do {
                    try await deploy(plan, booted: nil) { _ in }
                    report.append("updated the services of \(plan.app) to v\(plan.release)")
                } catch {
                    report.append("cannot update the services of \(plan.app) to v\(plan.release): \(error)")
                }
            }
            followLogs(plan.app)
        }
        for service in services {
            let labels = service.spec.labels
            guard let name = labels[ServiceSpec.Label.app], let app = try? AppName(name) else { continue }
            let isCanary = labels[Self.canaryLabel] == "true"
            if planned[app] != nil, !isCanary { continue }
            if !isCanary, keep.keeps(app) { continue }
            _ = try? await engine.removeService(service.id)
            report.append("removed service \(service.spec.name)")
        }
        return report
    }
}

extension Deployer.Keep {
    /// Whether the processes of `app` are kept.
    func keeps(_ app: AppName) -> Bool {
        switch self {
        case .everything: true
        case .apps(let apps): apps[app] != nil
        }
    }
}
