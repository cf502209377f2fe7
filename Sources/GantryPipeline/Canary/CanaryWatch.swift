import GantryCore

/// What gantryd knows of each running canary beyond its row: the traffic counts when it
/// started (its status shows the traffic since), its automatic analysis' task and next verdict,
/// and the callers waiting for its end (`git push -o canary-wait`, `--wait`).
actor CanaryWatch {
    private struct Running {
        var id: Int64
        var baseline: [Int: ReleaseTraffic]
        var analysis: Task<Void, Never>?
        var nextVerdict: ContinuousClock.Instant?
        var waiters: [CheckedContinuation<Canary?, Never>] = []
    }

    private var running: [AppName: Running] = [:]

    /// Canary `id` of `app` started, with the traffic counted so far.
    func began(_ app: AppName, id: Int64, baseline: [Int: ReleaseTraffic]) {
        running[app] = Running(id: id, baseline: baseline)
    }

    /// Gives the canary its analysis task (cancelled when it ends or its weight is set by hand).
    func analyze(_ app: AppName, id: Int64, _ task: Task<Void, Never>) {
        guard running[app]?.id == id else { return task.cancel() }
        running[app]?.analysis = task
    }

    /// The analysis stops (a weight set by hand); the canary runs on.
    func stopAnalysis(_ app: AppName) {
        running[app]?.analysis?.cancel()
        running[app]?.analysis = nil
        running[app]?.nextVerdict = nil
    }

    func setNextVerdict(_ app: AppName, id: Int64, at instant: ContinuousClock.Instant) {
        guard running[app]?.id == id else { return }
        running[app]?.nextVerdict = instant
    }

    /// The canary ended (promoted or aborted: `canary`); its waiters are told, its analysis ends.
    func ended(_ app: AppName, _ canary: Canary?) {
        guard let entry = running.removeValue(forKey: app) else { return }
        entry.analysis?.cancel()
        for waiter in entry.waiters { waiter.resume(returning: canary) }
    }

    /// Waits for the end of `app`'s canary `id`; `nil` at once when it is not running.
    func waitForEnd(_ app: AppName, id: Int64) async -> Canary? {
        guard running[app]?.id == id else { return nil }
        return await withCheckedContinuation { continuation in running[app]?.waiters.append(continuation) }
    }

    /// The traffic counts when `app`'s canary started, and the time to its next verdict.
    func state(of app: AppName) -> (baseline: [Int: ReleaseTraffic], nextVerdictIn: Duration?)? {
        guard let entry = running[app] else { return nil }
        return (entry.baseline, entry.nextVerdict.map { max(.zero, $0 - .now) })
    }
}
