import Glibc

/// Writes a directory tree as a reproducible, uncompressed POSIX tar layer, hashing it as it
/// goes.
///
/// The same tree always gives the same bytes, whoever made it and whenever:
/// - entries are sorted by name in byte order (a directory's name ends in `/`), each directory
///   before its content;
/// - every entry's mtime is `modificationTime`, uid and gid are 0, user and group names empty;
/// - permission bits are kept (see `mode(_:)`: no setuid, setgid or world-write bit), nothing
///   else from `stat`.
///
/// Every file in the tree was written by code nobody reviewed (a build), so nothing in it may
/// give a process more than the app's own rights once unpacked: setuid and setgid bits and
/// world-writable bits are dropped, and sockets, FIFOs and device files are skipped.
///
/// Directories, regular files and symbolic links (target written verbatim, never followed) are
/// written. A file with several names in the tree is stored once: its first name in entry order
/// holds the content, the later ones are hard-link entries (type `1`) to it. Holes of sparse
/// files are never read (`SEEK_DATA`/`SEEK_HOLE`): zeros are written for them. The tree is read
/// through directory file descriptors with `O_NOFOLLOW`, so a symlink swapped in while it is
/// read is never followed. File contents are streamed in 1 MiB chunks.
public struct LayerWriter: Sendable {
    /// The mtime of every entry: 1980-01-01T00:00:01Z, as Cloud Native Buildpacks use, rather
    /// than 0, which some tools treat as "unset".
    public static let modificationTime = 315_532_801

    /// The directory the tree is placed under inside the layer (`app` puts the tree's root at
    /// `/app`), without leading or trailing `/`; empty for the layer's root.
    public let prefix: String

    /// - Parameter prefix: where the tree goes inside the layer (`app`, `workspace/app`); its
    ///   parent directories are written too, with mode 0755. Empty: the tree is the layer's root.
    /// - Throws: `ImageError.invalidPrefix` for a prefix with `.` or `..` parts.
    public init(prefix: String = "") throws(ImageError) {
        let parts = prefix.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.allSatisfy({ $0 != "." && $0 != ".." }) else { throw .invalidPrefix(prefix) }
        self.prefix = parts.joined(separator: "/")
    }

    /// Writes the tree under `directory` as a tar file at `path`, which must not exist yet.
    /// A partial file is removed when writing fails.
    /// - Returns: the layer, with the digest of the bytes written.
    /// - Throws: `ImageError.io` when a file cannot be read or written; `.fileChanged` when a
    ///   file changes while it is read.
    public func write(directory: String, to path: String) throws(ImageError) -> Layer {
        let fd = try FileSystem.check(open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644), "create", path)
        do {
            return try write(directory: directory, to: TarOutput(fd: fd, path: path))
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Writes the tree to `output` and finishes it (flushed and synced).
    func write(directory: String, to output: TarOutput) throws(ImageError) -> Layer {
        let root = try FileSystem.check(open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open directory", directory)
        var info = stat()
        if fstat(root, &info) == -1 {
            close(root)
            throw .io(operation: "inspect", path: directory, errno: errno)
        }
        var base: [UInt8] = []
        let parts = prefix.split(separator: "/")
        for (index, part) in parts.enumerated() {
            base += Array(part.utf8) + [UInt8(ascii: "/")]
            let mode = index == parts.count - 1 ? Self.mode(info.st_mode) : 0o755
            try output.append(TarHeader(name: base, kind: .directory, mode: mode).encoded())
        }
        let walk = LayerWalk(output: output)
        defer { walk.deallocate() }
        try walk.writeChildren(of: DirectoryEntry.stream(root, path: directory), name: base, path: directory)
        try output.append([UInt8](repeating: 0, count: 2 * TarHeader.blockSize))
        let digest = try output.finish()
        return Layer(digest: digest, size: output.count)
    }

    /// The permission bits a layer keeps of `mode`: `rwx` for owner and group, `r-x` for
    /// others, and the sticky bit. Setuid and setgid are dropped (an unpacked layer must not
    /// give anyone more rights than the app's), and so is world-write (another container's or
    /// host user could change the app's files). The sticky bit stays: it only ever restricts
    /// who may delete in a directory, and a world-writable `tmp/` usually has it.
    static func mode(_ mode: mode_t) -> UInt32 {
        UInt32(mode) & 0o1775
    }
}
