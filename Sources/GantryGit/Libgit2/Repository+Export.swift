internal import CGit2
import GantryCore
import Glibc

/// Why a commit's tree cannot be exported to a build directory.
public enum ExportError: Error, Hashable, Sendable, CustomStringConvertible {
    case notACommit(ObjectID)
    /// A symlink that resolves outside the tree (absolute, `..` past the root, through the
    /// tree's other links), or through more links than the kernel follows.
    case unsafeSymlink(path: String, target: String)
    /// A path longer than the kernel takes (`PATH_MAX`).
    case tooLong(path: String)
    case git(String)

    public var description: String {
        switch self {
        case .notACommit(let id): "\(id.short) is not a commit"
        case .unsafeSymlink(let path, let target):
            "symlink \(path) -> \(target) resolves outside the app; only links that stay within the repository are allowed"
        case .tooLong(let path): "\(path) is a path longer than \(PATH_MAX - 1) bytes"
        case .git(let message): "cannot export the source: \(message)"
        }
    }
}

extension Repository {
    /// Writes the tree of `commit` into `directory` (created if needed), after checking that no
    /// symlink in it resolves outside the tree and that no path is longer than the kernel takes
    /// (which also bounds how deep it nests: at most 2,048 levels). Files get git's modes
    /// whatever the umask. The repository's index and HEAD are not touched.
    /// - Throws: `ExportError`.
    public func export(_ commit: ObjectID, to directory: String) throws(ExportError) {
        var oid = commit.gitOID
        var object: OpaquePointer?
        guard git_commit_lookup(&object, handle, &oid) == 0 else { throw .notACommit(commit) }
        defer { git_commit_free(object) }

        let listing = try list(git_commit_tree_id(object).pointee)
        let targets = Dictionary(listing.links.map { ($0.path, $0.target) }, uniquingKeysWith: { first, _ in first })
        for link in listing.links where !Self.staysInside(link: link.path, links: targets) {
            throw .unsafeSymlink(path: link.path, target: link.target)
        }

        var options = git_checkout_options()
        git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION))
        options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue | GIT_CHECKOUT_DONT_UPDATE_INDEX.rawValue
        let code = directory.withCString { path in
            options.target_directory = path
            return git_checkout_tree(handle, object, &options)
        }
        do { try check(code, "git_checkout_tree") } catch { throw .git(error.description) }
        try setModes(listing.modes, in: directory)
    }

    /// What the export needs of a tree: its symlinks and the modes of its files and directories.
    private struct Listing {
        var links: [(path: String, target: String)] = []
        var modes: [(path: String, mode: mode_t)] = []
    }

    /// Lists the tree `root` depth first with a stack of its own, not libgit2's recursive
    /// `git_tree_walk`: a tree nested thousands of levels deep — receive bounds the nesting of
    /// one push, but pushes can stack one deep tree on another — would overflow a thread's
    /// stack there.
    private func list(_ root: git_oid) throws(ExportError) -> Listing {
        var listing = Listing()
        var pending: [(id: git_oid, path: String)] = [(root, "")]
        while var next = pending.popLast() {
            var tree: OpaquePointer?
            do { try check(git_tree_lookup(&tree, handle, &next.id), "git_tree_lookup") } catch { throw .git(error.description) }
            defer { git_tree_free(tree) }
            for index in 0..<git_tree_entrycount(tree) {
                let entry = git_tree_entry_byindex(tree, index)
                let path = next.path + String(cString: git_tree_entry_name(entry))
                guard path.utf8.count < Int(PATH_MAX) else { throw .tooLong(path: String(path.prefix(80)) + "…") }
                switch git_tree_entry_filemode(entry) {
                case GIT_FILEMODE_TREE:
                    listing.modes.append((path, 0o755))
                    pending.append((git_tree_entry_id(entry).pointee, path + "/"))
                case GIT_FILEMODE_BLOB_EXECUTABLE: listing.modes.append((path, 0o755))
                case GIT_FILEMODE_BLOB: listing.modes.append((path, 0o644))
                case GIT_FILEMODE_LINK: listing.links.append((path, try linkTarget(entry)))
                default: continue  // submodules are not checked out
                }
            }
        }
        return listing
    }

    private func linkTarget(_ entry: OpaquePointer?) throws(ExportError) -> String {
        var blob: OpaquePointer?
        do { try check(git_blob_lookup(&blob, handle, git_tree_entry_id(entry)), "git_blob_lookup") } catch { throw .git(error.description) }
        defer { git_blob_free(blob) }
        let bytes = UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: Int(git_blob_rawsize(blob)))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Gives every exported file and directory the mode git says — 0644 or 0755 for files,
    /// 0755 for directories and the root — whatever the process's umask (gantryd runs with 077,
    /// under which libgit2 would make them 0600 and 0700): the same commit must give the same
    /// layer, and a non-root process in the container must be able to read its app.
    private func setModes(_ modes: [(path: String, mode: mode_t)], in directory: String) throws(ExportError) {
        // Paths come from the tree: no component but the last can be a symlink (git cannot
        // hold a link and a directory under one name), and the last is a file or directory.
        for (path, mode) in [("", 0o755)] + modes where chmod(directory + "/" + path, mode) != 0 {
            throw .git("cannot set the mode of \(path.isEmpty ? "the export's root" : path): \(String(cString: strerror(errno)))")
        }
    }

    /// The most links one resolution may follow, as Linux allows (`ELOOP` beyond 40).
    static let maximumLinkHops = 40

    /// Whether the link at `link` (a path relative to the root) resolves inside the root the
    /// way the kernel resolves it: component by component, every link met on the way — the
    /// tree's own, in `links` (path → target) — replaced by its target, `..` going up from
    /// where that left off. Judging each link's text alone is not enough: with
    /// `a/b/c/l -> ../../..`, `Procfile -> a/b/c/l/../../../admin-token` looks three levels
    /// deep but leaves the root. A chain longer than `maximumLinkHops` counts as leaving.
    static func staysInside(link: String, links: [String: String]) -> Bool {
        guard let target = links[link] else { return true }
        var resolved = link.split(separator: "/").dropLast().map(String.init)
        var pending = Array(target.split(separator: "/", omittingEmptySubsequences: true).reversed().map(String.init))
        var hops = 1
        if target.hasPrefix("/") { return false }
        while let component = pending.popLast() {
            switch component {
            case ".": continue
            case "..":
                guard resolved.popLast() != nil else { return false }
            default:
                resolved.append(component)
                guard let next = links[resolved.joined(separator: "/")] else { continue }
                hops += 1
                guard hops <= maximumLinkHops, !next.hasPrefix("/") else { return false }
                resolved.removeLast()
                pending += next.split(separator: "/", omittingEmptySubsequences: true).reversed().map(String.init)
            }
        }
        return true
    }
}
