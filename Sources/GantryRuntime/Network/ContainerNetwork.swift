import Foundation
import GantryCore
import Glibc

/// Gives every container a network namespace of its own on the bridge, through the CNI
/// plugins (`NetworkConfiguration`), and takes it away again.
///
/// Setting a namespace up costs ~20 ms of plugin calls and tearing it down ~30 ms, so neither
/// sits on a deploy's path: a small pool of attached namespaces is kept ready (gantryd keeps
/// what four pushes take: each takes three, for its build, test and web containers; pushes
/// come in bursts, and a pool of two pushes was empty by the third of three pushed one after
/// another — traced, each of its containers then attached its own: 30–55 ms on its path), and a
/// container's namespace is detached in the background after it stops. Both wait until apps
/// stop changing (see `release` and `startRefill`). A namespace serves one container only and
/// is never reused.
///
/// Every attachment has a record file (`NetworkAttachment`): in `recordsDirectory` while it
/// is ready or being detached, in its container's bundle while in use. `start()` detaches
/// every record a crash left in `recordsDirectory`; the runtime detaches the bundles' ones.
public actor ContainerNetwork {
    public nonisolated let configuration: NetworkConfiguration
    nonisolated let recordsDirectory: String
    /// Prefix of this network's CNI container ids: the runtime's own (one per data directory).
    public nonisolated let identity: String
    let poolSize: Int

    private var ready: [NetworkAttachment] = []
    private var refilling: Task<Void, Never>?
    /// The namespaces of stopped containers, waiting to be detached (`release`), since when the
    /// first of them waits, and the task that detaches them.
    private var released: [NetworkAttachment] = []
    private var releasedSince: ContinuousClock.Instant?
    private var detaching: Task<Void, Never>?
    private var hostReady = false
    /// Set by `shutdown`: the refill stops after the namespace it is attaching.
    private var stopping = false
    /// When a stopping gantryd stops detaching (`shutdown`).
    private var stopDeadline: ContinuousClock.Instant?
    /// What failed last in the background (a refill, a detach), for the log.
    public private(set) var lastBackgroundError: String?

    /// How many attached namespaces gantryd keeps ready: what four pushes take (see above).
    public static let gantrydPoolSize = 12

    public init(configuration: NetworkConfiguration, recordsDirectory: String, identity: String, poolSize: Int = 2) {
        self.configuration = configuration
        self.recordsDirectory = recordsDirectory
        self.identity = identity
        self.poolSize = poolSize
    }

    /// At gantryd's start: sets the host up (`HostFirewall`), detaches the attachments a
    /// crash left unused, and fills the pool.
    /// - Returns: how many leftover attachments were detached.
    /// - Throws: `RuntimeError` when the host cannot be set up.
    @discardableResult
    public func start() async throws(RuntimeError) -> Int {
        try await prepareHost()
        let leftovers = await detachLeftovers()
        startRefill(atOnce: true)
        return leftovers
    }

    /// Detaches every attachment recorded in `recordsDirectory` (none is in use: a container's
    /// is in its bundle).
    /// - Returns: how many there were.
    @discardableResult
    public func detachLeftovers() async -> Int {
        // A record being saved when gantryd died (its first save: nothing attached yet).
        for name in (try? FileManager.default.contentsOfDirectory(atPath: recordsDirectory)) ?? [] where name.hasSuffix(".json.tmp") {
            unlink(recordsDirectory + "/" + name)
        }
        let leftovers = records()
        for record in leftovers { await detach(record) }
        return leftovers.count
    }

    /// Detaches the pool's and the released namespaces, for at most `stopBudget` (gantryd
    /// stopping): what is left keeps its record and is detached at the next start, as after
    /// a crash. Under load a detach took long enough that 20 s were not always enough.
    public func shutdown() async {
        stopping = true
        stopDeadline = .now + Self.stopBudget
        await refilling?.value
        released += ready
        ready = []
        await settle()
    }

    /// The longest `shutdown` spends detaching.
    static let stopBudget = Duration.seconds(5)

    /// Detaches the released namespaces now and waits until no detach runs in the background
    /// (tests count what is left after this).
    public func settle() async {
        await detachReleased()
        await detaching?.value
        await refilling?.value
    }

    // MARK: - For the runtime

    /// Attaches a namespace for a container whose bundle is `bundle`: one from the pool when
    /// one is ready, else a new one. Its record moves into the bundle (`network.json`).
    /// - Throws: `RuntimeError` with the plugin's message (a missing plugin, an exhausted
    ///   address pool); nothing is left attached then.
    func attach(into bundle: String) async throws(RuntimeError) -> NetworkAttachment {
        let attachment: NetworkAttachment
        if !ready.isEmpty {
            attachment = ready.removeFirst()
        } else {
            do throws(RuntimeError) { attachment = try await attachNew() } catch {
                // The released namespaces may hold the addresses it needs.
                guard !released.isEmpty else { throw error }
                await detachReleased()
                attachment = try await attachNew()
            }
        }
        startRefill()
        guard rename(recordPath(attachment.id), bundle + "/network.json") == 0 else {
            let reason = String(cString: strerror(errno))
            await detach(attachment)
            throw RuntimeError(container: "network", reason: "cannot move its network record into \(bundle): \(reason)")
        }
        return attachment
    }

    /// The attachment recorded in `bundle`, if any.
    nonisolated func attachment(in bundle: String) -> NetworkAttachment? {
        Self.read(bundle + "/network.json")
    }

    /// Detaches the namespace recorded in `bundle` in the background (its container is gone);
    /// the record moves back to `recordsDirectory` first, so a crash meanwhile loses nothing.
    ///
    /// Not while apps change (`Background.isChangeWorkRunning`): tearing a namespace down is
    /// mostly the kernel's work (`cleanup_net`, conntrack's clean-up), done by its own worker
    /// threads, which no CPU cgroup holds back and a `PREEMPT_NONE` kernel does not preempt —
    /// measured, what was left of the router's slowdown while apps changed
    /// (bench/load). So released namespaces wait until changes have paused for a second, or
    /// until `releasedLimit` wait, or the first waited `releasedWait`; then they go one after
    /// another, and the kernel cleans up after them in fewer batches.
    func release(from bundle: String) {
        guard let attachment = attachment(in: bundle), rename(bundle + "/network.json", recordPath(attachment.id)) == 0 else { return }
        if released.isEmpty { releasedSince = .now }
        released.append(attachment)
        guard detaching == nil else { return }
        detaching = Task {
            var pause = ChangePause()
            while !self.released.isEmpty {
                let now = ContinuousClock.now
                if pause.hasLasted(now: now) || self.stopping || self.released.count >= Self.releasedLimit
                    || now - (self.releasedSince ?? now) >= Self.releasedWait
                {
                    await self.detachReleased()
                } else {
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
            self.detaching = nil
        }
    }

    static let releasedLimit = 32
    static let releasedWait = Duration.seconds(60)

    /// Detaches every released namespace, one after another.
    private func detachReleased() async {
        let batch = released
        released = []
        releasedSince = nil
        for attachment in batch {
            if let stopDeadline, ContinuousClock.now >= stopDeadline { break }  // recorded: the next start detaches it
            await detach(attachment)
        }
    }

    // MARK: - Attaching and detaching

    private func prepareHost() async throws(RuntimeError) {
        guard !hostReady else { return }
        do { try FileManager.default.createDirectory(atPath: recordsDirectory, withIntermediateDirectories: true) } catch {
            throw RuntimeError(container: "network", reason: "cannot create \(recordsDirectory): \(error.localizedDescription)")
        }
        try await HostFirewall.ensure(bridge: configuration.bridge, subnet: configuration.subnet, publicPorts: configuration.publicPorts)
        hostReady = true
    }

    /// Refills the pool once apps have stopped changing for a second (as `release` detaches):
    /// attaching is plugin processes and the kernel's namespace work, which would share the CPU
    /// with the push that took the namespace (measured: its tests ran 5% longer), or with the
    /// next one, pushed right after. While apps keep changing, a container that finds the pool
    /// empty attaches its own (`attach`).
    /// - Parameter atOnce: at start, where nothing has changed yet: without waiting the second.
    private func startRefill(atOnce: Bool = false) {
        guard refilling == nil, !stopping, ready.count < poolSize else { return }
        refilling = Task {
            var pause = ChangePause(alreadyLasted: atOnce)
            while !self.stopping, self.ready.count < self.poolSize {
                if !pause.hasLasted() {
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                do throws(RuntimeError) {
                    self.ready.append(try await self.attachNew())
                } catch {
                    self.lastBackgroundError = error.description
                    break
                }
            }
            self.refilling = nil
        }
    }

    /// Creates a namespace and runs the chain's ADDs in it.
    private func attachNew() async throws(RuntimeError) -> NetworkAttachment {
        try await prepareHost()
        var attachment = NetworkAttachment(id: identity + "-" + Self.randomHex(6), staticHostRules: true)
        do throws(RuntimeError) {
            try save(attachment)
            try await HostFirewall.run("ip", ["netns", "add", attachment.namespaceName])
            try await NamespaceSysctl.disableIPv6(in: attachment.namespacePath)
            _ = try await call(.add, type: "loopback", configuration: NetworkConfiguration.loopback, network: "lo", attachment, previous: nil)
            var previous: Data? = nil
            for (index, plugin) in configuration.plugins.enumerated() {
                let result = try await call(.add, type: plugin.type, configuration: plugin.configuration, network: configuration.bridge, attachment, previous: previous)
                previous = result
                if index == 0 {
                    attachment.bridgeResult = String(decoding: result, as: UTF8.self)
                    try save(attachment)
                    try isolate(attachment)
                }
            }
            attachment.result = previous.map { String(decoding: $0, as: UTF8.self) }
            try save(attachment)
            guard attachment.address != nil else {
                throw RuntimeError(container: "network", reason: "the bridge plugin gave no IPv4 address")
            }
            return attachment
        } catch {
            await detach(attachment)
            throw error
        }
    }

    /// Isolates the container's port on the bridge: no frame goes from it to another
    /// isolated port (another container), only to the bridge itself (the host, NAT).
    private func isolate(_ attachment: NetworkAttachment) throws(RuntimeError) {
        guard let interface = attachment.hostInterface, !interface.contains("/") else {
            throw RuntimeError(container: "network", reason: "the bridge plugin named no host interface")
        }
        let path = "/sys/class/net/\(interface)/brport/isolated"
        do { try "1".write(toFile: path, atomically: false, encoding: .utf8) } catch {
            throw RuntimeError(container: "network", reason: "cannot isolate \(interface) on bridge \(configuration.bridge) (\(path)): \(error.localizedDescription)")
        }
    }

    /// The chain's DELs in reverse order (each given the ADD's result, without which the
    /// firewall plugin removes nothing), then the namespace, then the record. A DEL that fails
    /// keeps the namespace and the record, for the next start to try again.
    private func detach(_ attachment: NetworkAttachment) async {
        let previous = (attachment.result ?? attachment.bridgeResult).map { Data($0.utf8) }
        do throws(RuntimeError) {
            for plugin in configuration.plugins(perContainerRules: attachment.staticHostRules != true).reversed() {
                if plugin.type == "firewall" && previous == nil { continue }  // never added
                // A plugin that is not installed and never finished its ADD here added nothing
                // (its ADD could not start); one that did must remove what it added.
                let finished = plugin.type == "bridge" ? attachment.bridgeResult != nil : attachment.result != nil
                if !finished && !FileManager.default.isExecutableFile(atPath: configuration.pluginDirectory + "/" + plugin.type) { continue }
                do throws(RuntimeError) {
                    _ = try await call(.delete, type: plugin.type, configuration: plugin.configuration, network: configuration.bridge, attachment, previous: previous)
                } catch where plugin.type == "bridge" {
                    // The bridge plugin (1.1) gives up when a rule it would delete is gone (an
                    // ADD interrupted half way): release the address with host-local itself;
                    // deleting the namespace below removes the veth pair.
                    _ = try await call(.delete, type: "host-local", configuration: plugin.configuration, network: configuration.bridge, attachment, previous: previous)
                }
            }
            if FileManager.default.fileExists(atPath: attachment.namespacePath) {
                try await HostFirewall.run("ip", ["netns", "delete", attachment.namespaceName])
            }
            unlink(recordPath(attachment.id))
        } catch {
            lastBackgroundError = "detaching \(attachment.namespaceName): \(error.reason)"
        }
    }

    private func call(
        _ command: CNIPlugin.Command, type: String, configuration plugin: String, network: String, _ attachment: NetworkAttachment, previous: Data?
    ) async throws(RuntimeError) -> Data {
        // In a task of its own: cancelling a build must not kill a plugin half way through.
        let executable = CNIPlugin(directory: configuration.pluginDirectory, type: type)
        let (id, namespace) = (attachment.id, attachment.namespacePath)
        let outcome = await Task {
            do throws(CNIError) {
                return Result<Data, CNIError>.success(
                    try await executable.call(command, configuration: plugin, network: network, containerID: id, namespace: namespace, previousResult: previous))
            } catch {
                return .failure(error)
            }
        }.value
        do throws(CNIError) {
            return try outcome.get()
        } catch {
            if error.message.contains("no IP addresses available") {
                throw RuntimeError(
                    container: "network",
                    reason: "no free address in the container network \(configuration.subnet) (bridge \(configuration.bridge)): \(error.message); stop containers or choose a larger --container-subnet")
            }
            throw RuntimeError(container: "network", reason: error.description)
        }
    }

    // MARK: - Records

    private nonisolated func recordPath(_ id: String) -> String { recordsDirectory + "/" + id + ".json" }

    private func save(_ attachment: NetworkAttachment) throws(RuntimeError) {
        do {
            let path = recordPath(attachment.id)
            try JSONEncoder().encode(attachment).write(to: URL(fileURLWithPath: path + ".tmp"))
            guard rename(path + ".tmp", path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            throw RuntimeError(container: "network", reason: "cannot write its network record in \(recordsDirectory): \(error.localizedDescription)")
        }
    }

    private func records() -> [NetworkAttachment] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: recordsDirectory)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { Self.read(recordsDirectory + "/" + $0) }
    }

    private static func read(_ path: String) -> NetworkAttachment? {
        FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(NetworkAttachment.self, from: $0) }
    }

    private static func randomHex(_ bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
