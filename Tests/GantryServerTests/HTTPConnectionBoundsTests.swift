import Foundation
import GantryClient
import GantryTesting
import Testing

/// Hostile HTTP clients: thousands of idle connections, a request whose headers never end.
/// gantryd closes them after its idle timeout, holds at most its cap at once, and keeps
/// answering.
@Suite(.serialized) struct HTTPConnectionBoundsTests {
    @Test func fiveThousandIdleConnectionsAreCappedThenClosedAndTheServerKeepsAnswering() async throws {
        try await TestServer.with(httpIdleTimeout: .seconds(2), maxConnections: 256) { server in
            let port = Int(server.url.split(separator: ":").last!)!
            let flood = try await Socket.flood(port: port, count: 5_000, within: .seconds(10)) {
                let health = try await HTTPClient().perform(GantryClient.HTTPRequest(url: server.url + "/healthz"))
                #expect(health.status == 200)
            }
            #expect(flood.closedAtOnce >= 5_000 - 256, "\(flood.closedAtOnce) of 5000 closed within 1 s")
            #expect(flood.stillOpen == 0, "\(flood.stillOpen) idle connections still open after the 2 s idle timeout")
            #expect(flood.residentGrowth < 64 << 20, "resident memory grew by \(flood.residentGrowth >> 20) MiB")
        }
    }

    @Test func aRequestWhoseHeadersNeverEndIsClosedAfterTheIdleTimeout() async throws {
        try await TestServer.with(httpIdleTimeout: .seconds(1)) { server in
            let port = Int(server.url.split(separator: ":").last!)!
            let fd = try Socket.connectLoopback(port: port)
            defer { close(fd) }
            let started = ContinuousClock.now
            // A header line every 300 ms, never the blank line that ends them.
            var closed = false
            for line in 0..<40 where !closed {
                try? Socket.sendAll(fd, Array((line == 0 ? "GET /healthz HTTP/1.1\r\nHost: x\r\n" : "X-Slow-\(line): 1\r\n").utf8))
                try await Task.sleep(for: .milliseconds(300))
                closed = Socket.isClosedByPeer(fd)
            }
            #expect(closed, "still open after 12 s of trickled headers")
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        try await TestServer.with(httpIdleTimeout: .seconds(1)) { server in
            let port = Int(server.url.split(separator: ":").last!)!
            let fd = try Socket.connectLoopback(port: port)
            defer { close(fd) }
            try Socket.sendAll(fd, Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            try await Task.sleep(for: .milliseconds(300))
            #expect(!Socket.isClosedByPeer(fd), "the answered connection stays open for the next request")
            try await Task.sleep(for: .milliseconds(2_000))
            #expect(Socket.isClosedByPeer(fd))
        }
    }
}
