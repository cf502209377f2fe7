import GantryRouter
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small HTTP/1.1 app server on 127.0.0.1 for the router's tests.
///
/// Paths: `/` answers the backend's id; `/headers` the request headers, one per line;
/// `/chunked` a chunked body `one two three`; `/set-cookie` the id with two `Set-Cookie` fields;
/// `/slow?ms=N` answers after N ms; `/upload?delay=N` waits N ms, then reads the body and
/// answers its size; `/download?bytes=N` streams N bytes. Counts connections and bytes.
final class TestBackend: Sendable {
    let id: String
    let port: Int
    /// Connections accepted so far.
    let acceptedConnections = Atomic<Int>(0)
    /// Requests whose head arrived.
    let requestsStarted = Atomic<Int>(0)
    /// Body bytes handed to the socket by `/download`.
    let bytesSent = Atomic<Int>(0)
    /// Body bytes read by `/upload`.
    let bytesReceived = Atomic<Int>(0)
    private let listener = Mutex<(any Channel)?>(nil)
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let finished = Mutex<Task<Void, Never>?>(nil)

    var backend: Backend { Backend(id: id, port: port) }

    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    typealias Server = NIOAsyncChannel<Connection, Never>

    private init(id: String, port: Int) {
        self.id = id
        self.port = port
    }

    static func start(id: String) async throws -> TestBackend {
        let server: Server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        let backend = TestBackend(id: id, port: server.channel.localAddress!.port!)
        backend.listener.withLock { $0 = server.channel }
        let task = Task { await backend.accept(server) }
        backend.finished.withLock { $0 = task }
        return backend
    }

    /// Stops listening, closes every connection and waits until all are served.
    func stop() async {
        try? await listener.withLock { $0 }?.close()
        for channel in connections.withLock({ Array($0.values) }) { channel.close(promise: nil) }
        await finished.withLock { $0 }?.value
    }

    private func accept(_ server: Server) async {
        _ = try? await server.executeThenClose { inbound in
            await withDiscardingTaskGroup { group in
                do {
                    for try await connection in inbound {
                        acceptedConnections.add(1, ordering: .relaxed)
                        let id = ObjectIdentifier(connection.channel)
                        connections.withLock { $0[id] = connection.channel }
                        group.addTask {
                            try? await self.serve(connection)
                            self.connections.withLock { _ = $0.removeValue(forKey: id) }
                        }
                    }
                } catch {}
            }
        }
    }

    private func serve(_ connection: Connection) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var parts = inbound.makeAsyncIterator()
            while let part = try await parts.next() {
                guard case .head(let head) = part else { continue }
                requestsStarted.add(1, ordering: .relaxed)
                let (path, query) = Self.split(head.uri)
                switch path {
                case "/upload":
                    if let delay = query["delay"].flatMap(Int.init) { try await Task.sleep(for: .milliseconds(delay)) }
                    var size = 0
                    while let next = try await parts.next() {
                        if case .body(let body) = next {
                            size += body.readableBytes
                            bytesReceived.add(body.readableBytes, ordering: .relaxed)
                        }
                        if case .end = next { break }
                    }
                    try await Self.reply(outbound, "received \(size)")
                case "/download":
                    try await Self.skipBody(&parts)
                    try await download(outbound, bytes: query["bytes"].flatMap(Int.init) ?? 0)
                case "/headers":
                    try await Self.skipBody(&parts)
                    let lines = head.headers.map { "\($0.name.lowercased()): \($0.value)\n" }.joined()
                    var extra = HTTPHeaders()
                    extra.add(name: "Keep-Alive", value: "timeout=5")
                    extra.add(name: "Connection", value: "keep-alive, X-Backend-Secret")
                    extra.add(name: "X-Backend-Secret", value: "hidden")
                    extra.add(name: "X-Backend-Public", value: "shown")
                    try await Self.reply(outbound, lines, extra: extra)
                case "/chunked":
                    try await Self.skipBody(&parts)
                    let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["content-type": "text/plain"])
                    try await outbound.write(.head(head))
                    for piece in ["one ", "two ", "three"] { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: piece)))) }
                    try await outbound.write(.end(nil))
                case "/set-cookie":
                    try await Self.skipBody(&parts)
                    try await Self.reply(outbound, id, extra: HTTPHeaders([("Set-Cookie", "session=abc; Path=/"), ("Set-Cookie", "theme=dark")]))
                case "/hsts":
                    try await Self.skipBody(&parts)
                    try await Self.reply(outbound, id, extra: ["Strict-Transport-Security": "max-age=1; includeSubDomains"])
                case "/slow":
                    try await Self.skipBody(&parts)
                    try await Task.sleep(for: .milliseconds(query["ms"].flatMap(Int.init) ?? 500))
                    try await Self.reply(outbound, "slow \(id)")
                default:
                    try await Self.skipBody(&parts)
                    try await Self.reply(outbound, id)
                }
                if !head.isKeepAlive { return }
            }
        }
    }

    private func download(_ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, bytes: Int) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "content-length", value: String(bytes))
        headers.add(name: "content-type", value: "application/octet-stream")
        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)))
        let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
        var left = bytes
        while left > 0 {
            let size = min(left, chunk.readableBytes)
            try await outbound.write(.body(.byteBuffer(chunk.getSlice(at: 0, length: size)!)))
            bytesSent.add(size, ordering: .relaxed)
            left -= size
        }
        try await outbound.write(.end(nil))
    }

    private static func skipBody(_ parts: inout NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator) async throws {
        while let next = try await parts.next() {
            if case .end = next { return }
        }
    }

    private static func reply(
        _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, _ text: String, extra: HTTPHeaders = [:]
    ) async throws {
        var headers = extra
        headers.add(name: "content-type", value: "text/plain")
        headers.add(name: "content-length", value: String(text.utf8.count))
        try await outbound.write(contentsOf: [
            .head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)),
            .body(.byteBuffer(ByteBuffer(string: text))),
            .end(nil),
        ])
    }

    private static func split(_ uri: String) -> (String, [String: String]) {
        let pieces = uri.split(separator: "?", maxSplits: 1)
        var query: [String: String] = [:]
        if pieces.count == 2 {
            for pair in pieces[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { query[String(kv[0])] = String(kv[1]) }
            }
        }
        return (String(pieces.first ?? ""), query)
    }
}
