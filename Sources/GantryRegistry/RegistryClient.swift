import Foundation
import GantryHTTP

/// A client of one OCI distribution registry (the distribution spec's `/v2/` API) over
/// libcurl (`GantryHTTP`): pushes images from Gantry's image layout (`push`, `tag`).
///
/// Authentication follows the registry's `WWW-Authenticate` challenge: none, HTTP basic, or a
/// bearer token fetched from the challenge's realm with the credentials. Authorizations and
/// the blobs known to be in each repository are remembered for the client's life, so one
/// client should serve every push of a gantryd. Credentials never reach a log or an error.
public final class RegistryClient: Sendable {
    /// Where images go.
    public let endpoint: RegistryEndpoint
    let credentials: RegistryCredentials?
    let http: HTTPClient
    let ledger = RegistryLedger()
    /// How many blobs of one image are sent at once.
    let concurrentBlobs: Int

    /// A client of the registry at `endpoint`.
    /// - Parameters:
    ///   - credentials: sent when the registry asks for them (basic, or to its token service).
    ///   - http: the connect timeout and proxy use apply; each request sets its own time limit.
    ///   - concurrentBlobs: how many blobs of one image are sent at once (3).
    public init(endpoint: RegistryEndpoint, credentials: RegistryCredentials? = nil, http: HTTPClient = HTTPClient(), concurrentBlobs: Int = 3) {
        precondition(concurrentBlobs > 0)
        self.endpoint = endpoint
        self.credentials = credentials
        self.http = http
        self.concurrentBlobs = concurrentBlobs
    }

    /// What a request is for: its words in errors and the token scopes it needs.
    struct Operation: Sendable {
        /// `upload blob sha256:… to hello`: completes "refused to …".
        var words: String
        /// The repository acted on.
        var repository: String
        /// Another repository read from (a cross-repository mount's source).
        var source: String?

        /// `repository:NAME:pull,push` (and `repository:SOURCE:pull`), as token services take them.
        var scopes: [String] {
            ["repository:\(repository):pull,push"] + (source.map { ["repository:\($0):pull"] } ?? [])
        }
    }

    /// Sends `request`, answering an authentication challenge once, and returns the answer
    /// unless it is 401 or 403.
    /// - Parameter bodyFile: a file streamed as the body instead of `request.body`.
    /// - Throws: `RegistryError.unreachable`, `.authenticationFailed`.
    func send(_ request: HTTPRequest, for operation: Operation, bodyFile: String? = nil) async throws(RegistryError) -> HTTPResponse {
        var request = request
        let key = operation.scopes.joined(separator: " ")
        let sameOrigin = request.url.hasPrefix(endpoint.baseURL + "/")
        if sameOrigin, let authorization = await ledger.authorization(for: key) { request.headers["Authorization"] = authorization }
        var response = try await exchange(request, bodyFile: bodyFile)
        if response.status == 401, sameOrigin {
            let authorization = try await authorize(challenge: response.headers["WWW-Authenticate"], operation: operation)
            await ledger.remember(authorization, for: key)
            request.headers["Authorization"] = authorization
            response = try await exchange(request, bodyFile: bodyFile)
        }
        if response.status == 401 || response.status == 403 {
            throw .authenticationFailed(
                registry: endpoint.description, status: response.status, operation: operation.words,
                hint: credentials == nil
                    ? "give gantryd --registry-auth-file with a user name and password for it"
                    : "check the user name, password and rights in --registry-auth-file" + Self.quoted(response.body))
        }
        return response
    }

    /// The response when its status is one of `expected`, else `RegistryError.refused` with the
    /// registry's own message.
    func expect(_ response: HTTPResponse, _ expected: Set<Int>, for operation: Operation) throws(RegistryError) -> HTTPResponse {
        guard expected.contains(response.status) else {
            throw .refused(
                registry: endpoint.description, operation: operation.words, status: response.status,
                message: RegistryErrorBody.words(in: response.body) ?? "no message")
        }
        return response
    }

    /// `https://HOST/v2/REPOSITORY/PATH`.
    func url(_ repository: String, _ path: String) -> String {
        "\(endpoint.baseURL)/v2/\(repository)/\(path)"
    }

    /// An upload's `Location`, absolute (registries may answer a path).
    func absolute(_ location: String) -> String {
        if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
        return endpoint.baseURL + (location.hasPrefix("/") ? "" : "/") + location
    }

