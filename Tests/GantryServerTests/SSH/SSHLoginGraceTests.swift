import Foundation
import GantryCore
import GantryGit
import GantryServer
import GantryStore
import Logging
import ServiceLifecycle
import Testing

/// A client that connects and never authenticates is disconnected after the login grace time.
@Suite struct SSHLoginGraceTests {
    @Test func aConnectionThatNeverAuthenticatesIsClosed() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-ssh-grace-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dataDirectory = DataDirectory(root: root)
        try dataDirectory.prepare()
        let store = try Store(path: dataDirectory.database)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let server = SSHServer(
            configuration: ServerConfiguration(dataDirectory: dataDirectory, host: "127.0.0.1", port: 0, maxPushBytes: 1 << 20),
            host: "127.0.0.1", port: 0, store: store, lifecycle: AppLifecycle(pushHooks: RecordingHooks(store: store).hooks(for:trigger:)),
            logger: logger, loginGraceTime: .milliseconds(500)
        ) { port, _ in portContinuation.yield(port) }
        let services = ServiceGroup(configuration: .init(services: [server], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            defer { Task { await services.triggerGracefulShutdown() } }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())

            // Reads what the server sends (its version line) until it closes, or 20 s pass.
            let started = ContinuousClock.now
            let said = try Self.readUntilClosed(port: port, limit: 20)
            #expect(said.hasPrefix("SSH-2.0-"))
            #expect(ContinuousClock.now - started < .seconds(15))  // far below "never"
        }
    }

    /// Connects to 127.0.0.1:`port`, sends nothing, and reads until the server closes.
    static func readUntilClosed(port: Int, limit seconds: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
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
