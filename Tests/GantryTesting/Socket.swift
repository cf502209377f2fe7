#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loopback sockets for test servers.
public enum Socket {
    /// A socket call failed; `code` is `errno` at the time.
    public struct Failure: Error {
        /// The failing call, `bind`.
        public let call: String
        /// `errno`.
        public var code = errno
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel picks.
    /// - Throws: `Failure` when `socket`, `bind` or `getsockname` fails.
    public static func bindLoopback() throws -> (descriptor: Int32, port: UInt16) {
        let fd = try tcpSocket()
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else { close(fd); throw Failure(call: "bind") }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A new IPv4 TCP socket.
    /// - Throws: `Failure` when `socket` fails.
    static func tcpSocket() throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(call: "socket") }
        return fd
    }

    /// 127.0.0.1:`port` as a socket address.
    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(port.bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// A port that was free a moment ago (bound, read, then closed again), for a server about to
    /// bind it. Not for a port that must refuse connections: another test may take it; use
    /// `RefusedPort`.
    /// - Throws: `Failure` when no socket can be bound.
    public static func freePort() throws -> UInt16 {
        let (fd, port) = try bindLoopback()
        close(fd)
        return port
    }
}

/// A loopback port that refuses every connection: bound (not listened on, and without
/// `SO_REUSEADDR`) for the whole test process, so that no other test or process can take it —
/// which a port closed again (`Socket.freePort()`) does not promise.
public struct RefusedPort: Sendable {
    public let port: UInt16

    /// The one of this test process; its socket is never closed.
    public static let shared = RefusedPort(port: try! Socket.bindLoopback().port)
}
