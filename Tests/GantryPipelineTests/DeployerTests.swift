import GantryCore
import Testing

@testable import GantryPipeline

/// Issue 18: the deployer as the pipeline drives it — through the `Scheduler` seam — against a
/// runtime that only pretends to run containers: the switch waits for health, a failure leaves
/// the old release serving, scaling and restarts route only healthy processes.
@Suite struct DeployerTests {
    let fixture: SupervisionFixture
    var scheduler: any Scheduler { fixture.deployer }
    let app = try! AppName("app")

    init() throws { fixture = try SupervisionFixture() }

    func plan(release: Int, web: Int = 2, worker: Int = 1) -> Deployer.Plan {
        var plan = fixture.plan(release: release)
        plan.processTypes["worker"] = "work"
        plan.formation = ["web": web, "worker": worker]
        return plan
    }

    @Test func aDeployRoutesTheNewReleaseOnceHealthyAndRetiresTheOldOne() async throws {
        defer { fixture.remove() }
        try await scheduler.deploy(plan(release: 1), log: { _ in })
        #expect(fixture.router.backends(of: "app") == ["app.v1.web.1", "app.v1.web.2"])
        let said = Said()
        try await scheduler.deploy(plan(release: 2), log: said.append)
        #expect(fixture.router.backends(of: "app") == ["app.v2.web.1", "app.v2.web.2"])
        #expect(said.lines.contains("Switching traffic … done; stopping v1"), "\(said.lines)")
        try await CanaryDeployerTests.eventually("v1's processes retire") {
            fixture.runtime.running().sorted() == ["app.v2.web.1", "app.v2.web.2", "app.v2.worker.1"]
        }
        #expect(await scheduler.liveRelease(of: app) == 2)
        #expect(await scheduler.processes(of: app).map(\.name) == ["web.1", "web.2", "worker.1"])
        #expect(await scheduler.runningCount() == 3)
    }

    @Test func anUnhealthyReleaseIsStoppedAndTheOldOneKeepsServing() async throws {
        defer { fixture.remove() }
        try await scheduler.deploy(plan(release: 1), log: { _ in })
        fixture.health.healthy.withLock { $0 = false }
        await #expect {
            try await scheduler.deploy(plan(release: 2), log: { _ in })
        } throws: { error in
            guard case .unhealthy(let process, let reason, _) = error as? DeployError else { return false }
            return process == "web.1" && reason == "GET / answered 500"
        }
        #expect(fixture.router.backends(of: "app") == ["app.v1.web.1", "app.v1.web.2"])
        #expect(fixture.runtime.running().sorted() == ["app.v1.web.1", "app.v1.web.2", "app.v1.worker.1"])
        #expect(await scheduler.liveRelease(of: app) == 1)
    }

    @Test func scalingUpRoutesOnlyHealthyProcessesAndScalingDownStopsTheRest() async throws {
        defer { fixture.remove() }
        try await scheduler.deploy(plan(release: 1, web: 1, worker: 0), log: { _ in })
        let up = try await scheduler.scale(app, to: ["web": 3, "worker": 1], log: { _ in })
        #expect(up.map(\.name) == ["web.1", "web.2", "web.3", "worker.1"])
        #expect(fixture.router.backends(of: "app").sorted() == ["app.v1.web.1", "app.v1.web.2", "app.v1.web.3"])
        #expect(fixture.runtime.starts(of: "app.v1.web.1") == 1, "a running process is kept")

        let down = try await scheduler.scale(app, to: ["web": 1], log: { _ in })
        #expect(down.map(\.name) == ["web.1", "worker.1"])
        #expect(fixture.router.backends(of: "app") == ["app.v1.web.1"])
        #expect(fixture.runtime.running().sorted() == ["app.v1.web.1", "app.v1.worker.1"])
    }

    @Test func aScaleWhoseNewProcessIsUnhealthyLeavesTheAppAsItWas() async throws {
        defer { fixture.remove() }
        try await scheduler.deploy(plan(release: 1, web: 1, worker: 0), log: { _ in })
        fixture.health.healthy.withLock { $0 = false }
        await #expect(throws: DeployError.self) { try await scheduler.scale(app, to: ["web": 3], log: { _ in }) }
        #expect(fixture.router.backends(of: "app") == ["app.v1.web.1"])
        #expect(fixture.runtime.running() == ["app.v1.web.1"])
        #expect(await scheduler.processes(of: app).map(\.name) == ["web.1"])
    }

    @Test func scalingOrRestartingAnAppWithoutARelease() async throws {
        defer { fixture.remove() }
        await #expect(throws: DeployError.noLiveRelease(app)) { try await scheduler.scale(app, to: ["web": 2], log: { _ in }) }
        await #expect(throws: DeployError.noLiveRelease(app)) { try await scheduler.restart(app, type: nil, log: { _ in }) }
    }

    @Test func aRestartStartsEachProcessAgainAndRoutesItOnceHealthy() async throws {
        defer { fixture.remove() }
        try await scheduler.deploy(plan(release: 1), log: { _ in })
        let processes = try await scheduler.restart(app, type: "web", log: { _ in })
        #expect(processes.map(\.name) == ["web.1", "web.2", "worker.1"])
        #expect(fixture.runtime.starts(of: "app.v1.web.1") == 2 && fixture.runtime.starts(of: "app.v1.web.2") == 2)
        #expect(fixture.runtime.starts(of: "app.v1.worker.1") == 1, "only the type asked for")
        #expect(fixture.router.backends(of: "app").sorted() == ["app.v1.web.1", "app.v1.web.2"])
    }

    @Test func removingAnAppStopsItsProcessesAndForgetsItsRoute() async throws {
        defer { fixture.remove() }
        try await scheduler.deploy(plan(release: 1), log: { _ in })
        await scheduler.remove(app)
        #expect(fixture.runtime.running().isEmpty)
        #expect(fixture.router.backends(of: "app").isEmpty)
        #expect(await scheduler.processes(of: app).isEmpty)
        #expect(await scheduler.liveRelease(of: app) == nil)
    }
}
