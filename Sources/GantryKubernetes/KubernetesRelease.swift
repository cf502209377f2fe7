/// What the Kubernetes manifests of one release say: the release's registry image, how each
/// process type starts and how many run, its probes and resources, the app's config (a Secret)
/// and its host names. Plain values: the pipeline fills it from the deployer's plan
/// (`Pipeline+KubernetesExport`), `KubernetesManifests` renders it.
public struct KubernetesRelease: Sendable, Hashable {
    /// The app's name (a DNS label already: `AppName`'s rules are stricter).
    public var app: String
    /// The release's version, `vN` in labels and names.
    public var version: Int
    /// `metadata.namespace` of every object; `nil`: none, so `kubectl apply -n NS` chooses.
    public var namespace: String?
    /// The image in a registry, `HOST/APP@sha256:…`.
    public var image: String
    /// The port web processes listen on (`PORT`); the Service sends port 80 there.
    public var port: Int
    /// The uid (and gid) every process runs as (`AppUser`): never 0.
    public var user: Int
    /// The process types, in the order rendered (web first, then by name).
    public var processes: [Process]
    /// Variables that are not secret (the image's `PATH`, `HOME`, … and `PORT`), inline.
    public var environment: [String: String]
    /// The release's config vars: the Secret's `stringData`, never inline.
    public var config: [String: String]
    /// The host names the Ingress routes to the web Service: the app's default host, then
    /// its custom domains.
    public var hosts: [String]
    /// Requests and limits of each container.
    public var resources: Resources

    public init(
        app: String, version: Int, namespace: String?, image: String, port: Int, user: Int, processes: [Process],
        environment: [String: String], config: [String: String], hosts: [String], resources: Resources
    ) {
        self.app = app
        self.version = version
        self.namespace = namespace
        self.image = image
        self.port = port
        self.user = user
        self.processes = processes
        self.environment = environment
        self.config = config
        self.hosts = hosts
        self.resources = resources
    }

    /// One process type: its Deployment.
    public struct Process: Sendable, Hashable {
        /// The Procfile's name (`web`, `worker`, `celery_beat`).
        public var type: String
        /// The container's command, as Gantry runs it (`Launcher`).
        public var arguments: [String]
        public var replicas: Int
        /// Until it passes, no other probe runs and the pod gets no traffic.
        public var startup: Probe?
        public var readiness: Probe?
        public var liveness: Probe?

        public init(type: String, arguments: [String], replicas: Int, startup: Probe? = nil, readiness: Probe? = nil, liveness: Probe? = nil) {
            self.type = type
            self.arguments = arguments
            self.replicas = replicas
            self.startup = startup
            self.readiness = readiness
            self.liveness = liveness
        }

        /// Whether it is the type the Service and the Ingress send requests to.
        public var isWeb: Bool { type == "web" }
    }

    /// A Kubernetes probe of the container's port.
    public struct Probe: Sendable, Hashable {
        public enum Action: Sendable, Hashable {
            /// `GET path` must answer 200–399.
            case httpGet(path: String)
            /// The port accepts a connection.
            case tcpSocket
        }

        public var action: Action
        public var initialDelaySeconds: Int
        public var periodSeconds: Int
        public var timeoutSeconds: Int
        public var failureThreshold: Int

        public init(action: Action, initialDelaySeconds: Int, periodSeconds: Int, timeoutSeconds: Int, failureThreshold: Int) {
            self.action = action
            self.initialDelaySeconds = initialDelaySeconds
            self.periodSeconds = periodSeconds
            self.timeoutSeconds = timeoutSeconds
            self.failureThreshold = failureThreshold
        }
    }

    /// Memory (bytes) and CPU (cores) of each container: requested and limited alike, as
    /// Gantry's cgroup limits are both what a process gets and the most it may use.
    public struct Resources: Sendable, Hashable {
        public var memoryBytes: Int
        /// `nil`: no CPU limit (`GANTRY_CPU` unset).
        public var cpuCores: Double?

        public init(memoryBytes: Int, cpuCores: Double?) {
            self.memoryBytes = memoryBytes
            self.cpuCores = cpuCores
        }
    }
}
