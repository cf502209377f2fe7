import Foundation
import Glibc
import GantryCore
import GantryRouter
import GantryTesting
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

    /// The router answers the backend's FIN with a reset: after a FIN each way, the host's
    /// connection tracking would keep the flow two minutes in TIME_WAIT, one entry per request.
    @Test func theRouterAnswersTheCloseOfABackendThatSaidConnectionCloseWithAReset() async throws {
        let backend = try HalfClosingBackend(response: Self.response)
        let table = RouteTable()
        table.setBackends(app: try AppName("hello"), [Backend(id: "web-1", port: backend.port)])
        try await withRouter(table) { _, port in
            let answer = try await TestClient.get(port: port, host: "hello.localhost")
            #expect(answer.status == 200 && answer.body == "ok")
        }
        let close = await backend.routerClose()
        #expect(close == "reset")
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

/// A backend on a blocking socket of its own thread: answers one request with `response`,
/// shuts its sending side down (a FIN), then reads how the router's side ended: "end of
/// stream" (a FIN), "reset" or another error.
final class HalfClosingBackend: Sendable {
    let port: Int
    /// The outcome once known, or who waits for it.
    private let state = Mutex<(result: String?, waiting: CheckedContinuation<String, Never>?)>((nil, nil))

    init(response: String) throws {
        let (listener, port) = try Socket.bindLoopback()
        guard listen(listener, 1) == 0 else {
            close(listener)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        self.port = Int(port)
        // Neither the accept nor a read waits past a minute: a router that never comes ends the
        // test (in a loaded unit pass it took over 5 s to come).
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        Thread.detachNewThread { [self] in
            defer { close(listener) }
            // A socket with a time-out is interrupted by any signal (EINTR), SA_RESTART or not.
            func retrying<T: BinaryInteger>(_ call: () -> T) -> T {
                while true {
                    let result = call()
                    if result >= 0 || errno != EINTR { return result }
                }
            }
            let connection = retrying { accept(listener, nil, nil) }
            guard connection >= 0 else { return finish("no connection (errno \(errno))") }
            defer { close(connection) }
            var timeout = timeval(tv_sec: 60, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            var request = ""
            while !request.contains("\r\n\r\n") {
                let count = retrying { read(connection, &buffer, buffer.count) }
                guard count > 0 else { return finish("no request") }
                request += String(decoding: buffer[..<count], as: UTF8.self)
            }
            _ = response.utf8CString.withUnsafeBufferPointer { write(connection, $0.baseAddress, $0.count - 1) }
            shutdown(connection, Int32(SHUT_WR))
            let count = retrying { read(connection, &buffer, buffer.count) }
            finish(count == 0 ? "end of stream" : count < 0 && errno == ECONNRESET ? "reset" : "read \(count), errno \(errno)")
        }
    }

    private func finish(_ text: String) {
        let waiting = state.withLock { state in
            defer { state = (text, nil) }
            return state.waiting
        }
        waiting?.resume(returning: text)
    }

    /// How the router's side of the connection ended.
    func routerClose() async -> String {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.result == nil { state.waiting = continuation }
                return state.result
            }
            if let done { continuation.resume(returning: done) }
        }
    }
}
