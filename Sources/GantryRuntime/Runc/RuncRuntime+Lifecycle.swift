import Foundation
import GantryCore
import GantryImage
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

extension RuncRuntime {
    public func start(_ spec: ContainerSpec, logFile: String) async throws(RuntimeError) -> Endpoint {
        guard ContainerSpec.isValidID(spec.id) else { throw RuntimeError(container: spec.id, reason: "invalid container id") }
        let bundle = bundlePath(spec.id)
        let overlay = overlay(for: spec, bundle: bundle)
        let logger = try await logWriter.ensureRunning()
        let output = try logWriter.open(for: spec.id, logFile: logFile)
        defer { close(output) }
        logWriter.notify(logger)  // it opens the FIFO while the container starts
        do throws(RuntimeError) {
            try await prepare(spec, bundle: bundle, overlay: overlay)
            // Detached with terminal=false: the container's process inherits runc's stdout and
            // stderr, here the pipe to its log writer. No session keyring of its own: the
            // seccomp filter refuses every keyring call, so one would only be kernel work to
            // create and to collect after the container (`key_garbage_collector`, measured in
            // the kernel's work queues while apps change).
            let result: Result<TerminationStatus, any Error> = await {
                do {
                    let pipe = FileDescriptor(rawValue: output)
                    let runc = runc("run", "--detach", "--no-new-keyring", "--bundle", bundle, spec.id, startsWebProcess: !spec.isBackground)
                    return .success(try await Subprocess.run(
                        runc.executable, arguments: runc.arguments,
                        output: .fileDescriptor(pipe, closeAfterSpawningProcess: false),
                        error: .fileDescriptor(pipe, closeAfterSpawningProcess: false)
                    ).terminationStatus)
                } catch {
                    return .failure(error)
                }
            }()
            switch result {
            case .success(.exited(0)):
                guard let endpoint = await endpoint(of: spec.id) else {
                    throw RuntimeError(container: spec.id, reason: "its network record is missing from \(bundle)")
                }
                return endpoint
            case .success(let status):
                throw RuntimeError(container: spec.id, reason: "\(binary) run failed (\(status)); see \(logFile)")
            case .failure(let error):
                throw RuntimeError(container: spec.id, reason: "\(binary) run failed: \(error)")
            }
        } catch {
            await remove(spec.id)
            throw error
        }
    }

    /// From runc's own record of the container (`state.json` in its state directory) and
    /// `/proc`, as `runc state` decides it, without running it: running while the recorded init
    /// process lives with its recorded start time.
    public func state(_ id: String) async -> ContainerState? {
        guard ContainerSpec.isValidID(id) else { return nil }
        guard let recorded = initProcess(of: id) else { return await runcState(id) }
        let running = Self.startTime(of: recorded.pid) == recorded.start
        return ContainerState(id: id, status: running ? .running : .stopped, pid: running ? recorded.pid : 0)
    }

    /// Returns once the container's init process has exited — at once when it is not running.
    /// The kernel says when (`ProcessExitWatcher`): nothing polls.
    public func waitForExit(_ id: String) async {
        guard ContainerSpec.isValidID(id), let recorded = initProcess(of: id) else { return }
        await ProcessExitWatcher.shared.waitForExit(of: recorded.pid) { Self.startTime(of: recorded.pid) == recorded.start }
    }

    /// The init process runc recorded for container `id`: its pid and its start time (clock
    /// ticks since boot, as field 22 of `/proc/PID/stat`); `nil` when runc has no record.
    func initProcess(of id: String) -> (pid: Int32, start: UInt64)? {
        struct Recorded: Decodable {
            var initProcessPid: Int32
            var initProcessStart: UInt64
            enum CodingKeys: String, CodingKey { case initProcessPid = "init_process_pid", initProcessStart = "init_process_start" }
        }
        guard let data = FileManager.default.contents(atPath: stateDirectory + "/" + id + "/state.json"),
            let recorded = try? JSONDecoder().decode(Recorded.self, from: data)
        else { return nil }
        return (recorded.initProcessPid, recorded.initProcessStart)
    }

