import Foundation
import GantryClient
import GantryCore
import GantryGit
import GantryServer
import GantryStore
import GantryTesting
import Hummingbird
import Logging
import ServiceLifecycle

/// A real gantryd HTTP door on a free port with a temporary data directory, for one test.
struct TestServer {
    let url: String
    let token: String
    let dataDirectory: DataDirectory
    var client: GantryAPIClient { GantryAPIClient(server: url, token: token) }

    /// Starts the server, runs `body`, then shuts the server down and removes its data.
    static func with(
        maxPushBytes: Int = 1 << 30, httpIdleTimeout: Duration = ServerConfiguration.defaultHTTPIdleTimeout,
        maxConnections: Int = ServerConfiguration.defaultMaxConnections, metrics: @escaping @Sendable () async -> String = { "" },
        webhookDeploy: @escaping @Sendable (WebhookDeployment) async -> WebhookDeployment.Outcome = { _ in .fetchFailed("not in this test") },
        collectGarbage: (@Sendable (Bool) async throws -> GarbageReport)? = nil, operations: (any AppOperations)? = nil,
        _ body: (TestServer) async throws -> Void
    ) async throws {
        Libgit2.initialize()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-server-tests-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dataDirectory = DataDirectory(root: root)
        try dataDirectory.prepare()
        let store = try await blocking { [path = dataDirectory.database] in try Store(path: path) }
        // Before the directory goes (defers run last first): an open pool would leave its WAL
        // files behind the removal, and delete them later, leaving the directory empty.
        defer { try? store.close() }
        _ = try await dataDirectory.createAdminTokenIfNeeded(in: store)
        let token = try String(contentsOfFile: dataDirectory.adminToken, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = buildApplication(
            configuration: ServerConfiguration(
                dataDirectory: dataDirectory, host: "127.0.0.1", port: 0, maxPushBytes: maxPushBytes, httpIdleTimeout: httpIdleTimeout,
                maxConnections: maxConnections),
            store: store, lifecycle: AppLifecycle(pushHooks: RecordingHooks(store: store).hooks(for:trigger:), metrics: metrics, operations: operations, webhookDeploy: webhookDeploy, collectGarbage: collectGarbage), logger: logger, onServerRunning: { portContinuation.yield($0) })
        try await withRunningService(app, logger: logger, ports: ports) { port in
            try await body(TestServer(url: "http://127.0.0.1:\(port)", token: token, dataDirectory: dataDirectory))
        }
    }

    /// A raw request with the admin token as HTTP basic credentials, as git sends it.
    func gitRequest(
        _ method: HTTPMethod, _ path: String, contentType: String? = nil, body: [UInt8] = [], password: String? = nil, headers extra: [String: String] = [:]
    ) async throws -> GantryClient.HTTPResponse {
        var headers: HTTPHeaders = ["Authorization": "Basic " + Data("git:\(password ?? token)".utf8).base64EncodedString()]
        if let contentType { headers = HTTPHeaders(headers.map { $0 } + [.init(name: "Content-Type", value: contentType)]) }
        headers = HTTPHeaders(headers.map { $0 } + extra.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value) })
        return try await HTTPClient().perform(GantryClient.HTTPRequest(method: method, url: url + path, headers: headers, body: body))
    }
}

/// Runs `service` until `body` is done with the first port that `ports` yields (the
/// service's `onServerRunning`), then shuts it down.
func withRunningService(
    _ service: some Service, logger: Logger, ports: AsyncStream<Int>, _ body: (_ port: Int) async throws -> Void
) async throws {
    let services = ServiceGroup(configuration: .init(services: [service], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await services.run() }
        defer { Task { await services.triggerGracefulShutdown() } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { return }
        try await body(port)
    }
}

extension GantryClient.HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.values(for: name).first }
}
