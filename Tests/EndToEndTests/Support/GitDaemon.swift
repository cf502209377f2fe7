import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real git server on localhost: `git daemon` serving every repository under `base` as
/// `git://127.0.0.1:PORT/PATH`, read-only. Stopped by `kill()`.
struct GitDaemon: Sendable {
    let base: String
    let port: Int
    let process: RunningProcess

    /// The clone URL of `base/path`.
    func url(_ path: String) -> String { "git://127.0.0.1:\(port)/\(path)" }

    /// Starts `git-daemon --export-all --base-path=BASE --port=FREE --reuseaddr` and waits
    /// until it accepts connections.
    /// - Throws: `FixtureFailure` when it does not come up within 10 s.
    static func start(base: String, git: Git) async throws -> GitDaemon {
        let port = try LocalPort.free()
        // `git-daemon` itself: `git daemon` runs it as a child that a signal to `git` would
        // leave running.
        let execPath = try await ChildProcess.run(git.executable, ["--exec-path"], environment: git.environment)
        let daemon = String(decoding: execPath.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) + "/git-daemon"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: daemon)
        process.arguments = [
            "--export-all", "--base-path=\(base)", "--port=\(port)", "--reuseaddr", "--listen=127.0.0.1", base,
        ]
        process.environment = git.environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let running = RunningProcess(process)
        try running.start()
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, running.isRunning {
            if LocalPort.accepts(port) { return GitDaemon(base: base, port: port, process: running) }
            try await Task.sleep(for: .milliseconds(25))
        }
        running.signal(SIGKILL)
        throw FixtureFailure("git daemon did not accept connections on port \(port) within 10 s")
    }

    /// SIGKILL at once, for `defer`: git-daemon keeps nothing that needs a graceful end.
    func kill() {
        process.signal(SIGKILL)
    }
}
