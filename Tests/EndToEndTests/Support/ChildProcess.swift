import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a finished child process left behind: a non-zero exit is a value, not a throw.
struct ProcessOutput: Sendable, CustomStringConvertible {
    /// The command line, for messages.
    var command: [String]
    /// The exit status, or 128 + the signal's number when a signal ended it.
    var status: Int32
    /// Standard output as bytes (packs are binary).
    var output: Data
    var stderr: String

    /// Standard output as UTF-8 text (lossy).
    var stdout: String { String(decoding: output, as: UTF8.self) }

    var succeeded: Bool { status == 0 }

    var description: String {
        "`\(command.joined(separator: " "))` exited \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)---"
    }
}

/// A fixture could not do its job (a tool is missing, a process timed out, a server never
/// came up). The message says which and shows the evidence.
struct FixtureFailure: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Runs programs with argument arrays (never a shell), with a timeout and bounded output.
enum ChildProcess {
    /// Most output kept of one stream; the tests only read short answers.
    static let outputLimit = 4 << 20

    /// The absolute path of `name` on `PATH`.
    /// - Throws: `FixtureFailure` when it is not there.
    static func find(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw FixtureFailure("\(name) is not on PATH (\(path)); `make setup` installs it")
    }

    /// Runs `executable` to its end and returns its status and output.
    /// - Parameters:
    ///   - input: written to its standard input (none: /dev/null).
    ///   - timeout: after this the child is killed and `FixtureFailure` thrown.
    /// - Throws: `FixtureFailure` on timeout; what `Process.run()` throws when it cannot start.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: String? = nil, input: Data? = nil, timeout: Duration = .seconds(120)
    ) async throws -> ProcessOutput {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("gantry-e2e-run-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }

        // Files, not pipes: nothing can fill up and block the child.
        let outPath = scratch + "/stdout", errPath = scratch + "/stderr", inPath = scratch + "/stdin"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer { try? out.close(); try? err.close() }
        process.standardOutput = out
        process.standardError = err
        if let input {
            _ = FileManager.default.createFile(atPath: inPath, contents: input)
            process.standardInput = FileHandle(forReadingAtPath: inPath)
        } else {
            process.standardInput = FileHandle.nullDevice
        }

        let child = RunningProcess(process)
        try child.start()
        let timedOut = await child.waitForExit(timeout: timeout, orSend: SIGKILL)
        let output = ProcessOutput(
            command: [executable] + arguments, status: child.exitStatus,
            output: readData(outPath), stderr: read(errPath))
        if timedOut { throw FixtureFailure("timed out after \(timeout), killed: \(output)") }
        return output
    }

    /// The first `outputLimit` bytes of a file as UTF-8 (lossy), "" when it is not there.
    static func read(_ path: String, limit: Int = outputLimit) -> String {
        String(decoding: readData(path, limit: limit), as: UTF8.self)
    }

    /// The first `limit` bytes of a file, empty when it is not there.
    static func readData(_ path: String, limit: Int = outputLimit) -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { return Data() }
        defer { try? handle.close() }
        return ((try? handle.read(upToCount: limit)) ?? nil) ?? Data()
    }
}

/// A `Process` that tasks can wait for and signal. All its state sits behind one lock.
final class RunningProcess: @unchecked Sendable {
    private let process: Process
    private let lock = NSLock()
    private var exited = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Takes over `process`, which must not have been started yet.
    init(_ process: Process) {
        self.process = process
        process.terminationHandler = { [self] _ in
            let resumed = lock.withLock {
                exited = true
                defer { waiters = [] }
                return waiters
            }
            for waiter in resumed { waiter.resume() }
        }
    }

    /// Starts the program.
    /// - Throws: what `Process.run()` throws (no such file, not executable).
    func start() throws { try process.run() }

    var processIdentifier: Int32 { process.processIdentifier }

    var isRunning: Bool { lock.withLock { !exited } }

    /// Its exit status, or 128 + signal when a signal ended it. Only after it exited.
    var exitStatus: Int32 {
        process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Sends `signal` if it still runs.
    func signal(_ signal: Int32) {
        if isRunning { _ = kill(process.processIdentifier, signal) }
    }

    /// Returns when it has exited.
    func waitForExit() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = lock.withLock {
                if !exited { waiters.append(continuation) }
                return exited
            }
            if done { continuation.resume() }
        }
    }

    /// Waits up to `timeout` for it to exit; past that (or when the task is cancelled) sends it
    /// `signal` and waits for the exit that follows. Returns whether it had to be signalled.
    func waitForExit(timeout: Duration, orSend signal: Int32) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitForExit(); return false }
            group.addTask {
                try? await Task.sleep(for: timeout)
                // Also reached when cancelled: after a normal exit `signal` does nothing.
                self.signal(signal)
                return true
            }
            let timedOut = await group.next() ?? false
            group.cancelAll()
            return timedOut
        }
    }
}
