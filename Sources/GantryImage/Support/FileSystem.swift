import Crypto
import Foundation
import Glibc

/// Thin, typed-throwing wrappers over the POSIX calls the store needs. Paths are absolute.
/// Nothing here follows a symbolic link unless its name says so.
enum FileSystem {
    /// The size of the chunks files are read and hashed in.
    static let chunkSize = 1 << 20

    /// Throws `ImageError.io` with the current `errno` when `result` is -1.
    @discardableResult
    static func check(_ result: Int32, _ operation: String, _ path: String) throws(ImageError) -> Int32 {
        if result == -1 { throw .io(operation: operation, path: path, errno: errno) }
        return result
    }

    /// The `lstat` of `path`, or `nil` when nothing is there.
    static func status(_ path: String) throws(ImageError) -> stat? {
        var info = stat()
        if lstat(path, &info) == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw .io(operation: "inspect", path: path, errno: errno)
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and its missing parents (like `mkdir -p`).
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(ImageError) {
        if isDirectory(path) { return }
        let parent = directoryName(path)
        if parent != path { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode) == -1 && errno != EEXIST { throw .io(operation: "create directory", path: path, errno: errno) }
    }

    /// `/a/b/c` → `/a/b`; `/a` → `/`.
    static func directoryName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// A new, empty file named `.tmp-RANDOM` in `directory`, opened for writing.
    static func createTemporary(in directory: String, mode: mode_t = 0o644) throws(ImageError) -> (fd: Int32, path: String) {
        while true {
            let path = directory + "/" + temporaryName()
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            if fd >= 0 { return (fd, path) }
            if errno != EEXIST { throw .io(operation: "create", path: path, errno: errno) }
        }
    }

    /// `.tmp-` and 16 random hex digits. Files so named are in-flight writes.
    static func temporaryName() -> String {
        ".tmp-" + String(UInt64.random(in: 1 << 60 ... UInt64.max), radix: 16)
    }

    /// Writes every byte of `bytes` to `fd`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(ImageError) {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "write", path: path, errno: errno)
            }
            offset += written
        }
    }

    /// Writes every byte of `bytes` to `fd`.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(ImageError) {
        let result: Result<Void, ImageError> = bytes.withUnsafeBytes { raw in
            Result { () throws(ImageError) in try writeAll(fd, raw, path: path) }
        }
        try result.get()
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the file.
    static func readSome(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(ImageError) -> Int {
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw .io(operation: "read", path: path, errno: errno) }
        }
    }

    /// The whole content of a (small) file.
    static func readFile(_ path: String) throws(ImageError) -> [UInt8] {
        let fd = try check(open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), "open", path)
        defer { close(fd) }
        var bytes: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let count = try readSome(fd, into: chunk, path: path)
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }

    /// Replaces `path` with `bytes` atomically: a temporary file in the same directory, synced,
    /// renamed over `path`, then the directory synced.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ImageError) {
        let directory = directoryName(path)
        let (fd, temporary) = try createTemporary(in: directory)
        do {
            defer { close(fd) }
            try writeAll(fd, bytes, path: temporary)
            try check(fsync(fd), "sync", temporary)
            try check(rename(temporary, path), "rename into place", path)
        } catch {
            unlink(temporary)
            throw error
        }
        syncDirectory(directory)
    }

    /// Makes a directory's entries (a rename, a new file) durable. Best effort.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// The SHA-256 digest and size of what remains to be read from `fd`, read in chunks.
    /// With `copyTo`, every chunk is also written there.
    static func digest(of fd: Int32, path: String, copyTo output: (fd: Int32, path: String)? = nil) throws(ImageError) -> (Digest, Int) {
        var hasher = SHA256()
        var size = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try readSome(fd, into: buffer, path: path)
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            hasher.update(bufferPointer: chunk)
            if let output { try writeAll(output.fd, chunk, path: output.path) }
            size += count
        }
        return (Digest(hasher.finalize()), size)
    }

    /// The SHA-256 digest and size of the file at `path` (not following a final symlink).
    static func digest(ofFile path: String) throws(ImageError) -> (Digest, Int) {
        let fd = try check(open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), "open", path)
        defer { close(fd) }
        return try digest(of: fd, path: path)
    }

    /// The bytes an unprivileged user may still write on the file system holding `path`.
    static func availableBytes(at path: String) throws(ImageError) -> Int {
        var info = statvfs()
        try check(statvfs(path, &info), "inspect the file system of", path)
        let (bytes, overflow) = Int(info.f_bavail).multipliedReportingOverflow(by: Int(info.f_frsize))
        return overflow ? .max : bytes
    }

    /// The names in `directory`, `.` and `..` left out.
    static func list(_ directory: String) throws(ImageError) -> [String] {
        guard let stream = opendir(directory) else { throw .io(operation: "list", path: directory, errno: errno) }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
