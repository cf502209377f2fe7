/// A Swarm service's spec (`ServiceSpec` of the Engine API), with the fields Gantry sets.
///
/// An update replaces the whole spec: a field this model does not carry (mounts, secrets,
/// placement) is dropped by `DockerEngine.updateService`, so services Gantry manages are
/// created and updated through this model only.
public struct ServiceSpec: Codable, Hashable, Sendable {
    /// The service's name, unique in the Swarm (`gantry-APP-web`).
    public var name: String
    /// Labels on the service: `gantry.app`, `gantry.release`, `gantry.process-type`.
    public var labels: [String: String]
    /// What each task runs.
    public var taskTemplate: TaskSpec
    /// How many tasks.
    public var mode: Mode
    /// How an update rolls out.
    public var updateConfig: UpdateConfig?
    /// How a failed update is rolled back.
    public var rollbackConfig: UpdateConfig?

    /// Creates a spec.
    public init(
        name: String, labels: [String: String] = [:], taskTemplate: TaskSpec, mode: Mode = .replicated(1),
        updateConfig: UpdateConfig? = .startFirst, rollbackConfig: UpdateConfig? = .startFirstRollback
    ) {
        self.name = name
        self.labels = labels
        self.taskTemplate = taskTemplate
        self.mode = mode
        self.updateConfig = updateConfig
        self.rollbackConfig = rollbackConfig
    }

    /// The labels Gantry puts on the services it manages.
    public enum Label {
        /// The app's name.
        public static let app = "gantry.app"
        /// The release the service runs (`v12`).
        public static let release = "gantry.release"
        /// The Procfile process type (`web`).
        public static let processType = "gantry.process-type"
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name", labels = "Labels", taskTemplate = "TaskTemplate", mode = "Mode"
        case updateConfig = "UpdateConfig", rollbackConfig = "RollbackConfig"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        taskTemplate = try container.decode(TaskSpec.self, forKey: .taskTemplate)
        mode = try container.decodeIfPresent(Mode.self, forKey: .mode) ?? .replicated(1)
        updateConfig = try container.decodeIfPresent(UpdateConfig.self, forKey: .updateConfig)
        rollbackConfig = try container.decodeIfPresent(UpdateConfig.self, forKey: .rollbackConfig)
    }

    /// Replicated with a count (`Mode.Replicated.Replicas`); global services are not used.
    public struct Mode: Codable, Hashable, Sendable {
        /// The number of tasks; nil for a global service.
        public var replicas: Int?

        /// A replicated service of `replicas` tasks.
        public static func replicated(_ replicas: Int) -> Mode { Mode(replicas: replicas) }

        enum CodingKeys: String, CodingKey { case replicated = "Replicated" }
        enum ReplicatedKeys: String, CodingKey { case replicas = "Replicas" }

        init(replicas: Int?) { self.replicas = replicas }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if container.contains(.replicated) {
                let replicated = try container.nestedContainer(keyedBy: ReplicatedKeys.self, forKey: .replicated)
                replicas = try replicated.decodeIfPresent(Int.self, forKey: .replicas) ?? 1
            } else {
                replicas = nil
            }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            var replicated = container.nestedContainer(keyedBy: ReplicatedKeys.self, forKey: .replicated)
            try replicated.encode(replicas ?? 1, forKey: .replicas)
        }
    }
}

/// `UpdateConfig` / `RollbackConfig`: how Swarm replaces tasks.
public struct UpdateConfig: Codable, Hashable, Sendable {
    /// How many tasks are replaced at a time.
    public var parallelism: Int
    /// Pause between batches.
    public var delay: Duration?
    /// `pause`, `continue` or `rollback` (not valid in a rollback config).
    public var failureAction: String?
    /// How long a new task is watched for failure after it starts.
    public var monitor: Duration?
    /// The share of tasks that may fail during an update (0: none).
    public var maxFailureRatio: Double?
    /// `start-first` (new task healthy before the old one stops) or `stop-first`.
    public var order: String

    /// Creates a config.
    public init(
        parallelism: Int = 1, delay: Duration? = nil, failureAction: String? = nil, monitor: Duration? = nil,
        maxFailureRatio: Double? = nil, order: String = "start-first"
    ) {
        self.parallelism = parallelism
        self.delay = delay
        self.failureAction = failureAction
        self.monitor = monitor
        self.maxFailureRatio = maxFailureRatio
        self.order = order
    }

    /// Gantry's updates: one task at a time, the new one running (and healthy) before the old
    /// stops, watched for 5 s, any failure rolls the service back.
    public static let startFirst = UpdateConfig(
        parallelism: 1, failureAction: "rollback", monitor: .seconds(5), maxFailureRatio: 0, order: "start-first")
    /// Gantry's rollbacks: one task at a time, start-first, so the old release serves throughout.
    public static let startFirstRollback = UpdateConfig(
        parallelism: 1, failureAction: "pause", monitor: .seconds(5), maxFailureRatio: 0, order: "start-first")

    enum CodingKeys: String, CodingKey {
        case parallelism = "Parallelism", delay = "Delay", failureAction = "FailureAction", monitor = "Monitor"
        case maxFailureRatio = "MaxFailureRatio", order = "Order"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        parallelism = try container.decodeIfPresent(Int.self, forKey: .parallelism) ?? 1
        delay = try container.decodeNanoseconds(forKey: .delay)
        failureAction = try container.decodeIfPresent(String.self, forKey: .failureAction)
        monitor = try container.decodeNanoseconds(forKey: .monitor)
        maxFailureRatio = try container.decodeIfPresent(Double.self, forKey: .maxFailureRatio)
        order = try container.decodeIfPresent(String.self, forKey: .order) ?? "stop-first"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(parallelism, forKey: .parallelism)
        try container.encodeNanoseconds(delay, forKey: .delay)
        try container.encodeIfPresent(failureAction, forKey: .failureAction)
        try container.encodeNanoseconds(monitor, forKey: .monitor)
        try container.encodeIfPresent(maxFailureRatio, forKey: .maxFailureRatio)
        try container.encode(order, forKey: .order)
    }
}
