import Foundation
import GantryCore
import GantryRuntime
import Synchronization
import Testing

/// `RuncRuntime.runAttached`: real containers with piped or terminal input and output.
@Suite(.serialized) struct RuncAttachedTests {
    /// What an attached run wrote.
    final class Collected: Sendable {
        private let streams = Mutex<(stdout: [UInt8], stderr: [UInt8])>(([], []))
        func add(_ output: AttachedOutput) {
            streams.withLock {
                switch output {
                case .stdout(let bytes): $0.stdout += bytes
                case .stderr(let bytes): $0.stderr += bytes
                }
            }
        }
        var stdoutBytes: [UInt8] { streams.withLock { $0.stdout } }
        var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
        var stderr: String { String(decoding: streams.withLock { $0.stderr }, as: UTF8.self) }
    }

    /// Waits up to 20 s for `condition`.
    func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(100)) }
        #expect(condition())
    }

    /// An attached run of `script` started in the background: its task, its input, its output.
    func start(
        _ fixture: RuntimeFixture, _ id: String, _ script: String, terminal: WindowSize?, timeout: Duration = .seconds(30)
    ) -> (run: Task<GantryCore.ExitStatus, any Error>, feed: AsyncStream<AttachedInput>.Continuation, output: Collected) {
        let (input, feed) = AsyncStream.makeStream(of: AttachedInput.self)
        let collected = Collected()
        let (runtime, spec) = (fixture.runtime, fixture.spec(id, script))
        let run = Task { try await runtime.runAttached(spec, terminal: terminal, timeout: timeout, input: input, output: collected.add) }
        return (run, feed, collected)
    }

    func withTools(_ fixture: RuntimeFixture, _ tools: [String]) throws {
        for tool in tools where !FileManager.default.fileExists(atPath: fixture.layer + "/bin/" + tool) {
            try FileManager.default.createSymbolicLink(atPath: fixture.layer + "/bin/" + tool, withDestinationPath: "busybox")
        }
    }

    @Test func pipesInputUntilItsEndAndSeparatesOutputFromErrors() async throws {
        let fixture = try RuntimeFixture()
        try withTools(fixture, ["wc"])
        let (input, feed) = AsyncStream.makeStream(of: AttachedInput.self)
        feed.yield(.data(Array("da".utf8)))
        feed.yield(.data(Array("ta\n".utf8)))
        feed.yield(.endOfInput)
        let collected = Collected()
        let status = try await fixture.runtime.runAttached(
            fixture.spec("t-pipes", "wc -c; echo oops >&2; exit 3"), terminal: nil, timeout: .seconds(30), input: input, output: collected.add)
        #expect(status == .exited(3))
        #expect(collected.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "5")
        #expect(collected.stderr == "oops\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/containers").isEmpty)
        #expect(fixture.leftoverMounts.isEmpty)
    }

    @Test func inputLargerThanThePipeArrivesWholeAndInOrder() async throws {
        let fixture = try RuntimeFixture()
        let chunk = (0..<(64 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        let (run, feed, collected) = start(fixture, "t-large", "cat; echo done >&2", terminal: nil)
        for _ in 0..<64 { feed.yield(.data(chunk)) }  // 4 MiB, at most a megabyte queued in the runtime
        feed.yield(.endOfInput)
        #expect(try await run.value == .exited(0))
        let echoed = collected.stdoutBytes
        #expect(echoed.count == 64 * chunk.count)
        #expect((0..<64).allSatisfy { echoed[($0 * chunk.count)..<(($0 + 1) * chunk.count)].elementsEqual(chunk) })
        #expect(collected.stderr == "done\n")
    }

    @Test func aTerminalHasTheClientsSizeAndFollowsResizes() async throws {
        let fixture = try RuntimeFixture()
        try withTools(fixture, ["stty", "tty"])
        let (run, feed, collected) = start(
            fixture, "t-tty", "tty >/dev/null && echo IS-A-TTY; stty size; read line; stty size; echo got=$line >&2",
            terminal: WindowSize(columns: 100, rows: 30))
        try await eventually { collected.stdout.contains("30 100") }
        feed.yield(.resize(WindowSize(columns: 120, rows: 40)))
        try await Task.sleep(for: .milliseconds(300))
        feed.yield(.data(Array("hi\r".utf8)))
        let status = try await run.value
        #expect(status == .exited(0))
        #expect(collected.stdout.contains("IS-A-TTY"))
        #expect(collected.stdout.contains("40 120"), "\(collected.stdout)")
        #expect(collected.stdout.contains("got=hi"), "standard error is the terminal too: \(collected.stdout)")
        #expect(collected.stderr.isEmpty)
    }

    @Test func ctrlCOnTheTerminalInterruptsTheForegroundProcess() async throws {
        let fixture = try RuntimeFixture()
        let (run, feed, collected) = start(
            fixture, "t-intr", "trap 'echo INTERRUPTED; exit 5' INT; echo READY; sleep 100 & wait", terminal: WindowSize(columns: 80, rows: 24))
        try await eventually { collected.stdout.contains("READY") }
        feed.yield(.data([3]))  // Ctrl-C
        let status = try await run.value
        #expect(status == .exited(5), "\(collected.stdout)")
        #expect(collected.stdout.contains("INTERRUPTED"))
    }

    @Test func cancellingTheCallerRemovesTheContainerWithinSeconds() async throws {
        let fixture = try RuntimeFixture()
        let (run, _, collected) = start(fixture, "t-leave", "echo STARTED; sleep 100", terminal: nil, timeout: .seconds(60))
        try await eventually { collected.stdout.contains("STARTED") }
        let start = ContinuousClock.now
        run.cancel()
        _ = try await run.value
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(await fixture.runtime.state("t-leave") == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/containers").isEmpty)
    }

    @Test func aRunPastItsTimeoutIsKilledAndSaysSo() async throws {
        let fixture = try RuntimeFixture()
        let (input, _) = AsyncStream.makeStream(of: AttachedInput.self)
        let status = try await fixture.runtime.runAttached(
            fixture.spec("t-slow", "sleep 100"), terminal: nil, timeout: .seconds(1), input: input) { _ in }
        #expect(status == .timedOut)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/containers").isEmpty)
    }
}
