import GantryCore
import GantryTesting
import NIOHTTP1
import Synchronization
import Testing

@testable import GantryRouter

/// A canary split through the router, with real backends: `web-1` runs the stable release 7,
/// `canary-1` the canary, release 8; each answers its id.
@Suite struct CanaryRoutingTests {
    let hello = try! AppName("hello")
    let host = "hello.localhost"

    /// A table with hello on `stable` (release 7) and a canary split of `weight` on `canary` (release 8).
    private func table(stable: TestBackend, canary: TestBackend, weight: Int) -> RouteTable {
        let table = RouteTable()
        table.setBackends(app: hello, [Backend(id: stable.id, port: stable.port, release: 7)])
        table.setCanary(app: hello, CanarySplit(release: 8, stable: 7, weight: weight, backends: [Backend(id: canary.id, port: canary.port, release: 8)]))
        return table
    }

    private func withSplit(weight: Int, observer: (any RouterObserver)? = nil, _ body: (RouteTable, Router, Int) async throws -> Void) async throws {
        try await withBackends(1) { stable in
            try await withBackends(1, prefix: "canary") { canary in
                let table = table(stable: stable[0], canary: canary[0], weight: weight)
                try await withRouter(table, observer: observer) { router, port in try await body(table, router, port) }
            }
        }
    }

    private func cookie(_ release: Int) -> String { CanarySplit.stickyCookie(app: hello, release: release) }

    @Test func tenPercentOfRequestsWithoutCookieReachTheCanaryAndGetACookie() async throws {
        try await withSplit(weight: 10) { _, _, port in
            let toCanary = try await TestClient.with(port: port) { client in
                var toCanary = 0
                for _ in 0..<2000 {
                    let response = try await client.request(host: host)
                    let onCanary = response.body == "canary-1"
                    #expect(response.status == 200 && (onCanary || response.body == "web-1"))
                    #expect(response.headers["set-cookie"] == [cookie(onCanary ? 8 : 7)])
                    if onCanary { toCanary += 1 }
                }
                return toCanary
            }
            #expect((199...201).contains(toCanary), "\(toCanary) of 2000 requests reached the canary")
        }
    }

    @Test func aClientSendingBackItsCookieNeverChangesSide() async throws {
        try await withSplit(weight: 50) { _, _, port in
            var sides: Set<String> = []
            for _ in 0..<5 {
                try await TestClient.with(port: port) { client in
                    let first = try await client.request(host: host)
                    let setCookie = try #require(first.headers["set-cookie"].first)
                    let pair = String(setCookie.prefix { $0 != ";" })
                    sides.insert(first.body)
                    for index in 0..<40 {
                        // Other cookies around it, sometimes in a second Cookie field.
                        let headers = index % 2 == 0
                            ? [("Cookie", "theme=dark; \(pair); xgantry-canary=hello:v1")]
                            : [("Cookie", "theme=dark"), ("Cookie", pair)]
                        let response = try await client.request(host: host, headers: headers)
                        #expect(response.body == first.body, "request \(index) changed side")
                        #expect(response.headers["set-cookie"].isEmpty)
                    }
                }
            }
            #expect(sides == ["web-1", "canary-1"], "at 50%, five clients land on both sides")
        }
    }

    @Test func forceFieldPicksASideAndSetsNoCookie() async throws {
        try await withSplit(weight: 10) { _, _, port in
            try await TestClient.with(port: port) { client in
                for (value, expected) in [("always", "canary-1"), ("ALWAYS", "canary-1"), ("never", "web-1"), ("Never", "web-1")] {
                    for _ in 0..<10 {
                        let response = try await client.request(host: host, headers: [("X-Gantry-Canary", value), ("Cookie", "gantry-canary=hello:v7")])
                        #expect(response.body == expected, "X-Gantry-Canary: \(value)")
                        #expect(response.headers["set-cookie"].isEmpty)
                    }
                }
                // Any other value is no force: the weighted choice decides and cookies.
                let response = try await client.request(host: host, headers: [("X-Gantry-Canary", "maybe")])
                #expect(response.headers["set-cookie"].count == 1)
            }
        }
    }

    @Test func staleCookieIsDecidedAgainAndReplaced() async throws {
        try await withSplit(weight: 50) { _, _, port in
            try await TestClient.with(port: port) { client in
                for stale in ["gantry-canary=hello:v5", "gantry-canary=other:v8"] {
                    let response = try await client.request(host: host, headers: [("Cookie", stale)])
                    let onCanary = response.body == "canary-1"
                    #expect(response.headers["set-cookie"] == [cookie(onCanary ? 8 : 7)], "\(stale)")
                }
            }
        }
    }

    @Test func backendSetCookieFieldsStayBesideOurs() async throws {
        try await withSplit(weight: 10) { _, _, port in
            let response = try await TestClient.get(port: port, host: host, path: "/set-cookie")
            let fields = response.headers["set-cookie"]
            #expect(fields.count == 3, "\(fields)")
            #expect(fields.contains("session=abc; Path=/") && fields.contains("theme=dark"))
            #expect(fields.contains(cookie(8)) || fields.contains(cookie(7)))
        }
    }

