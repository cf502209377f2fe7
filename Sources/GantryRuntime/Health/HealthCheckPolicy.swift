/// How gantryd decides that a freshly started web process may take traffic: HTTP checks run
/// in order against the process's port, all of which must pass.
///
/// Built from app.json's `healthchecks.web[]` with `init(appJSON:)`; when app.json has no
/// check Gantry can run, the policy is `.default`: `GET /` must answer with any status below
/// 500 within 30 s, tried every 0.2 s (every 20 ms in the first second while nothing listens
/// on the port: `HealthChecker`), each attempt given 2 s.
public struct HealthCheckPolicy: Hashable, Sendable {
    /// One HTTP check: `GET path` until it answers as required or `limit` is reached.
    public struct Check: Hashable, Sendable {
        /// When a check stops trying.
        public enum Limit: Hashable, Sendable {
            /// After this many failed attempts (Dokku's `attempts`).
            case attempts(Int)
            /// When no further attempt can start within this long of the first one; each
            /// attempt's timeout is cut to the time left, so the check ends within the budget.
            case within(Duration)
        }

        /// The name from app.json, used in failure reasons; `nil` for unnamed checks.
        public var name: String?
        /// The request target, starting with `/` (`/health?full=1`).
        public var path: String
        /// When to give up.
        public var limit: Limit
        /// How long one attempt may take, connecting included.
        public var attemptTimeout: Duration
        /// The pause after a failed attempt (Dokku's `wait`).
        public var interval: Duration
        /// The pause before the first attempt (Dokku's `initialDelay`).
        public var initialDelay: Duration
        /// Text the body must contain (Dokku's `content`); `nil` accepts any body.
        public var content: String?
        /// The statuses that count as an answer; redirects are not followed.
        public var acceptedStatuses: Range<Int>

        /// Creates a check; the durations must not be negative and `attemptTimeout` and the
        /// limit must be positive.
        public init(
            name: String? = nil, path: String = "/", limit: Limit, attemptTimeout: Duration, interval: Duration,
            initialDelay: Duration = .zero, content: String? = nil, acceptedStatuses: Range<Int>
        ) {
            precondition(path.hasPrefix("/"), "a health check path starts with /")
            precondition(attemptTimeout > .zero && interval >= .zero && initialDelay >= .zero)
            switch limit {
            case .attempts(let count): precondition(count > 0)
            case .within(let budget): precondition(budget > .zero)
            }
            self.name = name
            self.path = path
            self.limit = limit
            self.attemptTimeout = attemptTimeout
            self.interval = interval
            self.initialDelay = initialDelay
            self.content = content
            self.acceptedStatuses = acceptedStatuses
        }

        /// Gantry's default: `GET /` answering below 500 within 30 s, every 0.2 s, 2 s per attempt.
        public static let gantryDefault = Check(
            path: "/", limit: .within(.seconds(30)), attemptTimeout: .seconds(2), interval: .milliseconds(200),
            acceptedStatuses: 100..<500)
    }

    /// The checks, run one after another; never empty.
    public var checks: [Check]
    /// app.json entries that are not run, each with the reason, for the deploy log.
    public var skipped: [String]

    /// Creates a policy from at least one check.
    public init(checks: [Check], skipped: [String] = []) {
        precondition(!checks.isEmpty, "a health check policy needs a check")
        self.checks = checks
        self.skipped = skipped
    }

    /// The policy when app.json says nothing: `[Check.gantryDefault]`.
    public static let `default` = HealthCheckPolicy(checks: [.gantryDefault])
}
