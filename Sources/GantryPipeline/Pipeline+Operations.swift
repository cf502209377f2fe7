import GantryCore
import GantryImage
import GantryStore

/// What users do to a running app besides pushing — roll back, change config, scale, restart.
/// Each takes its turn in the app's queue with pushes, and each deploy goes through the same
/// health-checked, zero-downtime `Deployer.deploy` as a push.
extension Pipeline {
    /// Rolls `app` back to release `version` (default: the last good release before the live
    /// one): a new release with that release's image and config, deployed without a build.
    /// - Throws: `OperationError` (`.notFound`, `.conflict` for a failed release, the live one
    ///   or a release whose image is gone, `.failed` when the deploy fails — the live release
    ///   keeps serving); `StoreError`.
    public func rollback(_ app: AppName, to version: Int?, trigger: Trigger) async throws -> Release {
        try await queues.serialized(app) { () async throws -> Release in
            let live = try await store.currentRelease(app: app)
            let target: Release
            if let version {
                do { target = try await store.release(app: app, version: version) } catch StoreError.releaseNotFound {
                    throw OperationError(.notFound, "\(app) has no release v\(version); `gantry releases \(app)` lists them")
                }
            } else {
                guard let live else { throw OperationError(.conflict, "\(app) has no live release to roll back from") }
                let earlier = try await store.releases(app: app, limit: 1000, before: live.version)
                guard let good = earlier.first(where: { $0.status == .superseded }) else {
                    throw OperationError(.conflict, "\(app) has no earlier good release than v\(live.version) to roll back to")
                }
                target = good
            }
            switch target.status {
            case .failed:
                throw OperationError(.conflict, "v\(target.version) of \(app) failed (\(target.failureReason ?? "deploy failed")); roll back to a release that was live")
            case .pending:
                throw OperationError(.conflict, "v\(target.version) of \(app) is still being deployed")
            case .live:
                throw OperationError(.conflict, "v\(target.version) is already the live release of \(app)")
            case .superseded: break
            }
            try await abortRunningCanary(app, reason: "aborted by the rollback to v\(target.version)")
            return try await redeploy(
                target, config: target.config, description: "Rollback to v\(target.version)",
                trigger: Trigger(.rollback, by: trigger.by))
        }
    }

    /// Changes `app`'s config vars; unless `deploy` is false, the live release's image is
    /// released again with the new config (`Set K1, K2 config vars`) and deployed.
    /// - Returns: the config afterwards and the new release, if one was made.
    /// - Throws: `StoreError` for an invalid change (nothing changes); `OperationError.failed`
    ///   when the deploy fails (the config change is kept, the live release keeps serving).
    public func changeConfig(_ app: AppName, _ change: ConfigChange, deploy: Bool, trigger: Trigger) async throws -> ConfigChangeResult {
        try await queues.serialized(app) { () async throws -> ConfigChangeResult in
            if deploy, let canary = try await store.canary(app: app), canary.state == .running {
                throw OperationError(
                    .conflict, "\(app) has a canary running (v\(canary.release) at \(canary.weight)%): promote or abort it before changing config (or use --no-deploy)")
            }
            let before = try await store.config(app: app)
            let config = try await store.changeConfig(app: app, set: change.set, unset: change.unset)
            let diff = ConfigDiff(from: before, to: config)
            guard deploy, !diff.isEmpty, let live = try await store.currentRelease(app: app) else {
                return ConfigChangeResult(config: config, release: nil)
            }
            let release = try await redeploy(live, config: config, description: Self.describe(diff), trigger: Trigger(.config, by: trigger.by))
            return ConfigChangeResult(config: config, release: release.summary)
        }
    }

    /// Scales `app`'s live release: `formation` names the types to change.
    /// - Throws: `OperationError` for a type the live release does not have or no live
    ///   release; `StoreError.invalidFormation` for a count out of range; `.failed` when a
    ///   new process does not come up (the formation stays as it was).
    public func scale(_ app: AppName, _ formation: [String: Int]) async throws -> [AppProcess] {
        _ = try Formation(formation)
        return try await queues.serialized(app) { () async throws -> [AppProcess] in
            let live = try await liveRelease(app)
            if formation[Formation.releaseType] != nil {
                throw OperationError(.invalid, "the release process runs once per release, before it takes traffic; it cannot be scaled")
            }
            for type in formation.keys.sorted() where live.processTypes[type] == nil {
                let known = live.processTypes.keys.sorted().joined(separator: ", ")
                throw OperationError(.invalid, "\(app) has no process type '\(type)' (v\(live.version) has: \(known.isEmpty ? "none" : known))")
            }
            let processes: [AppProcess]
            do {
                processes = try await scheduler.scale(app, to: formation) { line in logger.info("\(app): \(line)") }
            } catch {
                throw OperationError(.failed, "scaling \(app) failed: \(error); it runs as before")
            }
            _ = try await store.setFormation(app: app, formation)
            return processes
        }
    }

