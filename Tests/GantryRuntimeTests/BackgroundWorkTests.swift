import Foundation
import Glibc
import GantryCore
import GantryRuntime
import GantryTesting
import Synchronization
import Testing

/// Issue 12: change work — build and test containers, runc and CNI calls, gantryd's blocking
/// work — runs where the kernel gives serving the CPU first; web processes do only while they
/// boot beside their tests, unrouted (`setBackground`).
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

        // A web process started as any is not in it.
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
        // `Background` is process-wide: a subprocess of another test's runtime, started while
        // this one had it enabled, may hold the cgroup a moment longer (2 of 10 loaded unit
        // passes): it goes once that has exited.
        let own = "/sys/fs/cgroup/cpu/gantry-idle/\(identity)"
        for _ in 0..<100 where FileManager.default.fileExists(atPath: own) {
            try await Task.sleep(for: .milliseconds(100))
            fixture.runtime.removeCgroupParent()
        }
        let left = (try? FileManager.default.subpathsOfDirectory(atPath: own))?.filter { $0.hasSuffix("tasks") }
            .map { "\($0): \((try? String(contentsOfFile: own + "/" + $0, encoding: .utf8)) ?? "")" }
        #expect(!FileManager.default.fileExists(atPath: own), "left: \(left ?? [])")
    }

    /// Issue 13: a web process booted beside its release's tests boots in the background.
    @Test func aWebProcessMovesIntoTheIdleCgroupAndBackWithItsChildrenAndLimit() async throws {
        let fixture = try RuntimeFixture()
        let identity = fixture.runtime.network.identity
        #expect(fixture.runtime.enableBackground() == nil)
        var web = fixture.spec("t-idle-boot", "sleep 60 & exec sleep 60")
        web.cpuLimit = 0.5
        _ = try await Background.changeWork { try await fixture.runtime.start(web, logFile: fixture.root + "/web.log") }
        let pid = try #require(await fixture.runtime.state("t-idle-boot")?.pid)
        let own = "/sys/fs/cgroup/cpu/gantry/\(identity)/t-idle-boot"
        let idle = "/sys/fs/cgroup/cpu/gantry-idle/\(identity)/t-idle-boot"
        let members = { (cgroup: String) in CgroupFile.processes(in: cgroup).count }
        for _ in 0..<200 where members(own) < 2 { try await Task.sleep(for: .milliseconds(10)) }  // the shell forks its child
        let ownCount = members(own)
        try #require(ownCount == 2, "the shell and its child; its init's cgroups: \((try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? "gone")")

        await fixture.runtime.setBackground("t-idle-boot", true)
        #expect(try Self.cpuCgroup(of: "/proc/\(pid)/cgroup") == "/gantry-idle/\(identity)/t-idle-boot")
        #expect(members(idle) == ownCount && members(own) == 0, "every process goes")
        #expect(try Self.policy(of: "/proc/\(pid)/stat") == 0, "idle by its cgroup, not by its policy")

        await fixture.runtime.setBackground("t-idle-boot", false)
        #expect(try Self.cpuCgroup(of: "/proc/\(pid)/cgroup") == "/gantry/\(identity)/t-idle-boot")
        #expect(members(own) == ownCount)
        #expect(CgroupFile.contents(of: own + "/cpu.cfs_quota_us").hasPrefix("50000"), "its own cgroup kept its limit")
        #expect(!FileManager.default.fileExists(atPath: idle))

        // Stopped while in the background: nothing of it stays in either hierarchy.
        await fixture.runtime.setBackground("t-idle-boot", true)
        await fixture.runtime.stop("t-idle-boot", grace: .zero)
        #expect(!FileManager.default.fileExists(atPath: idle))
        #expect(!FileManager.default.fileExists(atPath: own))
        await fixture.runtime.network.settle()
        fixture.runtime.removeCgroupParent()
        #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cpu/gantry-idle/\(identity)"))
    }

    /// The push's tests come first: where a web process booting beside them (moved into the
    /// idle cgroup) and the tests' container want the same CPU, the boot gets one part in nine.
    @Test func aBootingWebProcessYieldsTheCPUItSharesWithTheTests() async throws {
        let fixture = try RuntimeFixture()
        #expect(fixture.runtime.enableBackground() == nil)
        try FileManager.default.createSymbolicLink(atPath: fixture.layer + "/bin/taskset", withDestinationPath: "busybox")
        let spin = "exec taskset -c 0 sh -c 'while :; do :; done'"  // both on CPU 0
        var tests = fixture.spec("t-tests-spin", spin)
        tests.isBackground = true
        _ = try await Background.changeWork { try await fixture.runtime.start(tests, logFile: fixture.root + "/tests.log") }
        _ = try await Background.changeWork { try await fixture.runtime.start(fixture.spec("t-boot-spin", spin), logFile: fixture.root + "/boot.log") }
        await fixture.runtime.setBackground("t-boot-spin", true)
        let testsPID = try #require(await fixture.runtime.state("t-tests-spin")?.pid)
        let bootPID = try #require(await fixture.runtime.state("t-boot-spin")?.pid)

        // Until they have had a second of CPU 0 between them (the unit pass runs beside this).
        let start = (tests: try Self.cpuTicks(of: testsPID), boot: try Self.cpuTicks(of: bootPID))
        var used = (tests: 0, boot: 0)
        let deadline = ContinuousClock.now + .seconds(30)
        while used.tests + used.boot < 100, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            used = (try Self.cpuTicks(of: testsPID) - start.tests, try Self.cpuTicks(of: bootPID) - start.boot)
        }
        await fixture.runtime.stop("t-tests-spin", grace: .zero)
        await fixture.runtime.stop("t-boot-spin", grace: .zero)
        try #require(used.tests + used.boot >= 100, "CPU 0 was too busy: \(used) ticks in 30 s")
        #expect(used.tests > 3 * used.boot, "ticks of CPU: tests \(used.tests), boot \(used.boot) (1024:128 shares make it ~8:1)")
        await fixture.runtime.network.settle()
        fixture.runtime.removeCgroupParent()
    }

    /// User and system CPU ticks (fields 14 and 15) a process has used.
    static func cpuTicks(of pid: Int32) throws -> Int {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        guard let end = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)  // fields from the 3rd on
    }

    @Test func changeWorkStarvedOfCPUIsMovedOutOfTheIdleCgroup() async throws {
        let fixture = try RuntimeFixture()
        let identity = fixture.runtime.network.identity
        #expect(fixture.runtime.enableBackground() == nil)
        // Two spinners as any process keep both CPUs busy; a third, change work, starves — it
        // might hold a lock others wait for (runc, CNI), so the guard moves it out within ~1 s.
        let spin = ["-c", "while :; do :; done"]
        let busy = try (0..<max(2, ProcessInfo.processInfo.activeProcessorCount)).map { _ in try Self.start("/bin/sh", spin) }
        defer { for process in busy { Self.kill(process) } }
        let starved = try await Background.changeWork {
            let command = Background.command("/bin/sh", spin)
            let process = try Self.start(command.executable, command.arguments)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try Self.cpuCgroup(of: "/proc/\(process.processIdentifier)/cgroup") == "/gantry-idle/\(identity)/gantryd")
            // ~1 s on a quiet machine; the whole unit pass running beside it may delay the guard.
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline,
                try Self.cpuCgroup(of: "/proc/\(process.processIdentifier)/cgroup") == "/gantry-idle/\(identity)/gantryd"
            {
                try await Task.sleep(for: .milliseconds(250))
            }
            return process
        }
        defer { Self.kill(starved) }
        #expect(try Self.cpuCgroup(of: "/proc/\(starved.processIdentifier)/cgroup") != "/gantry-idle/\(identity)/gantryd")
        Self.kill(starved)
        await fixture.runtime.network.settle()
        fixture.runtime.removeCgroupParent()
    }

    /// SIGKILL (the test process may pass SIGTERM on ignored), and reaped.
    static func kill(_ process: Process) {
        guard process.isRunning else { return }
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    static func start(_ executable: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        return process
    }

    @Test func withoutTheIdleCgroupChangeWorksCommandsRunAtSchedIdle() async throws {
        #expect(!Background.isEnabled)
        let command = await Background.changeWork { Background.command("/bin/cat", ["/proc/self/stat"]) }
        let stat = try await Shell.run(command.executable, command.arguments, errors: .inherited).output
        #expect(Self.policy(ofStat: stat) == 5)  // SCHED_IDLE
        #expect(Background.command("/bin/cat", []) == ("/bin/cat", []))  // not change work
    }

    /// The path of the cpu controller's cgroup in a `/proc/…/cgroup` file.
    static func cpuCgroup(of file: String) throws -> String? {
        // One step at a time: as one chained expression, a loaded machine's compiler gave up
        // type-checking it ("unable to type-check this expression in reasonable time").
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        for line in lines {
            let fields: [Substring] = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3, fields[1].split(separator: ",").contains("cpu") { return String(fields[2]) }
        }
        return nil
    }

    /// The scheduling policy (field 41) of a `/proc/…/stat` file.
    static func policy(of file: String) throws -> Int? { policy(ofStat: try String(contentsOfFile: file, encoding: .utf8)) }

    static func policy(ofStat stat: String) -> Int? {
        guard let end = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        return fields.count > 38 ? Int(fields[38]) : nil  // fields from the 3rd on
    }
}
