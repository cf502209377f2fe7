import Foundation
import GantryCore
import GantryRuntime
import Synchronization
import Testing

/// A busybox root file system and a containers directory, removed after the test.
final class RuntimeFixture {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-runtime-\(UUID().uuidString)").path
    var layer: String { root + "/layer" }
    var runtime: RuncRuntime { RuncRuntime(containersDirectory: root + "/containers") }

    init() throws {
        for directory in ["/layer/bin", "/layer/etc", "/layer/app", "/containers", "/shared"] {
            try FileManager.default.createDirectory(atPath: root + directory, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: layer + "/bin/busybox")
        for tool in ["sh", "echo", "cat", "sleep", "ls", "env", "touch", "head"] {
            try FileManager.default.createSymbolicLink(atPath: layer + "/bin/" + tool, withDestinationPath: "busybox")
        }
    }

    deinit {
        runtime.removeCgroupParent()
        try? FileManager.default.removeItem(atPath: root)
    }

    func spec(_ id: String, _ script: String, mounts: [Mount] = []) -> ContainerSpec {
        ContainerSpec(
            id: id, layers: [layer], arguments: ["/bin/sh", "-c", script], environment: ["PATH": "/bin", "GREETING": "hello"],
            workingDirectory: "/app", mounts: mounts, memoryLimitBytes: 64 << 20, pidsLimit: 32)
    }

    /// Lines of `/proc/mounts` that mention this fixture.
    var leftoverMounts: [String] {
        ((try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init).filter { $0.contains(root) }
    }
}

@Suite(.serialized) struct RuncRuntimeTests {
    @Test func streamsOutputLinesAndReturnsTheExitStatus() async throws {
        let fixture = try RuntimeFixture()
        let lines = Mutex<[String]>([])
        let status = try await fixture.runtime.run(
            fixture.spec("t-output", "echo $GREETING; echo to-stderr >&2; exit 3"), timeout: .seconds(20)
        ) { line in lines.withLock { $0.append(line) } }
        #expect(status == .exited(3))
        #expect(lines.withLock { $0 } .sorted() == ["hello", "to-stderr"])
        #expect(fixture.leftoverMounts.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/containers").isEmpty)
    }

    @Test func writesGoToThePrivateUpperNotTheLayer() async throws {
        let fixture = try RuntimeFixture()
        let status = try await fixture.runtime.run(fixture.spec("t-upper", "touch /bin/new-file && ls /bin/new-file"), timeout: .seconds(20)) { _ in }
        #expect(status.isSuccess)
        #expect(!FileManager.default.fileExists(atPath: fixture.layer + "/bin/new-file"))
    }

    @Test func bindMountsAreReadOnlyUnlessAskedOtherwise() async throws {
        let fixture = try RuntimeFixture()
        let shared = Mount(source: fixture.root + "/shared", destination: "/shared", readOnly: true)
        let refused = try await fixture.runtime.run(fixture.spec("t-ro", "touch /shared/x", mounts: [shared]), timeout: .seconds(20)) { _ in }
        #expect(!refused.isSuccess)
        var writable = shared
        writable.readOnly = false
        let allowed = try await fixture.runtime.run(fixture.spec("t-rw", "echo data > /shared/x", mounts: [writable]), timeout: .seconds(20)) { _ in }
        #expect(allowed.isSuccess)
        #expect(try String(contentsOfFile: fixture.root + "/shared/x", encoding: .utf8) == "data\n")
    }

    @Test func aProcessPastItsTimeoutIsKilledAndCleanedUp() async throws {
        let fixture = try RuntimeFixture()
        let started = ContinuousClock.now
        let status = try await fixture.runtime.run(fixture.spec("t-timeout", "echo started; sleep 600"), timeout: .seconds(1)) { _ in }
        #expect(status == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(fixture.leftoverMounts.isEmpty)
    }

    @Test func cancellingTheCallerStopsTheContainer() async throws {
        let fixture = try RuntimeFixture()
        let runtime = fixture.runtime
        let spec = fixture.spec("t-cancel", "echo started; sleep 600")
        let started = ContinuousClock.now
        let task = Task { try await runtime.run(spec, timeout: .seconds(600)) { _ in } }
        try await Task.sleep(for: .milliseconds(500))
        task.cancel()
        _ = try? await task.value
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(fixture.leftoverMounts.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/containers").isEmpty)
    }

    @Test func invalidIDsAreRefusedBeforeTouchingTheDisk() async throws {
        let fixture = try RuntimeFixture()
        await #expect(throws: RuntimeError.self) { try await fixture.runtime.run(fixture.spec("../escape", "true"), timeout: .seconds(5)) { _ in } }
    }
}

@Suite(.serialized) struct DetachedContainerTests {
    @Test func aDetachedContainersOutputReachesItsLogFileTimestamped() async throws {
        let fixture = try RuntimeFixture()
        let logFile = fixture.root + "/web.1.log"
        try await fixture.runtime.start(fixture.spec("t-detached", "echo started; echo to-stderr >&2; exec sleep 60"), logFile: logFile)
        var text = ""
        for _ in 0..<100 where !text.contains("to-stderr") {
            try await Task.sleep(for: .milliseconds(50))
            text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        }
        await fixture.runtime.stop("t-detached", grace: .seconds(1))
        let lines = text.split(separator: "\n")
        #expect(lines.map { LogLine($0, source: "").text } == ["started", "to-stderr"])
        #expect(lines.allSatisfy(LogWriterTests.isTimestamped))
        #expect(await fixture.runtime.containers().isEmpty)
    }
}
