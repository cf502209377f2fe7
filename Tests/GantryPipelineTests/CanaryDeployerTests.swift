import Foundation
import GantryCore
import Testing

@testable import GantryPipeline

/// Issue 17: a canary's processes beside the live release's, against the fake runtime: started
/// and routed for a share, re-weighted, promoted with the usual switch, aborted leaving live
/// untouched, and watched but never restarted.
@Suite struct CanaryDeployerTests {
    let app = try! AppName("app")

    /// Release `release` of the fixture's app with `web` web processes and a worker.
    static func plan(_ fixture: SupervisionFixture, release: Int, web: Int = 1, worker: Int = 1) -> Deployer.Plan {
        var plan = fixture.plan(release: release)
        plan.processTypes = ["web": "serve", "worker": "work"]
        plan.formation = ["web": web, "worker": worker]
        return plan
    }

    /// v1 live (one web, one worker).
    static func live(_ fixture: SupervisionFixture) async throws -> Deployer.Plan {
        let plan = plan(fixture, release: 1)
        try await fixture.deployer.deploy(plan, log: { _ in })
        return plan
    }

    /// Waits up to 5 s until `condition` holds.
    static func eventually(_ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async -> Bool) async throws {
        for _ in 0..<500 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("never: \(what)", sourceLocation: sourceLocation)
    }

