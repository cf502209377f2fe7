import Foundation
import GantryCore
import GantryImage
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs containers with runc (or another OCI runtime with runc's command line, set by
/// `binary`): one OCI bundle per container under `containersDirectory`, its root an overlay
/// of the image's unpacked layers and a private upper directory, its network a namespace of
/// its own on the container bridge (`ContainerNetwork`), its process the spec's unprivileged
/// user with no capabilities, `noNewPrivileges` and a seccomp filter (`SeccompProfile`).
///
/// Each gantryd keeps runc's state in a directory of its own (`runc --root`) and its
/// containers' cgroups under a parent of its own, so two gantryds on one machine (tests run
/// several) never see — or kill — each other's containers, whatever the ids.
public struct RuncRuntime: ContainerRuntime {
    /// The runtime binary, looked up in `PATH` unless absolute.
    public let binary: String
    /// Where bundles live (DATA_DIR/containers).
    public let containersDirectory: String
    /// runc's state directory (`--root`): beside the bundles, `containers.runc`.
    public let stateDirectory: String
    /// The cgroup parent of this runtime's containers: `/gantry/HASH` of `containersDirectory`.
    let cgroupParent: String
    /// The `gantry-logger` between the detached containers' output and their log files.
    public let logWriter: LogWriter
    /// The containers' network namespaces; its records live beside the bundles, `containers.net`.
    public let network: ContainerNetwork

    /// The port every web process listens on, as `PORT`: each container has an address of its
    /// own, so they can all use the same one (above 1024: no capability needed to bind it).
    public static let webPort = 5000

    /// - Parameter logWriter: default: `gantry-logger` beside the running executable (SwiftPM
    ///   builds it into the same directory as gantryd and the test bundles).
    /// - Parameter networkPoolSize: how many attached network namespaces are kept ready (gantryd
    ///   keeps `ContainerNetwork.gantrydPoolSize`; a runtime that keeps some must be shut down: `network.shutdown()`).
    public init(
        binary: String = "runc", containersDirectory: String, logWriter: String? = nil, network: NetworkConfiguration = .standard,
        networkPoolSize: Int = 0
    ) {
        self.binary = binary
        self.containersDirectory = containersDirectory
        self.logWriter = LogWriter(directory: containersDirectory + ".logs", executable: logWriter ?? Self.siblingLogWriter)
        self.stateDirectory = containersDirectory + ".runc"
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in containersDirectory.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let identity = String(hash, radix: 16)
        self.cgroupParent = "/gantry/" + identity
        self.network = ContainerNetwork(
            configuration: network, recordsDirectory: containersDirectory + ".net", identity: identity, poolSize: networkPoolSize)
    }

    /// `gantry-logger` in the directory of the running executable.
    public static var siblingLogWriter: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("gantry-logger").path
    }

    /// The command line of runc `command` with this runtime's state directory, in the
    /// background for change work (`Background`); `startsWebProcess` when it starts a web
    /// process, whose processes must not inherit runc's `SCHED_IDLE` when there is no idle
    /// cgroup (with one, they leave it for their own cgroup).
    func runc(_ command: String..., startsWebProcess: Bool = false) -> (executable: Executable, arguments: Arguments) {
        let runc = Background.command(binary, ["--root", stateDirectory] + command, startsWebProcess: startsWebProcess)
        return (runc.executable.hasPrefix("/") ? .path(FilePath(runc.executable)) : .name(runc.executable), Arguments(runc.arguments))
    }

    /// Removes this runtime's cgroup parents (and gantryd's idle one: `enableBackground`) from
    /// every controller's hierarchy once they are empty (runc removes each container's own
    /// cgroup; the parents stay otherwise).
    public func removeCgroupParent() {
        for hierarchy in Self.cgroupHierarchies {
            Background.disable(processes: hierarchy + backgroundCgroupParent + "/gantryd/cgroup.procs")
            // Each fails, harmlessly, while a process is in it; the change work's own for a
            // moment after its last process exited (the kernel releases it a little later).
            _ = rmdir(hierarchy + cgroupParent)
            for _ in 0..<50 where rmdir(hierarchy + backgroundCgroupParent + "/gantryd") != 0 && errno == EBUSY { usleep(20_000) }
            _ = rmdir(hierarchy + backgroundCgroupParent)
        }
    }

    /// Where this runtime's cgroups may be: the cgroup file system's root (v2) and each
    /// controller's hierarchy under it (v1, and a hybrid's `unified`).
    static var cgroupHierarchies: [String] {
        ["/sys/fs/cgroup"] + ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []).map { "/sys/fs/cgroup/" + $0 }
    }

    func bundlePath(_ id: String) -> String { containersDirectory + "/" + id }

    /// Where removed bundles wait to be deleted (`removeBundle`): beside the bundles,
    /// `containers.trash`, on the same file system; emptied at start (`emptyTrash`).
    var trashDirectory: String { containersDirectory + ".trash" }

    func overlay(for spec: ContainerSpec, bundle: String) -> Overlay {
        Overlay(layers: spec.layers, upper: bundle + "/upper", work: bundle + "/work", target: bundle + "/rootfs")
    }

    public func run(_ spec: ContainerSpec, timeout: Duration, output: @escaping @Sendable (String) -> Void) async throws(RuntimeError) -> ExitStatus {
        guard ContainerSpec.isValidID(spec.id) else { throw RuntimeError(container: spec.id, reason: "invalid container id") }
        let bundle = bundlePath(spec.id)
        let overlay = overlay(for: spec, bundle: bundle)
        let status: Result<ExitStatus, RuntimeError>
        do throws(RuntimeError) {
            try await prepare(spec, bundle: bundle, overlay: overlay)
            status = await runBundle(bundle, id: spec.id, timeout: timeout, output: output)
        } catch {
            status = .failure(error)
        }
        // Whatever happened — exit, time-out, cancellation — nothing of the container stays.
        // A foreground `runc run` whose process exited has deleted the container itself; only
        // its root and bundle are left (one runc call less per build and test container).
        if case .success(.exited) = status {
            await removeBundle(spec.id)
        } else {
            await remove(spec.id)
        }
        return try status.get()
    }

    /// `runc run` in the foreground, its output streamed line by line; killed at `timeout` or
    /// when the calling task is cancelled.
    private func runBundle(_ bundle: String, id: String, timeout: Duration, output: @escaping @Sendable (String) -> Void) async -> Result<ExitStatus, RuntimeError> {
        do {
            let runc = runc("run", "--no-new-keyring", "--bundle", bundle, id)  // see `start`
            let result = try await Subprocess.run(
                runc.executable, arguments: runc.arguments, input: .none,
                output: .sequence, error: .combinedWithOutput
            ) { execution in
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask {
                        do { try await Task.sleep(for: timeout) } catch { return false }
                        // Until its output ends: on a loaded host `runc run` may not have made the
                        // container yet when the time is up, and one `runc kill` would miss it
                        // (seen: a 1 s limit that never fired, the unit pass hung on `sleep 600`).
                        repeat { await kill(id) } while (try? await Task.sleep(for: .milliseconds(250))) != nil
                        return true
                    }
                    for try await line in execution.standardOutput.strings() {
                        output(line)
                    }
                    group.cancelAll()
                    return try await group.contains(true)
                }
            }
            if result.closureResult { return .success(.timedOut) }
            switch result.terminationStatus {
            case .exited(let code): return .success(.exited(Int32(code)))
            case .signaled(let signal): return .success(.signaled(Int32(signal)))
            }
        } catch is CancellationError {
            await Task { await kill(id) }.value
            return .success(.signaled(SIGKILL))
        } catch {
            await Task { await kill(id) }.value
            return .failure(RuntimeError(container: id, reason: "\(binary) run failed: \(error)"))
        }
    }

    /// Writes the bundle: upper and work directories, the network namespace (its record in
    /// `network.json`), the container's `/etc` files, config.json (mode 0600 under gantryd's
    /// umask: it holds the config vars), the mounted overlay root.
    /// - Throws: `RuntimeError`; the caller removes what was made (`remove`).
    func prepare(_ spec: ContainerSpec, bundle: String, overlay: Overlay) async throws(RuntimeError) {
        guard spec.user > 0 else { throw RuntimeError(container: spec.id, reason: "refusing to run a container as root (uid 0)") }
        let files = FileManager.default
        // An upper and work directory left by an earlier container of this id (its gantryd
        // killed before it removed the bundle) were mounted volatile: overlayfs refuses them
        // again, and the container starts from its image in any case.
        for directory in [overlay.upper, overlay.work] where files.fileExists(atPath: directory) {
            discard(directory, as: spec.id + "." + (directory as NSString).lastPathComponent)
        }
        do {
            for directory in [overlay.upper, overlay.work, overlay.target] {
                try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            // The container's `/` takes the upper directory's mode: 0755 whatever gantryd's
            // umask (077), so a process of any user in the container can reach its files.
            try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: overlay.upper)
        } catch {
            throw RuntimeError(container: spec.id, reason: "cannot write its bundle in \(bundle): \(error.localizedDescription)")
        }
        let attachment: NetworkAttachment
        do throws(RuntimeError) { attachment = try await network.attach(into: bundle) } catch {
            throw RuntimeError(container: spec.id, reason: error.reason)
        }
        var spec = spec
        spec.environment["PORT"] = String(Self.webPort)
        do {
            try ContainerFiles(hostname: spec.hostname, address: attachment.address ?? "127.0.0.1", user: spec.user, stackRoot: spec.layers.first)
                .write(into: overlay.upper)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let config = OCIRuntimeSpec(spec, rootfs: "rootfs", cgroupsPath: cgroupsPath(of: spec), networkNamespace: attachment.namespacePath)
            try encoder.encode(config).write(to: URL(fileURLWithPath: bundle + "/config.json"))
        } catch {
            throw RuntimeError(container: spec.id, reason: "cannot write its bundle in \(bundle): \(error.localizedDescription)")
        }
        try overlay.mount(container: spec.id)
    }

    /// Sends SIGKILL to the container's processes; harmless when it is gone.
    func kill(_ id: String) async {
        let runc = runc("kill", "--all", id, "KILL")
        _ = try? await Subprocess.run(runc.executable, arguments: runc.arguments, output: .discarded, error: .discarded)
    }

    /// Removes the container from runc's state, killing what is left.
    func forceDelete(_ id: String) async {
        let runc = runc("delete", "--force", id)
        _ = try? await Subprocess.run(runc.executable, arguments: runc.arguments, output: .discarded, error: .discarded)
    }

}

extension RuncRuntime {
    /// Removes the bundles a crash left behind: kills and deletes their containers, unmounts
    /// their roots, removes their directories, and empties `trashDirectory`. Called once at
    /// start, before anything runs.
    /// - Returns: the ids removed.
    public func removeLeftovers() async -> [String] {
        let ids = await containers()
        for id in ids { await remove(id) }
        emptyTrash()
        return ids
    }

    /// Deletes the bundles `removeBundle` left waiting in `trashDirectory` when gantryd
    /// stopped: at start, before anything runs.
    public func emptyTrash() {
        UntrustedTree.remove(trashDirectory)
    }
}
