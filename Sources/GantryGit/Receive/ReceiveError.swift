import GantryCore

/// Why a push could not be received. Every case carries a message for the pusher.
public enum ReceiveError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request is not valid receive-pack protocol.
    case `protocol`(String)
    /// The pack is truncated, corrupt or refers to objects that are missing.
    case unpack(String)
    /// The push is larger than gantryd's `--max-push-bytes`.
    case tooLarge(limit: Int)
    /// The command section (ref updates and push options) is over `limit` bytes.
    case commandsTooLarge(limit: Int)
    /// The pack would inflate beyond one of gantryd's bounds (`PackLimits`).
    case packTooLarge(String)
    /// gantryd could not write to its data directory.
    case storage(String)
    /// The connection ended or failed while reading.
    case input(String)

    public var description: String {
        switch self {
        case .protocol(let reason): "protocol error: \(reason)"
        case .unpack(let reason): reason
        case .tooLarge(let limit): "push is larger than the limit of \(limit) bytes (gantryd --max-push-bytes)"
        case .commandsTooLarge(let limit):
            "the command section (ref updates and push options) is larger than the limit of \(limit) bytes "
                + "(\(ReceivePackRequestParser.commandSectionLimit >> 20) MiB, and never more than gantryd --max-push-bytes); push fewer refs at a time"
        case .packTooLarge(let reason): reason
        case .storage(let reason): "server storage error: \(reason)"
        case .input(let reason): "connection error: \(reason)"
        }
    }
}

extension ReceiveError {
    /// This error in plain words (`NoSpace`) when it is a write that met a full disk: the
    /// quarantine's pack or index (libgit2 says "No space left on device"), its directories.
    /// - Parameter scratch: where the quarantine was, the data directory's `tmp/`.
    func explainingNoSpace(scratch: String) -> ReceiveError {
        guard NoSpace.isMentioned(in: description) else { return self }
        return .storage(NoSpace.message(NoSpace.dataDirectory(of: scratch)))
    }
}
