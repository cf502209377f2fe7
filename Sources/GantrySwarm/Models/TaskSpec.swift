/// `TaskTemplate`: what each task of a service runs, and with what limits.
public struct TaskSpec: Codable, Hashable, Sendable {
    /// The container.
    public var containerSpec: ContainerSpec
    /// CPU and memory limits.
    public var resources: Resources?
    /// When Swarm restarts a task's container.
    public var restartPolicy: RestartPolicy?
    /// Networks the tasks join, by name or ID (`Target`).
    public var networks: [NetworkAttachmentConfig]
    /// Bumping it forces new tasks without any other change.
    public var forceUpdate: Int

    /// Creates a task spec.
    public init(
        containerSpec: ContainerSpec, resources: Resources? = nil, restartPolicy: RestartPolicy? = .onFailure,
        networks: [NetworkAttachmentConfig] = [], forceUpdate: Int = 0
    ) {
        self.containerSpec = containerSpec
        self.resources = resources
        self.restartPolicy = restartPolicy
        self.networks = networks
        self.forceUpdate = forceUpdate
    }

    enum CodingKeys: String, CodingKey {
        case containerSpec = "ContainerSpec", resources = "Resources", restartPolicy = "RestartPolicy"
        case networks = "Networks", forceUpdate = "ForceUpdate"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        containerSpec = try container.decode(ContainerSpec.self, forKey: .containerSpec)
        resources = try container.decodeIfPresent(Resources.self, forKey: .resources)
        restartPolicy = try container.decodeIfPresent(RestartPolicy.self, forKey: .restartPolicy)
        networks = try container.decodeIfPresent([NetworkAttachmentConfig].self, forKey: .networks) ?? []
        forceUpdate = try container.decodeIfPresent(Int.self, forKey: .forceUpdate) ?? 0
    }

    /// A network to join (`{"Target": "gantry", "Aliases": [...]}`).
    public struct NetworkAttachmentConfig: Codable, Hashable, Sendable {
        /// The network's name or ID.
        public var target: String
        /// Extra DNS names of the task on it.
        public var aliases: [String]?

        /// Creates an attachment.
        public init(target: String, aliases: [String]? = nil) {
            self.target = target
            self.aliases = aliases
        }

        enum CodingKeys: String, CodingKey { case target = "Target", aliases = "Aliases" }
    }

    /// `Resources`: only limits (`Limits.NanoCPUs`, `Limits.MemoryBytes`).
    public struct Resources: Codable, Hashable, Sendable {
        /// CPU limit in billionths of a CPU (1.5 CPUs = 1_500_000_000).
        public var nanoCPUs: Int64?
        /// Memory limit in bytes.
        public var memoryBytes: Int64?

        /// Creates limits.
        public init(nanoCPUs: Int64? = nil, memoryBytes: Int64? = nil) {
            self.nanoCPUs = nanoCPUs
            self.memoryBytes = memoryBytes
        }

        enum CodingKeys: String, CodingKey { case limits = "Limits" }
        enum LimitKeys: String, CodingKey { case nanoCPUs = "NanoCPUs", memoryBytes = "MemoryBytes" }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard container.contains(.limits) else { return }
            let limits = try container.nestedContainer(keyedBy: LimitKeys.self, forKey: .limits)
            nanoCPUs = try limits.decodeIfPresent(Int64.self, forKey: .nanoCPUs).flatMap { $0 == 0 ? nil : $0 }
            memoryBytes = try limits.decodeIfPresent(Int64.self, forKey: .memoryBytes).flatMap { $0 == 0 ? nil : $0 }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            var limits = container.nestedContainer(keyedBy: LimitKeys.self, forKey: .limits)
            try limits.encodeIfPresent(nanoCPUs, forKey: .nanoCPUs)
            try limits.encodeIfPresent(memoryBytes, forKey: .memoryBytes)
        }
    }

    /// `RestartPolicy`.
    public struct RestartPolicy: Codable, Hashable, Sendable {
        /// `none`, `on-failure` or `any`.
        public var condition: String
        /// Wait between restarts.
        public var delay: Duration?
        /// Restarts allowed within `window` (0: unlimited).
        public var maxAttempts: Int?
        /// The window `maxAttempts` counts in.
        public var window: Duration?

        /// Creates a policy.
        public init(condition: String, delay: Duration? = nil, maxAttempts: Int? = nil, window: Duration? = nil) {
            self.condition = condition
            self.delay = delay
            self.maxAttempts = maxAttempts
            self.window = window
        }

        /// Restart a task whose process failed, after 1 s, without limit.
        public static let onFailure = RestartPolicy(condition: "on-failure", delay: .seconds(1))

        enum CodingKeys: String, CodingKey {
            case condition = "Condition", delay = "Delay", maxAttempts = "MaxAttempts", window = "Window"
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            condition = try container.decodeIfPresent(String.self, forKey: .condition) ?? "any"
            delay = try container.decodeNanoseconds(forKey: .delay)
            maxAttempts = try container.decodeIfPresent(Int.self, forKey: .maxAttempts)
            window = try container.decodeNanoseconds(forKey: .window)
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(condition, forKey: .condition)
            try container.encodeNanoseconds(delay, forKey: .delay)
            try container.encodeIfPresent(maxAttempts, forKey: .maxAttempts)
            try container.encodeNanoseconds(window, forKey: .window)
        }
    }
}

