import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/apps` and `/api/v1/apps/NAME/builds`.
struct AppsController: Sendable {
    typealias Context = GantryRequestContext
    let apps: AppService
    var store: Store { apps.store }

    func addRoutes(to routes: APIRoutes) {
        routes.get("apps", .signedIn) { _, context in
            // Those the caller may see, narrowed to the token's apps.
            let caller = try context.requireCaller()
            let apps = try await store.apps(visibleTo: caller.user.name)
            return Response.json(caller.scope.map { scope in apps.filter { scope.contains($0.name) } } ?? apps)
        }
        routes.post("apps", .account, audit: "apps:create", use: create)
        routes.get("apps/:name", .app(.read)) { _, context in Response.json(try await store.app(appName(context))) }
        routes.delete("apps/:name", .app(.owner), audit: "apps:destroy") { _, context in
            try await apps.destroy(appName(context))
            return Response(status: .noContent)
        }
        routes.get("apps/:name/builds", .app(.read)) { request, context in
            let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 100
            guard (1...1000).contains(limit) else { throw HTTPProblem(.badRequest, "limit must be between 1 and 1000") }
            return Response.json(try await store.builds(app: appName(context), limit: limit))
        }
        routes.get("apps/:name/builds/:id", .app(.read)) { _, context in
            guard let id = context.parameters.get("id", as: Int64.self) else {
                throw HTTPProblem(.badRequest, "build id must be a number")
            }
            return Response.json(try await store.build(app: appName(context), id: id))
        }
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 10)
        guard let create = try? API.decoder().decode(CreateApp.self, from: body) else {
            throw HTTPProblem(.badRequest, #"expected a JSON body like {"name": "hello"}"#)
        }
        let name = try AppName(create.name)
        context.note.detail = name.rawValue
        return Response.json(try await apps.create(name, owner: try context.requireCaller().user.name), status: .created)
    }

    private func appName(_ context: Context) throws -> AppName {
        try AppName(context.parameters.get("name") ?? "")
    }
}
