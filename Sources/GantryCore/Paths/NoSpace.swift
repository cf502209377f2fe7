/// A write that failed because the disk of the data directory is full (`ENOSPC`) or a quota is
/// spent (`EDQUOT`), said the same way whichever stage met it — receiving a pack, a build, a
/// log, SQLite — in words the pusher can act on.
public enum NoSpace {
    /// The words every such message starts with.
    public static let words = "no space left on device in the data directory"

    /// `no space left on device in the data directory (WHERE): free some (…) and try again`.
    /// - Parameter place: the data directory, and what is known of its free space.
    public static func message(_ place: String? = nil) -> String {
        words + (place.map { " (\($0))" } ?? "") + ": free some (`gantry gc` removes what no release uses) and try again"
    }

    /// Whether `text` — an error's description, a line a build printed — says that a write
    /// failed for want of space: `strerror` of `ENOSPC` or `EDQUOT`, SQLite's `SQLITE_FULL`,
    /// Foundation's `NSFileWriteOutOfSpaceError`.
    public static func isMentioned(in text: String) -> Bool {
        let lowered = text.lowercased()
        return markers.contains { lowered.contains($0) }
    }

    static let markers = ["no space left on device", "disk quota exceeded", "database or disk is full", "isn’t enough space", "isn't enough space"]

    /// The data directory of a path gantryd keeps directly in it (`DATA_DIR/tmp`, `DATA_DIR/gantry.sqlite`).
    public static func dataDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}
