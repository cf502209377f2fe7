import Foundation
import GantryCore
import Subprocess

#if canImport(Glibc)
import Glibc
#endif

#if canImport(System)
import System
#else
import SystemPackage
#endif

extension RuncRuntime {
    /// `runc run` in the foreground with the caller's streams (`AttachedStreams`): its exit
    /// status is the container's. Killed at `timeout` or when the calling task is cancelled.
    public func runAttached(
        _ spec: ContainerSpec, terminal: WindowSize?, timeout: Duration, input: AsyncStream<AttachedInput>,
        output: @escaping @Sendable (AttachedOutput) -> Void
    ) async throws(RuntimeError) -> ExitStatus {
        guard ContainerSpec.isValidID(spec.id) else { throw RuntimeError(container: spec.id, reason: "invalid container id") }
        // A write to a container that closed its input must fail with EPIPE, not end gantryd
        // (which ignores SIGPIPE already; this is for other hosts of the runtime, the tests).
        signal(SIGPIPE, SIG_IGN)
        var spec = spec
        spec.terminal = terminal
        let bundle = bundlePath(spec.id)
        let overlay = overlay(for: spec, bundle: bundle)
        let status: Result<ExitStatus, RuntimeError>
        do throws(RuntimeError) {
            try await prepare(spec, bundle: bundle, overlay: overlay)
            let streams = try AttachedStreams(terminal: terminal, container: spec.id)
            status = await attachBundle(bundle, id: spec.id, streams: streams, timeout: timeout, input: input, output: output)
        } catch {
            status = .failure(error)
        }
        await remove(spec.id)
        return try status.get()
    }

    private func attachBundle(
        _ bundle: String, id: String, streams: AttachedStreams, timeout: Duration, input: AsyncStream<AttachedInput>,
        output: @escaping @Sendable (AttachedOutput) -> Void
    ) async -> Result<ExitStatus, RuntimeError> {
        do {
            let runc = runc("run", "--no-new-keyring", "--bundle", bundle, id, startsWebProcess: true)  // see `start`
            let result = try await Subprocess.run(
                runc.executable, arguments: runc.arguments,
                input: .fileDescriptor(FileDescriptor(rawValue: streams.child.input), closeAfterSpawningProcess: false),
                output: .fileDescriptor(FileDescriptor(rawValue: streams.child.output), closeAfterSpawningProcess: false),
                error: .fileDescriptor(FileDescriptor(rawValue: streams.child.error), closeAfterSpawningProcess: false)
            ) { execution -> Bool in
                let pid = execution.processIdentifier.value
                streams.closeChildEnds()
                let pump = InputPump(fd: streams.handOverInput())
                let feeder = Task {
                    for await event in input {
                        switch event {
                        case .data(let bytes):
                            // Not another chunk while a megabyte waits: the client's input stays in its socket.
                            while pump.backlog > InputPump.limit, (try? await Task.sleep(for: .milliseconds(10))) != nil {}
                            pump.send(bytes)
                        case .endOfInput: if streams.master == nil { pump.finish() }
                        case .resize(let size):
                            guard let master = streams.master else { continue }
                            AttachedStreams.resize(master, to: size)
                            Glibc.kill(pid, SIGWINCH)  // runc passes our size on to the container's terminal
                        }
                    }
                }
                let timer = Task { () -> Bool in
                    do { try await Task.sleep(for: timeout) } catch { return false }
                    await self.kill(id)
                    return true
                }
                await withTaskCancellationHandler {
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask { await AttachedStreams.onThread { AttachedStreams.pump(streams.output) { output(.stdout($0)) } } }
                        if let error = streams.error {
                            group.addTask { await AttachedStreams.onThread { AttachedStreams.pump(error) { output(.stderr($0)) } } }
                        }
                    }
                } onCancel: {
                    Task { await self.kill(id) }
                }
                timer.cancel()
                feeder.cancel()
                pump.stop()
                return await timer.value
            }
            if Task.isCancelled { return .success(.signaled(SIGKILL)) }
            if result.closureResult { return .success(.timedOut) }
            switch result.terminationStatus {
            case .exited(let code): return .success(.exited(Int32(code)))
            case .signaled(let signal): return .success(.signaled(Int32(signal)))
            }
        } catch {
            streams.closeChildEnds()
            await Task { await kill(id) }.value
            if Task.isCancelled { return .success(.signaled(SIGKILL)) }
            return .failure(RuntimeError(container: id, reason: "\(binary) run failed: \(error)"))
        }
    }
}
