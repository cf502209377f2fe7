import GantryCore
import GantryRouter
import Testing

@Suite struct DrainTests {
    let hello = try! AppName("hello")

    @Test func drainWaitsForSlowRequestsAndCountsThem() async throws {
        try await withBackends(2) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [backends[0].backend])
            try await withRouter(table) { router, port in
                let clock = ContinuousClock()
                let slow = (0..<2).map { _ in
                    Task { try await TestClient.get(port: port, host: "hello.localhost", path: "/slow?ms=3000") }
                }
                while backends[0].requestsStarted.load(ordering: .relaxed) < 2 { try await Task.sleep(for: .milliseconds(5)) }
                table.setBackends(app: hello, [backends[1].backend])
                let start = clock.now
                let result = await router.drain(backendID: "web-1", timeout: .seconds(10))
                let waited = clock.now - start
                #expect(result == DrainResult(inFlightAtStart: 2, remaining: 0))
                #expect(waited > .seconds(1), "the drain returned before the requests finished")
                for request in slow {
                    let response = try await request.value
                    #expect(response.status == 200 && response.body == "slow web-1")
                }
                #expect(try await TestClient.get(port: port, host: "hello.localhost").body == "web-2")
            }
        }
    }

    @Test func drainReturnsAtTheTimeoutWithWhatIsLeft() async throws {
        try await withBackends(1) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [backends[0].backend])
            try await withRouter(table) { router, port in
                let slow = Task { try await TestClient.get(port: port, host: "hello.localhost", path: "/slow?ms=4000") }
                while backends[0].requestsStarted.load(ordering: .relaxed) < 1 { try await Task.sleep(for: .milliseconds(5)) }
                table.setBackends(app: hello, [])
                let result = await router.drain(backendID: "web-1", timeout: .milliseconds(100))
                #expect(result.inFlightAtStart == 1 && result.remaining == 1 && result.timedOut)
                #expect(try await slow.value.status == 200)
            }
        }
    }

    @Test func drainOfAnIdleBackendReturnsAtOnce() async throws {
        let table = RouteTable()
        let router = Router(table: table)
        #expect(await router.drain(backendID: "never-seen", timeout: .seconds(5)) == DrainResult(inFlightAtStart: 0, remaining: 0))
    }

    @Test func shutdownLetsRunningRequestsFinish() async throws {
        try await withBackends(1) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [backends[0].backend])
            let router = Router(table: table, configuration: RouterConfiguration(host: "127.0.0.1", port: 0))
            let running = Task { try await router.run() }
            var port: Int?
            while port == nil {
                try await Task.sleep(for: .milliseconds(5))
                port = router.port
            }
            let slow = Task { [port] in try await TestClient.get(port: port!, host: "hello.localhost", path: "/slow?ms=1500") }  // long enough for the shutdown to reach it on a loaded machine
            while backends[0].requestsStarted.load(ordering: .relaxed) < 1 { try await Task.sleep(for: .milliseconds(5)) }
            running.cancel()
            try await running.value
            let response = try await slow.value
            #expect(response.status == 200)
            #expect(response.headers["connection"] == ["close"])
            await #expect(throws: (any Error).self) { try await TestClient.get(port: port!, host: "hello.localhost") }
            await #expect(throws: RouterError.self) { try await router.start() }
        }
    }

    @Test func startFailsOnAPortInUse() async throws {
        try await withRouter(RouteTable()) { _, port in
            let second = Router(table: RouteTable(), configuration: RouterConfiguration(host: "127.0.0.1", port: port))
            await #expect(throws: RouterError.self) { try await second.start() }
        }
    }
}