    private func exchange(_ request: HTTPRequest, bodyFile: String?) async throws(RegistryError) -> HTTPResponse {
        do {
            if let bodyFile { return try await http.upload(request, bodyFile: bodyFile) }
            return try await http.perform(request)
        } catch {
            if case .invalidRequest(_, let detail) = error, bodyFile != nil { throw .localImage(detail) }
            throw .unreachable(registry: endpoint.description, detail: error.detail)
        }
    }

    /// The `Authorization` value that answers `challenge`.
    private func authorize(challenge header: String?, operation: Operation) async throws(RegistryError) -> String {
        let missing = "give gantryd --registry-auth-file with a user name and password for it"
        guard let header, let challenge = AuthenticationChallenge(header) else {
            throw .authenticationFailed(registry: endpoint.description, status: 401, operation: operation.words, hint: missing)
        }
        switch challenge.scheme {
        case "basic":
            guard let credentials else {
                throw .authenticationFailed(registry: endpoint.description, status: 401, operation: operation.words, hint: missing)
            }
            return credentials.basicAuthorization
        case "bearer":
            return "Bearer " + (try await token(challenge, operation: operation))
        default:
            throw .authenticationFailed(
                registry: endpoint.description, status: 401, operation: operation.words,
                hint: "it asks for \(challenge.scheme) authentication, which Gantry does not speak (basic and bearer tokens only)")
        }
    }

    /// A bearer token from the challenge's realm for the operation's scopes, asked with the
    /// credentials (HTTP basic) when there are any, anonymously otherwise.
    private func token(_ challenge: AuthenticationChallenge, operation: Operation) async throws(RegistryError) -> String {
        guard let realm = challenge.parameters["realm"], realm.hasPrefix("http://") || realm.hasPrefix("https://") else {
            throw .authenticationFailed(
                registry: endpoint.description, status: 401, operation: operation.words, hint: "its bearer challenge names no http(s) token realm")
        }
        var query: [String] = []
        if let service = challenge.parameters["service"] { query.append("service=" + Self.encoded(service)) }
        var scopes = operation.scopes
        if let scope = challenge.parameters["scope"], !scopes.contains(scope) { scopes.insert(scope, at: 0) }
        query += scopes.map { "scope=" + Self.encoded($0) }
        var request = HTTPRequest(url: realm + (realm.contains("?") ? "&" : "?") + query.joined(separator: "&"), timeout: .seconds(30))
        if let credentials { request.headers["Authorization"] = credentials.basicAuthorization }
        let response: HTTPResponse
        do { response = try await http.perform(request) } catch {
            throw .unreachable(registry: "\(endpoint.description) (token service \(realm.split(separator: "?")[0]))", detail: error.detail)
        }
        guard response.isSuccess else {
            throw .authenticationFailed(
                registry: endpoint.description, status: response.status == 403 ? 403 : 401, operation: operation.words,
                hint: "its token service \(realm.split(separator: "?")[0]) answered HTTP \(response.status)" + Self.quoted(response.body))
        }
        struct TokenAnswer: Decodable {
            var token: String?
            var access_token: String?
        }
        guard let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(response.body)),
              let token = answer.token ?? answer.access_token, !token.isEmpty, !token.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw .authenticationFailed(
                registry: endpoint.description, status: 401, operation: operation.words,
                hint: "its token service \(realm.split(separator: "?")[0]) answered no token")
        }
        return token
    }

    /// `: MESSAGE` from a registry's error JSON, or nothing.
    private static func quoted(_ body: [UInt8]) -> String {
        guard let decoded = try? JSONDecoder().decode(RegistryErrorBody.self, from: Data(body)), !decoded.errors.isEmpty else { return "" }
        return " (the registry says: \(RegistryErrorBody.words(in: body) ?? ""))"
    }

    private static func encoded(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

/// What a `RegistryClient` remembers: which repositories hold which blobs, and the
/// authorization that works for each set of scopes.
actor RegistryLedger {
    private var holders: [String: Set<String>] = [:]
    private var authorizations: [String: String] = [:]

    func authorization(for scopes: String) -> String? { authorizations[scopes] }
    func remember(_ authorization: String, for scopes: String) { authorizations[scopes] = authorization }

    /// Notes that `repository` holds the blob `digest`.
    func holds(_ digest: String, in repository: String) { holders[digest, default: []].insert(repository) }

    /// Another repository known to hold `digest`, to mount it from.
    func otherHolder(of digest: String, besides repository: String) -> String? {
        holders[digest]?.subtracting([repository]).sorted().first
    }
}
