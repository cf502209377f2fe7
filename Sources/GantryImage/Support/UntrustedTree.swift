import Foundation
import GantryCore
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Trees a build wrote: a build workspace, a build cache, an adopted layer.
public enum UntrustedTree {
    /// Removes the tree at `path` without following its symlinks. Foundation's `removeItem`
    /// fails with ENAMETOOLONG past PATH_MAX and leaves a tree a build nested deep enough on
    /// the disk; then GNU `rm -rf`, which walks with descriptors, removes the rest (without
    /// leaving the file system). Best effort.
    public static func remove(_ path: String) {
        guard (try? FileManager.default.removeItem(atPath: path)) == nil, FileManager.default.fileExists(atPath: path) else { return }
        let rm = Process()
        rm.executableURL = URL(fileURLWithPath: "/bin/rm")
        rm.arguments = ["-rf", "--one-file-system", "--", path]
        guard (try? rm.run()) != nil else { return }
        rm.waitUntilExit()
    }

    /// Gives `paths` and everything under them to `user` (uid and gid), links themselves rather
    /// than their targets: `chown -R --no-dereference`, which walks with descriptors as `rm`
    /// does. Describes the failure, or `nil` when it worked.
    static func give(_ paths: [String], to user: Int) async -> String? {
        let chown = Background.command("/bin/chown", ["-R", "--no-dereference", "\(user):\(user)", "--"] + paths)
        let status = try? await Subprocess.run(
            .path(FilePath(chown.executable)), arguments: Arguments(chown.arguments),
            output: .discarded, error: .discarded
        ).terminationStatus
        guard case .exited(0) = status else { return "chown: \(status.map { "\($0)" } ?? "did not run")" }
        return nil
    }
}
