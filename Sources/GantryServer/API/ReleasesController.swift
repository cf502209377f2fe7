import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/apps/NAME/releases`: an app's releases, newest first, as `ReleaseSummary` values:
/// config keys, never config values.
struct ReleasesController<Context: RequestContext>: Sendable {
    let store: Store

    /// The largest page a listing returns.
    static var maximumLimit: Int { 100_000 }

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("apps/:name/releases", use: list)
        group.get("apps/:name/releases/:version", use: show)
    }

    /// `GET …/releases?limit=N&before=V`: up to `limit` (default 100) releases below version
    /// `V` (default: from the newest). The next page is `before=` the last version listed.
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let app = try appName(context)
        let query = request.uri.queryParameters
        let limit: Int
        if let text = query.get("limit") {
            guard let value = Int(text), (1...Self.maximumLimit).contains(value) else {
                throw HTTPProblem(.badRequest, "limit must be a number between 1 and \(Self.maximumLimit)")
            }
            limit = value
        } else {
            limit = 100
        }
        var before: Int?
        if let text = query.get("before") {
            guard let version = ReleaseVersion.parse(text) else {
                throw HTTPProblem(.badRequest, "before must be a release version such as v12 or 12")
            }
            before = version
        }
        let releases = try await store.releases(app: app, limit: limit, before: before)
        return Response.json(releases.map(\.summary))
    }

    /// `GET …/releases/vN` (or `…/N`).
    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let app = try appName(context)
        let text = context.parameters.get("version") ?? ""
        guard let version = ReleaseVersion.parse(text) else {
            throw HTTPProblem(.badRequest, "invalid release version '\(text.prefix(40))': use vN or N, such as v12")
        }
        return Response.json(try await store.release(app: app, version: version).summary)
    }

    private func appName(_ context: Context) throws -> AppName {
        try AppName(context.parameters.get("name") ?? "")
    }
}
