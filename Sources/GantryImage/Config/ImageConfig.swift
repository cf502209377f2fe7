/// An OCI image configuration (`application/vnd.oci.image.config.v1+json`): how to run the
/// image and which layers make it. Gantry keeps its own facts in `config.Labels`: process
/// types as `io.gantry.process.TYPE` = command, and `io.gantry.buildpack`, `io.gantry.stack`,
/// `io.gantry.commit`.
public struct ImageConfig: Codable, Hashable, Sendable {
    /// Label keys Gantry writes.
    public enum Label {
        /// `io.gantry.process.` followed by a process type (`web`, `worker`); the value is its command.
        public static let processPrefix = "io.gantry.process."
        /// The id of the buildpack that built the image (`python`).
        public static let buildpack = "io.gantry.buildpack"
        /// The name of the stack the image is built on (`bookworm-2026.11`).
        public static let stack = "io.gantry.stack"
        /// The full hex id of the commit the image was built from.
        public static let commit = "io.gantry.commit"
    }

    /// The fixed creation time written into images, the same instant as the layers' mtimes,
    /// so that it never changes a digest.
    public static let reproducibleCreated = "1980-01-01T00:00:01Z"

    /// How a container of the image runs (the OCI `config` object).
    public struct Settings: Codable, Hashable, Sendable {
        /// An empty JSON object, the value type of `ExposedPorts`.
        public struct Empty: Codable, Hashable, Sendable {
            /// `{}`.
            public init() {}
        }

        /// `Env`: `NAME=value` entries.
        public var env: [String]?
        /// `WorkingDir`: the processes' working directory.
        public var workingDir: String?
        /// `Entrypoint`: the arguments put before `Cmd`.
        public var entrypoint: [String]?
        /// `Cmd`: the default command.
        public var cmd: [String]?
        /// `User`: who processes run as (root when absent).
        public var user: String?
        /// `Labels`: Gantry's facts about the image (see `ImageConfig.Label`).
        public var labels: [String: String]?
        /// `"8080/tcp": {}` per port.
        public var exposedPorts: [String: Empty]?

        enum CodingKeys: String, CodingKey {
            case env = "Env", workingDir = "WorkingDir", entrypoint = "Entrypoint", cmd = "Cmd", user = "User"
            case labels = "Labels", exposedPorts = "ExposedPorts"
        }

        /// Settings with every field given; `nil` fields are left out of the JSON.
        public init(
            env: [String]? = nil, workingDir: String? = nil, entrypoint: [String]? = nil, cmd: [String]? = nil,
            user: String? = nil, labels: [String: String]? = nil, exposedPorts: [String: Empty]? = nil
        ) {
            self.env = env
            self.workingDir = workingDir
            self.entrypoint = entrypoint
            self.cmd = cmd
            self.user = user
            self.labels = labels
            self.exposedPorts = exposedPorts
        }
    }

    /// The layers' uncompressed digests, lowest first.
    public struct RootFS: Codable, Hashable, Sendable {
        /// Always `layers`.
        public var type = "layers"
        /// `diff_ids`: each layer's uncompressed digest, lowest first.
        public var diffIDs: [Digest]

        enum CodingKeys: String, CodingKey {
            case type, diffIDs = "diff_ids"
        }

        /// A root file system made of the layers with these diffIDs, lowest first.
        public init(diffIDs: [Digest]) { self.diffIDs = diffIDs }
    }

    /// One step of the image's making, as `docker history` shows it.
    public struct History: Codable, Hashable, Sendable {
        /// When the step ran (RFC 3339); fixed for reproducibility.
        public var created: String?
        /// What made it, e.g. `gantry build python`.
        public var createdBy: String?
        /// A free-form note.
        public var comment: String?
        /// `true` when the step made no layer.
        public var emptyLayer: Bool?

        enum CodingKeys: String, CodingKey {
            case created, createdBy = "created_by", comment, emptyLayer = "empty_layer"
        }

        /// A history entry, created at the fixed reproducible time unless told otherwise.
        public init(created: String? = ImageConfig.reproducibleCreated, createdBy: String? = nil, comment: String? = nil, emptyLayer: Bool? = nil) {
            self.created = created
            self.createdBy = createdBy
            self.comment = comment
            self.emptyLayer = emptyLayer
        }
    }

    /// The CPU architecture, in Go's naming (`amd64`).
    public var architecture: String
    /// The operating system (`linux`).
    public var os: String
    /// Fixed (`reproducibleCreated`) by default; `nil` leaves it out.
    public var created: String?
    /// How containers of the image run.
    public var config: Settings
    /// Filled in by `ImageLayout.writeImage` from the layers it is given.
    public var rootfs: RootFS
    /// How the image was made, one entry per step; optional.
    public var history: [History]?

    /// A linux/amd64 config.
    public init(config: Settings, rootfs: RootFS = RootFS(diffIDs: []), history: [History]? = nil,
                created: String? = ImageConfig.reproducibleCreated, architecture: String = "amd64", os: String = "linux") {
        self.architecture = architecture
        self.os = os
        self.created = created
        self.config = config
        self.rootfs = rootfs
        self.history = history
    }

    /// A config for a Gantry image. `environment` is written sorted by name, `exposedPorts`
    /// as `PORT/tcp`; process types, buildpack, stack and commit become labels.
    public init(
        environment: [String: String] = [:], workingDirectory: String = "/app", command: [String]? = nil,
        processTypes: [String: String] = [:], buildpack: String? = nil, stack: String? = nil, commit: String? = nil,
        labels: [String: String] = [:], exposedPorts: [Int] = []
    ) {
        var labels = labels
        for (type, command) in processTypes { labels[Label.processPrefix + type] = command }
        if let buildpack { labels[Label.buildpack] = buildpack }
        if let stack { labels[Label.stack] = stack }
        if let commit { labels[Label.commit] = commit }
        let settings = Settings(
            env: environment.isEmpty ? nil : environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
            workingDir: workingDirectory, cmd: command, labels: labels.isEmpty ? nil : labels,
            exposedPorts: exposedPorts.isEmpty ? nil : Dictionary(uniqueKeysWithValues: Set(exposedPorts).map { ("\($0)/tcp", Settings.Empty()) }))
        self.init(config: settings)
    }

    /// The environment as a dictionary (`Env`'s `K=V` entries; a later entry wins).
    public var environment: [String: String] {
        var environment: [String: String] = [:]
        for entry in config.env ?? [] {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            environment[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return environment
    }

    /// Process type → command, from the `io.gantry.process.TYPE` labels.
    public var processTypes: [String: String] {
        var types: [String: String] = [:]
        for (key, value) in config.labels ?? [:] where key.hasPrefix(Label.processPrefix) {
            types[String(key.dropFirst(Label.processPrefix.count))] = value
        }
        return types
    }

    /// The `io.gantry.buildpack` label.
    public var buildpack: String? { config.labels?[Label.buildpack] }
    /// The `io.gantry.stack` label.
    public var stack: String? { config.labels?[Label.stack] }
    /// The `io.gantry.commit` label.
    public var commit: String? { config.labels?[Label.commit] }
}
