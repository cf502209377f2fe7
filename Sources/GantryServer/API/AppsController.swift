import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/apps` and `/api/v1/apps/NAME/builds`.
struct AppsController<Context: RequestContext>: Sendable {
    let apps: AppService
    var store: Store { apps.store }

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("apps") { _, _ in Response.json(try await store.apps()) }
        group.post("apps", use: create)
        group.get("apps/:name") { _, context in Response.json(try await store.app(appName(context))) }
        group.delete("apps/:name") { _, context in
            try await apps.destroy(appName(context))
            return Response(status: .noContent)
        }
        group.get("apps/:name/builds") { request, context in
            let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 100
            guard (1...1000).contains(limit) else { throw HTTPProblem(.badRequest, "limit must be between 1 and 1000") }
            return Response.json(try await store.builds(app: appName(context), limit: limit))
        }
        group.get("apps/:name/builds/:id") { _, context in
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
        return Response.json(try await apps.create(AppName(create.name)), status: .created)
    }

    private func appName(_ context: Context) throws -> AppName {
        try AppName(context.parameters.get("name") ?? "")
    }
}
