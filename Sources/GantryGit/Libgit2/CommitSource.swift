import GantryCore

/// Where a commit's objects are, for the pipeline: a push's quarantine (`ReceivedObjects`) or
/// a repository a webhook fetched into (`RepositoryObjects`). Both read off the cooperative pool.
public protocol CommitSource: Sendable {
    /// Writes the tree of `commit` into `directory` (see `Repository.export`).
    /// - Throws: `ExportError`.
    func export(_ commit: ObjectID, to directory: String) async throws(ExportError)

    /// The first line of `commit`'s message and its author, when it is a commit.
    func summary(of commit: ObjectID) async -> CommitSummary?
}
