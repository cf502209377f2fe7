#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Synchronization

/// A blocking HTTP/1.1 server on 127.0.0.1 and a random free port, served by one background
/// thread: it records every request and answers each with the same canned response (or, when
/// `silent`, never answers). `stop()` closes the sockets and joins the thread.
final class TestHTTPServer: Sendable {
    /// A request as the server read it.
    struct Request: Sendable {
        var method: String
        var target: String
        /// Header values by lowercased name.
        var headers: [String: String]
        var body: [UInt8]
        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// The answer given to every request.
    struct Response: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: String = ""
    }

    let port: UInt16
    private let listener: Int32
    private let response: Response?
    private let state = Mutex<(requests: [Request], connection: Int32?)>(([], nil))
    private let finished = DispatchSemaphore(value: 0)

    /// The base URL, `http://127.0.0.1:PORT`.
    var url: String { "http://127.0.0.1:\(port)" }

    /// Every request read so far.
    var requests: [Request] { state.withLock { $0.requests } }

    /// Starts serving; `response == nil` reads requests but never answers.
    init(response: Response?) throws {
        let (listener, port) = try Socket.bindLoopback()
        guard listen(listener, 16) == 0 else { close(listener); throw Socket.Failure(call: "listen") }
        self.listener = listener
        self.port = port
        self.response = response
        let thread = Thread { [self] in serve() }
        thread.name = "test-http-server"
        thread.start()
    }

    /// Closes the listener (and any open connection) and waits for the thread to end.
    func stop() {
        _ = shutdown(listener, Int32(SHUT_RDWR))
        if let connection = state.withLock({ $0.connection }) { _ = shutdown(connection, Int32(SHUT_RDWR)) }
        finished.wait()
        close(listener)
    }

    private func serve() {
        defer { finished.signal() }
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }  // stop() shut the listener down
            state.withLock { $0.connection = connection }
            if let request = Self.read(connection) {
                state.withLock { $0.requests.append(request) }
                if let response { Self.write(response, to: connection) } else { Self.drain(connection) }
            }
            state.withLock { $0.connection = nil }
            close(connection)
        }
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

/// Runs `body` with a server answering `response`, stopping the server afterwards.
func withServer<T>(
    _ response: TestHTTPServer.Response?, _ body: (TestHTTPServer) async throws -> T
) async throws -> T {
    let server = try TestHTTPServer(response: response)
    defer { server.stop() }
    return try await body(server)
}

enum Socket {
    struct Failure: Error { let call: String; var code = errno }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel picks.
    static func bindLoopback() throws -> (descriptor: Int32, port: UInt16) {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(call: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else { close(fd); throw Failure(call: "bind") }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A port nothing listens on: bound, read, then closed again.
    static func closedPort() throws -> UInt16 {
        let (fd, port) = try bindLoopback()
        close(fd)
        return port
    }
}
