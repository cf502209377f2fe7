import GantryCore
import GantryImage

extension Pipeline {
    /// Drops the images of `app` that no kept release runs — the live release and the last
    /// `keptReleases` good ones (live or superseded) stay, so rollbacks to them never rebuild,
    /// and a pending one's (a running canary's) —
    /// then the blobs and unpacked layers nothing refers to any more. Runs in the app's turn,
    /// after a release went live; a failure is logged, never fatal.
    func collectGarbage(_ app: AppName) async {
        do {
            let releases = try await store.releases(app: app, limit: 10_000)
            let good = releases.filter { $0.status == .live || $0.status == .superseded }
            let kept = Set(good.prefix(keptReleases).map(\.imageTag) + releases.filter { $0.status == .pending }.map(\.imageTag))
            let ours = try await builder.layout.tags().filter { Self.isBuildTag($0, of: app) }
            let dropped = Set(ours).subtracting(kept)
            guard !dropped.isEmpty else { return }
            // Their blobs go now, however recent: nothing runs on a blob (running containers use
            // unpacked layers, which `prune` spares for an hour after they are adopted).
            let report = try await builder.layout.discard(dropped)
            let layers = try await builder.layout.layerDigests()
            let unpacked = try await builder.layerCache.prune(keeping: layers)
            logger.info("\(app): dropped \(report.removedTags.count) old images, \(report.removedBlobs.count) blobs (\(report.freedBytes >> 20) MB), \(unpacked.count) unpacked layers")
        } catch {
            logger.warning("\(app): garbage collection failed: \(error)")
        }
    }
}
