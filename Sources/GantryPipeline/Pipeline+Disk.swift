import Foundation
import GantryCore
import GantryImage

extension Pipeline {
    /// Removes what a failed build left on disk — its image, the blobs and the unpacked layer
    /// no other image uses — so a red build or an unhealthy release costs no space. The live
    /// release's and kept releases' images, the stack's among them, are never touched: a blob
    /// another image refers to stays. A failure is logged, never fatal.
    func discardBuild(_ app: AppName, build id: Int64) async {
        await discardImages(Set([Builder.tag(app, id)]), of: app)
    }

    /// Removes everything `app` had on disk, once it is destroyed (its row gone, its processes
    /// stopped): its images with their blobs and unpacked layers that no other app uses, its
    /// build cache and its logs. Its repository is the HTTP door's to remove.
    func purgeDisk(of app: AppName) async {
        do {
            await discardImages(Set(try await builder.layout.tags().filter { Self.isBuildTag($0, of: app) }), of: app)
        } catch {
            logger.warning("\(app): cannot list its images to remove them: \(error)")
        }
        for directory in [builder.cacheDirectory, deployer.logsDirectory] {
            UntrustedTree.remove(directory + "/" + app.rawValue)
        }
    }

    /// Drops `tags` at once and deletes the blobs and unpacked layers only they used.
    private func discardImages(_ tags: Set<String>, of app: AppName) async {
        guard !tags.isEmpty else { return }
        do {
            let report = try await builder.layout.discard(tags)
            let layers = await builder.layerCache.remove(Set(report.removedBlobs))
            guard !report.removedTags.isEmpty else { return }
            logger.info("\(app): removed \(report.removedTags.joined(separator: ", ")), \(report.removedBlobs.count) blobs (\(report.freedBytes / 1_000_000) MB), \(layers.count) unpacked layers")
        } catch {
            logger.warning("\(app): cannot remove images \(tags.sorted().joined(separator: ", ")): \(error)")
        }
    }

    /// Whether `tag` names a build image of `app`: `APP-build-ID` (not one of an app named
    /// `APP-build`).
    static func isBuildTag(_ tag: String, of app: AppName) -> Bool {
        let prefix = Builder.tag(app, 0).dropLast()
        let rest = tag.dropFirst(prefix.count)
        return tag.hasPrefix(prefix) && !rest.isEmpty && rest.allSatisfy(\.isNumber)
    }
}