    @Test func appWithoutCanaryGetsNoCookie() async throws {
        try await withBackends(1) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [Backend(id: "web-1", port: backends[0].port, release: 7)])
            try await withRouter(table) { _, port in
                try await TestClient.with(port: port) { client in
                    for _ in 0..<20 {
                        #expect(try await client.request(host: host).headers["set-cookie"].isEmpty)
                    }
                    let own = try await client.request(host: host, path: "/set-cookie", headers: [("Cookie", "gantry-canary=hello:v8")])
                    #expect(own.headers["set-cookie"] == ["session=abc; Path=/", "theme=dark"])
                }
            }
        }
    }

    @Test func removedCanarySendsAllTrafficToStableAndItsBackendDrains() async throws {
        try await withSplit(weight: 50) { table, router, port in
            let slow = Task { try await TestClient.get(port: port, host: host, path: "/slow?ms=2500", headers: [("X-Gantry-Canary", "always")]) }
            while table.activeRequests(backendID: "canary-1") < 1 { try await Task.sleep(for: .milliseconds(5)) }
            table.setCanary(app: hello, nil)
            // Drained from the moment it left the table (the slow request is still in flight on
            // it), while the stable side answers everything.
            async let drained = router.drain(backendID: "canary-1", timeout: .seconds(10))
            try await TestClient.with(port: port) { client in
                for _ in 0..<10 {
                    let response = try await client.request(host: host, headers: [("Cookie", "gantry-canary=hello:v8")])
                    #expect(response.body == "web-1" && response.headers["set-cookie"].isEmpty)
                }
            }
            #expect(await drained == DrainResult(inFlightAtStart: 1, remaining: 0))
            #expect(try await slow.value.body == "slow canary-1")
        }
    }

    @Test func promotionLosesNoInFlightRequestCount() async throws {
        try await withSplit(weight: 10) { table, router, port in
            let slow = (0..<2).map { _ in
                Task { try await TestClient.get(port: port, host: host, path: "/slow?ms=2500", headers: [("X-Gantry-Canary", "always")]) }
            }
            while table.activeRequests(backendID: "canary-1") < 2 { try await Task.sleep(for: .milliseconds(5)) }
            let promoted = try #require(table.canary(for: hello)).backends
            table.setBackends(app: hello, promoted)
            table.setCanary(app: hello, nil)
            #expect(table.activeRequests(backendID: "canary-1") == 2)
            #expect(try await TestClient.get(port: port, host: host).body == "canary-1")
            let drained = await router.drain(backendID: "canary-1", timeout: .seconds(10))
            #expect(drained == DrainResult(inFlightAtStart: 2, remaining: 0))
            for request in slow { #expect(try await request.value.status == 200) }
        }
    }

    @Test func retryAfterAFailedConnectStaysOnTheCanarySide() async throws {
        try await withBackends(1) { stable in
            try await withBackends(1, prefix: "canary") { canary in
                let table = RouteTable()
                table.setBackends(app: hello, [Backend(id: "web-1", port: stable[0].port, release: 7)])
                let dead = Backend(id: "canary-dead", port: Int(RefusedPort.shared.port), release: 8)
                table.setCanary(app: hello, CanarySplit(release: 8, stable: 7, weight: 10, backends: [dead, Backend(id: "canary-1", port: canary[0].port, release: 8)]))
                try await withRouter(table) { _, port in
                    for _ in 0..<4 {
                        let response = try await TestClient.get(port: port, host: host, headers: [("X-Gantry-Canary", "always")])
                        #expect(response.status == 200 && response.body == "canary-1")
                    }
                }
            }
        }
    }

    @Test func recordsCarryTheReleaseAndTheCounterCountsEach() async throws {
        let records = Mutex<[RequestRecord]>([])
        let counter = ReleaseTrafficCounter()
        let observer = CombinedRouterObserver(ClosureRouterObserver { record in records.withLock { $0.append(record) } }, counter)
        try await withBackends(1) { stable in
            let table = RouteTable()
            table.setBackends(app: hello, [Backend(id: "web-1", port: stable[0].port, release: 7)])
            let dead = Backend(id: "canary-dead", port: Int(RefusedPort.shared.port), release: 8)
            table.setCanary(app: hello, CanarySplit(release: 8, stable: 7, weight: 10, backends: [dead]))
            try await withRouter(table, observer: observer) { _, port in
                let statuses = try await TestClient.with(port: port) { client in
                    [
                        try await client.request(host: host, headers: [("X-Gantry-Canary", "never")]).status,
                        try await client.request(host: host, headers: [("X-Gantry-Canary", "always")]).status,
                        try await client.request(host: "nobody.localhost").status,
                    ]
                }
                #expect(statuses == [200, 502, 404])
            }
        }
        let seen = records.withLock { $0 }.map { [$0.status, $0.release ?? 0] }
        #expect(seen == [[200, 7], [502, 8], [404, 0]])
        let traffic = counter.snapshot(of: hello)
        #expect(traffic[7]?.requests == 1 && traffic[7]?.serverErrors == 0)
        #expect(traffic[8]?.requests == 1 && traffic[8]?.serverErrors == 1, "a broken canary's 502 counts against it")
    }
}