    /// Restarts `app`'s processes, all or those of one type.
    public func restart(_ app: AppName, type: String?) async throws -> [AppProcess] {
        try await queues.serialized(app) { () async throws -> [AppProcess] in
            let live = try await liveRelease(app)
            if let type, live.processTypes[type] == nil {
                throw OperationError(.invalid, "\(app) has no process type '\(type)'")
            }
            do {
                return try await scheduler.restart(app, type: type) { line in logger.info("\(app): \(line)") }
            } catch {
                throw OperationError(.failed, "restarting \(app) failed: \(error)")
            }
        }
    }

    /// The app's logs (see `AppLogs`).
    public func logs(_ app: AppName, _ query: LogQuery) async -> AsyncStream<[LogLine]> {
        let logs = await scheduler.logs(of: app)
        if query.follow { return logs.follow(query) }
        let lines = logs.tail(query)
        return AsyncStream { continuation in
            continuation.yield(lines)
            continuation.finish()
        }
    }

    /// The app's live release; scaling and restarts need one.
    func liveRelease(_ app: AppName) async throws -> Release {
        guard let live = try await store.currentRelease(app: app) else {
            throw OperationError(.conflict, "\(app) has no live release; deploy it with `git push` first")
        }
        return live
    }

    /// Records and deploys a release of `base`'s image with `config`: no build.
    func redeploy(_ base: Release, config: [String: String], description: String, trigger: Trigger) async throws -> Release {
        let app = base.app
        let image = try await storedImage(of: base)
        let release = try await store.createRelease(
            app: app, buildID: base.buildID, imageTag: base.imageTag, imageDigest: base.imageDigest, imageReference: base.imageReference,
            commit: base.commit,
            config: config, processTypes: base.processTypes, description: description, createdBy: trigger.by, origin: trigger.origin)
        await scheduler.event(app, "v\(release.version): \(description) (by \(trigger.by))")
        var phase: ReleasePhase?
        do {
            let plan = try await plan(release, image: image, manifests: nil)
            // Its release command runs again, as on Heroku: the config it runs with changed,
            // or the schema must go back with the code.
            phase = try await runReleasePhase(plan, of: release) { line in logger.info("\(app) v\(release.version) release command: \(line)") }
            try await scheduler.deploy(plan) { line in logger.info("\(app) v\(release.version): \(line)") }
        } catch {
            let reason = (error as? DeployError)?.description ?? "\(error)"
            try? await store.markReleaseFailed(id: release.id, reason: reason)
            events(.releaseFinished(app: app, status: .failed))
            var message = "v\(release.version) of \(app) did not go live: \(reason); the live release keeps serving"
            if case .releaseCommandFailed(_, let lastLines) = error as? DeployError, !lastLines.isEmpty {
                message += "\nLast lines of the release command (all of them: gantry releases:info \(app) \(release.name)):\n"
                message += lastLines.map { "  " + $0 }.joined(separator: "\n")
            }
            throw OperationError(.failed, message)
        }
        try await store.markReleaseLive(id: release.id)
        events(.releaseFinished(app: app, status: .live))
        await collectGarbage(app)
        var live = release
        live.status = .live
        live.releasePhase = phase
        return live
    }

    /// The image `release` runs, for a release made from it without a build.
    /// - Throws: `OperationError.conflict` when it was collected.
    func storedImage(of release: Release) async throws -> Image {
        guard let image = try await builder.layout.image(tag: release.imageTag) else {
            throw OperationError(.conflict, "the image of v\(release.version) (\(release.imageTag)) is no longer stored; push its commit again to rebuild it")
        }
        return image
    }

    /// `Set A, B config vars`, `Unset C config vars`, `Set A and unset C config vars`.
    static func describe(_ diff: ConfigDiff) -> String {
        let set = diff.added + diff.changed
        let setText = set.isEmpty ? nil : "\(set.sorted().joined(separator: ", "))"
        let unsetText = diff.removed.isEmpty ? nil : diff.removed.joined(separator: ", ")
        switch (setText, unsetText) {
        case let (set?, unset?): return "Set \(set) and unset \(unset) config vars"
        case let (set?, nil): return "Set \(set) config vars"
        case let (nil, unset?): return "Unset \(unset) config vars"
        case (nil, nil): return "Config unchanged"
        }
    }
}
