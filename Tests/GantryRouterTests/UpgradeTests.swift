import GantryCore
import GantryRouter
import NIOCore
import NIOPosix
import Testing

/// A WebSocket-style upgrade through the router: the backend answers 101, then echoes raw bytes.
@Suite struct UpgradeTests {
    let chat = try! AppName("chat")

    typealias Raw = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// A plain TCP server that answers any request head with a 101 and echoes everything after.
    static func withEchoBackend(_ body: (Int) async throws -> Void) async throws {
        try await withRawServer(handle: echo, body)
    }

    /// A raw TCP connection to the router.
    private static func connect(_ port: Int) async throws -> Raw {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try Raw(wrappingChannelSynchronously: channel) }
            }
    }

    /// Reads until the end of a response head; the head and whatever came after it.
    private static func readHead(_ replies: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) async throws -> String {
        var head = ""
        while !head.contains("\r\n\r\n"), let chunk = try await replies.next() { head += String(buffer: chunk) }
        return head
    }

    private static func echo(_ connection: Raw) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var pending = ByteBuffer()
            var upgraded = false
            for try await var chunk in inbound {
                if upgraded {
                    try await outbound.write(chunk)
                    continue
                }
                pending.writeBuffer(&chunk)
                let text = String(buffer: pending)
                guard let end = text.range(of: "\r\n\r\n") else { continue }
                guard text.lowercased().contains("upgrade: websocket") else { return }
                try await outbound.write(ByteBuffer(string:
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"))
                upgraded = true
                let rest = text[end.upperBound...]
                if !rest.isEmpty { try await outbound.write(ByteBuffer(string: String(rest))) }
            }
        }
    }

    @Test func webSocketUpgradeBecomesAByteStream() async throws {
        try await Self.withEchoBackend { backendPort in
        let table = RouteTable()
        table.setBackends(app: chat, [Backend(id: "ws-1", port: backendPort)])
        try await withRouter(table) { _, port in
            let client = try await Self.connect(port)
            try await client.executeThenClose { inbound, outbound in
                var replies = inbound.makeAsyncIterator()
                try await outbound.write(ByteBuffer(string:
                    "GET /socket HTTP/1.1\r\nHost: chat.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
                let head = try await Self.readHead(&replies)
                #expect(head.hasPrefix("HTTP/1.1 101"))
                #expect(head.lowercased().contains("upgrade: websocket"))
                #expect(head.lowercased().contains("connection: upgrade"))
                let afterHead = String(head[head.range(of: "\r\n\r\n")!.upperBound...])
                #expect(afterHead.isEmpty)

                for message in ["hello", "binary\u{0}frames", String(repeating: "z", count: 1 << 20)] {
                    try await outbound.write(ByteBuffer(string: message))
                    var echoed = ""
                    while echoed.utf8.count < message.utf8.count, let chunk = try await replies.next() {
                        echoed += String(buffer: chunk)
                    }
                    #expect(echoed == message)
                }
            }
        }
        }
    }

    @Test func webSocketOfAnAppWithACanaryGetsTheStickyCookieIn101() async throws {
        try await Self.withEchoBackend { backendPort in
            let table = RouteTable()
            table.setBackends(app: chat, [Backend(id: "ws-1", port: backendPort, release: 3)])
            table.setCanary(app: chat, CanarySplit(release: 4, stable: 3, weight: 50, backends: [Backend(id: "ws-2", port: backendPort, release: 4)]))
            try await withRouter(table) { _, port in
                let client = try await Self.connect(port)
                try await client.executeThenClose { inbound, outbound in
                    var replies = inbound.makeAsyncIterator()
                    try await outbound.write(ByteBuffer(string:
                        "GET /socket HTTP/1.1\r\nHost: chat.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"))
                    let head = try await Self.readHead(&replies)
                    #expect(head.hasPrefix("HTTP/1.1 101"))
                    #expect(head.contains("set-cookie: gantry-canary=chat:v4; Path=/; HttpOnly; SameSite=Lax\r\n"), "\(head)")
                }
            }
        }
    }

    @Test func declinedUpgradeIsAnOrdinaryResponse() async throws {
        try await withBackends(1) { backends in
            let table = RouteTable()
            table.setBackends(app: chat, [backends[0].backend])
            try await withRouter(table) { _, port in
                let response = try await TestClient.get(
                    port: port, host: "chat.localhost", headers: [("Connection", "Upgrade"), ("Upgrade", "websocket")])
                #expect(response.status == 200)
                #expect(response.body == "web-1")
                #expect(response.headers["connection"] == ["close"])
            }
        }
    }
}
