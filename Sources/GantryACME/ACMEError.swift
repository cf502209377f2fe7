/// Why an ACME operation failed, in words a user can act on.
public enum ACMEError: Error, Sendable, CustomStringConvertible {
    /// The CA could not be reached at all (connection refused, name unknown, TLS failure,
    /// timeout); `detail` is libcurl's message.
    case unreachable(url: String, detail: String)
    /// The CA answered `action` (`the order for www.example.com`) with a problem document.
    case refused(action: String, problem: ACMEProblem)
    /// The CA could not validate the HTTP-01 challenge of `domain`; `problem` is its reason
    /// (connection refused, DNS, wrong key authorization), nil when it gave none.
    case challengeFailed(domain: String, problem: ACMEProblem?)
    /// The order for `domains` became invalid without a failed challenge to blame.
    case orderInvalid(domains: [String], problem: ACMEProblem?)
    /// `waitingFor` (`the authorization of www.example.com`) did not finish within `limit`.
    case timedOut(waitingFor: String, limit: Duration)
    /// The CA's answer at `url` was not what RFC 8555 says it should be.
    case malformedResponse(url: String, detail: String)
    /// A key or certificate could not be read or made.
    case invalidKey(detail: String)
    /// The calling task was cancelled.
    case cancelled

    /// How long the CA asked to wait before trying again (its `Retry-After`), if it said.
    public var retryAfter: Duration? {
        switch self {
        case .refused(_, let problem): problem.retryAfter
        case .challengeFailed(_, let problem), .orderInvalid(_, let problem): problem?.retryAfter
        default: nil
        }
    }

    /// One line: what failed and why.
    public var description: String {
        switch self {
        case .unreachable(let url, let detail):
            "the ACME server at \(url) is unreachable: \(detail)"
        case .refused(let action, let problem):
            "the ACME server refused \(action): \(problem)"
        case .challengeFailed(let domain, let problem):
            "the ACME server could not validate \(domain) over HTTP-01 (is port 80 of \(domain) served by this host?): "
                + (problem.map(String.init(describing:)) ?? "no reason given")
        case .orderInvalid(let domains, let problem):
            "the ACME order for \(domains.joined(separator: ", ")) became invalid: " + (problem.map(String.init(describing:)) ?? "no reason given")
        case .timedOut(let waitingFor, let limit):
            "gave up waiting for \(waitingFor) after \(limit.components.seconds) s; the ACME server may be overloaded, try again later"
        case .malformedResponse(let url, let detail):
            "the ACME server's answer at \(url) is malformed: \(detail)"
        case .invalidKey(let detail):
            "invalid key: \(detail)"
        case .cancelled:
            "the ACME operation was cancelled"
        }
    }
}
