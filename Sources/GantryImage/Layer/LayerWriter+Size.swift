import Glibc

extension LayerWriter {
    /// The bytes the regular files under `directory` would take in a layer: their apparent
    /// sizes (a sparse file counts its holes), a file with several names once. Reads no file:
    /// it only lists and `lstat`s, so a 1 TB sparse file costs what any file costs. Stops
    /// listing as soon as the sum is over `limit`.
    /// - Returns: the sum, or the first partial sum over `limit`.
    /// - Throws: `ImageError.io` when a directory cannot be read.
    public static func contentSize(of directory: String, stoppingAbove limit: Int = .max) throws(ImageError) -> Int {
        let root = try FileSystem.check(open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open directory", directory)
        var sizer = Sizer(limit: limit)
        try sizer.add(DirectoryEntry.stream(root, path: directory), path: directory, depth: 0)
        return sizer.total
    }
}

/// Sums file sizes over a tree, hard links once.
private struct Sizer {
    let limit: Int
    var total = 0
    var seen: Set<FileID> = []

    init(limit: Int) { self.limit = limit }

    mutating func add(_ stream: OpaquePointer, path: String, depth: Int) throws(ImageError) {
        defer { closedir(stream) }
        let directory = dirfd(stream)
        for entry in try DirectoryEntry.sorted(in: stream, path: path) {
            guard total <= limit else { return }
            if entry.isDirectory {
                let childPath = path + "/" + String(decoding: entry.key, as: UTF8.self)
                try add(DirectoryEntry.openDirectory(entry.cName, in: directory, path: childPath, depth: depth + 1), path: childPath, depth: depth + 1)
            } else if entry.isRegularFile, entry.info.st_nlink == 1 || seen.insert(FileID(entry.info)).inserted {
                let (sum, overflow) = total.addingReportingOverflow(Int(entry.info.st_size))
                total = overflow ? .max : sum
            }
        }
    }
}
