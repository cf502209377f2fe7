import Foundation
import GantryCore
import GantryGit
import GantryServer
import GantryStore
import GantryTesting
import Logging

/// gantryd's SSH server alone on a free port with a temporary data directory, for one test.
enum SSHTestServer {
    /// Starts the server, runs `body` with its port and store, then shuts it down and removes
    /// its data.
    static func with(
        maxConnections: Int = ServerConfiguration.defaultMaxConnections, sshIdleTimeout: Duration = ServerConfiguration.defaultSSHIdleTimeout,
        loginGraceTime: Duration = .seconds(30), _ body: (_ port: Int, _ store: Store, _ root: String) async throws -> Void
    ) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-ssh-tests-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dataDirectory = DataDirectory(root: root)
        try dataDirectory.prepare()
        let store = try await blocking { [path = dataDirectory.database] in try Store(path: path) }
        defer { try? store.close() }
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let server = SSHServer(
            configuration: ServerConfiguration(
                dataDirectory: dataDirectory, host: "127.0.0.1", port: 0, maxPushBytes: 1 << 20, maxConnections: maxConnections,
                sshIdleTimeout: sshIdleTimeout),
            host: "127.0.0.1", port: 0, store: store, lifecycle: AppLifecycle(pushHooks: RecordingHooks(store: store).hooks(for:trigger:)),
            logger: logger, loginGraceTime: loginGraceTime
        ) { port, _ in portContinuation.yield(port) }
        try await withRunningService(server, logger: logger, ports: ports) { port in try await body(port, store, root) }
    }
}
