import GantryCore
import GantryRouter
import Prometheus
import Synchronization

/// gantryd's Prometheus metrics, served at `GET /metrics` in the text exposition format:
///
/// - `gantry_router_requests_total{app, release, status}` and
///   `gantry_router_request_duration_seconds{app, release}`, fed by the router (this type is its
///   ``RouterObserver``; an unknown host has `app=""`, a request no backend had a part in
///   `release=""`). During a canary, the canary's and the stable release's series sit side by
///   side: `histogram_quantile(0.99, sum by (release, le) (rate(
///   gantry_router_request_duration_seconds_bucket{app="hello"}[5m])))` is each one's p99;
/// - `gantry_builds_total{outcome}` (built, build_failed, test_failed, timed_out) and
///   `gantry_deploys_total{outcome}` (live, failed), fed by the pipeline's events;
/// - `gantry_running_containers`, set on each scrape.
public struct GantryMetrics: RouterObserver {
    /// The one registry every metric lives in.
    public let registry = PrometheusCollectorRegistry()
    /// The router's series, found once per app, release and status: the registry's own lookup (a
    /// descriptor built, its name composed and hashed with the labels, under its lock) cost
    /// 6.6% of the router's CPU per request in bench/tls's keep-alive case.
    private let routerSeries = RouterSeries()

    /// The buckets of the request-latency histogram: 1 ms to 10 s.
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    // Computed: `MetricNameDescriptor` is not `Sendable`, so it cannot be a stored static.
    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "gantry", subsystem: "router", metricName: "requests", unitName: "total",
            helpText: "Requests the router finished, by app, release and status.")
    }
    static var requestDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "gantry", subsystem: "router", metricName: "request_duration", unitName: "seconds",
            helpText: "Time from request head to response end, by app and release.")
    }
    static var builds: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "gantry", metricName: "builds", unitName: "total", helpText: "Finished builds, by outcome.")
    }
    static var deploys: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "gantry", metricName: "deploys", unitName: "total", helpText: "Finished deploys of releases, by outcome.")
    }
    static var runningContainers: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "gantry", metricName: "running", unitName: "containers", helpText: "App processes that are up.")
    }

    /// Creates the registry with every outcome counter at zero, so each series exists from the start.
    public init() {
        for status in [BuildStatus.built, .buildFailed, .testFailed, .timedOut] {
            _ = registry.makeCounter(descriptor: Self.builds, labels: [("outcome", status.rawValue)])
        }
        for status in [ReleaseStatus.live, .failed] {
            _ = registry.makeCounter(descriptor: Self.deploys, labels: [("outcome", status.rawValue)])
        }
        _ = registry.makeGauge(descriptor: Self.runningContainers)
    }

    /// Counts one finished router request and records its latency.
    public func requestCompleted(_ record: RequestRecord) {
        let app = record.app?.rawValue ?? ""
        let (counter, histogram) = routerSeries.series(app: app, release: record.release, status: record.status) {
            let release = record.release.map(String.init) ?? ""
            return (
                registry.makeCounter(
                    descriptor: Self.requests, labels: [("app", app), ("release", release), ("status", String(record.status))]),
                registry.makeDurationHistogram(
                    descriptor: Self.requestDuration, labels: [("app", app), ("release", release)], buckets: Self.latencyBuckets)
            )
        }
        counter.increment()
        histogram.record(record.duration)
    }

    /// Counts a finished build or deploy (the pipeline's `events` hook).
    public func record(_ event: PipelineEvent) {
        switch event {
        case .buildFinished(_, let status):
            registry.makeCounter(descriptor: Self.builds, labels: [("outcome", status.rawValue)]).increment()
        case .releaseFinished(_, let status):
            registry.makeCounter(descriptor: Self.deploys, labels: [("outcome", status.rawValue)]).increment()
        }
    }

    /// The metrics in the Prometheus text format, with `gantry_running_containers` set first.
    public func render(runningContainers: Int) -> String {
        registry.makeGauge(descriptor: Self.runningContainers).set(Double(runningContainers))
        return registry.emitToString()
    }
}

/// The router's counter and histogram of each app, release and status seen, kept beside the
/// registry. A destroyed app's series stay, as they do in the registry.
private final class RouterSeries: Sendable {
    private struct Key: Hashable {
        var app: String
        var release: Int?
        var status: Int
    }

    private let table = Mutex<[Key: (Counter, DurationHistogram)]>([:])

    func series(app: String, release: Int?, status: Int, make: () -> (Counter, DurationHistogram)) -> (Counter, DurationHistogram) {
        let key = Key(app: app, release: release, status: status)
        if let found = table.withLock({ $0[key] }) { return found }
        let made = make()
        table.withLock { $0[key] = made }
        return made
    }
}
