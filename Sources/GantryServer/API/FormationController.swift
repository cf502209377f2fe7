import GantryCore
import GantryStore
import Hummingbird
import ServiceLifecycle

/// `/api/v1/apps/NAME/ps` and `…/formation`: an app's processes, scaling and restarts.
struct FormationController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store
    let lifecycle: AppLifecycle

    func addRoutes(to routes: APIRoutes) {
        routes.get("apps/:name/ps", .app(.read)) { _, context in
            let app = try await existingApp(context)
            return Response.json(await lifecycle.processes(app))
        }
        routes.get("apps/:name/formation", .app(.read)) { _, context in
            Response.json(try await store.formation(app: try await existingApp(context)))
        }
        routes.patch("apps/:name/formation", .app(.deploy), audit: "ps:scale", use: scale)
        routes.post("apps/:name/ps/restart", .app(.deploy), audit: "ps:restart", use: restart)
        routes.get("apps/:name/logs", .app(.read), use: logs)
    }

    /// `GET …/logs?lines=N&ps=web.1&follow=1`: text/plain, one `LogLine.formatted` per line;
    /// with `follow`, the response stays open and streams new lines, with an empty line as a
    /// heartbeat after a silence (a write to a client that left fails and ends the stream),
    /// until the client leaves or gantryd shuts down.
    @Sendable func logs(_ request: Request, context: Context) async throws -> Response {
        let app = try await existingApp(context)
        let parameters = request.uri.queryParameters
        var query = LogQuery()
        if let text = parameters.get("lines") {
            guard let lines = Int(text), (1...LogQuery.maximumLines).contains(lines) else {
                throw HTTPProblem(.badRequest, "lines must be a number from 1 to \(LogQuery.maximumLines)")
            }
            query.lines = lines
        }
        if let process = parameters.get("ps") {
            guard AppProcess.isValidName(process) || Formation.isValidType(process) else {
                throw HTTPProblem(.badRequest, "invalid process '\(process.prefix(40))': name one as `gantry ps` shows it (web.1) or a type (web)")
            }
            query.process = process
        }
        query.follow = ["1", "true"].contains(parameters.get("follow") ?? "")
        let stream = try await operations().logs(app, query)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                // Relayed, so that gantryd's shutdown can end the stream (and the request).
                let (relay, continuation) = AsyncStream.makeStream(of: [LogLine].self)
                let pump = Task {
                    for await lines in stream { continuation.yield(lines) }
                    continuation.finish()
                }
                defer { pump.cancel() }
                let caller = context.caller
                try await withGracefulShutdownHandler {
                    for await lines in relay {
                        // At each heartbeat: a token revoked or expired meanwhile ends the stream.
                        if lines.isEmpty, let caller, await !caller.isStillValid(store: store) { break }
                        try await writer.write(ByteBuffer(string: lines.isEmpty ? "\n" : lines.map { $0.formatted + "\n" }.joined()))
                    }
                } onGracefulShutdown: {
                    continuation.finish()
                }
                try await writer.finish(nil)
            })
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
        context.note.detail = counts.sorted { $0.key < $1.key }.map { "\($0.key.prefix(40))=\($0.value)" }.joined(separator: " ")
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
        context.note.detail = restart.type.map { String($0.prefix(40)) } ?? "every process"
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
