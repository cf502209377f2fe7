import Glibc

/// One entry of a directory being walked: its name for the `*at` calls, its `lstat`, and the
/// key it sorts and appears under in a layer.
struct DirectoryEntry {
    /// The name, NUL-terminated, for the `*at` calls.
    var cName: [CChar]
    var info: stat
    /// The name as it sorts and appears in the archive: a directory's ends in `/`.
    var key: [UInt8]

    var isDirectory: Bool { info.st_mode & S_IFMT == S_IFDIR }
    var isRegularFile: Bool { info.st_mode & S_IFMT == S_IFREG }

    /// The entries of a directory stream, `.` and `..` left out, `lstat`ed (never following a
    /// symlink) and sorted by key in byte order.
    /// - Throws: `ImageError.io` naming `path` when the directory cannot be read.
    static func sorted(in stream: OpaquePointer, path: String) throws(ImageError) -> [DirectoryEntry] {
        let directory = dirfd(stream)
        var entries: [DirectoryEntry] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw .io(operation: "list", path: path, errno: errno) }
                break
            }
            let cName = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { Array(UnsafeBufferPointer(start: $0, count: strlen($0) + 1)) }
            }
            if cName == [46, 0] || cName == [46, 46, 0] { continue }  // "." and ".."
            var info = stat()
            let name = cName.dropLast().map { UInt8(bitPattern: $0) }
            let childPath = path + "/" + String(decoding: name, as: UTF8.self)
            try FileSystem.check(fstatat(directory, cName, &info, AT_SYMLINK_NOFOLLOW), "inspect", childPath)
            let isDirectory = info.st_mode & S_IFMT == S_IFDIR
            entries.append(DirectoryEntry(cName: cName, info: info, key: isDirectory ? name + [UInt8(ascii: "/")] : name))
        }
        return entries.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// The most levels of directories a walk descends: a build can nest directories without
    /// end (relative `mkdir`s), and every walk holds a descriptor, a stack frame and a path
    /// per level — 20,000 levels would overflow a thread's stack. Real apps nest far less.
    static let maximumDepth = 1024

    /// Opens the directory `cName` inside the directory open at `parent`, without following a
    /// symlink, as a stream the caller closes. `depth` is the new directory's level below the
    /// walk's root (its children are at 1).
    /// - Throws: `ImageError.tooDeep` past `maximumDepth`; `.io`.
    static func openDirectory(_ cName: [CChar], in parent: Int32, path: String, depth: Int) throws(ImageError) -> OpaquePointer {
        guard depth <= maximumDepth else { throw .tooDeep(path: path) }
        let fd = try FileSystem.check(openat(parent, cName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), "open directory", path)
        return try stream(fd, path: path)
    }

    /// A directory stream over `fd`, which it takes (and closes on failure).
    static func stream(_ fd: Int32, path: String) throws(ImageError) -> OpaquePointer {
        guard let stream = fdopendir(fd) else {
            let error = errno
            close(fd)
            throw .io(operation: "list", path: path, errno: error)
        }
        return stream
    }
}

/// A file's identity: hard links to one file share it.
struct FileID: Hashable {
    var device: UInt64
    var inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
