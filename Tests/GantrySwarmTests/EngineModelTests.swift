import Foundation
@testable import GantrySwarm
import Testing

@Suite("DockerHost, ServiceSpec and Convergence")
struct EngineModelTests {
    @Test func dockerHostIsFoundTheDockerWay() throws {
        #expect(try DockerHost.fromEnvironment([:]).socketPath == "/var/run/docker.sock")
        #expect(try DockerHost.fromEnvironment(["DOCKER_HOST": "unix:///work/e/docker.sock"]).socketPath == "/work/e/docker.sock")
        for refused in ["tcp://10.0.0.1:2376", "ssh://admin@node", "npipe:////./pipe/docker", "unix://relative.sock", "/no/scheme"] {
            #expect {
                _ = try DockerHost.fromEnvironment(["DOCKER_HOST": refused])
            } throws: { error in
                guard case .unsupportedHost(let value, _) = error as? EngineError else { return false }
                return value == refused && (error as! EngineError).description.contains("DOCKER_HOST=\(refused) is not supported")
            }
        }
    }

    @Test func anEngineThatIsNotRunningIsNamedBySocket() async {
        let path = FileManager.default.temporaryDirectory.path + "/gantry-no-engine-\(UUID().uuidString.prefix(8)).sock"
        let engine = DockerEngine(host: try! DockerHost(socketPath: path))
        await #expect {
            try await engine.ping()
        } throws: { error in
            guard case .unreachable(let socketPath, let detail) = error as? EngineError else { return false }
            return socketPath == path && detail == "no such socket" && (error as! EngineError).description.contains(path)
        }
    }

    @Test func notInSwarmSaysHowToJoinOne() {
        #expect(EngineError.notInSwarm(state: "inactive", detail: "").description
            == "this engine is not part of a Swarm (state inactive): run `docker swarm init`")
    }

    @Test func serviceSpecEncodesTheEnginesKeysAndNanoseconds() throws {
        let spec = ServiceSpec(
            name: "gantry-shop-web", labels: [ServiceSpec.Label.app: "shop"],
            taskTemplate: TaskSpec(
                containerSpec: ContainerSpec(
                    image: "127.0.0.1:5000/shop@sha256:abc", args: ["gunicorn"], env: ["PORT=8000"], user: "1000",
                    healthcheck: Healthcheck(test: ["CMD", "true"], interval: .seconds(2), timeout: .milliseconds(1500), retries: 3, startPeriod: .seconds(30))),
                resources: TaskSpec.Resources(nanoCPUs: 1_500_000_000, memoryBytes: 512 << 20),
                networks: [TaskSpec.NetworkAttachmentConfig(target: "gantry")]),
            mode: .replicated(3))
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(spec)) as? [String: Any])
        let template = try #require(json["TaskTemplate"] as? [String: Any])
        let container = try #require(template["ContainerSpec"] as? [String: Any])
        let health = try #require(container["Healthcheck"] as? [String: Any])
        #expect(json["Name"] as? String == "gantry-shop-web")
        #expect((json["Mode"] as? [String: Any])?["Replicated"] as? [String: Int] == ["Replicas": 3])
        #expect(container["Init"] as? Bool == true)
        #expect(container["Args"] as? [String] == ["gunicorn"])
        #expect(health["Interval"] as? Int == 2_000_000_000)
        #expect(health["Timeout"] as? Int == 1_500_000_000)
        #expect(health["StartPeriod"] as? Int == 30_000_000_000)
        #expect((template["Resources"] as? [String: Any])?["Limits"] as? [String: Int] == ["NanoCPUs": 1_500_000_000, "MemoryBytes": 512 << 20])
        #expect((template["RestartPolicy"] as? [String: Any])?["Condition"] as? String == "on-failure")
        #expect((template["Networks"] as? [[String: String]]) == [["Target": "gantry"]])
        let update = try #require(json["UpdateConfig"] as? [String: Any])
        #expect(update["Order"] as? String == "start-first")
        #expect(update["FailureAction"] as? String == "rollback")
        #expect(update["Parallelism"] as? Int == 1)
        #expect(update["Monitor"] as? Int == 5_000_000_000)
        #expect((json["RollbackConfig"] as? [String: Any])?["Order"] as? String == "start-first")
        #expect(try JSONDecoder().decode(ServiceSpec.self, from: JSONEncoder().encode(spec)) == spec)
    }

    private func task(_ id: String, slot: Int, state: String = "running", desired: String = "running", image: String = "app:v2", error: String? = nil, at time: String = "2026-12-07T05:00:00.5Z") throws -> SwarmTask {
        var status: [String: Any] = ["State": state, "Timestamp": time, "ContainerStatus": ["ContainerID": "c" + id]]
        if let error { status["Err"] = error }
        let json: [String: Any] = [
            "ID": id, "ServiceID": "s1", "Slot": slot, "DesiredState": desired, "Status": status,
            "Spec": ["ContainerSpec": ["Image": image]],
        ]
        return try JSONDecoder().decode(SwarmTask.self, from: JSONSerialization.data(withJSONObject: json))
    }

    private func service(image: String = "app:v2", replicas: Int = 2, update: Service.UpdateStatus? = nil) throws -> Service {
        var json: [String: Any] = [
            "ID": "s1", "Version": ["Index": 9],
            "Spec": ["Name": "web", "TaskTemplate": ["ContainerSpec": ["Image": image]], "Mode": ["Replicated": ["Replicas": replicas]]],
        ]
        if let update { json["UpdateStatus"] = ["State": update.state, "Message": update.message, "StartedAt": update.startedAt ?? ""] }
        return try JSONDecoder().decode(Service.self, from: JSONSerialization.data(withJSONObject: json))
    }

    private func container(_ id: String, health: String?, address: String) throws -> ContainerDetails {
        var state: [String: Any] = ["Status": "running"]
        if let health { state["Health"] = ["Status": health, "Log": [["Output": "probe said \(health)"]]] }
        let json: [String: Any] = ["Id": id, "State": state, "NetworkSettings": ["Networks": ["net": ["IPAddress": address]]], "Config": [:] as [String: Any]]
        return try JSONDecoder().decode(ContainerDetails.self, from: JSONSerialization.data(withJSONObject: json))
    }

    @Test func convergedNeedsEveryReplicaOfTheCurrentSpecRunningAndHealthy() throws {
        let update = ServiceUpdate(serviceID: "s1", name: "web")
        let healthy = ["ca": try container("ca", health: "healthy", address: "172.19.0.2"), "cb": try container("cb", health: "healthy", address: "172.19.0.3")]
        let tasks = [try task("a", slot: 1), try task("b", slot: 2)]
        #expect(Convergence.judge(service: try service(), tasks: tasks, containers: healthy, update: update, network: "net")
            == .converged([
                TaskEndpoint(taskID: "a", slot: 1, containerID: "ca", address: "172.19.0.2", health: "healthy"),
                TaskEndpoint(taskID: "b", slot: 2, containerID: "cb", address: "172.19.0.3", health: "healthy"),
            ]))
        // An old-spec task still meant to run (start-first, mid-way).
        let midway = tasks + [try task("o", slot: 1, image: "app:v1")]
        guard case .waiting(let reason) = Convergence.judge(service: try service(), tasks: midway, containers: healthy, update: update, network: "net") else {
            Issue.record("converged with an old task meant to run"); return
        }
        #expect(reason.contains("earlier spec"))
        // One replica still starting its healthcheck.
        var starting = healthy
        starting["cb"] = try container("cb", health: "starting", address: "172.19.0.3")
        guard case .waiting(let why) = Convergence.judge(service: try service(), tasks: tasks, containers: starting, update: update, network: "net") else {
            Issue.record("converged with a starting task"); return
        }
        #expect(why.contains("starting"))
        // Only one of two running.
        guard case .waiting(let count) = Convergence.judge(service: try service(), tasks: [tasks[0]], containers: healthy, update: update, network: "net") else {
            Issue.record("converged with one of two"); return
        }
        #expect(count.hasPrefix("1 of 2"))
    }

    @Test func aRollbackReportsTheLatestTaskErrorButAnEarlierRollbackIsNotThisUpdatesOutcome() throws {
        let rolledBack = Service.UpdateStatus(state: "rollback_completed", startedAt: "2026-12-07T05:00:00Z", message: "rollback completed")
        let tasks = [
            try task("a", slot: 1, image: "app:v1"), try task("b", slot: 2, image: "app:v1"),
            try task("x", slot: 1, state: "failed", desired: "shutdown", error: "task: non-zero exit (1)", at: "2026-12-07T05:00:01.9Z"),
            try task("y", slot: 1, state: "failed", desired: "shutdown", error: "task: non-zero exit (143): dockerexec: unhealthy container", at: "2026-12-07T05:00:01.10Z"),
        ]
        let containers = ["ca": try container("ca", health: nil, address: "10.0.0.2"), "cb": try container("cb", health: nil, address: "10.0.0.3")]
        let current = try service(image: "app:v1", update: rolledBack)
        #expect(Convergence.judge(service: current, tasks: tasks, containers: containers, update: ServiceUpdate(serviceID: "s1", name: "web"), network: nil)
            == .rolledBack(status: "rollback completed", taskError: "task: non-zero exit (1)"))
        // The same status seen before this update was sent: this update converged.
        guard case .converged(let endpoints) = Convergence.judge(
            service: current, tasks: tasks, containers: containers, update: ServiceUpdate(serviceID: "s1", name: "web", previousStatus: rolledBack), network: nil)
        else { Issue.record("a stale rollback status was taken for this update's"); return }
        #expect(endpoints.map(\.address) == ["10.0.0.2", "10.0.0.3"])
    }
}
