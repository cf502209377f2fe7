import Foundation
import GantryCore
import GantryGit
import GantryImage
import GantryStore

extension Pipeline {
    /// After gantryd starts, before it serves: settles what a stopped gantryd left in flight
    /// (`Store.reconcileInFlight`), moves the refs of releases that went live just before it
    /// stopped, then runs each app's live release again — adopting its containers that kept
    /// running, starting the missing ones — and removes every other container.
    ///
    /// Nothing healthy is stopped because of a bookkeeping error: an app whose live release
    /// cannot be planned (an image gone, a database error) keeps its running containers, and
    /// when the live releases cannot be read at all no container is removed.
    /// - Parameter repositoryPath: the bare repository of an app.
    /// - Returns: one line per action, for the log.
    public func restoreLiveReleases(repositoryPath: @Sendable (AppName) -> String) async -> [String] {
        var report: [String] = []
        do {
            let reconciled = try await store.reconcileInFlight()
            report += reconciled.lines
            for live in reconciled.liveBuilds {
                if let line = await moveRef(of: live, repositoryPath: repositoryPath(live.app)) { report.append(line) }
            }
        } catch {
            report.append("cannot reconcile what was in flight: \(error)")
        }
        var plans: [Deployer.Plan] = []
        var keep: Deployer.Keep = .apps([:])
        for app in (try? await store.apps()) ?? [] { await scheduler.register(app.name) }
        do {
            for release in try await store.liveReleases() {
                do throws(any Error) {
                    guard let image = try await builder.layout.image(tag: release.imageTag) else {
                        throw BuildError.other("image \(release.imageTag) is gone")
                    }
                    plans.append(try await plan(release, image: image, manifests: nil))
                } catch {
                    report.append("\(release.app) v\(release.version) cannot be planned (\(error)); its running containers are kept, unsupervised")
                    keep.insert(release.app, version: release.version)
                }
            }
        } catch {
            report.append("cannot read the live releases (\(error)); every running container is kept, unsupervised")
            keep = .everything
        }
        return report + (await scheduler.restore(plans, keeping: keep))
    }

    /// Moves `live.ref` from the push's old commit to its new one when the release went live
    /// but gantryd stopped before the ref moved (the commit is in the repository: objects are
    /// stored before a release is recorded). A ref anywhere else is left alone.
    private func moveRef(of live: Reconciliation.LiveBuild, repositoryPath: String) async -> String? {
        guard let objects = try? await RepositoryObjects.open(at: repositoryPath) else { return nil }
        let command = RefCommand(name: live.ref.rawValue, old: live.oldCommit, new: live.newCommit)
        let moved = await objects.run { repository -> RefResult? in
            guard (try? repository.target(of: live.ref)) ?? nil ?? .zero == live.oldCommit,
                (try? repository.objectType(of: live.newCommit)) == "commit"
            else { return nil }
            return repository.update([command]).first
        }
        guard let moved else { return nil }
        return moved.isOK
            ? "moved \(live.ref) of \(live.app) to \(live.newCommit.short): v\(live.release) went live before gantryd stopped"
            : "cannot move \(live.ref) of \(live.app) to \(live.newCommit.short) (v\(live.release) is live): \(moved)"
    }

    /// The app's running processes, for `gantry ps`.
    public func processes(of app: AppName) async -> [AppProcess] {
        await scheduler.processes(of: app)
    }

    /// How many app processes are up, across apps (`gantry_running_containers`).
    public func runningContainers() async -> Int {
        await scheduler.runningCount()
    }

    /// Makes the router know a new app (503 until its first release, not 404).
    public func register(_ app: AppName) async {
        await scheduler.register(app)
    }

    /// Stops a destroyed app's processes, takes it out of the router, then removes what it had
    /// on disk (`purgeDisk`).
    public func remove(_ app: AppName) async {
        await scheduler.remove(app)
        await purgeDisk(of: app)
    }

    /// Watches the running processes until cancelled (`Deployer.supervise`).
    public func supervise() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await scheduler.supervise() }
            group.addTask {
                for await failure in scheduler.canaryFailures { await abortFailedCanary(failure) }
            }
        }
    }
}
