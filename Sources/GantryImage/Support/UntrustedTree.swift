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

    /// Removes the tree at `path` later, in a process of its own (`rm -rf`, in the background:
    /// `Background`), once apps have stopped changing for a second, or after `removalWait`:
    /// a push does not wait for the build directory it leaves (measured: 0.12 s for a
    /// virtualenv another app's layer made redundant), nor does the next push share the CPU
    /// with its removal. What a stop interrupts is in gantryd's scratch directory, emptied at
    /// start.
    public static func removeLater(_ path: String) {
        let rm = Background.command("/bin/rm", ["-rf", "--one-file-system", "--", path])
        Task {
            let deadline = ContinuousClock.now + removalWait
            var quietSince: ContinuousClock.Instant?
            while ContinuousClock.now < deadline {
                let now = ContinuousClock.now
                quietSince = Background.isChangeWorkRunning ? nil : quietSince ?? now
                if let quietSince, now - quietSince >= .seconds(1) { break }
                try? await Task.sleep(for: .milliseconds(250))
            }
            _ = try? await Subprocess.run(.path(FilePath(rm.executable)), arguments: Arguments(rm.arguments), output: .discarded, error: .discarded)
        }
    }

    /// The longest a tree waits for apps to stop changing: the disk it holds is wanted back.
    static let removalWait = Duration.seconds(30)

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
