#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Change work — pack indexing and tree exports, builds and tests, layer unpacking — runs in
/// the background, so that on a small host a deploy does not lengthen the requests served
/// meanwhile (issue 12, bench/load), and so do runc and the CNI plugins, which take locks the
/// whole host shares: `guardAgainstStarvation` keeps them from starving while they hold one.
///
/// gantryd enables it at start (`enable`): the work then runs in a CPU cgroup with `cpu.idle`
/// set, right under the hierarchy's root (`RuncRuntime.enableBackground`). The kernel preempts
/// an idle cgroup's task at once for any other that wakes up — the router, a web process, a
/// client — and gives it only the CPU nobody else wants. A task's own `SCHED_IDLE` policy
/// does not do it: it is idle only among the tasks of its own group, and an autogroup or
/// cgroup of idle tasks still takes a full share against the others (measured: two
/// `SCHED_IDLE` spinners quadrupled the router's p99 at rest). Without `enable` (tests, or
/// `gantryd --change-work normal`) the work runs at `SCHED_IDLE`, which is all an unprivileged
/// process can do.
///
/// The price: on a host whose apps keep every CPU busy, builds and deploys wait for CPU.
public enum Background {
    /// Linux's `SCHED_IDLE` (not exported by Glibc's module without `_GNU_SOURCE`).
    static let idlePolicy: Int32 = 5

    private struct Group: Sendable {
        /// The idle cgroup's `cgroup.procs`: a process joins it by writing `0` there.
        var processes: String
        /// Its `tasks` (cgroup v1) and that of gantryd's own cgroup: a thread moves there and
        /// back; `nil` where threads cannot move alone (cgroup v2).
        var threads: (idle: String, home: String)?
    }

    private static let group = Mutex<Group?>(nil)

    /// Whether the current task does change work: a push, a deploy, a rollback, a config change,
    /// a scaling — set by `changeWork`, inherited by child tasks. What keeps apps serving
    /// (restore at start, restarts of crashed processes) is not change work and runs as any
    /// process does: a busy host must not keep it waiting.
    @TaskLocal public static var isChangeWork = false

    /// Runs `body` as change work (`isChangeWork`).
    public static func changeWork<T, E: Error>(
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws(E) -> T
    ) async throws(E) -> T {
        // Not only when the first change work starts: a guard that found no idle cgroup yet
        // has ended while change work still ran (seen in the unit pass, where one test enables
        // the cgroup while others' change work runs).
        active.add(1, ordering: .relaxed)
        if !guarding.load(ordering: .relaxed) { Task.detached { await guardAgainstStarvation() } }
        defer { active.subtract(1, ordering: .relaxed) }
        let result = await $isChangeWork.withValue(true, operation: { () async -> Result<T, E> in
            do throws(E) { return .success(try await body()) } catch { return .failure(error) }
        }, isolation: isolation)
        return try result.get()
    }

    /// How many tasks do change work now.
    private static let active = Atomic<Int>(0)

    /// Whether change work runs now: what must wait until apps stop changing asks.
    public static var isChangeWorkRunning: Bool { active.load(ordering: .relaxed) > 0 }
    /// Whether `guardAgainstStarvation` runs.
    private static let guarding = Atomic<Bool>(false)

