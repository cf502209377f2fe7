import GantryCore
import Hummingbird

/// `POST /api/v1/gc[?dry_run=1]`: reclaims (or, in a dry run, lists) what nothing on disk refers
/// to any more — see `AppLifecycle.collectGarbage`.
struct GarbageController: Sendable {
    typealias Context = GantryRequestContext
    let lifecycle: AppLifecycle

    func addRoutes(to routes: APIRoutes) {
        routes.post("gc", .admin, audit: "gc", use: collect)
    }

    @Sendable func collect(_ request: Request, context: Context) async throws -> Response {
        let dryRun: Bool
        switch request.uri.queryParameters.get("dry_run") {
        case nil, "0", "false": dryRun = false
        case "1", "true": dryRun = true
        case let other?: throw HTTPProblem(.badRequest, "dry_run must be 1 or 0, not '\(other.prefix(20))'")
        }
        guard let collect = lifecycle.collectGarbage else {
            throw HTTPProblem(.serviceUnavailable, "this server keeps no images or build data to collect")
        }
        return Response.json(try await collect(dryRun))
    }
}
