import Foundation
import GantryHTTP
import GantrySwarm
import Synchronization
import Testing

/// The Engine client against a real dockerd in a single-node Swarm: services created, updated
/// start-first, rolled back, scaled, logged and removed, each task answering HTTP from the host
/// at its container's address on the app's Swarm-scoped bridge network.
@Suite("Swarm services on a real engine", .serialized, .enabled(if: EngineFixture.isAvailable, EngineFixture.skipComment))
struct SwarmServiceTests {
    @Test func engineAnswersInAnActiveSwarm() async throws {
        try await EngineFixture.withEngine { engine in
            try await engine.ping()
            let version = try await engine.version()
            #expect(version.apiVersion.split(separator: ".").compactMap { Int($0) }.lexicographicallyPrecedes([1, 41]) == false)
            let state = try await engine.swarmState()
            #expect(state.localNodeState == "active")
            #expect(state.isManager)
            #expect(state.nodeID != nil)
            try await engine.requireSwarmManager()
        }
    }

    @Test func twoReplicasConvergeAndEachTaskAnswersFromTheHostAtItsAddress() async throws {
        try await EngineFixture.withEngine { engine in
            try await SwarmApp.with(engine) { app in
                let endpoints = try await app.create(release: "v1", replicas: 2)
                #expect(endpoints.count == 2)
                #expect(Set(endpoints.map(\.address)).count == 2)
                #expect(endpoints.allSatisfy { $0.health == "healthy" })
                for endpoint in endpoints {
                    // The container's own hostname (its ID's first 12 characters): the answer
                    // comes from that task, not from whatever else answers on the network.
                    #expect(try await SwarmApp.get(endpoint) == "release=v1 host=\(endpoint.containerID.prefix(12))")
                }
                let service = try #require(try await engine.service(named: app.name))
                #expect(service.spec.labels[ServiceSpec.Label.release] == "v1")
                #expect(service.spec.taskTemplate.containerSpec.isInit)
                #expect(service.spec.taskTemplate.containerSpec.healthcheck == TestImage.healthcheck)
                #expect(service.spec.taskTemplate.resources == TaskSpec.Resources(nanoCPUs: 500_000_000, memoryBytes: 128 << 20))
                #expect(service.spec.updateConfig == .startFirst)
                let listed = try await engine.services(labeled: [ServiceSpec.Label.processType: "web", ServiceSpec.Label.release: "v1"])
                #expect(listed.map(\.spec.name).contains(app.name))
                #expect(try await engine.services(labeled: [ServiceSpec.Label.release: "v0"]).map(\.spec.name).contains(app.name) == false)
            }
        }
    }

