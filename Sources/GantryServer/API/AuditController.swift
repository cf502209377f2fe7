import GantryCore
import GantryStore
import Hummingbird

/// `GET /api/v1/audit?app=&user=&limit=N&before=ID`: the audit log, newest first. An admin reads
/// all of it; anyone else the events of an app they may read, or their own.
struct AuditController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store

    static let maximumLimit = 1000

    func addRoutes(to routes: APIRoutes) {
        routes.get("audit", .signedIn) { request, context in
            let caller = try context.requireCaller()
            let parameters = request.uri.queryParameters
            var query = AuditQuery()
            query.app = try parameters.get("app").map { try AppName($0) }
            query.user = try parameters.get("user").map { try UserName($0) }
            if let text = parameters.get("limit") {
                guard let limit = Int(text), (1...Self.maximumLimit).contains(limit) else {
                    throw HTTPProblem(.badRequest, "limit must be a number between 1 and \(Self.maximumLimit)")
                }
                query.limit = limit
            }
            if let text = parameters.get("before") {
                guard let before = Int64(text), before > 0 else { throw HTTPProblem(.badRequest, "before must be an event id") }
                query.before = before
            }
            if !caller.isAdmin {
                if let app = query.app {
                    if try await caller.role(on: app, store: store) == nil {
                        throw HTTPProblem(.forbidden, "'\(caller.user.name)' has no access to '\(app)'")
                    }
                } else if query.user != caller.user.name {
                    throw HTTPProblem(.forbidden, "only an admin reads the whole audit log; name an app you have access to (--app) or yourself (--user \(caller.user.name))")
                }
            }
            return Response.json(try await store.audit(query))
        }
    }
}
