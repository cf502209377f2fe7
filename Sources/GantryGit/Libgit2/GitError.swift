import Synchronization
internal import CGit2

/// A libgit2 call that failed, with the function's name and libgit2's own message.
public struct GitError: Error, Sendable, CustomStringConvertible {
    /// libgit2's return code (`GIT_ENOTFOUND`, `GIT_EMODIFIED`, …).
    public let code: Int32
    /// The libgit2 function that failed.
    public let function: String
    /// `git_error_last()`'s message, read on the failing thread.
    public let message: String

    public var description: String { "\(function): \(message)" }

    /// The reference was not found.
    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    /// A lock file (another writer) prevented the operation.
    public var isLocked: Bool { code == GIT_ELOCKED.rawValue }
    /// A compare-and-swap failed: the reference no longer has the expected value.
    public var isModified: Bool { code == GIT_EMODIFIED.rawValue }
    /// The object or reference already exists.
    public var isExisting: Bool { code == GIT_EEXISTS.rawValue }
}

/// Turns a libgit2 return code into a throw, reading the thread's last error at once.
/// - Throws: `GitError` when `code` is negative.
@discardableResult
func check(_ code: Int32, _ function: String = #function) throws(GitError) -> Int32 {
    guard code < 0 else { return code }
    let message = git_error_last().map { String(cString: $0.pointee.message) } ?? "unknown error"
    throw GitError(code: code, function: function, message: message)
}

/// Process-wide libgit2 set-up: call `initialize()` once at start, before any repository work.
public enum Libgit2 {
    /// Initializes libgit2's global state. Safe to call more than once (libgit2 counts calls).
    ///
    /// Objects are not re-hashed when read: every object in a repository got there through the
    /// indexer, which computes its id from its content, so reading it back needs no second
    /// check; skipping it shortens the connectivity walk of a large push.
    public static func initialize() {
        git_libgit2_init()
        _ = gantry_git_set_strict_hash_verification(0)
    }

    /// Whether libgit2 fsyncs the objects, packs and refs it writes (off by default, as in
    /// libgit2), and a push's pack is synced into the repository's directory: gantryd's
    /// `--durability full` turns it on, so that a commit a live release names survives a power
    /// loss as the release's row does.
    public static func syncWrites(_ enabled: Bool) {
        _ = gantry_git_set_fsync_gitdir(enabled ? 1 : 0)
        syncsWrites.withLock { $0 = enabled }
    }

    static let syncsWrites = Mutex(false)

    /// The linked libgit2 version, e.g. "1.5.1".
    public static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        git_libgit2_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}
