import Dispatch
import GantryCore

/// The libgit2 state of one push — its repository handle and quarantine — confined to a
/// serial dispatch queue of its own, so libgit2's blocking calls never run on Swift's
/// cooperative pool or the event loop, and the non-thread-safe handles are used by one
/// thread at a time.
final class ReceiveSession: @unchecked Sendable {
    // Touched only on `queue`.
    let repository: Repository
    let quarantine: Quarantine
    private let queue: DispatchQueue

    private init(repository: Repository, quarantine: Quarantine, queue: DispatchQueue) {
        self.repository = repository
        self.quarantine = quarantine
        self.queue = queue
    }

    /// Opens the repository and an empty quarantine for it.
    /// - Throws: `ReceiveError.storage` when either cannot be opened.
    static func open(repositoryPath: String, scratch: String) async throws(ReceiveError) -> ReceiveSession {
        let queue = DispatchQueue(label: "gantry.receive-pack")
        return try await queue.await { () throws(ReceiveError) -> ReceiveSession in
            let repository: Repository
            do throws(GitError) { repository = try Repository.open(at: repositoryPath) } catch { throw .storage(error.description) }
            return ReceiveSession(repository: repository, quarantine: try Quarantine(repository: repository, scratch: scratch), queue: queue)
        }
    }

    /// Runs `body` on the session's queue and waits for it; in the background unless it is a
    /// small, bounded step (`DispatchQueue.await`).
    func run<T: Sendable, E: Error>(inBackground: Bool = true, _ body: @escaping @Sendable (ReceiveSession) throws(E) -> T) async throws(E) -> T {
        try await queue.await(inBackground: inBackground) { () throws(E) -> T in try body(self) }
    }

    /// Queues `body` without waiting: pack chunks are indexed while the next ones arrive.
    /// Order is kept; `run` after it sees its effects.
    func enqueue(_ body: @escaping @Sendable (ReceiveSession) -> Void) {
        let changeWork = Background.isChangeWork
        queue.async { Background.run(if: changeWork) { body(self) } }
    }
}

/// The objects of a push while it is checked: the repository plus the quarantined pack.
public struct ReceivedObjects: CommitSource {
    let session: ReceiveSession

    /// Writes the tree of `commit` into `directory` (see `Repository.export`), off the
    /// cooperative pool.
    /// - Throws: `ExportError`.
    public func export(_ commit: ObjectID, to directory: String) async throws(ExportError) {
        try await session.run { session throws(ExportError) in try session.repository.export(commit, to: directory) }
    }

    /// The first line of `commit`'s message and its author, when it is a commit.
    public func summary(of commit: ObjectID) async -> CommitSummary? {
        await session.run(inBackground: false) { session in session.repository.summary(of: commit) }
    }

    /// Moves the quarantined pack into the repository (the refs move later, in `apply`, which
    /// then finds it there).
    public func persist() async throws(ReceiveError) {
        try await session.run(inBackground: false) { session throws(ReceiveError) in try session.quarantine.migrate() }
    }
}
