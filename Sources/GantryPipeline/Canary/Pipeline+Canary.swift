import Foundation
import GantryCore
import GantryStore

/// Gray releases: a release serves a share of its app's traffic beside the live one, then is
/// promoted or aborted — by hand, or by automatic analysis (`CanaryJudge`) after each interval.
///
/// A canary starts in the app's turn (`queues`), as a push or rollback does: from a push with
/// canary options (`release`), or from an existing release (`startCanary`). Its weight
/// changes, promotion and abort take the app's *canary* turn only (`canaryQueues`), so that a
/// push waiting for its canary's verdict (`-o canary-wait`) does not hold them up.
extension Pipeline {
    // MARK: - Pushes

    /// Why a push to `app` cannot go on, before anything is built: a canary push with no live
    /// release to compare with, or a plain push while a canary runs.
    func canaryConflict(_ app: AppName, request: CanaryRequest?) async -> String? {
        let running = (try? await store.canary(app: app)).flatMap { $0.state == .running ? $0 : nil }
        if request != nil {
            guard (try? await store.currentRelease(app: app)) ?? nil != nil else {
                return "a canary needs a live release to compare with; push without -o canary first"
            }
            return nil
        }
        guard let running else { return nil }
        return "\(app) has a canary running (v\(running.release) at \(running.weight)%): promote or abort it first "
            + "(gantry canary:promote \(app), gantry canary:abort \(app)), or push with -o canary=N to replace it"
    }

    /// The end of a canary push: `release` (recorded, its release phase done) starts as the
    /// app's canary; with `wait`, the push waits for the analysis' verdict.
    /// - Returns: `nil` when the push is accepted, else the reason to reject it.
    func releaseCanary(
        _ release: Release, plan: Deployer.Plan, booted: Deployer.Boot?, request: CanaryRequest, trigger: Trigger, log: BuildLog
    ) async throws(DeployError) -> String? {
        let canary = try await beginCanary(release, plan: plan, booted: booted, request: request, by: trigger.by, log: log.step)
        log.step("Canary v\(release.version) takes \(canary.weight)% of the traffic beside v\(canary.stable)")
        if let analysis = canary.analysis { log.step("Automatic analysis: \(analysis.summary)") }
        log.step("Watch it with `gantry canary \(release.app)`; promote or abort it with gantry canary:promote / canary:abort")
        guard request.wait else { return nil }
        log.step("Waiting for the canary's verdict …")
        let ended = await canaryWatch.waitForEnd(release.app, id: canary.id)
        for event in (ended?.events ?? []).dropFirst() { log.detail("\(event.weight)%: \(event.text)") }
        switch ended?.state {
        case .promoted?:
            log.step("Canary v\(release.version) promoted: \(ended?.reason ?? "")")
            return nil
        case .aborted?:
            log.step("Canary v\(release.version) aborted: \(ended?.reason ?? "")")
            return "canary aborted"
        default:
            return "canary interrupted"
        }
    }

    // MARK: - Operations

