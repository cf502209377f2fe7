import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

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

    /// Runs the tool with swift-subprocess, as gantryd runs its tools: nothing blocks the
    /// cooperative pool. Not Foundation's `Process`: its `run()` reads `/proc/self/fd` past the
    /// end of a directory entry and crashed the test process twice (a bad pointer in
    /// `findMaximumOpenFromProcSelfFD`) once many fixtures ran at a time.
    /// - Parameters:
    ///   - input: written to its standard input, which is then closed; nil: an empty input.
    ///   - timeout: after this long the tool is sent SIGTERM (and its output so far returned).
    public static func run(
        _ tool: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        input: [UInt8]? = nil, errors: Errors = .merged, timeout: Duration? = nil
    ) async throws -> Result {
        await slots.acquire()
        defer { Task { await slots.release() } }
        let variables: Environment = environment.map { variables in
            .custom(Dictionary(uniqueKeysWithValues: variables.compactMap { key, value in Environment.Key(rawValue: key).map { ($0, value) } }))
        } ?? .inherit
        let workingDirectory = directory.map { FilePath($0) }
        if errors == .merged {
            let result = try await Subprocess.run(
                .path(FilePath(tool)), arguments: Arguments(arguments), environment: variables, workingDirectory: workingDirectory,
                input: .array(input ?? []), output: .sequence, error: .combinedWithOutput
            ) { execution in
                try await withTimeout(timeout, of: execution) { try await collect(execution.standardOutput) }
            }
            return Result(status: code(result.terminationStatus), data: Data(result.closureResult), errorData: Data())
        }
        let result = try await Subprocess.run(
            .path(FilePath(tool)), arguments: Arguments(arguments), environment: variables, workingDirectory: workingDirectory,
            input: .array(input ?? []), output: .sequence, error: .sequence
        ) { execution in
            try await withTimeout(timeout, of: execution) {
                async let standardError = collect(execution.standardError)
                let standardOutput = try await collect(execution.standardOutput)
                return (standardOutput, try await standardError)
            }
        }
        let (output, error) = result.closureResult
        switch errors {
        case .inherited: FileHandle.standardError.write(Data(error))
        case .merged, .separate, .discarded: break
        }
        return Result(status: code(result.terminationStatus), data: Data(output), errorData: errors == .separate ? Data(error) : Data())
    }

    /// At most this many tools at once: the ReceivePack tests alone start a hundred git
    /// fixtures together, more than two cores (and the descriptors of their pipes) are worth.
    private static let slots = Slots(8)

    /// The exit status as a shell reports it: the code, or 128 + the signal's number.
    private static func code(_ status: TerminationStatus) -> Int32 {
        switch status {
        case .exited(let code): Int32(code)
        case .signaled(let signal): 128 + Int32(signal)
        }
    }

    private static func collect(_ sequence: SubprocessOutputSequence) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in sequence { chunk.withUnsafeBytes { bytes.append(contentsOf: $0) } }
        return bytes
    }

    /// Runs `body`; after `timeout`, sends the tool SIGTERM and lets `body` finish with what it read.
    private static func withTimeout<T: Sendable, I, O, E>(
        _ timeout: Duration?, of execution: Execution<I, O, E>, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard let timeout else { return try await body() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled { try? execution.send(signal: Signal.terminate) }
                return nil
            }
            group.addTask { try await body() }
            while let next = try await group.next() {
                if let value = next {
                    group.cancelAll()
                    return value
                }
            }
            throw CancellationError()
        }
    }

    /// A counting semaphore for tasks.
    private actor Slots {
        private var free: Int
        private var waiting: [CheckedContinuation<Void, Never>] = []
        init(_ count: Int) { free = count }

        func acquire() async {
            if free > 0 { return free -= 1 }
            await withCheckedContinuation { waiting.append($0) }
        }

        func release() {
            if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
        }
    }

    private static let spawning = NSLock()

    /// Starts a Foundation `process` (a test that needs its handle), one at a time.
    public static func start(_ process: Process) throws {
        spawning.lock()
        defer { spawning.unlock() }
        try process.run()
    }
}
