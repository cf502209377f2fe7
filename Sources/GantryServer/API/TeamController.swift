import Foundation
import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/whoami`, `/api/v1/users` and `/api/v1/apps/NAME/access`: who is on the server and
/// who may do what on which app.
struct TeamController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store

    func addRoutes(to routes: APIRoutes) {
        routes.get("whoami", .signedIn) { _, context in
            let caller = try context.requireCaller()
            guard case .token(let token) = caller.credential else { return Response.json(WhoAmI(user: caller.user, token: nil)) }
            return Response.json(WhoAmI(user: caller.user, token: token))
        }
        routes.get("users", .admin) { _, _ in Response.json(try await store.users()) }
        routes.post("users", .admin, audit: "users:add", use: addUser)
        routes.delete("users/:user", .admin, audit: "users:remove") { _, context in
            let name = try UserName(context.parameters.get("user") ?? "")
            context.note.detail = name.rawValue
            try await store.deleteUser(name)
            return Response(status: .noContent)
        }

        routes.get("apps/:name/access", .app(.read)) { _, context in
            Response.json(try await store.access(app: try appName(context)))
        }
        routes.put("apps/:name/access/:user", .app(.owner), audit: "access:add", use: grant)
        // Anyone may leave an app (but its last owner); only an owner may remove someone else.
        routes.delete("apps/:name/access/:user", .app(.read), audit: "access:remove") { _, context in
            let caller = try context.requireCaller()
            let app = try appName(context)
            let user = try UserName(context.parameters.get("user") ?? "")
            context.note.detail = user.rawValue
            if user != caller.user.name, try await caller.role(on: app, store: store) != .owner {
                throw HTTPProblem(.forbidden, "only an owner of '\(app)' takes the access of others; you may leave it yourself")
            }
            try await store.revokeAccess(app: app, user: user)
            return Response(status: .noContent)
        }
    }

    /// `POST /api/v1/users` with `CreateUser`: the user and their first token, shown once.
    @Sendable func addUser(_ request: Request, context: Context) async throws -> Response {
        guard let create = try? API.decoder().decode(CreateUser.self, from: try await request.body.collect(upTo: 4096)) else {
            throw HTTPProblem(.badRequest, #"expected a JSON body like {"name": "alice", "role": "member"}"#)
        }
        let name = try UserName(create.name)
        let role = try UserRole.parse(create.role)
        context.note.detail = "\(name) as \(role.rawValue)"
        let (user, token) = try await store.createUser(name, role: role)
        return Response.json(CreatedUser(name: user.name, role: user.role, token: token), status: .created)
    }

    /// `PUT …/access/USER` with `GrantAccess`: gives (or changes) the user's role on the app.
    @Sendable func grant(_ request: Request, context: Context) async throws -> Response {
        let app = try appName(context)
        let user = try UserName(context.parameters.get("user") ?? "")
        guard let grant = try? API.decoder().decode(GrantAccess.self, from: try await request.body.collect(upTo: 4096)) else {
            throw HTTPProblem(.badRequest, #"expected a JSON body like {"role": "deploy"}; roles: read, deploy, owner"#)
        }
        let role = try AccessRole.parse(grant.role)
        context.note.detail = "\(user) as \(role.rawValue)"
        return Response.json(try await store.grantAccess(app: app, user: user, role: role))
    }

    private func appName(_ context: Context) throws -> AppName {
        try AppName(context.parameters.get("name") ?? "")
    }
}
