import Foundation

/// A tool run to completion, on threads of its own (see `blocking`): a test waiting for a
/// subprocess on one of the cooperative pool's two threads holds it that long, and a few
/// hundred such fixtures in a row starve every other test.
public enum Shell {
    public struct Result: Sendable {
        public let status: Int32
        /// What the tool wrote to standard output (and to standard error when `errors` is `.merged`).
        public let data: Data
        /// What the tool wrote to standard error when `errors` is `.separate`.
        public let errorData: Data

        public var output: String { String(decoding: data, as: UTF8.self) }
        public var error: String { String(decoding: errorData, as: UTF8.self) }
        public var bytes: [UInt8] { Array(data) }
    }

    /// Where the tool's standard error goes.
    public enum Errors: Sendable {
        /// Into `output`, interleaved with standard output.
        case merged
        /// Into `error`.
        case separate
        /// To the test process's standard error.
        case inherited
        /// Nowhere.
        case discarded
    }

    /// Runs the tool; the cooperative pool stays free for the server.
    /// - Parameters:
    ///   - input: written to its standard input, which is then closed; nil: /dev/null.
    ///   - timeout: after this long the tool is sent SIGTERM (and its output so far returned).
    public static func run(
        _ tool: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        input: [UInt8]? = nil, errors: Errors = .merged, timeout: Duration? = nil
    ) async throws -> Result {
        try await blocking {
            slots.wait()
            defer { slots.signal() }
            return try runBlocking(tool, arguments, environment: environment, directory: directory, input: input, errors: errors, timeout: timeout)
        }
    }

    /// Tools running at once: the ReceivePack tests alone start a hundred git fixtures together,
    /// more than two cores (and the descriptors of their pipes) are worth.
    private static let slots = DispatchSemaphore(value: 8)

    private static let spawning = NSLock()

    /// Starts `process`, one at a time: Foundation's `Process.run()` on many threads at once
    /// crashed in the copy of the descriptor list it makes for the child.
    public static func start(_ process: Process) throws {
        spawning.lock()
        defer { spawning.unlock() }
        try process.run()
    }

    private static func runBlocking(
        _ tool: String, _ arguments: [String], environment: [String: String]?, directory: String?,
        input: [UInt8]?, errors: Errors, timeout: Duration?
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        process.standardOutput = output
        let errorPipe = Pipe()
        switch errors {
        case .merged: process.standardError = output
        case .separate: process.standardError = errorPipe
        case .inherited: break
        case .discarded: process.standardError = FileHandle.nullDevice
        }
        let stdin = input.map { _ in Pipe() }
        process.standardInput = stdin ?? FileHandle.nullDevice
        try start(process)
        // Standard input and error each on a thread of their own: no pipe fills up while
        // another is waited on.
        let pipes = Unchecked((input: stdin, error: errorPipe, process: process))
        let written = stdin.map { _ in
            onThread {
                let pipe = pipes.value.input!.fileHandleForWriting
                if let input, !input.isEmpty { try? pipe.write(contentsOf: Data(input)) }
                try? pipe.close()
                return Data()
            }
        }
        let errorData = errors == .separate ? onThread { pipes.value.error.fileHandleForReading.readDataToEndOfFile() } : nil
        let exited = DispatchSemaphore(value: 0)
        if let timeout {
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            Thread.detachNewThread {
                if exited.wait(timeout: .now() + seconds) == .timedOut, pipes.value.process.isRunning { pipes.value.process.terminate() }
            }
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        exited.signal()
        _ = written?()
        return Result(status: process.terminationStatus, data: data, errorData: errorData?() ?? Data())
    }

    /// Starts `work` on a new thread; the function returned waits for its result.
    private static func onThread(_ work: @escaping @Sendable () -> Data) -> () -> Data {
        let done = DispatchSemaphore(value: 0)
        let result = Unchecked(Data())
        Thread.detachNewThread {
            result.value = work()
            done.signal()
        }
        return {
            done.wait()
            return result.value
        }
    }

    /// Handed from one thread to the next, and used by one at a time.
    private final class Unchecked<Value>: @unchecked Sendable {
        var value: Value
        init(_ value: Value) { self.value = value }
    }
}
