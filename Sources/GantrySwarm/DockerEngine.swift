import Foundation
import GantryHTTP

/// A client of one Docker engine's API (v1.41, Debian's dockerd 20.10) over its unix socket,
/// through GantryHTTP's libcurl client: Swarm services and their tasks, containers, networks,
/// logs and image loading. No `docker` CLI, no SDK.
///
/// Every call is one HTTP exchange (`http://localhost/v1.41/…` through the socket) on a thread
/// of its own (HTTPClient's), so none blocks the cooperative pool. An engine's refusal becomes
/// `EngineError.refused` with the engine's own `message`; no answer at all becomes
/// `EngineError.unreachable` naming the socket.
public struct DockerEngine: Sendable {
    /// The API version every path is prefixed with: what dockerd 20.10 speaks.
    public static let apiVersion = "1.41"

    /// The engine's address.
    public let host: DockerHost
    let client: HTTPClient

    /// A client of the engine at `host`.
    /// - Parameter timeout: the limit for one exchange (a service update returns at once; the
    ///   wait for its convergence is `waitForConvergence`). Default 60 s: loading an image takes longer than one request.
    public init(host: DockerHost, timeout: Duration = .seconds(60)) {
        self.host = host
        client = HTTPClient(configuration: .init(
            connectTimeout: .seconds(5), timeout: timeout, maximumResponseSize: 64 << 20, usesProxy: false,
            unixSocketPath: host.socketPath))
    }

    /// A client of the engine `DOCKER_HOST` names in `environment`, else `/var/run/docker.sock`.
    /// - Throws: `EngineError.unsupportedHost` for a `DOCKER_HOST` that is not `unix://`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(EngineError) {
        self.init(host: try DockerHost.fromEnvironment(environment))
    }

    /// `GET /_ping`: whether the engine answers.
    /// - Throws: `EngineError.unreachable` when nothing listens on the socket.
    public func ping() async throws(EngineError) {
        _ = try await send(.get, "/_ping", operation: "answer a ping")
    }

    /// `GET /version`.
    /// - Throws: `EngineError`.
    public func version() async throws(EngineError) -> EngineVersion {
        try await decode(EngineVersion.self, from: send(.get, "/version", operation: "report its version"), operation: "version")
    }

    /// This engine's Swarm membership, from `GET /info` (`Swarm.LocalNodeState`).
    /// - Throws: `EngineError`.
    public func swarmState() async throws(EngineError) -> SwarmState {
        try await decode(EngineInfo.self, from: send(.get, "/info", operation: "report its state"), operation: "info").swarm
    }

    /// Checks that the engine answers and is an active Swarm manager: what gantryd checks at start.
    /// - Throws: `EngineError.unreachable`, or `EngineError.notInSwarm` ("run `docker swarm init`").
    public func requireSwarmManager() async throws(EngineError) {
        let state = try await swarmState()
        guard state.localNodeState == "active" else {
            throw .notInSwarm(state: state.localNodeState.isEmpty ? "unknown" : state.localNodeState, detail: state.error)
        }
        guard state.isManager else {
            throw .notInSwarm(state: "worker", detail: "this node is a worker; services are managed on a manager node")
        }
    }

    // MARK: - The exchange

    /// One request; a 2xx answer's body, else the engine's refusal.
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: [UInt8] = [],
        contentType: String = "application/json", timeout: Duration? = nil, operation: String
    ) async throws(EngineError) -> [UInt8] {
        let url = Self.url(path, query: query)
        var headers: HTTPHeaders = ["Accept": "application/json"]
        if !body.isEmpty || method == .post { headers["Content-Type"] = contentType }
        let response: HTTPResponse
        do {
            response = try await client.perform(HTTPRequest(method: method, url: url, headers: headers, body: body, timeout: timeout))
        } catch {
            switch error {
            case .cannotConnect(_, let detail):
                let missing = !FileManager.default.fileExists(atPath: host.socketPath)
                throw .unreachable(socketPath: host.socketPath, detail: missing ? "no such socket" : detail)
            default:
                throw .unreachable(socketPath: host.socketPath, detail: error.detail)
            }
        }
        guard response.isSuccess else {
            throw .refused(operation: operation, status: response.status, message: Self.message(of: response))
        }
        return response.body
    }

    /// `http://localhost/v1.41PATH?QUERY`: the host part is not used over the socket.
    static func url(_ path: String, query: [(String, String)]) -> String {
        var url = "http://localhost/v\(apiVersion)" + path
        if !query.isEmpty {
            url += "?" + query.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
        }
        return url
    }

    func encode(_ value: some Encodable) -> [UInt8] {
        do { return Array(try JSONEncoder().encode(value)) } catch {
            preconditionFailure("an Engine API model failed to encode: \(error)")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, from body: [UInt8], operation: String) throws(EngineError) -> T {
        do { return try JSONDecoder().decode(type, from: Data(body)) } catch {
            throw .malformedResponse(operation: operation, detail: "\(error)")
        }
    }

    /// The engine's `{"message": "…"}`, else the body as text.
    static func message(of response: HTTPResponse) -> String {
        struct Refusal: Decodable { let message: String }
        if let refusal = try? JSONDecoder().decode(Refusal.self, from: Data(response.body)) { return refusal.message }
        let text = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "no message" : String(text.prefix(500))
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    /// `filters={"label":["a=b"]}` as the Engine wants it.
    static func filters(_ filters: [String: [String]]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: filters, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
