import Foundation
import GantryCore
import GantryRuntime
import Testing

@Suite(.serialized) struct RuncLifecycleTests {
    @Test func aStartedContainerRunsDetachedAndLogsToItsFile() async throws {
        let fixture = try RuntimeFixture()
        let log = fixture.root + "/web.log"
        try await fixture.runtime.start(fixture.spec("l-web", "echo booted $GREETING; exec sleep 600"), logFile: log)
        let state = try #require(await fixture.runtime.state("l-web"))
        #expect(state.status == .running && state.pid > 0)
        try await Task.sleep(for: .milliseconds(200))
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("booted hello"))
        #expect(await fixture.runtime.containers() == ["l-web"])

        await fixture.runtime.stop("l-web", grace: .seconds(1))
        #expect(await fixture.runtime.state("l-web") == nil)
        #expect(await fixture.runtime.containers().isEmpty)
        #expect(fixture.leftoverMounts.isEmpty)
    }

    @Test func stopEscalatesToSIGKILLAfterTheGracePeriod() async throws {
        let fixture = try RuntimeFixture()
        // PID 1 ignores SIGTERM unless it installs a handler: this one never ends on its own.
        try await fixture.runtime.start(fixture.spec("l-stubborn", "trap '' TERM; while true; do sleep 1; done"), logFile: fixture.root + "/log")
        let started = ContinuousClock.now
        await fixture.runtime.stop("l-stubborn", grace: .milliseconds(500))
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(await fixture.runtime.state("l-stubborn") == nil)
        #expect(fixture.leftoverMounts.isEmpty)
    }

    @Test func aContainerThatFailsToStartLeavesNothing() async throws {
        let fixture = try RuntimeFixture()
        var spec = fixture.spec("l-broken", "true")
        spec.arguments = ["/bin/no-such-program"]
        await #expect(throws: RuntimeError.self) { try await fixture.runtime.start(spec, logFile: fixture.root + "/log") }
        #expect(await fixture.runtime.containers().isEmpty)
        #expect(fixture.leftoverMounts.isEmpty)
    }

    @Test func leftoversOfACrashAreRemovedAtStart() async throws {
        let fixture = try RuntimeFixture()
        try await fixture.runtime.start(fixture.spec("l-left", "exec sleep 600"), logFile: fixture.root + "/log")
        #expect(await fixture.runtime.removeLeftovers() == ["l-left"])
        #expect(await fixture.runtime.state("l-left") == nil)
        #expect(fixture.leftoverMounts.isEmpty)
    }
}
