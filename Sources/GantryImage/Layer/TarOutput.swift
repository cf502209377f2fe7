import Crypto
import Glibc

/// A buffered, write-only file that hashes what it writes: the layer's digest comes with the
/// file, without reading it again.
final class TarOutput {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var hasher = SHA256()
    /// Bytes written so far, buffered ones included.
    private(set) var count = 0

    /// Takes ownership of `fd`, an empty file opened for writing.
    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        buffer.reserveCapacity(FileSystem.chunkSize)
    }

    deinit { close(fd) }

    func append(_ bytes: [UInt8]) throws(ImageError) {
        let result: Result<Void, ImageError> = bytes.withUnsafeBytes { raw in
            Result { () throws(ImageError) in try append(raw) }
        }
        try result.get()
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws(ImageError) {
        if buffer.count + bytes.count > FileSystem.chunkSize { try flush() }
        count += bytes.count
        if bytes.count >= FileSystem.chunkSize {
            hasher.update(bufferPointer: bytes)
            try FileSystem.writeAll(fd, bytes, path: path)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Writes the buffered bytes to the file.
    func flush() throws(ImageError) {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        try FileSystem.writeAll(fd, buffer, path: path)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs the file to disk and returns the digest of everything written.
    func finish() throws(ImageError) -> Digest {
        try flush()
        try FileSystem.check(fsync(fd), "sync", path)
        return Digest(hasher.finalize())
    }
}