    @Test func startingACanaryWithoutALiveReleaseThrowsAndStartsNothing() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        await #expect(throws: DeployError.noLiveRelease(app)) {
            try await fixture.deployer.startCanary(Self.plan(fixture, release: 2), weight: 10, log: { _ in })
        }
        #expect(fixture.runtime.running().isEmpty)
        #expect(fixture.router.canary(of: "app") == nil)
        #expect(await fixture.deployer.canary(of: app) == nil)
    }

    @Test func aCanaryStartsItsWebProcessesAndIsRoutedBesideTheLiveBackends() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        _ = try await Self.live(fixture)
        let said = Said()
        try await fixture.deployer.startCanary(Self.plan(fixture, release: 2, web: 2), weight: 10, log: said.append)

        #expect(Set(fixture.runtime.running()) == ["app.v1.web.1", "app.v1.worker.1", "app.v2.web.1", "app.v2.web.2"], "web only: no worker before the promotion")
        #expect(fixture.runtime.starts(of: "app.v2.worker.1") == 0)
        let route = try #require(fixture.router.canary(of: "app"))
        #expect(route.release == 2 && route.stable == 1 && route.weight == 10)
        #expect(route.backends.map(\.id) == ["app.v2.web.1", "app.v2.web.2"])
        #expect(route.backends.allSatisfy { $0.release == 2 })
        #expect(fixture.router.backends(of: "app") == ["app.v1.web.1"], "the live backends stay routed")
        let running = try #require(await fixture.deployer.canary(of: app))
        #expect(running.release == 2 && running.weight == 10)
        #expect(await fixture.deployer.liveRelease(of: app) == 1)
        #expect(said.lines.count == 2 && said.lines.allSatisfy { $0.hasPrefix("Starting web.") }, "\(said.lines)")
        try await fixture.waitForEvent("canary v2 takes 10% of the traffic beside v1: web.1, web.2")
    }

    @Test func anUnhealthyCanaryThrowsAndLeavesNothingRunningNorRouted() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        _ = try await Self.live(fixture)
        fixture.health.healthy.withLock { $0 = false }
        await #expect(throws: DeployError.self) {
            try await fixture.deployer.startCanary(Self.plan(fixture, release: 2, web: 2), weight: 10, log: { _ in })
        }
        #expect(Set(fixture.runtime.running()) == ["app.v1.web.1", "app.v1.worker.1"])
        #expect(fixture.router.canary(of: "app") == nil)
        #expect(fixture.router.backends(of: "app") == ["app.v1.web.1"])
        #expect(await fixture.deployer.canary(of: app) == nil)
        #expect(await fixture.deployer.processes(of: app).map(\.release) == [1, 1])
    }

    @Test func settingTheWeightReRoutesTheCanary() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        _ = try await Self.live(fixture)
        try await fixture.deployer.startCanary(Self.plan(fixture, release: 2), weight: 10, log: { _ in })
        #expect(await fixture.deployer.setCanaryWeight(app, 60))
        let route = try #require(fixture.router.canary(of: "app"))
        #expect(route.weight == 60 && route.release == 2 && route.backends.map(\.id) == ["app.v2.web.1"])
        #expect(await fixture.deployer.canary(of: app)?.weight == 60)
        let other = try AppName("other")
        #expect(!(await fixture.deployer.setCanaryWeight(other, 60)), "no canary, nothing to set")
    }

    @Test func promotionMakesTheCanaryLiveStartsItsOtherTypesAndStopsTheOldRelease() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        _ = try await Self.live(fixture)
        try await fixture.deployer.startCanary(Self.plan(fixture, release: 2, web: 2), weight: 25, log: { _ in })
        try await fixture.deployer.promoteCanary(app, log: { _ in })

        #expect(fixture.router.backends(of: "app") == ["app.v2.web.1", "app.v2.web.2"])
        #expect(fixture.router.canary(of: "app") == nil)
        #expect(fixture.runtime.starts(of: "app.v2.worker.1") == 1)
        #expect(fixture.runtime.starts(of: "app.v2.web.1") == 1, "the canary's own web processes, not new ones")
        #expect(await fixture.deployer.liveRelease(of: app) == 2)
        #expect(await fixture.deployer.canary(of: app) == nil)
        try await Self.eventually("the old release retires") { Set(fixture.runtime.running()) == ["app.v2.web.1", "app.v2.web.2", "app.v2.worker.1"] }
        #expect(await fixture.deployer.processes(of: app).map(\.release) == [2, 2, 2])
    }

    @Test func abortingClearsTheRouteAndStopsTheCanaryLiveUntouched() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        _ = try await Self.live(fixture)
        try await fixture.deployer.startCanary(Self.plan(fixture, release: 2, web: 2), weight: 25, log: { _ in })
        #expect(await fixture.deployer.abortCanary(app) == 2)

        #expect(fixture.router.canary(of: "app") == nil)
        #expect(Set(fixture.runtime.running()) == ["app.v1.web.1", "app.v1.worker.1"])
        #expect(fixture.router.backends(of: "app") == ["app.v1.web.1"])
        #expect(await fixture.deployer.liveRelease(of: app) == 1)
        #expect(await fixture.deployer.canary(of: app) == nil)
        #expect(await fixture.deployer.abortCanary(app) == nil, "nothing left to abort")
        try await fixture.waitForEvent("canary v2 removed; v1 serves all the traffic")
    }

    @Test func processesListsTheCanarysProcessesToo() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        _ = try await Self.live(fixture)
        try await fixture.deployer.startCanary(Self.plan(fixture, release: 2, web: 2), weight: 25, log: { _ in })
        let processes = await fixture.deployer.processes(of: app)
        #expect(processes.map { "\($0.type).\($0.index) v\($0.release)" } == ["web.1 v1", "web.1 v2", "web.2 v2", "worker.1 v1"])
        #expect(processes.allSatisfy { $0.state == .up })
        #expect(await fixture.deployer.runningCount() == 4)
    }

    @Test func anExitedCanaryProcessIsReportedAndNotRestarted() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        _ = try await Self.live(fixture)
        try await fixture.deployer.startCanary(Self.plan(fixture, release: 2, web: 2), weight: 25, log: { _ in })
        try await fixture.supervising {
            let failures = Task { () -> CanaryFailure? in
                for await failure in fixture.deployer.canaryFailures { return failure }
                return nil
            }
            try await Task.sleep(for: .milliseconds(50))  // the watches are in place

            fixture.runtime.exit("app.v2.web.1")
            try await fixture.waitForEvent("canary v2: web.1 exited")
            let timeout = Task {
                try await Task.sleep(for: .seconds(5))
                failures.cancel()
            }
            defer { timeout.cancel() }
            let failure = try #require(await failures.value)
            #expect(failure == CanaryFailure(app: app, release: 2, reason: "web.1 exited"))

            try await Task.sleep(for: .milliseconds(200))  // well past the 10 ms backoff a live process would get
            #expect(fixture.runtime.starts(of: "app.v2.web.1") == 1, "a canary process is never restarted")
            #expect(!fixture.events().contains("restarting"))
            #expect(fixture.router.canary(of: "app")?.backends.map(\.id) == ["app.v2.web.2"], "out of the canary's route")
            #expect(await fixture.deployer.processes(of: app).first { $0.release == 2 && $0.index == 1 }?.state == .crashed)
            #expect(fixture.router.backends(of: "app") == ["app.v1.web.1"])
        }
    }

    @Test func aLiveProcessThatExitsBesideACanaryIsStillRestarted() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        _ = try await Self.live(fixture)
        try await fixture.deployer.startCanary(Self.plan(fixture, release: 2), weight: 25, log: { _ in })
        try await fixture.supervising {
            try await Task.sleep(for: .milliseconds(50))
            fixture.runtime.exit("app.v1.web.1")
            try await fixture.waitForEvent("web.1 restarted at")
            #expect(fixture.runtime.starts(of: "app.v1.web.1") == 2)
            #expect(fixture.router.canary(of: "app")?.backends.map(\.id) == ["app.v2.web.1"])
        }
    }
}
