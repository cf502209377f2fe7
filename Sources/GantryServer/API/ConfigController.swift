import Foundation
import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/apps/NAME/config`: an app's config vars, read whole and changed in one request.
struct ConfigController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store
    let operations: (any AppOperations)?

    /// The largest `PATCH` body read: room for 30 values at the 32 KiB limit.
    static var maximumBodySize: Int { 1 << 20 }

    func addRoutes(to routes: APIRoutes) {
        routes.get("apps/:name/config", .app(.read)) { _, context in
            // `read` sees the keys, not the values (null).
            let app = try appName(context)
            let config = try await store.config(app: app)
            guard try await context.requireCaller().role(on: app, store: store) ?? .read >= .deploy else {
                return Response.json(config.mapValues { _ in String?.none })
            }
            return Response.json(config)
        }
        routes.patch("apps/:name/config", .app(.deploy), audit: "config:set", use: change)
    }

    /// Applies a `ConfigChange` and, unless `?deploy=false`, releases and deploys the live
    /// release's image with the new config; answers a `ConfigChangeResult`. An invalid key or
    /// value is a 400 and changes nothing (the store checks all of them before writing).
    @Sendable func change(_ request: Request, context: Context) async throws -> Response {
        let app = try appName(context)
        let body = try await request.body.collect(upTo: Self.maximumBodySize)
        let change: ConfigChange
        do {
            change = try API.decoder().decode(ConfigChange.self, from: body)
        } catch {
            throw HTTPProblem(
                .badRequest,
                "invalid config change (\(Self.summary(of: error))); send a JSON object like "
                    + #"{"KEY": "value", "OTHER": null}, where null unsets a var"#)
        }
        let deploy = request.uri.queryParameters.get("deploy") != "false"
        // Keys only: a value never reaches the audit log.
        context.note.detail = (change.set.keys.sorted().map { "set \($0)" } + change.unset.sorted().map { "unset \($0)" }).joined(separator: ", ")
        guard let operations else {
            let config = try await store.changeConfig(app: app, set: change.set, unset: change.unset)
            return Response.json(ConfigChangeResult(config: config, release: nil))
        }
        let by = try context.requireCaller().user.name.rawValue
        return Response.json(try await operations.changeConfig(app, change, deploy: deploy, trigger: Trigger(.config, by: by)))
    }

    private func appName(_ context: Context) throws -> AppName {
        try AppName(context.parameters.get("name") ?? "")
    }

    /// What a decoding error found wrong, in one phrase.
    private static func summary(of error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context) where !context.codingPath.isEmpty:
            context.debugDescription
        case DecodingError.typeMismatch:
            "the body is not a JSON object"
        default:
            "the body is not valid JSON"
        }
    }
}
