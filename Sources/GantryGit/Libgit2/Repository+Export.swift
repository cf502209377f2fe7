internal import CGit2
import GantryCore
import Glibc

/// Why a commit's tree cannot be exported to a build directory.
public enum ExportError: Error, Hashable, Sendable, CustomStringConvertible {
    case notACommit(ObjectID)
    /// A symlink that resolves outside the tree (absolute, `..` past the root, through the
    /// tree's other links), or through more links than the kernel follows.
    case unsafeSymlink(path: String, target: String)
    case git(String)

    public var description: String {
        switch self {
        case .notACommit(let id): "\(id.short) is not a commit"
        case .unsafeSymlink(let path, let target):
            "symlink \(path) -> \(target) resolves outside the app; only links that stay within the repository are allowed"
        case .git(let message): "cannot export the source: \(message)"
        }
    }
}

extension Repository {
    /// Writes the tree of `commit` into `directory` (created if needed), after checking that no
    /// symlink in it points outside the tree. The repository's index and HEAD are not touched.
    /// - Throws: `ExportError`.
    public func export(_ commit: ObjectID, to directory: String) throws(ExportError) {
        var oid = commit.gitOID
        var object: OpaquePointer?
        guard git_commit_lookup(&object, handle, &oid) == 0 else { throw .notACommit(commit) }
        defer { git_commit_free(object) }
        var tree: OpaquePointer?
        do { try check(git_commit_tree(&tree, object), "git_commit_tree") } catch { throw .git(error.description) }
        defer { git_tree_free(tree) }

        try checkSymlinks(in: tree)

        var options = git_checkout_options()
        git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION))
        options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue | GIT_CHECKOUT_DONT_UPDATE_INDEX.rawValue
        let code = directory.withCString { path in
            options.target_directory = path
            return git_checkout_tree(handle, object, &options)
        }
        do { try check(code, "git_checkout_tree") } catch { throw .git(error.description) }
        try setModes(of: tree, in: directory)
    }

    /// Gives every exported file and directory the mode git says — 0644 or 0755 for files,
    /// 0755 for directories and the root — whatever the process's umask (gantryd runs with 077,
    /// under which libgit2 would make them 0600 and 0700): the same commit must give the same
    /// layer, and a non-root process in the container must be able to read its app.
    private func setModes(of tree: OpaquePointer?, in directory: String) throws(ExportError) {
        final class Walk {
            var modes: [(path: String, mode: mode_t)] = []
        }
        let walk = Walk()
        let callback: git_treewalk_cb = { root, entry, payload in
            guard let entry else { return 0 }
            let mode: mode_t = switch git_tree_entry_filemode(entry) {
            case GIT_FILEMODE_BLOB_EXECUTABLE, GIT_FILEMODE_TREE: 0o755
            case GIT_FILEMODE_BLOB: 0o644
            default: 0  // symlinks and submodules: nothing to set
            }
            guard mode != 0 else { return 0 }
            let walk = Unmanaged<Walk>.fromOpaque(payload!).takeUnretainedValue()
            walk.modes.append((String(cString: root!) + String(cString: git_tree_entry_name(entry)), mode))
            return 0
        }
        let code = git_tree_walk(tree, GIT_TREEWALK_PRE, callback, Unmanaged.passUnretained(walk).toOpaque())
        do { try check(code, "git_tree_walk") } catch { throw .git(error.description) }
        // Paths come from the tree: no component but the last can be a symlink (git cannot
        // hold a link and a directory under one name), and the last is a file or directory.
        for (path, mode) in [("", 0o755)] + walk.modes where chmod(directory + "/" + path, mode) != 0 {
            throw .git("cannot set the mode of \(path.isEmpty ? "the export's root" : path): \(String(cString: strerror(errno)))")
        }
    }

    private func checkSymlinks(in tree: OpaquePointer?) throws(ExportError) {
        final class Walk {
            let repository: OpaquePointer
            var links: [(path: String, target: String)] = []
            init(_ repository: OpaquePointer) { self.repository = repository }
        }
        let walk = Walk(handle)
        let callback: git_treewalk_cb = { root, entry, payload in
            guard let entry, git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK else { return 0 }
            let walk = Unmanaged<Walk>.fromOpaque(payload!).takeUnretainedValue()
            var blob: OpaquePointer?
            guard git_blob_lookup(&blob, walk.repository, git_tree_entry_id(entry)) == 0 else { return -1 }
            defer { git_blob_free(blob) }
            let size = Int(git_blob_rawsize(blob))
            let bytes = UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: size)
            let path = String(cString: root!) + String(cString: git_tree_entry_name(entry))
            walk.links.append((path, String(decoding: bytes, as: UTF8.self)))
            return 0
        }
        let code = git_tree_walk(tree, GIT_TREEWALK_PRE, callback, Unmanaged.passUnretained(walk).toOpaque())
        do { try check(code, "git_tree_walk") } catch { throw .git(error.description) }
        let links = Dictionary(walk.links.map { ($0.path, $0.target) }, uniquingKeysWith: { first, _ in first })
        for link in walk.links where !Self.staysInside(link: link.path, links: links) {
            throw .unsafeSymlink(path: link.path, target: link.target)
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
