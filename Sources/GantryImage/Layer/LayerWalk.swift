import Glibc

/// One pass of `LayerWriter` over a tree: a depth-first walk whose children are sorted so that
/// the entries come out in byte order of their tar names. Remembers the first name of every
/// file with several links, so later names become hard-link entries.
final class LayerWalk {
    let output: TarOutput
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: FileSystem.chunkSize, alignment: 16)
    /// Zeros, written for the holes of sparse files instead of reading them.
    let zeros = UnsafeMutableRawBufferPointer.allocate(byteCount: FileSystem.chunkSize, alignment: 16)
    /// The tar name each multiply-linked file was first written under.
    private var firstNames: [FileID: [UInt8]] = [:]

    init(output: TarOutput) {
        self.output = output
        zeros.initializeMemory(as: UInt8.self, repeating: 0)
    }

    func deallocate() {
        chunk.deallocate()
        zeros.deallocate()
    }

    /// Writes the entries below the directory `stream` (which it takes and closes), whose tar
    /// name is `name` (empty or ending in `/`) and path on disk `path`.
    func writeChildren(of stream: OpaquePointer, name: [UInt8], path: String, depth: Int = 0) throws(ImageError) {
        defer { closedir(stream) }
        let directory = dirfd(stream)
        for child in try DirectoryEntry.sorted(in: stream, path: path) {
            let childPath = path + "/" + String(decoding: child.key, as: UTF8.self)
            let mode = LayerWriter.mode(child.info.st_mode)
            switch child.info.st_mode & S_IFMT {
            case S_IFDIR:
                try output.append(TarHeader(name: name + child.key, kind: .directory, mode: mode).encoded())
                try writeChildren(
                    of: DirectoryEntry.openDirectory(child.cName, in: directory, path: childPath, depth: depth + 1), name: name + child.key,
                    path: childPath, depth: depth + 1)
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

    /// Writes one regular file: its header with the size `fstat` gives once it is open, then
    /// exactly that many bytes; or, when the file was written before under another name, a
    /// hard-link entry to that name.
    private func writeFile(named name: [UInt8], in directory: Int32, _ cName: [CChar], path: String) throws(ImageError) {
        // O_NONBLOCK: should a FIFO replace the file since it was listed, opening it must not hang.
        let fd = try FileSystem.check(openat(directory, cName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), "open", path)
        defer { close(fd) }
        var info = stat()
        try FileSystem.check(fstat(fd, &info), "inspect", path)
        guard info.st_mode & S_IFMT == S_IFREG else { throw .fileChanged(path: path) }
        let mode = LayerWriter.mode(info.st_mode)
        if info.st_nlink > 1 {
            let id = FileID(info)
            if let first = firstNames[id] {
                try output.append(TarHeader(name: name, kind: .hardLink, mode: mode, linkName: first).encoded())
                return
            }
            firstNames[id] = name
        }
        let size = Int(info.st_size)
        try output.append(TarHeader(name: name, kind: .regularFile, mode: mode, size: size).encoded())
        try writeContent(of: fd, size: size, path: path)
        try output.append(TarHeader.padding(after: size))
    }

    /// Writes `size` bytes of the file open at `fd`: its data segments as read, its holes as
    /// zeros without reading them.
    private func writeContent(of fd: Int32, size: Int, path: String) throws(ImageError) {
        var offset = 0
        while offset < size {
            let data = try Self.seek(fd, offset, Self.seekData, size: size, path: path)
            try writeZeros(data - offset)
            offset = data
            guard offset < size else { break }
            let hole = try Self.seek(fd, offset, Self.seekHole, size: size, path: path)
            while offset < hole {
                let buffer = UnsafeMutableRawBufferPointer(rebasing: chunk[..<min(hole - offset, chunk.count)])
                let count = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
                if count < 0 {
                    if errno == EINTR { continue }
                    throw .io(operation: "read", path: path, errno: errno)
                }
                if count == 0 { throw .fileChanged(path: path) }
                try output.append(UnsafeRawBufferPointer(rebasing: chunk[..<count]))
                offset += count
            }
        }
    }

    private func writeZeros(_ count: Int) throws(ImageError) {
        var remaining = count
        while remaining > 0 {
            let part = min(remaining, zeros.count)
            try output.append(UnsafeRawBufferPointer(rebasing: zeros[..<part]))
            remaining -= part
        }
    }

    /// Linux's `SEEK_DATA` and `SEEK_HOLE` (glibc declares them only under `_GNU_SOURCE`).
    private static let seekData: Int32 = 3
    private static let seekHole: Int32 = 4

    /// Where the next data (`SEEK_DATA`) or hole (`SEEK_HOLE`) starts at or after `offset`,
    /// at most `size`. Past the last data there is none (`ENXIO`): `size`. A file system that
    /// cannot tell (`EINVAL`) has data from `offset` to `size`.
    private static func seek(_ fd: Int32, _ offset: Int, _ whence: Int32, size: Int, path: String) throws(ImageError) -> Int {
        let position = lseek(fd, off_t(offset), whence)
        if position >= 0 { return min(Int(position), size) }
        switch errno {
        case ENXIO: return size
        case EINVAL: return whence == Self.seekData ? offset : size
        default: throw .io(operation: "seek", path: path, errno: errno)
        }
    }
}
