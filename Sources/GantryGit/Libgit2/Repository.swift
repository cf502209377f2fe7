internal import CGit2
import GantryCore

/// A bare git repository opened with libgit2. Owns its `git_repository` handle.
///
/// Not thread-safe: use one instance from one thread (or serial queue) at a time. Open a new
/// instance for each operation rather than sharing one.
public final class Repository {
    let handle: OpaquePointer

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit { git_repository_free(handle) }

    /// Opens the bare repository at `path`.
    /// - Throws: `GitError` when there is no repository there.
    public static func open(at path: String) throws(GitError) -> Repository {
        var repo: OpaquePointer?
        try check(path.withCString { git_repository_open_bare(&repo, $0) }, "git_repository_open_bare")
        return Repository(handle: repo!)
    }

    /// Creates a bare repository at `path` whose HEAD points at `refs/heads/main`.
    /// - Throws: `GitError` when it cannot be created (for example, it exists).
    @discardableResult
    public static func createBare(at path: String) throws(GitError) -> Repository {
        var options = git_repository_init_options()
        try check(git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)), "git_repository_init_options_init")
        options.flags = GIT_REPOSITORY_INIT_BARE.rawValue | GIT_REPOSITORY_INIT_NO_REINIT.rawValue | GIT_REPOSITORY_INIT_MKPATH.rawValue
        var repo: OpaquePointer?
        try check(
            path.withCString { cPath in
                "main".withCString { head in
                    options.initial_head = head
                    return git_repository_init_ext(&repo, cPath, &options)
                }
            }, "git_repository_init_ext")
        return Repository(handle: repo!)
    }

    /// The repository's git directory (for a bare repository, its root), ending in `/`.
    public var path: String { String(cString: git_repository_path(handle)) }

    /// Every direct reference under `refs/` with the object it points at, sorted by name.
    /// Symbolic references (HEAD) are left out.
    /// - Throws: `GitError` when the references cannot be read.
    public func references() throws(GitError) -> [(name: String, target: ObjectID)] {
        var iterator: OpaquePointer?
        try check(git_reference_iterator_new(&iterator, handle), "git_reference_iterator_new")
        defer { git_reference_iterator_free(iterator) }
        var result: [(name: String, target: ObjectID)] = []
        while true {
            var ref: OpaquePointer?
            let code = git_reference_next(&ref, iterator)
            if code == GIT_ITEROVER.rawValue { break }
            try check(code, "git_reference_next")
            defer { git_reference_free(ref) }
            guard git_reference_type(ref) == GIT_REFERENCE_DIRECT, let oid = git_reference_target(ref) else { continue }
            result.append((String(cString: git_reference_name(ref)), ObjectID(oid.pointee)))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The object a reference points at, or `nil` when the reference does not exist.
    /// - Throws: `GitError` for any failure other than "not found".
    public func target(of ref: RefName) throws(GitError) -> ObjectID? {
        var oid = git_oid()
        let code = ref.rawValue.withCString { git_reference_name_to_id(&oid, handle, $0) }
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "git_reference_name_to_id")
        return ObjectID(oid)
    }

    /// The type of the object `id` ("commit", "tree", "blob", "tag"), or `nil` when the object
    /// database does not have it.
    /// - Throws: `GitError` when the object database cannot be read.
    public func objectType(of id: ObjectID) throws(GitError) -> String? {
        let odb = try objectDatabase()
        defer { git_odb_free(odb) }
        var oid = id.gitOID
        guard git_odb_exists(odb, &oid) == 1 else { return nil }
        var size = 0
        var type = GIT_OBJECT_INVALID
        try check(git_odb_read_header(&size, &type, odb, &oid), "git_odb_read_header")
        return String(cString: git_object_type2string(type))
    }

    /// The first line of `commit`'s message and its author's name, or `nil` when `commit` is
    /// not a commit of the repository.
    public func summary(of commit: ObjectID) -> CommitSummary? {
        var oid = commit.gitOID
        var object: OpaquePointer?
        guard git_commit_lookup(&object, handle, &oid) == 0 else { return nil }
        defer { git_commit_free(object) }
        let message = git_commit_summary(object).map { String(cString: $0) } ?? ""
        let author = git_commit_author(object).flatMap { $0.pointee.name }.map { String(cString: $0) } ?? ""
        return CommitSummary(message: message, author: author)
    }

    /// The repository's object database; the caller frees it with `git_odb_free`.
    func objectDatabase() throws(GitError) -> OpaquePointer {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), "git_repository_odb")
        return odb!
    }
}
