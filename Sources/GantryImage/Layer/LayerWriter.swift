import Glibc

/// Writes a directory tree as a reproducible, uncompressed POSIX tar layer, hashing it as it
/// goes.
///
/// The same tree always gives the same bytes, whoever made it and whenever:
/// - entries are sorted by name in byte order (a directory's name ends in `/`), each directory
///   before its content;
/// - every entry's mtime is `modificationTime`, uid and gid are 0, user and group names empty;
/// - permission bits are kept (`mode & 0o7777`), nothing else from `stat`.
///
/// Directories, regular files and symbolic links (target written verbatim, never followed) are
/// written. A hard link is written as a regular file with its content. Sockets, FIFOs and
/// device files are skipped: they cannot be part of an app layer. The tree is read through
/// directory file descriptors with `O_NOFOLLOW`, so a symlink swapped in while it is read is
/// never followed. File contents are streamed in 1 MiB chunks.
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
            let mode = index == parts.count - 1 ? UInt32(info.st_mode) & 0o7777 : 0o755
            try output.append(TarHeader(name: base, kind: .directory, mode: mode).encoded())
        }
        let walk = Walk(output: output)
        defer { walk.chunk.deallocate() }
        try walk.writeChildren(of: root, name: base, path: directory)
        try output.append([UInt8](repeating: 0, count: 2 * TarHeader.blockSize))
        let digest = try output.finish()
        return Layer(digest: digest, size: output.count)
    }
}

/// One pass over a tree: a depth-first walk whose children are sorted so that the entries come
/// out in byte order of their tar names.
private struct Walk {
    let output: TarOutput
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: FileSystem.chunkSize, alignment: 16)

    private struct Child {
        /// The name, NUL-terminated, for the `*at` calls.
        var cName: [CChar]
        var info: stat
        /// The name as it sorts and appears in the archive: a directory's ends in `/`.
        var key: [UInt8]
    }

    /// Writes the entries below the directory open at `fd` (which it takes and closes), whose
    /// tar name is `name` (empty or ending in `/`) and path on disk `path`.
    func writeChildren(of fd: Int32, name: [UInt8], path: String) throws(ImageError) {
        guard let stream = fdopendir(fd) else {
            let error = errno
            close(fd)
            throw .io(operation: "list", path: path, errno: error)
        }
        defer { closedir(stream) }
        let directory = dirfd(stream)
        for child in try children(of: stream, path: path) {
            let childPath = path + "/" + String(decoding: child.key, as: UTF8.self)
            let mode = UInt32(child.info.st_mode) & 0o7777
            switch child.info.st_mode & S_IFMT {
            case S_IFDIR:
                try output.append(TarHeader(name: name + child.key, kind: .directory, mode: mode).encoded())
                let sub = try FileSystem.check(
                    openat(directory, child.cName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), "open directory", childPath)
                try writeChildren(of: sub, name: name + child.key, path: childPath)
            case S_IFREG:
                try writeFile(named: name + child.key, in: directory, child.cName, path: childPath)
            case S_IFLNK:
                var target = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
                let count = target.withUnsafeMutableBufferPointer {
                    readlinkat(directory, child.cName, $0.baseAddress!.withMemoryRebound(to: CChar.self, capacity: $0.count) { $0 }, $0.count)
                }
                try FileSystem.check(count < 0 ? -1 : 0, "read link", childPath)
                let header = TarHeader(name: name + child.key, kind: .symbolicLink, mode: mode, linkName: Array(target[..<count]))
                try output.append(header.encoded())
            default:
                continue  // sockets, FIFOs and devices are skipped.
            }
        }
    }

    /// The entries of a directory stream, `.` and `..` left out, `lstat`ed and sorted.
    private func children(of stream: OpaquePointer, path: String) throws(ImageError) -> [Child] {
        let directory = dirfd(stream)
        var children: [Child] = []
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
            children.append(Child(cName: cName, info: info, key: isDirectory ? name + [UInt8(ascii: "/")] : name))
        }
        return children.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// Writes one regular file: its header with the size `fstat` gives once it is open, then
    /// exactly that many bytes, in chunks.
    private func writeFile(named name: [UInt8], in directory: Int32, _ cName: [CChar], path: String) throws(ImageError) {
        // O_NONBLOCK: should a FIFO replace the file since it was listed, opening it must not hang.
        let fd = try FileSystem.check(openat(directory, cName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), "open", path)
        defer { close(fd) }
        var info = stat()
        try FileSystem.check(fstat(fd, &info), "inspect", path)
        guard info.st_mode & S_IFMT == S_IFREG else { throw .fileChanged(path: path) }
        let size = Int(info.st_size)
        try output.append(TarHeader(name: name, kind: .regularFile, mode: UInt32(info.st_mode) & 0o7777, size: size).encoded())
        var remaining = size
        while remaining > 0 {
            let count = try FileSystem.readSome(fd, into: UnsafeMutableRawBufferPointer(rebasing: chunk[..<min(remaining, chunk.count)]), path: path)
            if count == 0 { throw .fileChanged(path: path) }
            try output.append(UnsafeRawBufferPointer(rebasing: chunk[..<count]))
            remaining -= count
        }
        try output.append(TarHeader.padding(after: size))
    }
}
