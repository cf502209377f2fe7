internal import CGit2
import GantryCore

extension Quarantine {
    /// Whether everything reachable from `tip` is present, walking only the objects this push
    /// brought: an object already in the repository's own database is connected by
    /// construction (every push before this one was checked, and a rejected push's objects
    /// never leave quarantine), so the walk stops there — the cost is the size of the push,
    /// not of the history.
    /// - Returns: `nil` when connected, else what is missing.
    public func connectivityProblem(of tip: ObjectID) -> String? {
        var repositoryODB: OpaquePointer?
        guard git_odb_open(&repositoryODB, repository.path + "objects") == 0 else { return "cannot open the object database" }
        defer { git_odb_free(repositoryODB) }
        var allODB: OpaquePointer?
        guard git_repository_odb(&allODB, repository.handle) == 0 else { return "cannot open the object database" }
        defer { git_odb_free(allODB) }

        var seen = Set<ObjectKey>()
        var pending = [tip.gitOID]
        while var oid = pending.popLast() {
            guard seen.insert(ObjectKey(oid)).inserted, git_odb_exists(repositoryODB, &oid) == 0 else { continue }
            var object: OpaquePointer?
            guard git_object_lookup(&object, repository.handle, &oid, GIT_OBJECT_ANY) == 0 else {
                return "missing necessary objects"
            }
            defer { git_object_free(object) }
            switch git_object_type(object) {
            case GIT_OBJECT_COMMIT:
                pending.append(git_commit_tree_id(object).pointee)
                for index in 0..<git_commit_parentcount(object) {
                    pending.append(git_commit_parent_id(object, index).pointee)
                }
            case GIT_OBJECT_TREE:
                for index in 0..<git_tree_entrycount(object) {
                    let entry = git_tree_entry_byindex(object, index)
                    var id = git_tree_entry_id(entry).pointee
                    let type = git_tree_entry_type(entry)
                    // Unchanged files and directories recur in every tree of the history: look
                    // each one up once.
                    guard type == GIT_OBJECT_TREE || type == GIT_OBJECT_BLOB, !seen.contains(ObjectKey(id)) else { continue }
                    if type == GIT_OBJECT_TREE {
                        pending.append(id)
                    } else {
                        seen.insert(ObjectKey(id))
                        if git_odb_exists(allODB, &id) == 0 { return "missing necessary objects" }
                    }
                }
            case GIT_OBJECT_TAG:
                pending.append(git_tag_target_id(object).pointee)
            default:
                continue
            }
        }
        return nil
    }
}

/// A git object id as a hashable value, without going through hex.
struct ObjectKey: Hashable {
    let high: UInt64, middle: UInt64, low: UInt32

    init(_ oid: git_oid) {
        var copy = oid
        (high, middle, low) = withUnsafeBytes(of: &copy.id) { bytes in
            (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
             bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
             bytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        }
    }
}
