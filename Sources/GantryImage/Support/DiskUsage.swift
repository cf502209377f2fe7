import Glibc

/// What files take on disk, as `du` counts it: allocated blocks, not apparent sizes (a sparse
/// file counts its data), a file with several names once. Never follows a symbolic link.
public enum DiskUsage {
    /// The bytes `path` and everything under it take; 0 when nothing is there or it cannot be
    /// read (a report, never a reason to fail).
    public static func bytes(of path: String) -> Int {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        var seen: Set<FileID> = []
        var total = Int(info.st_blocks) * 512
        if info.st_mode & S_IFMT == S_IFDIR, let stream = opendir(path) {
            add(stream, path: path, depth: 0, into: &total, seen: &seen)
        }
        return total
    }

    /// Past `DirectoryEntry.maximumDepth` levels the count stops descending (a build can nest
    /// without end).
    private static func add(_ stream: OpaquePointer, path: String, depth: Int, into total: inout Int, seen: inout Set<FileID>) {
        defer { closedir(stream) }
        guard let entries = try? DirectoryEntry.sorted(in: stream, path: path) else { return }
        for entry in entries where entry.info.st_nlink == 1 || entry.isDirectory || seen.insert(FileID(entry.info)).inserted {
            total += Int(entry.info.st_blocks) * 512
            guard entry.isDirectory else { continue }
            let childPath = path + "/" + String(decoding: entry.key.dropLast(), as: UTF8.self)
            if let child = try? DirectoryEntry.openDirectory(entry.cName, in: dirfd(stream), path: childPath, depth: depth + 1) {
                add(child, path: childPath, depth: depth + 1, into: &total, seen: &seen)
            }
        }
    }
}
