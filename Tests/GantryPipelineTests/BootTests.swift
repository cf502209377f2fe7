import GantryCore
import Testing

@testable import GantryPipeline

/// Issue 13: web processes booted while the tests run are routed only by `deploy`, on the
/// image's layers, and never when they stopped meanwhile.
@Suite struct BootTests {
    @Test func bootedWebProcessesAreRoutedOnlyByTheDeployAndRestartOnTheImagesLayers() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        try await fixture.deployer.deploy(fixture.plan(release: 1), log: { _ in })
        var early = fixture.plan(release: 2)
        early.layers = ["/build/app-root"]
        early.processTypes["worker"] = "work"
        early.formation["worker"] = 1
        let boot = await fixture.deployer.boot(early)
        #expect(fixture.runtime.running().sorted() == ["app.v1.web.1", "app.v2.web.1"], "web only: a worker would take work before the tests passed")
        #expect(fixture.router.backends(of: "app") == ["app.v1.web.1"])

        var plan = early
        plan.layers = ["/layers/app"]
        let said = Said()
        try await fixture.deployer.deploy(plan, booted: boot, log: said.append)
        #expect(fixture.runtime.starts(of: "app.v2.web.1") == 1, "the booted process is the one routed")
        #expect(fixture.runtime.starts(of: "app.v2.worker.1") == 1)
        #expect(fixture.router.backends(of: "app") == ["app.v2.web.1"])
        #expect(said.lines.first?.hasPrefix("Starting web.1 at") == true, "\(said.lines)")

        try await fixture.supervising {
            fixture.runtime.exit("app.v2.web.1")
            try await fixture.waitForEvent("web.1 restarted at")
            #expect(fixture.runtime.layers(of: "app.v2.web.1") == ["/layers/app"], "a restart runs the image, not the build directory")
        }
    }

    @Test func aBootedProcessThatExitedBeforeTheSwitchFailsTheDeployAndTheOldOneServes() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        try await fixture.deployer.deploy(fixture.plan(release: 1), log: { _ in })
        let boot = await fixture.deployer.boot(fixture.plan(release: 2))
        fixture.runtime.exit("app.v2.web.1")
        await #expect(throws: DeployError.self) { try await fixture.deployer.deploy(fixture.plan(release: 2), booted: boot, log: { _ in }) }
        #expect(fixture.router.backends(of: "app") == ["app.v1.web.1"])
        #expect(fixture.runtime.running() == ["app.v1.web.1"])
    }

    @Test func anUnhealthyBootFailsTheDeployOnlyWhenItIsDeployed() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        try await fixture.deployer.deploy(fixture.plan(release: 1), log: { _ in })
        fixture.health.healthy.withLock { $0 = false }
        let boot = await fixture.deployer.boot(fixture.plan(release: 2))
        #expect(fixture.runtime.running() == ["app.v1.web.1"], "the unhealthy process is stopped at once")
        await #expect(throws: DeployError.self) { try await fixture.deployer.deploy(fixture.plan(release: 2), booted: boot, log: { _ in }) }
        #expect(fixture.router.backends(of: "app") == ["app.v1.web.1"])
    }

    @Test func aBootingProcessRunsInTheBackgroundUntilItIsHealthy() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        let testsEnded = Latch()
        let boot = await fixture.deployer.boot(fixture.plan(release: 1), testsEnded: testsEnded)
        #expect(fixture.runtime.backgroundMoves(of: "app.v1.web.1") == [true, false], "in the background while it boots, out once healthy")
        testsEnded.open()
        try await fixture.deployer.deploy(fixture.plan(release: 1), booted: boot, log: { _ in })
        #expect(fixture.runtime.backgroundMoves(of: "app.v1.web.1") == [true, false], "the deploy routes it where it is")
        // A process started by a deploy never goes there.
        try await fixture.deployer.deploy(fixture.plan(release: 2), log: { _ in })
        #expect(fixture.runtime.backgroundMoves(of: "app.v2.web.1").isEmpty)
    }

    @Test func aBootingProcessLeavesTheBackgroundWhenTheTestsEnd() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        let (testsEnded, healthy) = (Latch(), Latch())
        fixture.health.gate.withLock { $0 = healthy }
        let booting = Task { await fixture.deployer.boot(fixture.plan(release: 1), testsEnded: testsEnded) }
        try await Self.eventually { fixture.runtime.backgroundMoves(of: "app.v1.web.1") == [true] }
        testsEnded.open()
        try await Self.eventually { fixture.runtime.backgroundMoves(of: "app.v1.web.1") == [true, false] }
        healthy.open()
        let boot = await booting.value
        #expect(boot.failure == nil && boot.processes.count == 1)
    }

    static func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }

    @Test func aDiscardedBootLeavesNothing() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        let boot = await fixture.deployer.boot(fixture.plan(release: 1))
        #expect(fixture.runtime.running() == ["app.v1.web.1"])
        await fixture.deployer.discard(boot)
        #expect(fixture.runtime.running().isEmpty)
        #expect(await fixture.runtime.containers().isEmpty)
        #expect(fixture.router.backends(of: "app").isEmpty)
    }
}

/// Lines a deploy said.
final class Said: Sendable {
    private let said = Mutex<[String]>([])

    @Sendable func append(_ line: String) { said.withLock { $0.append(line) } }
    var lines: [String] { said.withLock { $0 } }
}

import Synchronization
