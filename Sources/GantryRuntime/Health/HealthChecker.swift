import GantryCore
import GantryHTTP

/// Waits for a freshly started web process to pass its `HealthCheckPolicy`, polling it over
/// HTTP with libcurl (`GantryHTTP`, whose transfers run on their own threads, never on Swift's
/// cooperative pool).
///
/// Time is read from `clock` and every pause sleeps on it, so tests can run a 30 s policy in
/// milliseconds with a clock that does not wait.
public struct HealthChecker<C: Clock>: Sendable where C.Duration == Duration {
    /// The HTTP client; by default 1 MiB bodies at most and a `gantry-health-check` user agent.
    public var client: HTTPClient
    /// The clock pauses sleep on and `healthy(after:)` is measured with.
    public var clock: C
    /// How often a long pause (an `initialDelay`, a Dokku-style `wait`) asks whether the
    /// process still runs, so a crash ends the wait early. Default 0.2 s.
    public var crashPollInterval: Duration

    /// The client used unless another is given: bodies up to 1 MiB (plenty for a `content`
    /// check), user agent `gantry-health-check/VERSION`, never through a proxy (the container's
    /// address is only reachable from this host).
    public static var defaultClient: HTTPClient {
        HTTPClient(configuration: .init(
            connectTimeout: .seconds(2), maximumResponseSize: 1 << 20, userAgent: "gantry-health-check/\(Gantry.version)", usesProxy: false))
    }

    /// Creates a checker reading time from `clock`.
    public init(client: HTTPClient = Self.defaultClient, clock: C, crashPollInterval: Duration = .milliseconds(200)) {
        precondition(crashPollInterval > .zero)
        self.client = client
        self.clock = clock
        self.crashPollInterval = crashPollInterval
    }

    /// Polls `http://host:port` until every check of `policy` passes, one fails for good, or
    /// `isRunning` reports that the process has stopped.
    ///
    /// `isRunning` is asked before every attempt, during long pauses and before giving up, so a
    /// process that crashed reads as `.crashed`, not as a failed check. Cancelling the calling
    /// task ends the wait (an attempt in flight within about a second) with `.cancelled`.
    public func waitUntilHealthy(
        host: String = "127.0.0.1", port: Int, policy: HealthCheckPolicy, isRunning: @Sendable () async -> Bool
    ) async -> HealthResult {
        let start = clock.now
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var attempts = 0
        for check in policy.checks {
            switch await run(check, url: "http://\(authority)\(check.path)", port: port, isRunning: isRunning) {
            case .passed(let count):
                attempts += count
            case .failed(let reason, let count):
                return .unhealthy(reason: check.name.map { "\($0): \(reason)" } ?? reason, attempts: attempts + count)
            case .crashed:
                return .crashed
            case .cancelled:
                return .cancelled
            }
        }
        return .healthy(after: start.duration(to: clock.now), attempts: attempts)
    }

    private enum CheckOutcome {
        case passed(attempts: Int)
        case failed(reason: String, attempts: Int)
        case crashed
        case cancelled
    }

    /// Runs one check to its end: the initial delay, then attempts and pauses until it passes
    /// or its limit is reached.
    private func run(
        _ check: HealthCheckPolicy.Check, url: String, port: Int, isRunning: @Sendable () async -> Bool
    ) async -> CheckOutcome {
        if let stop = await pause(check.initialDelay, isRunning: isRunning) { return stop.outcome }
        let start = clock.now
        var attempts = 0
        var lastFailure = "no attempt was made"
        while true {
            guard await isRunning() else { return .crashed }
            var timeout = check.attemptTimeout
            if case .within(let budget) = check.limit {
                let left = budget - start.duration(to: clock.now)
                guard left > .zero else { return .failed(reason: lastFailure, attempts: attempts) }
                timeout = min(timeout, left)
            }
            attempts += 1
            var interval = check.interval
            switch await attempt(check, url: url, port: port, timeout: timeout) {
            case .passed:
                return .passed(attempts: attempts)
            case .cancelled:
                return .cancelled
            case .failed(let reason):
                lastFailure = reason
            case .refused(let reason):
                lastFailure = reason
                interval = refusedInterval(check, since: start)
            }
            let exhausted = switch check.limit {
            case .attempts(let count): attempts >= count
            case .within(let budget): start.duration(to: clock.now) + interval >= budget
            }
            if exhausted { return await isRunning() ? .failed(reason: lastFailure, attempts: attempts) : .crashed }
            if let stop = await pause(interval, isRunning: isRunning) { return stop.outcome }
        }
    }

    /// The pause after an attempt found nothing listening yet. A check limited by time (Gantry's
    /// default) asks again every `bootPollInterval` in its first `bootPollPeriod`: most web
    /// processes start listening within it, and a refused connection costs next to nothing, so
    /// the process is routed when it is ready rather than up to a whole interval later. A check
    /// limited by attempts (Dokku's `attempts` and `wait`) keeps its own pace.
    private func refusedInterval(_ check: HealthCheckPolicy.Check, since start: C.Instant) -> Duration {
        guard case .within = check.limit, start.duration(to: clock.now) < Self.bootPollPeriod else { return check.interval }
        return min(check.interval, Self.bootPollInterval)
    }

    /// How often a port with nothing listening is asked again while the process boots.
    static var bootPollInterval: Duration { .milliseconds(20) }
    /// How long after the first attempt a refused port is asked that often.
    static var bootPollPeriod: Duration { .seconds(1) }

    private enum Interruption {
        case crashed, cancelled

        var outcome: CheckOutcome { self == .crashed ? .crashed : .cancelled }
    }

    /// Sleeps `duration` on the clock in steps of `crashPollInterval`, asking `isRunning`
    /// between steps; `nil` when the whole pause passed.
    private func pause(_ duration: Duration, isRunning: @Sendable () async -> Bool) async -> Interruption? {
        var left = duration
        while left > .zero {
            let step = min(left, crashPollInterval)
            do { try await clock.sleep(for: step) } catch { return .cancelled }
            left -= step
            if left > .zero, !(await isRunning()) { return .crashed }
        }
        return Task.isCancelled ? .cancelled : nil
    }
}

extension HealthChecker where C == ContinuousClock {
    /// Creates a checker on the continuous clock.
    public init(client: HTTPClient = Self.defaultClient, crashPollInterval: Duration = .milliseconds(200)) {
        self.init(client: client, clock: ContinuousClock(), crashPollInterval: crashPollInterval)
    }
}
