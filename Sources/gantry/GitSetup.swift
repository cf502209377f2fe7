import Foundation
import GantryClient

/// Configures the user's git to fetch credentials for a Gantry server from `gantry git-credential`.
enum GitSetup {
    /// Runs `git config --global --replace-all credential.SERVER.helper 'GANTRY git-credential'`.
    /// - Throws: `CLIError` when git is missing or the command fails, with the command to run by hand.
    static func useCredentialHelper(for server: String) async throws(CLIError) {
        let key = "credential.\(server).helper"
        let value = GitCredential.helperConfigValue(executable: currentExecutable())
        let arguments = ["config", "--global", "--replace-all", key, value]
        let manual = "git config --global \(key) \"\(value)\""
        guard let git = findOnPath("git") else {
            throw CLIError("token saved, but git is not on PATH; install git, then run: \(manual)")
        }
        let (status, errorOutput) = await run(git, arguments)
        guard status == 0 else {
            let detail = errorOutput.isEmpty ? "exit status \(status)" : errorOutput
            throw CLIError("token saved, but `git config` failed (\(detail)); run: \(manual)")
        }
    }

    /// The absolute path of the running `gantry` executable.
    static func currentExecutable() -> String {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        #endif
        if let path = Bundle.main.executableURL?.standardizedFileURL.path, path.hasPrefix("/") { return path }
        let argument = CommandLine.arguments[0]
        if argument.contains("/") {
            return URL(fileURLWithPath: argument, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
                .standardizedFileURL.path
        }
        return findOnPath(argument) ?? argument
    }

    private static func findOnPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `executable` with `arguments` (no shell); returns its exit status and the first line of stderr.
    private static func run(_ executable: String, _ arguments: [String]) async -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = await withCheckedContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(returning: -1)
            }
        }
        let output = (try? errorPipe.fileHandleForReading.readToEnd()).flatMap { $0 } ?? Data()
        let firstLine = String(decoding: output.prefix(4096), as: UTF8.self)
            .split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return (status, firstLine)
    }
}
