import Foundation
import GantryTesting
import Testing

/// A client that connects and never authenticates is disconnected after the login grace time.
@Suite struct SSHLoginGraceTests {
    @Test func aConnectionThatNeverAuthenticatesIsClosed() async throws {
        try await SSHTestServer.with(loginGraceTime: .milliseconds(500)) { port, _, _ in
            // Reads what the server sends (its version line) until it closes, or 20 s pass.
            let started = ContinuousClock.now
            let said = try await Self.readUntilClosed(port: port, limit: 20)
            #expect(said.hasPrefix("SSH-2.0-"))
            #expect(ContinuousClock.now - started < .seconds(15))  // far below "never"
        }
    }

    /// Connects to 127.0.0.1:`port`, sends nothing, and reads until the server closes (on a
    /// thread of its own: the read blocks).
    static func readUntilClosed(port: Int, limit seconds: Int) async throws -> String {
        try await blocking {
            let fd = try Socket.connectLoopback(port: port)
            defer { close(fd) }
            var timeout = timeval(tv_sec: seconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 { received += buffer[0..<count]; continue }
                if count == 0 { break }  // closed by the server
                throw POSIXError(.ETIMEDOUT)  // still open after `seconds`
            }
            return String(decoding: received, as: UTF8.self)
        }
    }
}
