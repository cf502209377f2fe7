#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Synchronization

/// A blocking HTTP/1.1 server on 127.0.0.1 and a random free port, served by one background
/// thread, one connection at a time: it records every request and answers each as its
/// `Responder` says (a canned response, a late one, none at all, or a bare close).
/// `stop()` closes the sockets and joins the thread.
public final class TestHTTPServer: Sendable {
    /// A request as the server read it.
    public struct Request: Sendable {
        /// The method, `GET`.
        public var method: String
        /// The request target, `/path?query`.
        public var target: String
        /// Header values by lowercased name.
        public var headers: [String: String]
        /// The body bytes.
        public var body: [UInt8]
        /// The body decoded as UTF-8.
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// An answer.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// Extra header fields (`Content-Length` and `Connection: close` are always sent).
        public var headers: [String: String]
        /// The body.
        public var body: String
        /// How long to wait before answering.
        public var delay: Duration

        /// Creates a response.
        public init(status: Int, headers: [String: String] = [:], body: String = "", delay: Duration = .zero) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
        }
    }

    /// What to do with one request.
    public enum Reply: Sendable {
        /// Answer with this response.
        case answer(Response)
        /// Read the request, never answer; wait for the client to give up.
        case silent
        /// Close the connection without a word.
        case close
    }

    /// Decides the reply to a request; `index` counts requests from 0.
    public typealias Responder = @Sendable (_ request: Request, _ index: Int) -> Reply

    /// The port the server listens on.
    public let port: UInt16
    private let listener: Int32
    private let responder: Responder
    private let state = Mutex<(requests: [Request], connection: Int32?, stopped: Bool)>(([], nil, false))
    private let finished = DispatchSemaphore(value: 0)

    /// The base URL, `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Every request read so far.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// Starts serving, replying to each request as `responder` says.
    /// - Throws: `Socket.Failure` when the listening socket cannot be made.
    public init(responder: @escaping Responder) throws {
        let (listener, port) = try Socket.bindLoopback()
        guard listen(listener, 16) == 0 else { close(listener); throw Socket.Failure(call: "listen") }
        self.listener = listener
        self.port = port
        self.responder = responder
        let thread = Thread { [self] in serve() }
        thread.name = "test-http-server"
        thread.start()
    }

    /// Starts serving `response` to every request; `nil` reads requests but never answers.
    /// - Throws: `Socket.Failure` when the listening socket cannot be made.
    public convenience init(response: Response?) throws {
        try self.init { _, _ in response.map(Reply.answer) ?? .silent }
    }

    /// Closes the listener (and any open connection) and waits for the thread to end.
    public func stop() {
        let connection = state.withLock { state in
            state.stopped = true
            return state.connection
        }
        _ = shutdown(listener, Int32(SHUT_RDWR))
        if let connection { _ = shutdown(connection, Int32(SHUT_RDWR)) }
        finished.wait()
        close(listener)
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func serve() {
        defer { finished.signal() }
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }  // stop() shut the listener down
            let stopped = state.withLock { state in
                state.connection = connection
                return state.stopped
            }
            if stopped { close(connection); return }
            if let request = Self.read(connection) {
                let index = state.withLock { state in
                    state.requests.append(request)
                    return state.requests.count - 1
                }
                switch responder(request, index) {
                case .answer(let response):
                    if pause(response.delay) { Self.write(response, to: connection) }
                case .silent:
                    Self.drain(connection)
                case .close:
                    break
                }
            }
            state.withLock { $0.connection = nil }
            close(connection)
            if isStopped { return }
        }
    }

    /// Sleeps `delay` in short steps; false when `stop()` came first.
    private func pause(_ delay: Duration) -> Bool {
        let end = ContinuousClock.now + delay
        while ContinuousClock.now < end {
            if isStopped { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return !isStopped
    }

    private static func read(_ connection: Int32) -> Request? {
        var buffer: [UInt8] = []
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        var expected = Int.max
        while buffer.count < expected {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = recv(connection, &chunk, chunk.count, 0)
            guard count > 0 else { return nil }
            buffer += chunk[..<count]
            if headerEnd == nil, let range = buffer.firstRange(of: separator) {
                headerEnd = range.upperBound
                let length = parseHeaders(buffer[..<range.lowerBound]).headers["content-length"].flatMap { Int($0) } ?? 0
                expected = range.upperBound + length
            }
        }
        guard let headerEnd else { return nil }
        var request = parseHeaders(buffer[..<(headerEnd - 4)])
        request.body = Array(buffer[headerEnd...])
        return request
    }

    private static func parseHeaders(_ bytes: ArraySlice<UInt8>) -> Request {
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Request(
            method: requestLine.first.map(String.init) ?? "", target: requestLine.dropFirst().first.map(String.init) ?? "",
            headers: headers, body: [])
    }

    private static func write(_ response: Response, to connection: Int32) {
        var head = "HTTP/1.1 \(response.status) Canned\r\nContent-Length: \(response.body.utf8.count)\r\nConnection: close\r\n"
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        let bytes = Array((head + "\r\n" + response.body).utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            sent += count
        }
    }

    /// Waits until the client gives up (closes) or `stop()` shuts the connection down.
    private static func drain(_ connection: Int32) {
        var chunk = [UInt8](repeating: 0, count: 1024)
        while recv(connection, &chunk, chunk.count, 0) > 0 {}
    }
}

/// Runs `body` with a server answering `response` (`nil`: never answering), stopping it afterwards.
/// - Throws: what `body` throws, or `Socket.Failure` when the server cannot start.
public func withServer<T>(
    _ response: TestHTTPServer.Response?, _ body: (TestHTTPServer) async throws -> T
) async throws -> T {
    let server = try TestHTTPServer(response: response)
    defer { server.stop() }
    return try await body(server)
}

/// Runs `body` with a server replying as `responder` says, stopping it afterwards.
/// - Throws: what `body` throws, or `Socket.Failure` when the server cannot start.
public func withServer<T>(
    responder: @escaping TestHTTPServer.Responder, _ body: (TestHTTPServer) async throws -> T
) async throws -> T {
    let server = try TestHTTPServer(responder: responder)
    defer { server.stop() }
    return try await body(server)
}
