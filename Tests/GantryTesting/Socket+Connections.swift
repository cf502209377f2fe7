import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Socket {
    /// A TCP connection to 127.0.0.1:`port` that sends nothing.
    /// - Throws: `Failure` when `socket` or `connect` fails.
    public static func connectLoopback(port: Int) throws -> Int32 {
        let fd = try tcpSocket()
        var address = loopback(port: UInt16(port))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let failure = Failure(call: "connect")
            close(fd)
            throw failure
        }
        return fd
    }

    /// Whether the peer closed `fd` (end of stream or reset). Reads and discards whatever it
    /// sent before (an SSH banner), without waiting.
    public static func isClosedByPeer(_ fd: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 { continue }
            if count == 0 { return true }
            return errno != EAGAIN && errno != EWOULDBLOCK
        }
    }

    /// Opens `count` connections to 127.0.0.1:`port` that send nothing (close them yourself),
    /// on a thread of their own: a full accept queue makes `connect` wait for SYN retries,
    /// which must not block Swift's cooperative pool (and the servers of other tests).
    /// - Throws: `Failure` when one cannot be made (the ones made are closed).
    public static func openIdle(_ count: Int, port: Int) async throws -> [Int32] {
        try await blocking {
            var sockets: [Int32] = []
            do {
                for _ in 0..<count { sockets.append(try connectLoopback(port: port)) }
                return sockets
            } catch {
                for fd in sockets { close(fd) }
                throw error
            }
        }
    }

    /// Waits up to `limit` for the peer to close each of `sockets`.
    /// - Returns: those still open.
    public static func waitUntilClosed(_ sockets: [Int32], within limit: Duration) async throws -> [Int32] {
        let deadline = ContinuousClock.now + limit
        var open = sockets.filter { !isClosedByPeer($0) }
        while !open.isEmpty && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            open = open.filter { !isClosedByPeer($0) }
        }
        return open
    }

    /// What a flood of idle connections became.
    public struct Flood: Sendable {
        /// Connections the server closed within the first second.
        public var closedAtOnce = 0
        /// Connections still open `within` after the flood.
        public var stillOpen = 0
        /// How much this process's resident memory grew meanwhile (the server runs in it).
        public var residentGrowth = 0
    }

    /// Opens `count` idle connections to 127.0.0.1:`port`, counts those the server closes
    /// within a second and those still open after `within`, runs `meanwhile` while the
    /// client still holds them, then closes them.
    /// - Throws: `Failure` when the connections cannot be made; what `meanwhile` throws.
    public static func flood(
        port: Int, count: Int, within limit: Duration, meanwhile: () async throws -> Void = {}
    ) async throws -> Flood {
        var flood = Flood()
        let before = residentBytes()
        let sockets = try await openIdle(count, port: port)
        defer { for fd in sockets { close(fd) } }
        try await Task.sleep(for: .seconds(1))
        flood.closedAtOnce = sockets.filter(isClosedByPeer).count
        flood.stillOpen = try await waitUntilClosed(sockets, within: limit).count
        try await meanwhile()
        flood.residentGrowth = residentBytes() - before
        return flood
    }

    /// Sends all of `bytes` on `fd`.
    /// - Throws: `Failure` when `send` fails (the peer closed, for one).
    public static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw Failure(call: "send") }
            sent += count
        }
    }

    /// This process's resident set size in bytes (Linux `/proc/self/statm`), or 0.
    public static func residentBytes() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        let fields = buffer[..<count].split(separator: UInt8(ascii: " "))
        guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
