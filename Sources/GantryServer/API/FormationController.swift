import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/apps/NAME/ps` and `…/formation`: an app's processes, scaling and restarts.
struct FormationController<Context: RequestContext>: Sendable {
    let store: Store
    let lifecycle: AppLifecycle

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("apps/:name/ps") { _, context in
            let app = try await existingApp(context)
            return Response.json(await lifecycle.processes(app))
        }
        group.get("apps/:name/formation") { _, context in
            Response.json(try await store.formation(app: try await existingApp(context)))
        }
        group.patch("apps/:name/formation", use: scale)
        group.post("apps/:name/ps/restart", use: restart)
    }

    /// `PATCH …/formation` with `{"web": 3, "worker": 1}`: the processes after scaling.
    @Sendable func scale(_ request: Request, context: Context) async throws -> Response {
        let app = try await existingApp(context)
        let counts: [String: Int]
        do {
            counts = try API.decoder().decode([String: Int].self, from: try await request.body.collect(upTo: 64 << 10))
        } catch {
            throw HTTPProblem(.badRequest, #"invalid formation; send a JSON object of process type to count, such as {"web": 3}"#)
        }
        guard !counts.isEmpty else { throw HTTPProblem(.badRequest, "name at least one process type to scale, such as web=2") }
        return Response.json(try await operations().scale(app, counts))
    }

    /// `POST …/ps/restart` with a `RestartRequest`: the processes after restarting.
    @Sendable func restart(_ request: Request, context: Context) async throws -> Response {
        let app = try await existingApp(context)
        let body = try await request.body.collect(upTo: 4096)
        let restart: RestartRequest
        do {
            restart = body.readableBytes == 0 ? RestartRequest() : try API.decoder().decode(RestartRequest.self, from: body)
        } catch {
            throw HTTPProblem(.badRequest, #"invalid restart request; send {"type": "web"} or {} for every process"#)
        }
        return Response.json(try await operations().restart(app, type: restart.type))
    }

    private func operations() throws -> any AppOperations {
        guard let operations = lifecycle.operations else { throw HTTPProblem(.serviceUnavailable, "this server does not run apps") }
        return operations
    }

    private func existingApp(_ context: Context) async throws -> AppName {
        let app = try AppName(context.parameters.get("name") ?? "")
        _ = try await store.app(app)
        return app
    }
}
