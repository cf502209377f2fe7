import Foundation
import GantryCore
import GantryRuntime
import Synchronization
import Testing

/// A busybox root file system and a containers directory, removed after the test; its `/app`
/// and `shared/` belong to `nobody`, the user its containers run as.
final class RuntimeFixture {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-runtime-\(UUID().uuidString)").path
    var layer: String { root + "/layer" }
    /// One runtime (one network actor) for the whole test, keeping no namespace ready.
    let runtime: RuncRuntime

    init(network: NetworkConfiguration = .standard) throws {
        runtime = RuncRuntime(containersDirectory: root + "/containers", network: network, networkPoolSize: 0)
        for directory in ["/layer/bin", "/layer/etc", "/layer/app", "/containers", "/shared"] {
            try FileManager.default.createDirectory(atPath: root + directory, withIntermediateDirectories: true)
        }
        for directory in ["/layer/app", "/shared"] {
            try FileManager.default.setAttributes([.ownerAccountID: AppUser.nobody, .groupOwnerAccountID: AppUser.nobody], ofItemAtPath: root + directory)
        }
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: layer + "/bin/busybox")
        for tool in ["sh", "echo", "cat", "sleep", "ls", "env", "touch", "head", "id", "grep", "nc", "unshare", "mount", "wget"] {
            try FileManager.default.createSymbolicLink(atPath: layer + "/bin/" + tool, withDestinationPath: "busybox")
        }
    }

    deinit {
        // A test that failed half-way may have left a container running: none of it outlives the test.
        for id in (try? FileManager.default.contentsOfDirectory(atPath: runtime.stateDirectory)) ?? [] {
            let runc = Process()
            runc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            runc.arguments = ["runc", "--root", runtime.stateDirectory, "delete", "--force", id]
            try? runc.run()
            runc.waitUntilExit()
        }
        for line in leftoverMounts.reversed() {
            let fields = line.split(separator: " ")
            if fields.count > 1 { umount2(String(fields[1]), Int32(MNT_DETACH)) }
        }
        for namespace in namespaces {
            umount2(namespace, Int32(MNT_DETACH))
            unlink(namespace)
        }
        for address in addresses { unlink(address) }
        runtime.logWriter.stop()
        runtime.removeCgroupParent()
        try? FileManager.default.removeItem(atPath: root)
    }

    func spec(_ id: String, _ script: String, mounts: [Mount] = []) -> ContainerSpec {
        ContainerSpec(
            id: id, layers: [layer], arguments: ["/bin/sh", "-c", script], environment: ["PATH": "/bin", "GREETING": "hello"],
            workingDirectory: "/app", mounts: mounts, memoryLimitBytes: 64 << 20, pidsLimit: 32)
    }

    /// Runs `script` to completion, its output as lines.
    func run(_ id: String, _ script: String) async throws -> (GantryCore.ExitStatus, [String]) {
        let lines = Mutex<[String]>([])
        let status = try await runtime.run(spec(id, script), timeout: .seconds(30)) { line in lines.withLock { $0.append(line) } }
        return (status, lines.withLock { $0 })
    }

    /// The network records, namespaces and addresses of this fixture's runtime still attached,
    /// once the background detaches are done.
    func attachedNetworks() async -> [String] {
        await runtime.network.settle()
        let records = (try? FileManager.default.contentsOfDirectory(atPath: root + "/containers.net")) ?? []
        return records + (namespaces + addresses).map { String($0.split(separator: "/").last ?? "") }
    }

    /// The paths of this fixture's runtime's network namespaces under /run/netns.
    var namespaces: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? [])
            .filter { $0.contains(runtime.network.identity) }.map { "/run/netns/" + $0 }
    }

    /// The paths of the CNI host-local records of the addresses this fixture's runtime holds.
    var addresses: [String] {
        let directory = "/var/lib/cni/networks/" + runtime.network.configuration.bridge
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).map { directory + "/" + $0 }
            .filter { ((try? String(contentsOfFile: $0, encoding: .utf8)) ?? "").contains(runtime.network.identity) }
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
        #expect(await fixture.attachedNetworks().isEmpty)
    }

    @Test func writesGoToThePrivateUpperNotTheLayer() async throws {
        let fixture = try RuntimeFixture()
        let status = try await fixture.runtime.run(fixture.spec("t-upper", "touch /app/new-file && ls /app/new-file"), timeout: .seconds(20)) { _ in }
        #expect(status.isSuccess)
        #expect(!FileManager.default.fileExists(atPath: fixture.layer + "/app/new-file"))
    }

    @Test func aContainersRootIsVolatileAndItsUnmountSyncsNothing() async throws {
        let fixture = try RuntimeFixture()
        let (status, lines) = try await fixture.run("t-volatile", "grep ' - overlay ' /proc/self/mountinfo")
        #expect(status.isSuccess)
        // Older kernels show the option as `volatile`, newer ones as `fsync=volatile`.
        let options = lines.first?.split(separator: " ").last?.split(separator: ",") ?? []
        #expect(lines.count == 1 && (options.contains("volatile") || options.contains("fsync=volatile")), "\(lines)")
    }

    @Test func aBundleLeftByAKilledGantrydGivesItsIDAFreshRoot() async throws {
        let fixture = try RuntimeFixture()
        // What a gantryd killed between a container's end and its bundle's removal leaves: an
        // upper with the container's writes and a work directory once mounted volatile, which
        // overlayfs refuses to mount again.
        let bundle = fixture.root + "/containers/t-again"
        for directory in ["upper", "work", "rootfs"] {
            try FileManager.default.createDirectory(atPath: bundle + "/" + directory, withIntermediateDirectories: true)
        }
        let options = "lowerdir=\(fixture.layer),upperdir=\(bundle)/upper,workdir=\(bundle)/work,volatile"
        #expect(mount("overlay", bundle + "/rootfs", "overlay", 0, options) == 0)
        try Data("stale\n".utf8).write(to: URL(fileURLWithPath: bundle + "/rootfs/app/stale"))
        #expect(umount2(bundle + "/rootfs", 0) == 0)
        #expect(mount("overlay", bundle + "/rootfs", "overlay", 0, options) != 0)

        let (status, lines) = try await fixture.run("t-again", "ls /app; echo done")
        #expect(status.isSuccess)
        #expect(lines == ["done"])
        #expect(fixture.leftoverMounts.isEmpty)
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
        // Nor its cgroups, in any hierarchy: a `runc run` killed while it started leaves them
        // unrecorded (seen in loaded unit passes).
        let hierarchies = try FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")
        let left = hierarchies.filter { FileManager.default.fileExists(atPath: "/sys/fs/cgroup/\($0)/gantry/\(runtime.network.identity)/t-cancel") }
        #expect(left.isEmpty, "cgroups left in \(left)")
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
        let endpoint = try await fixture.runtime.start(fixture.spec("t-detached", "echo started; echo to-stderr >&2; exec sleep 60"), logFile: logFile)
        #expect(endpoint.port == RuncRuntime.webPort && endpoint.host.hasPrefix("10.89."))
        #expect(await fixture.runtime.endpoint(of: "t-detached") == endpoint)
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
        #expect(await fixture.attachedNetworks().isEmpty)
    }

    @Test func aProcessRunsOnWhileItsLogWriterIsDownAndItsLinesFollowAGapLine() async throws {
        let fixture = try RuntimeFixture()
        let logFile = fixture.root + "/web.1.log"
        _ = try await fixture.runtime.start(fixture.spec("t-gap", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.05; done"), logFile: logFile)
        // Killed between two lines (a line it had read but not written yet would be lost).
        for _ in 0..<100 where !((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").contains("tick 1\n") {
            try await Task.sleep(for: .milliseconds(20))
        }
        let writer = try #require(fixture.runtime.logWriter.pid)
        #expect(kill(writer, SIGKILL) == 0)
        try await Task.sleep(for: .milliseconds(500))
        #expect(await fixture.runtime.state("t-gap")?.status == .running)  // its writes wait in the pipe
        let restarted = try await fixture.runtime.logWriter.ensureRunning()
        #expect(restarted != writer)
        var lines: [String] = []
        var ticks: [Int] = []
        // Until some ticks follow the gap line (up to 10 s: a busy machine runs the loop slowly).
        for _ in 0..<200 where !(lines.drop { !$0.hasPrefix("[gantry]") }.count > 5) {
            try await Task.sleep(for: .milliseconds(50))
            lines = ((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").split(separator: "\n").map { LogLine($0, source: "").text }
        }
        await fixture.runtime.stop("t-gap", grace: .zero)
        // Nothing lost: the ticks count up without a hole, across the gap line.
        ticks = lines.compactMap { $0.hasPrefix("tick ") ? Int($0.dropFirst(5)) : nil }
        #expect(ticks.count > 5 && ticks == Array(1...ticks.count), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("[gantry] the log writer was restarted") })
    }
}