    /// Starts a canary of release `request.version` of `app` (by default the newest release
    /// newer than the live one that was live before: the one a rollback went back from): a new
    /// release with its image and the live config, beside the live release.
    /// - Throws: `OperationError` (`.notFound`, `.conflict` for a failed, pending or live
    ///   release or no live one, `.invalid`, `.failed` when its processes do not come up — the
    ///   live release keeps serving); `StoreError`.
    public func startCanary(_ app: AppName, _ asked: CanaryRequest, trigger: Trigger) async throws -> CanaryStatus {
        let request: CanaryRequest
        do { request = try asked.validated() } catch { throw OperationError(.invalid, error.description) }
        let canary = try await queues.serialized(app) { () async throws -> Canary in
            guard let live = try await store.currentRelease(app: app) else {
                throw OperationError(.conflict, "\(app) has no live release to compare a canary with; deploy it with `git push` first")
            }
            let target = try await canaryTarget(app, version: request.version, live: live)
            let image = try await storedImage(of: target)
            let release = try await store.createRelease(
                app: app, buildID: target.buildID, imageTag: target.imageTag, imageDigest: target.imageDigest,
                imageReference: target.imageReference, commit: target.commit,
                config: live.config, processTypes: target.processTypes, description: "Canary of v\(target.version)", createdBy: trigger.by,
                origin: .rollback)
            let say: @Sendable (String) -> Void = { line in logger.info("\(app) v\(release.version): \(line)") }
            do {
                let plan = try await plan(release, image: image, manifests: nil)
                _ = try await runReleasePhase(plan, of: release, output: say)
                return try await beginCanary(release, plan: plan, booted: nil, request: request, by: trigger.by, log: say)
            } catch {
                let reason = (error as? DeployError)?.description ?? "\(error)"
                try? await store.markReleaseFailed(id: release.id, reason: reason)
                events(.releaseFinished(app: app, status: .failed))
                throw OperationError(.failed, "the canary v\(release.version) of \(app) did not start: \(reason); the live release keeps serving")
            }
        }
        if request.wait { _ = await canaryWatch.waitForEnd(app, id: canary.id) }
        return try await canaryStatus(app)
    }

    /// The app's running canary (else its last) and each side's traffic since it started.
    public func canaryStatus(_ app: AppName) async throws -> CanaryStatus {
        guard let canary = try await store.canary(app: app) else { return CanaryStatus(canary: nil) }
        guard canary.state == .running, let state = await canaryWatch.state(of: app) else { return CanaryStatus(canary: canary) }
        let now = await scheduler.router.traffic(of: app)
        func since(_ release: Int) -> ReleaseTraffic { Self.traffic(of: release, in: now, since: state.baseline) }
        return CanaryStatus(
            canary: canary, stableTraffic: since(canary.stable), canaryTraffic: since(canary.release),
            nextVerdictIn: state.nextVerdictIn.map(Self.seconds))
    }

    /// Sends `weight`% of the traffic to the running canary; automatic analysis stops.
    /// - Throws: `OperationError` (`.invalid` weight, `.conflict` with no running canary).
    public func setCanaryWeight(_ app: AppName, _ weight: Int, trigger: Trigger) async throws -> Canary {
        guard CanaryWeight.range.contains(weight) else { throw OperationError(.invalid, CanaryWeight.invalid(String(weight)).description) }
        return try await canaryQueues.serialized(app) { () async throws -> Canary in
            let canary = try await runningCanary(app)
            await scheduler.setCanaryWeight(app, weight)
            let stopped = canary.analysis != nil ? "; automatic analysis stopped" : ""
            try await store.setCanaryWeight(id: canary.id, weight: weight, event: "weight set to \(weight)% by \(trigger.by)\(stopped)")
            await canaryWatch.stopAnalysis(app)
            return try await runningCanary(app)
        }
    }

    /// Makes the running canary the live release.
    /// - Returns: the new live release.
    /// - Throws: `OperationError` (`.conflict` with no running canary, `.failed` when a process
    ///   of it does not come up — the canary and the live release run as before).
    public func promoteCanary(_ app: AppName, trigger: Trigger) async throws -> Release {
        try await canaryQueues.serialized(app) { () async throws -> Release in
            let canary = try await runningCanary(app)
            do {
                try await endCanary(canary, .promoted, reason: "promoted by \(trigger.by)")
            } catch let error as DeployError {
                throw OperationError(.failed, "promoting canary v\(canary.release) of \(app) failed: \(error); the canary and v\(canary.stable) run as before")
            }
            return try await store.release(app: app, version: canary.release)
        }
    }

    /// Drains and removes the running canary; the live release serves everything.
    /// - Throws: `OperationError.conflict` with no running canary.
    public func abortCanary(_ app: AppName, trigger: Trigger) async throws -> Canary {
        try await canaryQueues.serialized(app) { () async throws -> Canary in
            let canary = try await runningCanary(app)
            try await endCanary(canary, .aborted, reason: "aborted by \(trigger.by)")
            return try await store.canary(app: app) ?? canary
        }
    }

