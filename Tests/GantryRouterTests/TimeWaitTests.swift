import Foundation
import GantryCore
import GantryRouter
import NIOCore
import Synchronization
import Testing

/// A backend that closes after every response (busybox httpd, gunicorn's sync workers) must
/// close first: the connection's TIME_WAIT then stays on its side (in its own network
/// namespace), not on the router's, where one per request exhausted the ports the router
/// connects from (measured: 14,000 to one busybox httpd, 2,600 → 500 requests/s).
@Suite struct TimeWaitTests {
    static let response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"

    /// A backend that answers `Connection: close`, then waits up to `wait` for the router's
    /// end of the connection before closing its own; records how long each router took to
    /// close after the answer (`nil`: it did not, the backend closed first).
    static func withLingeringBackend<T: Sendable>(
        wait: Duration, _ body: (Int, Closes) async throws -> T
    ) async throws -> T {
        let closes = Closes()
        return try await withRawServer(handle: { connection in
            try await connection.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                var seen = ""
                while !seen.contains("\r\n\r\n"), let buffer = try await iterator.next() { seen += String(buffer: buffer) }
                try await outbound.write(ByteBuffer(string: response))
                let answered = ContinuousClock.now
                // At `wait`, the backend closes its side (a FIN the router then answers).
                let closedFirst = Closes()
                let timer = Task {
                    try await Task.sleep(for: wait)
                    closedFirst.list.withLock { $0.append(nil) }
                    connection.channel.close(promise: nil)
                }
                // The router's FIN ends the stream; its reset throws: either is its close.
                do { while try await iterator.next() != nil {} } catch {}
                timer.cancel()
                let closedAfter: Duration? = closedFirst.list.withLock { $0.isEmpty } ? ContinuousClock.now - answered : nil
                closes.list.withLock { $0.append(closedAfter) }
            }
        }) { port in try await body(port, closes) }
    }

    @Test func theRouterLeavesTheCloseToABackendThatSaidConnectionClose() async throws {
        try await Self.withLingeringBackend(wait: .milliseconds(300)) { backendPort, closes in
            let table = RouteTable()
            table.setBackends(app: try AppName("hello"), [Backend(id: "web-1", port: backendPort)])
            try await withRouter(table) { _, port in
                try await TestClient.with(port: port) { client in
                    for _ in 0..<5 {
                        let answer = try await client.request(host: "hello.localhost")
                        #expect(answer.status == 200 && answer.body == "ok")
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(400))
            let closed = closes.list.withLock { $0 }
            #expect(closed.count == 5 && closed.allSatisfy { $0 == nil }, "the router closed first: \(closed)")
        }
    }

    @Test func aBackendThatDoesNotCloseIsResetAfterASecond() async throws {
        try await Self.withLingeringBackend(wait: .seconds(5)) { backendPort, closes in
            let table = RouteTable()
            table.setBackends(app: try AppName("hello"), [Backend(id: "web-1", port: backendPort)])
            try await withRouter(table) { _, port in
                let answer = try await TestClient.get(port: port, host: "hello.localhost")
                #expect(answer.status == 200 && answer.body == "ok")
                try await Task.sleep(for: .seconds(2))
                let closed = closes.list.withLock { $0 }
                #expect(closed.count == 1, "\(closed)")
                if let after = closed.first ?? nil {
                    #expect(after >= .milliseconds(900) && after < .seconds(4), "closed \(after) after the answer")
                } else {
                    Issue.record("the router never closed: \(closed)")
                }
            }
        }
    }
}

/// How long after each answer the router closed.
final class Closes: Sendable {
    let list = Mutex<[Duration?]>([])
}
