import GantryCore
import GantryMetrics
import GantryRouter
import Testing

@Suite struct GantryMetricsTests {
    @Test func countsRouterRequestsByAppReleaseAndStatusWithLatency() throws {
        let metrics = GantryMetrics()
        let hello = try AppName("hello")
        metrics.requestCompleted(RequestRecord(app: hello, status: 200, duration: .milliseconds(3), backendID: "b1", release: 7))
        metrics.requestCompleted(RequestRecord(app: hello, status: 200, duration: .milliseconds(30), backendID: "b1", release: 7))
        metrics.requestCompleted(RequestRecord(app: hello, status: 502, duration: .milliseconds(1), backendID: "c1", release: 8))
        metrics.requestCompleted(RequestRecord(app: hello, status: 503, duration: .milliseconds(1), backendID: nil))
        metrics.requestCompleted(RequestRecord(app: nil, status: 404, duration: .microseconds(50), backendID: nil))

        let text = metrics.render(runningContainers: 0)
        #expect(text.contains("# TYPE gantry_router_requests_total counter"))
        #expect(text.contains(#"gantry_router_requests_total{app="hello",release="7",status="200"} 2"#), "\(text)")
        #expect(text.contains(#"gantry_router_requests_total{app="hello",release="8",status="502"} 1"#))
        #expect(text.contains(#"gantry_router_requests_total{app="hello",release="",status="503"} 1"#))
        #expect(text.contains(#"gantry_router_requests_total{app="",release="",status="404"} 1"#))
        #expect(text.contains("# TYPE gantry_router_request_duration_seconds histogram"))
        #expect(text.contains(#"gantry_router_request_duration_seconds_count{app="hello",release="7"} 2"#))
        #expect(text.contains(#"gantry_router_request_duration_seconds_count{app="hello",release="8"} 1"#))
        #expect(text.contains(#"gantry_router_request_duration_seconds_bucket{app="hello",release="7",le="0.005"} 1"#))
        #expect(text.contains(#"gantry_router_request_duration_seconds_bucket{app="hello",release="7",le="+Inf"} 2"#))
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
