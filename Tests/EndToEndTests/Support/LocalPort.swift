#if canImport(Glibc)
import Glibc
private let streamSocket = Int32(SOCK_STREAM.rawValue)
#elseif canImport(Darwin)
import Darwin
private let streamSocket = SOCK_STREAM
#endif

/// TCP ports on 127.0.0.1.
enum LocalPort {
    /// A port that was free a moment ago (the kernel picks it). Another process may take it
    /// before the daemon binds it; `GantryDaemon` retries with a new one when that happens.
    /// - Throws: `FixtureFailure` when no socket could be bound.
    static func free() throws -> Int {
        let fd = socket(AF_INET, streamSocket, 0)
        guard fd >= 0 else { throw FixtureFailure("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw FixtureFailure("bind(127.0.0.1:0) failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw FixtureFailure("getsockname failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, streamSocket, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return connected == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        #if canImport(Darwin)
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}

/// Runs `body` with `count` free ports a test hands gantryd itself (`--https-port`, a router port
/// pebble must know), picking others when gantryd could not bind one: free ports are picked
/// before gantryd binds them, and another test may take one meanwhile (`withDaemon` picks its
/// own ports again, not these).
func withFreePorts<T>(_ count: Int, _ body: ([Int]) async throws -> T) async throws -> T {
    for attempt in 1... {
        let ports = try (0..<count).map { _ in try LocalPort.free() }
        do {
            return try await body(ports)
        } catch let failure as FixtureFailure where attempt < 3 && failure.message.contains("cannot be used: Address already in use") {
            continue
        }
    }
    fatalError("unreachable")
}
