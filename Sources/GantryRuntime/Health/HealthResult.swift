/// How waiting for a web process to become healthy ended.
public enum HealthResult: Hashable, Sendable {
    /// Every check passed, `after` the wait began, in `attempts` requests in all.
    case healthy(after: Duration, attempts: Int)
    /// A check ran out of attempts or time; `reason` is its last failure in a user's words
    /// (`GET / answered 500`, `connection refused on port 40123 (is the app listening on $PORT?)`).
    case unhealthy(reason: String, attempts: Int)
    /// The process stopped running while it was being checked.
    case crashed
    /// The waiting task was cancelled (gantryd shutting down, the deploy abandoned).
    case cancelled
}
