import Glibc

/// What `ImageLayout.collectGarbage` removed.
public struct GarbageCollectionReport: Hashable, Sendable {
    /// Tags dropped from `index.json` because they were not kept.
    public var removedTags: [String] = []
    /// Blobs deleted.
    public var removedBlobs: [Digest] = []
    /// Bytes freed by deleting them (hard-linked blobs, like the stack's, free less).
    public var freedBytes = 0
    /// Whether this only says what would be removed (nothing was).
    public var dryRun = false
}

extension ImageLayout {
    /// Drops the images tagged `tags` and deletes every blob no other image refers to, in one
    /// step of the actor: an image tagged meanwhile by another build is kept.
    /// - Returns: what was removed.
    @discardableResult
    public func collectGarbage(dropping tags: Set<String>, gracePeriod: Duration = .seconds(3600)) throws(ImageError) -> GarbageCollectionReport {
        let remaining = Set(try readIndex().manifests.compactMap(\.tag)).subtracting(tags)
        return try collectGarbage(keeping: remaining, gracePeriod: gracePeriod)
    }

    /// Drops the images tagged `tags` now — a failed build's, a destroyed app's — and deletes
    /// their blobs (manifest, config, layers) unless a remaining image refers to them, even
    /// when they were written within the grace period. Blobs of remaining images, the stack's
    /// among them, are never touched.
    /// - Returns: what was removed.
    @discardableResult
    public func discard(_ tags: Set<String>) throws(ImageError) -> GarbageCollectionReport {
        for descriptor in try readIndex().manifests where descriptor.tag.map(tags.contains) ?? false {
            pinned[descriptor.digest] = nil
            guard let manifest = try? manifest(descriptor.digest) else { continue }
            pinned[manifest.config.digest] = nil
            for layer in manifest.layers { pinned[layer.digest] = nil }
        }
        return try collectGarbage(dropping: tags)
    }

    /// The layers of every tagged image — or, with `tags`, of the images so tagged: what the
    /// layer cache must keep unpacked.
    public func layerDigests(of tags: Set<String>? = nil) throws(ImageError) -> Set<Digest> {
        var digests: Set<Digest> = []
        for descriptor in try readIndex().manifests where tags == nil || descriptor.tag.map { tags!.contains($0) } ?? false {
            digests.formUnion(try manifest(descriptor.digest).layers.map(\.digest))
        }
        return digests
    }

    /// Keeps the images tagged `tags` and deletes everything else: other tags leave
    /// `index.json`, then every blob no kept image refers to (manifest, config, layers) is
    /// deleted. The stack's layer is reachable only through its own tag (`Stack.tag`): list it.
    ///
    /// Blobs this store wrote or imported less than `gracePeriod` ago are kept even when no tag
    /// reaches them yet, so a build whose layer is written but whose image is not yet tagged
    /// keeps its layer. Temporary files older than a day (left by a crash) are deleted.
    /// With `dryRun`, nothing is changed: the report says what would be removed.
    /// - Returns: what was removed.
    /// - Throws: `ImageError.blobMissing` or `.corruptLayout` when a kept image cannot be read
    ///   (nothing is deleted then); `.io`.
    @discardableResult
    public func collectGarbage(keeping tags: Set<String>, gracePeriod: Duration = .seconds(3600), dryRun: Bool = false) throws(ImageError) -> GarbageCollectionReport {
        var report = GarbageCollectionReport(dryRun: dryRun)
        var index = try readIndex()
        let kept = index.manifests.filter { $0.tag.map(tags.contains) ?? false }
        var reachable: Set<Digest> = []
        for descriptor in kept {
            let manifest = try manifest(descriptor.digest)
            reachable.insert(descriptor.digest)
            reachable.insert(manifest.config.digest)
            reachable.formUnion(manifest.layers.map(\.digest))
        }
        if kept.count != index.manifests.count {
            report.removedTags = index.manifests.filter { !kept.contains($0) }.compactMap(\.tag).sorted()
            index.manifests = kept
            if !dryRun { try writeIndex(index) }
        }

        let now = ContinuousClock.now
        let pinned = self.pinned.filter { now - $0.value < gracePeriod }
        if !dryRun { self.pinned = pinned }
        let dayAgo = time(nil) - 86_400
        for name in try FileSystem.list(blobsDirectory) {
            let path = blobsDirectory + "/" + name
            if name.hasPrefix(".tmp-") {
                if !dryRun, let info = try FileSystem.status(path), info.st_mtim.tv_sec < dayAgo { unlink(path) }
                continue
            }
            guard let digest = Digest(hex: name), !reachable.contains(digest), pinned[digest] == nil,
                  let info = try FileSystem.status(path) else { continue }
            if !dryRun {
                try FileSystem.check(unlink(path), "remove", path)
                unlink(markersDirectory + "/" + name)
            }
            report.removedBlobs.append(digest)
            report.freedBytes += info.st_nlink > 1 ? 0 : Int(info.st_size)
        }
        report.removedBlobs.sort()
        return report
    }
}