    /// Aborts `app`'s running canary before a rollback (`reason`); nothing when none runs.
    func abortRunningCanary(_ app: AppName, reason: String) async throws {
        try await canaryQueues.serialized(app) { () async throws in
            guard let canary = try await store.canary(app: app), canary.state == .running else { return }
            try await endCanary(canary, .aborted, reason: reason)
        }
    }

    /// Aborts the canary whose process exited (read from `Deployer.canaryFailures` while
    /// gantryd supervises).
    func abortFailedCanary(_ failure: CanaryFailure) async {
        try? await canaryQueues.serialized(failure.app) { () async throws in
            guard let canary = try await store.canary(app: failure.app), canary.state == .running, canary.release == failure.release else { return }
            try await endCanary(canary, .aborted, reason: "its process \(failure.reason)")
        }
    }

    // MARK: - Inside the turns

    /// Starts `release` as `app`'s canary, in its canary turn: a running canary is aborted
    /// first (replaced), then the processes start and the row is recorded; automatic
    /// analysis begins.
    /// - Throws: `DeployError`; nothing of the new canary runs then.
    func beginCanary(
        _ release: Release, plan: Deployer.Plan, booted: Deployer.Boot?, request: CanaryRequest, by: String, log: @escaping @Sendable (String) -> Void
    ) async throws(DeployError) -> Canary {
        let app = release.app
        let result = await canaryQueues.serialized(app) { () async -> Result<Canary, DeployError> in
            if let running = try? await store.canary(app: app), running.state == .running {
                try? await endCanary(running, .aborted, reason: "replaced by the canary v\(release.version)")
            }
            do throws(DeployError) {
                try await scheduler.startCanary(plan, booted: booted, weight: request.startingWeight, log: log)
            } catch {
                return .failure(error)
            }
            let stable = await scheduler.liveRelease(of: app) ?? 0
            let baseline = await scheduler.router.traffic(of: app)
            var text = "started at \(request.startingWeight)% beside v\(stable) by \(by)"
            if let analysis = request.analysis { text += "; automatic analysis: \(analysis.summary)" }
            let canary: Canary
            do {
                canary = try await store.startCanary(releaseID: release.id, stable: stable, weight: request.startingWeight, analysis: request.analysis, event: text)
            } catch {
                await scheduler.abortCanary(app)
                return .failure(.runtime(RuntimeError(container: "\(app) v\(release.version)", reason: "cannot record its canary: \(error)")))
            }
            await canaryWatch.began(app, id: canary.id, baseline: baseline)
            if let analysis = request.analysis { await canaryWatch.analyze(app, id: canary.id, analyze(canary, analysis)) }
            return .success(canary)
        }
        return try result.get()
    }

    /// Ends `canary` (in its canary turn): promoted — its other processes start and it takes
    /// all the traffic — or aborted; then its row, the event log and its waiters are told.
    /// - Throws: `DeployError` when the promotion fails (nothing changed then); `StoreError`.
    func endCanary(_ canary: Canary, _ state: CanaryState, reason: String) async throws {
        let app = canary.app
        let say: @Sendable (String) -> Void = { line in logger.info("\(app) canary v\(canary.release): \(line)") }
        switch state {
        case .promoted: try await scheduler.promoteCanary(app, log: say)
        case .aborted: await scheduler.abortCanary(app)
        case .running: preconditionFailure("a canary ends promoted or aborted")
        }
        try await store.finishCanary(id: canary.id, state, reason: reason)
        events(.releaseFinished(app: app, status: state == .promoted ? .live : .failed))
        await scheduler.event(app, "canary v\(canary.release) \(state.rawValue): \(reason)")
        await canaryWatch.ended(app, try? await store.canary(app: app))
    }