    /// When process `pid` started (field 22 of `/proc/PID/stat`), or `nil` when it is gone or a zombie.
    static func startTime(of pid: Int32) -> UInt64? {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let end = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: end)...].split(separator: " ")  // from field 3 (state) on
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return UInt64(fields[19])
    }

    /// `runc state`: for a container whose record this runtime cannot read.
    private func runcState(_ id: String) async -> ContainerState? {
        let runc = runc("state", id)
        guard let result = try? await Subprocess.run(runc.executable, arguments: runc.arguments, output: .bytes(limit: 64 << 10), error: .discarded),
            case .exited(0) = result.terminationStatus
        else { return nil }
        struct RuncState: Decodable { var id: String, status: String, pid: Int32 }
        guard let decoded = try? JSONDecoder().decode(RuncState.self, from: Data(result.standardOutput)) else { return nil }
        return ContainerState(id: decoded.id, status: ContainerState.Status(rawValue: decoded.status) ?? .stopped, pid: decoded.pid)
    }

    public func stop(_ id: String, grace: Duration) async {
        guard ContainerSpec.isValidID(id) else { return }
        if await state(id)?.status == .running {
            // Every process, not just PID 1: a PID 1 without a handler ignores SIGTERM.
            let runc = runc("kill", "--all", id, "TERM")
            _ = try? await Subprocess.run(runc.executable, arguments: runc.arguments, output: .discarded, error: .discarded)
            // Until the container exits or `grace` passes, whichever comes first.
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.waitForExit(id) }
                group.addTask { try? await Task.sleep(for: grace) }
                await group.next()
                group.cancelAll()
            }
        }
        await remove(id)
    }

    /// Removes the log FIFOs of containers that have no bundle (see `LogWriter`).
    /// - Returns: their container ids.
    public func removeStrayLogFIFOs() async -> [String] {
        logWriter.removeStray(keeping: Set(await containers()))
    }

    public func containers() async -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: containersDirectory)) ?? []).filter(ContainerSpec.isValidID).sorted()
    }

    public func endpoint(of id: String) async -> Endpoint? {
        guard ContainerSpec.isValidID(id), let address = network.attachment(in: bundlePath(id))?.address else { return nil }
        return Endpoint(host: address, port: Self.webPort)
    }

    public func outOfMemoryKills(_ id: String) async -> Int {
        // cgroup v1 (this host's memory controller), then v2.
        let v1 = "/sys/fs/cgroup/memory" + cgroupParent + "/" + id + "/memory.oom_control"
        let v2 = "/sys/fs/cgroup" + cgroupParent + "/" + id + "/memory.events"
        for path in [v1, v2] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
                return Int(line.split(separator: " ").last ?? "") ?? 0
            }
        }
        return 0
    }

    /// Kills what is left of a container and removes it, its mounts and its bundle.
    func remove(_ id: String) async {
        // Not cancelled with the caller: a cancelled run is removed too.
        await Task {
            await forceDelete(id)
            await removeCgroups(id)
        }.value
        await removeBundle(id)
    }

    /// Unmounts the container's root, hands its network namespace back to be detached (in
    /// the background) and removes its bundle directory: moved to `trashDirectory` at once,
    /// removed with what the container wrote once apps stop changing (`UntrustedTree.removeLater`:
    /// measured, 40 ms on a cold push's path for the files pip's build container left in its
    /// root).
    func removeBundle(_ id: String) async {
        let bundle = bundlePath(id)
        Overlay(layers: [], upper: bundle + "/upper", work: bundle + "/work", target: bundle + "/rootfs").unmount()
        await network.release(from: bundle)
        discard(bundle, as: id)
        logWriter.remove(id)
    }

    /// Moves `path` to `trashDirectory` at once, to be removed later (`UntrustedTree.removeLater`).
    func discard(_ path: String, as name: String) {
        let trash = trashDirectory + "/" + name + "." + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        if (try? FileManager.default.createDirectory(atPath: trashDirectory, withIntermediateDirectories: true)) != nil, rename(path, trash) == 0 {
            UntrustedTree.removeLater(trash)
        } else {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
