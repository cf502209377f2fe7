import Foundation
import GantryCore

extension Builder {
    /// Gives `paths` (recursively, links themselves rather than their targets) to `user`, whose
    /// build will write there. With `unlessOwned`, a path whose top already belongs to `user`
    /// is left as is: a build cache only ever holds what that user's builds wrote.
    /// - Throws: `BuildError.other` naming the path.
    func own(_ paths: [String], by user: Int, unlessOwned: Bool = false) async throws(BuildError) {
        var targets = paths
        if unlessOwned {
            targets = paths.filter { path in
                var info = stat()
                return lstat(path, &info) != 0 || info.st_uid != uid_t(user) || info.st_gid != gid_t(user)
            }
        }
        guard !targets.isEmpty else { return }
        if let failure = await UntrustedTree.give(targets, to: user) {
            throw .other("cannot give \(targets.joined(separator: ", ")) to the app's user \(user) (\(failure))")
        }
    }
}

/// The last lines of a build's output, to explain a failure.
final class OutputTail: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private let capacity = 40

    func append(_ line: String) {
        lock.withLock {
            lines.append(String(line.prefix(300)))
            if lines.count > capacity { lines.removeFirst(lines.count - capacity) }
        }
    }

    /// The last line that says a write met a full disk (`NoSpace`), if any.
    func noSpace() -> String? {
        lock.withLock { lines.last { NoSpace.isMentioned(in: $0) }?.trimmingCharacters(in: .whitespaces) }
    }

    /// The last line that says a permission was refused (`EACCES`, `EPERM`, "are you root?"), if any.
    func permissionRefusal() -> String? {
        let markers = ["permission denied", "operation not permitted", "are you root", "must be root", "must be run as root", "requires root", "superuser"]
        return lock.withLock {
            lines.last { line in
                let lowered = line.lowercased()
                return markers.contains { lowered.contains($0) }
            }?.trimmingCharacters(in: .whitespaces)
        }
    }
}
