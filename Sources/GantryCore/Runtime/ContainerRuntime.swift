/// A directory mounted into a container.
public struct Mount: Hashable, Sendable {
    public var source: String
    public var destination: String
    public var readOnly: Bool

    public init(source: String, destination: String, readOnly: Bool = true) {
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
    }
}

/// Everything needed to run one container: the root file system as layers, the process and
/// its environment, mounts and limits. Runtimes turn it into their own format (an OCI bundle
/// for runc).
public struct ContainerSpec: Hashable, Sendable {
    /// A unique id: letters, digits, `-`, `_` and `.`, not starting with `.` (safe as a path component).
    public var id: String
    /// Unpacked layer directories, lowest first (the stack, then the app). They are used
    /// read-only: each container writes to its own upper directory.
    public var layers: [String]
    /// The process's argument vector; `arguments[0]` is looked up in the container's `PATH`.
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: String
    public var mounts: [Mount]
    public var memoryLimitBytes: Int
    public var pidsLimit: Int
    /// CPU time per second of wall time, in cores (0.5: half a core); `nil`: no limit.
    public var cpuLimit: Double?
    /// Change work (builds, tests): its cgroup is under the idle one (see `Background`) and has
    /// a small share of contended CPU, so web processes and the router stay quick.
    public var isBackground = false
    public var hostname: String
    /// The host uid (and gid) the process runs as: never 0 (see `AppUser`).
    public var user: Int
    /// The size of the terminal the process gets of its own (`runAttached` with a window
    /// size); `nil`: no terminal.
    public var terminal: WindowSize?

    public init(
        id: String, layers: [String], arguments: [String], environment: [String: String] = [:],
        workingDirectory: String = "/app", mounts: [Mount] = [], memoryLimitBytes: Int = 512 << 20,
        pidsLimit: Int = 256, cpuLimit: Double? = nil, hostname: String = "gantry", user: Int = AppUser.nobody
    ) {
        self.id = id
        self.layers = layers
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.mounts = mounts
        self.memoryLimitBytes = memoryLimitBytes
        self.pidsLimit = pidsLimit
        self.cpuLimit = cpuLimit
        self.hostname = hostname
        self.user = user
    }

    /// Whether `id` is safe to use as a container id and a path component.
    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && !id.hasPrefix(".")
            && id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) }
    }
}

/// How a container's process ended.
public enum ExitStatus: Hashable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)
    /// Killed by the runtime because it ran past its time limit.
    case timedOut

    public var isSuccess: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        case .timedOut: "timed out"
        }
    }
}

/// Why a runtime could not run a container (as opposed to the process failing, which is an
/// `ExitStatus`).
public struct RuntimeError: Error, Hashable, Sendable, CustomStringConvertible {
    public var container: String
    public var reason: String

    public init(container: String, reason: String) {
        self.container = container
        self.reason = reason
    }

    public var description: String { "container \(container): \(reason)" }
}

extension ContainerRuntime {
    public func setBackground(_ id: String, _ background: Bool) async {}

    /// A runtime that cannot attach: refuses.
    public func runAttached(
        _ spec: ContainerSpec, terminal: WindowSize?, timeout: Duration, input: AsyncStream<AttachedInput>,
        output: @escaping @Sendable (AttachedOutput) -> Void
    ) async throws(RuntimeError) -> ExitStatus {
        throw RuntimeError(container: spec.id, reason: "this runtime cannot attach to a container")
    }
}

/// What the runtime knows of a container.
public struct ContainerState: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable {
        case created, running, paused, stopped
    }

    public var id: String
    public var status: Status
    /// The container's init process, as the host sees it (0 once stopped).
    public var pid: Int32

    public init(id: String, status: Status, pid: Int32) {
        self.id = id
        self.status = status
        self.pid = pid
    }
}

/// Where a container's web process answers: its own address (each container has a network
/// namespace of its own) and the port it was given as `PORT`.
public struct Endpoint: Hashable, Sendable, Codable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// An OCI runtime as Gantry uses it. `RuncRuntime` is the default.
///
/// Two ways to run a container: `run` for a process that ends (builds, tests), waited for with
/// its output streamed; `start` for a long-lived one (an app's web process), detached, its
/// output appended to a log file, then watched with `waitForExit` and ended with `stop`.
public protocol ContainerRuntime: Sendable {
    /// Runs a container to completion, sending each line of its output (stdout and stderr
    /// merged) to `output` as it is written. The container, its mounts and its scratch files
    /// are removed whatever happens: exit, time-out or cancellation of the calling task.
    /// - Returns: how the process ended.
    /// - Throws: `RuntimeError` when the container could not be set up or started.
    func run(_ spec: ContainerSpec, timeout: Duration, output: @escaping @Sendable (String) -> Void) async throws(RuntimeError) -> ExitStatus

    /// Runs a container to completion attached to its caller: `input` feeds its standard
    /// input (and, with a `terminal`, resizes it), its output goes to `output` as it is
    /// written. With `terminal` (its first size), the process gets a terminal of its own:
    /// standard error is merged into it, and Ctrl-C is a byte the terminal turns into SIGINT.
    /// `output` is called on a thread of its own, never on the concurrency pool, and may block:
    /// the container's output waits meanwhile. Nothing of the container stays afterwards:
    /// whether it exited, timed out, or the calling task was cancelled (the client left).
    /// - Returns: how the process ended.
    /// - Throws: `RuntimeError` when the container could not be set up or started.
    func runAttached(
        _ spec: ContainerSpec, terminal: WindowSize?, timeout: Duration, input: AsyncStream<AttachedInput>,
        output: @escaping @Sendable (AttachedOutput) -> Void
    ) async throws(RuntimeError) -> ExitStatus

    /// Starts a container detached: it keeps running after this returns (and if gantryd
    /// stops), its stdout and stderr appended to `logFile`. The runtime chooses the port the
    /// process listens on and sets it as `PORT`.
    /// - Returns: where the container's process answers on its `PORT`.
    /// - Throws: `RuntimeError` when it could not be set up or started; nothing is left then.
    func start(_ spec: ContainerSpec, logFile: String) async throws(RuntimeError) -> Endpoint

    /// The container's state, or `nil` when the runtime does not know it.
    func state(_ id: String) async -> ContainerState?

    /// Returns once the container's process has exited (at once when it is not running);
    /// the runtime learns it from the kernel, nothing polls. Cancellation ends the wait.
    func waitForExit(_ id: String) async

    /// Sends SIGTERM to every process of the container, waits up to `grace` for them to end,
    /// then SIGKILL; then removes
    /// the container, its mounts and its bundle. Harmless for a container that is gone.
    func stop(_ id: String, grace: Duration) async

    /// The ids of the containers this runtime has bundles for.
    func containers() async -> [String]

    /// Where a container started by `start` answers, or `nil` when the runtime does not know it.
    func endpoint(of id: String) async -> Endpoint?

    /// How many times the kernel killed a process of the container for exceeding its memory
    /// limit (readable until the container is stopped).
    func outOfMemoryKills(_ id: String) async -> Int

    /// Moves the processes of a container `start`ed as any other into the background (the CPU
    /// nobody else wants, as change work's: `Background`), or back. A runtime that cannot does
    /// nothing: the container keeps running where it is.
    func setBackground(_ id: String, _ background: Bool) async
}
