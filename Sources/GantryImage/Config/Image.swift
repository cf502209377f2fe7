/// A tagged image in the store: its manifest's digest, its config and its layers.
public struct Image: Hashable, Sendable {
    /// The tag it was written or found under (`org.opencontainers.image.ref.name`).
    public var tag: String
    /// The manifest's digest: the image's identity.
    public var digest: Digest
    /// The config blob's digest.
    public var configDigest: Digest
    /// The image's config: environment, working directory, labels, layer diffIDs.
    public var config: ImageConfig
    /// The layers, lowest (the stack) first.
    public var layers: [Layer]

    /// An image as the store describes it.
    public init(tag: String, digest: Digest, configDigest: Digest, config: ImageConfig, layers: [Layer]) {
        self.tag = tag
        self.digest = digest
        self.configDigest = configDigest
        self.config = config
        self.layers = layers
    }

    /// Process type → command (`web` → `gunicorn app:app`), from the config's labels.
    public var processTypes: [String: String] { config.processTypes }
    /// The environment baked into the image.
    public var environment: [String: String] { config.environment }
    /// The working directory of its processes (`/app` for Gantry's app images).
    public var workingDirectory: String? { config.config.workingDir }
    /// The buildpack that built it, when it is an app image.
    public var buildpack: String? { config.buildpack }
    /// The name of the stack it is built on.
    public var stack: String? { config.stack }
    /// The commit it was built from.
    public var commit: String? { config.commit }
    /// The total size of its layers in bytes.
    public var size: Int { layers.reduce(0) { $0 + $1.size } }
}
