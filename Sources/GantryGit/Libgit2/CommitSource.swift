import GantryCore

/// Where a commit's objects are, for the pipeline: a push's quarantine (`ReceivedObjects`) or
/// a repository a webhook fetched into (`RepositoryObjects`). Both read off the cooperative pool.
public protocol CommitSource: Sendable {
    /// Writes the tree of `commit` into `directory` (see `Repository.export`).
    /// - Throws: `ExportError`.
    func export(_ commit: ObjectID, to directory: String) async throws(ExportError)

    /// The first line of `commit`'s message and its author, when it is a commit.
    func summary(of commit: ObjectID) async -> CommitSummary?

    /// Makes the objects part of the repository for good, without moving any ref: a release
    /// recorded after this can always find its commit, whatever stops gantryd before its ref
    /// moves. (A push's quarantine moves into the repository; a webhook's fetch is there already.)
    /// - Throws: `ReceiveError.storage`.
    func persist() async throws(ReceiveError)
}