    @Test func startFirstUpdateConvergesWhileEveryRequestIsAnswered() async throws {
        try await EngineFixture.withEngine { engine in
            try await SwarmApp.with(engine) { app in
                let before = try await app.create(release: "v1", replicas: 2)
                let load = RouterLoop(engine: engine, service: try #require(try await engine.service(named: app.name)).id, network: app.network, initial: before)
                let loop = Task { await load.run() }
                try await Task.sleep(for: .seconds(1))
                let after = try await app.update { spec in
                    spec.labels[ServiceSpec.Label.release] = "v2"
                    spec.taskTemplate.containerSpec.env = ["RELEASE=v2", "PORT=\(TestImage.port)"]
                }
                try await Task.sleep(for: .seconds(1))
                load.stop()
                await loop.value
                let report = load.report()
                print("start-first update under load: \(report)")
                #expect(report.failures.isEmpty, "\(report)")
                #expect(report.answers["release=v1", default: 0] > 0)
                #expect(report.answers["release=v2", default: 0] > 0)
                #expect(after.count == 2)
                #expect(Set(after.map(\.taskID)).isDisjoint(with: before.map(\.taskID)))
                for endpoint in after {
                    #expect(try await SwarmApp.get(endpoint) == "release=v2 host=\(endpoint.containerID.prefix(12))")
                }
            }
        }
    }

    @Test func updateToAnImageWhoseHealthcheckFailsIsRolledBackWithTheTaskError() async throws {
        try await EngineFixture.withEngine { engine in
            try await SwarmApp.with(engine) { app in
                let before = try await app.create(release: "v1", replicas: 2)
                do {
                    _ = try await app.update { spec in
                        spec.labels[ServiceSpec.Label.release] = "v2"
                        spec.taskTemplate.containerSpec.image = app.image.broken
                        spec.taskTemplate.containerSpec.healthcheck = nil  // the image's own, which fails
                        spec.taskTemplate.containerSpec.env = ["RELEASE=v2", "PORT=\(TestImage.port)"]
                    }
                    Issue.record("an update whose tasks never get healthy converged")
                } catch let error as EngineError {
                    guard case .rolledBack(let service, _, let taskError) = error else {
                        Issue.record("expected a rollback, got: \(error)")
                        return
                    }
                    #expect(service == app.name)
                    #expect(taskError?.contains("unhealthy") == true, "\(error)")
                    #expect(error.description.contains("rolled service \(app.name) back"))
                }
                let service = try #require(try await engine.service(named: app.name))
                #expect(service.spec.taskTemplate.containerSpec.image == app.image.healthy)
                #expect(service.spec.labels[ServiceSpec.Label.release] == "v1")
                let serving = try await engine.endpoints(ofService: service.id, network: app.network)
                #expect(serving.count == 2)
                for endpoint in serving {
                    #expect(try await SwarmApp.get(endpoint).hasPrefix("release=v1 "))
                }
                #expect(before.count == 2)
            }
        }
    }

    @Test func scalingToThreeGivesThreeAnsweringAddresses() async throws {
        try await EngineFixture.withEngine { engine in
            try await SwarmApp.with(engine) { app in
                _ = try await app.create(release: "v1", replicas: 2)
                let scaled = try await app.update { $0.mode = .replicated(3) }
                #expect(scaled.count == 3)
                #expect(Set(scaled.map(\.address)).count == 3)
                #expect(Set(scaled.compactMap(\.slot)) == [1, 2, 3])
                var hosts: Set<String> = []
                for endpoint in scaled { hosts.insert(try await SwarmApp.get(endpoint)) }
                #expect(hosts.count == 3)
            }
        }
    }

    @Test func serviceLogsComeBackDemultiplexedWithTimestamps() async throws {
        try await EngineFixture.withEngine { engine in
            try await SwarmApp.with(engine) { app in
                let endpoints = try await app.create(release: "v1", replicas: 1)
                _ = try await SwarmApp.get(try #require(endpoints.first))
                var lines: [LogLine] = []
                for _ in 0..<20 {  // the engine's log reader may lag the process by a moment
                    lines = try await engine.serviceLogs(app.name, tail: 50)
                    if lines.contains(where: { $0.stream == .stderr && $0.text.contains("\"GET / HTTP/1.1\" 200") }) { break }
                    try await Task.sleep(for: .milliseconds(250))
                }
                #expect(lines.contains { $0.stream == .stdout && $0.text == "listening on \(TestImage.port)" }, "\(lines)")
                #expect(lines.contains { $0.stream == .stderr && $0.text.hasPrefix("request ") && $0.text.contains("\"GET / HTTP/1.1\" 200") }, "\(lines)")
                #expect(lines.allSatisfy { $0.timestamp?.hasPrefix("20") == true })
                #expect(lines.allSatisfy { !$0.text.contains("\u{1}") && !$0.text.contains("\u{2}") })
            }
        }
    }

    @Test func removingAServiceRemovesItsTasksAndContainers() async throws {
        try await EngineFixture.withEngine { engine in
            try await SwarmApp.with(engine) { app in
                let endpoints = try await app.create(release: "v1", replicas: 2)
                let id = try #require(try await engine.service(named: app.name)).id
                #expect(try await engine.removeService(app.name))
                #expect(try await engine.service(named: app.name) == nil)
                #expect(try await engine.removeService(app.name) == false)
                var remaining = endpoints.map(\.containerID)
                for _ in 0..<60 where !remaining.isEmpty {
                    var still: [String] = []
                    for container in remaining where try await engine.container(container) != nil { still.append(container) }
                    remaining = still
                    if !remaining.isEmpty { try await Task.sleep(for: .milliseconds(500)) }
                }
                #expect(remaining.isEmpty, "containers left after the service's removal: \(remaining)")
                do {
                    #expect(try await engine.tasks(ofService: id).filter { $0.desiredState == "running" }.isEmpty)
                } catch let error as EngineError {
                    #expect(error.isNotFound, "\(error)")  // the engine forgets a removed service's tasks
                }
            }
        }
    }

    @Test func anUnknownServiceIsRefusedWithTheEnginesMessage() async throws {
        try await EngineFixture.withEngine { engine in
            await #expect {
                _ = try await engine.serviceLogs("gantry-no-such-service")
            } throws: { error in
                guard let error = error as? EngineError, case .refused(_, 404, let message) = error else { return false }
                return message.contains("gantry-no-such-service") && error.description.contains("\"\(message)\"")
            }
            let id = try await engine.createService(ServiceSpec(
                name: "gantry-test-no-image", taskTemplate: TaskSpec(containerSpec: ContainerSpec(image: "gantry-no-such-image:v1"))))
            await #expect {
                _ = try await engine.waitForConvergence(of: ServiceUpdate(serviceID: id, name: "gantry-test-no-image"), network: nil, timeout: .seconds(4))
            } throws: { error in
                guard case .notConverged(let service, _, let state) = error as? EngineError else { return false }
                return service == "gantry-test-no-image" && state.contains("0 of 1")
            }
            _ = try await engine.removeService(id)
        }
    }
}

