import Foundation
import GantryCore
import GantryGit
@testable import GantryPipeline
import GantryStore
import GantryTesting
import Logging
import Synchronization
import Testing

/// `BuildLog`: what a build prints reaches the pusher and the store, bounded, and reaches the
/// store while the build still runs.
@Suite struct BuildLogTests {
    final class Counter: Sendable { let bytes = Mutex(0) }

    /// A store holding one build, and a reply that counts the bytes sent to the pusher.
    struct Harness {
        let store: Store
        let build: Int64
        let sent = Counter()
        let reply: ReceivePackReply

        init() async throws {
            store = try await blocking { [path = ScratchDirectory.path + "/gantry.sqlite"] in try Store(path: path) }
            let app = try AppName("noisy")
            _ = try await store.createApp(app)
            build = try await store.recordBuild(
                app: app, ref: try RefName.branch("main"), oldCommit: .zero, newCommit: try ObjectID(String(repeating: "a", count: 40)),
                status: .building
            ).id
            reply = ReceivePackReply(sideband: true) { [sent] bytes in sent.bytes.withLock { $0 += bytes.count } }
        }

        func storedLog() async throws -> String {
            try await store.build(app: AppName("noisy"), id: build).log ?? ""
        }
    }

    @Test(.scratchDirectory) func endlessOutputKeepsTheHeadAndTheTailOfEachStepAndCountsTheRest() async throws {
        let harness = try await Harness()
        let log = BuildLog(reply: harness.reply, store: harness.store, build: harness.build, logger: Logger(label: "test"))
        log.step("Building")
        for index in 0..<100_000 { log.line("line \(index)") }
        log.step("Build failed: compile exited 1")
        await log.finish()

        let stored = try await harness.storedLog()
        #expect(stored.utf8.count < BuildLog.headLimit + BuildLog.tailLimit + 4096)
        // Side-band framing adds 5 bytes a line to what the pusher gets.
        #expect(harness.sent.bytes.withLock { $0 } < 2 * (BuildLog.headLimit + BuildLog.tailLimit))
        #expect(stored.hasPrefix("-----> Building\nline 0\nline 1\n"))
        #expect(stored.contains("output over 512 KiB"))
        #expect(stored.contains("lines ("), "a count of what was left out")
        #expect(stored.hasSuffix("line 99999\n-----> Build failed: compile exited 1\n"))
    }

    @Test(.scratchDirectory) func linesReachTheStoreWhileTheBuildRuns() async throws {
        let harness = try await Harness()
        let log = BuildLog(reply: harness.reply, store: harness.store, build: harness.build, logger: Logger(label: "test"))
        log.step("Building")
        log.line("Collecting flask")
        let deadline = ContinuousClock.now + .seconds(5)
        while try await !harness.storedLog().contains("Collecting flask"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await harness.storedLog() == "-----> Building\nCollecting flask\n", "kept before finish(): a kill -9 keeps it")
        await log.finish()
        #expect(try await harness.storedLog() == "-----> Building\nCollecting flask\n")
    }
}
