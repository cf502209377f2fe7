import Foundation
import GantryCore
import GantryRouter
import NIOCore
import Synchronization
import Testing

/// Large bodies each way through the router: streamed with backpressure, never buffered whole.
///
/// The kernel buffers a lot on loopback (receive windows autotune up to `tcp_rmem`'s maximum), so
/// the body is 50 MB or more than the sockets on the path could hold, whichever is more: the
/// backend (or client) must stall while the other end reads nothing.
@Suite(.serialized) struct StreamingTests {
    let hello = try! AppName("hello")

    static let size: Int = {
        func maximum(_ path: String) -> Int {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return text.split(whereSeparator: \.isWhitespace).last.flatMap { Int($0) } ?? 0
        }
        let kernel = maximum("/proc/sys/net/ipv4/tcp_rmem") + maximum("/proc/sys/net/ipv4/tcp_wmem")
        return max(50 << 20, 2 * kernel + (16 << 20))
    }()

    /// Waits until `counter` stops growing (or the deadline passes); returns its value.
    static func stalled(_ read: () -> Int) async throws -> Int {
        var last = -1
        for _ in 0..<40 {
            let now = read()
            if now == last { return now }
            last = now
            try await Task.sleep(for: .milliseconds(100))
        }
        return last
    }

    @Test func largeDownloadIsStreamedWithBackpressure() async throws {
        let written = Counter()
        try await withDownloadServer(bodySize: Self.size, written: written) { backendPort in
            let table = RouteTable()
            table.setBackends(app: hello, [Backend(id: "download", port: backendPort)])
            try await withRouter(table) { _, port in
                let before = residentBytes()
                var peak = before
                let received = try await TestClient.with(port: port, receiveBuffer: 64 * 1024) { client in
                    try await client.sendHead(host: "hello.localhost", path: "/", bodyLength: nil)
                    try await client.end()
                    #expect(try await client.readHead().status == .ok)
                    // The client reads nothing for a while: the backend must stall, not finish into the router.
                    let sent = try await Self.stalled { written.current }
                    #expect(sent < Self.size, "backend sent \(sent) bytes to a client that read none")
                    peak = max(peak, residentBytes())
                    var sentAtFirstByte: Int?
                    let total = try await client.readBody { total in
                        if sentAtFirstByte == nil { sentAtFirstByte = written.current }
                        if total % (4 << 20) < 65536 { peak = max(peak, residentBytes()) }
                    }
                    #expect((sentAtFirstByte ?? Self.size) < Self.size, "the first byte came after the backend had sent everything")
                    return total
                }
                #expect(received == Self.size)
                #expect(peak - before < 32 << 20, "resident memory grew by \((peak - before) >> 20) MB")
            }
        }
    }

    @Test func largeUploadIsStreamedWithBackpressure() async throws {
        try await withBackends(1) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [backends[0].backend])
            try await withRouter(table) { _, port in
                let before = residentBytes()
                let written = Counter()
                // The backend waits five seconds before reading the body.
                let request = "POST /upload?delay=5000 HTTP/1.1\r\nHost: hello.localhost\r\n"
                    + "Content-Length: \(Self.size)\r\nConnection: close\r\n\r\n"
                let response = try await pumpUpload(port: port, request: request, bodySize: Self.size, written: written)
                let stalledAt = try await Self.stalled { written.current }
                #expect(backends[0].bytesReceived.load(ordering: .relaxed) == 0, "the backend read before its delay")
                #expect(stalledAt < Self.size, "the whole upload went out before the backend read any of it")
                #expect(residentBytes() - before < 32 << 20, "resident memory grew by \((residentBytes() - before) >> 20) MB")
                let answer = try await response.get()
                #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
                #expect(answer.hasSuffix("received \(Self.size)"))
            }
        }
    }
}
