import GantryCore
import GantryStore
import HTTPTypes

/// What a route asks of its caller. Every route of the API names one where it is added
/// (`APIRoutes`), so none can be added without deciding.
enum Need: Sendable, Hashable, CustomStringConvertible {
    /// Any user. A read-only token may only read.
    case signedIn
    /// Any user acting for their whole account (apps:create, keys:add): a token narrowed to
    /// apps cannot, a read-only one may only read.
    case account
    /// An admin, with a token not narrowed to apps.
    case admin
    /// At least this role on the app named by the route's `:name`.
    case app(AccessRole)

    var description: String {
        switch self {
        case .signedIn: "any user"
        case .account: "a user's whole account"
        case .admin: "admin"
        case .app(let role): "\(role.rawValue) access"
        }
    }

    /// Why `caller` may not make this call (method `method`, on `app` for `.app`), or `nil`.
    func refusal(of caller: Caller, method: HTTPRequest.Method, app: AppName?, store: Store) async throws -> String? {
        let writes = method != .get && method != .head
        if writes, caller.readOnly { return "this token is read-only; create one without --read-only (`gantry tokens:create`)" }
        switch self {
        case .signedIn:
            return nil
        case .account:
            guard let scope = caller.scope else { return nil }
            return "this token is narrowed to \(Self.list(scope)); use a token of your whole account"
        case .admin:
            if caller.user.role != .admin { return "only an admin may do this; '\(caller.user.name)' is a member" }
            if let scope = caller.scope { return "this token is narrowed to \(Self.list(scope)); use a token of your whole account" }
            return nil
        case .app(let needed):
            guard let app else { return "this route names no app" }
            if let scope = caller.scope, !scope.contains(app) { return "this token is narrowed to \(Self.list(scope)), not '\(app)'" }
            guard let role = try await caller.role(on: app, store: store) else {
                return "'\(caller.user.name)' has no access to '\(app)'; an owner of it can give it (`gantry access:add \(app) \(caller.user.name) --role \(needed.rawValue)`)"
            }
            if role < needed {
                return "'\(caller.user.name)' has \(role.rawValue) access to '\(app)'\(caller.readOnly ? " (read-only token)" : ""); this needs \(needed.rawValue)"
            }
            return nil
        }
    }

    private static func list(_ apps: [AppName]) -> String {
        apps.isEmpty ? "no app" : apps.map { "'\($0)'" }.joined(separator: ", ")
    }
}
