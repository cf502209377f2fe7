import GantryCore
import Glibc
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Unpacked layers, for overlayfs lower directories: `ROOT/HEX/` holds the layer with that
/// digest (gantryd uses `DATA_DIR/layers`).
///
/// A layer is unpacked once, by `/usr/bin/tar -x --numeric-owner -p` into a `.tmp-*` directory
/// that is renamed into place when complete, so a crash never leaves half a layer under a
/// digest name. Concurrent requests for the same layer share one unpacking. The stack's layer
/// is never unpacked: its `rootfs/` is registered and returned as is.
public actor LayerCache {
    /// The cache's directory.
    public nonisolated let root: String
    private let layout: ImageLayout
    /// Directories that stand for a layer without being unpacked here (the stack's rootfs).
    private var registered: [Digest: String] = [:]
    /// Where each layer this cache has seen stands.
    private var layers: [Digest: State] = [:]
    /// How many unpackings this cache started (for tests).
    private(set) var unpackCount = 0
    /// When each layer was adopted: a build's layer is adopted just after its image is tagged,
    /// so `prune` spares layers adopted within its grace period.
    private var adoptedAt: [Digest: ContinuousClock.Instant] = [:]

    private enum State {
        /// Being unpacked; every caller asking for the layer awaits this one task.
        case unpacking(Task<Result<String, ImageError>, Never>)
        /// Unpacked at this directory.
        case unpacked(String)
    }

    /// A cache at `root` (created when missing) of layers from `layout`.
    /// - Parameter root: an absolute path.
    /// - Throws: `ImageError.io` when `root` cannot be created.
    public init(root: String, layout: ImageLayout) throws(ImageError) {
        precondition(root.hasPrefix("/"), "LayerCache needs an absolute path")
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.layout = layout
        try FileSystem.makeDirectories(self.root)
        // Unpackings a crash interrupted: temporary directories older than a day.
        let dayAgo = time(nil) - 86_400
        for name in try FileSystem.list(self.root) where name.hasPrefix(".tmp-") {
            if let info = try FileSystem.status(self.root + "/" + name), info.st_mtim.tv_sec < dayAgo {
                UntrustedTree.remove(self.root + "/" + name)
            }
        }
    }

    /// Makes `unpacked` return `directory` for the layer with diffID `diffID`.
    public func register(_ diffID: Digest, directory: String) {
        registered[diffID] = directory
    }

    /// Makes `unpacked` return the stack's `rootfs/` for the stack's layer.
    public func register(_ stack: Stack) {
        register(stack.layer.diffID, directory: stack.rootfs)
    }

    /// Takes `directory` — a tree whose files are exactly `layer`'s, such as the build
    /// directory the layer was just written from — as the layer's unpacked form, by renaming
    /// it into the cache (same file system: no copy). Saves unpacking a layer that was just
    /// packed. When the layer is already unpacked, `directory` is left where it is.
    /// - Returns: whether `directory` became the layer's (it is gone from where it was).
    @discardableResult
    public func adopt(_ layer: Layer, directory: String) -> Bool {
        guard registered[layer.diffID] == nil, layers[layer.digest] == nil else { return false }
        let target = root + "/" + layer.digest.hex
        // A layer's root is 0755, as an unpacked one's, whatever umask made the directory.
        guard !FileSystem.isDirectory(target), chmod(directory, 0o755) == 0, rename(directory, target) == 0 else { return false }
        layers[layer.digest] = .unpacked(target)
        adoptedAt[layer.digest] = .now
        return true
    }

    /// Whether `layer`'s files are unpacked already (`unpacked` would not unpack them).
    public func isUnpacked(_ layer: Layer) -> Bool { existingDirectory(of: layer) != nil }

    /// The directory of `layer` when its files are there already: registered, unpacked, or
    /// unpacked by an earlier run (then recorded as such).
    private func existingDirectory(of layer: Layer) -> String? {
        if let directory = registered[layer.diffID] { return directory }
        switch layers[layer.digest] {
        case .unpacked(let directory): return directory
        case .unpacking: return nil
        case nil:
            let directory = directory(of: layer.digest)
            guard FileSystem.isDirectory(directory) else { return nil }
            layers[layer.digest] = .unpacked(directory)
            return directory
        }
    }

    /// The directory holding `layer`'s files, unpacking its blob the first time.
    /// - Returns: an absolute path, to be used read-only (as an overlay lower directory).
    /// - Throws: `ImageError.blobMissing` when the layer is not in the store;
    ///   `.unpackFailed` when `tar` fails; `.io`.
    public func unpacked(_ layer: Layer) async throws(ImageError) -> String {
        try await unpacked(layer, owner: nil)
    }

    /// The directory holding `layer`'s files, its `app/` given to `owner` (an app's uid, see
    /// `AppUser`) when it belongs to someone else: an unpacked layer is root's, and a layer two
    /// apps built identically belongs to the one that ran it last (the other's processes can
    /// still read it, but not create files in `/app`).
    public func unpacked(_ layer: Layer, owner: Int?) async throws(ImageError) -> String {
        let directory = try await unpackedDirectory(layer)
        guard let owner, registered[layer.diffID] == nil else { return directory }
        var info = stat()
        let app = directory + "/app"
        guard lstat(app, &info) == 0, info.st_uid != uid_t(owner) || info.st_gid != gid_t(owner) else { return directory }
        guard await UntrustedTree.give([app], to: owner) == nil else { throw .io(operation: "chown", path: app, errno: EPERM) }
        return directory
    }

    private func unpackedDirectory(_ layer: Layer) async throws(ImageError) -> String {
        if let directory = existingDirectory(of: layer) { return directory }
        let task: Task<Result<String, ImageError>, Never>
        if case .unpacking(let running) = layers[layer.digest] {
            task = running
        } else {
            let blob = layout.blobPath(layer.digest)
            let root = root
            task = Task { await Self.unpack(layer.digest, blob: blob, root: root) }
            unpackCount += 1
            layers[layer.digest] = .unpacking(task)
        }
        let result = await task.value
        // Re-checked after the await: only the first caller back records the outcome of its task.
        if case .unpacking(let current) = layers[layer.digest], current == task {
            switch result {
            case .success(let directory): layers[layer.digest] = .unpacked(directory)
            case .failure: layers[layer.digest] = nil  // the next call tries again
            }
        }
        return try result.get()
    }

    /// Deletes the unpacked layers whose digests are not in `layers`. The caller keeps the
    /// layers of every image that may still run (each running container's included); registered
    /// directories (the stack's rootfs) and layers adopted less than `gracePeriod` ago are never
    /// touched.
    /// With `dryRun`, nothing is deleted: the digests say what would be.
    /// - Returns: the digests of the layers deleted.
    /// - Throws: `ImageError.io` when the cache cannot be listed.
    @discardableResult
    public func prune(keeping layers: Set<Digest>, gracePeriod: Duration = .seconds(3600), dryRun: Bool = false) throws(ImageError) -> [Digest] {
        var removed: [Digest] = []
        let adoptedAt = self.adoptedAt.filter { .now - $0.value < gracePeriod }
        if !dryRun { self.adoptedAt = adoptedAt }
        for name in try FileSystem.list(root) {
            guard let digest = Digest(hex: name), !layers.contains(digest), adoptedAt[digest] == nil else { continue }
            if case .unpacking = self.layers[digest] { continue }
            if !dryRun { remove(digest) }
            removed.append(digest)
        }
        return removed.sorted()
    }

    /// Deletes the unpacked layers `digests` now, adopted recently or not (a failed build's, a
    /// destroyed app's); registered directories and layers being unpacked are left alone, and
    /// so are digests with nothing unpacked.
    /// - Returns: the digests whose directories were deleted.
    @discardableResult
    public func remove(_ digests: Set<Digest>) -> [Digest] {
        var removed: [Digest] = []
        for digest in digests where registered[digest] == nil {
            if case .unpacking = layers[digest] { continue }
            guard FileSystem.isDirectory(root + "/" + digest.hex) else { continue }
            remove(digest)
            removed.append(digest)
        }
        return removed.sorted()
    }

    /// The directory of an unpacked layer, as `prune` and `remove` see it.
    public nonisolated func directory(of digest: Digest) -> String {
        root + "/" + digest.hex
    }

    private func remove(_ digest: Digest) {
        layers[digest] = nil
        adoptedAt[digest] = nil
        UntrustedTree.remove(root + "/" + digest.hex)
    }

    /// Unpacks `blob` into a temporary directory under `root`, then renames it to `root/HEX`.
    private static func unpack(_ digest: Digest, blob: String, root: String) async -> Result<String, ImageError> {
        let directory = root + "/" + digest.hex
        guard FileSystem.exists(blob) else { return .failure(.blobMissing(digest)) }
        let temporary = root + "/" + FileSystem.temporaryName()
        // chmod: gantryd's umask (077) would leave the layer's root 0700.
        guard mkdir(temporary, 0o755) == 0, chmod(temporary, 0o755) == 0 else { return .failure(.io(operation: "create directory", path: temporary, errno: errno)) }
        let failure: ImageError
        do {
            let tar = Background.command("/usr/bin/tar", ["-x", "--numeric-owner", "-p", "-f", blob, "-C", temporary])
            let result = try await Subprocess.run(
                .path(FilePath(tar.executable)), arguments: Arguments(tar.arguments),
                environment: .custom(["LC_ALL": "C"]), output: .discarded, error: .string(limit: 64 << 10))
            if result.terminationStatus.isSuccess {
                if rename(temporary, directory) == 0 { return .success(directory) }
                let error = errno
                if FileSystem.isDirectory(directory) {  // another process unpacked it first
                    UntrustedTree.remove(temporary)
                    return .success(directory)
                }
                failure = .io(operation: "rename into place", path: directory, errno: error)
            } else {
                let message = result.standardError.split(separator: "\n").prefix(5).joined(separator: "; ")
                let status = switch result.terminationStatus {
                case .exited(let code): "exit status \(code)"
                case .signaled(let signal): "killed by signal \(signal)"
                }
                failure = .unpackFailed(digest: digest, reason: "tar failed (\(status)): \(message)")
            }
        } catch {
            failure = .unpackFailed(digest: digest, reason: "cannot run /usr/bin/tar: \(error)")
        }
        UntrustedTree.remove(temporary)
        return .failure(failure)
    }
}
