import Dispatch
import GantryCore

/// An app's bare repository, opened once and driven from a serial queue of its own, so that
/// libgit2's blocking calls (fetch, checkout) never run on Swift's cooperative pool or the
/// event loops: what a webhook deploy fetches into and builds from.
public final class RepositoryObjects: CommitSource, @unchecked Sendable {
    // Touched only on `queue`.
    private let repository: Repository
    private let queue: DispatchQueue

    private init(repository: Repository, queue: DispatchQueue) {
        self.repository = repository
        self.queue = queue
    }

    /// Opens the bare repository at `path`.
    /// - Throws: `GitError` when there is none.
    public static func open(at path: String) async throws(GitError) -> RepositoryObjects {
        let queue = DispatchQueue(label: "gantry.repository")
        return try await queue.await { () throws(GitError) -> RepositoryObjects in
            RepositoryObjects(repository: try Repository.open(at: path), queue: queue)
        }
    }

    /// Runs `body` with the repository on its queue.
    public func run<T: Sendable, E: Error>(_ body: @escaping @Sendable (Repository) throws(E) -> T) async throws(E) -> T {
        try await queue.await { () throws(E) -> T in try body(self.repository) }
    }

    public func export(_ commit: ObjectID, to directory: String) async throws(ExportError) {
        try await run { repository throws(ExportError) in try repository.export(commit, to: directory) }
    }

    public func summary(of commit: ObjectID) async -> CommitSummary? {
        await run { repository in repository.summary(of: commit) }
    }

    /// Nothing to do: fetched objects are in the repository already.
    public func persist() async throws(ReceiveError) {}
}
