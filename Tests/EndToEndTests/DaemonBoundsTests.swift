import Foundation
import GantryClient
import GantryTesting
import Testing

/// gantryd's connection flags, on a real daemon: idle connections are closed on both doors,
/// and /metrics needs a token except on its own listener.
@Suite("gantryd connection bounds", .serialized, .timeLimit(.minutes(2)))
struct DaemonBoundsTests {
    @Test func idleConnectionsToTheHTTPAndSSHPortsAreClosedAndTheDaemonKeepsAnswering() async throws {
        try await withDaemon(arguments: ["--http-idle-timeout", "1", "--max-connections", "64"]) { gantry in
            // SSH: the login grace time (30 s) closes unauthenticated ones; beyond the cap at once.
            for (port, within) in [(gantry.port, Duration.seconds(5)), (gantry.sshPort, Duration.seconds(40))] {
                let flood = try await Socket.flood(port: port, count: 1_000, within: within) {
                    let health = try await HTTPClient().perform(GantryClient.HTTPRequest(url: gantry.server + "/healthz"))
                    #expect(health.status == 200)
                }
                #expect(flood.closedAtOnce >= 1_000 - 64, "port \(port): \(flood.closedAtOnce) of 1000 closed within 1 s")
                #expect(flood.stillOpen == 0, "port \(port): \(flood.stillOpen) still open")
            }
            #expect(try await gantry.api.apps().isEmpty)
        }
    }

    @Test func metricsNeedATokenExceptOnTheMetricsPort() async throws {
        let metricsPort = try LocalPort.free()
        try await withDaemon(arguments: ["--metrics-port", String(metricsPort)]) { gantry in
            let anonymous = try await HTTPClient().perform(GantryClient.HTTPRequest(url: gantry.server + "/metrics"))
            #expect(anonymous.status == 401)
            let scraped = try await HTTPClient().perform(GantryClient.HTTPRequest(url: "http://127.0.0.1:\(metricsPort)/metrics"))
            #expect(scraped.status == 200)
            #expect(String(decoding: scraped.body, as: UTF8.self).contains("# TYPE"))
        }
    }
}
