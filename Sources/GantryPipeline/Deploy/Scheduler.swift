import GantryCore

/// Where a release's formation runs, as the pipeline sees it — Dokku's word for the same seam
/// (its `docker-local`, `k3s` and `nomad` schedulers). `Deployer` runs each process as a
/// container of an OCI runtime on this host (runc), health-checks it and switches the router;
/// a cluster engine runs them elsewhere and the router follows its tasks.
///
/// The seam is the formation, not the container: a cluster engine schedules a process type
/// with a replica count and replaces it by a rolling update of its own, which a container at a
/// time cannot express. What runs to completion on the gantryd host — builds, tests, the
/// release command, `gantry run` — stays with `Deployer` whatever the scheduler.
public protocol Scheduler: Sendable {
    /// Where web processes are routed (the canary analysis reads its counts).
    var router: any TrafficRouter { get }

    /// Starts `plan`'s web processes unrouted while its tests run, where the scheduler can;
    /// `deploy` takes them over. A scheduler that cannot returns a boot with none.
    func boot(_ plan: Deployer.Plan, testsEnded: Latch) async -> Deployer.Boot
    /// Stops what `boot` started (its release is not deployed).
    func discard(_ boot: Deployer.Boot?) async

    /// Makes `plan` the app's running release with zero downtime: its processes are up and
    /// healthy before the router sends them a request, then the old ones retire.
    /// - Throws: `DeployError`; the old release serves as before.
    func deploy(_ plan: Deployer.Plan, booted: Deployer.Boot?, log: @escaping @Sendable (String) -> Void) async throws(DeployError)
    /// Scales the live release: new processes are healthy before they serve.
    func scale(_ app: AppName, to formation: [String: Int], log: @escaping @Sendable (String) -> Void) async throws(DeployError) -> [AppProcess]
    /// Restarts the live release's processes (of one type, or all).
    func restart(_ app: AppName, type: String?, log: @escaping @Sendable (String) -> Void) async throws(DeployError) -> [AppProcess]
    /// The app's processes, for `gantry ps`.
    func processes(of app: AppName) async -> [AppProcess]
    /// How many processes of all apps are up, for metrics.
    func runningCount() async -> Int
    /// Makes the router know `app` before its first release (503, not 404).
    func register(_ app: AppName) async
    /// Stops every process of `app` (destroyed).
    func remove(_ app: AppName) async

    /// After gantryd starts: runs `plans` (the live releases), adopting what still runs, and
    /// removes what no plan covers but `keeping`. - Returns: one line per action.
    func restore(_ plans: [Deployer.Plan], keeping: Deployer.Keep) async -> [String]
    /// Watches the processes until cancelled, restarting those that exit.
    func supervise() async

    /// Starts `plan`'s web processes beside the live release and sends them `weight`%.
    func startCanary(_ plan: Deployer.Plan, booted: Deployer.Boot?, weight: Int, log: @escaping @Sendable (String) -> Void) async throws(DeployError)
    /// Sets the running canary's weight; `false` when the app runs none.
    func setCanaryWeight(_ app: AppName, _ weight: Int) async -> Bool
    /// Makes the running canary the app's release.
    func promoteCanary(_ app: AppName, log: @escaping @Sendable (String) -> Void) async throws(DeployError)
    /// Removes the running canary; the live release serves everything. - Returns: its release.
    @discardableResult func abortCanary(_ app: AppName) async -> Int?
    /// The release the app's processes run.
    func liveRelease(of app: AppName) async -> Int?
    /// Canary processes that exited: their canary must be aborted.
    var canaryFailures: AsyncStream<CanaryFailure> { get }

    /// Appends a timestamped line to the app's event log.
    func event(_ app: AppName, _ text: String) async
    /// The app's logs.
    func logs(of app: AppName) async -> AppLogs
}

extension Scheduler {
    /// Deploys `plan` with nothing booted early.
    public func deploy(_ plan: Deployer.Plan, log: @escaping @Sendable (String) -> Void) async throws(DeployError) {
        try await deploy(plan, booted: nil, log: log)
    }
}

extension Deployer: Scheduler {}
