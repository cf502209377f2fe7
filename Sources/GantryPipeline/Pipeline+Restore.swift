import GantryCore
import GantryImage

extension Pipeline {
    /// At gantryd's start: every app's live release serves again — its running containers
    /// adopted, missing processes started, everything else removed (see `Deployer.restore`).
    /// - Returns: what was done, one line each, for the log.
    public func restoreLiveReleases() async -> [String] {
        var plans: [Deployer.Plan] = []
        var report: [String] = []
        for app in (try? await store.apps()) ?? [] { await deployer.register(app.name) }
        do {
            for release in try await store.liveReleases() {
                do {
                    guard let image = try await builder.layout.image(tag: release.imageTag) else {
                        report.append("\(release.app) v\(release.version): image \(release.imageTag) is gone; not restarted")
                        continue
                    }
                    plans.append(try await plan(release, image: image, manifests: nil))
                } catch {
                    report.append("\(release.app) v\(release.version): \(error)")
                }
            }
        } catch {
            report.append("cannot read the live releases: \(error)")
        }
        return report + (await deployer.restore(plans))
    }

    /// The app's running processes, for `gantry ps`.
    public func processes(of app: AppName) async -> [AppProcess] {
        await deployer.processes(of: app)
    }

    /// How many app processes are up, across apps (`gantry_running_containers`).
    public func runningContainers() async -> Int {
        await deployer.runningCount()
    }

    /// Makes the router know a new app (503 until its first release, not 404).
    public func register(_ app: AppName) async {
        await deployer.register(app)
    }

    /// Stops a destroyed app's processes, takes it out of the router, then removes what it had
    /// on disk (`purgeDisk`).
    public func remove(_ app: AppName) async {
        await deployer.remove(app)
        await purgeDisk(of: app)
    }

    /// Watches the running processes until cancelled (`Deployer.supervise`).
    public func supervise() async {
        await deployer.supervise()
    }
}
