import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/apps/NAME/canary`: gray releases (see `CanaryAPI` for each route). Reading needs
/// `read` access to the app; starting, weighing, promoting and aborting need `deploy`, as a
/// push does.
struct CanaryController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store
    let operations: (any AppOperations)?

    func addRoutes(to routes: APIRoutes) {
        routes.get("apps/:name/canary", .app(.read)) { _, context in
            let app = try appName(context)
            _ = try await store.app(app)
            return Response.json(try await canaries().canaryStatus(app))
        }
        routes.post("apps/:name/canary", .app(.deploy), audit: "deploy:canary", use: start)
        routes.patch("apps/:name/canary", .app(.deploy), audit: "canary:weight", use: weigh)
        routes.post("apps/:name/canary/promote", .app(.deploy), audit: "canary:promote") { _, context in
            let app = try appName(context)
            _ = try await store.app(app)
            let release = try await canaries().promoteCanary(app, trigger: try trigger(context))
            context.note.detail = "v\(release.version)"
            return Response.json(release.summary)
        }
        routes.post("apps/:name/canary/abort", .app(.deploy), audit: "canary:abort") { _, context in
            let app = try appName(context)
            _ = try await store.app(app)
            let canary = try await canaries().abortCanary(app, trigger: try trigger(context))
            context.note.detail = "v\(canary.release)"
            return Response.json(canary)
        }
    }

    /// `POST …/canary` with a `CanaryRequest`: 201 and the canary's status once it serves.
    @Sendable func start(_ request: Request, context: Context) async throws -> Response {
        let app = try appName(context)
        _ = try await store.app(app)
        let body = try await request.body.collect(upTo: 16 << 10)
        let wanted: CanaryRequest
        do {
            wanted = body.readableBytes == 0 ? CanaryRequest() : try API.decoder().decode(CanaryRequest.self, from: body)
        } catch let error as CanaryInputError {
            throw HTTPProblem(.badRequest, error.description)
        } catch {
            throw HTTPProblem(.badRequest, #"invalid canary request; send {"version": N, "weight": 10} (each optional)"#)
        }
        if let version = wanted.version, version < 1 { throw HTTPProblem(.badRequest, "invalid release version \(version): versions start at v1") }
        let status = try await canaries().startCanary(app, wanted, trigger: try trigger(context))
        context.note.detail = status.canary.map { "v\($0.release) at \($0.weight)%" }
        return Response.json(status, status: .created)
    }

    /// `PATCH …/canary` with a `CanaryWeightRequest`.
    @Sendable func weigh(_ request: Request, context: Context) async throws -> Response {
        let app = try appName(context)
        _ = try await store.app(app)
        let body = try await request.body.collect(upTo: 4096)
        guard let wanted = try? API.decoder().decode(CanaryWeightRequest.self, from: body) else {
            throw HTTPProblem(.badRequest, #"invalid weight request; send {"weight": N} with N from 1 to 99"#)
        }
        context.note.detail = "\(wanted.weight)%"
        return Response.json(try await canaries().setCanaryWeight(app, wanted.weight, trigger: try trigger(context)))
    }

    private func canaries() throws -> any AppOperations {
        guard let operations else { throw HTTPProblem(.serviceUnavailable, "this server does not deploy") }
        return operations
    }

    private func trigger(_ context: Context) throws -> Trigger {
        Trigger(.rollback, by: try context.requireCaller().user.name.rawValue)
    }

    private func appName(_ context: Context) throws -> AppName {
        try AppName(context.parameters.get("name") ?? "")
    }
}
