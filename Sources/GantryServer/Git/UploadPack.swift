import GantryCore
import GantryGit
import NIOCore
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A clone or fetch of an app's repository. libgit2 has no server side, so git's own
/// `git upload-pack --strict` serves it, as git's `http-backend` and `sshd` run it: over SSH
/// one process for the whole conversation, over smart HTTP a stateless RPC (an advertisement
/// for `GET info/refs`, then one process per `POST git-upload-pack`).
///
/// Argument arrays only; the repository path comes from a validated `AppName`. The process
/// ends when the client goes away (a write or read fails), when `limit` passes, and after
/// git's own `--timeout` of inactivity.
struct UploadPack: Sendable {
    /// How git is run.
    enum Mode: Sendable {
        /// Full duplex over one connection (SSH).
        case session
        /// `--stateless-rpc --advertise-refs`: the refs and capabilities (HTTP `GET info/refs`).
        case advertisement
        /// `--stateless-rpc`: one request, one answer (HTTP `POST git-upload-pack`).
        case statelessRPC
    }

    /// The app's bare repository.
    let repository: String
    /// The most time one run may take.
    var limit: Duration = .seconds(3600)

    /// git upload-pack's own limit on inactivity, in seconds.
    static let inactivityTimeout = 600

    /// `git upload-pack`'s arguments for `mode`.
    func arguments(_ mode: Mode) -> [String] {
        let rpc: [String] = switch mode {
        case .session: []
        case .advertisement: ["--stateless-rpc", "--advertise-refs"]
        case .statelessRPC: ["--stateless-rpc"]
        }
        return ["upload-pack"] + rpc + ["--strict", "--timeout=\(Self.inactivityTimeout)", repository]
    }

    /// Runs git with `input`'s bytes as its stdin (none: an empty stdin), its stdout to
    /// `output` and its stderr to `errors`.
    /// - Parameter parameters: the client's validated protocol parameters, as `GIT_PROTOCOL`.
    /// - Returns: git's exit status (1 when a signal ended it).
    /// - Throws: `SubprocessError` when git cannot start, `UploadPackError.timedOut` after
    ///   `limit`, or the error of `input`, `output` or `errors` (the client went away); git
    ///   is then terminated.
    func run<Input: PushInput & Sendable>(
        _ mode: Mode, parameters: GitProtocolParameters?, input: Input?,
        output: @escaping @Sendable (ByteBuffer) async throws -> Void,
        errors: @escaping @Sendable (ByteBuffer) async throws -> Void
    ) async throws -> Int {
        let git = Background.command("/usr/bin/git", arguments(mode))
        let limit = limit
        let result = try await Subprocess.run(
            .path(FilePath(git.executable)), arguments: Arguments(git.arguments),
            environment: .inherit.updating(["GIT_PROTOCOL": parameters?.value]),
            input: .inputWriter, output: .sequence, error: .sequence
        ) { execution in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // The client's bytes to git; ends when the client closes its side (or, cancelled,
                    // once git is done).
                    let writer = execution.standardInputWriter
                    while let input, let bytes = try await input.next() { _ = try await writer.write(bytes) }
                    try await writer.finish()
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    throw UploadPackError.timedOut(limit)
                }
                group.addTask {
                    async let stderr: Void = {
                        for try await chunk in execution.standardError { try await errors(Self.buffer(chunk)) }
                    }()
                    for try await chunk in execution.standardOutput { try await output(Self.buffer(chunk)) }
                    try await stderr
                    throw UploadPackError.finished
                }
                do {
                    while try await group.next() != nil {}
                } catch UploadPackError.finished {
                    group.cancelAll()
                }
            }
        }
        switch result.terminationStatus {
        case .exited(let code): return Int(code)
        case .signaled: return 1
        }
    }

    private static func buffer(_ chunk: SubprocessOutputSequence.Buffer) -> ByteBuffer {
        chunk.withUnsafeBytes { ByteBuffer(bytes: $0) }
    }
}

/// Why a run of `git upload-pack` ended early.
enum UploadPackError: Error, CustomStringConvertible {
    /// It ran past its time limit.
    case timedOut(Duration)
    /// git closed its output: the run is done (internal).
    case finished

    var description: String {
        switch self {
        case .timedOut(let limit): "the fetch took longer than \(limit.components.seconds) s and was stopped"
        case .finished: "done"
        }
    }
}
