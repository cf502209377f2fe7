/// Why a push could not be received. Every case carries a message for the pusher.
public enum ReceiveError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request is not valid receive-pack protocol.
    case `protocol`(String)
    /// The pack is truncated, corrupt or refers to objects that are missing.
    case unpack(String)
    /// The push is larger than gantryd's `--max-push-bytes`.
    case tooLarge(limit: Int)
    /// gantryd could not write to its data directory.
    case storage(String)
    /// The connection ended or failed while reading.
    case input(String)

    public var description: String {
        switch self {
        case .protocol(let reason): "protocol error: \(reason)"
        case .unpack(let reason): reason
        case .tooLarge(let limit): "push is larger than the limit of \(limit) bytes (gantryd --max-push-bytes)"
        case .storage(let reason): "server storage error: \(reason)"
        case .input(let reason): "connection error: \(reason)"
        }
    }
}
