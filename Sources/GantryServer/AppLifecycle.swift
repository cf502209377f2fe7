import GantryCore
import GantryGit

/// What the HTTP door needs of the part of gantryd that builds and runs apps.
public struct AppLifecycle: Sendable {
    /// What happens around each push of an app (gantryd: the pipeline's hooks), given who pushes.
    public var pushHooks: @Sendable (AppName, Trigger) -> ReceivePackHooks
    /// The app's running processes, for `gantry ps`.
    public var processes: @Sendable (AppName) async -> [AppProcess]
    /// Called once an app is created (the router learns its host).
    public var created: @Sendable (AppName) async -> Void
    /// Called once an app is destroyed: stop its processes, take it out of the router.
    public var destroyed: @Sendable (AppName) async -> Void
    /// Called with all of an app's custom domains once they changed (the router serves them).
    public var domainsChanged: @Sendable (AppName, [DomainName]) async -> Void
    /// Called once an app's certificate was added, replaced or removed (the router presents it).
    public var certificatesChanged: @Sendable (AppName) async -> Void
    /// Called once an app went into maintenance (or changed its page) or out of it (`nil`).
    public var maintenanceChanged: @Sendable (AppName, Maintenance?) async -> Void
    /// The Prometheus metrics in the text exposition format, for `GET /metrics`.
    public var metrics: @Sendable () async -> String
    /// The operations that deploy without a push (gantryd: the pipeline's).
    public var operations: (any AppOperations)?
    /// Deploys a push a webhook announced (gantryd: fetch, then the pipeline, in turn with the
    /// app's pushes) and says what became of it. Called in the background, after the 202.
    public var webhookDeploy: @Sendable (WebhookDeployment) async -> WebhookDeployment.Outcome
    /// `gantry gc`: reclaims — or with `true` (a dry run) lists — the images, blobs, layers,
    /// workspaces, caches and logs nothing refers to (gantryd: the pipeline's
    /// `collectGarbage(dryRun:)`); `nil` on a server that builds nothing.
    public var collectGarbage: (@Sendable (Bool) async throws -> GarbageReport)?

    public init(
        pushHooks: @escaping @Sendable (AppName, Trigger) -> ReceivePackHooks,
        processes: @escaping @Sendable (AppName) async -> [AppProcess] = { _ in [] },
        created: @escaping @Sendable (AppName) async -> Void = { _ in },
        destroyed: @escaping @Sendable (AppName) async -> Void = { _ in },
        domainsChanged: @escaping @Sendable (AppName, [DomainName]) async -> Void = { _, _ in },
        certificatesChanged: @escaping @Sendable (AppName) async -> Void = { _ in },
        maintenanceChanged: @escaping @Sendable (AppName, Maintenance?) async -> Void = { _, _ in },
        metrics: @escaping @Sendable () async -> String = { "" },
        operations: (any AppOperations)? = nil,
        webhookDeploy: @escaping @Sendable (WebhookDeployment) async -> WebhookDeployment.Outcome = { _ in
            .buildFailed(build: nil, reason: "this server does not build")
        },
        collectGarbage: (@Sendable (Bool) async throws -> GarbageReport)? = nil
    ) {
        self.collectGarbage = collectGarbage
        self.pushHooks = pushHooks
        self.processes = processes
        self.created = created
        self.destroyed = destroyed
        self.domainsChanged = domainsChanged
        self.certificatesChanged = certificatesChanged
        self.maintenanceChanged = maintenanceChanged
        self.metrics = metrics
        self.operations = operations
        self.webhookDeploy = webhookDeploy
    }
}

/// Rollback, config changes, scaling and restarts: each deploys through the same
/// health-checked path as a push. Errors are `OperationError` or `StoreError`.
public protocol AppOperations: Sendable {
    func rollback(_ app: AppName, to version: Int?, trigger: Trigger) async throws -> Release
    func changeConfig(_ app: AppName, _ change: ConfigChange, deploy: Bool, trigger: Trigger) async throws -> ConfigChangeResult
    func scale(_ app: AppName, _ formation: [String: Int]) async throws -> [AppProcess]
    func restart(_ app: AppName, type: String?) async throws -> [AppProcess]
    /// The app's process output and deploy events, merged by time: the last lines, then — with
    /// `query.follow` — new ones as they are written, until the consumer stops.
    func logs(_ app: AppName, _ query: LogQuery) async -> AsyncStream<[LogLine]>
    /// `gantry run`: checks that the app has a live release to run a command in.
    func checkRun(_ app: AppName) async throws
    /// Runs a one-off process attached: `input` in, `output` out (called on a thread of its
    /// own, may block); cancelling the calling task ends it.
    func runAttached(
        _ app: AppName, _ request: RunRequest, input: AsyncStream<AttachedInput>, output: @escaping @Sendable (AttachedOutput) -> Void
    ) async throws -> ExitStatus
    /// Starts a one-off process in the background. Returns its name (`run.N`).
    func runDetached(_ app: AppName, _ request: RunRequest) async throws -> String
    /// Gray releases (`CanaryAPI`).
    func startCanary(_ app: AppName, _ request: CanaryRequest, trigger: Trigger) async throws -> CanaryStatus
    func canaryStatus(_ app: AppName) async throws -> CanaryStatus
    func setCanaryWeight(_ app: AppName, _ weight: Int, trigger: Trigger) async throws -> Canary
    func promoteCanary(_ app: AppName, trigger: Trigger) async throws -> Release
    func abortCanary(_ app: AppName, trigger: Trigger) async throws -> Canary
    /// `gantry export --k8s`: the Kubernetes manifests (YAML) of `release`, whose image was
    /// pushed to a registry as `image`; `namespace` for every object, or none.
    func kubernetesManifests(_ release: Release, image: String, namespace: String?) async throws -> String
}

extension AppOperations {
    /// Operations that run no one-off processes (tests' fakes).
    public func checkRun(_ app: AppName) async throws { throw OperationError(.conflict, "this server does not run one-off processes") }
    public func runAttached(
        _ app: AppName, _ request: RunRequest, input: AsyncStream<AttachedInput>, output: @escaping @Sendable (AttachedOutput) -> Void
    ) async throws -> ExitStatus {
        throw OperationError(.conflict, "this server does not run one-off processes")
    }
    public func runDetached(_ app: AppName, _ request: RunRequest) async throws -> String {
        throw OperationError(.conflict, "this server does not run one-off processes")
    }
    public func startCanary(_ app: AppName, _ request: CanaryRequest, trigger: Trigger) async throws -> CanaryStatus { throw Self.noCanaries }
    public func canaryStatus(_ app: AppName) async throws -> CanaryStatus { CanaryStatus(canary: nil) }
    public func setCanaryWeight(_ app: AppName, _ weight: Int, trigger: Trigger) async throws -> Canary { throw Self.noCanaries }
    public func promoteCanary(_ app: AppName, trigger: Trigger) async throws -> Release { throw Self.noCanaries }
    public func abortCanary(_ app: AppName, trigger: Trigger) async throws -> Canary { throw Self.noCanaries }
    public func kubernetesManifests(_ release: Release, image: String, namespace: String?) async throws -> String {
        throw OperationError(.conflict, "this server does not export releases")
    }
    private static var noCanaries: OperationError { OperationError(.conflict, "this server does not run canaries") }
}
