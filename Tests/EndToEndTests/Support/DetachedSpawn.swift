import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program that leaves a daemon behind (tmux starting its server) with `posix_spawn`:
/// every inheritable descriptor above stderr closed and no signal blocked in the child,
/// output in files, `waitpid(WNOHANG)` polled between short sleeps so no thread blocks on it.
enum DetachedSpawn {
    /// Runs `command` (an argument array, the first the executable's path) to its end.
    /// - Throws: `FixtureFailure` when it cannot start or outlives `timeout` (then it is killed).
    static func run(_ command: [String], timeout: Duration) async throws -> ProcessOutput {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-e2e-spawn-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let outPath = scratch + "/stdout", errPath = scratch + "/stderr"

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Swift does not see glibc's `posix_spawn_file_actions_addclosefrom_np`: close each
        // inheritable descriptor above stderr by name.
        for fd in inheritableDescriptors() { posix_spawn_file_actions_addclose(&actions, fd) }

        // The calling thread (a Swift concurrency or Dispatch thread) blocks signals, and a
        // spawned child inherits that mask: tmux's server would then never see SIGTERM or
        // kill-server's SIGHUP to its panes. Start from an empty mask and default actions.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw FixtureFailure("cannot start \(command[0]): errno \(spawned)") }

        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw FixtureFailure("`\(command.joined(separator: " "))` did not finish within \(timeout) and was killed")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ProcessOutput(command: command, status: exit, output: ChildProcess.readData(outPath), stderr: ChildProcess.read(errPath))
    }

    /// This process's open descriptors above stderr without FD_CLOEXEC.
    private static func inheritableDescriptors() -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.compactMap(Int32.init).filter { fd in
            guard fd > 2 else { return false }
            let flags = fcntl(fd, F_GETFD)
            return flags >= 0 && flags & FD_CLOEXEC == 0
        }
    }
}