    /// Automatic analysis of `canary`: after each interval, a verdict on the traffic of that
    /// interval (`CanaryJudge`), applied in the canary turn. Ends with the canary.
    func analyze(_ canary: Canary, _ analysis: CanaryAnalysis) -> Task<Void, Never> {
        let app = canary.app
        return Task {
            var last = await scheduler.router.traffic(of: app)
            var weight = canary.weight
            var idle = 0
            while !Task.isCancelled {
                let due = ContinuousClock.now + .milliseconds(Int64(analysis.intervalSeconds * 1000))
                await canaryWatch.setNextVerdict(app, id: canary.id, at: due)
                do { try await Task.sleep(until: due, clock: .continuous) } catch { return }
                let now = await scheduler.router.traffic(of: app)
                func interval(_ release: Int) -> ReleaseTraffic { Self.traffic(of: release, in: now, since: last) }
                let canaryTraffic = interval(canary.release)
                let (verdict, measured) = CanaryJudge.verdict(analysis, weight: weight, stable: interval(canary.stable), canary: canaryTraffic, idleIntervals: idle)
                last = now
                idle = canaryTraffic.requests == 0 ? idle + 1 : 0
                let goesOn = (try? await apply(verdict, measured: measured, to: canary)) ?? false
                guard goesOn else { return }
                if case .advance(let next) = verdict { weight = next }
            }
        }
    }

    /// Applies an analysis verdict to `canary` if it still runs.
    /// - Returns: whether the analysis goes on.
    private func apply(_ verdict: CanaryVerdict, measured: String, to canary: Canary) async throws -> Bool {
        let app = canary.app
        return try await canaryQueues.serialized(app) { () async throws -> Bool in
            guard let current = try await store.canary(app: app), current.id == canary.id, current.state == .running, !Task.isCancelled else { return false }
            switch verdict {
            case .hold:
                try await store.recordCanaryEvent(id: canary.id, measured)
                await scheduler.event(app, "canary v\(canary.release): \(measured)")
                return true
            case .advance(let weight):
                await scheduler.setCanaryWeight(app, weight)
                try await store.setCanaryWeight(id: canary.id, weight: weight, event: "\(measured): advanced to \(weight)%")
                return true
            case .promote:
                do {
                    try await endCanary(current, .promoted, reason: "automatic analysis passed every step (\(measured))")
                } catch let error as DeployError {
                    try await endCanary(current, .aborted, reason: "its promotion failed: \(error)")
                }
                return false
            case .abort(let why):
                try await endCanary(current, .aborted, reason: "automatic analysis: \(why) (\(measured))")
                return false
            }
        }
    }

    /// The newest release newer than the live one that was live once (what a rollback left),
    /// or release `version`; refused when it failed, is pending or is the live one.
    private func canaryTarget(_ app: AppName, version: Int?, live: Release) async throws -> Release {
        guard let version else {
            let newer = try await store.releases(app: app, limit: 1000).filter { $0.version > live.version && $0.status == .superseded }
            guard let target = newer.first else {
                throw OperationError(.invalid, "\(app) has no release newer than the live v\(live.version) to canary; name one: gantry deploy:canary \(app) vN")
            }
            return target
        }
        guard let target = try? await store.release(app: app, version: version) else {
            throw OperationError(.notFound, "\(app) has no release v\(version); `gantry releases \(app)` lists them")
        }
        switch target.status {
        case .failed: throw OperationError(.conflict, "v\(version) of \(app) failed (\(target.failureReason ?? "deploy failed")); a canary runs a release that worked")
        case .pending: throw OperationError(.conflict, "v\(version) of \(app) is still being deployed")
        case .live: throw OperationError(.conflict, "v\(version) is the live release of \(app); a canary runs another release beside it")
        case .superseded: return target
        }
    }

    /// What `release` answered between the counts `earlier` and `now` (a release missing from
    /// either had answered nothing then).
    static func traffic(of release: Int, in now: [Int: ReleaseTraffic], since earlier: [Int: ReleaseTraffic]) -> ReleaseTraffic {
        (now[release] ?? ReleaseTraffic()).since(earlier[release] ?? ReleaseTraffic())
    }

    private func runningCanary(_ app: AppName) async throws -> Canary {
        guard let canary = try await store.canary(app: app), canary.state == .running else {
            throw OperationError(.conflict, "\(app) has no running canary; start one with git push -o canary=10 or gantry deploy:canary \(app)")
        }
        return canary
    }
}
