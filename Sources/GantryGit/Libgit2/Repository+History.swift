internal import CGit2
import GantryCore

extension Repository {
    /// Whether `commit` descends from `ancestor` (libgit2's `git_graph_descendant_of`):
    /// moving a branch from `ancestor` to `commit` is a fast-forward. A commit is not its own
    /// descendant.
    /// - Throws: `GitError` when either commit cannot be read.
    public func isDescendant(_ commit: ObjectID, of ancestor: ObjectID) throws(GitError) -> Bool {
        var commitOID = commit.gitOID, ancestorOID = ancestor.gitOID
        return try check(git_graph_descendant_of(handle, &commitOID, &ancestorOID), "git_graph_descendant_of") == 1
    }
}
