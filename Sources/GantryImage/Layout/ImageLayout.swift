import Glibc

/// Gantry's image store: an OCI image layout in a directory (gantryd uses `DATA_DIR/images`).
///
/// ```
/// ROOT/
///   oci-layout           {"imageLayoutVersion":"1.0.0"}
///   index.json           one manifest descriptor per tag (org.opencontainers.image.ref.name)
///   blobs/sha256/HEX     layers, configs, manifests, named by their SHA-256
///   .gantry/verified/HEX Gantry's notes that a large imported blob was hashed (see importStack)
/// ```
///
/// Blobs are written to a `.tmp-*` file in `blobs/sha256` and renamed to their digest only once
/// complete and synced, so a crash never leaves a partial blob under a digest name.
/// `index.json` changes are serialized by the actor and written to a temporary file renamed
/// over the old one. `skopeo` and `umoci` read the store as it is (`oci:ROOT:TAG`).
public actor ImageLayout {
    /// The layout's directory.
    public nonisolated let root: String
    /// Blobs written or imported recently, with when: garbage collection leaves them alone
    /// for its grace period, so a layer written for an image not yet tagged survives.
    var pinned: [Digest: ContinuousClock.Instant] = [:]

    /// Opens the layout at `root`, creating it when missing.
    /// - Parameter root: an absolute path.
    /// - Throws: `ImageError.io` when it cannot be created; `.corruptLayout` when `oci-layout`
    ///   or `index.json` is not what an OCI 1.x layout holds.
    public init(root: String) throws(ImageError) {
        precondition(root.hasPrefix("/"), "ImageLayout needs an absolute path")
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        try FileSystem.makeDirectories(blobsDirectory)
        try FileSystem.makeDirectories(markersDirectory)
        let layoutFile = self.root + "/oci-layout"
        if FileSystem.exists(layoutFile) {
            let marker = try CanonicalJSON.decode(LayoutMarker.self, from: FileSystem.readFile(layoutFile), path: layoutFile, root: self.root)
            guard marker.imageLayoutVersion.hasPrefix("1.") else {
                throw .corruptLayout(path: self.root, reason: "unsupported imageLayoutVersion \(marker.imageLayoutVersion)")
            }
        } else {
            try FileSystem.writeAtomically(CanonicalJSON.encode(LayoutMarker()), to: layoutFile)
        }
        if !FileSystem.exists(indexPath) {
            try FileSystem.writeAtomically(CanonicalJSON.encode(ImageIndex()), to: indexPath)
        }
    }

    nonisolated var blobsDirectory: String { root + "/blobs/sha256" }
    nonisolated var indexPath: String { root + "/index.json" }
    nonisolated var markersDirectory: String { root + "/.gantry/verified" }

    /// Where the blob with `digest` is (or would be) stored.
    public nonisolated func blobPath(_ digest: Digest) -> String {
        blobsDirectory + "/" + digest.hex
    }

    /// Whether the store holds the blob with `digest`.
    public nonisolated func hasBlob(_ digest: Digest) -> Bool {
        FileSystem.exists(blobPath(digest))
    }

    /// Archives the tree under `directory` as a reproducible layer blob (see `LayerWriter`).
    /// The tar is written to a temporary file in the blob directory on a thread outside Swift's
    /// cooperative pool, then renamed to its digest, or dropped when that blob exists already.
    /// - Parameter prefix: where the tree goes in the layer (`app` for `/app`); empty for `/`.
    /// - Returns: the layer, ready for `writeImage`.
    /// - Throws: `ImageError.invalidPrefix`, `.io`, `.fileChanged`.
    public func addLayer(from directory: String, prefix: String = "") async throws(ImageError) -> Layer {
        let writer = try LayerWriter(prefix: prefix)
        let blobs = blobsDirectory
        let (layer, temporary) = try await runBlocking { () throws(ImageError) -> (Layer, String) in
            let (fd, temporary) = try FileSystem.createTemporary(in: blobs)
            do throws(ImageError) {
                return (try writer.write(directory: directory, to: TarOutput(fd: fd, path: temporary)), temporary)
            } catch {
                unlink(temporary)
                throw error
            }
        }
        try adopt(temporary, as: layer.digest)
        return layer
    }

    /// Adds the file at `file` as a blob, hard-linked when it is on the same file system (no
    /// copy), copied otherwise. Its content is hashed and must match: a file whose digest or
    /// size differs is refused and nothing is left behind. A blob already present is kept.
    /// - Parameters:
    ///   - expectedDigest: the digest the file must have; the blob's name.
    ///   - expectedSize: the size it must have, when known.
    /// - Throws: `ImageError.digestMismatch`, `.sizeMismatch`, `.io`.
    public func importBlob(file: String, expectedDigest: Digest, expectedSize: Int? = nil) async throws(ImageError) {
        if hasBlob(expectedDigest) {
            pinned[expectedDigest] = .now
            return
        }
        let blobs = blobsDirectory
        let temporary = try await runBlocking { () throws(ImageError) -> String in
            try Self.linkOrCopy(file, into: blobs, expectedDigest: expectedDigest, expectedSize: expectedSize)
        }
        try adopt(temporary, as: expectedDigest)
    }

    /// Writes `bytes` as a blob unless it exists.
    /// - Returns: the blob's digest.
    func writeBlob(_ bytes: [UInt8]) throws(ImageError) -> Digest {
        let digest = Digest.of(bytes)
        if !hasBlob(digest) {
            let (fd, temporary) = try FileSystem.createTemporary(in: blobsDirectory)
            do {
                defer { close(fd) }
                try FileSystem.writeAll(fd, bytes, path: temporary)
                try FileSystem.check(fsync(fd), "sync", temporary)
            } catch {
                unlink(temporary)
                throw error
            }
            try adopt(temporary, as: digest)
        }
        pinned[digest] = .now
        return digest
    }

    /// The content of the blob with `digest`, checked against the digest.
    /// - Throws: `ImageError.blobMissing`, `.digestMismatch`, `.io`.
    func readBlob(_ digest: Digest) throws(ImageError) -> [UInt8] {
        let path = blobPath(digest)
        guard FileSystem.exists(path) else { throw .blobMissing(digest) }
        let bytes = try FileSystem.readFile(path)
        let actual = Digest.of(bytes)
        guard actual == digest else { throw .digestMismatch(path: path, expected: digest, actual: actual) }
        return bytes
    }

    /// Renames a complete, synced temporary file in the blob directory to its digest's name,
    /// or removes it when a blob of that name exists (same digest, same content).
    func adopt(_ temporary: String, as digest: Digest) throws(ImageError) {
        let path = blobPath(digest)
        if FileSystem.exists(path) {
            unlink(temporary)
        } else if rename(temporary, path) == -1 {
            let error = errno
            unlink(temporary)
            throw .io(operation: "rename into place", path: path, errno: error)
        }
        FileSystem.syncDirectory(blobsDirectory)
        pinned[digest] = .now
    }

    /// Hard-links (or, across file systems, copies) `file` to a temporary name in `blobs` and
    /// checks its size and digest.
    /// - Returns: the temporary file's path.
    static func linkOrCopy(_ file: String, into blobs: String, expectedDigest: Digest, expectedSize: Int?) throws(ImageError) -> String {
        let temporary = blobs + "/" + FileSystem.temporaryName()
        let actual: (digest: Digest, size: Int)
        if link(file, temporary) == 0 {
            do throws(ImageError) {
                if let expectedSize, let info = try FileSystem.status(temporary), Int(info.st_size) != expectedSize {
                    throw ImageError.sizeMismatch(path: file, expected: expectedSize, actual: Int(info.st_size))
                }
                actual = try FileSystem.digest(ofFile: temporary)
            } catch {
                unlink(temporary)
                throw error
            }
        } else if [EXDEV, EPERM, EMLINK].contains(errno) {
            let source = try FileSystem.check(open(file, O_RDONLY | O_CLOEXEC), "open", file)
            defer { close(source) }
            let (fd, copy) = try FileSystem.createTemporary(in: blobs)
            defer { close(fd) }
            do {
                actual = try FileSystem.digest(of: source, path: file, copyTo: (fd, copy))
                try FileSystem.check(fsync(fd), "sync", copy)
            } catch {
                unlink(copy)
                throw error
            }
            return try checked(copy, actual, file: file, expectedDigest: expectedDigest, expectedSize: expectedSize)
        } else {
            throw .io(operation: "link", path: file, errno: errno)
        }
        return try checked(temporary, actual, file: file, expectedDigest: expectedDigest, expectedSize: expectedSize)
    }

    private static func checked(_ temporary: String, _ actual: (digest: Digest, size: Int), file: String, expectedDigest: Digest, expectedSize: Int?) throws(ImageError) -> String {
        if let expectedSize, actual.size != expectedSize {
            unlink(temporary)
            throw .sizeMismatch(path: file, expected: expectedSize, actual: actual.size)
        }
        if actual.digest != expectedDigest {
            unlink(temporary)
            throw .digestMismatch(path: file, expected: expectedDigest, actual: actual.digest)
        }
        return temporary
    }
}
