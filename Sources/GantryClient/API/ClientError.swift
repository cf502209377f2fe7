/// Why a `GantryAPIClient` call failed, phrased for the person at the terminal.
public enum ClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No answer from gantryd: connection refused, unknown host, timeout, broken transfer.
    case unreachable(server: String, detail: String)
    /// 401: no token, or one gantryd does not know.
    case notAuthenticated(server: String, message: String)
    /// Any other 4xx: the request was wrong; `message` is the server's `{"error": …}` text.
    case rejected(status: Int, message: String)
    /// 5xx: gantryd failed.
    case serverError(status: Int, message: String)
    /// An answer that is not what the API promises (undecodable JSON, unexpected status).
    case badResponse(detail: String)

    /// The `gantry` exit status for this failure: 1 for the user's mistakes (4xx, 401 included),
    /// 2 when the server is unreachable, failing or answering nonsense.
    public var exitCode: Int32 {
        switch self {
        case .notAuthenticated, .rejected: 1
        case .unreachable, .serverError, .badResponse: 2
        }
    }

    /// One line saying what happened and what to do about it.
    public var description: String {
        switch self {
        case .unreachable(let server, let detail):
            "cannot reach gantryd at \(server): \(detail); is it running? (`make run`)"
        case .notAuthenticated(let server, let message):
            "not authenticated with gantryd at \(server) (\(message)); run `gantry login`"
        case .rejected(_, let message):
            message
        case .serverError(let status, let message):
            "gantryd failed (HTTP \(status)): \(message); see gantryd's log"
        case .badResponse(let detail):
            "unexpected answer from gantryd: \(detail)"
        }
    }
}