/// What the router would do during a rollout: refresh the service's endpoints from the engine
/// every 200 ms and send requests round-robin to them at about 50 a second.
final class RouterLoop: Sendable {
    struct Report: CustomStringConvertible {
        var answers: [String: Int]
        var failures: [String]
        var description: String {
            "\(answers.values.reduce(0, +)) answered (\(answers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")))"
                + ", \(failures.count) failed\(failures.isEmpty ? "" : ": \(failures.prefix(5))")"
        }
    }

    private struct State {
        var endpoints: [TaskEndpoint]
        var answers: [String: Int] = [:]
        var failures: [String] = []
        var stopped = false
    }

    private let engine: DockerEngine
    private let service: String
    private let network: String
    private let state: Mutex<State>

    init(engine: DockerEngine, service: String, network: String, initial: [TaskEndpoint]) {
        self.engine = engine
        self.service = service
        self.network = network
        state = Mutex(State(endpoints: initial))
    }

    func stop() { state.withLock { $0.stopped = true } }

    func report() -> Report { state.withLock { Report(answers: $0.answers, failures: $0.failures) } }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !self.state.withLock({ $0.stopped }) {
                    if let endpoints = try? await self.engine.endpoints(ofService: self.service, network: self.network), !endpoints.isEmpty {
                        self.state.withLock { $0.endpoints = endpoints }
                    }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            group.addTask {
                var turn = 0
                while !self.state.withLock({ $0.stopped }) {
                    let endpoints = self.state.withLock { $0.endpoints }
                    let endpoint = endpoints[turn % endpoints.count]
                    turn += 1
                    do {
                        let body = try await SwarmApp.get(endpoint)
                        let release = String(body.split(separator: " ").first ?? "")
                        self.state.withLock { $0.answers[release, default: 0] += 1 }
                    } catch {
                        self.state.withLock { $0.failures.append("\(endpoint.address): \(error)") }
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
        }
    }
}
