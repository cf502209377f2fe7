import GantryCore
import GantryRuntime

/// A web process the router may send requests to.
public struct WebBackend: Hashable, Sendable {
    /// The container's id; also the router's name for the backend.
    public var id: String
    public var endpoint: Endpoint
    /// The release the process runs, which the router counts its requests under.
    public var release: Int?

    public init(id: String, endpoint: Endpoint, release: Int? = nil) {
        self.id = id
        self.endpoint = endpoint
        self.release = release
    }
}

/// A canary's share of an app's traffic, as the router splits it: `weight`% of the requests
/// without a side (cookie, `X-Gantry-Canary`) go to `backends`, of release `release`; the
/// others to the app's routed backends, of release `stable`.
public struct CanaryRoute: Hashable, Sendable {
    public var release: Int
    public var stable: Int
    public var weight: Int
    public var backends: [WebBackend]

    public init(release: Int, stable: Int, weight: Int, backends: [WebBackend]) {
        self.release = release
        self.stable = stable
        self.weight = weight
        self.backends = backends
    }
}

/// How the router treats a release's plain HTTP and HTTPS requests (config vars
/// `GANTRY_FORCE_HTTPS`, `GANTRY_HSTS`).
public struct HTTPSPolicy: Hashable, Sendable {
    /// Requests over plain HTTP are redirected (308) to HTTPS.
    public var forceHTTPS: Bool
    /// Responses over HTTPS carry `Strict-Transport-Security: max-age=` this.
    public var hstsSeconds: Int?

    public init(forceHTTPS: Bool = false, hstsSeconds: Int? = nil) {
        self.forceHTTPS = forceHTTPS
        self.hstsSeconds = hstsSeconds
    }
}

/// What the deployer needs of the router: swap an app's backends at once, and wait for a
/// backend that left the table to finish its in-flight requests.
public protocol TrafficRouter: Sendable {
    /// Replaces the app's backends atomically; an empty list means "no running release".
    func route(_ app: AppName, to backends: [WebBackend]) async
    /// Sets how the app's requests over HTTP and HTTPS are treated (the live release's config).
    func apply(_ policy: HTTPSPolicy, to app: AppName) async
    /// Forgets the app (destroyed): its host answers "no such app" again.
    func remove(_ app: AppName) async
    /// Waits until `backendID` has no request in flight, or `timeout` passed.
    /// - Returns: how many requests were in flight when draining began.
    func drain(_ backendID: String, timeout: Duration) async -> Int
    /// Sends a share of the app's traffic to a canary's backends, or (`nil`) none: the canary's
    /// backends leave the table then and can be drained like any other.
    func routeCanary(_ app: AppName, _ canary: CanaryRoute?) async
    /// The requests each release of `app` answered since gantryd started, by release version.
    func traffic(of app: AppName) async -> [Int: ReleaseTraffic]
}

/// What the deployer needs of health checks (`HealthChecker` in production): wait until the
/// process on `port` passes the app's checks.
public protocol HealthProbe: Sendable {
    func waitUntilHealthy(host: String, port: Int, policy: HealthCheckPolicy, isRunning: @Sendable () async -> Bool) async -> HealthResult
}

extension HealthChecker: HealthProbe {}

/// Why a release could not go live. The old release keeps serving in every case.
public enum DeployError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A web process did not pass its health checks; `logTail` is its last lines.
    case unhealthy(process: String, reason: String, logTail: [String])
    /// A process exited during start-up.
    case crashed(process: String, logTail: [String])
    /// Scaling or restarting an app that runs no release.
    case noLiveRelease(AppName)
    case runtime(RuntimeError)
    /// The deploy was abandoned (gantryd is stopping, or the push went away).
    case cancelled
    /// The release command (Procfile `release:`) did not succeed: `outcome` says how it ended,
    /// `lastLines` are the last of its kept output (for callers its output did not stream to).
    case releaseCommandFailed(outcome: String, lastLines: [String])

    public var description: String {
        switch self {
        case .unhealthy(let process, let reason, _): "\(process) failed its health check: \(reason)"
        case .crashed(let process, _): "\(process) crashed during start-up"
        case .noLiveRelease(let app): "\(app) has no live release; deploy it with `git push` first"
        case .runtime(let error): error.description
        case .cancelled: "the deploy was cancelled"
        case .releaseCommandFailed(let outcome, _): "the release command failed (\(outcome))"
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
        case .releaseCommandFailed: "release command failed"
        case .runtime(let error) where NoSpace.isMentioned(in: error.reason): NoSpace.words
        default: "deploy failed"
        }
    }
}

/// The clock a crashed process's restart falls due by: the system's continuous clock in gantryd
/// (`SystemClock`); tests move one by hand, so that a backoff is proven to the millisecond.
public protocol SupervisionClock: Sendable {
    var now: ContinuousClock.Instant { get }
    /// Returns at `deadline`; throws `CancellationError` when the calling task is cancelled.
    func sleep(until deadline: ContinuousClock.Instant) async throws
}

/// The continuous clock: time goes on while the machine is suspended, as it does for a restart.
public struct SystemClock: SupervisionClock {
    public init() {}
    public var now: ContinuousClock.Instant { .now }
    public func sleep(until deadline: ContinuousClock.Instant) async throws { try await Task.sleep(until: deadline, clock: .continuous) }
}
