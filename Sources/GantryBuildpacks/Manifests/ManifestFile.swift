import Glibc

/// Reads a manifest (`Procfile`, `app.json`, `release.yml`) out of a tree Gantry does not
/// trust: a pushed source tree, or a directory a build wrote into.
///
/// The path is walked one component at a time from a directory descriptor, every component
/// opened with `O_NOFOLLOW`, so nothing is read outside the tree, whatever symlinks it holds
/// or swaps in meanwhile. Only a regular file of at most `maximumSize` bytes is read: a
/// symlink, FIFO, device, socket or directory under a manifest's name is refused, and so is a
/// bigger file. Errors name the file and what it is, never its content.
public enum ManifestFile {
    /// The most bytes a manifest may have: 1 MiB.
    public static let maximumSize = 1 << 20

    /// The bytes of `relativePath` (components separated by `/`, no `.` or `..`) below the
    /// directory `root`, or `nil` when there is no such file.
    /// - Throws: `ManifestError.unreadable` naming the file and what is wrong with it.
    public static func read(_ relativePath: String, in root: String, maximumSize: Int = maximumSize) throws(ManifestError) -> [UInt8]? {
        let components = relativePath.split(separator: "/").map(String.init)
        precondition(!components.isEmpty && components.allSatisfy { $0 != "." && $0 != ".." }, "a manifest path below its root")
        var directory = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { throw unreadable(relativePath, errno: errno) }
        defer { close(directory) }
        for component in components.dropLast() {
            let next = openat(directory, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 {
                let code = errno
                if code == ENOENT { return nil }
                // O_NOFOLLOW | O_DIRECTORY on a link fails with ENOTDIR: say which it was.
                var info = stat()
                let isLink = fstatat(directory, component, &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & S_IFMT == S_IFLNK
                throw unreadable(relativePath, errno: isLink ? ELOOP : code)
            }
            close(directory)
            directory = next
        }
        return try readFile(components.last!, in: directory, name: relativePath, maximumSize: maximumSize)
    }

    private static func readFile(_ component: String, in directory: Int32, name: String, maximumSize: Int) throws(ManifestError) -> [UInt8]? {
        // Look before opening: opening a device or a FIFO can itself have effects.
        var before = stat()
        guard fstatat(directory, component, &before, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return nil }
            throw unreadable(name, errno: errno)
        }
        try checkKind(before, name: name, maximumSize: maximumSize)
        // O_NONBLOCK: should a FIFO be swapped in since the look, opening it does not hang.
        let fd = openat(directory, component, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw unreadable(name, errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw unreadable(name, errno: errno) }
        guard info.st_dev == before.st_dev, info.st_ino == before.st_ino else {
            throw .unreadable(file: name, "was replaced while it was read")
        }
        try checkKind(info, name: name, maximumSize: maximumSize)

        // At most one byte more than allowed: a file that grew since fstat is caught too.
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var count = 0
        while count < bytes.count {
            let read = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if read < 0 {
                if errno == EINTR { continue }
                throw unreadable(name, errno: errno)
            }
            if read == 0 { break }
            count += read
        }
        guard count <= maximumSize else { throw tooBig(name, maximumSize: maximumSize) }
        return Array(bytes[..<count])
    }

    private static func checkKind(_ info: stat, name: String, maximumSize: Int) throws(ManifestError) {
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            guard Int(info.st_size) <= maximumSize else { throw tooBig(name, maximumSize: maximumSize) }
            return
        case S_IFLNK: kind = "a symbolic link"
        case S_IFIFO: kind = "a FIFO"
        case S_IFCHR, S_IFBLK: kind = "a device"
        case S_IFSOCK: kind = "a socket"
        case S_IFDIR: kind = "a directory"
        default: kind = "not a regular file"
        }
        throw .unreadable(file: name, "is \(kind); it must be a regular file")
    }

    private static func tooBig(_ name: String, maximumSize: Int) -> ManifestError {
        .unreadable(file: name, "is over " + (maximumSize % (1 << 20) == 0 ? "\(maximumSize >> 20) MiB" : "\(maximumSize) bytes"))
    }

    private static func unreadable(_ name: String, errno code: Int32) -> ManifestError {
        switch code {
        case ELOOP: .unreadable(file: name, "is reached through a symbolic link; it must be a regular file")
        case ENOTDIR: .unreadable(file: name, "is below something that is not a directory")
        default: .unreadable(file: name, "cannot be read (\(String(cString: strerror(code))))")
        }
    }
}
