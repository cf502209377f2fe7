#if canImport(Glibc)
import Glibc
#endif

/// `count` random bytes, read from `/dev/urandom` in a few calls. Not
/// `UInt8.random(using:)` per byte: in a debug build that is one system call per 8 bytes, and
/// 3 MB of it held one of the cooperative pool's two threads for seconds, stalling every test
/// beside it.
public func randomBytes(_ count: Int) -> [UInt8] {
    let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
    precondition(descriptor >= 0, "cannot open /dev/urandom: errno \(errno)")
    defer { close(descriptor) }
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        var filled = 0
        while filled < count {
            let got = read(descriptor, buffer.baseAddress! + filled, count - filled)
            precondition(got > 0 || errno == EINTR, "cannot read /dev/urandom: errno \(errno)")
            filled += max(got, 0)
        }
        initialized = count
    }
}
