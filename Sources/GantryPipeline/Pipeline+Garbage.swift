import Foundation
import GantryCore
import GantryImage
import GantryStore

extension Pipeline {
    /// `gantry gc`: finds — and unless `dryRun`, removes — what nothing refers to any more:
    /// images no kept release (the live one and the last `keptReleases` good ones of each app),
    /// pending release or unfinished build uses; blobs of no remaining image; unpacked layers
    /// of no remaining image; build workspaces and ENV_DIRs in tmp of builds that are over;
    /// the build caches and logs of apps that no longer exist. Blobs this gantryd wrote and
    /// layers it adopted within the last hour are spared: a build may be about to tag them, or
    /// retiring processes still run on them (after a restart nothing is spared).
    /// - Throws: `StoreError`, `ImageError` when the store or the image layout cannot be read
    ///   (nothing is removed then).
    public func collectGarbage(dryRun: Bool) async throws -> GarbageReport {
        let apps = try await store.apps().map(\.name)
        var keptTags: Set<String> = [builder.stack.tag]
        var runningBuilds: Set<String> = []
        for app in apps {
            let releases = try await store.releases(app: app, limit: 10_000)
            let good = releases.filter { $0.status == .live || $0.status == .superseded }
            keptTags.formUnion(good.prefix(keptReleases).map(\.imageTag))
            keptTags.formUnion(releases.filter { $0.status == .pending }.map(\.imageTag))
            for build in try await store.builds(app: app, limit: 20) where !build.status.isFinished || build.status == .built {
                keptTags.insert(Builder.tag(app, build.id))
                runningBuilds.insert("\(app.rawValue)-\(build.id)")
            }
        }
        var items: [GarbageReport.Item] = []
        let layout = builder.layout
        let tagsBefore = Set(try await layout.tags())
        // A dry run first, to measure the blobs before they go.
        var images = try await layout.collectGarbage(keeping: keptTags, dryRun: true)
        var blobBytes: [Digest: Int] = [:]
        for digest in images.removedBlobs { blobBytes[digest] = DiskUsage.bytes(of: layout.blobPath(digest)) }
        if !dryRun { images = try await layout.collectGarbage(keeping: keptTags) }
        items += images.removedTags.map { GarbageReport.Item(kind: "image", name: $0, bytes: 0) }
        items += images.removedBlobs.map { GarbageReport.Item(kind: "blob", name: $0.description, bytes: blobBytes[$0] ?? 0) }

        let layers = try await layout.layerDigests(of: tagsBefore.subtracting(images.removedTags))
        let cache = builder.layerCache
        for digest in try await cache.prune(keeping: layers, dryRun: true) {
            items.append(GarbageReport.Item(kind: "layer", name: digest.description, bytes: DiskUsage.bytes(of: cache.directory(of: digest))))
        }
        if !dryRun { try await cache.prune(keeping: layers) }
        items += await leftovers(apps: Set(apps.map(\.rawValue)), runningBuilds: runningBuilds, dryRun: dryRun)
        logger.info("gc\(dryRun ? " (dry run)" : ""): \(items.count) items, \(items.reduce(0) { $0 + $1.bytes } / 1_000_000) MB")
        return GarbageReport(dryRun: dryRun, items: items)
    }

    /// Build workspaces and ENV_DIRs in tmp of builds that are over, and the caches and logs of
    /// apps that are gone; removed unless `dryRun`.
    private func leftovers(apps: Set<String>, runningBuilds: Set<String>, dryRun: Bool) async -> [GarbageReport.Item] {
        var paths: [(kind: String, path: String)] = []
        let files = FileManager.default
        for name in (try? files.contentsOfDirectory(atPath: scratch)) ?? [] {
            // build-APP-ID, env-APP-ID-STAGE, env-APP-ID-STAGE-release
            guard let build = Self.buildOfScratchEntry(name), !runningBuilds.contains(build) else { continue }
            paths.append(("workspace", scratch + "/" + name))
        }
        for (kind, directory) in [("cache", builder.cacheDirectory), ("logs", deployer.logsDirectory)] {
            for name in (try? files.contentsOfDirectory(atPath: directory)) ?? [] where !apps.contains(name) {
                paths.append((kind, directory + "/" + name))
            }
        }
        let dataDirectory = (scratch as NSString).deletingLastPathComponent
        var items: [GarbageReport.Item] = []
        for (kind, path) in paths.sorted(by: { $0.path < $1.path }) {
            items.append(GarbageReport.Item(kind: kind, name: path.replacingOccurrences(of: dataDirectory + "/", with: ""), bytes: DiskUsage.bytes(of: path)))
            if !dryRun { UntrustedTree.remove(path) }  // a build may have nested them past PATH_MAX
        }
        return items
    }

    /// `APP-ID` for a tmp entry a build made (`build-APP-ID`, `env-APP-ID-STAGE…`), else `nil`.
    static func buildOfScratchEntry(_ name: String) -> String? {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        switch parts.first {
        case "build":
            guard parts.count >= 3, parts.last!.allSatisfy(\.isNumber), !parts.last!.isEmpty else { return nil }
            return parts.dropFirst().joined(separator: "-")
        case "env":
            // The build id is the last all-digit part followed by the stage name(s).
            guard let index = parts.indices.dropFirst(2).last(where: { !parts[$0].isEmpty && parts[$0].allSatisfy(\.isNumber) }) else { return nil }
            return parts[1...index].joined(separator: "-")
        default:
            return nil
        }
    }
}
