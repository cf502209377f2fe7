import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/apps/NAME/releases`: an app's releases, newest first, as `ReleaseSummary` values:
/// config keys, never config values.
struct ReleasesController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store
    let operations: (any AppOperations)?

    /// The largest page a listing returns.
    static var maximumLimit: Int { 100_000 }

    func addRoutes(to routes: APIRoutes) {
        routes.get("apps/:name/releases", .app(.read), use: list)
        routes.get("apps/:name/releases/:version", .app(.read), use: show)
        routes.post("apps/:name/rollback", .app(.deploy), audit: "rollback", use: rollback)
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
        guard limit > Self.pageSize else {
            return Response.json(try await store.releases(app: app, limit: limit, before: before).map(\.summary))
        }
        // A long listing is read and written a page at a time: memory stays that of one page.
        _ = try await store.app(app)
        let (store, start) = (store, before)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody { writer in
                var remaining = limit
                var below = start
                var separator = "["
                while remaining > 0 {
                    let page = try await store.releases(app: app, limit: min(Self.pageSize, remaining), before: below)
                    guard let last = page.last else { break }
                    let json = try API.encoder().encode(page.map(\.summary))
                    // `[a,b]` → `,a,b`: the pages' elements joined into one array.
                    var buffer = ByteBuffer(string: separator)
                    buffer.writeBytes(json.dropFirst().dropLast())
                    try await writer.write(buffer)
                    separator = ","
                    remaining -= page.count
                    below = last.version
                }
                try await writer.write(ByteBuffer(string: separator == "[" ? "[]" : "]"))
                try await writer.finish(nil)
            })
    }

    /// Releases read per query of a long listing.
    static var pageSize: Int { 1000 }

    /// `GET …/releases/vN` (or `…/N`): a `ReleaseDetail`.
    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let app = try appName(context)
        let text = context.parameters.get("version") ?? ""
        guard let version = ReleaseVersion.parse(text) else {
            throw HTTPProblem(.badRequest, "invalid release version '\(text.prefix(40))': use vN or N, such as v12")
        }
        let release = try await store.release(app: app, version: version)
        let previous = try await store.releases(app: app, limit: 1, before: version).first
        var build: Build?
        if let id = release.buildID { build = try? await store.build(app: app, id: id) }
        return Response.json(ReleaseDetail(
            release: release.summary, build: build, previous: previous?.version,
            configChanges: ConfigDiff(from: previous?.config ?? [:], to: release.config)))
    }

    /// `POST …/rollback` with a `RollbackRequest`: 201 and the new, live release.
    @Sendable func rollback(_ request: Request, context: Context) async throws -> Response {
        let app = try appName(context)
        _ = try await store.app(app)
        let body = try await request.body.collect(upTo: 4096)
        let rollback: RollbackRequest
        do {
            rollback = body.readableBytes == 0 ? RollbackRequest() : try API.decoder().decode(RollbackRequest.self, from: body)
        } catch {
            throw HTTPProblem(.badRequest, #"invalid rollback request; send {"version": N} or {} for the last good release"#)
        }
        if let version = rollback.version, version < 1 {
            throw HTTPProblem(.badRequest, "invalid release version \(version): versions start at v1")
        }
        guard let operations else { throw HTTPProblem(.serviceUnavailable, "this server does not deploy") }
        context.note.detail = rollback.version.map { "to v\($0)" } ?? "to the last good release"
        let by = try context.requireCaller().user.name.rawValue
        let release = try await operations.rollback(app, to: rollback.version, trigger: Trigger(.rollback, by: by))
        context.note.detail = "to v\(release.version)"
        return Response.json(release.summary, status: .created)
    }

    private func appName(_ context: Context) throws -> AppName {
        try AppName(context.parameters.get("name") ?? "")
    }
}