    /// While change work runs, every half second: a thread of the idle cgroup that waited for a
    /// CPU for most of the last half second goes back to gantryd's own cgroup. runc and the CNI
    /// plugins take locks the whole host shares (cgroups, mounts, the xtables lock); starved
    /// while holding one, they would stall every waiter — measured, other gantryds' start hung
    /// for over 30 s on a saturated machine. So change work waits for idle CPU, but never for
    /// long. cgroup v1 only (threads move alone there); ends when change work and the cgroup's
    /// processes are done: nothing polls while nothing changes.
    static func guardAgainstStarvation() async {
        guard guarding.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return }
        defer { guarding.store(false, ordering: .releasing) }
        var waited: [Int32: UInt64] = [:]
        while true {
            try? await Task.sleep(for: .milliseconds(500))
            guard let threads = group.withLock({ $0?.threads }) else { return }
            let ids = CgroupFile.contents(of: threads.idle).split(separator: "\n").compactMap { Int32($0) }
            if ids.isEmpty && active.load(ordering: .relaxed) == 0 { return }
            var next: [Int32: UInt64] = [:]
            for id in ids {
                // /proc/ID/schedstat: time on a CPU, time waiting for one (ns), time slices.
                let fields = CgroupFile.contents(of: "/proc/\(id)/schedstat").split(separator: " ")
                guard fields.count >= 2, let wait = UInt64(fields[1]) else { continue }
                if let before = waited[id], wait &- before > 300_000_000 {
                    _ = CgroupFile.write(String(id), to: threads.home)
                } else {
                    next[id] = wait
                }
            }
            waited = next
        }
    }

    /// Runs change work in the cgroup whose `cgroup.procs` is `processes` from now on; threads
    /// move between `idleTasks` and `homeTasks` (cgroup v1 `tasks` files) when both are given.
    public static func enable(processes: String, idleTasks: String?, homeTasks: String?) {
        let threads = idleTasks.flatMap { idle in homeTasks.map { (idle: idle, home: $0) } }
        group.withLock { $0 = Group(processes: processes, threads: threads) }
    }

    /// Stops using the idle cgroup whose `cgroup.procs` is `processes` (before it is removed).
    public static func disable(processes: String) {
        group.withLock { if $0?.processes == processes { $0 = nil } }
    }

    /// Moves every process of the idle cgroup back to gantryd's own (cgroup v1) and stops
    /// using it: for gantryd's shutdown, which must not wait on a busy host for the change
    /// work it cleans up (namespaces detached in the background, old processes retiring).
    public static func promote() {
        guard let current = group.withLock({ group in defer { group = nil }; return group }),
            let home = current.threads?.home
        else { return }
        let homeProcesses = String(home.dropLast("tasks".count)) + "cgroup.procs"
        for pid in CgroupFile.contents(of: current.processes).split(separator: "\n") { _ = CgroupFile.write(String(pid), to: homeProcesses) }
    }

    /// Whether change work runs in an idle cgroup.
    public static var isEnabled: Bool { group.withLock { $0 != nil } }

    /// The command line that runs `executable arguments…` in the background, its children
    /// included: joining the idle cgroup first (`/bin/sh`, whose script is constant: the
    /// cgroup and the command are its arguments), else at `SCHED_IDLE` (util-linux's `chrt`).
    /// Outside change work (`isChangeWork`) it is the command itself.
    /// - Parameter startsWebProcess: the command starts a web process (runc), which leaves for a
    ///   cgroup of its own but would inherit `SCHED_IDLE`: without the idle cgroup it runs as
    ///   it is.
    public static func command(_ executable: String, _ arguments: [String], startsWebProcess: Bool = false) -> (executable: String, arguments: [String]) {
        let executable = ExecutableLookup.path(of: executable)
        guard isChangeWork else { return (executable, arguments) }
        if let processes = group.withLock({ $0?.processes }) {
            return ("/bin/sh", ["-c", #"echo 0 2>/dev/null >"$0"; exec "$@""#, processes, executable] + arguments)
        }
        return startsWebProcess ? (executable, arguments) : ("/usr/bin/chrt", ["--idle", "0", executable] + arguments)
    }

    /// Runs `body` with the calling thread in the background, then moves it back: for blocking
    /// work on a Dispatch thread (libgit2, layer writing). In the idle cgroup when threads can
    /// move there (cgroup v1), else at `SCHED_IDLE` as root (who may leave it again).
    /// - Parameter changeWork: whether the work is change work — the caller's `isChangeWork`,
    ///   read before it left its task for the Dispatch thread; `false` runs `body` as it is.
    public static func run<T, E: Error>(if changeWork: Bool, _ body: () throws(E) -> T) throws(E) -> T {
        guard changeWork else { return try body() }
        #if os(Linux)
        let thread = String(currentThreadID())
        if let threads = group.withLock({ $0?.threads }), CgroupFile.write(thread, to: threads.idle) {
            defer { _ = CgroupFile.write(thread, to: threads.home) }
            return try body()
        }
        let policy = sched_getscheduler(0)
        var parameters = sched_param()
        guard geteuid() == 0, policy >= 0, policy != idlePolicy, sched_getparam(0, &parameters) == 0 else { return try body() }
        var idle = sched_param(sched_priority: 0)
        guard sched_setscheduler(0, idlePolicy, &idle) == 0 else { return try body() }
        defer { _ = sched_setscheduler(0, policy, &parameters) }
        #endif
        return try body()
    }

    /// glibc's `gettid` (2.30 and later), which its Swift module does not export.
    @_silgen_name("gettid") private static func currentThreadID() -> Int32
}