/// `ContainerSpec`: the image and how its process runs.
public struct ContainerSpec: Codable, Hashable, Sendable {
    /// The image reference: `REGISTRY/APP@sha256:…` in production, a loaded tag in tests.
    public var image: String
    /// Labels on each task's container.
    public var labels: [String: String]
    /// Replaces the image's entrypoint.
    public var command: [String]?
    /// Replaces the image's command (arguments to the entrypoint).
    public var args: [String]?
    /// `NAME=value` pairs.
    public var env: [String]
    /// `uid[:gid]` or a user name of the image.
    public var user: String?
    /// Runs an init process (tini) as PID 1 that forwards signals and reaps zombies.
    public var isInit: Bool
    /// Replaces the image's healthcheck.
    public var healthcheck: Healthcheck?
    /// How long a task gets between SIGTERM and SIGKILL.
    public var stopGracePeriod: Duration?

    /// Creates a container spec.
    public init(
        image: String, labels: [String: String] = [:], command: [String]? = nil, args: [String]? = nil,
        env: [String] = [], user: String? = nil, isInit: Bool = true, healthcheck: Healthcheck? = nil,
        stopGracePeriod: Duration? = nil
    ) {
        self.image = image
        self.labels = labels
        self.command = command
        self.args = args
        self.env = env
        self.user = user
        self.isInit = isInit
        self.healthcheck = healthcheck
        self.stopGracePeriod = stopGracePeriod
    }

    enum CodingKeys: String, CodingKey {
        case image = "Image", labels = "Labels", command = "Command", args = "Args", env = "Env", user = "User"
        case isInit = "Init", healthcheck = "Healthcheck", stopGracePeriod = "StopGracePeriod"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        image = try container.decode(String.self, forKey: .image)
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        command = try container.decodeIfPresent([String].self, forKey: .command)
        args = try container.decodeIfPresent([String].self, forKey: .args)
        env = try container.decodeIfPresent([String].self, forKey: .env) ?? []
        user = try container.decodeIfPresent(String.self, forKey: .user)
        isInit = try container.decodeIfPresent(Bool.self, forKey: .isInit) ?? false
        healthcheck = try container.decodeIfPresent(Healthcheck.self, forKey: .healthcheck)
        stopGracePeriod = try container.decodeNanoseconds(forKey: .stopGracePeriod)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(image, forKey: .image)
        try container.encode(labels, forKey: .labels)
        try container.encodeIfPresent(command, forKey: .command)
        try container.encodeIfPresent(args, forKey: .args)
        try container.encode(env, forKey: .env)
        try container.encodeIfPresent(user, forKey: .user)
        try container.encode(isInit, forKey: .isInit)
        try container.encodeIfPresent(healthcheck, forKey: .healthcheck)
        try container.encodeNanoseconds(stopGracePeriod, forKey: .stopGracePeriod)
    }
}

/// `HealthConfig`: a command the engine runs in the container; exit 0 is healthy.
public struct Healthcheck: Codable, Hashable, Sendable {
    /// `["CMD", "prog", "arg"…]` (no shell), `["CMD-SHELL", "command"]`, or `["NONE"]`.
    public var test: [String]
    /// Time between checks.
    public var interval: Duration?
    /// How long one check may take.
    public var timeout: Duration?
    /// Consecutive failures before the container is unhealthy.
    public var retries: Int?
    /// Grace after start during which failures do not count.
    public var startPeriod: Duration?

    /// Creates a healthcheck.
    public init(test: [String], interval: Duration? = nil, timeout: Duration? = nil, retries: Int? = nil, startPeriod: Duration? = nil) {
        self.test = test
        self.interval = interval
        self.timeout = timeout
        self.retries = retries
        self.startPeriod = startPeriod
    }

    enum CodingKeys: String, CodingKey {
        case test = "Test", interval = "Interval", timeout = "Timeout", retries = "Retries", startPeriod = "StartPeriod"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        test = try container.decodeIfPresent([String].self, forKey: .test) ?? []
        interval = try container.decodeNanoseconds(forKey: .interval)
        timeout = try container.decodeNanoseconds(forKey: .timeout)
        retries = try container.decodeIfPresent(Int.self, forKey: .retries)
        startPeriod = try container.decodeNanoseconds(forKey: .startPeriod)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(test, forKey: .test)
        try container.encodeNanoseconds(interval, forKey: .interval)
        try container.encodeNanoseconds(timeout, forKey: .timeout)
        try container.encodeIfPresent(retries, forKey: .retries)
        try container.encodeNanoseconds(startPeriod, forKey: .startPeriod)
    }
}
