import Foundation
import GantryCore
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The one `gantry-logger` of a runtime's containers (see Sources/gantry-logger): each
/// detached container writes its output into a FIFO of `directory`, `ID.fifo`, beside a link
/// `ID.log` to its log file; the logger reads them all. It runs in a session of its own and
/// outlives gantryd, as the containers do; `directory/logger.pid` names it.
///
/// One process for the host instead of one per app process (a Swift executable's 7.8 MB each,
/// issue 13). Nothing written while it is away is lost: each FIFO is open for writing in its
/// container, so the process's output waits in the pipe (1 MiB) until a logger reads it (a
/// logger killed can only lose what it had read and not yet written).
public struct LogWriter: Sendable {
    /// `containers.logs` beside the bundles.
    public let directory: String
    /// The `gantry-logger` executable.
    public let executable: String

    /// The pipe size asked for each FIFO: what a process may write while no logger reads.
    static let pipeBytes: Int32 = 1 << 20

    /// The running logger's pid, from `logger.pid`, if that process is alive and is one.
    public var pid: Int32? {
        guard let text = try? String(contentsOfFile: directory + "/logger.pid", encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0,
            let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
            name.hasPrefix("gantry-logger"), RuncRuntime.startTime(of: pid) != nil
        else { return nil }
        return pid
    }

    /// Starts the logger unless one runs, and waits until it has written its pid.
    /// - Returns: its pid.
    @discardableResult
    public func ensureRunning() async throws(RuntimeError) -> Int32 {
        if let pid { return pid }
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw RuntimeError(container: "gantry-logger", reason: "no log writer at \(executable); build it with `swift build -c release` (make setup)")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError(container: "gantry-logger", reason: "cannot create \(directory): \(error.localizedDescription)")
        }
        let status = try? await Subprocess.run(
            .path(FilePath(ExecutableLookup.path(of: "setsid"))), arguments: ["--fork", executable, directory], input: .none, output: .discarded, error: .discarded
        ).terminationStatus
        guard case .exited(0) = status else {
            throw RuntimeError(container: "gantry-logger", reason: "cannot start \(executable) (\(status.map { "\($0)" } ?? "setsid failed"))")
        }
        for _ in 0..<200 {
            if let pid { return pid }
            try? await Task.sleep(for: .milliseconds(10))
        }
        throw RuntimeError(container: "gantry-logger", reason: "\(executable) did not start (no \(directory)/logger.pid)")
    }

    /// Makes the FIFO of container `id`, its output to `logFile`, and opens it for writing.
    /// - Returns: the descriptor for the container's stdout and stderr; the caller closes it
    ///   once the container has it.
    func open(for id: String, logFile: String) throws(RuntimeError) -> Int32 {
        let fifo = directory + "/" + id + ".fifo"
        let link = directory + "/" + id + ".log"
        _ = unlink(link)  // `directory` exists: `ensureRunning` made it
        guard mkfifo(fifo, 0o600) == 0 || errno == EEXIST, symlink(logFile, link) == 0 else {
            throw RuntimeError(container: id, reason: "cannot make its log FIFO in \(directory): \(String(cString: strerror(errno)))")
        }
        // Read and write: the pipe never loses its last writer, so a write never fails for
        // want of a reader (it waits while the logger is away).
        let descriptor = Glibc.open(fifo, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { throw RuntimeError(container: id, reason: "cannot open its log FIFO \(fifo): \(String(cString: strerror(errno)))") }
        _ = fcntl(descriptor, 1031 /* F_SETPIPE_SZ */, Self.pipeBytes)
        return descriptor
    }

    /// Removes the FIFO of container `id` (the logger reads what is left, then lets it go).
    func remove(_ id: String) {
        let removed = unlink(directory + "/" + id + ".fifo") == 0
        _ = unlink(directory + "/" + id + ".log")
        if removed { notify() }
    }

    /// Removes the FIFOs of containers that are gone (a kill between removing a bundle and
    /// its FIFO leaves one); called at start, before any container starts.
    /// - Returns: the container ids whose FIFO was removed.
    func removeStray(keeping containers: Set<String>) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let stray = names.filter { $0.hasSuffix(".fifo") }.map { String($0.dropLast(5)) }.filter { !containers.contains($0) }
        for id in stray { remove(id) }
        return stray.sorted()
    }

    /// Tells the logger that FIFOs came or went (SIGHUP).
    /// - Parameter logger: its pid, when the caller has just read it (`ensureRunning`).
    func notify(_ logger: Int32? = nil) {
        if let pid = logger ?? pid { _ = kill(pid, SIGHUP) }
    }

    /// Stops the logger (SIGTERM: it writes what it has read and exits) and waits up to 2 s
    /// for it, for tear-downs.
    public func stop() {
        guard let pid else { return }
        _ = kill(pid, SIGTERM)
        for _ in 0..<200 where self.pid == pid { usleep(10_000) }
        for name in ["logger.pid", "logger.lock"] { try? FileManager.default.removeItem(atPath: directory + "/" + name) }
        _ = rmdir(directory)
    }

    /// Keeps a logger running until cancelled: started again as soon as one exits.
    public func supervise(onRestart: @Sendable (Int32) -> Void) async {
        while !Task.isCancelled {
            guard let pid = try? await ensureRunning() else {
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            await ProcessExitWatcher.shared.waitForExit(of: pid) { self.pid == pid }
            if !Task.isCancelled, let restarted = try? await ensureRunning() { onRestart(restarted) }
        }
    }
}
