import GantryCore
import Synchronization

/// The release phase (Heroku's): a Procfile `release:` command — database migrations, cache
/// warming — runs once per new release (push, webhook deploy, rollback, config change), in a
/// one-off container of the release, after its tests passed and before any of its processes
/// start. The release goes live only if it succeeds; otherwise the old release keeps serving.
extension Pipeline {
    /// The release phase of a push or webhook deploy: its steps and output go to the pusher
    /// and the build's log.
    func releasePhase(_ plan: Deployer.Plan, of release: Release, log: BuildLog) async throws(DeployError) {
        guard let command = release.processTypes[Formation.releaseType] else { return }
        log.step("Running release command: \(command)")
        guard let phase = try await runReleasePhase(plan, of: release, output: log.detail) else { return }
        log.step("Release command done in \(String(format: "%.1f", phase.seconds ?? 0)) s")
    }

    /// Runs `release`'s release command in a one-off container of `plan`, each line of its
    /// output sent to `output` as it is written; the first lines are kept with the release.
    /// - Returns: how it ended; `nil` when the release has no release command.
    /// - Throws: `DeployError.releaseCommandFailed` when it exits non-zero or outlives
    ///   `GANTRY_RELEASE_TIMEOUT`; `DeployError.runtime` when its container cannot start.
    func runReleasePhase(
        _ plan: Deployer.Plan, of release: Release, output: @escaping @Sendable (String) -> Void
    ) async throws(DeployError) -> ReleasePhase? {
        guard let command = release.processTypes[Formation.releaseType] else { return nil }
        let timeout = (try? AppSettings(config: release.config))?.releaseTimeout ?? AppSettings.defaultReleaseTimeout
        try? await store.startReleasePhase(releaseID: release.id)
        let kept = KeptOutput()
        let started = ContinuousClock.now
        var phase: ReleasePhase
        var failure: DeployError?
        do {
            let status = try await deployer.runOneOff(plan, type: Formation.releaseType, command: command, timeout: timeout) { line in
                kept.append(line)
                output(line)
            }
            switch status {
            case .exited(0): phase = ReleasePhase(status: .succeeded, outcome: status.description)
            case .timedOut: phase = ReleasePhase(status: .timedOut, outcome: "timed out after \(timeout.components.seconds) s")
            case .exited, .signaled: phase = ReleasePhase(status: .failed, outcome: status.description)
            }
        } catch {
            phase = ReleasePhase(status: .failed, outcome: "its container did not start: \(error)")
            failure = error
        }
        phase.seconds = Self.seconds(ContinuousClock.now - started)
        (phase.output, phase.droppedLines) = kept.contents
        try? await store.finishReleasePhase(releaseID: release.id, phase)
        if failure == nil, phase.status != .succeeded {
            failure = .releaseCommandFailed(outcome: phase.outcome ?? phase.status.rawValue, lastLines: Array((phase.output ?? []).suffix(20)))
        }
        if let failure { throw failure }
        return phase
    }
}

/// The first lines of a release command's output, bounded (`ReleasePhase.maximumLines` lines of
/// at most `maximumLineBytes`); the rest is counted.
final class KeptOutput: Sendable {
    private let state = Mutex<(lines: [String], dropped: Int)>(([], 0))

    func append(_ line: String) {
        state.withLock { state in
            guard state.lines.count < ReleasePhase.maximumLines else { return state.dropped += 1 }
            var kept = line.utf8.count <= ReleasePhase.maximumLineBytes ? line : String(decoding: line.utf8.prefix(ReleasePhase.maximumLineBytes), as: UTF8.self)
            while kept.utf8.count > ReleasePhase.maximumLineBytes { kept.removeLast() }  // a character cut in two
            state.lines.append(kept)
        }
    }

    var contents: ([String], Int) { state.withLock { ($0.lines, $0.dropped) } }
}
