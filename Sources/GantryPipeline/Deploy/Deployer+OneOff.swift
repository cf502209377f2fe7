import GantryCore
import GantryImage

/// One-off processes of a release: its release command (Procfile `release:`) and `gantry run`.
/// Each runs in a new container of the release — its layers, environment, limits, user and
/// network, as its other processes — and is never routed, never restarted, and removed when
/// it ends.
extension Deployer {
    /// The container of process `type.index` of `plan` (`web.1`, `release.1`, `run.3`) running `arguments`.
    nonisolated func spec(_ plan: Plan, type: String, index: Int, arguments: [String]) -> ContainerSpec {
        var environment = plan.environment
        environment["DYNO"] = "\(type).\(index)"
        return ContainerSpec(
            id: AppProcess.containerID(app: plan.app, release: plan.release, type: type, index: index), layers: plan.layers,
            arguments: arguments, environment: environment, workingDirectory: "/app", mounts: Launcher.initMount.map { [$0] } ?? [],
            memoryLimitBytes: plan.memoryLimitBytes, pidsLimit: plan.pidsLimit, cpuLimit: plan.cpuLimit,
            hostname: "\(plan.app.rawValue)-\(type)-\(index)", user: plan.user)
    }

    /// Runs `command` (as a Procfile line) to completion in a one-off container `type.index`
    /// of `plan`, each line of its output (stdout and stderr merged) sent to `output`.
    /// - Returns: how it ended (`.timedOut` after `timeout`; the container is gone then too).
    /// - Throws: `DeployError.runtime` when the container could not be set up.
    public nonisolated func runOneOff(
        _ plan: Plan, type: String, index: Int = 1, command: String, timeout: Duration, output: @escaping @Sendable (String) -> Void
    ) async throws(DeployError) -> ExitStatus {
        let spec = spec(plan, type: type, index: index, arguments: Launcher.arguments(for: command))
        do { return try await runtime.run(spec, timeout: timeout, output: output) } catch { throw .runtime(error) }
    }
}
