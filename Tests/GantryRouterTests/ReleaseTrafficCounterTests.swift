import GantryCore
import GantryRouter
import Testing

/// The per-release counts the router keeps for canary analysis.
@Suite struct ReleaseTrafficCounterTests {
    let hello = try! AppName("hello")

    private func record(_ counter: ReleaseTrafficCounter, app: AppName?, release: Int?, status: Int = 200) {
        counter.requestCompleted(RequestRecord(app: app, status: status, duration: .milliseconds(2), backendID: "b", release: release))
    }

    @Test func countsRequestsErrorsAndLatencyPerRelease() {
        let counter = ReleaseTrafficCounter()
        record(counter, app: hello, release: 7)
        record(counter, app: hello, release: 7, status: 503)
        record(counter, app: hello, release: 8, status: 404)
        let traffic = counter.snapshot(of: hello)
        #expect(traffic.keys.sorted() == [7, 8])
        #expect(traffic[7]?.requests == 2 && traffic[7]?.serverErrors == 1 && traffic[7]?.latency.total == 2)
        #expect(traffic[8]?.requests == 1 && traffic[8]?.serverErrors == 0)
    }

    @Test func ignoresRequestsWithoutAppOrRelease() throws {
        let counter = ReleaseTrafficCounter()
        record(counter, app: nil, release: 7)
        record(counter, app: hello, release: nil)
        #expect(counter.snapshot(of: hello).isEmpty)
        #expect(counter.snapshot(of: try AppName("other")).isEmpty)
    }

    @Test func keepsTheFourNewestReleasesOfAnApp() throws {
        let counter = ReleaseTrafficCounter()
        let other = try AppName("other")
        for release in [3, 1, 2, 4, 5] { record(counter, app: hello, release: release) }
        record(counter, app: other, release: 1)
        #expect(counter.snapshot(of: hello).keys.sorted() == [2, 3, 4, 5])
        #expect(counter.snapshot(of: other).keys.sorted() == [1])
        counter.forget(app: hello)
        #expect(counter.snapshot(of: hello).isEmpty)
        #expect(counter.snapshot(of: other).count == 1)
    }
}
