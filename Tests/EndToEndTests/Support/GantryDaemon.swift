import Foundation
import GantryClient
import GantryCore
import GantryRuntime
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real `gantryd` process on a random port with a temp data dir, plus the scratch space and
/// `git` that a test drives it with. Made and torn down by `withDaemon(maxPushBytes:_:)`.
struct GantryDaemon: Sendable {
    /// Where gantryd listens: `http://127.0.0.1:PORT`.
    let server: String
    let port: Int
    /// The router's port: apps are served at `http://APP.localhost:routerPort`.
    let routerPort: Int
    /// The SSH server's port: `ssh://git@127.0.0.1:sshPort/APP.git`.
    let sshPort: Int
    /// gantryd's `--data-dir`.
    let data: DataDirectory
    /// The admin API token gantryd wrote to `DATA_DIR/admin-token`.
    let token: String
    /// gantryd's stdout and stderr.
    let logPath: String
    /// A directory for the test's work trees; removed with the daemon.
    let scratch: ScratchDirectory
    /// The git client, configured away from the developer's settings.
    let git: Git
    /// The running gantryd (replaced by `restart()`).
    let process: DaemonProcess

    /// The REST API, as the admin.
    var api: GantryAPIClient { GantryAPIClient(server: server, token: token) }

    /// The real `gantry` CLI against this daemon, as the admin (`GANTRY_URL`, `GANTRY_TOKEN`).
    func cli(_ arguments: [String]) async throws -> ProcessOutput {
        var environment = git.environment
        environment["GANTRY_URL"] = server
        environment["GANTRY_TOKEN"] = token
        return try await ChildProcess.run(try Templates.cli(), arguments, environment: environment, timeout: .seconds(30))
    }

    /// The smart-HTTP remote of `app`, with `token` (default: the admin's) as the password.
    func remote(_ app: String, token: String? = nil) -> String {
        "http://gantry:\(token ?? self.token)@127.0.0.1:\(port)/\(app).git"
    }

    /// The bare repository gantryd keeps for `app`.
    func repositoryPath(_ app: String) throws -> String {
        try data.repository(for: AppName(app))
    }

    /// Every ref of `app`'s repository on the server, read with `git for-each-ref`.
    /// - Throws: `FixtureFailure` when git cannot read it.
    func serverRefs(_ app: String) async throws -> [String: String] {
        try await git.refs(ofRepositoryAt: repositoryPath(app))
    }

    /// `git fsck --strict` of `app`'s repository on the server.
    /// - Throws: `FixtureFailure` on timeout.
    func fsck(_ app: String) async throws -> ProcessOutput {
        try await git.fsck(repositoryAt: repositoryPath(app))
    }

    /// Creates `app` through the API (and so its bare repository).
    /// - Throws: `ClientError` when gantryd refuses.
    func createApp(_ app: String) async throws {
        _ = try await api.createApp(app)
    }

    /// The builds of `app`, newest first.
    /// - Throws: `ClientError`.
    func builds(_ app: String) async throws -> [Build] {
        try await api.builds(app: app)
    }

    /// A new work tree `scratch/NAME` on branch `main`, holding (uncommitted) a Procfile whose
    /// web process serves the tree — the least a buildpack deploys — so the first commit makes
    /// a deployable app.
    /// - Throws: `FixtureFailure` when git fails.
    func makeRepo(_ name: String) async throws -> GitRepo {
        let repo = try await GitRepo.create(at: scratch.path + "/" + name, git: git)
        try repo.write(["Procfile": Data("web: busybox httpd -f -p $PORT -h /app\n".utf8)])
        return repo
    }

