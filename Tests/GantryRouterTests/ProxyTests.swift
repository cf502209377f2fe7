import GantryCore
import GantryRouter
import GantryTesting
import NIOPosix
import Synchronization
import Testing

@Suite struct ProxyTests {
    let hello = try! AppName("hello")

    @Test func routesByHostWithOrWithoutPort() async throws {
        try await withBackends(2) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [backends[0].backend])
            table.setBackends(app: try AppName("other"), [backends[1].backend])
            try await withRouter(table) { _, port in
                let plain = try await TestClient.get(port: port, host: "hello.localhost")
                let withPort = try await TestClient.get(port: port, host: "hello.localhost:8000")
                let other = try await TestClient.get(port: port, host: "other.localhost:\(port)")
                #expect([plain.body, withPort.body, other.body] == ["web-1", "web-1", "web-2"])
            }
        }
    }

    @Test func unknownHostGets404() async throws {
        try await withRouter(RouteTable()) { _, port in
            let response = try await TestClient.get(port: port, host: "nope.localhost:8000")
            #expect(response.status == 404)
            #expect(response.body.contains("no app is deployed at nope.localhost"))
            #expect(response.headers["content-type"].first?.hasPrefix("text/html") == true)
        }
    }

    @Test func appWithoutBackendsGets503() async throws {
        let table = RouteTable()
        table.setBackends(app: hello, [])
        try await withRouter(table) { _, port in
            let response = try await TestClient.get(port: port, host: "hello.localhost")
            #expect(response.status == 503)
            #expect(response.body.contains("hello has no running release"))
        }
    }

    @Test func deadBackendGets502() async throws {
        let table = RouteTable()
        table.setBackends(app: hello, [Backend(id: "dead", port: Int(RefusedPort.shared.port))])
        try await withRouter(table) { _, port in
            try await TestClient.with(port: port) { client in
                for _ in 0..<2 {
                    let response = try await client.request(host: "hello.localhost")
                    #expect(response.status == 502)
                    #expect(response.body.contains("hello&#39;s web process failed to answer"))
                }
            }
        }
    }

    @Test func failedConnectTriesTheNextBackendOnce() async throws {
        try await withBackends(1) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [Backend(id: "dead", port: Int(RefusedPort.shared.port)), backends[0].backend])
            try await withRouter(table) { _, port in
                for _ in 0..<4 {
                    let response = try await TestClient.get(port: port, host: "hello.localhost")
                    #expect(response.body == "web-1")
                }
            }
        }
    }

    @Test func roundRobinAcrossThreeBackends() async throws {
        try await withBackends(3) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, backends.map(\.backend))
            try await withRouter(table) { _, port in
                var counts: [String: Int] = [:]
                try await TestClient.with(port: port) { client in
                    for _ in 0..<30 { counts[try await client.request(host: "hello.localhost").body, default: 0] += 1 }
                }
                #expect(counts == ["web-1": 10, "web-2": 10, "web-3": 10])
            }
        }
    }

    @Test func requestsDuringSwapsNeverSeeAnEmptyTable() async throws {
        try await withBackends(4) { backends in
            let table = RouteTable()
            let blue = [backends[0].backend, backends[1].backend]
            let green = [backends[2].backend, backends[3].backend]
            table.setBackends(app: hello, blue)
            try await withRouter(table) { _, port in
                let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                    let swapping = Task {
                        var useGreen = true
                        while !Task.isCancelled {
                            table.setBackends(app: hello, useGreen ? green : blue)
                            useGreen.toggle()
                            try? await Task.sleep(for: .milliseconds(1))
                        }
                    }
                    for _ in 0..<4 {
                        group.addTask {
                            try await TestClient.with(port: port) { client in
                                var seen: [Int] = []
                                for _ in 0..<100 { seen.append(try await client.request(host: "hello.localhost").status) }
                                return seen
                            }
                        }
                    }
                    var all: [Int] = []
                    for try await statuses in group { all += statuses }
                    swapping.cancel()
                    return all
                }
                #expect(statuses.count == 400)
                #expect(statuses.allSatisfy { $0 == 200 })
            }
        }
    }

    @Test func backendConnectionsAreReused() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        try await withBackends(1) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [backends[0].backend])
            try await withRouter(table, group: group) { _, port in
                for _ in 0..<5 {
                    try await TestClient.with(port: port) { client in
                        for _ in 0..<4 {
                            let response = try await client.request(host: "hello.localhost")
                            #expect(response.status == 200)
                        }
                    }
                }
            }
            #expect(backends[0].acceptedConnections.load(ordering: .relaxed) == 1)
            #expect(backends[0].requestsStarted.load(ordering: .relaxed) == 20)
        }
        try await group.shutdownGracefully()
    }

    @Test func forwardedFieldsAndRequestIDReachTheBackend() async throws {
        try await withBackends(1) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [backends[0].backend])
            try await withRouter(table) { _, port in
                let host = "hello.localhost:\(port)"
                let first = try await TestClient.get(port: port, host: host, path: "/headers")
                let fields = Self.fields(first.body)
                #expect(fields["x-forwarded-for"] == "127.0.0.1")
                #expect(fields["x-forwarded-proto"] == "http")
                #expect(fields["x-forwarded-host"] == host)
                #expect(fields["x-request-id"]?.utf8.count == 32)
                let second = try await TestClient.get(port: port, host: host, path: "/headers", headers: [("X-Request-Id", "req-42")])
                #expect(Self.fields(second.body)["x-request-id"] == "req-42")
            }
        }
    }

    @Test func hopByHopFieldsAreRemovedBothWays() async throws {
        try await withBackends(1) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [backends[0].backend])
            try await withRouter(table) { _, port in
                let response = try await TestClient.get(
                    port: port, host: "hello.localhost", path: "/headers",
                    headers: [
                        ("Connection", "keep-alive, X-Client-Secret"), ("X-Client-Secret", "1"), ("Keep-Alive", "timeout=9"),
                        ("TE", "trailers"), ("Proxy-Authorization", "Basic eA=="), ("X-Client-Public", "2"),
                    ])
                let fields = Self.fields(response.body)
                for gone in ["connection", "x-client-secret", "keep-alive", "te", "proxy-authorization"] {
                    #expect(fields[gone] == nil, "request kept \(gone)")
                }
                #expect(fields["x-client-public"] == "2")
                #expect(response.headers["keep-alive"].isEmpty)
                #expect(response.headers["x-backend-secret"].isEmpty)
                #expect(response.headers["connection"].isEmpty)
                #expect(response.headers["x-backend-public"] == ["shown"])
            }
        }
    }

    @Test func observerSeesEveryRequest() async throws {
        let records = Mutex<[RequestRecord]>([])
        let observer = ClosureRouterObserver { record in records.withLock { $0.append(record) } }
        try await withBackends(1) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [backends[0].backend])
            table.setBackends(app: try AppName("idle"), [])
            try await withRouter(table, observer: observer) { _, port in
                _ = try await TestClient.get(port: port, host: "hello.localhost")
                _ = try await TestClient.get(port: port, host: "idle.localhost")
                _ = try await TestClient.get(port: port, host: "nope.localhost")
            }
        }
        let seen = records.withLock { $0 }.map { "\($0.app?.rawValue ?? "-") \($0.status) \($0.backendID ?? "-")" }
        #expect(seen == ["hello 200 web-1", "idle 503 -", "- 404 -"])
    }

    static func fields(_ body: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in body.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            result[String(line[..<colon])] = String(line[line.index(after: colon)...].dropFirst())
        }
        return result
    }
}
