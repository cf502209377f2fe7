import Glibc

extension ImageLayout {
    /// The `PATH` of processes in the stack image.
    static let stackPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Imports the stack's `layer.tar` as a blob (hard-linked: no copy of its ~1 GB) and tags
    /// its one-layer image `stack:NAME`.
    ///
    /// Hashing a 1 GB layer takes seconds, too long for every start of gantryd, so the full
    /// SHA-256 is checked once and remembered in `.gantry/verified/HEX`, keyed by the blob's
    /// device, inode, size and mtime. Later imports only compare those with `lstat` and hash again
    /// when one differs. The blob shares its inode with `layer.tar`: `make stack` must replace
    /// that file (write a new one, rename it over), never rewrite it in place.
    /// - Returns: the stack's image.
    /// - Throws: `ImageError.invalidStack` when `layer.tar` does not match `stack.json`; `.io`.
    ///
    /// The check is remembered beside the stack too (`.stack/.verified`, same key, of
    /// `layer.tar`), so a new data directory — every test's — links a stack verified before
    /// without hashing it again.
    @discardableResult
    public func importStack(_ stack: Stack) async throws(ImageError) -> Image {
        let layer = stack.layer
        let stackMarker = stack.directory + "/.verified"
        let stackKey = try? Self.verificationKey(of: stack.layerArchive) + layer.digest.description
        if try !isVerified(layer), let stackKey, (try? FileSystem.readFile(stackMarker)).map({ String(decoding: $0, as: UTF8.self) }) == stackKey,
            !hasBlob(layer.digest), link(stack.layerArchive, blobPath(layer.digest)) == 0
        {
            try FileSystem.writeAtomically(Array(try verificationKey(layer.digest).utf8), to: markersDirectory + "/" + layer.digest.hex)
        }
        if try !isVerified(layer) {
            let blob = blobPath(layer.digest)
            if hasBlob(layer.digest) {
                let (digest, size) = try await runBlocking { () throws(ImageError) in try FileSystem.digest(ofFile: blob) }
                if digest != layer.digest || size != layer.size { unlink(blob) }  // damaged: import it again
            }
            do {
                try await importBlob(file: stack.layerArchive, expectedDigest: layer.digest, expectedSize: layer.size)
            } catch {
                switch error {
                case .digestMismatch(_, let expected, let actual):
                    throw .invalidStack(directory: stack.directory, reason: "layer.tar has digest \(actual), stack.json says \(expected)")
                case .sizeMismatch(_, let expected, let actual):
                    throw .invalidStack(directory: stack.directory, reason: "layer.tar is \(actual) bytes, stack.json says \(expected)")
                default:
                    throw error
                }
            }
            try FileSystem.writeAtomically(Array(try verificationKey(layer.digest).utf8), to: markersDirectory + "/" + layer.digest.hex)
            if let key = try? Self.verificationKey(of: stack.layerArchive) + layer.digest.description {
                try? FileSystem.writeAtomically(Array(key.utf8), to: stackMarker)
            }
        }
        pinned[layer.digest] = .now
        let config = ImageConfig(
            config: .init(env: [Self.stackPath], workingDir: "/", labels: [ImageConfig.Label.stack: stack.name]),
            history: [.init(createdBy: "gantry stack \(stack.name)")])
        return try writeImage(layers: [layer], config: config, tag: stack.tag)
    }

    /// Whether the blob of `layer` is present, of the right size, and unchanged since its
    /// digest was checked.
    func isVerified(_ layer: Layer) throws(ImageError) -> Bool {
        guard let info = try FileSystem.status(blobPath(layer.digest)), Int(info.st_size) == layer.size,
              let marker = try? FileSystem.readFile(markersDirectory + "/" + layer.digest.hex) else { return false }
        return String(decoding: marker, as: UTF8.self) == (try verificationKey(layer.digest))
    }

    /// `device inode size mtime` of the blob, the identity its verification is kept under.
    private func verificationKey(_ digest: Digest) throws(ImageError) -> String {
        guard FileSystem.exists(blobPath(digest)) else { throw .blobMissing(digest) }
        return try Self.verificationKey(of: blobPath(digest))
    }

    /// `device inode size mtime` of a file.
    static func verificationKey(of path: String) throws(ImageError) -> String {
        guard let info = try FileSystem.status(path) else { throw .io(operation: "stat", path: path, errno: ENOENT) }
        return "device=\(info.st_dev) inode=\(info.st_ino) size=\(info.st_size) mtime=\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)\n"
    }
}