    /// The last lines gantryd logged, for failure messages.
    func logTail(lines: Int = 40) -> String {
        let log = ChildProcess.read(logPath)
        return log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// Starts gantryd, runs `body` with it, then stops it (SIGTERM, SIGKILL after 5 s) and removes
/// its data and scratch directories, whether `body` returned or threw. A gantryd that needs the
/// SIGKILL is an issue of the test: it must shut down gracefully.
/// - Parameters:
///   - maxPushBytes: passed as `--max-push-bytes` when set.
///   - arguments: more flags for gantryd.
///   - environment: more environment variables for gantryd (`DOCKER_HOST`).
///   - dataDirectory: gantryd's `--data-dir` (which must not exist yet) when it must live
///     elsewhere than in the scratch directory (on a file system of the test's own); the
///     caller removes it.
/// - Throws: `FixtureFailure` when gantryd cannot be found or does not come up; what `body` throws.
func withDaemon<Value: Sendable>(
    maxPushBytes: Int? = nil, arguments extra: [String] = [], environment: [String: String] = [:], dataDirectory: String? = nil,
    routerPort: Int? = nil, _ body: (GantryDaemon) async throws -> Value
) async throws -> Value {
    let scratch = try ScratchDirectory(prefix: "gantry-e2e")
    defer { scratch.remove() }
    let git = try Git(home: scratch.directory("home"))
    let (daemon, _) = try await DaemonLauncher.start(
        in: scratch, git: git, maxPushBytes: maxPushBytes, arguments: extra, environment: environment, dataDirectory: dataDirectory,
        routerPort: routerPort)
    do {
        let result = try await body(daemon)
        await DaemonLauncher.stop(daemon.process.current) { daemon.logTail() }
        await DaemonLauncher.removeContainers(of: daemon)
        return result
    } catch {
        await DaemonLauncher.stop(daemon.process.current) { daemon.logTail() }
        await DaemonLauncher.removeContainers(of: daemon)
        print("gantryd log (\(daemon.server)) after the failure:\n\(daemon.logTail())")
        throw error
    }
}

/// The gantryd process of a `GantryDaemon`, which `restart()` replaces.
final class DaemonProcess: @unchecked Sendable {
    private let lock = NSLock()
    private var running: RunningProcess
    let binary: String
    let arguments: [String]

    init(_ running: RunningProcess, binary: String, arguments: [String]) {
        self.running = running
        self.binary = binary
        self.arguments = arguments
    }

    var current: RunningProcess { lock.withLock { running } }

    func replace(with process: RunningProcess) { lock.withLock { running = process } }
}

extension GantryDaemon {
    /// Stops gantryd (SIGTERM: the apps keep running; with `killing`, SIGKILL, as a crash
    /// would) and starts it again on the same data directory and ports, with `environment` added
    /// to its own (`GANTRY_CRASH_AT`, say).
    /// - Throws: `FixtureFailure` when it does not come back.
    func restart(killing: Bool = false, environment: [String: String] = [:]) async throws {
        if killing {
            process.current.signal(SIGKILL)
            await process.current.waitForExit()
        } else {
            await DaemonLauncher.stop(process.current)
        }
        let next = Process()
        next.executableURL = URL(fileURLWithPath: process.binary)
        next.arguments = process.arguments
        next.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"].merging(environment) { $1 }) { $1 }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        next.standardOutput = log
        next.standardError = log
        next.standardInput = FileHandle.nullDevice
        let running = RunningProcess(next)
        try running.start()
        try? log.close()
        process.replace(with: running)
        let deadline = ContinuousClock.now + DaemonLauncher.startupTimeout
        while ContinuousClock.now < deadline, running.isRunning {
            if LocalPort.accepts(port), LocalPort.accepts(sshPort) { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw FixtureFailure("gantryd did not come back after a restart; its log:\n\(logTail())")
    }
}

/// Finds, starts and stops the gantryd binary.
enum DaemonLauncher {
    static let startupTimeout = Duration.seconds(30)
    /// A stop detaches the namespaces gantryd keeps ready and those it released: 0.4 s on a
    /// quiet machine, over 5 s once while every end-to-end suite ran at once on 2 cores.
    static let stopGrace = Duration.seconds(20)

    /// `GANTRYD_PATH`, else `gantryd` beside the running test executable (SwiftPM puts
    /// `gantryPackageTests.xctest` and `gantryd` in the same build directory), else
    /// `.build/release/gantryd` of this package (`make test` builds it).
    /// - Throws: `FixtureFailure` naming the places looked at.
    static func binary() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["GANTRYD_PATH"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw FixtureFailure("GANTRYD_PATH=\(path) is not an executable file")
            }
            return path
        }
        var candidates: [String] = []
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? Bundle.main.executablePath ?? CommandLine.arguments.first ?? ""
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        for _ in 0..<4 {  // a macOS .xctest bundle nests the executable in Contents/MacOS
            candidates.append(directory.appendingPathComponent("gantryd").path)
            directory.deleteLastPathComponent()
        }
        let package = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(package.appendingPathComponent(".build/release/gantryd").path)
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            return found
        }
        throw FixtureFailure(
            "gantryd not found (looked at \(candidates.joined(separator: ", "))); run `make build` or set GANTRYD_PATH")
    }

    /// Starts gantryd in `scratch/data` (or `dataDirectory`) and waits until it wrote its admin
    /// token and accepts connections. A port taken meanwhile by someone else means another try
    /// on a new port (but for `routerPort`, when the test needs to know it beforehand).
    /// - Throws: `FixtureFailure` with gantryd's log when it exits or does not come up in time.
    static func start(
        in scratch: ScratchDirectory, git: Git, maxPushBytes: Int?, arguments extra: [String] = [], environment: [String: String] = [:],
        dataDirectory: String? = nil, routerPort fixedRouterPort: Int? = nil
    ) async throws -> (GantryDaemon, RunningProcess) {
        let binary = try binary()
        let data = DataDirectory(root: dataDirectory ?? scratch.path + "/data")
        let logPath = scratch.path + "/gantryd.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        var failures: [String] = []
        for _ in 0..<3 {
            let port = try LocalPort.free()
            let routerPort = try fixedRouterPort ?? LocalPort.free()
            let sshPort = try LocalPort.free()
            var arguments = [
                "--data-dir", data.root, "--http-host", "127.0.0.1", "--http-port", String(port), "--router-port", String(routerPort),
                "--ssh-port", String(sshPort),
            ]
            if let maxPushBytes { arguments += ["--max-push-bytes", String(maxPushBytes)] }
            arguments += extra
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            log.seekToEndOfFile()
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            // A gantryd that dies at start-up exits at once instead of waiting on Swift's
            // backtracer (which can hang for minutes here); its log still says why.
            process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"].merging(environment) { $1 }) { $1 }
            let running = RunningProcess(process)
            try running.start()
            try? log.close()

            let deadline = ContinuousClock.now + startupTimeout
            while ContinuousClock.now < deadline, running.isRunning {
                // The port answers and takes this daemon's token: it is this daemon's, not
                // another test's that took the same free port first (this one then exits).
                if LocalPort.accepts(port), LocalPort.accepts(sshPort), let token = readToken(data.adminToken),
                    (try? await GantryAPIClient(server: "http://127.0.0.1:\(port)", token: token).apps()) != nil
                {
                    let daemon = GantryDaemon(
                        server: "http://127.0.0.1:\(port)", port: port, routerPort: routerPort, sshPort: sshPort, data: data, token: token,
                        logPath: logPath, scratch: scratch, git: git,
                        process: DaemonProcess(running, binary: binary, arguments: arguments))
                    return (daemon, running)
                }
                try? await Task.sleep(for: .milliseconds(25))
            }
            if running.isRunning {
                await stop(running)
                throw FixtureFailure(
                    "gantryd (\(binary) \(arguments.joined(separator: " "))) did not write \(data.adminToken) and accept connections on port \(port) within \(startupTimeout); its log:\n\(ChildProcess.read(logPath))")
            }
            failures.append("exited with status \(running.exitStatus) on port \(port)")
            // Free ports are picked before gantryd binds them, so another process may take one
            // meanwhile; a service that cannot bind shuts gantryd down, and a connection accepted
            // during that shutdown can trip a precondition in NIO (see the closing note of
            // session 2). Either way the next try uses other ports.
            // A signal at start-up (139 once in session 11's end-to-end passes, its log silent: the
            // backtracer is off here) is retried too, and printed, so that it stays visible.
            let said = ChildProcess.read(logPath).lowercased()
            if running.exitStatus > 128 { print("gantryd died at start-up with status \(running.exitStatus); its log:\n\(said)") }
            guard said.contains("address already in use") || said.contains("eaddrinuse") || said.contains("fatal error") || running.exitStatus > 128
            else { break }
        }
        throw FixtureFailure("gantryd would not start: \(failures.joined(separator: "; ")); its log:\n\(ChildProcess.read(logPath))")
    }

    /// Removes the app containers gantryd leaves running when it stops (a restarted gantryd
    /// would adopt them; a test's daemon is not restarted) — runc's container, the overlay,
    /// the bundle, the network namespace — and the namespaces a killed gantryd kept ready.
    /// Records an issue for any namespace of the daemon still attached afterwards.
    static func removeContainers(of daemon: GantryDaemon) async {
        let runtime = RuncRuntime(containersDirectory: daemon.data.containers, networkPoolSize: 0)
        _ = await runtime.removeLeftovers()
        await runtime.network.detachLeftovers()
        await runtime.network.settle()
        runtime.logWriter.stop()
        runtime.removeCgroupParent()
        let namespaces = ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []).filter { $0.contains(runtime.network.identity) }
        if !namespaces.isEmpty {
            Issue.record("network namespaces left attached: \(namespaces) (\(await runtime.network.lastBackgroundError ?? "no error"))")
        }
    }

    /// SIGTERM, then SIGKILL if it is still running after `stopGrace` (recorded as an issue).
    /// - Parameter log: the end of gantryd's log, quoted when it had to be killed.
    static func stop(_ process: RunningProcess, log: () -> String = { "" }) async {
        process.signal(SIGTERM)
        if await process.waitForExit(timeout: stopGrace, orSend: SIGKILL) {
            Issue.record("gantryd did not exit within \(stopGrace) of SIGTERM and was killed; its log ended:\n\(log())")
        }
    }

    private static func readToken(_ path: String) -> String? {
        let token = ChildProcess.read(path).trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }
}

extension GantryDaemon {
    /// `VmHWM` of process `pid`: the most memory it has held resident, in KiB (0 if unknown).
    static func peakResidentKiB(of pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
