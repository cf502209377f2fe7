import GantryCore
import Testing

@testable import GantryRouter

@Suite struct RouteTableTests {
    let hello = try! AppName("hello")

    private func pick(_ table: RouteTable, _ host: String) -> String {
        switch table.route(host: host) {
        case .unknownHost(let host): return "404 \(host)"
        case .noBackends(let app): return "503 \(app)"
        case .maintenance(let app, _): return "503 maintenance \(app)"
        case .backend(let app, let slot, _, _):
            slot.end()
            return "\(app) \(slot.backend.id)"
        case .redirectToHTTPS(let app, let host): return "308 \(app) \(host)"
        }
    }

    @Test func routesAppHostsWithAndWithoutPort() {
        let table = RouteTable()
        table.setBackends(app: hello, [Backend(id: "a", port: 1)])
        #expect(pick(table, "hello.localhost") == "hello a")
        #expect(pick(table, "Hello.LocalHost:8000") == "hello a")
        #expect(pick(table, "hello.localhost.") == "hello a")
        #expect(pick(table, "other.localhost") == "404 other.localhost")
        #expect(pick(table, "localhost:8000") == "404 localhost")
        #expect(pick(table, "") == "404 ")
    }

    @Test func appWithoutBackendsIsUnavailable() {
        let table = RouteTable()
        table.setBackends(app: hello, [])
        #expect(pick(table, "hello.localhost") == "503 hello")
        table.removeApp(hello)
        #expect(pick(table, "hello.localhost") == "404 hello.localhost")
    }

    @Test func customDomainsRouteAndMove() throws {
        let table = RouteTable()
        let other = try AppName("other")
        table.setBackends(app: hello, [Backend(id: "a", port: 1)])
        table.setBackends(app: other, [Backend(id: "b", port: 2)])
        table.setDomains(app: hello, ["WWW.Example.com", "example.com"])
        #expect(pick(table, "www.example.com:80") == "hello a")
        #expect(pick(table, "example.com") == "hello a")
        table.setDomains(app: other, ["example.com"])
        #expect(pick(table, "example.com") == "other b")
        table.setDomains(app: hello, [])
        #expect(pick(table, "www.example.com") == "404 www.example.com")
        #expect(pick(table, "example.com") == "other b")
    }

    @Test func aWildcardDomainServesOneLabelBelowItAndAnExactDomainWins() throws {
        let table = RouteTable(baseDomain: "apps.example.net")
        let other = try AppName("other")
        table.setBackends(app: hello, [Backend(id: "a", port: 1)])
        table.setBackends(app: other, [Backend(id: "b", port: 2)])
        table.setDomains(app: hello, ["*.example.com"])
        table.setDomains(app: other, ["shop.example.com"])
        #expect(pick(table, "www.example.com") == "hello a")
        #expect(pick(table, "Blog.Example.com:443") == "hello a")
        #expect(pick(table, "shop.example.com") == "other b")
        #expect(pick(table, "example.com") == "404 example.com")
        #expect(pick(table, "a.b.example.com") == "404 a.b.example.com")
        // The apps' own names are the apps', whatever the wildcards.
        #expect(pick(table, "other.apps.example.net") == "other b")
        #expect(pick(table, "hello.localhost") == "404 hello.localhost")
    }

    @Test func roundRobinVisitsEveryBackendInTurn() {
        let table = RouteTable()
        table.setBackends(app: hello, (1...3).map { Backend(id: "w\($0)", port: $0) })
        let picks = (0..<9).map { _ in pick(table, "hello.localhost") }
        #expect(picks == (0..<3).flatMap { _ in ["hello w1", "hello w2", "hello w3"] })
    }

    @Test func alternativeSkipsTheFailedBackend() {
        let table = RouteTable()
        table.setBackends(app: hello, [Backend(id: "a", port: 1), Backend(id: "b", port: 2)])
        let other = table.alternative(for: hello, excluding: "a")
        #expect(other?.backend.id == "b")
        other?.end()
        table.setBackends(app: hello, [Backend(id: "a", port: 1)])
        #expect(table.alternative(for: hello, excluding: "a") == nil)
    }

    @Test func drainCountsRequestsOfARemovedBackend() async {
        let table = RouteTable()
        table.setBackends(app: hello, [Backend(id: "old", port: 1)])
        guard case .backend(_, let first, _, _) = table.route(host: "hello.localhost"),
            case .backend(_, let second, _, _) = table.route(host: "hello.localhost")
        else {
            Issue.record("no backend")
            return
        }
        table.setBackends(app: hello, [Backend(id: "new", port: 2)])
        #expect(table.activeRequests(backendID: "old") == 2)
        async let result = table.drain(backendID: "old", timeout: .seconds(5))
        try? await Task.sleep(for: .milliseconds(50))
        first.end()
        second.end()
        let drained = await result
        #expect(drained == DrainResult(inFlightAtStart: 2, remaining: 0))
        #expect(drained.description == "drained 2 in-flight requests")
    }

    @Test func drainGivesUpAtTheTimeout() async {
        let table = RouteTable()
        table.setBackends(app: hello, [Backend(id: "old", port: 1)])
        guard case .backend(_, let slot, _, _) = table.route(host: "hello.localhost") else { return }
        table.removeApp(hello)
        let clock = ContinuousClock()
        let start = clock.now
        let result = await table.drain(backendID: "old", timeout: .milliseconds(100))
        #expect(result.timedOut && result.inFlightAtStart == 1)
        // It gave up instead of waiting for the request (which ends only below); a busy machine
        // (two parallel builds beside the test run) once took 10 s to say so.
        #expect(clock.now - start < .seconds(60))
        slot.end()
        #expect(await table.drain(backendID: "old", timeout: .seconds(1)) == DrainResult(inFlightAtStart: 0, remaining: 0))
    }

    @Test func keptBackendKeepsItsRequestCount() {
        let table = RouteTable()
        table.setBackends(app: hello, [Backend(id: "a", port: 1)])
        guard case .backend(_, let slot, _, _) = table.route(host: "hello.localhost") else { return }
        table.setBackends(app: hello, [Backend(id: "a", port: 1), Backend(id: "b", port: 2)])
        #expect(table.activeRequests(backendID: "a") == 1)
        slot.end()
        #expect(table.activeRequests(backendID: "a") == 0)
    }
}
