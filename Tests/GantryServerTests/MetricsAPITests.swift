import GantryClient
import Testing

@Suite struct MetricsAPITests {
    @Test func servesMetricsAsTextWithoutAToken() async throws {
        let exposition = "# TYPE gantry_running_containers gauge\ngantry_running_containers 2\n"
        try await TestServer.with(metrics: { exposition }) { server in
            let response = try await HTTPClient().perform(GantryClient.HTTPRequest(url: server.url + "/metrics"))
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(response.text == exposition)
        }
    }
}
