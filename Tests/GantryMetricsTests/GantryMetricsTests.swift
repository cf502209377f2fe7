import GantryCore
import GantryMetrics
import GantryRouter
import Testing

@Suite struct GantryMetricsTests {
    @Test func countsRouterRequestsByAppAndStatusWithLatency() throws {
        let metrics = GantryMetrics()
        let hello = try AppName("hello")
        metrics.requestCompleted(RequestRecord(app: hello, status: 200, duration: .milliseconds(3), backendID: "b1"))
        metrics.requestCompleted(RequestRecord(app: hello, status: 200, duration: .milliseconds(30), backendID: "b1"))
        metrics.requestCompleted(RequestRecord(app: hello, status: 502, duration: .milliseconds(1), backendID: nil))
        metrics.requestCompleted(RequestRecord(app: nil, status: 404, duration: .microseconds(50), backendID: nil))

        let text = metrics.render(runningContainers: 0)
        #expect(text.contains("# TYPE gantry_router_requests_total counter"))
        #expect(text.contains(#"gantry_router_requests_total{app="hello",status="200"} 2"#))
        #expect(text.contains(#"gantry_router_requests_total{app="hello",status="502"} 1"#))
        #expect(text.contains(#"gantry_router_requests_total{app="",status="404"} 1"#))
        #expect(text.contains("# TYPE gantry_router_request_duration_seconds histogram"))
        #expect(text.contains(#"gantry_router_request_duration_seconds_count{app="hello"} 3"#))
        #expect(text.contains(#"gantry_router_request_duration_seconds_bucket{app="hello",le="0.005"} 2"#))
        #expect(text.contains(#"gantry_router_request_duration_seconds_bucket{app="hello",le="+Inf"} 3"#))
    }

    @Test func countsBuildsAndDeploysByOutcome() throws {
        let metrics = GantryMetrics()
        let hello = try AppName("hello")
        metrics.record(.buildFinished(app: hello, status: .built))
        metrics.record(.buildFinished(app: hello, status: .built))
        metrics.record(.buildFinished(app: hello, status: .testFailed))
        metrics.record(.releaseFinished(app: hello, status: .live))
        metrics.record(.releaseFinished(app: hello, status: .failed))

        let text = metrics.render(runningContainers: 3)
        #expect(text.contains(#"gantry_builds_total{outcome="built"} 2"#))
        #expect(text.contains(#"gantry_builds_total{outcome="test_failed"} 1"#))
        #expect(text.contains(#"gantry_builds_total{outcome="build_failed"} 0"#))
        #expect(text.contains(#"gantry_builds_total{outcome="timed_out"} 0"#))
        #expect(text.contains(#"gantry_deploys_total{outcome="live"} 1"#))
        #expect(text.contains(#"gantry_deploys_total{outcome="failed"} 1"#))
        #expect(text.contains("# TYPE gantry_running_containers gauge"))
        #expect(text.contains("gantry_running_containers 3"))
    }
}
