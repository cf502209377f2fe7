import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Trees a build wrote: a build workspace, a build cache.
public enum UntrustedTree {
    /// Removes the tree at `path`, of any depth and path length, without following its
    /// symlinks or leaving its file system: GNU `rm -rf` walks with descriptors, where
    /// Foundation's `removeItem` fails with ENAMETOOLONG past PATH_MAX and leaves a tree that
    /// a build nested deep enough on the disk. Best effort.
    public static func remove(_ path: String) async {
        _ = try? await Subprocess.run(
            .path("/bin/rm"), arguments: ["-rf", "--one-file-system", "--", path], output: .discarded, error: .discarded)
    }
}
