import Foundation

/// A tool run to completion.
public enum Shell {
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
    }

    /// Runs the tool on a thread of its own: the cooperative pool stays free for the server.
    public static func run(_ tool: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result { try runBlocking(tool, arguments, environment: environment, directory: directory) })
            }
        }
    }

    private static func runBlocking(_ tool: String, _ arguments: [String], environment: [String: String]?, directory: String?) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}
