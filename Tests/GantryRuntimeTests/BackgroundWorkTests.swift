import Foundation
import GantryCore
import GantryRuntime
import Synchronization
import Testing

/// Issue 12: change work — build and test containers, runc and CNI calls, gantryd's blocking
/// work — runs where the kernel gives serving the CPU first; web processes never do.
@Suite(.serialized) struct BackgroundWorkTests {
    @Test func changeWorkRunsInTheIdleCgroupAndAWebProcessOutsideIt() async throws {
        let fixture = try RuntimeFixture()
        let identity = fixture.runtime.network.identity
        #expect(fixture.runtime.enableBackground() == nil)
        #expect(try String(contentsOfFile: "/sys/fs/cgroup/cpu/gantry-idle/cpu.idle", encoding: .utf8).hasPrefix("1"))

        var build = fixture.spec("t-idle-build", "grep -E ':cpu(,[a-z]+)*:' /proc/self/cgroup")
        build.isBackground = true
        let lines = Mutex<[String]>([])
        let status = try await Background.changeWork {
            try await fixture.runtime.run(build, timeout: .seconds(30)) { line in lines.withLock { $0.append(line) } }
        }
        #expect(status.isSuccess)
        #expect(lines.withLock { $0 }.contains { $0.hasSuffix(":/gantry-idle/\(identity)/t-idle-build") }, "\(lines.withLock { $0 })")

        // Change work's commands join the idle cgroup; other work's run as they are.
        #expect(Background.command("/bin/true", []) == ("/bin/true", []))
        let inChange = await Background.changeWork { Background.command("/bin/true", []) }
        #expect(inChange.executable == "/bin/sh" && inChange.arguments.contains("/sys/fs/cgroup/cpu/gantry-idle/\(identity)/gantryd/cgroup.procs"))

        // A web process is never in it.
        _ = try await Background.changeWork {
            try await fixture.runtime.start(fixture.spec("t-idle-web", "exec sleep 60"), logFile: fixture.root + "/web.log")
        }
        let pid = try #require(await fixture.runtime.state("t-idle-web")?.pid)
        #expect(try Self.cpuCgroup(of: "/proc/\(pid)/cgroup") == "/gantry/\(identity)/t-idle-web")
        #expect(try Self.policy(of: "/proc/\(pid)/stat") == 0)  // SCHED_OTHER
        await fixture.runtime.stop("t-idle-web", grace: .zero)

        // A thread of gantryd's goes there for its blocking work, and comes back.
        let before = try Self.cpuCgroup(of: "/proc/thread-self/cgroup")
        let during = try Background.run(if: true) { try Self.cpuCgroup(of: "/proc/thread-self/cgroup") }
        #expect(during == "/gantry-idle/\(identity)/gantryd")
        #expect(try Self.cpuCgroup(of: "/proc/thread-self/cgroup") == before)
        await fixture.runtime.network.settle()  // its DELs run in the background, in the idle cgroup
        fixture.runtime.removeCgroupParent()
        #expect(!Background.isEnabled)
        #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cpu/gantry-idle/\(identity)"))
    }

    @Test func withoutTheIdleCgroupChangeWorksCommandsRunAtSchedIdle() async throws {
        #expect(!Background.isEnabled)
        let command = await Background.changeWork { Background.command("/bin/cat", ["/proc/self/stat"]) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command.executable)
        process.arguments = command.arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let stat = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(Self.policy(ofStat: stat) == 5)  // SCHED_IDLE
        #expect(Background.command("/bin/cat", []) == ("/bin/cat", []))  // not change work
    }

    /// The path of the cpu controller's cgroup in a `/proc/…/cgroup` file.
    static func cpuCgroup(of file: String) throws -> String? {
        try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").lazy
            .map { $0.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false) }
            .first { $0.count == 3 && $0[1].split(separator: ",").contains("cpu") }.map { String($0[2]) }
    }

    /// The scheduling policy (field 41) of a `/proc/…/stat` file.
    static func policy(of file: String) throws -> Int? { policy(ofStat: try String(contentsOfFile: file, encoding: .utf8)) }

    static func policy(ofStat stat: String) -> Int? {
        guard let end = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        return fields.count > 38 ? Int(fields[38]) : nil  // fields from the 3rd on
    }
}
