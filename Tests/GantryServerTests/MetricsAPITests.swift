import GantryClient
import GantryCore
import GantryServer
import Logging
import Testing

@Suite struct MetricsAPITests {
    static let exposition = "# TYPE gantry_running_containers gauge\ngantry_running_containers 2\n"

    @Test func refusesMetricsWithoutATokenOnTheAPIPort() async throws {
        try await TestServer.with(metrics: { Self.exposition }) { server in
            let anonymous = try await HTTPClient().perform(GantryClient.HTTPRequest(url: server.url + "/metrics"))
            #expect(anonymous.status == 401)
            #expect(!anonymous.text.contains("gantry_running_containers"))
            let wrong = try await HTTPClient().perform(GantryClient.HTTPRequest(url: server.url + "/metrics", headers: ["Authorization": "Bearer nope"]))
            #expect(wrong.status == 401)
        }
    }

    @Test func servesMetricsAsTextWithTheAPIToken() async throws {
        try await TestServer.with(metrics: { Self.exposition }) { server in
            let response = try await HTTPClient().perform(
                GantryClient.HTTPRequest(url: server.url + "/metrics", headers: ["Authorization": "Bearer \(server.token)"]))
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(response.text == Self.exposition)
        }
    }

    @Test func theSeparateMetricsListenerServesMetricsWithoutATokenAndNothingElse() async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = buildMetricsApplication(
            host: "127.0.0.1", port: 0, configuration: ServerConfiguration(dataDirectory: DataDirectory(root: "/nonexistent")),
            metrics: { Self.exposition }, logger: logger, onServerRunning: { continuation.yield($0) })
        try await withRunningService(app, logger: logger, ports: ports) { port in
            let metrics = try await HTTPClient().perform(GantryClient.HTTPRequest(url: "http://127.0.0.1:\(port)/metrics"))
            #expect(metrics.status == 200)
            #expect(metrics.text == Self.exposition)
            let api = try await HTTPClient().perform(GantryClient.HTTPRequest(url: "http://127.0.0.1:\(port)/api/v1/apps"))
            #expect(api.status == 404)
        }
    }
}
