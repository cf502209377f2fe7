import GantryCore
import GantryRouter
import Testing

/// Maintenance mode in the router: 503 with the app's page and Retry-After, its backends kept.
@Suite struct MaintenanceTests {
    let hello = try! AppName("hello")

    @Test func anAppInMaintenanceGets503WithItsPageAndComesBackWhenItEnds() async throws {
        try await withBackends(1) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [backends[0].backend])
            table.setBackends(app: try AppName("other"), [backends[0].backend])
            try await withRouter(table) { _, port in
                table.setMaintenance(app: hello, on: true, message: "Back at <b>noon</b> & later")
                let down = try await TestClient.get(port: port, host: "hello.localhost")
                #expect(down.status == 503)
                #expect(down.headers["retry-after"] == ["60"])
                #expect(down.body.contains("Back at &lt;b&gt;noon&lt;/b&gt; &amp; later"), "the message is escaped: \(down.body)")
                #expect(try await TestClient.get(port: port, host: "other.localhost").body == "web-1", "other apps are served")

                table.setMaintenance(app: hello, on: true)
                #expect(try await TestClient.get(port: port, host: "hello.localhost").body.contains("hello is down for maintenance"))

                table.setMaintenance(app: hello, on: false)
                let up = try await TestClient.get(port: port, host: "hello.localhost")
                #expect(up.status == 200 && up.body == "web-1")
                #expect(backends[0].acceptedConnections.load(ordering: .relaxed) >= 1)
            }
        }
    }

    @Test func maintenanceOutlivesADeployAndGoesWithTheApp() async throws {
        try await withBackends(2) { backends in
            let table = RouteTable()
            table.setMaintenance(app: hello, on: true)
            table.setBackends(app: hello, [backends[1].backend])  // a deploy while in maintenance
            try await withRouter(table) { _, port in
                let down = try await TestClient.get(port: port, host: "hello.localhost")
                #expect(down.status == 503)
                table.removeApp(hello)
                table.setBackends(app: hello, [backends[0].backend])  // created again
                let up = try await TestClient.get(port: port, host: "hello.localhost")
                #expect(up.body == "web-1")
            }
        }
    }
}
