internal import CGit2
import GantryCore
import Foundation

/// Where a push's objects wait until its refs are accepted, as git's receive-pack does
/// (`GIT_QUARANTINE_PATH`): a scratch object directory beside the repository. The pack is
/// indexed into it, the repository reads it as an alternate while the push is checked, and
/// only `migrate()` moves it into the repository. A rejected push leaves the repository's
/// object database exactly as it was.
///
/// Not thread-safe: drive one quarantine from one serial queue.
public final class Quarantine {
    /// The quarantine's `objects` directory.
    public let objectsDirectory: String
    private let root: String
    let repository: Repository
    private var indexer: OpaquePointer?
    private var progress = git_indexer_progress()
    private var packName: String?
    /// Why the committed pack is not connected (see `linkProblem(packName:)`), or `nil`.
    private(set) var connectivityProblem: String?

    /// Creates an empty quarantine under `scratch` for `repository`.
    /// - Throws: `ReceiveError.storage` when the directory cannot be created; `GitError` from libgit2.
    public init(repository: Repository, scratch: String) throws(ReceiveError) {
        self.repository = repository
        root = scratch + "/receive-" + UUID().uuidString.lowercased()
        objectsDirectory = root + "/objects"
        do {
            try FileManager.default.createDirectory(atPath: objectsDirectory + "/pack", withIntermediateDirectories: true)
        } catch {
            throw .storage("cannot create \(objectsDirectory): \(error.localizedDescription)")
        }
        do {
            let odb = try repository.objectDatabase()
            defer { git_odb_free(odb) }
            var options = git_indexer_options()
            try check(git_indexer_options_init(&options, UInt32(GIT_INDEXER_OPTIONS_VERSION)), "git_indexer_options_init")
            // libgit2's own `verify` looks up every named object as it arrives (a miss rescans
            // the pack directory each time) and costs 3x git's index-pack on a large push;
            // `linkProblem(packName:)` checks the finished pack instead.
            options.verify = 0
            try check((objectsDirectory + "/pack").withCString { git_indexer_new(&indexer, $0, 0o444, odb, &options) }, "git_indexer_new")
        } catch {
            remove()
            throw .unpack(error.message)
        }
    }

    deinit {
        if let indexer { git_indexer_free(indexer) }
        remove()
    }

    /// Objects received so far.
    public var receivedObjects: Int { Int(progress.received_objects) }
    /// Bytes of pack data received so far.
    public private(set) var receivedBytes = 0

    /// Feeds the next bytes of the pack to libgit2's indexer.
    /// - Throws: `ReceiveError.unpack` when the data is not a valid pack.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(ReceiveError) {
        guard let indexer, bytes.count > 0 else { return }
        receivedBytes += bytes.count
        do {
            try check(git_indexer_append(indexer, bytes.baseAddress, bytes.count, &progress), "git_indexer_append")
        } catch {
            throw .unpack(error.message)
        }
    }

    /// Ends the pack: resolves deltas (thin-pack bases come from the repository), writes its
    /// index, checks its connectivity (`connectivityProblem`), and makes the objects readable
    /// through the repository (as an alternate) until `migrate()` or `deinit`.
    /// - Parameter treeDepth: how deep the pack's trees may nest (`PackLimits.treeDepth`).
    /// - Throws: `ReceiveError.unpack` for a truncated or corrupt pack.
    public func commit(treeDepth: Int = PackLimits.defaultTreeDepth) throws(ReceiveError) {
        guard let indexer else { return }
        do {
            try check(git_indexer_commit(indexer, &progress), "git_indexer_commit")
            let name = String(cString: git_indexer_name(indexer))
            packName = name
            connectivityProblem = linkProblem(packName: name, treeDepth: treeDepth)
            let odb = try repository.objectDatabase()
            defer { git_odb_free(odb) }
            try check(objectsDirectory.withCString { git_odb_add_disk_alternate(odb, $0) }, "git_odb_add_disk_alternate")
        } catch {
            throw .unpack(error.message)
        }
    }

    /// Moves the received pack into the repository: the `.pack` first, then the `.idx` that
    /// makes it visible to readers, each with an atomic rename on the same file system.
    /// - Throws: `ReceiveError.storage` when a rename fails.
    public func migrate() throws(ReceiveError) {
        guard let packName else { return }
        let target = repository.path + "objects/pack/"
        for suffix in [".pack", ".idx"] {
            let name = "pack-" + packName + suffix
            let from = objectsDirectory + "/pack/" + name
            let to = target + name
            if FileManager.default.fileExists(atPath: to) { continue }  // the same pack arrived before
            guard rename(from, to) == 0 else {
                throw .storage("cannot move \(name) into \(target): \(String(cString: strerror(errno)))")
            }
        }
        if Libgit2.syncsWrites.withLock({ $0 }) {
            // The renames are durable once the directory is (the files were synced by libgit2).
            let directory = open(target, O_RDONLY | O_DIRECTORY)
            if directory >= 0 {
                _ = fsync(directory)
                close(directory)
            }
        }
    }

    private func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
