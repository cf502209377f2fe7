import Foundation
import GantryStore
import Hummingbird

/// Checks API tokens: `Authorization: Bearer TOKEN` for the REST API, HTTP basic (password =
/// token, any user name) for git, which is what git's credential prompt sends.
struct Authenticator: Sendable {
    let store: Store

    /// The token's name when the request carries a valid one.
    func tokenName(of request: Request, allowBasic: Bool) async throws -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let token: String
        if header.lowercased().hasPrefix("bearer ") {
            token = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        } else if allowBasic, header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst("basic ".count)).trimmingCharacters(in: .whitespaces)),
            let credentials = String(data: decoded, encoding: .utf8), let colon = credentials.firstIndex(of: ":")
        {
            token = String(credentials[credentials.index(after: colon)...])
        } else {
            return nil
        }
        return try await store.authenticate(token: token)
    }
}

/// Requires a valid bearer token on every route below it.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard try await authenticator.tokenName(of: request, allowBasic: false) != nil else {
            throw HTTPProblem(
                .unauthorized,
                request.headers[.authorization] == nil
                    ? "missing API token: send 'Authorization: Bearer TOKEN' (`gantry login` stores one)"
                    : "invalid API token; run `gantry login` again",
                headers: [.wwwAuthenticate: #"Bearer realm="gantry""#])
        }
        return try await next(request, context)
    }
}
