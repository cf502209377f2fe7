/// Why `HTTPClient.perform(_:)` got no response. An answer with any status is not an error.
public enum HTTPClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The request cannot be sent as given: a malformed URL, an unsupported scheme.
    case invalidRequest(url: String, detail: String)
    /// No connection: refused, host unknown, or the connect timeout passed.
    case cannotConnect(url: String, detail: String)
    /// Connected, but the exchange did not finish within the timeout.
    case timedOut(url: String, detail: String)
    /// The body grew past `Configuration.maximumResponseSize`.
    case responseTooLarge(url: String, limit: Int)
    /// The task was cancelled before the exchange finished.
    case cancelled(url: String)
    /// Any other transfer failure; `code` is libcurl's `CURLcode`.
    case transferFailed(url: String, code: Int, detail: String)

    /// The URL of the failed request.
    public var url: String {
        switch self {
        case .invalidRequest(let url, _), .cannotConnect(let url, _), .timedOut(let url, _),
             .responseTooLarge(let url, _), .cancelled(let url), .transferFailed(let url, _, _):
            url
        }
    }

    /// What went wrong, without the URL: libcurl's own words where it gave any.
    public var detail: String {
        switch self {
        case .invalidRequest(_, let detail), .cannotConnect(_, let detail), .timedOut(_, let detail),
             .transferFailed(_, _, let detail):
            detail
        case .responseTooLarge(_, let limit): "response larger than \(limit) bytes"
        case .cancelled: "cancelled"
        }
    }

    /// `URL: detail`.
    public var description: String { "\(url): \(detail)" }
}
