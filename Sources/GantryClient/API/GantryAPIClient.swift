import Foundation
import GantryCore

/// gantryd's REST API (`API` in GantryCore) as async calls.
///
/// Names are sent as given, percent-encoded: gantryd is the authority on what is valid,
/// and its answer to an invalid name comes back as `ClientError.rejected`.
public struct GantryAPIClient: Sendable {
    /// The server's base URL without a trailing slash, such as `http://127.0.0.1:8080`.
    public let server: String
    /// The API token sent as `Authorization: Bearer TOKEN`; `nil` sends none.
    public let token: String?
    /// The HTTP layer the calls go through.
    public let http: HTTPClient

    /// Creates a client for the gantryd at `server`.
    public init(server: String, token: String?, http: HTTPClient = HTTPClient()) {
        var server = server
        while server.hasSuffix("/") { server.removeLast() }
        self.server = server
        self.token = token
        self.http = http
    }

    /// Every app, by name.
    /// - Throws: `ClientError`.
    public func apps() async throws(ClientError) -> [App] {
        try await decode(send(.get, "/apps"))
    }

    /// Creates the app `name`.
    /// - Throws: `ClientError`; `.rejected` when the name is taken or invalid.
    public func createApp(_ name: String) async throws(ClientError) -> App {
        let body: Data
        do { body = try API.encoder().encode(CreateApp(name: name)) } catch {
            throw .badResponse(detail: "cannot encode the request: \(error)")
        }
        return try await decode(send(.post, "/apps", body: Array(body)))
    }

    /// The app `name`.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app.
    public func app(_ name: String) async throws(ClientError) -> App {
        try await decode(send(.get, "/apps/\(Self.pathSegment(name))"))
    }

    /// Destroys the app `name`: its repository, builds and everything else gantryd keeps for it.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app.
    public func destroyApp(_ name: String) async throws(ClientError) {
        _ = try await send(.delete, "/apps/\(Self.pathSegment(name))")
    }

    /// The builds of `app`, newest first, without their logs.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app.
    public func builds(app: String) async throws(ClientError) -> [Build] {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/builds"))
    }

    /// Build `id` of `app`, with its log.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app or build.
    public func build(app: String, id: Int64) async throws(ClientError) -> Build {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/builds/\(id)"))
    }

    // MARK: - Plumbing

    /// - Parameters:
    ///   - sink: takes the body of a 2xx answer as it arrives (no time limit then).
    ///   - timeout: the limit for the whole exchange when gantryd may take longer than the
    ///     client's usual one to answer; `nil`: the usual one.
    func send(
        _ method: HTTPMethod, _ path: String, body: [UInt8] = [], timeout: Duration? = nil, sink: (@Sendable ([UInt8]) -> Void)? = nil
    ) async throws(ClientError) -> HTTPResponse {
        var headers: HTTPHeaders = ["Accept": sink == nil ? "application/json" : "text/plain, application/json"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        if !body.isEmpty { headers["Content-Type"] = "application/json" }
        var request = HTTPRequest(method: method, url: server + API.prefix + path, headers: headers, body: body)
        if let timeout { request.timeout = timeout }
        let response: HTTPResponse
        do {
            if let sink {
                request.timeout = .seconds(365 * 86_400)
                response = try await http.stream(request, to: sink)
            } else {
                response = try await http.perform(request)
            }
        } catch {
            if case .responseTooLarge = error { throw .badResponse(detail: error.description) }
            throw .unreachable(server: server, detail: error.detail)
        }
        let message = { Self.errorMessage(in: response) }
        switch response.status {
        case 200..<300: return response
        case 401: throw .notAuthenticated(server: server, message: message())
        case 400..<500: throw .rejected(status: response.status, message: message())
        case 500..<600: throw .serverError(status: response.status, message: message())
        default: throw .badResponse(detail: "\(method.rawValue) \(path) answered HTTP \(response.status)")
        }
    }

    func decode<Value: Decodable>(_ response: HTTPResponse) throws(ClientError) -> Value {
        do {
            return try API.decoder().decode(Value.self, from: Data(response.body))
        } catch {
            throw .badResponse(detail: "cannot read \(Value.self) from the answer: \(Self.summary(of: error))")
        }
    }

    /// The `{"error": …}` text of an error answer, else its first line, else `HTTP STATUS`.
    static func errorMessage(in response: HTTPResponse) -> String {
        if let apiError = try? API.decoder().decode(APIError.self, from: Data(response.body)),
           !apiError.error.isEmpty {
            return apiError.error
        }
        let firstLine = response.bodyText.split(whereSeparator: \.isNewline).first
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return firstLine.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status): \(firstLine.prefix(200))"
    }

    private static func summary(of error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
            context = c
        @unknown default:
            return "\(error)"
        }
        let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
    }

    /// `segment` percent-encoded for use as one path component (RFC 3986 unreserved kept;
    /// `.` and `..` encoded too, so no dot segment climbs out of the path).
    static func pathSegment(_ segment: String) -> String {
        if segment == "." || segment == ".." { return String(repeating: "%2E", count: segment.count) }
        var encoded = ""
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
