import GantryCore
import GantryRuntime
import GantrySwarm
import Testing

@testable import GantryPipeline

/// Issue 18: what a release becomes on Swarm, without an engine (the end-to-end suite runs
/// it on a real one): service names, the service spec, Swarm's health check, log timestamps.
@Suite struct SwarmSchedulerTests {
    static let scheduler = SwarmScheduler(
        engine: DockerEngine(host: try! DockerHost(socketPath: "/nonexistent.sock")), router: RecordingRouter(), health: ToldHealth(),
        network: "gantry", owner: "owner-1", logsDirectory: "/nonexistent")

    func plan() throws -> Deployer.Plan {
        var plan = Deployer.Plan(
            app: try AppName("hello"), release: 7, layers: [], environment: ["DATABASE_URL": "postgres://db", "PATH": "/app/bin:/usr/bin"],
            processTypes: ["web": "gunicorn app:app", "worker": "celery worker"], formation: ["web": 2, "worker": 1])
        plan.imageReference = "127.0.0.1:5000/hello@sha256:" + String(repeating: "a", count: 64)
        plan.memoryLimitBytes = 256 << 20
        plan.cpuLimit = 0.5
        plan.user = 10_000_001
        return plan
    }

    @Test func serviceNamesFitSwarmsSixtyThreeCharactersAndStayDistinct() throws {
        #expect(SwarmScheduler.serviceName(try AppName("hello"), "web") == "gantry-hello-web")
        #expect(SwarmScheduler.serviceName(try AppName("hello"), "web", canary: true) == "gantry-hello-web-canary")
        let app = try AppName(String(repeating: "a", count: 30))
        let long = SwarmScheduler.serviceName(app, String(repeating: "w", count: 30))
        let other = SwarmScheduler.serviceName(app, String(repeating: "w", count: 29) + "x")
        #expect(long.utf8.count <= 63 && other.utf8.count <= 63 && long != other)
        #expect(SwarmScheduler.serviceName(app, String(repeating: "w", count: 30)) == long, "stable across calls")
    }

    @Test func aWebServiceRunsTheRegistryImageWithTheReleasesEnvironmentLimitsAndHealthCheck() async throws {
        let plan = try plan()
        let spec = await Self.scheduler.serviceSpec(plan, type: "web", image: plan.imageReference!)
        let container = spec.taskTemplate.containerSpec
        #expect(spec.name == "gantry-hello-web" && spec.mode.replicas == 2)
        #expect(spec.labels == ["gantry.app": "hello", "gantry.release": "v7", "gantry.process-type": "web", "gantry.canary": "false", "gantry.owner": "owner-1"])
        #expect(container.image == plan.imageReference && container.isInit && container.user == "10000001:10000001")
        #expect(container.command?.last == "gunicorn app:app")
        #expect(container.env.contains("PORT=5000") && container.env.contains("DATABASE_URL=postgres://db") && container.env.contains("PATH=/app/bin:/usr/bin"))
        #expect(spec.taskTemplate.resources == TaskSpec.Resources(nanoCPUs: 500_000_000, memoryBytes: 256 << 20))
        #expect(spec.taskTemplate.networks.map(\.target) == ["gantry"])
        #expect(spec.updateConfig?.order == "start-first" && spec.updateConfig?.failureAction == "rollback")
        let check = try #require(container.healthcheck)
        #expect(check.test.prefix(2) == ["CMD", "/bin/bash"] && check.test.suffix(2) == ["5000", "/"])
        #expect(check.interval == .seconds(2), "Swarm's first check comes after Gantry's own has routed the task")
    }

    @Test func aWorkerHasNoHealthCheckAndACanaryIsASecondService() async throws {
        let plan = try plan()
        let worker = await Self.scheduler.serviceSpec(plan, type: "worker", image: plan.imageReference!)
        #expect(worker.taskTemplate.containerSpec.healthcheck == nil && worker.mode.replicas == 1)
        let canary = await Self.scheduler.serviceSpec(plan, type: "web", image: plan.imageReference!, canary: true)
        #expect(canary.name == "gantry-hello-web-canary" && canary.labels["gantry.canary"] == "true")
    }

    @Test func aReleaseThatWasNotPushedCannotRunOnSwarm() throws {
        var plan = try plan()
        plan.imageReference = nil
        #expect(throws: DeployError.self) { try SwarmScheduler.image(of: plan) }
    }

    @Test func engineTimesBecomeTheLogFilesMicroseconds() {
        #expect(SwarmScheduler.logTimestamp("2026-12-07T05:10:00.123456789Z") == "2026-12-07T05:10:00.123456Z")
        #expect(SwarmScheduler.logTimestamp("2026-12-07T05:10:00.5Z") == "2026-12-07T05:10:00.500000Z")
        #expect(SwarmScheduler.logTimestamp("2026-12-07T05:10:00Z").count == LogLine.timestampLength)
    }

    @Test func rolledBackAndUnconvergedUpdatesBecomeDeployErrorsSayingWhy() {
        let rolledBack = SwarmScheduler.deployError(.rolledBack(service: "gantry-hello-web", status: "update rolled back", taskError: "task: non-zero exit (1)"), process: "gantry-hello-web")
        #expect("\(rolledBack)".contains("Swarm rolled the update back: task: non-zero exit (1)"))
        let slow = SwarmScheduler.deployError(.notConverged(service: "gantry-hello-web", waited: .seconds(300), state: "0 of 2 task(s) running"), process: "gantry-hello-web")
        #expect("\(slow)".contains("GANTRY_DEPLOY_TIMEOUT") && "\(slow)".contains("0 of 2 task(s) running"))
    }
}

extension SwarmSchedulerTests {
    @Test func logTimesKeepTheirFractionForFollowingOn() throws {
        let seconds = try #require(SwarmScheduler.epochSeconds("2026-12-07T05:10:00.250000Z"))
        #expect(abs(seconds - 1_796_620_200.25) < 0.000_01)
        #expect(SwarmScheduler.epochSeconds("2026-12-07T05:10:00.123456789Z").map { $0.truncatingRemainder(dividingBy: 1) }.map { abs($0 - 0.123456789) < 0.000_01 } == true)
        #expect(SwarmScheduler.epochSeconds("not a time") == nil)
    }
}
