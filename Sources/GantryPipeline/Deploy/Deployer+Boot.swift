import GantryCore
import Synchronization

extension Deployer {
    /// The web processes of a release to be, started and health-checked while its build's
    /// tests run, never routed: `deploy(_:booted:log:)` routes them once the tests have passed
    /// and the release is recorded; `discard` stops them when it is not.
    public struct Boot: Sendable {
        let app: AppName
        let release: Int
        var processes: [Tracked] = []
        /// What `deploy` would have said starting them, said when it routes them.
        var lines: [String] = []
        /// Why a process did not come up healthy; the others are stopped then.
        var failure: DeployError?
    }

    /// Starts the web processes of `plan` (`plan.layers` may be a build directory: `deploy`
    /// moves them onto the image's layers), each health-checked as `deploy` does, and routes
    /// none. Other process types wait for `deploy`: only a web process gets no work before it
    /// is routed.
    /// - Parameter testsEnded: opens when the tests end; until then (or until it is healthy),
    ///   a booting process stays in the background, where the tests come first.
    public func boot(_ plan: Plan, testsEnded: Latch = Latch()) async -> Boot {
        var boot = Boot(app: plan.app, release: plan.release)
        guard let count = plan.formation["web"], count > 0, let command = plan.processTypes["web"] else { return boot }
        let lines = LineCollector()
        do throws(DeployError) {
            for index in 1...count {
                boot.processes.append(try await startHealthy(plan, type: "web", index: index, command: command, backgroundUntil: testsEnded, log: lines.append))
            }
        } catch {
            for tracked in boot.processes { await stop(tracked, drain: false) }
            boot.processes = []
            boot.failure = error
        }
        boot.lines = lines.lines
        return boot
    }

    /// Stops what `boot` started (its release is not deployed).
    public func discard(_ boot: Boot?) async {
        for tracked in boot?.processes ?? [] { await stop(tracked, drain: false) }
    }

    /// The processes of `booted` that `deploy` of `plan` takes over: all of them, still
    /// running, on the plan's layers (restarts use the image's, not the build directory).
    /// - Throws: the boot's failure, or `.crashed` for a process that exited since it was
    ///   healthy; every booted process is stopped then.
    func takeOver(_ booted: Boot, for plan: Plan, log: (String) -> Void) async throws(DeployError) -> [Tracked] {
        precondition(booted.app == plan.app && booted.release == plan.release, "a boot is deployed with its own release")
        for line in booted.lines { log(line) }
        if let failure = booted.failure { throw failure }
        for tracked in booted.processes where await runtime.state(tracked.process.containerID)?.status != .running {
            let failure = DeployError.crashed(process: tracked.process.name, logTail: await logTail(tracked.process))
            await discard(booted)
            throw failure
        }
        return booted.processes.map { tracked in
            var tracked = tracked
            tracked.spec.layers = plan.layers
            return tracked
        }
    }
}

/// Lines said while booting, kept to be said in order later.
private final class LineCollector: Sendable {
    private let collected = Mutex<[String]>([])

    @Sendable func append(_ line: String) { collected.withLock { $0.append(line) } }
    var lines: [String] { collected.withLock { $0 } }
}
