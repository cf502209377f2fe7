#if canImport(Glibc)
import Glibc
#endif

/// A file mapped read-only into memory for as long as the value lives.
package final class MappedFile: @unchecked Sendable {  // immutable after init
    package let bytes: UnsafeRawBufferPointer
    /// Whether `bytes` is a mapping (else a heap copy, `init(copying:)`).
    private let isMapped: Bool

    /// Maps `path`.
    /// - Throws: `ReceiveError.unpack` when it cannot be opened or mapped.
    package init(path: String) throws(ReceiveError) {
        isMapped = true
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unpack("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unpack("cannot stat \(path): \(String(cString: strerror(errno)))") }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw .unpack("cannot map \(path): \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    /// A copy of `bytes` on the heap, read as a mapped file is: for the fuzz targets, where a
    /// file per input would cost more than the parse, and AddressSanitizer sees any read past
    /// the end of a heap block (not of a mapping, which ends on a page boundary).
    package init(copying bytes: some Collection<UInt8>) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        copy.copyBytes(from: bytes)
        self.bytes = UnsafeRawBufferPointer(copy)
        isMapped = false
    }

    deinit {
        if !isMapped {
            UnsafeMutableRawBufferPointer(mutating: bytes).deallocate()
        } else if let start = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: start), bytes.count)
        }
    }
}
