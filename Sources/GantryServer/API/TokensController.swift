import Foundation
import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/tokens`: a user's API tokens. A new token is at most what the token that asked for
/// it may do: no wider set of apps, not writing when it reads only, not outliving it.
struct TokensController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store

    /// The longest a token may live: ten years.
    static let maximumLifetime = 10 * 365 * 86_400

    func addRoutes(to routes: APIRoutes) {
        routes.get("tokens", .signedIn) { request, context in
            let caller = try context.requireCaller()
            let all = ["1", "true"].contains(request.uri.queryParameters.get("all") ?? "")
            if all, !caller.isAdmin { throw HTTPProblem(.forbidden, "only an admin lists the tokens of every user") }
            return Response.json(try await store.tokens(of: all ? nil : caller.user.name))
        }
        routes.post("tokens", .signedIn, audit: "tokens:create", use: create)
        routes.delete("tokens/:id", .account, audit: "tokens:revoke") { _, context in
            let caller = try context.requireCaller()
            guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPProblem(.badRequest, "a token id is a number; `gantry tokens` lists them") }
            context.note.detail = "#\(id)"
            let token = try await store.token(id: id)
            guard token.user == caller.user.name || caller.isAdmin else {
                throw HTTPProblem(.forbidden, "token #\(id) is not yours; only an admin revokes the tokens of others")
            }
            context.note.detail = "\(Caller.label(token)) of \(token.user)"
            return Response.json(try await store.revokeToken(id: id))
        }
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller()
        guard let create = try? API.decoder().decode(CreateToken.self, from: try await request.body.collect(upTo: 64 << 10)) else {
            throw HTTPProblem(.badRequest, #"expected a JSON body like {"name": "laptop", "apps": ["hello"], "readOnly": true, "expiresIn": 7776000}"#)
        }
        let apps = try create.apps.map { names in try Set(names.map { try AppName($0) }).sorted() }
        if let scope = caller.scope {
            guard let apps, apps.allSatisfy(scope.contains) else {
                throw HTTPProblem(.forbidden, "this token is narrowed to \(scope.map(\.rawValue).joined(separator: ", ")); a token it creates must name some of those apps (--app)")
            }
        }
        for app in apps ?? [] where try await caller.role(on: app, store: store) == nil {
            throw HTTPProblem(.forbidden, "'\(caller.user.name)' has no access to '\(app)'")
        }
        let name = try Self.tokenName(create.name ?? caller.user.name.rawValue)
        var expiry: Date?
        if let seconds = create.expiresIn {
            guard (1...Self.maximumLifetime).contains(seconds) else { throw HTTPProblem(.badRequest, "a token expires in 1 second to 3650 days") }
            expiry = Date().addingTimeInterval(Double(seconds))
        }
        if case .token(let token) = caller.credential, let limit = token.expiresAt {
            guard expiry.map({ $0 <= limit }) ?? true else {
                throw HTTPProblem(.forbidden, "this token expires at \(Authenticator.time(limit)); a token it creates cannot outlive it")
            }
            expiry = expiry ?? limit
        }
        let (info, token) = try await store.createToken(
            for: caller.user.name, name: name, apps: apps, readOnly: create.readOnly ?? false, expiresAt: expiry)
        context.note.detail = "\(Caller.label(info))" + (apps.map { " for " + $0.map(\.rawValue).joined(separator: ",") } ?? "") + (info.readOnly ? " read-only" : "")
        return Response.json(CreatedToken(token: token, info: info), status: .created)
    }

    /// A token's label: 1 to 64 letters, digits, `.`, `_`, `-`, `@`.
    static func tokenName(_ text: String) throws -> String {
        guard (1...64).contains(text.utf8.count), text.unicodeScalars.allSatisfy({ scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || ".-_@".unicodeScalars.contains(scalar)
        }) else {
            throw HTTPProblem(.badRequest, "invalid token name '\(text.prefix(80))': use 1 to 64 letters, digits, '.', '_', '-' and '@'")
        }
        return text
    }
}
