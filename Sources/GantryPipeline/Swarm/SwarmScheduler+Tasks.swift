import Foundation
import GantryCore
import GantrySwarm

/// A task of a service that runs and is meant to keep running, at its address on Gantry's network.
struct RunningTask: Hashable, Sendable {
    var taskID: String
    var slot: Int
    var containerID: String
    var address: String
    /// `starting`, `healthy`, `unhealthy`; `nil` without a health check.
    var health: String?
    /// `v12`, from the task's own spec (during an update the old and new tasks differ).
    var release: String
    var processType: String
    var startedAt: Date
}

extension DockerEngine {
    /// The running tasks of the service (by name or ID) that have an address on `network`
    /// (tasks on other nodes are inspected through their node's engine only when it is this one).
    func runningTasks(ofService service: String, network: String) async throws(EngineError) -> [RunningTask] {
        guard let id = try await self.service(named: service)?.id else { return [] }
        var running: [RunningTask] = []
        for task in try await tasks(ofService: id) where task.isRunning {
            guard let id = task.containerID, let container = try await container(id), let address = container.addresses[network] else { continue }
            let labels = task.spec.containerSpec.labels
            running.append(RunningTask(
                taskID: task.id, slot: task.slot ?? 0, containerID: id, address: address, health: container.health,
                release: labels[ServiceSpec.Label.release] ?? "v0", processType: labels[ServiceSpec.Label.processType] ?? "web",
                startedAt: task.timestamp.flatMap(RunningTask.date) ?? Date()))
        }
        return running.sorted { ($0.slot, $0.taskID) < ($1.slot, $1.taskID) }
    }
}

extension RunningTask {
    /// An RFC 3339 timestamp with any number of fraction digits.
    static func date(_ text: String) -> Date? {
        let seconds = text.split(separator: ".", maxSplits: 1).first.map(String.init) ?? text
        return try? Date(seconds.hasSuffix("Z") ? seconds : seconds + "Z", strategy: .iso8601)
    }
}

extension SwarmScheduler {
    /// The app's tasks as processes, for `gantry ps`: `web.1` is the web service's slot 1.
    public func processes(of app: AppName) async -> [AppProcess] {
        var processes: [AppProcess] = []
        let services = (try? await engine.services(labeled: [ServiceSpec.Label.app: app.rawValue, Self.ownerLabel: owner])) ?? []
        for service in services {
            for task in (try? await engine.runningTasks(ofService: service.id, network: network)) ?? [] {
                processes.append(AppProcess(
                    app: app, release: Int(task.release.dropFirst()) ?? 0, type: task.processType, index: task.slot,
                    endpoint: Endpoint(host: task.address, port: Self.webPort), startedAt: task.startedAt, restarts: 0,
                    state: task.health == nil || task.health == "healthy" ? .up : .starting))
            }
        }
        return processes.sorted { ($0.type, $0.index, $0.release) < ($1.type, $1.index, $1.release) }
    }
}
