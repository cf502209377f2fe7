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

    /// Removes the tree at `path` later, with the others waiting, in one process (`rm -rf`, in
    /// the idle CPU cgroup: `Background`), once apps have stopped changing for a second, or
    /// once the first has waited `removalWait`: a push does not wait for the build directory
    /// or the containers it leaves (measured: 0.12 s for a virtualenv another app's layer made
    /// redundant, 40 ms for a cold build container's root), nor does the next push share the
    /// CPU with their removal. What a stop interrupts is emptied at start (scratch directory,
    /// containers' trash).
    public static func removeLater(_ path: String) {
        Task { await PendingRemovals.shared.add(path) }
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

/// The trees `UntrustedTree.removeLater` was given, removed together by one task once apps
/// stop changing.
private actor PendingRemovals {
    static let shared = PendingRemovals()
    private var paths: [String] = []
    /// Since when the first of `paths` waits.
    private var since: ContinuousClock.Instant?
    private var draining: Task<Void, Never>?

    func add(_ path: String) {
        if paths.isEmpty { since = .now }
        paths.append(path)
        if draining == nil { draining = Task { await drain() } }
    }

    private func drain() async {
        var pause = ChangePause()
        while !paths.isEmpty {
            let now = ContinuousClock.now
            guard pause.hasLasted(now: now) || now - (since ?? now) >= UntrustedTree.removalWait else {
                try? await Task.sleep(for: .milliseconds(250))
                continue
            }
            let batch = paths
            (paths, since) = ([], nil)
            for start in stride(from: 0, to: batch.count, by: 256) {  // command lines of bounded length
                // Removing is change work's kind (the idle cgroup), without counting as change work.
                let rm = Background.$isChangeWork.withValue(true) {
                    Background.command("/bin/rm", ["-rf", "--one-file-system", "--"] + batch[start..<min(start + 256, batch.count)])
                }
                _ = try? await Subprocess.run(.path(FilePath(rm.executable)), arguments: Arguments(rm.arguments), output: .discarded, error: .discarded)
            }
        }
        draining = nil
    }
}
