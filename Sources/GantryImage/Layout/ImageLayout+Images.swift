extension ImageLayout {
    /// Writes an image: its config blob (with `rootfs.diff_ids` set from `layers`), its manifest
    /// blob, and its entry in `index.json` under `tag`, replacing any image with that tag. The
    /// JSON is canonical (sorted keys), so the same layers and config always give the same
    /// manifest digest.
    /// - Parameters:
    ///   - layers: the layers, lowest (the stack) first; their blobs must be in the store.
    ///   - tag: an OCI reference name, e.g. `hello:v3` or `stack:bookworm-2026.11`.
    /// - Returns: the image as stored.
    /// - Throws: `ImageError.invalidTag`, `.blobMissing` for a layer not in the store, `.io`,
    ///   `.corruptLayout` when `index.json` cannot be read.
    @discardableResult
    public func writeImage(layers: [Layer], config: ImageConfig, tag: String) throws(ImageError) -> Image {
        guard Tag.isValid(tag) else { throw .invalidTag(tag) }
        for layer in layers where !hasBlob(layer.digest) { throw .blobMissing(layer.digest) }
        var config = config
        config.rootfs = ImageConfig.RootFS(diffIDs: layers.map(\.diffID))
        let configBytes = CanonicalJSON.encode(config)
        let configDigest = try writeBlob(configBytes)
        let manifest = Manifest(
            config: Descriptor(mediaType: MediaType.config, digest: configDigest, size: configBytes.count),
            layers: layers.map(\.descriptor))
        let manifestBytes = CanonicalJSON.encode(manifest)
        let digest = try writeBlob(manifestBytes)

        var index = try readIndex()
        index.manifests.removeAll { $0.tag == tag }
        index.manifests.append(Descriptor(
            mediaType: MediaType.manifest, digest: digest, size: manifestBytes.count,
            annotations: [Descriptor.refNameAnnotation: tag]))
        try writeIndex(index)
        return Image(tag: tag, digest: digest, configDigest: configDigest, config: config, layers: layers)
    }

    /// The image tagged `tag`, or `nil` when no image has that tag.
    /// - Throws: `ImageError.blobMissing` or `.digestMismatch` when its blobs are gone or
    ///   damaged; `.corruptLayout` when its JSON cannot be read.
    public func image(tag: String) throws(ImageError) -> Image? {
        guard let descriptor = try readIndex().manifests.first(where: { $0.tag == tag }) else { return nil }
        return try image(tag: tag, manifestDigest: descriptor.digest)
    }

    /// The tags in the store, sorted.
    /// - Throws: `ImageError.corruptLayout` when `index.json` cannot be read.
    public func tags() throws(ImageError) -> [String] {
        try readIndex().manifests.compactMap(\.tag).sorted()
    }

    /// The manifest blob with `digest`.
    /// - Throws: `ImageError.blobMissing`, `.digestMismatch`, `.corruptLayout`.
    public func manifest(_ digest: Digest) throws(ImageError) -> Manifest {
        try CanonicalJSON.decode(Manifest.self, from: readBlob(digest), path: blobPath(digest), root: root)
    }

    /// The config blob with `digest`.
    /// - Throws: `ImageError.blobMissing`, `.digestMismatch`, `.corruptLayout`.
    public func config(_ digest: Digest) throws(ImageError) -> ImageConfig {
        try CanonicalJSON.decode(ImageConfig.self, from: readBlob(digest), path: blobPath(digest), root: root)
    }

    /// Removes `tag` from `index.json`. Its blobs stay until `collectGarbage`.
    /// - Returns: whether the tag was there.
    /// - Throws: `ImageError.io`, `.corruptLayout`.
    @discardableResult
    public func removeTag(_ tag: String) throws(ImageError) -> Bool {
        var index = try readIndex()
        let count = index.manifests.count
        index.manifests.removeAll { $0.tag == tag }
        guard index.manifests.count != count else { return false }
        try writeIndex(index)
        return true
    }

    func image(tag: String, manifestDigest: Digest) throws(ImageError) -> Image {
        let manifest = try manifest(manifestDigest)
        let config = try config(manifest.config.digest)
        guard config.rootfs.diffIDs.count == manifest.layers.count else {
            throw .corruptLayout(path: root, reason: "image \(tag) lists \(manifest.layers.count) layers and \(config.rootfs.diffIDs.count) diff_ids")
        }
        let layers = zip(manifest.layers, config.rootfs.diffIDs).map { descriptor, diffID in
            Layer(digest: descriptor.digest, size: descriptor.size, diffID: diffID, mediaType: descriptor.mediaType)
        }
        return Image(tag: tag, digest: manifestDigest, configDigest: manifest.config.digest, config: config, layers: layers)
    }

    func readIndex() throws(ImageError) -> ImageIndex {
        try CanonicalJSON.decode(ImageIndex.self, from: FileSystem.readFile(indexPath), path: indexPath, root: root)
    }

    /// Writes `index.json` atomically, entries sorted by tag.
    func writeIndex(_ index: ImageIndex) throws(ImageError) {
        var index = index
        index.manifests.sort { ($0.tag ?? "", $0.digest.hex) < ($1.tag ?? "", $1.digest.hex) }
        try FileSystem.writeAtomically(CanonicalJSON.encode(index), to: indexPath)
    }
}
