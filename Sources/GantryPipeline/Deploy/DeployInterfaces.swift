import GantryCore

/// A web process the router may send requests to.
public struct WebBackend: Hashable, Sendable {
    /// The container's id; also the router's name for the backend.
    public var id: String
    public var port: Int

    public init(id: String, port: Int) {
        self.id = id
        self.port = port
    }
}

/// What the deployer needs of the router: swap an app's backends at once, and wait for a
/// backend that left the table to finish its in-flight requests.
public protocol TrafficRouter: Sendable {
    /// Replaces the app's backends atomically; an empty list means "no running release".
    func route(_ app: AppName, to backends: [WebBackend]) async
    /// Waits until `backendID` has no request in flight, or `timeout` passed.
    /// - Returns: how many requests were in flight when draining began.
    func drain(_ backendID: String, timeout: Duration) async -> Int
}

/// The outcome of waiting for a web process to answer.
public enum HealthOutcome: Hashable, Sendable {
    case healthy(after: Duration)
    case unhealthy(String)
    /// The process exited while being checked.
    case crashed
}

/// What the deployer needs of health checks: wait until the process on `port` answers as the
/// app's health checks (app.json) require.
public protocol HealthProbe: Sendable {
    func waitUntilHealthy(port: Int, checks: [HealthCheckRule], isRunning: @escaping @Sendable () async -> Bool) async -> HealthOutcome
}

/// One startup check, from app.json `healthchecks.web[]` (Dokku's format).
public struct HealthCheckRule: Hashable, Sendable {
    public var path: String
    public var attempts: Int?
    public var timeout: Int?
    public var wait: Int?
    public var initialDelay: Int?
    public var content: String?

    public init(path: String = "/", attempts: Int? = nil, timeout: Int? = nil, wait: Int? = nil, initialDelay: Int? = nil, content: String? = nil) {
        self.path = path
        self.attempts = attempts
        self.timeout = timeout
        self.wait = wait
        self.initialDelay = initialDelay
        self.content = content
    }
}

/// Why a release could not go live. The old release keeps serving in every case.
public enum DeployError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A web process did not pass its health checks; `logTail` is its last lines.
    case unhealthy(process: String, reason: String, logTail: [String])
    /// A process exited during start-up.
    case crashed(process: String, logTail: [String])
    case noFreePort
    case runtime(RuntimeError)

    public var description: String {
        switch self {
        case .unhealthy(let process, let reason, _): "\(process) failed its health check: \(reason)"
        case .crashed(let process, _): "\(process) crashed during start-up"
        case .noFreePort: "no free port on 127.0.0.1 for a web process"
        case .runtime(let error): error.description
        }
    }

    /// The process's last log lines, to show the pusher.
    public var logTail: [String] {
        switch self {
        case .unhealthy(_, _, let tail), .crashed(_, let tail): tail
        default: []
        }
    }

    /// The short reason git shows after `(…)`.
    public var rejection: String {
        switch self {
        case .unhealthy: "health check failed"
        case .crashed: "crashed at boot"
        default: "deploy failed"
        }
    }
}
