import Foundation
import GantryCore

/// An overlayfs root file system: read-only layers below, the container's own upper
/// directory on top. Mounted with mount(2) directly, `nosuid,nodev` (the layers hold what builds
/// wrote: no setuid binary of theirs gains privileges, no device node of theirs opens a host
/// device), unmounted lazily.
///
/// `volatile`: the overlay never syncs its upper file system. Without it, the unmount of every
/// container flushes every dirty page of the file system that holds the data directory — what
/// the container wrote and what anything else did (measured here: 68 ms with 40 MB dirty; 150 ms
/// after a cold python build, on the push's path between `bin/compile` and the tests). A
/// container's upper is thrown away with it, so its durability buys nothing. An upper and work
/// directory once mounted volatile are never mounted again (overlayfs refuses to): each
/// container gets fresh ones (`RuncRuntime.prepare`).
struct Overlay {
    let layers: [String]
    let upper: String
    let work: String
    let target: String

    /// `MS_NOSUID | MS_NODEV`.
    static let flags = UInt(MS_NOSUID) | UInt(MS_NODEV)

    /// Mounts the overlay at `target`.
    /// - Throws: `RuntimeError` naming the failing path.
    func mount(container: String) throws(RuntimeError) {
        for path in layers + [upper, work, target] where path.contains(",") || path.contains(":") {
            throw RuntimeError(container: container, reason: "overlay path \(path) contains ',' or ':'")
        }
        // overlayfs lists lowerdir top first; `layers` is lowest first.
        let options = "lowerdir=\(layers.reversed().joined(separator: ":")),upperdir=\(upper),workdir=\(work),volatile"
        guard Glibc.mount("overlay", target, "overlay", Self.flags, options) == 0 else {
            throw RuntimeError(container: container, reason: "mounting its overlay root at \(target) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Detaches the overlay; harmless when it is not mounted.
    func unmount() {
        _ = umount2(target, Int32(MNT_DETACH))
    }
}
